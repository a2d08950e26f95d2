/**
 * Decoding a XenAPI field by its declared type, whichever transport carried it.
 *
 * The two wires disagree on scalars (FACTS §1.2): XML-RPC from xapi sends a 64-bit int as untyped
 * text (`<value>4294967296</value>`) and a dateTime as `<dateTime.iso8601>`, JSON-RPC sends the int
 * as a number and the dateTime as text. Each field's decoder accepts every form its type can take and
 * yields one JavaScript value, so a record reads the same through both.
 *
 * Integers are numbers, not bigints: the largest sizes a pool holds (memory in bytes, disk and SR
 * sizes in bytes) stay far below 2^53 bytes (8 PiB), and numbers are what the diff and the
 * arithmetic of sizes want. A value past Number.MAX_SAFE_INTEGER is refused as a protocol error
 * naming the field, never rounded.
 *
 * A decoder returns INVALID instead of throwing, so reading 50,000 records costs no exception
 * machinery; the record decoder turns INVALID into an error naming class, ref and field.
 */
import { isXmlRpcStruct, parseDateTime, type XmlRpcValue } from "../../xmlrpc/index.js";

/** A value as either wire decodes it: XML-RPC's values, or what JSON.parse makes (a subset). */
export type WireValue = XmlRpcValue;

declare const REF_CLASS: unique symbol;

/**
 * A reference to an object of XenAPI class C (`OpaqueRef:<uuid>`). The class is a phantom: any
 * `OpaqueRef:…` literal is a Ref, but a `Ref<"VM">` is not a `Ref<"VDI">`.
 */
export type Ref<C extends string = string> = `OpaqueRef:${string}` & { readonly [REF_CLASS]?: C };

export const NULL_REF = "OpaqueRef:NULL";

export const INVALID: unique symbol = Symbol("invalid");
export type Invalid = typeof INVALID;

export interface Field<T> {
  /** What a value must be, in words, for the error that refuses one. */
  readonly expected: string;
  /** True when an absent field is fine (it came with a later xapi than some pools run). */
  readonly optional: boolean;
  decode(raw: WireValue): T | Invalid;
}

const INTEGER_TEXT = /^[+-]?[0-9]+$/;
const DECIMAL_TEXT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

function field<T>(expected: string, decode: (raw: WireValue) => T | Invalid): Field<T> {
  return { expected, optional: false, decode };
}

export const text: Field<string> = field("a string", (raw) => (typeof raw === "string" ? raw : INVALID));

export const int: Field<number> = field("an integer (a number or decimal text) within ±(2^53−1)", decodeInt);

export function decodeInt(raw: WireValue): number | Invalid {
  if (typeof raw === "number") return Number.isSafeInteger(raw) ? raw : INVALID;
  if (typeof raw === "string") {
    if (!INTEGER_TEXT.test(raw)) return INVALID;
    const n = Number(raw);
    return Number.isSafeInteger(n) ? (n === 0 ? 0 : n) : INVALID;
  }
  if (typeof raw === "bigint") {
    const n = Number(raw);
    return Number.isSafeInteger(n) ? n : INVALID;
  }
  return INVALID;
}

export const float: Field<number> = field("a number", (raw) => {
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : INVALID;
  if (typeof raw === "string" && DECIMAL_TEXT.test(raw)) return Number(raw);
  return INVALID;
});

export const bool: Field<boolean> = field("a boolean", (raw) => (typeof raw === "boolean" ? raw : INVALID));

/** xapi's dateTime: a Date over XML-RPC, `20240101T12:34:56Z` text over JSON-RPC. */
export const dateTime: Field<Date> = field("a dateTime (20240101T12:34:56Z)", (raw) => {
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? INVALID : raw;
  if (typeof raw === "string") return parseDateTime(raw) ?? INVALID;
  return INVALID;
});

export function isRef(raw: unknown): raw is Ref {
  return typeof raw === "string" && raw.startsWith("OpaqueRef:") && raw.length > 10;
}

/** A reference that is never OpaqueRef:NULL (a VBD's VM, a VDI's SR). */
export function ref<C extends string>(_cls: C): Field<Ref<C>> {
  return field("an OpaqueRef", (raw) => (isRef(raw) && raw !== NULL_REF ? (raw as Ref<C>) : INVALID));
}

/** A reference that may be OpaqueRef:NULL, which becomes null (a halted VM's resident_on). */
export function nullableRef<C extends string>(_cls: C): Field<Ref<C> | null> {
  return field("an OpaqueRef or OpaqueRef:NULL", (raw) => (raw === NULL_REF ? null : isRef(raw) ? (raw as Ref<C>) : INVALID));
}

export function refs<C extends string>(_cls: C): Field<Ref<C>[]> {
  return field("a set of OpaqueRefs", (raw) => {
    if (!Array.isArray(raw)) return INVALID;
    for (const item of raw) if (!isRef(item)) return INVALID;
    // The decoded array is ours alone: it is kept as it is, not copied.
    return raw as Ref<C>[];
  });
}

export const texts: Field<string[]> = field("a set of strings", (raw) => {
  if (!Array.isArray(raw)) return INVALID;
  for (const item of raw) if (typeof item !== "string") return INVALID;
  return raw as string[];
});

/** map (string → string): other_config, platform, xenstore_data … */
export const textMap: Field<Record<string, string>> = field("a map of strings to strings", (raw) => {
  if (!isStruct(raw)) return INVALID;
  for (const key in raw) if (typeof raw[key] !== "string") return INVALID;
  return raw as Record<string, string>;
});

/**
 * A closed enumeration. With `anyCase`, the value is matched without regard to case and given back
 * spelled as the datamodel spells it (power states are `Halted` in records, `halted` in errors).
 */
export function oneOf<const V extends string>(values: readonly V[], options: { anyCase?: boolean } = {}): Field<V> {
  const byText = new Map<string, V>();
  for (const v of values) byText.set(options.anyCase ? v.toLowerCase() : v, v);
  return field(`one of ${values.join(", ")}`, (raw) => {
    if (typeof raw !== "string") return INVALID;
    return byText.get(options.anyCase ? raw.toLowerCase() : raw) ?? INVALID;
  });
}

/**
 * An enumeration a newer xapi may extend (VDI types, locking modes): the known values are typed, any
 * other string passes as it is rather than failing a whole pool read.
 */
export function openEnum<const V extends string>(values: readonly V[]): Field<V | (string & {})> {
  return field(`a string (${values.join(", ")} …)`, (raw) => (typeof raw === "string" ? raw : INVALID));
}

/** A field a pool may lack because an older xapi did not have it yet. */
export function optional<T>(inner: Field<T>): Field<T | undefined> {
  return { expected: inner.expected, optional: true, decode: inner.decode };
}

/** A plain object from either decoder: not an array, a Date or a wrapper. */
export function isStruct(raw: unknown): raw is { [key: string]: WireValue } {
  return typeof raw === "object" && raw !== null && isXmlRpcStruct(raw as WireValue);
}

/** A raw value's shape in words, for errors: never more than a short string of it. */
export function describeValue(raw: WireValue | undefined): string {
  if (raw === undefined) return "missing";
  if (raw === null) return "nil";
  if (typeof raw === "string") return raw.length <= 40 ? `the string ${JSON.stringify(raw)}` : `a string of ${raw.length} characters`;
  if (typeof raw === "number" || typeof raw === "boolean" || typeof raw === "bigint") return `the ${typeof raw} ${String(raw)}`;
  if (Array.isArray(raw)) return `an array of ${raw.length}`;
  if (raw instanceof Date) return "a dateTime";
  if (isStruct(raw)) return "a struct";
  return "a value of another type";
}
