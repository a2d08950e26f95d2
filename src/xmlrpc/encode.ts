/**
 * Encoding XML-RPC calls, responses and faults, in one of two styles.
 *
 * `xmlrpc-c` (the default) follows the library oned answers with: an XML declaration, CRLF line
 * ends, one `<param>` per line, each array item and struct member on its own line, strings in
 * `<string>`. Strings are always entity-escaped, never wrapped in CDATA (a CDATA wrapper breaks on
 * values that themselves contain `]]>`, which OpenNebula's own XML documents do).
 *
 * `xapi` follows the XML-RPC writer XenServer's xapi answers with (mirage/ocaml-rpc `xmlrpc.ml`):
 * `<?xml version="1.0"?>`, no whitespace between tags, strings as untyped `<value>text</value>`
 * (`<value></value>` when empty), whole numbers as untyped 64-bit strings (`<value>42</value>`;
 * `<i4>` only through XmlRpcI4), doubles printed as `%.16g`, `dateTime.iso8601` as
 * `YYYYMMDDTHH:MM:SSZ`. Strict readers (the npm `xen-api` client's) accept nothing else.
 */
import { hasErrorCode } from "../errors.js";
import { formatDateTime, formatDateTimeXapi } from "./date-time.js";
import { escapeXml } from "./escape.js";
import { XmlRpcEncodeError } from "./errors.js";
import { StringBuilder } from "./string-builder.js";
import {
  MAX_NESTING,
  isXmlRpcStruct,
  wrapperKind,
  type EncodedValue,
  type EscapedString,
  type XmlRpcDouble,
  type XmlRpcI4,
  type XmlRpcI8,
  type XmlRpcValue,
} from "./values.js";

const PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\r\n';
const XAPI_PROLOG = '<?xml version="1.0"?>';
/** The method name characters the XML-RPC spec allows. */
const METHOD_NAME = /^[A-Za-z0-9_.:/]+$/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Which writer's layout and value types to follow (see the top of this file). */
export type XmlRpcStyle = "xmlrpc-c" | "xapi";

export interface EncodeOptions {
  /** Default `xmlrpc-c`. */
  style?: XmlRpcStyle;
}

export function encodeCall(method: string, params: readonly XmlRpcValue[], options: EncodeOptions = {}): string {
  if (typeof method !== "string" || !METHOD_NAME.test(method)) {
    throw new XmlRpcEncodeError(
      `method name ${JSON.stringify(method)} is not one the XML-RPC spec allows (letters, digits, _ . : /)`,
      { path: "methodName" },
    );
  }
  const encoder = new ValueEncoder("params", styleOf(options));
  const out = encoder.out;
  const nl = encoder.nl;
  out.append(`${encoder.xapi ? XAPI_PROLOG : PROLOG}<methodCall>${nl}<methodName>${method}</methodName>${nl}<params>${nl}`);
  params.forEach((param, i) => {
    out.append("<param>");
    encoder.item(param, i);
    out.append(`</param>${nl}`);
  });
  out.append(`</params>${nl}</methodCall>${nl}`);
  return out.toString();
}

export function encodeResponse(value: XmlRpcValue, options: EncodeOptions = {}): string {
  const encoder = new ValueEncoder("value", styleOf(options));
  const out = encoder.out;
  const nl = encoder.nl;
  out.append(`${encoder.xapi ? XAPI_PROLOG : PROLOG}<methodResponse>${nl}<params>${nl}<param>`);
  encoder.value(value);
  out.append(`</param>${nl}</params>${nl}</methodResponse>${nl}`);
  return out.toString();
}

/** One `<value>…</value>` element on its own, e.g. to cache a record and splice it in later (EncodedValue). */
export function encodeValue(value: XmlRpcValue, options: EncodeOptions = {}): string {
  const encoder = new ValueEncoder("value", styleOf(options));
  encoder.value(value);
  return encoder.out.toString();
}

export function encodeFault(code: number, message: string, options: EncodeOptions = {}): string {
  if (!Number.isInteger(code) || code < INT32_MIN || code > INT32_MAX) {
    throw new XmlRpcEncodeError(`fault code ${String(code)} is not a 32-bit integer`, { path: "faultCode" });
  }
  const encoder = new ValueEncoder("faultString", styleOf(options));
  const out = encoder.out;
  const nl = encoder.nl;
  out.append(
    `${encoder.xapi ? XAPI_PROLOG : PROLOG}<methodResponse>${nl}<fault>${nl}<value><struct>${nl}` +
      `<member><name>faultCode</name>${nl}<value><i4>${code}</i4></value></member>${nl}` +
      `<member><name>faultString</name>${nl}`,
  );
  encoder.value(message);
  out.append(`</member>${nl}</struct></value>${nl}</fault>${nl}</methodResponse>${nl}`);
  return out.toString();
}

function styleOf(options: EncodeOptions): XmlRpcStyle {
  const style = options.style ?? "xmlrpc-c";
  if (style !== "xmlrpc-c" && style !== "xapi") throw new TypeError(`unknown XML-RPC style ${JSON.stringify(style)} (expected xmlrpc-c or xapi)`);
  return style;
}

/**
 * C's `%.16g`, as xapi prints a double: 16 significant digits, trailing zeros dropped, exponent
 * form (`1e+20`, `1e-05`) when the exponent is below -4 or at least 16. A value exactly halfway at
 * the 16th digit rounds away from zero here where glibc rounds to even; no 16-digit value of the
 * API (progress, utilisation) is such a tie.
 */
export function formatDoubleG16(value: number): string {
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const exponential = value.toExponential(15);
  const at = exponential.indexOf("e");
  const exponent = Number(exponential.slice(at + 1));
  if (exponent < -4 || exponent >= 16) {
    const mantissa = dropTrailingZeros(exponential.slice(0, at));
    const magnitude = Math.abs(exponent);
    return `${mantissa}e${exponent < 0 ? "-" : "+"}${magnitude < 10 ? `0${magnitude}` : magnitude}`;
  }
  return dropTrailingZeros(value.toFixed(15 - exponent));
}

function dropTrailingZeros(digits: string): string {
  if (!digits.includes(".")) return digits;
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 0x30) end--;
  if (digits.charCodeAt(end - 1) === 0x2e) end--;
  return digits.slice(0, end);
}

/** Appends the XML of values to `out`. */
class ValueEncoder {
  readonly out = new StringBuilder();
  /** The xapi style: compact, untyped strings and 64-bit integers. */
  readonly xapi: boolean;
  /** What separates elements: CRLF for xmlrpc-c, nothing for xapi. */
  readonly nl: string;
  /** Arrays and structs being encoded, to refuse a cycle instead of recursing forever. */
  private readonly open = new Set<object>();
  /**
   * Indexes and member names from the root down to the value being encoded; the path string is
   * built only when there is an error to report.
   */
  private readonly trail: Array<string | number> = [];

  constructor(
    private readonly root: string,
    style: XmlRpcStyle = "xmlrpc-c",
  ) {
    this.xapi = style === "xapi";
    this.nl = this.xapi ? "" : "\r\n";
  }

  /** Appends `<value>…</value>` for item `index` below the current value. */
  item(value: XmlRpcValue, index: number | string): void {
    this.trail.push(index);
    this.value(value);
    this.trail.pop();
  }

  /** Appends `<value>…</value>` for `value`. */
  value(value: XmlRpcValue): void {
    const out = this.out;
    switch (typeof value) {
      case "string":
        if (this.xapi) {
          out.append("<value>");
          out.append(this.escape(value));
          out.append("</value>");
          return;
        }
        out.append("<value><string>");
        out.append(this.escape(value));
        out.append("</string></value>");
        return;
      case "number":
        this.number(value);
        return;
      case "bigint":
        if (this.xapi) {
          out.append(`<value>${this.int64(value)}</value>`);
          return;
        }
        out.append("<value><i8>");
        out.append(this.int64(value));
        out.append("</i8></value>");
        return;
      case "boolean":
        out.append(value ? "<value><boolean>1</boolean></value>" : "<value><boolean>0</boolean></value>");
        return;
      case "object":
        this.object(value);
        return;
      default:
        throw this.error(`${typeof value} has no XML-RPC type`);
    }
  }

  private object(value: Exclude<XmlRpcValue, string | number | bigint | boolean>): void {
    const out = this.out;
    if (value === null) {
      out.append("<value><nil/></value>");
      return;
    }
    switch (wrapperKind(value)) {
      case "escaped":
        // Already escaped: emitted as it stands, never rescanned (it may be tens of megabytes).
        out.append(this.xapi ? "<value>" : "<value><string>");
        out.append((value as EscapedString).raw);
        out.append(this.xapi ? "</value>" : "</string></value>");
        return;
      case "i8":
        if (this.xapi) out.append(`<value>${this.forcedI8((value as XmlRpcI8).value)}</value>`);
        else out.append(`<value><i8>${this.forcedI8((value as XmlRpcI8).value)}</i8></value>`);
        return;
      case "i4":
        out.append(`<value><i4>${this.forcedI4((value as XmlRpcI4).value)}</i4></value>`);
        return;
      case "double":
        out.append(`<value><double>${this.double((value as XmlRpcDouble).value)}</double></value>`);
        return;
      case "encoded":
        // A `<value>` rendered earlier (a cached record): spliced in as it stands.
        out.append((value as EncodedValue).xml);
        return;
      case undefined:
        break;
    }
    if (value instanceof Date) {
      const text = this.xapi ? formatDateTimeXapi(value) : formatDateTime(value);
      if (text === undefined) throw this.error("invalid Date or year outside 0–9999");
      out.append(`<value><dateTime.iso8601>${text}</dateTime.iso8601></value>`);
      return;
    }
    if (value instanceof Uint8Array) {
      out.append("<value><base64>");
      out.append(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64"));
      out.append("</base64></value>");
      return;
    }
    if (Array.isArray(value)) {
      this.array(value);
      return;
    }
    if (isXmlRpcStruct(value)) {
      this.struct(value);
      return;
    }
    const kind = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
    throw this.error(`a ${kind ?? "object"} instance is not an XML-RPC value (use a plain object)`);
  }

  private array(items: XmlRpcValue[]): void {
    this.enter(items);
    const out = this.out;
    const nl = this.nl;
    out.append(`<value><array><data>${nl}`);
    for (let i = 0; i < items.length; i++) {
      this.item(items[i] as XmlRpcValue, i);
      if (nl) out.append(nl);
    }
    out.append("</data></array></value>");
    this.open.delete(items);
  }

  private struct(struct: { [member: string]: XmlRpcValue }): void {
    this.enter(struct);
    const out = this.out;
    const nl = this.nl;
    out.append(`<value><struct>${nl}`);
    for (const name of Object.keys(struct)) {
      const member = struct[name] as XmlRpcValue;
      this.trail.push(name);
      if (member === undefined) throw this.error("undefined has no XML-RPC type");
      out.append("<member><name>");
      out.append(this.escape(name));
      out.append(`</name>${nl}`);
      this.value(member);
      out.append(`</member>${nl}`);
      this.trail.pop();
    }
    out.append("</struct></value>");
    this.open.delete(struct);
  }

  private enter(container: object): void {
    if (this.open.has(container)) throw this.error("the value contains itself");
    if (this.open.size >= MAX_NESTING) throw this.error(`arrays and structs nested deeper than ${MAX_NESTING}`);
    this.open.add(container);
  }

  private number(value: number): void {
    if (Number.isInteger(value) && !Object.is(value, -0)) {
      if (this.xapi && Number.isSafeInteger(value)) {
        // xapi's ints are 64-bit and travel untyped: a string to every reader.
        this.out.append(`<value>${value}</value>`);
        return;
      }
      if (value >= INT32_MIN && value <= INT32_MAX) {
        this.out.append(`<value><i4>${value}</i4></value>`);
        return;
      }
      if (Number.isSafeInteger(value)) {
        this.out.append(`<value><i8>${value}</i8></value>`);
        return;
      }
    }
    // Fractions, -0 and whole numbers too large to be exact integers travel as doubles.
    this.out.append(`<value><double>${this.double(value)}</double></value>`);
  }

  private double(value: number): string {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw this.error(`${String(value)} is not a finite number`);
    }
    if (this.xapi) return formatDoubleG16(value);
    // The shortest text that reads back as the same double (exponent form for very large/small).
    return Object.is(value, -0) ? "-0" : String(value);
  }

  private forcedI4(value: number): string {
    if (typeof value !== "number" || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
      throw this.error(`${String(value)} is not a 32-bit integer, so it cannot be an <i4>`);
    }
    return String(value === 0 ? 0 : value);
  }

  private forcedI8(value: number | bigint): string {
    if (typeof value === "bigint") return this.int64(value);
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw this.error(`${String(value)} is not an integer, so it cannot be an <i8>`);
    }
    return this.int64(BigInt(value));
  }

  private int64(value: bigint): string {
    if (value < INT64_MIN || value > INT64_MAX) throw this.error(`${value} is outside the 64-bit range of <i8>`);
    return value.toString();
  }

  private escape(text: string): string {
    try {
      return escapeXml(text);
    } catch (error) {
      if (hasErrorCode(error, "XMLRPC_ENCODE")) {
        const inner = error as XmlRpcEncodeError;
        throw this.error(inner.problem, inner.index, error);
      }
      throw error;
    }
  }

  private error(problem: string, index?: number, cause?: unknown): XmlRpcEncodeError {
    let path = this.root;
    for (const step of this.trail) path += typeof step === "number" ? `[${step}]` : `.${step}`;
    return new XmlRpcEncodeError(problem, { path, index, cause });
  }
}
