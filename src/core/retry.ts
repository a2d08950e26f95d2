/**
 * Retrying transient failures: exponential backoff with full jitter.
 *
 * Full jitter (a delay drawn uniformly from [0, min(max, base·2^(n-1)))) spreads the retries of many
 * clients that failed together (a restarted API server) instead of having them return in lockstep.
 * Time and randomness are injected, so tests see exact delays.
 *
 * Which errors are transient is the caller's classifier; the default reads the `transient` flag the
 * wire clients set (connection refused or reset, HTTP 5xx, the backend's INTERNAL and LOCKED codes)
 * and refuses everything else (authentication, authorisation, bad parameters), because repeating those
 * cannot succeed and only delays the report.
 */
import { HyperplanError } from "../errors.js";
import type { Clock } from "./clock.js";

export interface RetryOptions {
  clock: Clock;
  /** Which errors are worth another attempt. Default: `isTransientError`. */
  isTransient?: (error: unknown) => boolean;
  /** Attempts in all, the first one included. Default 5, or no limit when `maxElapsedMs` is given. */
  maxAttempts?: number;
  /**
   * How long, from the first attempt, transient failures are retried: a retry that would start later
   * is not made and the last error is thrown. A cloud restarting (oned takes tens of seconds) is
   * ridden out this way.
   */
  maxElapsedMs?: number;
  /** The backoff cap of the first retry, in ms. Default 200. */
  baseMs?: number;
  /** The largest backoff cap, in ms. Default 10 000. */
  maxMs?: number;
  /** A number in [0, 1); default Math.random. */
  random?: () => number;
  /** Told before each wait, so a view can say what is being retried. */
  onRetry?: (info: RetryInfo) => void;
  /** Stops waiting and rethrows the last error when aborted. */
  signal?: AbortSignal;
}

export interface RetryInfo {
  /** The attempt that just failed (1 = the first). */
  attempt: number;
  delayMs: number;
  error: unknown;
  /** With `maxElapsedMs`: how long retries go on before the call is given up. */
  giveUpInMs?: number;
}

export const RETRY_DEFAULTS = { maxAttempts: 5, baseMs: 200, maxMs: 10_000 } as const;

export class RetryOptionsError extends HyperplanError {
  constructor(summary: string) {
    super("RETRY_OPTIONS", summary);
  }
}

/**
 * True when the error, or the first error down its `cause` chain that says either way, carries
 * `transient: true`. A wrapper that sets `transient: false` overrides what it wraps.
 */
export function isTransientError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 16 && typeof current === "object" && current !== null; depth++) {
    const flag = (current as { transient?: unknown }).transient;
    if (typeof flag === "boolean") return flag;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * True when the error says the cloud did not answer at all (connection refused or reset, a timeout, an
 * HTTP 5xx): the wire clients set `unreachable: true`. Such a failure is waited out for the retry
 * timeout, as a cloud restarting takes tens of seconds; a failure the cloud answered (INTERNAL, LOCKED)
 * is retried a few times only, since it may well be the answer for good.
 */
export function isUnreachableError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 16 && typeof current === "object" && current !== null; depth++) {
    if ((current as { unreachable?: unknown }).unreachable === true) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The cap of the backoff before retry number `retry` (1-based): base·2^(retry-1), at most `maxMs`. */
export function backoffCap(retry: number, baseMs: number, maxMs: number): number {
  // 2^(retry-1) overflows to Infinity long after it passed any sane cap; Math.min keeps it finite.
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
}

/** Full jitter: a delay in [0, cap), whole milliseconds. */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const r = random();
  if (!(r >= 0 && r < 1)) throw new RetryOptionsError(`random() returned ${r}; it must be in [0, 1)`);
  return Math.floor(r * backoffCap(retry, baseMs, maxMs));
}

function checkOptions(maxAttempts: number, baseMs: number, maxMs: number): void {
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RetryOptionsError(`maxAttempts must be a whole number ≥ 1, not ${maxAttempts}`);
  if (!(baseMs >= 0) || !Number.isFinite(baseMs)) throw new RetryOptionsError(`baseMs must be a finite number ≥ 0, not ${baseMs}`);
  if (!(maxMs >= baseMs) || !Number.isFinite(maxMs)) throw new RetryOptionsError(`maxMs must be finite and ≥ baseMs (${baseMs}), not ${maxMs}`);
}

/**
 * Calls `fn` until it succeeds, a non-transient error comes, or `maxAttempts` attempts failed; then
 * rethrows the last error unchanged, so the caller still sees the backend's own code and message.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const limitless = options.maxElapsedMs !== undefined && options.maxAttempts === undefined;
  const maxAttempts = limitless ? Number.POSITIVE_INFINITY : (options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts);
  const baseMs = options.baseMs ?? RETRY_DEFAULTS.baseMs;
  const maxMs = options.maxMs ?? RETRY_DEFAULTS.maxMs;
  checkOptions(limitless ? 1 : maxAttempts, baseMs, maxMs);
  if (options.maxElapsedMs !== undefined && !(options.maxElapsedMs >= 0)) throw new RetryOptionsError(`maxElapsedMs must be a number ≥ 0, not ${options.maxElapsedMs}`);
  const isTransient = options.isTransient ?? isTransientError;
  const random = options.random ?? Math.random;
  const startedAt = options.clock.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= maxAttempts || !isTransient(error) || options.signal?.aborted) throw error;
      const delayMs = backoffDelay(attempt, baseMs, maxMs, random);
      let giveUpInMs: number | undefined;
      if (options.maxElapsedMs !== undefined) {
        giveUpInMs = startedAt + options.maxElapsedMs - options.clock.now();
        if (delayMs > giveUpInMs) throw error;
      }
      options.onRetry?.({ attempt, delayMs, error, ...(giveUpInMs === undefined ? {} : { giveUpInMs }) });
      await sleepUnlessAborted(options.clock, delayMs, options.signal);
      if (options.signal?.aborted) throw error;
    }
  }
}

/** Sleeps on `clock`, returning early when `signal` aborts. */
export function sleepUnlessAborted(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return clock.sleep(ms);
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => resolve();
    signal.addEventListener("abort", onAbort, { once: true });
    clock.sleep(ms).then(
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** How long a provider retries calls that fail on a lost or busy cloud, unless told otherwise. */
export const DEFAULT_RETRY_TIMEOUT_MS = 3 * 60_000;

/** A call being retried, as progress views show it. */
export interface CallRetry {
  /** The backend's name of the call (`one.vmpool.infoextended`). */
  call: string;
  /** The change the call belongs to; none for the reads of a plan. */
  address?: string;
  /** The attempt that failed (1 = the first). */
  attempt: number;
  /** The error, in words. */
  message: string;
  retryInMs: number;
  /** How long the call is retried before it is given up. */
  giveUpInMs: number;
}

export interface RetrierOptions {
  clock: Clock;
  random?: () => number;
  /** How long transient failures of one call are retried (default DEFAULT_RETRY_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Told before each wait. */
  onRetry?: (retry: CallRetry) => void;
}

/**
 * The retry policy of a provider's calls in one place: transient failures (see `isTransientError`)
 * are retried with backoff, each retry reported: for up to `timeoutMs` while the cloud does not answer
 * (`isUnreachableError`), and up to five attempts in all when it answers with a transient error. Whether a call may be sent
 * again at all is the caller's business: only calls whose repetition is harmless, or whose effect was
 * checked first, go through here.
 */
export class Retrier {
  readonly timeoutMs: number;

  constructor(private readonly options: RetrierOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_RETRY_TIMEOUT_MS;
    if (!(this.timeoutMs >= 0) || !Number.isFinite(this.timeoutMs)) throw new RetryOptionsError(`the retry timeout must be a finite number ≥ 0, not ${this.timeoutMs}`);
  }

  get clock(): Clock {
    return this.options.clock;
  }

  run<T>(call: string, fn: (attempt: number) => Promise<T>, options: { address?: string; isTransient?: (error: unknown) => boolean } = {}): Promise<T> {
    const transient = options.isTransient ?? isTransientError;
    // An unreachable cloud is waited for up to the timeout; an answered error (INTERNAL, LOCKED) a few times.
    let answered = 0;
    return withRetry(fn, {
      clock: this.options.clock,
      maxElapsedMs: this.timeoutMs,
      ...(this.options.random ? { random: this.options.random } : {}),
      isTransient: (error) => transient(error) && (isUnreachableError(error) || ++answered < RETRY_DEFAULTS.maxAttempts),
      onRetry: ({ attempt, delayMs, error, giveUpInMs }) =>
        this.options.onRetry?.({
          call,
          ...(options.address === undefined ? {} : { address: options.address }),
          attempt,
          message: error instanceof Error ? error.message : String(error),
          retryInMs: delayMs,
          giveUpInMs: giveUpInMs ?? 0,
        }),
    });
  }
}
