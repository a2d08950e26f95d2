/**
 * A stack's OpenNebula settings (`new Stack(app, "lab", { provider: { opennebula: {...} } })`), their
 * schema, and their place in the stack's `ProviderSettings`.
 */
import { object, string } from "../../resources/schema-parts.js";
import type { JsonSchema } from "../../resources/schema-parts.js";

/** Where the OpenNebula cloud of a stack is, when not taken from the environment. */
export interface OpenNebulaSettings {
  /**
   * XML-RPC endpoint of oned (`https://one.example.org:2633/RPC2`).
   * @default the `ONE_XMLRPC` environment variable, else `http://localhost:2633/RPC2`
   */
  endpoint?: string;
  /**
   * File holding `user:password`, as the OpenNebula CLI reads it.
   * @default the file named by `ONE_AUTH`, else `~/.one/one_auth`
   */
  authFile?: string;
  /**
   * PEM file of the certificate authority that signed oned's TLS certificate, for an https endpoint.
   * @default the system's trusted authorities
   */
  caFile?: string;
}

declare module "../../resources/stack.js" {
  interface ProviderSettings {
    opennebula?: OpenNebulaSettings;
  }
}

export const openNebulaSettingsSchema: JsonSchema = object({
  endpoint: string("an http:// or https:// URL (https://one.example.org:2633/RPC2)", { pattern: "^https?://" }),
  authFile: string("a file path", { minLength: 1 }),
  caFile: string("a file path", { minLength: 1 }),
});
