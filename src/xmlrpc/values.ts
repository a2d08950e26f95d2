/**
 * The values an XML-RPC message carries, as hyperplan holds them.
 *
 * Plain JavaScript values map to the XML-RPC types by shape (see encode.ts); the three wrapper classes
 * say what a plain value cannot: "send this as `<i8>` although it is small", "send this as `<double>`
 * although it is whole", and "this string is already escaped, send it as it stands".
 */
import { escapeXml, normalizeLineEnds, unescapeXml } from "./escape.js";

export type XmlRpcValue =
  | string
  | number
  | boolean
  | bigint
  | Date
  | Uint8Array
  | null
  | XmlRpcValue[]
  | XmlRpcStruct
  | XmlRpcI8
  | XmlRpcDouble
  | XmlRpcI4
  | EncodedValue
  | EscapedString;

/**
 * How deep arrays and structs may nest, in both directions. xmlrpc-c (oned's library) refuses
 * anything past 64 levels by default; a bound also keeps hostile input from exhausting the stack.
 */
export const MAX_NESTING = 64;

export interface XmlRpcStruct {
  [member: string]: XmlRpcValue;
}

/**
 * Marks the wrapper classes. The encoder recognises them by this brand, not `instanceof`: user stacks
 * load through tsx, so a second copy of this module can exist in one process.
 */
export const XMLRPC_WRAPPER = Symbol.for("hyperplan.xmlrpc.wrapper");
export type XmlRpcWrapperKind = "i8" | "i4" | "double" | "escaped" | "encoded";

/** The wrapper kind of a value, or undefined for a plain value. */
export function wrapperKind(value: unknown): XmlRpcWrapperKind | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  return (value as { [XMLRPC_WRAPPER]?: XmlRpcWrapperKind })[XMLRPC_WRAPPER];
}

/** Forces `<i8>` when encoding (some servers type-check: a 64-bit parameter must come as `<i8>`). */
export class XmlRpcI8 {
  get [XMLRPC_WRAPPER](): "i8" {
    return "i8";
  }
  constructor(readonly value: number | bigint) {}
}

/**
 * Forces `<i4>` in every style. The xapi style writes whole numbers as untyped 64-bit strings and
 * keeps `<i4>` for the few int32 values of its wire (event.from's `valid_ref_counts`).
 */
export class XmlRpcI4 {
  get [XMLRPC_WRAPPER](): "i4" {
    return "i4";
  }
  constructor(readonly value: number) {}
}

/**
 * A value already encoded as one complete `<value>…</value>` element, emitted verbatim: a server
 * can splice cached pieces (records rendered once) into a response. `xml` must be a well-formed
 * `<value>` element in the style of the document it goes into; the encoder does not check it.
 */
export class EncodedValue {
  get [XMLRPC_WRAPPER](): "encoded" {
    return "encoded";
  }
  constructor(readonly xml: string) {}
}

/** Forces `<double>` when encoding (a whole number would otherwise go out as `<i4>`). */
export class XmlRpcDouble {
  get [XMLRPC_WRAPPER](): "double" {
    return "double";
  }
  constructor(readonly value: number) {}
}

/**
 * A string value kept exactly as it stood on the wire, still XML-escaped.
 *
 * Decoding with `keepEscaped` yields these so a 70 MB pool document can be handed on (or scanned by
 * an escape-aware parser) without building an unescaped copy; encoding emits `raw` verbatim, which
 * lets a server assemble huge responses from cached escaped pieces. `raw` must therefore be valid
 * escaped XML text: no `<`, every `&` starting a known entity or character reference.
 *
 * A malformed entity in a decoded `raw` is only noticed by `toString()`, which then throws
 * XmlRpcParseError with the index inside `raw`.
 */
export class EscapedString {
  get [XMLRPC_WRAPPER](): "escaped" {
    return "escaped";
  }
  // A private field, so two EscapedStrings of one raw text compare equal whether or not one was read.
  #text: string | undefined;

  constructor(readonly raw: string) {}

  /** The unescaped text (XML line ends normalised, entities replaced); computed once. */
  toString(): string {
    if (this.#text === undefined) this.#text = unescapeXml(normalizeLineEnds(this.raw));
    return this.#text;
  }

  /** Escapes `text` once, so it can be encoded any number of times without rescanning. */
  static escape(text: string): EscapedString {
    const escaped = new EscapedString(escapeXml(text));
    escaped.#text = text;
    return escaped;
  }
}

/**
 * True for a struct: a plain object (not an array, Date, byte array or one of the wrapper classes).
 * A class instance is not a struct: encoding its fields would silently drop its prototype's.
 */
export function isXmlRpcStruct(v: XmlRpcValue): v is XmlRpcStruct {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}
