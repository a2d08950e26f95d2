/**
 * HTTP(S) POST of request bodies (XML-RPC for OpenNebula and XenAPI), with a keep-alive pool of at
 * most 8 sockets and a timeout on every call. Every backend that speaks HTTP sends through it.
 *
 * Keep-alive hazard: a server closes an idle connection after a while (oned after 15 s,
 * CLIENT-PERFORMANCE.md); a request sent on such a socket just as it closes fails with
 * ECONNRESET/EPIPE, usually before the server saw it. But a reset can also come after the server acted
 * (a network that breaks while the answer travels), and the two look the same from here. So only a
 * call the caller says is idempotent (a read) is sent once more on a fresh socket; any other fails
 * with a transport error that says it may have been delivered, and its caller decides (a create looks
 * for its object by tag, a hot-plug reads the VM back). Nothing else is retried here.
 *
 * Errors never hold the request body (it carries sessions and secrets): messages are built from the
 * call's name, the socket's words and the endpoint with any userinfo removed.
 */
import http from "node:http";
import https from "node:https";
import { HyperplanError } from "../../errors.js";

export type TransportFailure = "refused" | "reset" | "timeout" | "http-status" | "malformed" | "tls" | "dns" | "other";

/** Failures where the request never reached the server: sending the call again cannot make it twice. */
const NOT_DELIVERED = new Set<TransportFailure>(["refused", "dns", "tls"]);

/** The call got no usable answer (refused, reset, timeout, an HTTP error status, a body of no known shape). */
/** Bodies up to this size are collected into one buffer of their declared length (larger ones, rare, are joined at the end). */
const MAX_PRESIZED_BODY = 2 ** 31 - 1;

export class TransportError extends HyperplanError {
  readonly method: string;
  readonly reason: TransportFailure;
  readonly endpoint: string;
  readonly status: number | undefined;
  readonly transient: boolean;
  /**
   * False when the request surely never reached the server (refused, no such host, TLS); true when it
   * may have been received and acted on (a reset, a timeout, a broken answer): such a call is sent
   * again only if repeating it is harmless or its effect was looked for first.
   */
  readonly mayHaveActed: boolean;
  /** True when the server did not answer at all (refused, reset, timeout, HTTP 5xx): waited out for the retry timeout. */
  readonly unreachable: boolean;

  constructor(method: string, endpoint: string, reason: TransportFailure, summary: string, options: { status?: number; cause?: unknown } = {}) {
    // The cause is a Node socket error or parse error: neither ever saw the request body.
    super("TRANSPORT", `${method} to ${endpoint}: ${summary}`, options.cause === undefined ? {} : { cause: options.cause });
    this.method = method;
    this.reason = reason;
    this.endpoint = endpoint;
    this.status = options.status;
    this.transient =
      reason === "refused" || reason === "reset" || reason === "timeout" || (reason === "http-status" && (options.status ?? 0) >= 500);
    this.mayHaveActed = !NOT_DELIVERED.has(reason);
    this.unreachable = this.transient;
  }
}

/** The endpoint as it may be printed: without `user:password@`. */
export function printableEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    url.username = "";
    url.password = "";
    return url.toString();
  } catch {
    return endpoint.replace(/\/\/[^/@]*@/, "//");
  }
}

export interface TransportOptions {
  endpoint: string;
  /** The server as a person knows it, in messages (`oned`, `xapi`); `the server` when not given. */
  server?: string;
  /** The request body's media type; `text/xml` (XML-RPC) when not given. */
  contentType?: string;
  /** PEM certificate authority for https endpoints. */
  ca?: string | Buffer;
  rejectUnauthorized?: boolean;
  /** Per call, from sending to the last byte of the response. */
  timeoutMs?: number;
  maxSockets?: number;
  /** Headers sent with every call (an `Authorization`); never part of an error message. */
  headers?: Record<string, string>;
}

/** What one call may set apart from the transport's own: where it goes and how long it may take. */
export interface CallOptions {
  /** The path (and query) posted to, instead of the endpoint's. */
  path?: string;
  /** This call's timeout instead of the transport's (a call that runs for minutes on the server). */
  timeoutMs?: number;
}

export class Transport {
  readonly endpoint: string;
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly printable: string;
  private readonly server: string;
  private readonly contentType: string;
  private readonly headers: Record<string, string>;

  constructor(options: TransportOptions) {
    this.headers = { ...(options.headers ?? {}) };
    this.endpoint = options.endpoint;
    this.server = options.server ?? "the server";
    this.contentType = options.contentType ?? "text/xml";
    this.url = new URL(options.endpoint);
    this.printable = printableEndpoint(options.endpoint);
    this.timeoutMs = options.timeoutMs ?? 120_000;
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 8, maxFreeSockets: options.maxSockets ?? 8 };
    this.agent =
      this.url.protocol === "https:"
        ? new https.Agent({ ...agentOptions, ...(options.ca !== undefined ? { ca: options.ca } : {}), rejectUnauthorized: options.rejectUnauthorized ?? true })
        : new http.Agent(agentOptions);
  }

  /**
   * Sends `body`; resolves with the response text of a 2xx answer. `method` only names the call in
   * errors; `idempotent` says it may be sent again when a kept-alive socket turns out closed.
   */
  async post(method: string, body: string, idempotent: boolean, call: CallOptions = {}): Promise<string> {
    return (await this.postBytes(method, body, idempotent, call)).toString("utf8");
  }

  /** Like `post`, with the response's bytes as they came. */
  async postBytes(method: string, body: string, idempotent: boolean, call: CallOptions = {}): Promise<Buffer> {
    try {
      return await this.once(method, body, false, call);
    } catch (error) {
      if (!(error instanceof StaleSocketError)) throw error;
      if (idempotent) return this.once(method, body, true, call);
      throw new TransportError(method, this.printable, "reset", `the connection was reset (${error.message}); ${this.server} may or may not have carried the call out`, {
        cause: error.cause,
      });
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private once(method: string, body: string, fresh: boolean, call: CallOptions): Promise<Buffer> {
    const timeoutMs = call.timeoutMs ?? this.timeoutMs;
    const payload = Buffer.from(body, "utf8");
    const lib = this.url.protocol === "https:" ? https : http;
    return new Promise<Buffer>((resolve, reject) => {
      let settled = false;
      const fail = (reason: TransportFailure, summary: string, extra: { status?: number; cause?: unknown } = {}) => {
        if (settled) return;
        settled = true;
        reject(new TransportError(method, this.printable, reason, summary, extra));
      };
      const request = lib.request(
        {
          protocol: this.url.protocol,
          // URL keeps an IPv6 address in brackets ("[::1]"); the socket wants it bare.
          hostname: this.url.hostname.replace(/^\[(.*)\]$/, "$1"),
          port: this.url.port || (this.url.protocol === "https:" ? 443 : 80),
          path: call.path ?? `${this.url.pathname}${this.url.search}`,
          method: "POST",
          agent: fresh ? false : this.agent,
          headers: { Accept: this.contentType, ...this.headers, "Content-Type": this.contentType, "Content-Length": payload.length },
        },
        (response) => {
          const body = new BodyCollector(response.headers["content-length"]);
          response.on("data", (chunk: Buffer) => {
            if (!body.add(chunk)) {
              fail("malformed", `the response is longer than the ${body.declared} bytes its Content-Length says`);
              request.destroy();
            }
          });
          response.on("error", (error) => fail(classify(error), `the response broke off (${describe(error)})`, { cause: stripped(error) }));
          response.on("end", () => {
            if (settled) return;
            const status = response.statusCode ?? 0;
            if (status < 200 || status > 299) {
              fail("http-status", `HTTP ${status} ${response.statusMessage ?? ""}`.trim(), { status });
              return;
            }
            if (!response.complete) {
              fail("reset", "the connection closed before the response was complete");
              return;
            }
            settled = true;
            clearTimeout(timer);
            resolve(body.bytes());
          });
        },
      );
      const timer = setTimeout(() => {
        fail("timeout", `no complete answer within ${timeoutMs} ms`);
        request.destroy();
      }, timeoutMs);
      request.on("error", (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (settled) return;
        const reason = classify(error);
        if (!fresh && request.reusedSocket && (error.code === "ECONNRESET" || error.code === "EPIPE")) {
          settled = true;
          reject(new StaleSocketError(describe(error), stripped(error)));
          return;
        }
        fail(reason, describe(error), { cause: stripped(error) });
      });
      request.on("close", () => clearTimeout(timer));
      request.end(payload);
    });
  }
}

/** A reset on a kept-alive socket: the request may have been lost before the server saw it, or after. */
class StaleSocketError extends Error {
  constructor(message: string, cause: Error) {
    super(message, { cause });
  }
}

// OpenSSL's verification codes (UNABLE_TO_VERIFY_LEAF_SIGNATURE, SELF_SIGNED_CERT_IN_CHAIN,
// CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID …) and Node's TLS/SSL errors.
const TLS_CODE = /^(ERR_TLS|ERR_SSL|UNABLE_TO_|CERT_|DEPTH_ZERO|SELF_SIGNED|EPROTO$)|CERT|SIGNATURE/;

function classify(error: NodeJS.ErrnoException): TransportFailure {
  switch (error.code) {
    case "ECONNREFUSED":
      return "refused";
    case "ECONNRESET":
    case "EPIPE":
    case "ECONNABORTED":
      return "reset";
    case "ETIMEDOUT":
      return "timeout";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "dns";
    default:
      return error.code !== undefined && TLS_CODE.test(error.code) ? "tls" : "other";
  }
}

function describe(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset by the server";
    default:
      return error.code ? `${error.code}: ${error.message}` : error.message;
  }
}

/** A copy of a socket error without the request objects Node may hang on it. */
function stripped(error: NodeJS.ErrnoException): Error {
  const copy = new Error(error.message) as NodeJS.ErrnoException;
  if (error.code !== undefined) copy.code = error.code;
  return copy;
}

/**
 * A response body as it arrives. When the answer says its length, the bytes are copied into one
 * buffer of that size chunk by chunk while the rest is still on its way, rather than joined at the
 * end: a pool read of hundreds of megabytes spent a second of the client's CPU joining its chunks
 * after the last one came (BENCHMARKS.md "xen-plan-scale").
 */
class BodyCollector {
  readonly declared: number | undefined;
  readonly #whole: Buffer | undefined;
  #filled = 0;
  readonly #chunks: Buffer[] = [];

  constructor(contentLength: string | undefined) {
    const declared = contentLength !== undefined && /^[0-9]{1,10}$/.test(contentLength) ? Number(contentLength) : undefined;
    this.declared = declared;
    this.#whole = declared !== undefined && declared <= MAX_PRESIZED_BODY ? Buffer.allocUnsafe(declared) : undefined;
  }

  /** False when the bytes overflow the declared length. */
  add(chunk: Buffer): boolean {
    if (this.#whole === undefined) {
      this.#chunks.push(chunk);
      return true;
    }
    if (this.#filled + chunk.length > this.#whole.length) return false;
    this.#whole.set(chunk as unknown as Uint8Array, this.#filled);
    this.#filled += chunk.length;
    return true;
  }

  bytes(): Buffer {
    if (this.#whole === undefined) return Buffer.concat(this.#chunks as unknown as Uint8Array[]);
    // Node's parser ends a response at its Content-Length; fewer bytes means it was cut short (response.complete).
    return this.#filled === this.#whole.length ? this.#whole : this.#whole.subarray(0, this.#filled);
  }
}
