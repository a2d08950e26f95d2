/**
 * The HTTP side (FACTS §3.1, §3.2): `/api/<controller>/<action>` by GET or POST, parameters from
 * the query string and a form-encoded body (the query string wins, as Rails merges them), HTTP
 * Basic authentication on every call (401 with `WWW-Authenticate: Basic realm="Web Password"`
 * otherwise), XML answers with HTTP 200 whatever the outcome. Also here: call counting by
 * `<controller>/<action>` and the transport faults (late answers, connections dropped before the
 * call acts or after it acted).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { CallCounter, readBody, SimHttpEndpoint, sleep } from "../kit/http.js";
import { errorXml, internalError, PanelError, VzctlFailure } from "./failure.js";
import type { Panel } from "./panel.js";

/** Rails' `request_http_basic_authentication` answer. */
export const AUTH_REALM = "Web Password";

export class OpenVzEndpoint extends SimHttpEndpoint {
  private readonly calls = new CallCounter();

  constructor(
    private readonly panel: Panel,
    private readonly onMutation: () => void,
  ) {
    // requestTimeout 0: a realistic create holds its answer for tens of seconds.
    super({ keepAliveTimeoutMs: 15_000, headersTimeoutMs: 16_000, requestTimeoutMs: 0 });
  }

  callCounts(): Record<string, number> {
    return this.calls.snapshot();
  }

  resetCallCounts(): void {
    this.calls.reset();
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://panel.invalid");
    const route = /^\/api\/([^/]+)(?:\/([^/]*))?\/?$/.exec(url.pathname);
    if (!route) {
      req.resume();
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("Not Found: the panel's API answers under /api/<controller>/<action>\n");
      return;
    }
    const method = req.method ?? "GET";
    if (method !== "GET" && method !== "POST") {
      req.resume();
      res.writeHead(405, { "Content-Type": "text/plain; charset=utf-8", Allow: "GET, POST" }).end("Method Not Allowed: the API takes GET and POST\n");
      return;
    }
    const controller = decodeSegment(route[1] as string);
    const action = route[2] === undefined || route[2] === "" ? "index" : decodeSegment(route[2]);
    await this.inFlightCall(async () => {
      const body = await readBody(req);
      if (body === null) {
        res.writeHead(413, { "Content-Type": "text/plain; charset=utf-8" }).end("Request Entity Too Large\n");
        return;
      }
      const name = `${controller}/${action}`;
      this.calls.count(name);
      const world = this.panel.world;
      const transport = world.faults.forTransport(name);
      if (transport.delayMs > 0) await sleep(transport.delayMs);
      if (transport.drop) {
        req.socket.destroy();
        return;
      }
      const user = this.authenticate(req);
      if (!user) {
        res.writeHead(401, { "Content-Type": "text/html; charset=utf-8", "WWW-Authenticate": `Basic realm="${AUTH_REALM}"` }).end("HTTP Basic: Access denied.\n");
        return;
      }
      const params = requestParams(url.searchParams, req.headers["content-type"], body);
      let xml: string;
      try {
        const injected = world.faults.callError(name);
        if (injected) throw injected;
        xml = await this.panel.call(controller, action, user, params, url.pathname, method);
      } catch (error) {
        xml = errorXml(asPanelError(error));
      }
      if (!this.panel.isRead(controller, action)) this.onMutation();
      if (transport.resetAfter) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { "Content-Type": "application/xml; charset=utf-8", "Content-Length": Buffer.byteLength(xml, "utf8") }).end(xml);
    });
  }

  private authenticate(req: IncomingMessage) {
    const header = req.headers.authorization;
    const m = header === undefined ? null : /^Basic\s+(\S+)\s*$/i.exec(header);
    if (!m) return null;
    const decoded = Buffer.from(m[1] as string, "base64").toString("utf8");
    // `user_name_and_password`: split at the first colon.
    const at = decoded.indexOf(":");
    if (at < 0) return null;
    return this.panel.authenticate(decoded.slice(0, at), decoded.slice(at + 1));
  }
}

/** `rescue_action`: anything raised is internal_error with the exception's message. */
function asPanelError(error: unknown): PanelError {
  if (error instanceof PanelError) return error;
  if (error instanceof VzctlFailure) return internalError(error.message);
  return internalError(error instanceof Error ? error.message : String(error));
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Rails' `params`: the form body's fields, then the query string's over them; a repeated name
 * keeps its last value. Names with brackets (`a[]`, `a[b]`) are nested params in Rails, no
 * attribute of a virtual server: they are kept under their raw name, which no action reads.
 */
export function requestParams(query: URLSearchParams, contentType: string | undefined, body: string): Map<string, string> {
  const params = new Map<string, string>();
  if (body !== "" && (contentType === undefined || /^application\/x-www-form-urlencoded\b/i.test(contentType))) {
    for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
  }
  for (const [k, v] of query) params.set(k, v);
  return params;
}
