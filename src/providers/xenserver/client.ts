/**
 * The XenAPI client: one session per run, calls with the session prepended, typed records, and
 * asynchronous calls followed to their end.
 *
 * Session (FACTS §1.3): the first call logs in with `session.login_with_password`; `close()` logs out.
 * A call refused with SESSION_INVALID (the session expired after 24 h idle, or xapi evicted it past
 * 500 sessions) logs in again once and is sent again: xapi checks the session before it does
 * anything, so the refused call did nothing. A second SESSION_INVALID is the caller's error.
 * A host that is not the pool master answers any call, the login included, with
 * HOST_IS_SLAVE [master address]: the client moves to that address (same scheme and port), logs in
 * there and sends the call again; it was refused before it did anything, too.
 *
 * The password and the session refs live in private fields only, out of reach of JSON.stringify and
 * util.inspect, and every error is built through `redact`, which blanks them wherever xapi quoted
 * them (SESSION_INVALID carries the refused session).
 */
import { printableEndpoint } from "../kit/http-transport.js";
import type { Clock } from "../../core/clock.js";
import type { Retrier } from "../../core/retry.js";
import type { XmlRpcValue } from "../../xmlrpc/index.js";
import { XenClientClosedError, XenApiError, XenProtocolError } from "./errors.js";
import { describeValue, isRef, type Ref, type WireValue } from "./field-types.js";
import { decodeRecord, decodeRecordMap, type XenClass, type XenRecords } from "./records.js";
import { DEFAULT_EVENT_TIMEOUT_SECONDS, TaskWatcher } from "./tasks.js";
import type { RecordIndex } from "./record-index.js";
import { createWire, DEFAULT_XEN_TRANSPORT, type WireAnswer, type XenTransportKind, type XenWire } from "./wire.js";
import { XenServerConfigError, parseBaseUrl, type XenServerConfig } from "./config.js";

/**
 * `session.login_with_password(user, password, version, originator)`: xapi takes 2 to 4 parameters.
 * The version is the one the API's usage guide and XenAPI.py's examples send; it is there so the
 * fourth parameter can follow. The originator is what matters: xapi keeps at most 500 sessions per
 * user and originator and evicts the oldest, so naming ours keeps hyperplan's sessions from
 * crowding out those of other tools logged in as the same user, and tells an operator whose they are.
 */
export const LOGIN_API_VERSION = "2.3";
export const DEFAULT_ORIGINATOR = "hyperplan";

/** The kit transport's limit on one call unless told otherwise. */
const DEFAULT_CALL_TIMEOUT_MS = 120_000;
/** Room between an event.from wait and the call's own timeout, for the answer to travel. */
const EVENT_MARGIN_MS = 5_000;

/** A pool whose masters keep naming other masters is broken; three moves are more than a failover needs. */
const MAX_MASTER_MOVES = 3;

export interface XenApiClientOptions {
  /**
   * The pool master: a base URL (`https://xen1.example.org/`) or a bare host name (https). A member
   * works too (HOST_IS_SLAVE names the master).
   */
  url: string;
  username: string;
  password: string;
  /** The wire to speak (default DEFAULT_XEN_TRANSPORT). */
  transport?: XenTransportKind;
  /** PEM certificate authority of the pool's TLS certificate. */
  ca?: string | Buffer;
  /** False accepts any certificate (a pool's self-signed one); an explicit opt-out. */
  rejectUnauthorized?: boolean;
  /** Per call, from sending to the last byte (default 120 s; at least eventTimeoutSeconds + 5 s). */
  timeoutMs?: number;
  maxSockets?: number;
  /** The login's originator (default "hyperplan"). */
  originator?: string;
  /** How long one event.from call may wait on the server (seconds, default 30). */
  eventTimeoutSeconds?: number;
  /** The interval of the task.get_record fallback where event.from is missing (default 1 s). */
  taskPollIntervalMs?: number;
  /** The pause after an event.from answer that carried changes, gathering the next ones (default 100 ms). */
  eventGapMs?: number;
  clock?: Clock;
  /** Retries the task watcher's reads while xapi does not answer (default: a Retrier on `clock`). */
  retrier?: Pick<Retrier, "run">;
  /** Told what went wrong where nothing can be thrown: a logout at close, a task.destroy. */
  onWarning?: (message: string) => void;
}

export class XenApiClient {
  readonly transport: XenTransportKind;
  readonly #username: string;
  readonly #password: string;
  readonly #originator: string;
  readonly #options: XenApiClientOptions;
  #wire: XenWire;
  /** Wires to hosts the client moved away from: closed at close(), as calls may still be on them. */
  readonly #retired: XenWire[] = [];
  #session: string | undefined;
  #login: Promise<string> | undefined;
  /** Every session ref this client held, so none is ever quoted back. */
  readonly #sessions = new Set<string>();
  #tasks: TaskWatcher | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: XenApiClientOptions) {
    this.#options = { ...options, password: "" };
    this.#username = options.username;
    this.#password = options.password;
    this.#originator = options.originator ?? DEFAULT_ORIGINATOR;
    this.transport = options.transport ?? DEFAULT_XEN_TRANSPORT;
    // An event.from call waits on the server up to its timeout: the call's own limit must leave room.
    const waitMs = (options.eventTimeoutSeconds ?? DEFAULT_EVENT_TIMEOUT_SECONDS) * 1000;
    const callMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    if (!(waitMs > 0) || waitMs + EVENT_MARGIN_MS > callMs) {
      throw new XenServerConfigError(`an event.from wait of ${waitMs / 1000} s does not fit in a call timeout of ${callMs / 1000} s (leave ${EVENT_MARGIN_MS / 1000} s between them)`);
    }
    const base = parseBaseUrl(options.url, "the XenAPI client's url");
    base.username = "";
    base.password = "";
    this.#wire = this.#makeWire(base.toString());
  }

  /** A client for a resolved configuration (settings or environment). */
  static fromConfig(config: XenServerConfig, options: Omit<XenApiClientOptions, "url" | "username" | "password" | "rejectUnauthorized"> = {}): XenApiClient {
    return new XenApiClient({
      transport: config.transport,
      ...options,
      url: config.url,
      username: config.credentials.username,
      password: config.credentials.reveal(),
      rejectUnauthorized: config.rejectUnauthorized,
    });
  }

  /** The master's endpoint now, as messages print it (it changes after HOST_IS_SLAVE). */
  get endpoint(): string {
    return this.#wire.endpoint;
  }

  /** The base URL of the host the client talks to now. */
  get url(): string {
    return printableEndpoint(this.#wire.baseUrl);
  }

  /** Logs in now rather than at the first call (a login failure then comes first). */
  async connect(): Promise<void> {
    await this.#currentSession("session.login_with_password");
  }

  /**
   * Calls `method` with the session prepended; resolves with its value as the wire decoded it (ints
   * are text over XML-RPC and numbers over JSON-RPC: read records with getRecord / getAllRecords).
   */
  async call(method: string, ...params: XmlRpcValue[]): Promise<WireValue> {
    return this.#send(method, (wire, session) => wire.call(method, [session, ...params], isIdempotentCall(method)));
  }

  /**
   * `<cls>.get_all_records` as an index of its records, each decoded only when the reader keeps it
   * (record-index.ts): a pool's records the stack does not own are never decoded. `fields` are the
   * members the reader chooses by.
   */
  async indexAllRecords(cls: XenClass, fields: readonly string[]): Promise<RecordIndex> {
    const method = `${cls}.get_all_records`;
    return this.#send(method, (wire, session) => wire.callRecords(method, [session], true, fields));
  }

  /** Sends one call with the session, logging in again once and following the master as xapi says. */
  async #send<T>(method: string, send: (wire: XenWire, session: string) => Promise<WireAnswer<T>>): Promise<T> {
    if (method.startsWith("session.")) throw new XenProtocolError(method, "the client logs in and out by itself; session calls are not made through call()");
    let relogged = false;
    let moves = 0;
    for (;;) {
      const session = await this.#currentSession(method);
      // close() came while the login was under way: the session is about to be logged out.
      if (this.#closing) throw new XenClientClosedError(method);
      const wire = this.#wire;
      const answer = await send(wire, session);
      if (answer.ok) return answer.value;
      if (answer.code === "SESSION_INVALID" && !relogged) {
        relogged = true;
        this.#forget(session);
        continue;
      }
      if (answer.code === "HOST_IS_SLAVE" && moves < MAX_MASTER_MOVES) {
        moves++;
        this.#moveToMaster(wire, method, answer);
        continue;
      }
      throw this.#failure(method, answer);
    }
  }

  /** A call that takes no session (`system.listMethods`). */
  async callWithoutSession(method: string, ...params: XmlRpcValue[]): Promise<WireValue> {
    if (this.#closing) throw new XenClientClosedError(method);
    const answer = await this.#wire.call(method, params, isIdempotentCall(method));
    if (answer.ok) return answer.value;
    throw this.#failure(method, answer);
  }

  /** Every object of `cls`, by ref, with one `<cls>.get_all_records` call. */
  async getAllRecords<C extends XenClass>(cls: C): Promise<Map<Ref<C>, XenRecords[C]>> {
    const method = `${cls}.get_all_records`;
    return decodeRecordMap(cls, await this.call(method), method);
  }

  async getRecord<C extends XenClass>(cls: C, ref: Ref<C>): Promise<XenRecords[C]> {
    const method = `${cls}.get_record`;
    return decodeRecord(cls, ref, await this.call(method, ref), method);
  }

  /**
   * Sends `Async.<method>` and resolves with the task ref, without waiting (`tasks.follow` waits).
   * The call may fail at once, before any task exists: that failure is thrown as from `call`.
   */
  async startAsync(method: string, ...params: XmlRpcValue[]): Promise<Ref<"task">> {
    const value = await this.call(`Async.${method}`, ...params);
    if (!isRef(value)) throw new XenProtocolError(`Async.${method}`, `expected a task ref, got ${describeValue(value)}`);
    return value as Ref<"task">;
  }

  /**
   * Calls `method` asynchronously and follows its task to the end: resolves with the result ("" for a
   * void call, a ref for a create or clone), rejects with the task's failure as a XenApiError.
   */
  async callAsync(method: string, ...params: XmlRpcValue[]): Promise<WireValue> {
    const task = await this.startAsync(method, ...params);
    return this.tasks.follow(task, method);
  }

  /** Like callAsync, for calls that return a ref (clone, copy, create). */
  async callAsyncRef<C extends string = string>(method: string, ...params: XmlRpcValue[]): Promise<Ref<C>> {
    const value = await this.callAsync(method, ...params);
    if (!isRef(value)) throw new XenProtocolError(method, `the task's result is ${describeValue(value)}, not a ref`);
    return value as Ref<C>;
  }

  /** The one watcher that follows every task of this client in a single event.from loop. */
  get tasks(): TaskWatcher {
    this.#tasks ??= new TaskWatcher(
      { call: (method, ...params) => this.call(method, ...params), redact: (text) => this.redact(text) },
      {
        ...(this.#options.eventTimeoutSeconds !== undefined ? { eventTimeoutSeconds: this.#options.eventTimeoutSeconds } : {}),
        ...(this.#options.taskPollIntervalMs !== undefined ? { pollIntervalMs: this.#options.taskPollIntervalMs } : {}),
        ...(this.#options.eventGapMs !== undefined ? { eventGapMs: this.#options.eventGapMs } : {}),
        ...(this.#options.clock ? { clock: this.#options.clock } : {}),
        ...(this.#options.retrier ? { retrier: this.#options.retrier } : {}),
        ...(this.#options.onWarning ? { onWarning: this.#options.onWarning } : {}),
      },
    );
    if (this.#closing) this.#tasks.stop(new XenClientClosedError("task"));
    return this.#tasks;
  }

  /**
   * Logs out and closes the sockets. Safe to call more than once and from several places at once
   * (the end of a run and a Ctrl-C handler): every call gets the same promise, which never rejects;
   * a logout that fails is told to onWarning (the session then expires by itself).
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#tasks?.stop(new XenClientClosedError("task"));
    let session = this.#session;
    if (this.#login) session = await this.#login.catch(() => undefined);
    this.#session = undefined;
    if (session !== undefined) {
      try {
        const answer = await this.#wire.call("session.logout", [session], true);
        if (!answer.ok) this.#warn(`session.logout failed: ${this.#failure("session.logout", answer).message}`);
      } catch (error) {
        this.#warn(`session.logout failed: ${this.redact((error as Error).message)}`);
      }
    }
    this.#wire.close();
    for (const wire of this.#retired) wire.close();
  }

  /** `text` with the password and every session ref of this client blanked out. */
  redact(text: string): string {
    let out = text;
    for (const session of this.#sessions) out = out.split(session).join("(session)");
    if (this.#password !== "") out = out.split(this.#password).join("(password)");
    return out;
  }

  #currentSession(method: string): Promise<string> {
    if (this.#closing) return Promise.reject(new XenClientClosedError(method));
    if (this.#session !== undefined) return Promise.resolve(this.#session);
    // Calls that start together share one login.
    this.#login ??= this.#logIn().finally(() => {
      this.#login = undefined;
    });
    return this.#login;
  }

  async #logIn(): Promise<string> {
    const method = "session.login_with_password";
    for (let moves = 0; ; ) {
      const wire = this.#wire;
      // Sending the login twice after a lost answer costs at most a session that expires unused.
      const answer = await wire.call(method, [this.#username, this.#password, LOGIN_API_VERSION, this.#originator], true);
      if (answer.ok) {
        // Whatever came back is not quoted: it may be a session in a form not recognised.
        if (!isRef(answer.value)) throw new XenProtocolError(method, "the login's answer is not a session ref (OpaqueRef:…)");
        this.#sessions.add(answer.value);
        this.#session = answer.value;
        return answer.value;
      }
      if (answer.code === "HOST_IS_SLAVE" && moves < MAX_MASTER_MOVES) {
        moves++;
        this.#moveToMaster(wire, method, answer);
        continue;
      }
      throw this.#failure(method, answer);
    }
  }

  #forget(session: string): void {
    if (this.#session === session) this.#session = undefined;
  }

  /**
   * Moves to the master HOST_IS_SLAVE names: same scheme, port and path, its address as the host.
   * The session of the old host is dropped (FACTS §1.3: log in again at the master). Calls that met
   * the same answer together move once.
   */
  #moveToMaster(from: XenWire, method: string, answer: WireAnswer & { ok: false }): void {
    if (this.#wire !== from) return;
    const address = answer.params[0];
    if (address === undefined || address.trim() === "") throw new XenProtocolError(method, "HOST_IS_SLAVE without the master's address");
    const url = new URL(from.baseUrl);
    try {
      url.hostname = address.includes(":") && !address.startsWith("[") ? `[${address}]` : address;
    } catch {
      throw new XenProtocolError(method, `HOST_IS_SLAVE names ${JSON.stringify(address)}, which is not a host address`);
    }
    if (url.hostname === "") throw new XenProtocolError(method, `HOST_IS_SLAVE names ${JSON.stringify(address)}, which is not a host address`);
    this.#retired.push(from);
    this.#wire = this.#makeWire(url.toString());
    this.#session = undefined;
  }

  #makeWire(url: string): XenWire {
    const o = this.#options;
    return createWire(this.transport, {
      baseUrl: url,
      redact: (text) => this.redact(text),
      ...(o.ca !== undefined ? { ca: o.ca } : {}),
      ...(o.rejectUnauthorized !== undefined ? { rejectUnauthorized: o.rejectUnauthorized } : {}),
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
      ...(o.maxSockets !== undefined ? { maxSockets: o.maxSockets } : {}),
    });
  }

  #failure(method: string, answer: WireAnswer & { ok: false }): XenApiError {
    return new XenApiError(method, answer.code, answer.params.map((p) => this.redact(p)));
  }

  #warn(message: string): void {
    this.#options.onWarning?.(this.redact(message));
  }
}

/**
 * Calls that only read, so a reset on a kept-alive socket may send them again: the getters
 * (`VM.get_record`, `VM.get_all_records`, `task.get_record` …), `event.from` (its token makes it
 * repeatable) and the `system.*` introspection.
 */
export function isIdempotentCall(method: string): boolean {
  return /^[A-Za-z_]+\.get_/.test(method) || method === "event.from" || method.startsWith("system.");
}
