/**
 * Where the pool is and who we are, read from the stack's settings, else from the environment as
 * Ansible's xenserver modules read it: `XENSERVER_HOST` (a host name or a URL), `XENSERVER_USER`,
 * `XENSERVER_PASSWORD`, `XENSERVER_VALIDATE_CERTS`; and hyperplan's own `XENSERVER_TRANSPORT`.
 *
 * The password never leaves a `XenCredentials` except through `reveal()`: it is a private field,
 * invisible to JSON.stringify and util.inspect, and no error message is built from it.
 */
import { readFile } from "node:fs/promises";
import { inspect } from "node:util";
import { HyperplanError } from "../../errors.js";
import { printableEndpoint } from "../kit/http-transport.js";
import type { XenServerSettings } from "./settings.js";
import { DEFAULT_XEN_TRANSPORT, XEN_TRANSPORT_KINDS, type XenTransportKind } from "./wire.js";

export class XenServerConfigError extends HyperplanError {
  constructor(summary: string, cause?: unknown) {
    super("XENSERVER_CONFIG", summary, cause === undefined ? {} : { cause });
  }
}

/** A user name and its password; the password is read only by the client that logs in. */
export class XenCredentials {
  readonly username: string;
  readonly #password: string;

  constructor(username: string, password: string) {
    this.username = username;
    this.#password = password;
  }

  /** The password, for the login call and nothing else. */
  reveal(): string {
    return this.#password;
  }

  toJSON(): { username: string } {
    return { username: this.username };
  }

  [inspect.custom](): string {
    return `XenCredentials { username: ${JSON.stringify(this.username)}, password: (hidden) }`;
  }
}

export interface XenServerConfig {
  /** The base URL of the pool master (`https://xen1.example.org/`), without any user or password. */
  url: string;
  credentials: XenCredentials;
  caFile?: string;
  /** False only when the settings or XENSERVER_VALIDATE_CERTS opted out of certificate checks. */
  rejectUnauthorized: boolean;
  /** The wire: the settings', else XENSERVER_TRANSPORT, else DEFAULT_XEN_TRANSPORT. */
  transport: XenTransportKind;
}

export interface XenServerConfigInput {
  settings?: XenServerSettings;
  /** Environment to read XENSERVER_* from (default: process.env). */
  env?: Record<string, string | undefined>;
}

export function resolveXenServerConfig(input: XenServerConfigInput = {}): XenServerConfig {
  const settings = input.settings ?? {};
  const env = input.env ?? process.env;
  const where = settings.url !== undefined ? "the stack's xenserver.url" : "XENSERVER_HOST";
  const given = settings.url ?? nonEmpty(env.XENSERVER_HOST);
  if (given === undefined) {
    throw new XenServerConfigError("no XenServer pool is given: set provider.xenserver.url in the stack or XENSERVER_HOST in the environment (a host name or https:// URL)");
  }
  const url = parseBaseUrl(given, where);
  // A user and password written into the URL count as given in the settings, below the explicit ones.
  const urlUser = url.username === "" ? undefined : decodeURIComponent(url.username);
  const urlPassword = url.password === "" ? undefined : decodeURIComponent(url.password);
  url.username = "";
  url.password = "";

  const username = settings.username ?? urlUser ?? nonEmpty(env.XENSERVER_USER);
  const password = settings.password ?? urlPassword ?? nonEmptyRaw(env.XENSERVER_PASSWORD);
  const missing = [username === undefined ? "a user (xenserver.username or XENSERVER_USER)" : undefined, password === undefined ? "a password (xenserver.password or XENSERVER_PASSWORD)" : undefined].filter(
    (m): m is string => m !== undefined,
  );
  if (missing.length > 0) throw new XenServerConfigError(`logging in to ${url.toString()} needs ${missing.join(" and ")}`);

  const rejectUnauthorized = settings.rejectUnauthorized ?? !isNo(env.XENSERVER_VALIDATE_CERTS);
  const transport = settings.transport ?? transportFromEnv(env.XENSERVER_TRANSPORT);
  return {
    url: url.toString(),
    credentials: new XenCredentials(username!, password!),
    ...(settings.caFile !== undefined ? { caFile: settings.caFile } : {}),
    rejectUnauthorized,
    transport,
  };
}

function transportFromEnv(value: string | undefined): XenTransportKind {
  const given = nonEmpty(value)?.toLowerCase();
  if (given === undefined) return DEFAULT_XEN_TRANSPORT;
  if (!(XEN_TRANSPORT_KINDS as readonly string[]).includes(given)) {
    throw new XenServerConfigError(`XENSERVER_TRANSPORT must be ${XEN_TRANSPORT_KINDS.join(" or ")}, got "${value}"`);
  }
  return given as XenTransportKind;
}

/** Reads the CA file a config names, with an error that names the file. */
export async function readCaFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new XenServerConfigError(`cannot read the CA file ${path} (${code ?? "error"})`, error);
  }
}

/**
 * The base URL of a pool master as the client posts to it: a bare host name means https on port 443,
 * where xapi listens (TLS, usually self-signed); the path ends in "/" (XML-RPC posts to the base
 * itself, JSON-RPC to `jsonrpc` below it). Any user and password in it are kept, for the caller to
 * take out.
 */
export function parseBaseUrl(given: string, where: string): URL {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : `https://${given}/`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new XenServerConfigError(`${where} "${printableEndpoint(given)}" is neither a host name nor a URL (expected e.g. xen1.example.org or https://xen1.example.org/)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new XenServerConfigError(`${where} must be an http:// or https:// URL, got ${url.protocol}//`);
  if (url.search !== "" || url.hash !== "") throw new XenServerConfigError(`${where} must not carry a query or fragment`);
  if (!url.pathname.endsWith("/")) url.pathname = `${url.pathname}/`;
  return url;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** Passwords are taken as they are (spaces included); only an empty variable counts as unset. */
function nonEmptyRaw(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function isNo(value: string | undefined): boolean {
  return value !== undefined && /^(false|no|0|off)$/i.test(value.trim());
}
