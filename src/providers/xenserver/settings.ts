/**
 * A stack's XenServer settings (`new Stack(app, "lab", { provider: { xenserver: {...} } })`), their
 * schema, and their place in the stack's `ProviderSettings`.
 */
import { boolean, enumOf, object, string } from "../../resources/schema-parts.js";
import type { JsonSchema } from "../../resources/schema-parts.js";

/** Where the XenServer (or XCP-ng) pool of a stack is, and who hyperplan logs in as. */
export interface XenServerSettings {
  /**
   * The pool master: a URL (`https://xen1.example.org/`) or a bare host name, which means
   * `https://<host>/`. A member that is not the master answers HOST_IS_SLAVE and the client moves on
   * to the master it names.
   * @default the `XENSERVER_HOST` environment variable
   */
  url?: string;
  /**
   * The user to log in as (`root`, or a pool user of an external directory).
   * @default the `XENSERVER_USER` environment variable
   */
  username?: string;
  /**
   * The user's password. Prefer the environment: settings are part of the stack file.
   * @default the `XENSERVER_PASSWORD` environment variable
   */
  password?: string;
  /**
   * PEM file of the certificate authority that signed the pool's TLS certificate.
   * @default the system's trusted authorities
   */
  caFile?: string;
  /**
   * `false` accepts any TLS certificate, such as the self-signed one a pool installs by itself.
   * An explicit opt-out: prefer `caFile` with the pool's certificate.
   * @default true, or false when `XENSERVER_VALIDATE_CERTS` is `false`, `no` or `0`
   */
  rejectUnauthorized?: boolean;
  /**
   * The wire to speak to xapi: `json-rpc` (`/jsonrpc`, the faster by measurement: BENCHMARKS.md
   * "xenapi-transport") or `xml-rpc` (`/`, what every xapi release serves).
   * @default the `XENSERVER_TRANSPORT` environment variable, else `json-rpc`
   */
  transport?: "json-rpc" | "xml-rpc";
}

declare module "../../resources/stack.js" {
  interface ProviderSettings {
    xenserver?: XenServerSettings;
  }
}

export const xenServerSettingsSchema: JsonSchema = object({
  url: string("a host name or an http:// or https:// URL (https://xen1.example.org/)", { minLength: 1 }),
  username: string("a user name", { minLength: 1 }),
  password: string("a password", { secret: true }),
  caFile: string("a file path", { minLength: 1 }),
  rejectUnauthorized: boolean(),
  transport: enumOf(["json-rpc", "xml-rpc"]),
});

/**
 * The settings as a saved plan may keep them: never the password, nor a user and password written
 * into the URL.
 */
export function xenServerSavedSettings(settings: XenServerSettings): XenServerSettings {
  const { password: _password, ...rest } = settings;
  if (rest.url === undefined) return rest;
  return { ...rest, url: withoutUserinfo(rest.url) };
}

function withoutUserinfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, "$1");
}
