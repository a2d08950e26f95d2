/**
 * xapi's answers for the client's tests, written from FACTS.md §1.2 and served on loopback.
 *
 * A fixture is written once as a XenAPI value whose scalars say their datamodel type (`int("…")`,
 * `float(…)`, `date("…")`, `i4(…)`) and is rendered the way xapi renders it on each wire:
 * - XML-RPC, compact, no whitespace between tags: strings and 64-bit ints as untyped
 *   `<value>text</value>` (so ints reach the client as text), `<boolean>`, `<double>`,
 *   `<dateTime.iso8601>`, `<i4>` only for int32, every answer inside `{Status, Value}` or
 *   `{Status: "Failure", ErrorDescription}` except `system.listMethods`;
 * - JSON-RPC 2.0 (`result`, and never an `error` member on success; `error: {code: 1, message: CODE,
 *   data: [params]}`) or 1.0 (`{result, error: null, id}`, `error: [CODE, params…]`): ints are JSON
 *   numbers, dateTimes text.
 * The server answers by method name with fixed answers (in order, the last one repeating), records
 * what each request carried, and never derives an answer from a request beyond echoing its id.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { decodeCall, type XmlRpcValue } from "../../src/xmlrpc/index";

const TYPED = Symbol("xapi-typed");

type Typed =
  | { [TYPED]: "int"; text: string }
  | { [TYPED]: "i4"; value: number }
  | { [TYPED]: "float"; value: number }
  | { [TYPED]: "date"; text: string };

export type XapiDatum = string | boolean | Typed | XapiDatum[] | { [key: string]: XapiDatum };

/** A 64-bit int (FACTS: untyped text in XML-RPC, a number in JSON-RPC); given as digits. */
export const int = (value: number | string): Typed => ({ [TYPED]: "int", text: String(value) });
/** The one int32 of the API (valid_ref_counts): `<i4>`. */
export const i4 = (value: number): Typed => ({ [TYPED]: "i4", value });
export const float = (value: number): Typed => ({ [TYPED]: "float", value });
/** A dateTime in xapi's form `20240101T12:34:56Z`. */
export const date = (text: string): Typed => ({ [TYPED]: "date", text });

function typed(value: XapiDatum): Typed | undefined {
  return typeof value === "object" && value !== null && TYPED in value ? (value as Typed) : undefined;
}

function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A `<value>` as xapi writes it. */
export function xmlValue(value: XapiDatum): string {
  if (typeof value === "string") return `<value>${escapeText(value)}</value>`;
  if (typeof value === "boolean") return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
  const t = typed(value);
  if (t) {
    switch (t[TYPED]) {
      case "int":
        return `<value>${t.text}</value>`;
      case "i4":
        return `<value><i4>${t.value}</i4></value>`;
      case "float":
        return `<value><double>${Number(t.value.toPrecision(16))}</double></value>`;
      case "date":
        return `<value><dateTime.iso8601>${t.text}</dateTime.iso8601></value>`;
    }
  }
  if (Array.isArray(value)) return `<value><array><data>${value.map(xmlValue).join("")}</data></array></value>`;
  const members = Object.entries(value as Record<string, XapiDatum>).map(([k, v]) => `<member><name>${escapeText(k)}</name>${xmlValue(v)}</member>`);
  return `<value><struct>${members.join("")}</struct></value>`;
}

/** The JSON text of a value as xapi's JSON-RPC writes it (ints written with their digits, however large). */
export function jsonValue(value: XapiDatum): string {
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  const t = typed(value);
  if (t) {
    switch (t[TYPED]) {
      case "int":
        return t.text;
      case "i4":
      case "float":
        return JSON.stringify(t.value);
      case "date":
        return JSON.stringify(t.text);
    }
  }
  if (Array.isArray(value)) return `[${value.map(jsonValue).join(",")}]`;
  return `{${Object.entries(value as Record<string, XapiDatum>).map(([k, v]) => `${JSON.stringify(k)}:${jsonValue(v)}`).join(",")}}`;
}

const XML_HEAD = '<?xml version="1.0"?><methodResponse><params><param>';
const XML_TAIL = "</param></params></methodResponse>";

export function xmlSuccess(value: XapiDatum): string {
  return `${XML_HEAD}<value><struct><member><name>Status</name><value>Success</value></member><member><name>Value</name>${xmlValue(value)}</member></struct></value>${XML_TAIL}`;
}

export function xmlFailure(code: string, ...params: string[]): string {
  return `${XML_HEAD}${xmlValue({ Status: "Failure", ErrorDescription: [code, ...params] })}${XML_TAIL}`;
}

/** system.listMethods: the bare array, not wrapped. */
export function xmlBare(value: XapiDatum): string {
  return `${XML_HEAD}${xmlValue(value)}${XML_TAIL}`;
}

export function jsonSuccess(value: XapiDatum, id: unknown, version: 1 | 2): string {
  return version === 2 ? `{"jsonrpc":"2.0","result":${jsonValue(value)},"id":${JSON.stringify(id)}}` : `{"result":${jsonValue(value)},"error":null,"id":${JSON.stringify(id)}}`;
}

export function jsonFailure(code: string, params: string[], id: unknown, version: 1 | 2): string {
  return version === 2
    ? `{"jsonrpc":"2.0","error":{"code":1,"message":${JSON.stringify(code)},"data":${JSON.stringify(params)}},"id":${JSON.stringify(id)}}`
    : `{"result":null,"error":${JSON.stringify([code, ...params])},"id":${JSON.stringify(id)}}`;
}

/** One answer of the fake xapi. */
export type XapiAnswer =
  | { value: XapiDatum }
  | { failure: [code: string, ...params: string[]] }
  /** A body as it stands, whatever the wire (for malformed answers). */
  | { body: string; status?: number; contentType?: string }
  /** Holds the answer until `release` resolves (a long poll, a slow login). */
  | { wait: Promise<void>; then: XapiAnswer };

export type XapiRoute = XapiAnswer | XapiAnswer[] | ((request: XapiRequest) => XapiAnswer);

export interface XapiRequest {
  wire: "xml-rpc" | "json-rpc";
  path: string;
  method: string;
  params: unknown[];
  /** The request's body as it came: only for checks on what the client sends. */
  body: string;
}

export interface FakeXapi {
  url: string;
  requests: XapiRequest[];
  /** The methods called, in order. */
  methods(): string[];
  close(): Promise<void>;
}

export interface FakeXapiOptions {
  /** The JSON-RPC version of the answers (default 2). */
  jsonVersion?: 1 | 2;
}

/**
 * A loopback xapi answering `routes` by method name, XML-RPC on any path but `/jsonrpc`, JSON-RPC
 * there. A method without a route answers MESSAGE_METHOD_UNKNOWN, as xapi does.
 */
export async function startFakeXapi(routes: Record<string, XapiRoute>, options: FakeXapiOptions = {}): Promise<FakeXapi> {
  const requests: XapiRequest[] = [];
  const served = new Map<string, number>();
  const version = options.jsonVersion ?? 2;

  const pick = (request: XapiRequest): XapiAnswer => {
    const route = routes[request.method];
    if (route === undefined) return { failure: ["MESSAGE_METHOD_UNKNOWN", request.method] };
    if (typeof route === "function") return route(request);
    if (!Array.isArray(route)) return route;
    const n = served.get(request.method) ?? 0;
    served.set(request.method, n + 1);
    return route[Math.min(n, route.length - 1)]!;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const body = Buffer.concat(chunks as unknown as Uint8Array[]).toString("utf8");
        const path = req.url ?? "/";
        const wire = path === "/jsonrpc" || path.endsWith("/jsonrpc") ? "json-rpc" : "xml-rpc";
        let method: string;
        let params: unknown[];
        let id: unknown = null;
        if (wire === "json-rpc") {
          const parsed = JSON.parse(body) as { method: string; params: unknown[]; id: unknown };
          ({ method, params, id } = parsed);
        } else {
          const call = decodeCall(body);
          method = call.method;
          params = call.params as XmlRpcValue[];
        }
        const request: XapiRequest = { wire, path, method, params, body };
        requests.push(request);
        let answer = pick(request);
        while ("wait" in answer) {
          await answer.wait;
          answer = answer.then;
        }
        if ("body" in answer) {
          res.writeHead(answer.status ?? 200, { "Content-Type": answer.contentType ?? (wire === "json-rpc" ? "application/json" : "text/xml") });
          res.end(answer.body);
          return;
        }
        let text: string;
        if (wire === "json-rpc") {
          text = "value" in answer ? jsonSuccess(answer.value, id, version) : jsonFailure(answer.failure[0], answer.failure.slice(1), id, version);
        } else if ("value" in answer) {
          text = method === "system.listMethods" ? xmlBare(answer.value) : xmlSuccess(answer.value);
        } else {
          text = xmlFailure(...answer.failure);
        }
        res.writeHead(200, { "Content-Type": wire === "json-rpc" ? "application/json" : "text/xml" });
        res.end(text);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    methods: () => requests.map((r) => r.method),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
