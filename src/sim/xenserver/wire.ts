/**
 * Calls and answers on the wire (FACTS §1.1, §1.2, §1.13).
 *
 * XML-RPC: the call decoded by the shared codec (ints as `<int>`, `<i4>`, `<i8>` or strings, an
 * untyped value a string); the answer one struct `{Status: "Success", Value}` or `{Status:
 * "Failure", ErrorDescription: [code, …]}` in xapi's compact style, except system.listMethods'
 * bare array. JSON-RPC: version 2.0 when the call says `"jsonrpc": "2.0"` (a success carries
 * `result` and no `error` member; a failure `{code: 1, message: <code>, data: [params]}`), else
 * 1.0 (`{result, error: null, id}` / `{result: null, error: [code, …], id}`). A call that is not
 * one (bad XML, bad JSON, a JSON call without a method or with a null id) is no call: the server
 * answers HTTP 500 with an HTML page, as xapi's HTTP layer does.
 */
import { EncodedValue, decodeCall, encodeResponse, type XmlRpcValue } from "../../xmlrpc/index.js";
import { resultJson, resultXml, type Piece } from "./render.js";
import type { Outcome } from "./xapi.js";

export type Protocol = "xml-rpc" | "json-rpc";

export interface WireCall {
  protocol: Protocol;
  method: string;
  params: unknown[];
  /** JSON-RPC: the request id and version; absent for XML-RPC. */
  id?: unknown;
  jsonVersion?: "1.0" | "2.0";
}

export class MalformedCall extends Error {
  override name = "MalformedCall";
}

export function parseXmlCall(body: string): WireCall {
  try {
    const { method, params } = decodeCall(body, { preserveTypes: true });
    return { protocol: "xml-rpc", method, params };
  } catch (error) {
    throw new MalformedCall((error as Error).message);
  }
}

export function parseJsonCall(body: string): WireCall {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new MalformedCall(`not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new MalformedCall("a JSON-RPC call is an object");
  const call = value as Record<string, unknown>;
  if (typeof call.method !== "string" || call.method === "") throw new MalformedCall("a JSON-RPC call needs a method name");
  if (call.id === undefined || call.id === null) throw new MalformedCall("a JSON-RPC call needs an id (xapi answers no notifications)");
  const params = call.params === undefined ? [] : call.params;
  if (!Array.isArray(params)) throw new MalformedCall("JSON-RPC params must be an array");
  return { protocol: "json-rpc", method: call.method, params, id: call.id, jsonVersion: call.jsonrpc === "2.0" ? "2.0" : "1.0" };
}

const XAPI = { style: "xapi" } as const;
const MARK = "\u0000";
/** The success envelope around a Value, split where the value goes (written by the codec once). */
const [SUCCESS_HEAD, SUCCESS_TAIL] = encodeResponse({ Status: "Success", Value: new EncodedValue(MARK) }, XAPI).split(MARK) as [string, string];

/** The answer's body, in pieces to be written in order, and its content type. */
export function renderOutcome(call: WireCall, outcome: Exclude<Outcome, { kind: "blocked" }>): { contentType: string; pieces: Piece[] } {
  if (call.protocol === "xml-rpc") {
    switch (outcome.kind) {
      case "success":
        return { contentType: "text/xml", pieces: [SUCCESS_HEAD, ...resultXml(outcome.type, outcome.value), SUCCESS_TAIL] };
      case "failure":
        return { contentType: "text/xml", pieces: [encodeResponse({ Status: "Failure", ErrorDescription: outcome.error }, XAPI)] };
      case "bare":
        return { contentType: "text/xml", pieces: [encodeResponse(outcome.value as XmlRpcValue, XAPI)] };
    }
  }
  const id = JSON.stringify(call.id);
  const v2 = call.jsonVersion === "2.0";
  switch (outcome.kind) {
    case "success":
    case "bare": {
      const result: Piece[] = outcome.kind === "bare" ? [JSON.stringify(outcome.value)] : resultJson(outcome.type, outcome.value);
      return {
        contentType: "application/json",
        pieces: v2 ? ['{"jsonrpc":"2.0","result":', ...result, `,"id":${id}}`] : ['{"result":', ...result, `,"error":null,"id":${id}}`],
      };
    }
    case "failure": {
      const [code, ...params] = outcome.error;
      return {
        contentType: "application/json",
        pieces: [v2 ? JSON.stringify({ jsonrpc: "2.0", error: { code: 1, message: code, data: params }, id: call.id }) : JSON.stringify({ result: null, error: outcome.error, id: call.id })],
      };
    }
  }
}

/** The HTML page of an HTTP 500 (xapi's HTTP server answers a request it cannot read so). */
export function internalErrorPage(detail: string): string {
  const escaped = detail.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return `<html><body><h1>HTTP 500 internal server error</h1>The server could not read this request.<h1>Additional information</h1>${escaped}</body></html>`;
}
