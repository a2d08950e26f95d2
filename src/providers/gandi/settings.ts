/**
 * A stack's Gandi hosting settings (`new Stack(app, "lab", { provider: { gandi: {...} } })`), their
 * schema, and their place in the stack's `ProviderSettings`.
 */
import { boolean, object, string } from "../../resources/schema-parts.js";
import type { JsonSchema } from "../../resources/schema-parts.js";

/** Where Gandi's hosting XML-RPC API is, and which account hyperplan logs in as. */
export interface GandiSettings {
  /**
   * The hosting API endpoint: a URL taken as it is (`https://api.gandi.net/hosting/`), or a bare host
   * name, which means `https://<host>/hosting/`.
   * @default the `GANDI_URL` environment variable, else `https://api.gandi.net/hosting/`
   */
  url?: string;
  /**
   * The account handle to log in as (`AA1234-GANDI`).
   * @default the `GANDI_LOGIN` environment variable
   */
  login?: string;
  /**
   * The account's password. Prefer the environment: settings are part of the stack file.
   * @default the `GANDI_PASSWORD` environment variable
   */
  password?: string;
  /**
   * PEM file of the certificate authority that signed the endpoint's TLS certificate.
   * @default the system's trusted authorities
   */
  caFile?: string;
  /**
   * `false` accepts any TLS certificate. An explicit opt-out: prefer `caFile`.
   * @default true
   */
  rejectUnauthorized?: boolean;
}

declare module "../../resources/stack.js" {
  interface ProviderSettings {
    gandi?: GandiSettings;
  }
}

export const gandiSettingsSchema: JsonSchema = object({
  url: string("a host name or an http:// or https:// URL (https://api.gandi.net/hosting/)", { minLength: 1 }),
  login: string("an account handle (AA1234-GANDI)", { minLength: 1 }),
  password: string("a password", { secret: true }),
  caFile: string("a file path", { minLength: 1 }),
  rejectUnauthorized: boolean(),
});

/**
 * The settings as a saved plan may keep them: never the password, nor a user and password written
 * into the URL.
 */
export function gandiSavedSettings(settings: GandiSettings): GandiSettings {
  const { password: _password, ...rest } = settings;
  if (rest.url === undefined) return rest;
  return { ...rest, url: withoutUserinfo(rest.url) };
}

function withoutUserinfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, "$1");
}
