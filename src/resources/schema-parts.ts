/**
 * Building blocks of the per-kind JSON schemas.
 *
 * Schemas describe a resource's props after references became `{ ref }` and attributes
 * `{ ref, attr }`, before defaults are applied. Three annotation keywords help the error messages:
 * `unit` (appended to limits: `must be >= 1 MiB`), `expected` (what a value should be, in words)
 * and `secret` (never echo the value given).
 *
 * The blocks are inlined rather than `$ref`-ed so each error's parent schema carries its own
 * annotations.
 */

export type JsonSchema = { [keyword: string]: unknown };

/** Backends that may appear under `raw`. */

const IPV4_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
export const IPV4_PATTERN = `^${IPV4_OCTET}(\\.${IPV4_OCTET}){3}$`;
// Loose shape only; `parseIpv6` decides.
export const IPV6_SHAPE_PATTERN = "^[0-9A-Fa-f:.]+$";
export const MAC_PATTERN = "^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$";

export const string = (expected?: string, extra: JsonSchema = {}): JsonSchema => ({
  type: "string",
  ...(expected ? { expected } : {}),
  ...extra,
});

export const nonEmptyString = (expected?: string, maxLength = 1024): JsonSchema =>
  string(expected, { minLength: 1, maxLength });

export const boolean = (): JsonSchema => ({ type: "boolean", expected: "true or false" });

export const integer = (minimum: number, maximum?: number, unit?: string): JsonSchema => ({
  type: "integer",
  minimum,
  ...(maximum === undefined ? {} : { maximum }),
  ...(unit ? { unit, expected: `a whole number of ${unit}` } : { expected: "a whole number" }),
});

/** A size or amount in MiB, a whole number. */
export const mebibytes = (minimum = 1): JsonSchema => integer(minimum, 2 ** 40, "MiB");

export const ipv4 = (): JsonSchema => ({ type: "string", pattern: IPV4_PATTERN, expected: "a dotted IPv4 address (10.0.0.1)" });

export const ipv6 = (): JsonSchema => ({ type: "string", pattern: IPV6_SHAPE_PATTERN, minLength: 2, maxLength: 45, expected: "an IPv6 address (2001:db8::1)" });

export const mac = (): JsonSchema => ({ type: "string", pattern: MAC_PATTERN, expected: "a MAC address (02:00:0a:00:00:01)" });

export const enumOf = (values: readonly (string | number)[]): JsonSchema => ({ enum: [...values] });

export const object = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
  type: "object",
  additionalProperties: false,
  properties,
  ...(required.length > 0 ? { required } : {}),
});

export const arrayOf = (items: JsonSchema, extra: JsonSchema = {}): JsonSchema => ({ type: "array", items, ...extra });

/** A reference to another construct: what a construct passed as a prop becomes. */
export const ref = (expected: string): JsonSchema => ({
  type: "object",
  additionalProperties: false,
  required: ["ref"],
  properties: { ref: { type: "string" } },
  expected,
});

/** An attribute known after apply: what an Attribute passed as a prop becomes. */
export const attributeRef = (): JsonSchema => ({
  type: "object",
  additionalProperties: false,
  required: ["ref", "attr"],
  properties: { ref: { type: "string" }, attr: { type: "string" } },
});

export const stringOrAttribute = (): JsonSchema => ({
  anyOf: [{ type: "string", maxLength: 65536 }, attributeRef()],
  expected: "a string or an attribute of another resource (vm.ipAddress)",
});

/** A secret string: type-checked, never echoed in errors. */
export const secretString = (maxLength = 1024): JsonSchema => ({
  type: "string",
  minLength: 1,
  maxLength,
  secret: true,
  expected: "a non-empty string",
});

/** Keys of free attributes, context variables: portable attribute names. */
export const ATTRIBUTE_KEY_PATTERN = "^[A-Za-z_][A-Za-z0-9_]{0,127}$";

/** Free attributes: string values under portable keys. */
export const freeAttributes = (): JsonSchema => ({
  type: "object",
  propertyNames: { pattern: ATTRIBUTE_KEY_PATTERN, expected: "a letter or \"_\" followed by letters, digits or \"_\" (at most 128)" },
  additionalProperties: { type: "string", maxLength: 65536, expected: "a string" },
});

export const description = (): JsonSchema => string("a string", { maxLength: 4096 });

/** Explicit dependencies: references to resources or groups of them. */
export const dependsOn = (): JsonSchema => arrayOf(ref("a resource or a construct holding resources"));

const RAW_VALUE_DEF = "#/$defs/rawValue";

/**
 * `raw: { <backend>: { ATTR: value } }`: attributes passed verbatim to one backend. Which backends
 * there are, and what their attribute names look like, is each backend's profile's to say
 * (`backend-profile.ts`): a section for another backend is ignored, with a warning.
 */
export const raw = (): JsonSchema => ({
  type: "object",
  expected: "an object keyed by backend (opennebula, xenserver, gandi, openvz …)",
  propertyNames: { pattern: "^[a-z][a-z0-9]{0,31}$", expected: "a backend name in lower case (opennebula)" },
  additionalProperties: {
    type: "object",
    propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_.-]{0,127}$", expected: "an attribute name" },
    additionalProperties: { $ref: RAW_VALUE_DEF },
  },
});

/** The root schema of a kind: its properties, the shared ones, and the raw-value definition. */
export function kindSchema(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return {
    type: "object",
    additionalProperties: false,
    properties: {
      name: { type: "string", expected: "a string" },
      description: description(),
      dependsOn: dependsOn(),
      protect: boolean(),
      deleteBeforeReplace: boolean(),
      moved: object({ from: { type: "string", pattern: "^[^/]+/.+$", expected: "the construct's former address (lab/old-name)" } }, ["from"]),
      importId: { type: ["string", "integer"], pattern: "^\\S{1,255}$", minimum: 0, expected: "the id of the object to adopt, as the cloud gives it (42, a XenServer uuid)" },
      replaceOnChanges: arrayOf({ type: "string", pattern: "^[A-Za-z*][A-Za-z0-9_*.\\[\\]-]{0,255}$", expected: "an attribute path (memory, disks[*].size)" }, { uniqueItems: true }),
      ignoreChanges: arrayOf({ type: "string", pattern: "^[A-Za-z*][A-Za-z0-9_*.\\[\\]-]{0,255}$", expected: "an attribute path (memory, context.vars.*, nics[0].ip)" }, { uniqueItems: true }),
      attributes: freeAttributes(),
      raw: raw(),
      ...properties,
    },
    ...(required.length > 0 ? { required } : {}),
    $defs: {
      rawValue: {
        anyOf: [
          { type: "string", maxLength: 65536 },
          { type: "number" },
          { type: "boolean" },
          { type: "array", items: { $ref: RAW_VALUE_DEF } },
          { type: "object", additionalProperties: { $ref: RAW_VALUE_DEF } },
        ],
        expected: "a string, number, boolean, list or object",
      },
    },
  };
}
