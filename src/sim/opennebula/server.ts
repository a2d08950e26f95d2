/**
 * The HTTP side: POST on /RPC2 only, with a Content-Length (as oned's xmlrpc-c Abyss server), keep-alive with oned's
 * 15 s idle timeout, call counting by method, and the call-level faults (slow answers, dropped
 * connections, before or after the call is performed) that cannot be expressed inside an XML-RPC
 * response.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { dispatch, type Account } from "./dispatch";
import type { World } from "./world";

/** oned's default KEEPALIVE_TIMEOUT (oned.conf): idle keep-alive connections close after 15 s. */
export const KEEPALIVE_TIMEOUT_MS = 15_000;

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface SimServerHooks {
  /** Called after every served call that may have changed the world. */
  onMutation(): void;
}

export class SimServer {
  readonly http: Server;
  private readonly counts = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  private inFlight = 0;

  constructor(
    private readonly world: World,
    private readonly account: Account,
    private readonly hooks: SimServerHooks,
  ) {
    this.http = createServer((req, res) => void this.handle(req, res));
    this.http.keepAliveTimeout = KEEPALIVE_TIMEOUT_MS;
    this.http.headersTimeout = KEEPALIVE_TIMEOUT_MS + 1_000;
    this.http.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  callCounts(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  resetCallCounts(): void {
    this.counts.clear();
  }

  private count(method: string): void {
    this.counts.set(method, (this.counts.get(method) ?? 0) + 1);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
    this.inFlight++;
    try {
      const body = await readBody(req);
      if (body === null) {
        res.writeHead(413, { "Content-Type": "text/plain" }).end("Request body too large\n");
        return;
      }
      const method = peekMethod(body);
      if (method) this.count(method);
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
    } finally {
      this.inFlight--;
    }
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.http.once("error", onError);
      this.http.listen(port, host, () => {
        this.http.off("error", onError);
        const address = this.http.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeIdleConnections();
      // Calls in flight finish; idle keep-alive sockets would otherwise hold close() for 15 s.
      const drain = setInterval(() => {
        if (this.inFlight === 0) {
          for (const s of this.sockets) s.destroy();
          clearInterval(drain);
        }
      }, 5);
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let body = "";
    let tooLarge = false;
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      if (tooLarge) return;
      body += chunk;
      if (body.length > MAX_BODY_BYTES) {
        tooLarge = true;
        body = "";
      }
    });
    req.on("end", () => resolve(tooLarge ? null : body));
    req.on("error", reject);
  });
}

/** The method name of a call, read cheaply for counting and faults before the full decode. */
function peekMethod(xml: string): string | null {
  const m = /<methodName>\s*([^<\s]+)\s*<\/methodName>/.exec(xml.slice(0, 4096));
  return m ? (m[1] as string) : null;
}
