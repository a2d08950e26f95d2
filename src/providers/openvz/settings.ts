/**
 * A stack's OpenVZ Web Panel settings (`new Stack(app, "ci", { provider: { openvz: {...} } })`), their
 * schema, and their place in the stack's `ProviderSettings`.
 */
import { boolean, object, string } from "../../resources/schema-parts.js";
import type { JsonSchema } from "../../resources/schema-parts.js";

/** Where the panel is, who hyperplan calls it as, and where containers go by default. */
export interface OpenVzSettings {
  /**
   * The panel's base URL (`http://panel.lan:3000/`); the API is under its `api/` path.
   * @default the `OWP_URL` environment variable
   */
  url?: string;
  /**
   * The panel user (a superadmin: only one may create, update and delete containers).
   * @default the `OWP_USER` environment variable
   */
  username?: string;
  /**
   * The user's password. Prefer the environment: settings are part of the stack file.
   * @default the `OWP_PASSWORD` environment variable
   */
  password?: string;
  /**
   * The hardware server (its host, as the panel lists it) containers go to when a VM names none in
   * `raw.openvz.hardwareServer`.
   * @default the panel's only hardware server, when it has one
   */
  hardwareServer?: string;
  /**
   * PEM file of the certificate authority that signed the panel's TLS certificate.
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
    openvz?: OpenVzSettings;
  }
}

export const openVzSettingsSchema: JsonSchema = object({
  url: string("an http:// or https:// URL (http://panel.lan:3000/)", { minLength: 1 }),
  username: string("a panel user", { minLength: 1 }),
  password: string("a password", { secret: true }),
  hardwareServer: string("a hardware server's host (node1.lan)", { minLength: 1 }),
  caFile: string("a file path", { minLength: 1 }),
  rejectUnauthorized: boolean(),
});

/** The settings as a saved plan may keep them: never the password, nor a user and password in the URL. */
export function openVzSavedSettings(settings: OpenVzSettings): OpenVzSettings {
  const { password: _password, ...rest } = settings;
  if (rest.url === undefined) return rest;
  return { ...rest, url: rest.url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, "$1") };
}
