/**
 * Where the cloud is and who we are, read as the OpenNebula CLI reads it: the endpoint from
 * `ONE_XMLRPC` (default `http://localhost:2633/RPC2`), the credentials from the file named by
 * `ONE_AUTH` (default `~/.one/one_auth`), whose first line is `user:password`. Both can be given in code.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { HyperplanError } from "../../errors.js";
import { printableEndpoint } from "../kit/http-transport.js";

export const DEFAULT_ENDPOINT = "http://localhost:2633/RPC2";

export interface OneConfigInput {
  /** Environment to read ONE_XMLRPC / ONE_AUTH / HOME from (default: process.env). */
  env?: Record<string, string | undefined>;
  endpoint?: string;
  /** `user:password`; wins over every other source of credentials. */
  session?: string;
  username?: string;
  password?: string;
  /** A file holding `user:password`; wins over ONE_AUTH. */
  authFile?: string;
  /** Where a `session` given here was read, for an error that names it (`the auth file ~/.one/one_auth`). */
  credentialsFrom?: string;
}

export interface OneConfig {
  endpoint: string;
  session: string;
  /** Where the session was read (`the auth file /etc/one/ci_auth (ONE_AUTH)`), never what it holds. */
  credentialsFrom: string;
}

export class OneConfigError extends HyperplanError {
  constructor(summary: string, cause?: unknown) {
    super("ONE_CONFIG", summary, cause === undefined ? {} : { cause });
  }
}

export function resolveOneConfig(input: OneConfigInput = {}): OneConfig {
  const env = input.env ?? process.env;
  const endpoint = input.endpoint ?? nonEmpty(env.ONE_XMLRPC) ?? DEFAULT_ENDPOINT;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new OneConfigError(`the OpenNebula endpoint "${printableEndpoint(endpoint)}" is not a URL (expected e.g. ${DEFAULT_ENDPOINT})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new OneConfigError(`the OpenNebula endpoint must be http:// or https://, got ${url.protocol}//`);
  }
  return { endpoint, ...resolveSession(input, env) };
}

function resolveSession(input: OneConfigInput, env: Record<string, string | undefined>): { session: string; credentialsFrom: string } {
  if (input.session !== undefined) return { session: checkSession(input.session, "the session given"), credentialsFrom: input.credentialsFrom ?? "the session given" };
  if (input.username !== undefined || input.password !== undefined) {
    if (!input.username || input.password === undefined) throw new OneConfigError("both a username and a password are needed");
    return { session: checkSession(`${input.username}:${input.password}`, "the username and password given"), credentialsFrom: "the username and password given" };
  }
  const file = input.authFile ?? nonEmpty(env.ONE_AUTH) ?? join(nonEmpty(env.HOME) ?? homedir(), ".one", "one_auth");
  const from = input.authFile !== undefined ? `the auth file ${file} (the stack's authFile)` : nonEmpty(env.ONE_AUTH) !== undefined ? `the auth file ${file} (ONE_AUTH)` : `the auth file ${file}`;
  let content: string;
  try {
    content = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new OneConfigError(
      code === "ENOENT"
        ? `the OpenNebula auth file ${file} does not exist (set ONE_AUTH to a file holding user:password)`
        : `cannot read the OpenNebula auth file ${file} (${code ?? "error"})`,
      error,
    );
  }
  const first = content.split(/\r?\n/)[0]!.trim();
  // The file's content is a secret: the error names the file, never what is in it.
  return { session: checkSession(first, `the first line of ${file}`), credentialsFrom: from };
}

function checkSession(session: string, where: string): string {
  const colon = session.indexOf(":");
  if (colon <= 0 || colon === session.length - 1) throw new OneConfigError(`${where} is not of the form user:password`);
  return session;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
