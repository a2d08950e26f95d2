/**
 * The HTTP plumbing of a simulator's endpoint, with no protocol in it: a server with the cloud's
 * keep-alive timeouts that tracks its sockets and the calls in flight, so close() lets those calls
 * finish and then drops idle keep-alive connections at once; request bodies read whole as UTF-8 up
 * to a size limit; calls counted by method; the port check and the host as a URL shows it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** The largest request body read; a larger one is answered 413 by the caller. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface EndpointTimeouts {
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
  /** Longest a whole request may take; Node's default when not given, 0 for no limit. */
  requestTimeoutMs?: number;
}

export abstract class SimHttpEndpoint {
  readonly http: Server;
  private readonly sockets = new Set<Socket>();
  private inFlight = 0;

  constructor(timeouts: EndpointTimeouts) {
    this.http = createServer((req, res) => void this.handle(req, res));
    this.http.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
    this.http.headersTimeout = timeouts.headersTimeoutMs;
    if (timeouts.requestTimeoutMs !== undefined) this.http.requestTimeout = timeouts.requestTimeoutMs;
    this.http.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  /** Answers one request. */
  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  /** Runs `call` as a call in flight: close() waits for it before it destroys the sockets. */
  protected async inFlightCall(call: () => Promise<void>): Promise<void> {
    this.inFlight++;
    try {
      await call();
    } finally {
      this.inFlight--;
    }
  }

  /** Listens on `host`:`port` and resolves with the port bound (any free one for 0). */
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
      // Calls in flight finish; idle keep-alive sockets would otherwise hold close() for their timeout.
      const drain = setInterval(() => {
        if (this.inFlight === 0) {
          for (const socket of this.sockets) socket.destroy();
          clearInterval(drain);
        }
      }, 5);
    });
  }
}

/** Calls received, by method name. */
export class CallCounter {
  private readonly counts = new Map<string, number>();

  count(method: string): void {
    this.counts.set(method, (this.counts.get(method) ?? 0) + 1);
  }

  /** The counts by method, in method-name order. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  reset(): void {
    this.counts.clear();
  }
}

/** The request body as text, or null when it is larger than `maxBytes`. */
export function readBody(req: IncomingMessage, maxBytes: number = MAX_BODY_BYTES): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let body = "";
    let tooLarge = false;
    // A string decoder underneath: a character split between two chunks is read whole.
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      if (tooLarge) return;
      body += chunk;
      if (body.length > maxBytes) {
        tooLarge = true;
        body = "";
      }
    });
    req.on("end", () => resolve(tooLarge ? null : body));
    req.on("error", reject);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Throws a TypeError unless `port` is a whole number from 0 to 65535. */
export function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`port must be 0..65535, got ${String(port)}`);
}

/** `host` as it stands in a URL: an IPv6 address in brackets. */
export function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
