/**
 * xapi's two wires (FACTS §1.1–1.2), behind one interface: a call goes out, and what comes back is
 * either the value or xapi's failure (code and string parameters). The client above decides what a
 * failure means (log in again, follow the master, throw).
 *
 * - XML-RPC, POSTed to the base URL (`/`): every answer is a struct `{Status: "Success", Value}` or
 *   `{Status: "Failure", ErrorDescription: [code, params…]}`, except `system.listMethods`, whose
 *   array comes bare. xapi never answers an API error with an XML-RPC `<fault>`.
 * - JSON-RPC, POSTed to `<base>jsonrpc`: requests are JSON-RPC 2.0 (`id` never null); a success
 *   carries `result`, a failure `error: {code, message: CODE, data: [params]}`; a 1.0 answer
 *   (`{result, error: null | [CODE, params…], id}`) is read too.
 *
 * Nothing here ever quotes a request body (it holds the session and, at login, the password); what
 * it quotes of an answer first goes through the client's `redact`.
 */
import { decodeResponse, encodeCall, formatDateTimeXapi, isXmlRpcStruct, type XmlRpcValue } from "../../xmlrpc/index.js";
import { wrapperKind } from "../../xmlrpc/values.js";
import { hasErrorCode } from "../../errors.js";
import { Transport, TransportError, printableEndpoint, type TransportOptions } from "../kit/http-transport.js";
import { describeValue, isStruct, type WireValue } from "./field-types.js";
import { XenProtocolError } from "./errors.js";
import type { XmlRpcParseError } from "../../xmlrpc/index.js";
import { indexDecoded, indexRecordBytes, JsonScanError, Walker, type RecordIndex } from "./record-index.js";
import { indexXmlRecordAnswer } from "./xml-record-index.js";

export type XenTransportKind = "json-rpc" | "xml-rpc";
export const XEN_TRANSPORT_KINDS: readonly XenTransportKind[] = ["json-rpc", "xml-rpc"];

/**
 * The wire a client speaks unless told otherwise: JSON-RPC, by measurement
 * (bench/scenarios/xenapi-transport.ts against the XenServer simulator in its own process, a pool's VM
 * records from the socket to typed records, 2 cores): 1,000 VMs in 34 ms against 145 ms over XML-RPC,
 * 50,000 VMs in 3.2 s against 14.0 s. Its bodies are 35% of XML-RPC's (2.9 KB a VM against 8.1 KB),
 * and JSON.parse beats any XML-RPC decoding of them (BENCHMARKS.md "xenapi-transport").
 */
export const DEFAULT_XEN_TRANSPORT: XenTransportKind = "json-rpc";

export type WireAnswer<T = WireValue> = { ok: true; value: T } | { ok: false; code: string; params: string[] };

export interface WireOptions extends Omit<TransportOptions, "endpoint" | "server" | "contentType"> {
  /** The pool master's base URL, ending in "/" (`https://xen1.example.org/`). */
  baseUrl: string;
  /** Applied to any text of an answer an error quotes. */
  redact: (text: string) => string;
}

export interface XenWire {
  readonly kind: XenTransportKind;
  readonly baseUrl: string;
  /** The endpoint as messages print it. */
  readonly endpoint: string;
  /** `idempotent`: the call may be sent again on a fresh socket when a kept-alive one turns out closed. */
  call(method: string, params: readonly XmlRpcValue[], idempotent: boolean): Promise<WireAnswer>;
  /**
   * A call whose value is a map of refs to records (`<class>.get_all_records`), answered as an index
   * of them: records are decoded only when the reader keeps them, and `fields` are the members it
   * chooses by (record-index.ts).
   */
  callRecords(method: string, params: readonly XmlRpcValue[], idempotent: boolean, fields: readonly string[]): Promise<WireAnswer<RecordIndex>>;
  close(): void;
}

export function createWire(kind: XenTransportKind, options: WireOptions): XenWire {
  return kind === "json-rpc" ? new JsonRpcWire(options) : new XmlRpcWire(options);
}

class XmlRpcWire implements XenWire {
  readonly kind = "xml-rpc" as const;
  readonly baseUrl: string;
  readonly endpoint: string;
  readonly #transport: Transport;
  readonly #redact: (text: string) => string;

  constructor(options: WireOptions) {
    const { baseUrl, redact, ...transport } = options;
    this.baseUrl = baseUrl;
    this.endpoint = printableEndpoint(baseUrl);
    this.#redact = redact;
    this.#transport = new Transport({ ...transport, endpoint: baseUrl, server: "xapi", contentType: "text/xml" });
  }

  async call(method: string, params: readonly XmlRpcValue[], idempotent: boolean): Promise<WireAnswer> {
    return this.#answer(method, await this.#transport.post(method, encodeCall(method, params), idempotent));
  }

  /**
   * The answer read as bytes and indexed where it lies (xml-record-index.ts); an answer of any other
   * shape (a Failure above all) is decoded whole, as `call` decodes it.
   */
  async callRecords(method: string, params: readonly XmlRpcValue[], idempotent: boolean, fields: readonly string[]): Promise<WireAnswer<RecordIndex>> {
    const bytes = await this.#transport.postBytes(method, encodeCall(method, params), idempotent);
    const index = indexXmlRecordAnswer(bytes, fields);
    if (index !== undefined) return { ok: true, value: index };
    const answer = this.#answer(method, bytes.toString("utf8"));
    if (!answer.ok) return answer;
    return { ok: true, value: recordMapIndex(method, answer.value, true) };
  }

  #answer(method: string, text: string): WireAnswer {
    let decoded;
    try {
      decoded = decodeResponse(text);
    } catch (error) {
      if (!hasErrorCode(error, "XMLRPC_PARSE")) throw error;
      // Said without the parse error's excerpt of the document, which may hold a session ref.
      const parse = error as XmlRpcParseError;
      throw new TransportError(method, this.endpoint, "malformed", `the response is not valid XML-RPC (${this.#redact(parse.problem)} at byte ${parse.offset})`);
    }
    if (decoded.fault) {
      throw new XenProtocolError(method, "xapi answered with an XML-RPC fault, which it never sends for an API error", { detail: this.#redact(`fault ${decoded.code}: ${decoded.message}`) });
    }
    // The one call whose answer is not wrapped in {Status, Value} (api_server.ml).
    if (method === "system.listMethods") return { ok: true, value: decoded.value };
    return statusAnswer(method, decoded.value, this.#redact);
  }


  close(): void {
    this.#transport.close();
  }
}

/** `copyKept`: the decoder's strings are slices of the response text (XML-RPC), so the records kept are copied. */
function recordMapIndex(method: string, value: WireValue, copyKept = false): RecordIndex {
  if (!isStruct(value)) throw new XenProtocolError(method, `expected a map of refs to records, got ${describeValue(value)}`);
  return indexDecoded(value, { copyKept });
}

function statusAnswer(method: string, value: XmlRpcValue, redact: (text: string) => string): WireAnswer {
  if (isXmlRpcStruct(value)) {
    if (value.Status === "Success") {
      if (value.Value === undefined) throw new XenProtocolError(method, "a Success answer without a Value");
      return { ok: true, value: value.Value };
    }
    if (value.Status === "Failure") return failureAnswer(method, value.ErrorDescription, redact);
  }
  throw new XenProtocolError(method, `expected xapi's {Status, Value | ErrorDescription} struct, got ${describeValue(value)}`);
}

/** `[code, params…]`, as ErrorDescription, JSON-RPC 1.0's error and a task's error_info carry it. */
export function failureAnswer(method: string, description: WireValue | undefined, redact: (text: string) => string): WireAnswer & { ok: false } {
  if (!Array.isArray(description) || description.length === 0 || typeof description[0] !== "string" || description[0] === "") {
    throw new XenProtocolError(method, `a failure whose error description is ${describeValue(description)}, not [code, params…]`);
  }
  return { ok: false, code: description[0], params: description.slice(1).map((p) => redact(paramText(p))) };
}

/** xapi's error parameters are strings; anything else is shown as its text. */
function paramText(value: WireValue): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return describeValue(value);
}

const XAPI_CODE = /^[A-Z][A-Z0-9_]*$/;

class JsonRpcWire implements XenWire {
  readonly kind = "json-rpc" as const;
  readonly baseUrl: string;
  readonly endpoint: string;
  readonly #transport: Transport;
  readonly #redact: (text: string) => string;
  #nextId = 0;

  constructor(options: WireOptions) {
    const { baseUrl, redact, ...transport } = options;
    this.baseUrl = baseUrl;
    const url = new URL("jsonrpc", baseUrl).toString();
    this.endpoint = printableEndpoint(url);
    this.#redact = redact;
    this.#transport = new Transport({ ...transport, endpoint: url, server: "xapi", contentType: "application/json" });
  }

  async call(method: string, params: readonly XmlRpcValue[], idempotent: boolean): Promise<WireAnswer> {
    const id = ++this.#nextId;
    const text = await this.#transport.post(method, this.#body(method, params, id), idempotent);
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch (error) {
      throw new TransportError(method, this.endpoint, "malformed", `the response is not JSON (${this.#redact((error as Error).message)})`);
    }
    if (!isStruct(answer)) throw new XenProtocolError(method, `expected a JSON-RPC response object, got ${describeValue(answer as WireValue)}`);
    return this.#answer(method, id, answer, "result" in answer, answer.result as WireValue);
  }

  /**
   * The answer read as bytes: the envelope's members are walked, and a result that is an object is
   * indexed where it lies, never decoded whole (record-index.ts).
   */
  async callRecords(method: string, params: readonly XmlRpcValue[], idempotent: boolean, fields: readonly string[]): Promise<WireAnswer<RecordIndex>> {
    const id = ++this.#nextId;
    const bytes = await this.#transport.postBytes(method, this.#body(method, params, id), idempotent);
    const envelope: Record<string, WireValue> = {};
    let index: RecordIndex | undefined;
    try {
      const walker = new Walker(bytes, bytes.length);
      const start = walker.space(0);
      if (bytes[start] !== 0x7b) {
        const value = JSON.parse(bytes.toString("utf8")) as WireValue;
        throw new XenProtocolError(method, `expected a JSON-RPC response object, got ${describeValue(value)}`);
      }
      const after = walker.members(start, (keyStart, keyEnd, valueStart) => {
        const key = JSON.parse(bytes.toString("utf8", keyStart, keyEnd)) as string;
        if (key === "result" && bytes[valueStart] === 0x7b) {
          const indexed = indexRecordBytes(bytes, valueStart, bytes.length, fields);
          index = indexed.index;
          return indexed.next;
        }
        const valueEnd = walker.value(valueStart);
        envelope[key] = JSON.parse(bytes.toString("utf8", valueStart, valueEnd)) as WireValue;
        return valueEnd;
      });
      if (walker.space(after) !== bytes.length) walker.fail("more after the response object", after);
    } catch (error) {
      if (error instanceof SyntaxError || error instanceof JsonScanError) {
        throw new TransportError(method, this.endpoint, "malformed", `the response is not JSON (${this.#redact(error.message)})`);
      }
      throw error;
    }
    if (index !== undefined) {
      const answer = this.#answer(method, id, envelope, true, null);
      return answer.ok ? { ok: true, value: index } : answer;
    }
    const answer = this.#answer(method, id, envelope, "result" in envelope, envelope.result);
    return answer.ok ? { ok: true, value: recordMapIndex(method, answer.value) } : answer;
  }

  #body(method: string, params: readonly XmlRpcValue[], id: number): string {
    return `{"jsonrpc":"2.0","method":${JSON.stringify(method)},"params":[${params.map((p, i) => jsonParam(method, p, `params[${i}]`)).join(",")}],"id":${id}}`;
  }

  /** What a JSON-RPC response object says, its result given apart (it may have been indexed rather than decoded). */
  #answer(method: string, id: number, answer: Record<string, WireValue>, hasResult: boolean, result: WireValue | undefined): WireAnswer {
    if (answer.id !== undefined && answer.id !== id) throw new XenProtocolError(method, `the response answers request ${JSON.stringify(answer.id)}, not ${id}`);
    const error = answer.error;
    if (error !== undefined && error !== null) {
      // JSON-RPC 1.0: [CODE, params…].
      if (Array.isArray(error)) return failureAnswer(method, error, this.#redact);
      // JSON-RPC 2.0: {code, message: CODE, data: [params…]}.
      if (isStruct(error) && typeof error.message === "string") {
        if (!XAPI_CODE.test(error.message)) {
          // The JSON-RPC layer's own refusal (-32700 parse error, -32601 …), not an API error.
          throw new XenProtocolError(method, "the JSON-RPC layer refused the request", { detail: this.#redact(`${String(error.code)}: ${error.message}`) });
        }
        const data = error.data === undefined || error.data === null ? [] : error.data;
        return failureAnswer(method, [error.message, ...(Array.isArray(data) ? data : [data])], this.#redact);
      }
      throw new XenProtocolError(method, `a JSON-RPC error that is ${describeValue(error)}, neither [code, params…] nor {code, message, data}`);
    }
    if (!hasResult) throw new XenProtocolError(method, "a JSON-RPC response with neither result nor error");
    return { ok: true, value: result as WireValue };
  }

  close(): void {
    this.#transport.close();
  }
}

/**
 * A call parameter as JSON text. The XML-RPC wrappers say what JSON cannot on its own: a float
 * (`XmlRpcDouble`, event.from's timeout) keeps a decimal point even when whole (`30.0`), so xapi's
 * JSON reader takes it as the float the method declares; a Date becomes xapi's dateTime text.
 */
function jsonParam(method: string, value: XmlRpcValue, path: string): string {
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new XenProtocolError(method, `${path} is ${value}, which JSON cannot carry`);
      return String(value);
    case "bigint":
      if (value < -(2n ** 63n) || value >= 2n ** 63n) throw new XenProtocolError(method, `${path} is ${value}, past xapi's 64-bit ints`);
      return value.toString();
  }
  if (value === null) return "null";
  switch (wrapperKind(value)) {
    case "i8":
      return jsonParam(method, (value as { value: number | bigint }).value, path);
    case "double": {
      const n = (value as { value: number }).value;
      if (!Number.isFinite(n)) throw new XenProtocolError(method, `${path} is ${n}, which JSON cannot carry`);
      const text = String(n);
      return /[.eE]/.test(text) ? text : `${text}.0`;
    }
    case "escaped":
      return JSON.stringify(value.toString());
    case undefined:
      break;
  }
  if (value instanceof Date) {
    const text = formatDateTimeXapi(value);
    if (text === undefined) throw new XenProtocolError(method, `${path} is a Date xapi cannot carry`);
    return JSON.stringify(text);
  }
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64"));
  if (Array.isArray(value)) return `[${value.map((item, i) => jsonParam(method, item, `${path}[${i}]`)).join(",")}]`;
  const members = Object.keys(value).map((key) => `${JSON.stringify(key)}:${jsonParam(method, (value as Record<string, XmlRpcValue>)[key]!, `${path}.${key}`)}`);
  return `{${members.join(",")}}`;
}
