/**
 * Where the panel is and who we are, from the stack's settings, else the environment: `OWP_URL`,
 * `OWP_USER`, `OWP_PASSWORD`.
 *
 * The password never leaves an `OwpCredentials` except through `basicAuth()`: it is a private field,
 * invisible to JSON.stringify and util.inspect, and no error message is built from it.
 */
import { readFile } from "node:fs/promises";
import { inspect } from "node:util";
import { HyperplanError } from "../../errors.js";
import { printableEndpoint } from "../kit/http-transport.js";
import type { OpenVzSettings } from "./settings.js";

export class OpenVzConfigError extends HyperplanError {
  constructor(summary: string, cause?: unknown) {
    super("OPENVZ_CONFIG", summary, cause === undefined ? {} : { cause });
  }
}

/** A panel user and its password; the password only ever leaves as the Basic authorization header. */
export class OwpCredentials {
  readonly user: string;
  readonly #password: string;

  constructor(user: string, password: string) {
    this.user = user;
    this.#password = password;
  }

  /** The `Authorization` header of every call (FACTS §3.1: HTTP Basic, no sessions). */
  basicAuth(): string {
    return `Basic ${Buffer.from(`${this.user}:${this.#password}`, "utf8").toString("base64")}`;
  }

  toJSON(): { user: string } {
    return { user: this.user };
  }

  [inspect.custom](): string {
    return `OwpCredentials { user: ${JSON.stringify(this.user)}, password: (hidden) }`;
  }
}

export interface OpenVzConfig {
  /** The panel's base URL, ending in `/`, without any user or password. */
  url: string;
  credentials: OwpCredentials;
  hardwareServer?: string;
  caFile?: string;
  rejectUnauthorized: boolean;
}

export function resolveOpenVzConfig(input: { settings?: OpenVzSettings; env?: Record<string, string | undefined> } = {}): OpenVzConfig {
  const settings = input.settings ?? {};
  const env = input.env ?? process.env;
  const given = settings.url ?? nonEmpty(env.OWP_URL);
  if (given === undefined) throw new OpenVzConfigError("the panel's URL is not given: set OWP_URL (http://panel.lan:3000/) or provider.openvz.url in the stack");
  const where = settings.url !== undefined ? "the stack's openvz.url" : "OWP_URL";
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new OpenVzConfigError(`${where} "${printableEndpoint(given)}" is not a URL (expected e.g. http://panel.lan:3000/)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new OpenVzConfigError(`${where} must be an http:// or https:// URL, got ${url.protocol}//`);
  if (url.search !== "" || url.hash !== "") throw new OpenVzConfigError(`${where} must not carry a query or fragment`);
  const urlUser = url.username === "" ? undefined : decodeURIComponent(url.username);
  const urlPassword = url.password === "" ? undefined : decodeURIComponent(url.password);
  url.username = "";
  url.password = "";
  // The API lives under the panel's base (`/api/<controller>/<action>`, FACTS §3.1).
  if (url.pathname.endsWith("/api/") || url.pathname.endsWith("/api")) url.pathname = url.pathname.replace(/api\/?$/, "");
  if (!url.pathname.endsWith("/")) url.pathname += "/";

  const user = settings.username ?? urlUser ?? nonEmpty(env.OWP_USER);
  const password = settings.password ?? urlPassword ?? (env.OWP_PASSWORD === "" ? undefined : env.OWP_PASSWORD);
  const missing = [
    user === undefined ? "a user (provider.openvz.username in the stack, or OWP_USER in the environment)" : undefined,
    password === undefined ? "a password (OWP_PASSWORD in the environment, or provider.openvz.password in the stack)" : undefined,
  ].filter((m): m is string => m !== undefined);
  if (missing.length > 0) throw new OpenVzConfigError(`calling the panel at ${url.toString()} needs ${missing.join(" and ")}`);
  return {
    url: url.toString(),
    credentials: new OwpCredentials(user!, password!),
    ...(settings.hardwareServer !== undefined ? { hardwareServer: settings.hardwareServer } : {}),
    ...(settings.caFile !== undefined ? { caFile: settings.caFile } : {}),
    rejectUnauthorized: settings.rejectUnauthorized ?? true,
  };
}

/** Reads the CA file a config names, with an error that names the file. */
export async function readCaFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new OpenVzConfigError(`cannot read the CA file ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`, error);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
