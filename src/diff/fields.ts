/**
 * The field tables the diff compares: per part of the resource model, each field's value type (how it
 * normalises) and its default when a side has none. What an undeclared field means is the backend's
 * word (`DiffRules.fields`): a field the backend fills itself when the declaration gives none (oned
 * picks a VM's MAC, a network's bridge) is not compared while undeclared; any other undeclared field
 * means "none", and a live value is a difference that removes it.
 *
 * A backend that says nothing fills nothing: every undeclared field it reports back is a difference.
 * So a backend must list each value its cloud sets by itself, or its plans never come out clean.
 */
import type { ValueType } from "./values.js";

/** What a field's absence from a declaration means (compare.ts): the backend decides, or none. */
export type Absence = "backend" | "none";

export interface FieldSpec {
  key: string;
  type: ValueType;
  absent: Absence;
  /** Used for either side when it has no value (a disk is not read-only unless it says so). */
  default?: string | number | boolean;
  sensitive?: boolean;
}

interface ModelField {
  key: string;
  type: ValueType;
  /** Used for either side when it has no value (a disk is not read-only unless it says so). */
  default?: string | number | boolean;
  sensitive?: boolean;
}

/** The fields of each part of the model, in the order their differences print. */
const MODEL = {
  image: [
    { key: "type", type: "lower" },
    { key: "size", type: "number" },
    { key: "path", type: "text" },
    { key: "datastore", type: "text" },
    { key: "persistent", type: "boolean", default: false },
    { key: "devicePrefix", type: "lower" },
    { key: "format", type: "lower" },
  ],
  network: [
    { key: "bridge", type: "text" },
    { key: "driver", type: "lower" },
    { key: "vlanId", type: "number" },
    { key: "physicalDevice", type: "text" },
    { key: "mtu", type: "number" },
    { key: "gateway", type: "lower" },
    { key: "networkMask", type: "lower" },
    { key: "networkAddress", type: "lower" },
  ],
  addressRange: [
    { key: "type", type: "lower" },
    { key: "start", type: "lower" },
    { key: "size", type: "number" },
    { key: "mac", type: "lower" },
    { key: "globalPrefix", type: "lower" },
    { key: "ulaPrefix", type: "lower" },
    { key: "prefixLength", type: "number" },
  ],
  capacity: [
    { key: "cpu", type: "number" },
    { key: "vcpu", type: "number" },
    { key: "memory", type: "number" },
  ],
  imageDisk: [
    { key: "image", type: "ref" },
    { key: "size", type: "number" },
    { key: "devicePrefix", type: "lower" },
    { key: "target", type: "lower" },
    { key: "readOnly", type: "boolean", default: false },
  ],
  volatileDisk: [
    { key: "size", type: "number" },
    { key: "type", type: "lower" },
    { key: "format", type: "lower" },
    { key: "devicePrefix", type: "lower" },
    { key: "target", type: "lower" },
  ],
  nic: [
    { key: "network", type: "ref" },
    { key: "ip", type: "lower" },
    { key: "mac", type: "lower" },
    { key: "model", type: "lower" },
  ],
  context: [
    { key: "network", type: "boolean" },
    { key: "startScript", type: "script" },
    { key: "hostname", type: "lower" },
    { key: "password", type: "secret", sensitive: true },
  ],
  graphics: [
    { key: "type", type: "lower" },
    { key: "listen", type: "lower" },
    { key: "port", type: "number" },
    { key: "password", type: "secret", sensitive: true },
    { key: "keymap", type: "lower" },
  ],
  os: [
    { key: "arch", type: "lower" },
    { key: "firmware", type: "lower" },
    { key: "machine", type: "lower" },
    { key: "kernelCmd", type: "text" },
  ],
  scheduling: [
    { key: "requirements", type: "text" },
    { key: "rank", type: "text" },
    { key: "datastoreRequirements", type: "text" },
  ],
  virtualMachine: [{ key: "powerState", type: "lower" }],
} as const satisfies Record<string, readonly ModelField[]>;

export type FieldTableName = keyof typeof MODEL;

/** The keys of one table, for a backend's facts to name (a misspelt key does not compile). */
export type FieldKey<T extends FieldTableName> = (typeof MODEL)[T][number]["key"];

/**
 * The fields each table's backend sets by itself when the declaration leaves them out. List-valued
 * fields count too: `os: ["boot"]` leaves an undeclared boot order alone.
 */
export type BackendFills = { readonly [T in FieldTableName]?: readonly (FieldKey<T> | (T extends "os" ? "boot" : never))[] };

export type FieldTables = { readonly [T in FieldTableName]: readonly FieldSpec[] } & {
  /** True when the backend fills `key` of `table` itself (for fields compared outside the tables). */
  fills(table: FieldTableName, key: string): boolean;
};

const BUILT = new WeakMap<BackendFills, FieldTables>();
const NOTHING: BackendFills = {};

/** The tables with the backend's facts folded in; built once per backend. */
export function fieldTables(fills: BackendFills | undefined): FieldTables {
  const facts = fills ?? NOTHING;
  const cached = BUILT.get(facts);
  if (cached) return cached;
  const filled = (table: FieldTableName, key: string) => ((facts[table] ?? []) as readonly string[]).includes(key);
  const tables = { fills: filled } as { -readonly [T in FieldTableName]: readonly FieldSpec[] } & Pick<FieldTables, "fills">;
  for (const table of Object.keys(MODEL) as FieldTableName[]) {
    tables[table] = (MODEL[table] as readonly ModelField[]).map((f) => ({ ...f, absent: filled(table, f.key) ? "backend" : "none" }));
  }
  BUILT.set(facts, tables);
  return tables;
}
