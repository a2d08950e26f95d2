/**
 * Encoding XML-RPC calls, responses and faults.
 *
 * The layout follows xmlrpc-c, the library oned answers with: an XML declaration, CRLF line ends,
 * one `<param>` per line, each array item and struct member on its own line. Strings are always
 * entity-escaped, never wrapped in CDATA (a CDATA wrapper breaks on values that themselves contain
 * `]]>`, which OpenNebula's own XML documents do).
 */
import { hasErrorCode } from "../errors";
import { formatDateTime } from "./date-time";
import { escapeXml } from "./escape";
import { XmlRpcEncodeError } from "./errors";
import { StringBuilder } from "./string-builder";
import {
  MAX_NESTING,
  isXmlRpcStruct,
  wrapperKind,
  type EscapedString,
  type XmlRpcDouble,
  type XmlRpcI8,
  type XmlRpcValue,
} from "./values";

const PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\r\n';
/** The method name characters the XML-RPC spec allows. */
const METHOD_NAME = /^[A-Za-z0-9_.:/]+$/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function encodeCall(method: string, params: readonly XmlRpcValue[]): string {
  if (typeof method !== "string" || !METHOD_NAME.test(method)) {
    throw new XmlRpcEncodeError(
      `method name ${JSON.stringify(method)} is not one the XML-RPC spec allows (letters, digits, _ . : /)`,
      { path: "methodName" },
    );
  }
  const encoder = new ValueEncoder("params");
  const out = encoder.out;
  out.append(`${PROLOG}<methodCall>\r\n<methodName>${method}</methodName>\r\n<params>\r\n`);
  params.forEach((param, i) => {
    out.append("<param>");
    encoder.item(param, i);
    out.append("</param>\r\n");
  });
  out.append("</params>\r\n</methodCall>\r\n");
  return out.toString();
}

export function encodeResponse(value: XmlRpcValue): string {
  const encoder = new ValueEncoder("value");
  const out = encoder.out;
  out.append(`${PROLOG}<methodResponse>\r\n<params>\r\n<param>`);
  encoder.value(value);
  out.append("</param>\r\n</params>\r\n</methodResponse>\r\n");
  return out.toString();
}

export function encodeFault(code: number, message: string): string {
  if (!Number.isInteger(code) || code < INT32_MIN || code > INT32_MAX) {
    throw new XmlRpcEncodeError(`fault code ${String(code)} is not a 32-bit integer`, { path: "faultCode" });
  }
  const encoder = new ValueEncoder("faultString");
  const out = encoder.out;
  out.append(
    `${PROLOG}<methodResponse>\r\n<fault>\r\n<value><struct>\r\n` +
      `<member><name>faultCode</name>\r\n<value><i4>${code}</i4></value></member>\r\n` +
      `<member><name>faultString</name>\r\n`,
  );
  encoder.value(message);
  out.append("</member>\r\n</struct></value>\r\n</fault>\r\n</methodResponse>\r\n");
  return out.toString();
}

/** Appends the XML of values to `out`. */
class ValueEncoder {
  readonly out = new StringBuilder();
  /** Arrays and structs being encoded, to refuse a cycle instead of recursing forever. */
  private readonly open = new Set<object>();
  /**
   * Indexes and member names from the root down to the value being encoded; the path string is
   * built only when there is an error to report.
   */
  private readonly trail: Array<string | number> = [];

  constructor(private readonly root: string) {}

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
        out.append("<value><string>");
        out.append(this.escape(value));
        out.append("</string></value>");
        return;
      case "number":
        this.number(value);
        return;
      case "bigint":
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
        out.append("<value><string>");
        out.append((value as EscapedString).raw);
        out.append("</string></value>");
        return;
      case "i8":
        out.append(`<value><i8>${this.forcedI8((value as XmlRpcI8).value)}</i8></value>`);
        return;
      case "double":
        out.append(`<value><double>${this.double((value as XmlRpcDouble).value)}</double></value>`);
        return;
      case undefined:
        break;
    }
    if (value instanceof Date) {
      const text = formatDateTime(value);
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
    out.append("<value><array><data>\r\n");
    for (let i = 0; i < items.length; i++) {
      this.item(items[i] as XmlRpcValue, i);
      out.append("\r\n");
    }
    out.append("</data></array></value>");
    this.open.delete(items);
  }

  private struct(struct: { [member: string]: XmlRpcValue }): void {
    this.enter(struct);
    const out = this.out;
    out.append("<value><struct>\r\n");
    for (const name of Object.keys(struct)) {
      const member = struct[name] as XmlRpcValue;
      this.trail.push(name);
      if (member === undefined) throw this.error("undefined has no XML-RPC type");
      out.append("<member><name>");
      out.append(this.escape(name));
      out.append("</name>\r\n");
      this.value(member);
      out.append("</member>\r\n");
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
    // The shortest text that reads back as the same double (exponent form for very large/small).
    return Object.is(value, -0) ? "-0" : String(value);
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
