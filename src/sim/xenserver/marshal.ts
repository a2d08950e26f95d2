/**
 * Arguments from the wire to stored values, by the parameter's datamodel type, as xapi's
 * generated unmarshallers read them (FACTS §1.2, §1.4): an int may come as `<int>`, `<i4>`,
 * `<i8>` or a string of digits (the npm client sends ints as strings); an untyped `<value>` is a
 * string; a float may come as a double, an int or a numeric string. Anything else fails with
 * INTERNAL_ERROR `Failure("Expected <type>, got '<value>'")`, and a constructor record missing a
 * field without a default with `Server_helpers.Dispatcher_FieldNotFound("<field>")`. This runs
 * before the session is checked.
 */
import { wrapperKind, type XmlRpcValue } from "../../xmlrpc/values.js";
import type { ClassSpec, FieldType, Stored, StoredRecord } from "./datamodel.js";
import { internalError, ocamlFailure } from "./failure.js";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** How a wire value prints in a conversion failure. */
function shown(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null) {
    const kind = wrapperKind(value as XmlRpcValue);
    if (kind === "i8" || kind === "double") return String((value as { value: unknown }).value);
    if (value instanceof Date) return value.toISOString();
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

function typeName(type: FieldType): string {
  switch (type.kind) {
    case "int":
      return "int64";
    case "int32":
      return "int32";
    case "enum":
      return type.name;
    case "ref":
      return `ref_${type.cls}`;
    case "set":
      return `${typeName(type.of)} set`;
    case "map":
      return `(${typeName(type.key)} -> ${typeName(type.value)}) map`;
    default:
      return type.kind;
  }
}

function expected(type: FieldType, value: unknown): never {
  ocamlFailure(`Expected ${typeName(type)}, got '${shown(value)}'`);
}

function int64(type: FieldType, value: unknown): number {
  let big: bigint;
  if (typeof value === "number") {
    if (!Number.isInteger(value)) expected(type, value);
    return value === 0 ? 0 : value;
  }
  if (typeof value === "bigint") big = value;
  else if (typeof value === "string" && /^[+-]?[0-9]+$/.test(value.trim())) big = BigInt(value.trim());
  else if (typeof value === "object" && value !== null && wrapperKind(value as XmlRpcValue) === "i8") {
    const inner = (value as { value: number | bigint }).value;
    big = BigInt(inner);
  } else return expected(type, value);
  if (big < INT64_MIN || big > INT64_MAX) expected(type, value);
  return Number(big);
}

function float(type: FieldType, value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "object" && value !== null) {
    const kind = wrapperKind(value as XmlRpcValue);
    if (kind === "double" || kind === "i8") return Number((value as { value: number | bigint }).value);
  }
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return expected(type, value);
}

/** One argument of `type`. */
export function unmarshal(type: FieldType, value: unknown): Stored {
  switch (type.kind) {
    case "string":
    case "ref":
      if (typeof value !== "string") expected(type, value);
      return value;
    case "int":
    case "int32":
      return int64(type, value);
    case "float":
      return float(type, value);
    case "bool":
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "false") return value === "true";
      return expected(type, value);
    case "datetime": {
      if (value instanceof Date) return value.getTime();
      if (typeof value === "string") {
        const m = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})Z?$/.exec(value);
        if (m) return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
      }
      return expected(type, value);
    }
    case "enum": {
      if (typeof value !== "string") expected(type, value);
      // Enum names are matched whatever their case, and stored as the datamodel spells them.
      const lower = value.toLowerCase();
      const found = type.values.find((v) => v.toLowerCase() === lower);
      if (found === undefined) ocamlFailure(`Unknown value '${value}' for ${type.name}`);
      return found;
    }
    case "set":
      if (!Array.isArray(value)) expected(type, value);
      return value.map((item) => unmarshal(type.of, item));
    case "map": {
      if (typeof value !== "object" || value === null || Array.isArray(value) || wrapperKind(value as XmlRpcValue) !== undefined || value instanceof Date) {
        expected(type, value);
      }
      const out: Record<string, Stored> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        const k = String(unmarshal(type.key, key));
        // A key "__proto__" is a key like any other, not the object's prototype.
        Object.defineProperty(out, k, { value: unmarshal(type.value, item), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
  }
}

/**
 * A constructor's record: every field a constructor takes (`C` and `RW`), from the struct or its
 * default; a missing one without a default fails as xapi's generated dispatcher does.
 */
export function unmarshalCtorRecord(spec: ClassSpec, value: unknown): StoredRecord {
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Date || wrapperKind(value as XmlRpcValue) !== undefined) {
    ocamlFailure("bad __structure");
  }
  const struct = value as Record<string, unknown>;
  const out: StoredRecord = {};
  for (const field of spec.fields) {
    if (field.qualifier === "RO") continue;
    if (Object.prototype.hasOwnProperty.call(struct, field.name)) out[field.name] = unmarshal(field.type, struct[field.name]);
    else if (field.default !== undefined) out[field.name] = structuredClone(field.default);
    else internalError(`Server_helpers.Dispatcher_FieldNotFound(${JSON.stringify(field.name)})`);
  }
  return out;
}
