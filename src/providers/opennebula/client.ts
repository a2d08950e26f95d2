/**
 * The OpenNebula XML-RPC client: every call is `one.<object>.<action>(session, …)` and every result is
 * either the value or one of the typed errors of errors.ts.
 *
 * oned's envelopes (FACTS.md §2): success `[true, value, 0]`; failure
 * `[false, message, code, objectId, replicationIndex<i8>]` (5 elements; older servers sent 3 or 4);
 * parameter type errors come as XML-RPC faults instead.
 */
import { decodeResponse, encodeCall, EscapedString, isXmlRpcStruct, XmlRpcParseError, type XmlRpcValue } from "../../xmlrpc/index.js";
import { resolveOneConfig, type OneConfigInput } from "./config.js";
import { OneApiError, OneAuthError, OneProtocolError, XmlRpcFaultError } from "./errors.js";
import { Transport, TransportError, printableEndpoint, type TransportOptions } from "../kit/http-transport.js";

export interface OneClientOptions extends OneConfigInput, Omit<TransportOptions, "endpoint" | "server" | "contentType"> {}

export class OneClient {
  readonly endpoint: string;
  private readonly transport: Transport;
  // Kept in a private field, out of reach of JSON.stringify, util.inspect and error messages.
  readonly #session: string;
  /** Who calls, and where that was read: for an authentication error, never the password. */
  private readonly caller: { user: string; from: string };

  constructor(options: OneClientOptions = {}) {
    const config = resolveOneConfig(options);
    this.endpoint = printableEndpoint(config.endpoint);
    this.#session = config.session;
    this.caller = { user: config.session.slice(0, config.session.indexOf(":")), from: config.credentialsFrom };
    this.transport = new Transport({ ...options, endpoint: config.endpoint, server: "oned" });
  }

  /** Calls `method` with the session prepended; resolves with the value of a successful call. */
  call(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue> {
    return this.invoke(method, params, false);
  }

  /**
   * Like `call`, but string results stay XML-escaped as on the wire (EscapedString), so a pool reader
   * can cut a 100 MB pool document into objects before unescaping any of it.
   */
  callEscaped(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue> {
    return this.invoke(method, params, true);
  }

  /**
   * For calls whose result is one big string (a pool document): resolves with that string's bytes as
   * they stood on the wire, still XML-escaped, without decoding the response into a string at all.
   * The envelope around it is decoded as usual (with the big string taken out), so faults and oned's
   * errors are reported as by `call`; any envelope this shortcut cannot read is decoded in full.
   */
  async callEscapedBytes(method: string, ...params: XmlRpcValue[]): Promise<Buffer> {
    const body = encodeCall(method, [this.#session, ...params]);
    const bytes = await this.transport.postBytes(method, body, isReadOnlyCall(method));
    // A string value holds no "<", so the first "</string>" after "<string>" ends it.
    const open = bytes.indexOf(STRING_OPEN);
    const close = open < 0 ? -1 : bytes.indexOf(STRING_CLOSE, open);
    if (close >= 0) {
      const start = open + STRING_OPEN.length;
      let value: XmlRpcValue | undefined;
      try {
        value = this.decode(method, bytes.toString("utf8", 0, start) + bytes.toString("utf8", close), true);
      } catch {
        // A fault (its message was the string taken out) or a broken envelope: decoded whole below.
      }
      // Only a success whose value is the string taken out takes the shortcut; oned's errors carry
      // their message in that first string and are decoded whole.
      if (Array.isArray(value) && value[0] === true && value[1] instanceof EscapedString && value[1].raw === "") return bytes.subarray(start, close);
    }
    let value: XmlRpcValue;
    try {
      value = interpretResult(method, this.decode(method, bytes.toString("utf8"), true));
    } catch (error) {
      throw this.withCaller(error);
    }
    if (value instanceof EscapedString) return Buffer.from(value.raw, "utf8");
    if (typeof value === "string") return Buffer.from(EscapedString.escape(value).raw, "utf8");
    throw new OneProtocolError(method, `expected a string result, got ${describeShape(value)}`);
  }

  async close(): Promise<void> {
    this.transport.close();
  }

  private async invoke(method: string, params: XmlRpcValue[], keepEscaped: boolean): Promise<XmlRpcValue> {
    const body = encodeCall(method, [this.#session, ...params]);
    const text = await this.transport.post(method, body, isReadOnlyCall(method));
    try {
      return interpretResult(method, this.decode(method, text, keepEscaped));
    } catch (error) {
      throw this.withCaller(error);
    }
  }

  /** An authentication refusal names the user and where its credentials were read. */
  private withCaller(error: unknown): unknown {
    if (!(error instanceof OneApiError) || error.codeName !== "AUTHENTICATION") return error;
    return new OneAuthError(error, `oned at ${this.endpoint} refused the user "${this.caller.user}", read from ${this.caller.from}: check the user and password there`);
  }

  /** The decoded value of a response, before oned's result array is looked into; faults throw. */
  private decode(method: string, text: string, keepEscaped: boolean): XmlRpcValue {
    let decoded;
    try {
      decoded = decodeResponse(text, { keepEscaped });
    } catch (error) {
      if (error instanceof XmlRpcParseError || (error as { code?: string }).code === "XMLRPC_PARSE") {
        throw new TransportError(method, this.endpoint, "malformed", `the response is not valid XML-RPC (${(error as Error).message})`, { cause: error });
      }
      throw error;
    }
    if (decoded.fault) throw new XmlRpcFaultError(method, decoded.code, decoded.message);
    return decoded.value;
  }
}

/**
 * Calls that only read (`one.vm.info`, the pool reads, `one.system.version`): sending one twice does
 * no harm, so they may be sent again without looking first.
 */
export function isReadOnlyCall(method: string): boolean {
  return /\.(info|infoextended|infoset|version|config)$/.test(method) || method.startsWith("system.");
}

const STRING_OPEN = new TextEncoder().encode("<string>");
const STRING_CLOSE = new TextEncoder().encode("</string>");

/** Turns oned's result array into the value, or throws the error it carries. */
export function interpretResult(method: string, value: XmlRpcValue): XmlRpcValue {
  if (!Array.isArray(value) || value.length < 2 || typeof value[0] !== "boolean") {
    throw new OneProtocolError(method, `expected oned's result array [ok, value, code, …], got ${describeShape(value)}`);
  }
  if (value[0]) return value[1]!;
  const message = value[1] instanceof EscapedString ? value[1].toString() : value[1];
  if (typeof message !== "string") throw new OneProtocolError(method, `a failed call's message is ${describeShape(message ?? null)}, not a string`);
  const code = typeof value[2] === "number" ? value[2] : 0;
  const objectId = typeof value[3] === "number" ? value[3] : -1;
  throw new OneApiError(method, code, message, objectId);
}

function describeShape(value: XmlRpcValue): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return "nil";
  if (isXmlRpcStruct(value)) return "a struct";
  return typeof value;
}

/** The text of a string result, whichever way it was decoded. */
export function resultText(method: string, value: XmlRpcValue): string {
  if (typeof value === "string") return value;
  if (value instanceof EscapedString) return value.toString();
  throw new OneProtocolError(method, `expected a string result, got ${describeShape(value)}`);
}

/** The number of an id result. */
export function resultId(method: string, value: XmlRpcValue): number {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  throw new OneProtocolError(method, `expected an object id, got ${describeShape(value)}`);
}
