/**
 * Following asynchronous calls to their end (FACTS §1.8–1.9).
 *
 * `Async.<Class>.<method>` answers at once with a task ref; the task then goes `pending` → `success`
 * (its `result` is the XML-RPC text of the return value: `<value>OpaqueRef:…</value>`, or
 * `<value></value>` for a void call), `failure` (`error_info` = `[code, params…]`) or, once cancelled,
 * `cancelled`. One TaskWatcher follows every task in flight with a single long-poll loop:
 * `event.from(["task"], token, timeout)` returns as soon as any task changed, so a hundred tasks cost
 * one waiting call, not a hundred polls. Where the server has no `event.from` (MESSAGE_METHOD_UNKNOWN),
 * the loop falls back to `task.get_record` on each followed task every `pollIntervalMs`.
 *
 * Tasks that finish between the Async call and `follow` are not lost: the loop starts from token ""
 * (a snapshot of every task) and later goes on from its last token, and it keeps the finished tasks it
 * saw that nobody follows yet, so a late `follow` finds its task already done. A followed task that
 * finished is destroyed (`task.destroy`), as xapi asks of clients, before its caller hears the outcome.
 */
import { decodeResponse, XmlRpcDouble, type XmlRpcValue } from "../../xmlrpc/index.js";
import { hasErrorCode } from "../../errors.js";
import { systemClock, type Clock } from "../../core/clock.js";
import { Retrier } from "../../core/retry.js";
import { XenApiError, XenProtocolError, isXenApiError } from "./errors.js";
import { describeValue, isRef, isStruct, type Ref, type WireValue } from "./field-types.js";
import { decodeRecord, type TaskRecord, type TaskStatus } from "./records.js";
import type { XmlRpcParseError } from "../../xmlrpc/index.js";

/** What the watcher needs of the client: session calls, and the redaction of what errors quote. */
export interface TaskCaller {
  call(method: string, ...params: XmlRpcValue[]): Promise<WireValue>;
  redact(text: string): string;
}

export interface TaskWatcherOptions {
  /** How long one event.from call may wait on the server for a change (seconds; default 30). */
  eventTimeoutSeconds?: number;
  /** The interval of the task.get_record fallback (default 1000 ms). */
  pollIntervalMs?: number;
  /**
   * How long the loop waits after an answer that carried changes before it asks again (default
   * 100 ms): changes of many tasks then come in one answer, so the calls per second stay bounded
   * (at most ten a second) however many tasks are in flight, for a tenth of a second of latency.
   */
  eventGapMs?: number;
  clock?: Clock;
  /** Retries the watcher's own reads (event.from, task.get_record) while xapi does not answer. */
  retrier?: Pick<Retrier, "run">;
  /** Told what went wrong where nothing can be thrown (a task.destroy that failed). */
  onWarning?: (message: string) => void;
}

export const DEFAULT_EVENT_TIMEOUT_SECONDS = 30;
export const DEFAULT_TASK_POLL_INTERVAL_MS = 1000;
export const DEFAULT_EVENT_GAP_MS = 100;

const FINISHED: ReadonlySet<TaskStatus> = new Set(["success", "failure", "cancelled"]);

interface Follower {
  method: string;
  resolve(value: WireValue): void;
  reject(error: unknown): void;
}

export class TaskWatcher {
  readonly #caller: TaskCaller;
  readonly #timeoutSeconds: number;
  readonly #pollIntervalMs: number;
  readonly #eventGapMs: number;
  readonly #clock: Clock;
  readonly #retrier: Pick<Retrier, "run">;
  readonly #onWarning: (message: string) => void;
  readonly #followers = new Map<string, Follower[]>();
  /** Finished tasks the event stream showed that nobody follows (yet). */
  readonly #finished = new Map<string, TaskRecord>();
  #token = "";
  #mode: "events" | "poll" = "events";
  #running = false;
  #stopped: Error | undefined;

  constructor(caller: TaskCaller, options: TaskWatcherOptions = {}) {
    this.#caller = caller;
    this.#timeoutSeconds = options.eventTimeoutSeconds ?? DEFAULT_EVENT_TIMEOUT_SECONDS;
    this.#pollIntervalMs = options.pollIntervalMs ?? DEFAULT_TASK_POLL_INTERVAL_MS;
    this.#eventGapMs = options.eventGapMs ?? DEFAULT_EVENT_GAP_MS;
    this.#clock = options.clock ?? systemClock;
    this.#retrier = options.retrier ?? new Retrier({ clock: this.#clock });
    this.#onWarning = options.onWarning ?? (() => {});
  }

  /** How the watcher follows tasks now: `events` (event.from) or `poll` (task.get_record). */
  get mode(): "events" | "poll" {
    return this.#mode;
  }

  /** Tasks being followed. */
  get inFlight(): number {
    return this.#followers.size;
  }

  /**
   * Resolves with the task's decoded result ("" for a void call, the ref for a create or clone), or
   * rejects with its failure as a XenApiError (`TASK_CANCELLED` for a cancelled one). `method` names
   * the call in errors (default: the task's name_label).
   */
  follow(task: Ref<"task">, method?: string): Promise<WireValue> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    return new Promise<WireValue>((resolve, reject) => {
      const list = this.#followers.get(task);
      const follower = { method: method ?? "", resolve, reject };
      if (list) list.push(follower);
      else this.#followers.set(task, [follower]);
      const done = this.#finished.get(task);
      if (done) this.#settle(task, done);
      else if (!this.#running) void this.#run();
    });
  }

  /** Stops following: every caller waiting is rejected with `reason`, and later follows too. */
  stop(reason: Error): void {
    if (this.#stopped) return;
    this.#stopped = reason;
    const waiting = [...this.#followers.values()].flat();
    this.#followers.clear();
    this.#finished.clear();
    for (const follower of waiting) follower.reject(reason);
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      // No await between the last check and the end of the loop: a follow() in between cannot miss it.
      while (this.#followers.size > 0 && !this.#stopped) {
        if (this.#mode === "events") await this.#eventRound();
        else await this.#pollRound();
      }
    } finally {
      this.#running = false;
    }
  }

  async #eventRound(): Promise<void> {
    let answer: WireValue;
    try {
      answer = await this.#retrier.run("event.from", () => this.#caller.call("event.from", ["task"], this.#token, new XmlRpcDouble(this.#timeoutSeconds)));
    } catch (error) {
      if (this.#stopped) return;
      if (isXenApiError(error, "MESSAGE_METHOD_UNKNOWN")) {
        this.#mode = "poll";
        return;
      }
      if (isXenApiError(error, "EVENT_FROM_TOKEN_PARSE_FAILURE") && this.#token !== "") {
        // A token the server no longer reads (a restarted xapi): start again from a full snapshot.
        this.#token = "";
        this.#finished.clear();
        return;
      }
      this.#failAll(error);
      return;
    }
    if (this.#stopped) return;
    let batch: EventBatch;
    try {
      batch = decodeEventBatch(answer);
    } catch (error) {
      this.#failAll(error);
      return;
    }
    this.#token = batch.token;
    for (const event of batch.events) {
      if (event.class !== "task") continue;
      if (event.operation === "del") {
        this.#finished.delete(event.ref);
        this.#rejectTask(event.ref, (method) => new XenProtocolError(method, `the task ${event.ref} was destroyed before it finished`));
        continue;
      }
      const followed = this.#followers.has(event.ref);
      let record: TaskRecord;
      try {
        record = decodeRecord("task", event.ref, event.snapshot ?? null, "event.from");
      } catch (error) {
        // Another client's task may be of no concern; one of ours must be readable.
        if (followed) this.#rejectTask(event.ref, () => error);
        continue;
      }
      if (!FINISHED.has(record.status)) continue;
      if (followed) this.#settle(event.ref, record);
      else this.#finished.set(event.ref, record);
    }
    // Changes come in bursts (a task added, its progress, its end, its destroy): a short gap gathers
    // the next ones into one answer instead of one call each.
    if (batch.events.length > 0 && this.#followers.size > 0 && this.#eventGapMs > 0) await this.#clock.sleep(this.#eventGapMs);
  }

  async #pollRound(): Promise<void> {
    const tasks = [...this.#followers.keys()];
    await Promise.all(
      tasks.map(async (task) => {
        try {
          const raw = await this.#retrier.run("task.get_record", () => this.#caller.call("task.get_record", task));
          const record = decodeRecord("task", task, raw, "task.get_record");
          if (FINISHED.has(record.status)) this.#settle(task, record);
        } catch (error) {
          if (!this.#stopped) this.#rejectTask(task, () => error);
        }
      }),
    );
    if (this.#followers.size > 0 && !this.#stopped) await this.#clock.sleep(this.#pollIntervalMs);
  }

  /** Hands a finished task's outcome to its followers, after destroying it. */
  #settle(task: string, record: TaskRecord): void {
    const followers = this.#followers.get(task);
    if (!followers) return;
    this.#followers.delete(task);
    this.#finished.delete(task);
    const outcome = (method: string) => taskOutcome(method || record.name_label || "task", task, record, this.#caller.redact);
    void this.#destroy(task).then(() => {
      for (const follower of followers) {
        try {
          follower.resolve(outcome(follower.method));
        } catch (error) {
          follower.reject(error);
        }
      }
    });
  }

  async #destroy(task: string): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#caller.call("task.destroy", task);
    } catch (error) {
      // The outcome is known; a task left behind is collected by xapi in time.
      if (!isXenApiError(error, "HANDLE_INVALID")) this.#onWarning(`task.destroy of ${task} failed: ${(error as Error).message}`);
    }
  }

  #rejectTask(task: string, error: (method: string) => unknown): void {
    const followers = this.#followers.get(task);
    if (!followers) return;
    this.#followers.delete(task);
    for (const follower of followers) follower.reject(error(follower.method || "task"));
  }

  #failAll(error: unknown): void {
    const waiting = [...this.#followers.values()].flat();
    this.#followers.clear();
    for (const follower of waiting) follower.reject(error);
  }
}

/** The value a finished task carries, or the error it ended with. Throws for a failure. */
export function taskOutcome(method: string, task: string, record: TaskRecord, redact: (text: string) => string = (t) => t): WireValue {
  switch (record.status) {
    case "success":
      return decodeTaskResult(method, record.result, redact);
    case "failure": {
      const [code, ...params] = record.error_info;
      if (code === undefined || code === "") throw new XenProtocolError(method, `the task ${task} failed without an error_info`);
      throw new XenApiError(method, code, params.map(redact), { task });
    }
    case "cancelled": {
      const [code, ...params] = record.error_info;
      // xapi puts ["TASK_CANCELLED", task] in a cancelled task's error_info; say so if it did not.
      throw code ? new XenApiError(method, code, params.map(redact), { task }) : new XenApiError(method, "TASK_CANCELLED", [task], { task });
    }
    default:
      throw new XenProtocolError(method, `the task ${task} has not finished (${record.status})`);
  }
}

/**
 * A task's `result`: the XML-RPC serialisation of the call's return value (the same whichever wire
 * the client speaks). `<value></value>` (or nothing at all) is a void call's "".
 */
export function decodeTaskResult(method: string, result: string, redact: (text: string) => string = (t) => t): WireValue {
  const trimmed = result.trim();
  if (trimmed === "") return "";
  if (!trimmed.startsWith("<value")) throw new XenProtocolError(method, `a task result that is not an XML-RPC value: ${describeValue(result)}`);
  try {
    const decoded = decodeResponse(`<methodResponse><params><param>${trimmed}</param></params></methodResponse>`);
    if (decoded.fault) throw new XenProtocolError(method, "a task result that is a fault");
    return decoded.value;
  } catch (error) {
    if (!hasErrorCode(error, "XMLRPC_PARSE")) throw error;
    throw new XenProtocolError(method, `the task result is not a valid XML-RPC value (${redact((error as XmlRpcParseError).problem)})`);
  }
}

export interface XenEvent {
  /** The class in lowercase, as event.from names it (`vm`, `task`). */
  class: string;
  operation: "add" | "mod" | "del";
  ref: Ref;
  /** The whole record; absent on `del`. */
  snapshot?: WireValue;
}

export interface EventBatch {
  events: XenEvent[];
  token: string;
}

/** event.from's answer `{events, valid_ref_counts, token}`; classes come back lowercase. */
export function decodeEventBatch(raw: WireValue): EventBatch {
  if (!isStruct(raw)) throw new XenProtocolError("event.from", `expected {events, token}, got ${describeValue(raw)}`);
  const { events, token } = raw;
  if (typeof token !== "string") throw new XenProtocolError("event.from", `the token is ${describeValue(token)}, not a string`);
  if (!Array.isArray(events)) throw new XenProtocolError("event.from", `the events are ${describeValue(events)}, not an array`);
  const out: XenEvent[] = [];
  for (const event of events) {
    if (!isStruct(event)) throw new XenProtocolError("event.from", `an event is ${describeValue(event)}, not a struct`);
    const { operation, ref, snapshot } = event;
    const cls = event.class;
    if (typeof cls !== "string") throw new XenProtocolError("event.from", `an event's class is ${describeValue(cls)}`);
    if (operation !== "add" && operation !== "mod" && operation !== "del") throw new XenProtocolError("event.from", `an event's operation is ${describeValue(operation)}`);
    if (!isRef(ref)) throw new XenProtocolError("event.from", `an event's ref is ${describeValue(ref)}`);
    out.push({ class: cls.toLowerCase(), operation, ref, ...(snapshot === undefined ? {} : { snapshot }) });
  }
  return { events: out, token };
}
