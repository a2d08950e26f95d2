/**
 * The panel's objects as typed records, decoded from ActiveRecord XML (FACTS §3.2): an attribute is
 * an element, `type="integer|boolean|date"` says how to read its text, `nil="true"` is NULL. A field a
 * record needs that is missing or of the wrong type is a protocol error naming the object and field.
 */
import { HyperplanError } from "../../errors.js";
import type { XmlElement } from "./xml.js";

export class OwpProtocolError extends HyperplanError {
  constructor(summary: string) {
    super("OWP_PROTOCOL", summary);
  }
}

export type FieldValue = string | number | boolean | null;

/** One attribute element's value. */
export function fieldValue(element: XmlElement): FieldValue {
  if (element.attributes.nil === "true") return null;
  const text = element.text.trim();
  switch (element.attributes.type) {
    case "integer": {
      if (!/^-?\d+$/.test(text)) throw new OwpProtocolError(`<${element.name} type="integer"> holds ${JSON.stringify(text)}, not a whole number`);
      return Number(text);
    }
    case "boolean":
      if (text !== "true" && text !== "false") throw new OwpProtocolError(`<${element.name} type="boolean"> holds ${JSON.stringify(text)}`);
      return text === "true";
    default:
      return element.text;
  }
}

/** The attributes of one record element, by name. */
export function fieldsOf(element: XmlElement): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const c of element.children) out[c.name] = fieldValue(c);
  return out;
}

class Reader {
  constructor(
    private readonly what: string,
    private readonly fields: Record<string, FieldValue>,
  ) {}

  int(name: string): number {
    const v = this.fields[name];
    if (typeof v !== "number") throw new OwpProtocolError(`${this.what} has no whole-number ${name} (got ${JSON.stringify(v)})`);
    return v;
  }
  intOrNull(name: string): number | null {
    const v = this.fields[name];
    if (v === undefined || v === null) return null;
    if (typeof v === "number") return v;
    // A column Rails typed as a string (identity is a string column in some schemas).
    if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return Number(v.trim());
    throw new OwpProtocolError(`${this.what}'s ${name} is ${JSON.stringify(v)}, not a whole number`);
  }
  text(name: string): string {
    const v = this.fields[name];
    if (v === undefined || v === null) throw new OwpProtocolError(`${this.what} has no ${name}`);
    return String(v);
  }
  textOrNull(name: string): string | null {
    const v = this.fields[name];
    return v === undefined || v === null ? null : String(v);
  }
  boolOrNull(name: string): boolean | null {
    const v = this.fields[name];
    if (v === undefined || v === null) return null;
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "1") return true;
    if (v === "false" || v === "0") return false;
    throw new OwpProtocolError(`${this.what}'s ${name} is ${JSON.stringify(v)}, not true or false`);
  }
}

/** A hardware server (seed 004 "Physical Servers"). */
export interface OwpHardwareServer {
  id: number;
  host: string;
  description: string | null;
  defaultOsTemplate: string | null;
  defaultServerTemplate: string | null;
}

export function hardwareServerOf(element: XmlElement): OwpHardwareServer {
  const r = new Reader("a hardware server", fieldsOf(element));
  return {
    id: r.int("id"),
    host: r.text("host"),
    description: r.textOrNull("description"),
    defaultOsTemplate: r.textOrNull("default_os_template"),
    defaultServerTemplate: r.textOrNull("default_server_template"),
  };
}

/** An OS template or server template of a hardware server: its name is what a create names. */
export interface OwpTemplate {
  id: number;
  name: string;
}

export function templateOf(element: XmlElement): OwpTemplate {
  const r = new Reader(`an ${element.name.replace(/_/g, " ")}`, fieldsOf(element));
  return { id: r.int("id"), name: r.text("name") };
}

/** A virtual server (container), FACTS §3.3. Sizes in MB, 0 = unlimited; NULL where the panel has none. */
export interface OwpVirtualServer {
  id: number;
  identity: number | null;
  hardwareServerId: number;
  hostName: string | null;
  /** The IPs, in the panel's order (`ip_address` is a space-separated list). */
  ipAddresses: string[];
  state: string | null;
  osTemplate: string | null;
  serverTemplate: string | null;
  nameserver: string | null;
  searchDomain: string | null;
  diskspace: number | null;
  memory: number | null;
  vswap: number | null;
  cpuUnits: number | null;
  cpus: number | null;
  cpuLimit: number | null;
  startOnBoot: boolean | null;
  userId: number | null;
  description: string | null;
}

export function virtualServerOf(element: XmlElement): OwpVirtualServer {
  const fields = fieldsOf(element);
  const r = new Reader(`virtual server ${JSON.stringify(fields.id ?? "?")}`, fields);
  return {
    id: r.int("id"),
    identity: r.intOrNull("identity"),
    hardwareServerId: r.int("hardware_server_id"),
    hostName: r.textOrNull("host_name"),
    ipAddresses: (r.textOrNull("ip_address") ?? "").split(/\s+/).filter((ip) => ip !== ""),
    state: r.textOrNull("state"),
    osTemplate: r.textOrNull("orig_os_template"),
    serverTemplate: r.textOrNull("orig_server_template"),
    nameserver: r.textOrNull("nameserver"),
    searchDomain: r.textOrNull("search_domain"),
    diskspace: r.intOrNull("diskspace"),
    memory: r.intOrNull("memory"),
    vswap: r.intOrNull("vswap"),
    cpuUnits: r.intOrNull("cpu_units"),
    cpus: r.intOrNull("cpus"),
    cpuLimit: r.intOrNull("cpu_limit"),
    startOnBoot: r.boolOrNull("start_on_boot"),
    userId: r.intOrNull("user_id"),
    description: r.textOrNull("description"),
  };
}

/** A panel user (seed 004 "Users"). */
export interface OwpUser {
  id: number;
  login: string;
  contactName: string | null;
  createdAt: string | null;
}

export function userOf(element: XmlElement): OwpUser {
  const r = new Reader("a panel user", fieldsOf(element));
  return { id: r.int("id"), login: r.text("login"), contactName: r.textOrNull("contact_name"), createdAt: r.textOrNull("created_at") };
}
