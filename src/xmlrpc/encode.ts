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
  const encoder = new ValueEncoder();
  let out = `${PROLOG}<methodCall>\r\n<methodName>${method}</methodName>\r\n<params>\r\n`;
  params.forEach((param, i) => {
    out += `<param>${encoder.encode(param, `params[${i}]`)}</param>\r\n`;
  });
  return `${out}</params>\r\n</methodCall>\r\n`;
}

export function encodeResponse(value: XmlRpcValue): string {
  const body = new ValueEncoder().encode(value, "value");
  return `${PROLOG}<methodResponse>\r\n<params>\r\n<param>${body}</param>\r\n</params>\r\n</methodResponse>\r\n`;
}

export function encodeFault(code: number, message: string): string {
  if (!Number.isInteger(code) || code < INT32_MIN || code > INT32_MAX) {
    throw new XmlRpcEncodeError(`fault code ${String(code)} is not a 32-bit integer`, { path: "faultCode" });
  }
  const text = new ValueEncoder().encode(message, "faultString");
  return (
    `${PROLOG}<methodResponse>\r\n<fault>\r\n<value><struct>\r\n` +
    `<member><name>faultCode</name>\r\n<value><i4>${code}</i4></value></member>\r\n` +
    `<member><name>faultString</name>\r\n${text}</member>\r\n` +
    `</struct></value>\r\n</fault>\r\n</methodResponse>\r\n`
  );
}

class ValueEncoder {
  /** Arrays and structs being encoded, to refuse a cycle instead of recursing forever. */
  private readonly open = new Set<object>();

  /** `<value>…</value>` for `value`; `path` names it in errors. */
  encode(value: XmlRpcValue, path: string): string {
    switch (typeof value) {
      case "string":
        return `<value><string>${this.escape(value, path)}</string></value>`;
      case "number":
        return this.number(value, path);
      case "bigint":
        return `<value><i8>${this.int64(value, path)}</i8></value>`;
      case "boolean":
        return value ? "<value><boolean>1</boolean></value>" : "<value><boolean>0</boolean></value>";
      case "object":
        return this.object(value, path);
      default:
        throw new XmlRpcEncodeError(`${typeof value} has no XML-RPC type`, { path });
    }
  }

  private object(value: Exclude<XmlRpcValue, string | number | bigint | boolean>, path: string): string {
    if (value === null) return "<value><nil/></value>";
    switch (wrapperKind(value)) {
      case "escaped":
        // Already escaped: emitted as it stands, never rescanned (it may be tens of megabytes).
        return `<value><string>${(value as EscapedString).raw}</string></value>`;
      case "i8":
        return `<value><i8>${this.forcedI8((value as XmlRpcI8).value, path)}</i8></value>`;
      case "double":
        return `<value><double>${this.double((value as XmlRpcDouble).value, path)}</double></value>`;
      case undefined:
        break;
    }
    if (value instanceof Date) {
      const text = formatDateTime(value);
      if (text === undefined) throw new XmlRpcEncodeError("invalid Date or year outside 0–9999", { path });
      return `<value><dateTime.iso8601>${text}</dateTime.iso8601></value>`;
    }
    if (value instanceof Uint8Array) {
      const base64 = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
      return `<value><base64>${base64}</base64></value>`;
    }
    if (Array.isArray(value)) return this.array(value, path);
    if (isXmlRpcStruct(value)) return this.struct(value, path);
    const kind = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
    throw new XmlRpcEncodeError(`a ${kind ?? "object"} instance is not an XML-RPC value (use a plain object)`, {
      path,
    });
  }

  private array(items: XmlRpcValue[], path: string): string {
    this.enter(items, path);
    let out = "<value><array><data>\r\n";
    for (let i = 0; i < items.length; i++) out += `${this.encode(items[i] as XmlRpcValue, `${path}[${i}]`)}\r\n`;
    this.open.delete(items);
    return `${out}</data></array></value>`;
  }

  private struct(struct: { [member: string]: XmlRpcValue }, path: string): string {
    this.enter(struct, path);
    let out = "<value><struct>\r\n";
    for (const name of Object.keys(struct)) {
      const memberPath = `${path}.${name}`;
      const member = struct[name];
      if (member === undefined) throw new XmlRpcEncodeError("undefined has no XML-RPC type", { path: memberPath });
      out += `<member><name>${this.escape(name, memberPath)}</name>\r\n${this.encode(member, memberPath)}</member>\r\n`;
    }
    this.open.delete(struct);
    return `${out}</struct></value>`;
  }

  private enter(container: object, path: string): void {
    if (this.open.has(container)) throw new XmlRpcEncodeError("the value contains itself", { path });
    if (this.open.size >= MAX_NESTING) {
      throw new XmlRpcEncodeError(`arrays and structs nested deeper than ${MAX_NESTING}`, { path });
    }
    this.open.add(container);
  }

  private number(value: number, path: string): string {
    if (Number.isInteger(value) && !Object.is(value, -0)) {
      if (value >= INT32_MIN && value <= INT32_MAX) return `<value><i4>${value}</i4></value>`;
      if (Number.isSafeInteger(value)) return `<value><i8>${value}</i8></value>`;
    }
    // Fractions, -0 and whole numbers too large to be exact integers travel as doubles.
    return `<value><double>${this.double(value, path)}</double></value>`;
  }

  private double(value: number, path: string): string {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new XmlRpcEncodeError(`${String(value)} is not a finite number`, { path });
    }
    // The shortest text that reads back as the same double (exponent form for very large/small).
    return Object.is(value, -0) ? "-0" : String(value);
  }

  private forcedI8(value: number | bigint, path: string): string {
    if (typeof value === "bigint") return this.int64(value, path);
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw new XmlRpcEncodeError(`${String(value)} is not an integer, so it cannot be an <i8>`, { path });
    }
    return this.int64(BigInt(value), path);
  }

  private int64(value: bigint, path: string): string {
    if (value < INT64_MIN || value > INT64_MAX) {
      throw new XmlRpcEncodeError(`${value} is outside the 64-bit range of <i8>`, { path });
    }
    return value.toString();
  }

  private escape(text: string, path: string): string {
    try {
      return escapeXml(text);
    } catch (error) {
      if (hasErrorCode(error, "XMLRPC_ENCODE")) {
        const inner = error as XmlRpcEncodeError;
        throw new XmlRpcEncodeError(inner.problem, { path, index: inner.index, cause: error });
      }
      throw error;
    }
  }
}
