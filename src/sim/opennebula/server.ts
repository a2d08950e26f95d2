/**
 * The HTTP side: POST on /RPC2 only, with a Content-Length (as oned's xmlrpc-c Abyss server), keep-alive with oned's
 * 15 s idle timeout, call counting by method, and the call-level faults (slow answers, dropped
 * connections, before or after the call is performed) that cannot be expressed inside an XML-RPC
 * response.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { CallCounter, readBody, SimHttpEndpoint, sleep } from "../kit/http.js";
import { dispatch, type Account } from "./dispatch.js";
import type { World } from "./world.js";

/** oned's default KEEPALIVE_TIMEOUT (oned.conf): idle keep-alive connections close after 15 s. */
export const KEEPALIVE_TIMEOUT_MS = 15_000;

export interface SimServerHooks {
  /** Called after every served call that may have changed the world. */
  onMutation(): void;
}

export class SimServer extends SimHttpEndpoint {
  private readonly calls = new CallCounter();

  constructor(
    private readonly world: World,
    private readonly account: Account,
    private readonly hooks: SimServerHooks,
  ) {
    super({ keepAliveTimeoutMs: KEEPALIVE_TIMEOUT_MS, headersTimeoutMs: KEEPALIVE_TIMEOUT_MS + 1_000 });
  }

  callCounts(): Record<string, number> {
    return this.calls.snapshot();
  }

  resetCallCounts(): void {
    this.calls.reset();
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The answers of xmlrpc-c's Abyss handler (src/abyss_handler.c) for what is not an XML-RPC call.
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/RPC2") {
      req.resume();
      res.writeHead(404, { "Content-Type": "text/plain" }).end(
        `This XML-RPC For C/C++ Abyss XML-RPC server responds to only one URI path.  I don't know what URI path that is, but it's not the one you requested: '${path ?? ""}'.  (Typically, it's '/RPC2')\n`,
      );
      return;
    }
    if (req.method === "OPTIONS") {
      req.resume();
      res.writeHead(200, { Allow: "POST", "Content-Length": 0 }).end();
      return;
    }
    if (req.method !== "POST") {
      req.resume();
      res.writeHead(405, { "Content-Type": "text/plain", Allow: "POST" }).end("POST is the only HTTP method this server understands\n");
      return;
    }
    const length = req.headers["content-length"];
    if (length === undefined) {
      req.resume();
      res.writeHead(411, { "Content-Type": "text/plain" }).end("You must send a content-length HTTP header in an XML-RPC call.\n");
      return;
    }
    if (!/^\d+$/.test(length) || Number(length) < 1) {
      req.resume();
      res.writeHead(400, { "Content-Type": "text/plain" }).end("According to your content-length HTTP header, your request is empty (zero length)\n");
      return;
    }
    await this.inFlightCall(async () => {
      try {
        const body = await readBody(req);
        if (body === null) {
          res.writeHead(413, { "Content-Type": "text/plain" }).end("Request body too large\n");
          return;
        }
        const method = peekMethod(body);
        if (method) this.calls.count(method);
        const faults = method ? this.world.faults.forCall(method) : null;
        if (faults && faults.delayMs > 0) await sleep(faults.delayMs);
        if (faults?.drop) {
          req.socket.destroy();
          return;
        }
        const result = dispatch(this.world, this.account, body, faults);
        if (faults?.resetAfter) {
          // The call was performed (and is saved like any other); the answer is lost on the way back.
          this.hooks.onMutation();
          req.socket.destroy();
          return;
        }
        const payload = Buffer.from(result.body, "utf8");
        res.writeHead(200, { "Content-Type": "text/xml; charset=utf-8", "Content-Length": payload.length });
        res.end(payload);
        this.hooks.onMutation();
      } catch (error) {
        if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" }).end(`${(error as Error).message}\n`);
      }
    });
  }
}

/** The method name of a call, read cheaply for counting and faults before the full decode. */
function peekMethod(xml: string): string | null {
  const m = /<methodName>\s*([^<\s]+)\s*<\/methodName>/.exec(xml.slice(0, 4096));
  return m ? (m[1] as string) : null;
}
