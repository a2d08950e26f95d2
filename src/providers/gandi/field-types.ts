/**
 * Decoding one field of a Gandi answer by the type the hosting API gives it (seed 001): ints are
 * XML-RPC `<int>` (or `<i8>`), strings `<string>`, dates `<dateTime.iso8601>` in the
 * `YYYYMMDDTHH:MM:SS` form without a zone (FACTS §2.5), which the codec reads as UTC.
 *
 * A decoder returns INVALID instead of throwing; the record decoder turns INVALID into an error
 * naming the method, the record and the field.
 */
import { isXmlRpcStruct, parseDateTime, type XmlRpcValue } from "../../xmlrpc/index.js";

export type WireValue = XmlRpcValue;

export const INVALID: unique symbol = Symbol("invalid");
export type Invalid = typeof INVALID;

export interface Field<T> {
  /** What a value must be, in words, for the error that refuses one. */
  readonly expected: string;
  /** True when an absent field is fine: the API's structs are undocumented past their ids (FACTS §2.4). */
  readonly optional: boolean;
  /** What an absent optional field stands for, when it stands for something (a disk attached to no VM). */
  readonly absent?: { readonly value: T };
  decode(raw: WireValue): T | Invalid;
}

function field<T>(expected: string, decode: (raw: WireValue) => T | Invalid): Field<T> {
  return { expected, optional: false, decode };
}

export const text: Field<string> = field("a string", (raw) => (typeof raw === "string" ? raw : INVALID));

/** An XML-RPC int; an `<i8>` too, while it stays a safe integer. Text is not an int. */
export const int: Field<number> = field("an integer", decodeInt);

export function decodeInt(raw: WireValue): number | Invalid {
  if (typeof raw === "number") return Number.isSafeInteger(raw) ? raw : INVALID;
  if (typeof raw === "bigint") {
    const n = Number(raw);
    return Number.isSafeInteger(n) ? n : INVALID;
  }
  return INVALID;
}

/** An id: a positive integer. */
export const id: Field<number> = field("a positive integer id", (raw) => {
  const n = decodeInt(raw);
  return n !== INVALID && n > 0 ? n : INVALID;
});

export const bool: Field<boolean> = field("a boolean", (raw) => (typeof raw === "boolean" ? raw : INVALID));

/** A `dateTime.iso8601` (`20110324T15:49:50`), or the same text sent as a string. */
export const dateTime: Field<Date> = field("a dateTime (20110324T15:49:50)", (raw) => {
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? INVALID : raw;
  if (typeof raw === "string") return parseDateTime(raw) ?? INVALID;
  return INVALID;
});

/** An array of ids (`vm_list`, `disk_list`, `operation_list`). */
export const ids: Field<number[]> = field("an array of positive integer ids", (raw) => {
  if (!Array.isArray(raw)) return INVALID;
  const out: number[] = [];
  for (const item of raw) {
    const n = id.decode(item);
    if (n === INVALID) return INVALID;
    out.push(n);
  }
  return out;
});

/** A closed enumeration. */
export function oneOf<const V extends string>(values: readonly V[]): Field<V> {
  const known = new Set<string>(values);
  return field(`one of ${values.join(", ")}`, (raw) => (typeof raw === "string" && known.has(raw) ? (raw as V) : INVALID));
}

/** An enumeration the API may extend (VM and disk states): known values typed, any other string passes. */
export function openEnum<const V extends string>(values: readonly V[]): Field<V | (string & {})> {
  return field(`a string (${values.join(", ")} …)`, (raw) => (typeof raw === "string" ? raw : INVALID));
}

/** A field the record may lack. */
export function optional<T>(inner: Field<T>): Field<T | undefined> {
  return { expected: inner.expected, optional: true, decode: inner.decode };
}

/** A field whose absence means `value`. */
export function absentMeans<T>(inner: Field<T>, value: T): Field<T> {
  return { expected: inner.expected, optional: true, absent: { value }, decode: inner.decode };
}

/** A plain object from the decoder: not an array, a Date or a wrapper. */
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
