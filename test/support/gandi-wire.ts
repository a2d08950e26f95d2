/**
 * The Gandi hosting API's answers for the client's tests, written from FACTS.md §2 and seed 001 and
 * served on loopback.
 *
 * Answers are written the way a Python `xmlrpclib` server writes them (the seed's samples are
 * Python, PHP and Perl clients of it): typed values (`<int>`, `<string>`, `<boolean>`,
 * `<dateTime.iso8601>` as `YYYYMMDDTHH:MM:SS` with no zone), faults as a struct of an `<int>`
 * faultCode and a `<string>` faultString. A fixture says an int with a plain number and a date with
 * `date("…")`.
 *
 * The server answers by method name with fixed answers (in order, the last one repeating), records
 * what each request carried, and never derives an answer from a request. A method without a route
 * answers the fault of an unknown method, faultCode 1 `Method "x" is not supported` (FACTS §2.3).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { decodeCall, type XmlRpcValue } from "../../src/xmlrpc/index";

const DATE = Symbol("gandi-date");

type GandiDate = { [DATE]: string };

export type GandiDatum = string | number | boolean | GandiDate | GandiDatum[] | { [key: string]: GandiDatum };

/** A `dateTime.iso8601` in the API's form `20110324T15:49:50` (FACTS §2.4). */
export const date = (text: string): GandiDate => ({ [DATE]: text });

function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A `<value>` as xmlrpclib writes it. */
export function xmlValue(value: GandiDatum): string {
  if (typeof value === "string") return `<value><string>${escapeText(value)}</string></value>`;
  if (typeof value === "boolean") return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
  if (typeof value === "number") return Number.isInteger(value) ? `<value><int>${value}</int></value>` : `<value><double>${value}</double></value>`;
  if (Array.isArray(value)) return `<value><array><data>\n${value.map(xmlValue).join("\n")}\n</data></array></value>`;
  if (DATE in value) return `<value><dateTime.iso8601>${(value as GandiDate)[DATE]}</dateTime.iso8601></value>`;
  const members = Object.entries(value as Record<string, GandiDatum>).map(([k, v]) => `<member>\n<name>${escapeText(k)}</name>\n${xmlValue(v)}\n</member>`);
  return `<value><struct>\n${members.join("\n")}\n</struct></value>`;
}

export function xmlSuccess(value: GandiDatum): string {
  return `<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n${xmlValue(value)}\n</param>\n</params>\n</methodResponse>\n`;
}

export function xmlFault(code: number, text: string): string {
  return `<?xml version='1.0'?>\n<methodResponse>\n<fault>\n${xmlValue({ faultCode: code, faultString: text })}\n</fault>\n</methodResponse>\n`;
}

/** One answer of the fake API. */
export type GandiAnswer =
  | { value: GandiDatum }
  | { fault: [code: number, text: string] }
  /** A body as it stands (for malformed answers). */
  | { body: string; status?: number }
  /** The request is read, then the connection is dropped without an answer: the server may have acted. */
  | { drop: true }
  /** Holds the answer until `wait` resolves (a slow login). */
  | { wait: Promise<void>; then: GandiAnswer };

export type GandiRoute = GandiAnswer | GandiAnswer[] | ((request: GandiRequest) => GandiAnswer);

export interface GandiRequest {
  method: string;
  params: XmlRpcValue[];
}

export interface FakeGandi {
  /** The endpoint (`http://127.0.0.1:<port>/hosting/`). */
  url: string;
  requests: GandiRequest[];
  /** The methods called, in order. */
  methods(): string[];
  /** How many times `method` was received. */
  count(method: string): number;
  close(): Promise<void>;
}

/**
 * A loopback hosting API answering `routes` by method name on any path. Every answer closes its
 * connection, so each call of the client opens a fresh one and a dropped connection is seen by the
 * client as the reset it is, not as a stale kept-alive socket.
 */
export async function startFakeGandi(routes: Record<string, GandiRoute>): Promise<FakeGandi> {
  const requests: GandiRequest[] = [];
  const served = new Map<string, number>();

  const pick = (request: GandiRequest): GandiAnswer => {
    const route = routes[request.method];
    if (route === undefined) return { fault: [1, `Method "${request.method}" is not supported`] };
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
        const call = decodeCall(Buffer.concat(chunks as unknown as Uint8Array[]).toString("utf8"));
        const request: GandiRequest = { method: call.method, params: call.params };
        requests.push(request);
        let answer = pick(request);
        while ("wait" in answer) {
          await answer.wait;
          answer = answer.then;
        }
        if ("drop" in answer) {
          req.socket.destroy();
          return;
        }
        const text = "body" in answer ? answer.body : "value" in answer ? xmlSuccess(answer.value) : xmlFault(...answer.fault);
        res.writeHead("body" in answer ? (answer.status ?? 200) : 200, { "Content-Type": "text/xml", Connection: "close" });
        res.end(text);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hosting/`,
    requests,
    methods: () => requests.map((r) => r.method),
    count: (method) => requests.filter((r) => r.method === method).length,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
