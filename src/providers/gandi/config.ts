/**
 * Where Gandi's hosting API is and who we are, read from the stack's settings, else from the
 * environment: `GANDI_URL` (a URL or a host name), `GANDI_LOGIN`, `GANDI_PASSWORD`.
 *
 * The password never leaves a `GandiCredentials` except through `reveal()`: it is a private field,
 * invisible to JSON.stringify and util.inspect, and no error message is built from it.
 */
import { readFile } from "node:fs/promises";
import { inspect } from "node:util";
import { HyperplanError } from "../../errors.js";
import { printableEndpoint } from "../kit/http-transport.js";
import type { GandiSettings } from "./settings.js";

/**
 * The endpoint when none is given: the host of the hosting API's own samples
 * (`xmlrpclib.ServerProxy("https://api.gandi.net/hosting/")`, seed 001 "login") with the path FACTS
 * §2.1 gives for it (`/hosting/`; older samples show `/xmlrpc/`).
 */
export const DEFAULT_GANDI_URL = "https://api.gandi.net/hosting/";
/** The path a bare host name gets (FACTS §2.1). */
const HOSTING_PATH = "/hosting/";

export class GandiConfigError extends HyperplanError {
  constructor(summary: string, cause?: unknown) {
    super("GANDI_CONFIG", summary, cause === undefined ? {} : { cause });
  }
}

/** An account handle and its password; the password is read only by the client that logs in. */
export class GandiCredentials {
  readonly login: string;
  readonly #password: string;

  constructor(login: string, password: string) {
    this.login = login;
    this.#password = password;
  }

  /** The password, for the login call and nothing else. */
  reveal(): string {
    return this.#password;
  }

  toJSON(): { login: string } {
    return { login: this.login };
  }

  [inspect.custom](): string {
    return `GandiCredentials { login: ${JSON.stringify(this.login)}, password: (hidden) }`;
  }
}

export interface GandiConfig {
  /** The endpoint calls are POSTed to (`https://api.gandi.net/hosting/`), without any user or password. */
  url: string;
  credentials: GandiCredentials;
  caFile?: string;
  /** False only when the settings opted out of certificate checks. */
  rejectUnauthorized: boolean;
}

export interface GandiConfigInput {
  settings?: GandiSettings;
  /** Environment to read GANDI_* from (default: process.env). */
  env?: Record<string, string | undefined>;
}

export function resolveGandiConfig(input: GandiConfigInput = {}): GandiConfig {
  const settings = input.settings ?? {};
  const env = input.env ?? process.env;
  const fromSettings = settings.url !== undefined;
  const fromEnv = nonEmpty(env.GANDI_URL);
  const where = fromSettings ? "the stack's gandi.url" : fromEnv !== undefined ? "GANDI_URL" : "the default endpoint";
  const url = parseEndpoint(settings.url ?? fromEnv ?? DEFAULT_GANDI_URL, where);
  // A login and password written into the URL count as given in the settings, below the explicit ones.
  const urlLogin = url.username === "" ? undefined : decodeURIComponent(url.username);
  const urlPassword = url.password === "" ? undefined : decodeURIComponent(url.password);
  url.username = "";
  url.password = "";

  const login = settings.login ?? urlLogin ?? nonEmpty(env.GANDI_LOGIN);
  const password = settings.password ?? urlPassword ?? nonEmptyRaw(env.GANDI_PASSWORD);
  const missing = [
    login === undefined ? "an account handle (provider.gandi.login in the stack, or GANDI_LOGIN in the environment)" : undefined,
    password === undefined ? "a password (GANDI_PASSWORD in the environment, or provider.gandi.password in the stack)" : undefined,
  ].filter((m): m is string => m !== undefined);
  if (missing.length > 0) throw new GandiConfigError(`logging in to ${url.toString()} needs ${missing.join(" and ")}`);

  return {
    url: url.toString(),
    credentials: new GandiCredentials(login!, password!),
    ...(settings.caFile !== undefined ? { caFile: settings.caFile } : {}),
    rejectUnauthorized: settings.rejectUnauthorized ?? true,
  };
}

/** Reads the CA file a config names, with an error that names the file. */
export async function readCaFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GandiConfigError(`cannot read the CA file ${path} (${code ?? "error"})`, error);
  }
}

/**
 * The endpoint as the client posts to it. A URL is taken as it stands, path included (a simulator
 * or a proxy may serve the API elsewhere); a bare host name means `https://<host>/hosting/`. Any user
 * and password in it are kept, for the caller to take out.
 */
export function parseEndpoint(given: string, where: string): URL {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : `https://${given}${HOSTING_PATH}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GandiConfigError(`${where} "${printableEndpoint(given)}" is neither a host name nor a URL (expected e.g. api.gandi.net or https://api.gandi.net/hosting/)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new GandiConfigError(`${where} must be an http:// or https:// URL, got ${url.protocol}//`);
  if (url.search !== "" || url.hash !== "") throw new GandiConfigError(`${where} must not carry a query or fragment`);
  return url;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** Passwords are taken as they are (spaces included); only an empty variable counts as unset. */
function nonEmptyRaw(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
