/**
 * The HTTP side (FACTS §1.1): POST on `/jsonrpc` is JSON-RPC, on any other path XML-RPC (xapi's
 * router matches the longest prefix, so `/`, `/RPC2` and the npm client's `/xmlrpc` all reach
 * XML-RPC). Answers carry Content-Type exactly `text/xml` or `application/json`. A body that is
 * no call is HTTP 500 with an HTML page. Calls that must wait (event.from with nothing new, a
 * sync call of a long operation, a refused login's pause) are held and polled whenever the world
 * changes and at their wake times, so a client blocked in event.from is answered as soon as a
 * task it watches finishes. Also here: call counting and the transport faults (late answers,
 * connections dropped before or after the call is performed).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { CallCounter, readBody, SimHttpEndpoint, sleep } from "../kit/http.js";
import type { HostRole } from "./session.js";
import type { Piece } from "./render.js";
import { MalformedCall, internalErrorPage, parseJsonCall, parseXmlCall, renderOutcome, type WireCall } from "./wire.js";
import type { Blocked, Outcome, Xapi } from "./xapi.js";

/** Longest a held call sleeps between polls, so a fake clock moved by a test is seen soon. */
const MAX_POLL_MS = 250;

interface Held {
  blocked: Blocked;
  resolve(outcome: Outcome | null): void;
}

export interface ServerHooks {
  /** Called after every served call that may have changed the world. */
  onMutation(): void;
}

/** One host's HTTP endpoint; the master's and the slave's share one toolstack. */
export class HostEndpoint extends SimHttpEndpoint {
  constructor(
    private readonly pool: PoolServer,
    private readonly role: HostRole,
  ) {
    super({ keepAliveTimeoutMs: 30_000, headersTimeoutMs: 31_000, requestTimeoutMs: 0 });
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const json = path === "/jsonrpc" || path.startsWith("/jsonrpc/");
    if (req.method !== "POST") {
      req.resume();
      res.writeHead(405, { "Content-Type": "text/html", Allow: "POST" }).end("<html><body><h1>HTTP 405 method not allowed</h1>The API answers POST requests.</body></html>");
      return;
    }
    await this.inFlightCall(async () => {
      try {
        const body = await readBody(req);
        if (body === null) {
          res.writeHead(413, { "Content-Type": "text/html" }).end("<html><body><h1>HTTP 413 request entity too large</h1></body></html>");
          return;
        }
        let call: WireCall;
        try {
          call = json ? parseJsonCall(body) : parseXmlCall(body);
        } catch (error) {
          if (!(error instanceof MalformedCall)) throw error;
          sendError(res, error.message);
          return;
        }
        this.pool.count(call.method);
        const transport = this.pool.xapi.world.faults.forTransport(call.method);
        if (transport.delayMs > 0) await sleep(transport.delayMs);
        if (transport.drop) {
          req.socket.destroy();
          return;
        }
        let outcome: Outcome | null = this.pool.xapi.call(this.role, call.method, call.params);
        if (outcome.kind === "blocked") outcome = await this.pool.hold(outcome, res);
        this.pool.hooks.onMutation();
        if (outcome === null || outcome.kind === "blocked") {
          // The simulator is closing, or the client went away while the call waited.
          req.socket.destroy();
          return;
        }
        if (transport.resetAfter) {
          req.socket.destroy();
          return;
        }
        const { contentType, pieces } = renderOutcome(call, outcome);
        send(res, contentType, pieces);
      } catch (error) {
        if (!res.headersSent) sendError(res, (error as Error).message);
      }
    });
  }
}

/** The pool's shared side: the toolstack, the held calls and the timer that wakes them. */
export class PoolServer {
  private readonly calls = new CallCounter();
  private readonly held = new Set<Held>();
  private timer: NodeJS.Timeout | null = null;
  private flushQueued = false;
  private closing = false;
  private readonly unsubscribe: () => void;

  constructor(
    readonly xapi: Xapi,
    readonly hooks: ServerHooks,
  ) {
    this.unsubscribe = xapi.world.onChange(() => this.queueFlush());
  }

  count(method: string): void {
    this.calls.count(method);
  }

  callCounts(): Record<string, number> {
    return this.calls.snapshot();
  }

  resetCallCounts(): void {
    this.calls.reset();
  }

  /** Waits until a held call has its answer; null when the simulator closes or the client leaves first. */
  hold(blocked: Blocked, res: ServerResponse): Promise<Outcome | null> {
    if (this.closing) return Promise.resolve(null);
    return new Promise((resolve) => {
      const entry: Held = {
        blocked,
        resolve: (outcome) => {
          if (!this.held.delete(entry)) return;
          res.off("close", gone);
          resolve(outcome);
        },
      };
      const gone = () => entry.resolve(null);
      res.on("close", gone);
      this.held.add(entry);
      this.arm();
    });
  }

  private queueFlush(): void {
    if (this.flushQueued || this.held.size === 0) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /** Applies due steps, answers every held call that can be answered, and sets the next wake-up. */
  private flush(): void {
    if (this.held.size === 0) return;
    this.xapi.world.advance();
    const now = Date.now();
    for (const entry of [...this.held]) {
      try {
        const b = entry.blocked;
        if (b.deadline !== null && now >= b.deadline) {
          entry.resolve(b.expire());
          continue;
        }
        const outcome = b.poll();
        if (outcome) entry.resolve(outcome);
      } catch (error) {
        entry.resolve({ kind: "failure", error: ["INTERNAL_ERROR", (error as Error).message] });
      }
    }
    this.arm();
    this.hooks.onMutation();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.held.size === 0 || this.closing) return;
    const world = this.xapi.world;
    const now = Date.now();
    const worldNow = world.clockNow();
    let wait = MAX_POLL_MS;
    for (const { blocked } of this.held) {
      if (blocked.deadline !== null) wait = Math.min(wait, blocked.deadline - now);
      if (blocked.wakeAt !== null) wait = Math.min(wait, blocked.wakeAt - worldNow);
    }
    const due = world.nextDueAt();
    if (due !== undefined) wait = Math.min(wait, due - worldNow);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, Math.max(1, Math.ceil(wait)));
  }

  /** Lets go of every held call (their connections are closed) and stops the timer. */
  close(): void {
    this.closing = true;
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const entry of [...this.held]) entry.resolve(null);
  }
}

/** Size of the buffers small pieces are gathered into before they reach the socket. */
const SEND_CHUNK = 256 * 1024;

function send(res: ServerResponse, contentType: string, pieces: Piece[]): void {
  let length = 0;
  for (const piece of pieces) length += typeof piece === "string" ? Buffer.byteLength(piece, "utf8") : piece.length;
  res.writeHead(200, { "Content-Type": contentType, "Content-Length": length });
  // Small pieces (event heads, cached 8 KB records) are copied into 256 KB chunks; large ones go
  // out as they are. 150,000 separate writes would cost far more than the copies.
  res.cork();
  let chunk = Buffer.allocUnsafe(SEND_CHUNK);
  let at = 0;
  const flush = () => {
    if (at === 0) return;
    res.write(chunk.subarray(0, at));
    chunk = Buffer.allocUnsafe(SEND_CHUNK);
    at = 0;
  };
  for (const piece of pieces) {
    const bytes = typeof piece === "string" ? Buffer.byteLength(piece, "utf8") : piece.length;
    if (bytes >= SEND_CHUNK / 2) {
      flush();
      res.write(typeof piece === "string" ? Buffer.from(piece, "utf8") : piece);
      continue;
    }
    if (at + bytes > SEND_CHUNK) flush();
    if (typeof piece === "string") chunk.write(piece, at, bytes, "utf8");
    else chunk.set(piece as Uint8Array, at);
    at += bytes;
  }
  flush();
  res.end();
  res.uncork();
}

function sendError(res: ServerResponse, detail: string): void {
  const page = internalErrorPage(detail);
  res.writeHead(500, { "Content-Type": "text/html", "Content-Length": Buffer.byteLength(page) }).end(page);
}
