/**
 * Decoding XML-RPC calls and responses.
 *
 * Strict by design: anything that is not well-formed XML-RPC (a truncated document, an unknown tag,
 * a mismatched end tag, a missing value, a number that is not one) is an XmlRpcParseError that says
 * where, never a crash or a guessed value. Lenient only where XML itself is: whitespace between tags,
 * comments, an `<?xml …?>` declaration, CDATA sections, attributes, self-closing empty elements.
 */
import { hasErrorCode } from "../errors.js";
import { parseDateTime } from "./date-time.js";
import { normalizeLineEnds, unescapeXml } from "./escape.js";
import { XmlRpcParseError } from "./errors.js";
import { MAX_NESTING, EscapedString, XmlRpcDouble, XmlRpcI8, isXmlRpcStruct, wrapperKind, type XmlRpcStruct, type XmlRpcValue } from "./values.js";
import { XmlReader, isBlank, trimXmlSpace } from "./xml-reader.js";

export interface DecodeOptions {
  /** Return string values as EscapedString (still escaped, not copied) instead of string. */
  keepEscaped?: boolean;
  /**
   * Return `<i8>` as XmlRpcI8 and `<double>` as XmlRpcDouble instead of plain numbers, for a server
   * that must refuse them where it expects an `<i4>` (xmlrpc-c's type check).
   */
  preserveTypes?: boolean;
}

export type DecodedResponse =
  | { fault: false; value: XmlRpcValue }
  | { fault: true; code: number; message: string };

export function decodeCall(xml: string, options: DecodeOptions = {}): { method: string; params: XmlRpcValue[] } {
  const decoder = new ValueDecoder(xml, options.keepEscaped === true, options.preserveTypes === true);
  const r: XmlReader = decoder.reader;
  r.skipProlog();
  r.openTag("methodCall");
  if (r.lastEmpty) r.fail("empty <methodCall>", r.lastTagStart);
  r.skipMisc();
  r.openTag("methodName");
  const nameStart = r.pos;
  const method = r.lastEmpty ? "" : trimXmlSpace(decoder.plainText(r.readText(), nameStart));
  if (!r.lastEmpty) r.closeTag("methodName");
  if (method === "") r.fail("empty method name", nameStart);
  r.skipMisc();
  const params: XmlRpcValue[] = [];
  if (!r.atEndTag()) {
    r.openTag("params");
    if (!r.lastEmpty) {
      for (;;) {
        r.skipMisc();
        if (r.atEndTag()) break;
        params.push(decoder.param());
      }
      r.closeTag("params");
    }
    r.skipMisc();
  }
  r.closeTag("methodCall");
  r.expectEnd();
  return { method, params };
}

export function decodeResponse(xml: string, options: DecodeOptions = {}): DecodedResponse {
  const decoder = new ValueDecoder(xml, options.keepEscaped === true, options.preserveTypes === true);
  const r: XmlReader = decoder.reader;
  r.skipProlog();
  r.openTag("methodResponse");
  if (r.lastEmpty) r.fail("empty <methodResponse>", r.lastTagStart);
  r.skipMisc();
  const kind = r.openTag();
  const kindStart = r.lastTagStart;
  let response: DecodedResponse;
  if (kind === "params") {
    if (r.lastEmpty) r.fail("a response needs exactly one <param>, found none", kindStart);
    r.skipMisc();
    if (r.atEndTag()) r.fail("a response needs exactly one <param>, found none", kindStart);
    const value = decoder.param();
    r.skipMisc();
    if (!r.atEndTag()) r.fail("a response holds exactly one <param>, found another");
    r.closeTag("params");
    response = { fault: false, value };
  } else if (kind === "fault") {
    if (r.lastEmpty) r.fail("empty <fault>", kindStart);
    r.skipMisc();
    response = decoder.fault();
    r.skipMisc();
    r.closeTag("fault");
  } else {
    r.fail(`expected <params> or <fault>, found <${kind}>`, kindStart);
  }
  r.skipMisc();
  r.closeTag("methodResponse");
  r.expectEnd();
  return response;
}

const INTEGER = /^[+-]?[0-9]+$/;
const DOUBLE = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const XML_SPACE_RUN = /[ \t\r\n]+/g;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

class ValueDecoder {
  readonly reader: XmlReader;
  private depth = 0;

  constructor(
    xml: string,
    private readonly keepEscaped: boolean,
    private readonly preserveTypes = false,
  ) {
    if (typeof xml !== "string") {
      // A Buffer straight from the socket is the likely mistake: decode it as UTF-8 first.
      throw new XmlRpcParseError(`expected the document as a string, got ${describe(xml)}`, { index: 0, text: "" });
    }
    this.reader = new XmlReader(xml);
  }

  /** `<param><value>…</value></param>` at the cursor. */
  param(): XmlRpcValue {
    const r: XmlReader = this.reader;
    r.openTag("param");
    if (r.lastEmpty) r.fail("empty <param>", r.lastTagStart);
    r.skipMisc();
    const value = this.value();
    r.skipMisc();
    r.closeTag("param");
    return value;
  }

  /** The `<value>` of a `<fault>`: a struct holding an integer faultCode and a string faultString. */
  fault(): DecodedResponse {
    const r: XmlReader = this.reader;
    const at = r.pos;
    const value: XmlRpcValue = this.value();
    if (!isXmlRpcStruct(value)) return r.fail("a fault must hold a struct", at);
    const code = value.faultCode;
    const message = value.faultString;
    if (typeof code !== "number" || !Number.isInteger(code)) r.fail("fault without an integer faultCode", at);
    let text: string;
    if (typeof message === "string") text = message;
    else if (wrapperKind(message) === "escaped") text = this.unescapeAt((message as EscapedString).raw, at);
    else r.fail("fault without a string faultString", at);
    return { fault: true, code, message: text };
  }

  /** A `<value>` element at the cursor. */
  value(): XmlRpcValue {
    const r: XmlReader = this.reader;
    r.openTag("value");
    // `<value/>` is `<value></value>`: the empty untyped string.
    if (r.lastEmpty) return this.stringValue("", r.pos);
    const textStart = r.pos;
    const raw = r.readText();
    if (r.atEndTag()) {
      // Untyped: the text is the string, whitespace and all.
      r.closeTag("value");
      return this.stringValue(raw, textStart);
    }
    if (!isBlank(raw)) r.fail("text before a typed value", textStart);
    const type = r.openTag();
    const typeStart = r.lastTagStart;
    const empty = r.lastEmpty;
    let value: XmlRpcValue;
    switch (type) {
      case "string":
        value = empty ? this.stringValue("", r.pos) : this.closedString();
        break;
      case "i4":
      case "int":
        value = this.int32(this.scalarText(type, empty), typeStart);
        break;
      case "i8":
      case "ex:i8":
        value = this.int64(this.scalarText(type, empty), typeStart);
        if (this.preserveTypes) value = new XmlRpcI8(value as number | bigint);
        break;
      case "double":
        value = this.double(this.scalarText(type, empty), typeStart);
        if (this.preserveTypes) value = new XmlRpcDouble(value);
        break;
      case "boolean":
        value = this.boolean(this.scalarText(type, empty), typeStart);
        break;
      case "nil":
      case "ex:nil":
        if (this.scalarText(type, empty) !== "") r.fail(`<${type}> must be empty`, typeStart);
        value = null;
        break;
      case "base64":
        value = this.base64(this.scalarText(type, empty), typeStart);
        break;
      case "dateTime.iso8601":
        value = this.dateTime(this.scalarText(type, empty), typeStart);
        break;
      case "array":
        value = this.array(empty, typeStart);
        break;
      case "struct":
        value = this.struct(empty, typeStart);
        break;
      default:
        r.fail(`unknown value type <${type}>`, typeStart);
    }
    r.skipMisc();
    r.closeTag("value");
    return value;
  }

  private closedString(): XmlRpcValue {
    const r: XmlReader = this.reader;
    const start = r.pos;
    const raw = r.readText();
    r.closeTag("string");
    return this.stringValue(raw, start);
  }

  private stringValue(raw: string, start: number): string | EscapedString {
    return this.keepEscaped ? new EscapedString(raw) : this.unescapeAt(raw, start);
  }

  /** Unescaped text of a non-string element, with XML whitespace trimmed. */
  private scalarText(type: string, empty: boolean): string {
    if (empty) return "";
    const r: XmlReader = this.reader;
    const start = r.pos;
    const raw = r.readText();
    r.closeTag(type);
    return trimXmlSpace(this.plainText(raw, start));
  }

  /** Unescaped text of markup that is not a string value (names, numbers). */
  plainText(raw: string, start: number): string {
    return this.unescapeAt(raw, start);
  }

  private unescapeAt(raw: string, start: number): string {
    try {
      return unescapeXml(normalizeLineEnds(raw));
    } catch (error) {
      if (hasErrorCode(error, "XMLRPC_PARSE")) {
        const inner = error as XmlRpcParseError;
        this.reader.fail(inner.problem, start + inner.index);
      }
      throw error;
    }
  }

  private int32(text: string, at: number): number {
    if (!INTEGER.test(text)) this.reader.fail(`not an integer: ${JSON.stringify(text)}`, at);
    const n = Number(text);
    if (n < INT32_MIN || n > INT32_MAX) this.reader.fail(`integer ${text} out of the 32-bit range`, at);
    return n === 0 ? 0 : n; // "-0" is the integer 0
  }

  private int64(text: string, at: number): number | bigint {
    if (!INTEGER.test(text)) this.reader.fail(`not an integer: ${JSON.stringify(text)}`, at);
    const big = BigInt(text);
    if (big < INT64_MIN || big > INT64_MAX) this.reader.fail(`integer ${text} out of the 64-bit range`, at);
    const n = Number(big);
    return Number.isSafeInteger(n) ? n : big;
  }

  private double(text: string, at: number): number {
    if (!DOUBLE.test(text)) this.reader.fail(`not a number: ${JSON.stringify(text)}`, at);
    const n = Number(text);
    if (!Number.isFinite(n)) this.reader.fail(`number ${text} out of the double range`, at);
    return n;
  }

  private boolean(text: string, at: number): boolean {
    if (text === "1") return true;
    if (text === "0") return false;
    this.reader.fail(`boolean must be 0 or 1, found ${JSON.stringify(text)}`, at);
  }

  private base64(text: string, at: number): Uint8Array {
    // Encoders commonly wrap base64 in lines (Python every 76 characters).
    const compact = text.replace(XML_SPACE_RUN, "");
    if (!BASE64.test(compact)) this.reader.fail("malformed base64", at);
    const bytes = Buffer.from(compact, "base64");
    // Small Buffers are slices of a shared pool: copy those so the caller owns the whole ArrayBuffer.
    const ownsBuffer = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength;
    return ownsBuffer ? new Uint8Array(bytes.buffer, 0, bytes.byteLength) : new Uint8Array(bytes);
  }

  private dateTime(text: string, at: number): Date {
    const date = parseDateTime(text);
    if (date === undefined) this.reader.fail(`not a dateTime.iso8601: ${JSON.stringify(text)}`, at);
    return date;
  }

  private enter(at: number): void {
    if (++this.depth > MAX_NESTING) this.reader.fail(`arrays and structs nested deeper than ${MAX_NESTING}`, at);
  }

  private array(empty: boolean, at: number): XmlRpcValue[] {
    const r: XmlReader = this.reader;
    if (empty) r.fail("<array> without <data>", at);
    this.enter(at);
    r.skipMisc();
    r.openTag("data");
    const items: XmlRpcValue[] = [];
    if (!r.lastEmpty) {
      for (;;) {
        r.skipMisc();
        if (r.atEndTag()) break;
        items.push(this.value());
      }
      r.closeTag("data");
    }
    r.skipMisc();
    r.closeTag("array");
    this.depth--;
    return items;
  }

  private struct(empty: boolean, at: number): XmlRpcStruct {
    const r: XmlReader = this.reader;
    const struct: XmlRpcStruct = {};
    if (empty) return struct;
    this.enter(at);
    for (;;) {
      r.skipMisc();
      if (r.atEndTag()) break;
      r.openTag("member");
      const memberStart = r.lastTagStart;
      if (r.lastEmpty) r.fail("empty <member>", memberStart);
      r.skipMisc();
      r.openTag("name");
      let name = "";
      if (!r.lastEmpty) {
        const nameStart = r.pos;
        name = this.plainText(r.readText(), nameStart);
        r.closeTag("name");
      }
      r.skipMisc();
      const value = this.value();
      r.skipMisc();
      r.closeTag("member");
      // Two members of one name leave the struct ambiguous; libraries disagree on which wins.
      if (Object.prototype.hasOwnProperty.call(struct, name)) {
        r.fail(`member ${JSON.stringify(name)} appears twice in a struct`, memberStart);
      }
      if (name === "__proto__") {
        // Assigning would replace the struct's prototype instead of adding a member.
        Object.defineProperty(struct, name, { value, enumerable: true, writable: true, configurable: true });
      } else {
        struct[name] = value;
      }
    }
    r.closeTag("struct");
    this.depth--;
    return struct;
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name ?? "object";
}
