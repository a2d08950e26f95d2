/**
 * The operation tracker: ONE polling loop for a whole apply.
 *
 * Each tick makes exactly one `provider.poll(allInFlight)` call, and the provider turns that into one
 * batched read per kind, so the calls per second depend on the tick rate, never on how many
 * operations are in flight. The tick interval adapts: it starts short, grows by `factor` while nothing
 * moves (up to `maxMs`) and snaps back to `initialMs` when a state moves, an operation finishes or a new
 * one joins. Two polls are never closer than `initialMs`, which bounds the rate at 1000/initialMs
 * polls a second.
 *
 * A poll that throws a transient error (a dropped connection, a 5xx, a cloud restarting) is retried on
 * a later tick with jittered backoff; only polls failing for longer than `retryTimeoutMs` (or
 * `maxPollFailures` failures in a row, when set), or one permanent error, fail the operations in
 * flight, each with the cause. A per-kind timeout ends an operation that never arrives,
 * quoting the last state and detail the backend gave. All time goes through the injected Clock.
 */
import { HyperplanError } from "../errors.js";
import type { Clock } from "../core/clock.js";
import type { Operation, OperationStatus } from "../core/operation.js";
import type { ApplyProvider } from "./apply-provider.js";
import type { OutputValue } from "./events.js";
import { formatDuration } from "./events.js";
import { backoffDelay, DEFAULT_RETRY_TIMEOUT_MS, isTransientError, sleepUnlessAborted } from "../core/retry.js";

export interface PollIntervalOptions {
  /** The first interval, and the one the loop snaps back to; also the least time between two polls. */
  initialMs: number;
  /** The longest interval while nothing moves. */
  maxMs: number;
  /** How much the interval grows after a tick where nothing moved. */
  factor: number;
}

export const POLL_INTERVAL_DEFAULTS: PollIntervalOptions = { initialMs: 200, maxMs: 5_000, factor: 1.5 };

/** How long an operation may take when its kind has no timeout of its own. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 30 * 60_000;


export type RunningStatus = Extract<OperationStatus, { phase: "running" }>;

export interface TrackerOptions {
  clock: Clock;
  pollInterval?: Partial<PollIntervalOptions>;
  /** Timeout in ms per resource kind (`VirtualMachine: 600_000`). */
  timeouts?: Partial<Record<string, number>>;
  defaultTimeoutMs?: number;
  /** How long polls may keep failing with transient errors before the operations in flight fail (default 3 minutes). */
  retryTimeoutMs?: number;
  /** Consecutive failed polls after which the operations in flight fail; default: no count, only `retryTimeoutMs`. */
  maxPollFailures?: number;
  /** Which poll errors are worth another tick. Default: `isTransientError`. */
  isTransient?: (error: unknown) => boolean;
  /** For the jitter of the retry delay after a failed poll; default Math.random. */
  random?: () => number;
  /** When aborted, every tracked operation resolves as interrupted at once and the loop stops. */
  signal?: AbortSignal;
  /** Told when an operation's state, step or detail moved. */
  onProgress?: (operation: Operation, status: RunningStatus) => void;
  /** Told when a poll failed with a transient error and will be retried. */
  onPollRetry?: (info: { failures: number; limit?: number; error: unknown; retryInMs: number; giveUpInMs: number }) => void;
}

export type TrackOutcome =
  | { phase: "done"; state: string; id?: string; outputs: Record<string, OutputValue> }
  | { phase: "failed"; state?: string; error: Error }
  | { phase: "interrupted"; state?: string; detail?: string };

export class TrackerOptionsError extends HyperplanError {
  constructor(summary: string) {
    super("TRACKER_OPTIONS", summary);
  }
}

/** An operation that did not reach its state in time. */
export class OperationTimeoutError extends HyperplanError {
  readonly lastState: string | undefined;
  readonly lastDetail: string | undefined;
  constructor(address: string, timeoutMs: number, step: string, lastState: string | undefined, lastDetail: string | undefined) {
    const last = lastState === undefined ? "no state was read" : `last state ${lastState}`;
    super("OPERATION_TIMEOUT", `timed out after ${formatDuration(timeoutMs)} at step "${step}"; ${last}`, {
      address,
      ...(lastDetail ? { detail: lastDetail } : {}),
    });
    this.lastState = lastState;
    this.lastDetail = lastDetail;
  }
}

/** The tracker could not look at an operation any more: the poll failed for good. */
export class PollFailedError extends HyperplanError {
  constructor(address: string, cause: unknown, failures: number, transient: boolean, failingForMs = 0) {
    const summary = transient
      ? `lost track of the operation: ${failures} polls in a row failed${failingForMs > 0 ? ` over ${formatDuration(failingForMs)}` : ""}`
      : "lost track of the operation: polling failed with an error that retrying cannot fix";
    super("POLL_FAILED", summary, { address, detail: errorText(cause), cause });
  }
}

/** The provider broke its contract for one operation (no status, or a status of no known phase). */
export class ProviderStatusError extends HyperplanError {
  constructor(address: string, summary: string) {
    super("PROVIDER_STATUS", summary, { address });
  }
}

export class DuplicateOperationError extends HyperplanError {
  constructor(address: string) {
    super("DUPLICATE_OPERATION", "an operation for this address is already being tracked", { address });
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

interface Entry {
  operation: Operation;
  resolve: (outcome: TrackOutcome) => void;
  timeoutMs: number;
  deadline: number;
  state?: string;
  detail?: string;
  stepIndex: number;
}

type Poller = Pick<ApplyProvider, "poll">;

function positive(value: number, what: string): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new TrackerOptionsError(`${what} must be a finite number > 0, not ${value}`);
  return value;
}

export class OperationTracker {
  private readonly clock: Clock;
  private readonly interval: PollIntervalOptions;
  private readonly timeouts: Partial<Record<string, number>>;
  private readonly defaultTimeoutMs: number;
  private readonly maxPollFailures: number | undefined;
  private readonly retryTimeoutMs: number;
  /** When the current run of failed polls began. */
  private failingSince = 0;
  private readonly isTransient: (error: unknown) => boolean;
  private readonly random: () => number;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort = () => this.interruptAll();

  private readonly entries = new Map<string, Entry>();
  private looping = false;
  private currentInterval: number;
  private nextPollAt = 0;
  private lastPollAt = Number.NEGATIVE_INFINITY;
  private joinedSinceTick = false;
  private pollFailures = 0;
  private polls = 0;

  constructor(
    private readonly poller: Poller,
    private readonly options: TrackerOptions,
  ) {
    this.clock = options.clock;
    this.interval = { ...POLL_INTERVAL_DEFAULTS, ...definedOnly(options.pollInterval ?? {}) };
    positive(this.interval.initialMs, "pollInterval.initialMs");
    positive(this.interval.maxMs, "pollInterval.maxMs");
    if (this.interval.maxMs < this.interval.initialMs) {
      throw new TrackerOptionsError(`pollInterval.maxMs (${this.interval.maxMs}) must be ≥ initialMs (${this.interval.initialMs})`);
    }
    if (!(this.interval.factor >= 1) || !Number.isFinite(this.interval.factor)) {
      throw new TrackerOptionsError(`pollInterval.factor must be a finite number ≥ 1, not ${this.interval.factor}`);
    }
    this.timeouts = options.timeouts ?? {};
    for (const [kind, ms] of Object.entries(this.timeouts)) if (ms !== undefined) positive(ms, `the timeout of ${kind}`);
    this.defaultTimeoutMs = positive(options.defaultTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS, "defaultTimeoutMs");
    this.maxPollFailures = options.maxPollFailures;
    if (this.maxPollFailures !== undefined && (!Number.isInteger(this.maxPollFailures) || this.maxPollFailures < 1)) {
      throw new TrackerOptionsError(`maxPollFailures must be a whole number ≥ 1, not ${this.maxPollFailures}`);
    }
    this.retryTimeoutMs = positive(options.retryTimeoutMs ?? DEFAULT_RETRY_TIMEOUT_MS, "retryTimeoutMs");
    this.isTransient = options.isTransient ?? isTransientError;
    this.random = options.random ?? Math.random;
    this.signal = options.signal;
    this.currentInterval = this.interval.initialMs;
    this.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  /** Operations being followed now. */
  get inFlight(): number {
    return this.entries.size;
  }

  /** Poll calls made so far. */
  get pollCount(): number {
    return this.polls;
  }

  /** The interval the loop waits before its next tick, as it stands. */
  get intervalMs(): number {
    return this.currentInterval;
  }

  /** The timeout that applies to operations of `kind`. */
  timeoutFor(kind: string): number {
    return this.timeouts[kind] ?? this.defaultTimeoutMs;
  }

  /**
   * Follows `operation` until it is done, failed, timed out or interrupted. Never rejects: every end
   * is an outcome. `startedAt` (default now) is when its change started, which the timeout counts from.
   */
  track(operation: Operation, startedAt: number = this.clock.now()): Promise<TrackOutcome> {
    if (this.entries.has(operation.address)) throw new DuplicateOperationError(operation.address);
    if (this.signal?.aborted) return Promise.resolve({ phase: "interrupted" });
    return new Promise<TrackOutcome>((resolve) => {
      const timeoutMs = this.timeoutFor(operation.kind);
      this.entries.set(operation.address, { operation, resolve, timeoutMs, deadline: startedAt + timeoutMs, stepIndex: operation.step });
      // A new operation snaps the interval back: its first states come quickly and are worth seeing.
      const now = this.clock.now();
      this.currentInterval = this.interval.initialMs;
      this.nextPollAt = this.looping ? Math.min(this.nextPollAt, now + this.interval.initialMs) : now + this.interval.initialMs;
      this.joinedSinceTick = true;
      if (!this.looping) {
        this.looping = true;
        void this.loop();
      }
    });
  }

  /** Stops listening to the abort signal. Call once the apply is over. */
  dispose(): void {
    this.signal?.removeEventListener("abort", this.onAbort);
  }

  private async loop(): Promise<void> {
    try {
      while (this.entries.size > 0) {
        await this.waitForTick();
        if (this.signal?.aborted) {
          this.interruptAll();
          break;
        }
        if (this.entries.size === 0) break;
        await this.tick();
      }
    } catch (error) {
      // Only a bug gets here (the tick handles every provider failure); end the operations with it
      // rather than leave the apply waiting forever.
      for (const entry of [...this.entries.values()]) {
        this.finish(entry, { phase: "failed", state: entry.state, error: error instanceof Error ? error : new Error(String(error)) });
      }
    } finally {
      this.looping = false;
    }
  }

  /** When the next tick is due: the poll interval or the earliest deadline, never sooner than initialMs after the last poll. */
  private tickDueAt(): number {
    let due = this.nextPollAt;
    for (const entry of this.entries.values()) if (entry.deadline < due) due = entry.deadline;
    return Math.max(due, this.lastPollAt + this.interval.initialMs);
  }

  private async waitForTick(): Promise<void> {
    // Sleep in slices of initialMs so that an operation joining during a long backoff brings the tick
    // forward, and so that no sleep outlives the loop by more than one slice.
    for (;;) {
      if (this.signal?.aborted || this.entries.size === 0) return;
      const now = this.clock.now();
      const due = this.tickDueAt();
      if (now >= due) return;
      await sleepUnlessAborted(this.clock, Math.min(due - now, this.interval.initialMs), this.signal);
    }
  }

  private async tick(): Promise<void> {
    const entries = [...this.entries.values()];
    let moved = this.joinedSinceTick;
    this.joinedSinceTick = false;
    this.lastPollAt = this.clock.now();
    this.polls++;
    let statuses: OperationStatus[];
    try {
      const result: unknown = await this.poller.poll(entries.map((e) => e.operation));
      if (!Array.isArray(result)) {
        throw new HyperplanError("PROVIDER_STATUS", `the provider's poll returned ${describeValue(result)} instead of a list of statuses`);
      }
      statuses = result as OperationStatus[];
    } catch (error) {
      this.pollFailed(error, entries);
      this.expireDeadlines();
      return;
    }
    this.pollFailures = 0;
    const byAddress = new Map<string, OperationStatus>();
    for (const status of statuses) {
      if (typeof status === "object" && status !== null && typeof status.address === "string") byAddress.set(status.address, status);
    }
    for (const entry of entries) {
      // Interrupted or ended while the poll was out: its status no longer matters.
      if (this.entries.get(entry.operation.address) !== entry) continue;
      if (this.applyStatus(entry, byAddress.get(entry.operation.address))) moved = true;
    }
    if (this.expireDeadlines()) moved = true;
    this.currentInterval = moved ? this.interval.initialMs : Math.min(this.interval.maxMs, this.currentInterval * this.interval.factor);
    this.nextPollAt = this.clock.now() + this.currentInterval;
  }

  /** Applies one status; true when something moved. */
  private applyStatus(entry: Entry, status: OperationStatus | undefined): boolean {
    const address = entry.operation.address;
    if (status === undefined) {
      this.finish(entry, { phase: "failed", state: entry.state, error: new ProviderStatusError(address, "the provider's poll returned no status for this operation") });
      return true;
    }
    switch (status.phase) {
      case "running": {
        const state = String(status.state);
        const detail = status.detail === undefined || status.detail === "" ? undefined : String(status.detail);
        const stepIndex = entry.operation.step;
        if (state === entry.state && detail === entry.detail && stepIndex === entry.stepIndex) return false;
        entry.state = state;
        entry.detail = detail;
        entry.stepIndex = stepIndex;
        this.options.onProgress?.(entry.operation, { address, phase: "running", state, ...(detail === undefined ? {} : { detail }) });
        return true;
      }
      case "done": {
        const outputs: Record<string, OutputValue> = {};
        for (const [key, value] of Object.entries(status.outputs ?? {})) {
          if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") outputs[key] = value;
        }
        const id = status.id ?? entry.operation.id;
        this.finish(entry, { phase: "done", state: String(status.state), outputs, ...(id === undefined ? {} : { id }) });
        return true;
      }
      case "failed": {
        const error = status.error instanceof Error ? status.error : new ProviderStatusError(address, `failed in state ${status.state}: ${String(status.error)}`);
        this.finish(entry, { phase: "failed", state: String(status.state), error });
        return true;
      }
      default: {
        const phase = (status as { phase?: unknown }).phase;
        this.finish(entry, { phase: "failed", state: entry.state, error: new ProviderStatusError(address, `the provider's poll returned an unknown phase ${JSON.stringify(phase)}`) });
        return true;
      }
    }
  }

  private pollFailed(error: unknown, entries: Entry[]): void {
    const now = this.clock.now();
    if (this.pollFailures === 0) this.failingSince = this.lastPollAt;
    this.pollFailures++;
    const transient = this.isTransient(error);
    const retryInMs = Math.max(this.interval.initialMs, backoffDelay(this.pollFailures, this.interval.initialMs, this.interval.maxMs, this.random));
    const giveUpInMs = this.failingSince + this.retryTimeoutMs - now;
    const outOfCount = this.maxPollFailures !== undefined && this.pollFailures >= this.maxPollFailures;
    if (!transient || outOfCount || retryInMs > giveUpInMs) {
      const failures = this.pollFailures;
      this.pollFailures = 0;
      for (const entry of entries) {
        if (this.entries.get(entry.operation.address) !== entry) continue;
        this.finish(entry, { phase: "failed", state: entry.state, error: new PollFailedError(entry.operation.address, error, failures, transient, now - this.failingSince) });
      }
      return;
    }
    this.nextPollAt = now + retryInMs;
    this.options.onPollRetry?.({ failures: this.pollFailures, ...(this.maxPollFailures === undefined ? {} : { limit: this.maxPollFailures }), error, retryInMs, giveUpInMs });
  }

  /** Ends every operation past its deadline; true when one was. */
  private expireDeadlines(): boolean {
    const now = this.clock.now();
    let expired = false;
    for (const entry of [...this.entries.values()]) {
      if (now < entry.deadline) continue;
      const op = entry.operation;
      const step = op.steps[op.step] ?? `step ${op.step + 1}`;
      this.finish(entry, { phase: "failed", state: entry.state, error: new OperationTimeoutError(op.address, entry.timeoutMs, step, entry.state, entry.detail) });
      expired = true;
    }
    return expired;
  }

  private interruptAll(): void {
    for (const entry of [...this.entries.values()]) {
      this.finish(entry, { phase: "interrupted", ...(entry.state === undefined ? {} : { state: entry.state }), ...(entry.detail === undefined ? {} : { detail: entry.detail }) });
    }
  }

  private finish(entry: Entry, outcome: TrackOutcome): void {
    if (this.entries.get(entry.operation.address) !== entry) return;
    this.entries.delete(entry.operation.address);
    if (outcome.phase === "failed" && outcome.state === undefined) delete outcome.state;
    entry.resolve(outcome);
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}
