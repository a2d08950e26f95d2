/**
 * The stack lock: one apply of a stack at a time, held in the cloud itself.
 *
 * hyperplan keeps no state file, so it has no state file to lock either; two applies of one stack
 * started together (two CI jobs, one saved plan applied twice) would otherwise both see the same
 * missing objects and both make them. Each backend keeps a lock object of its own in the cloud (on
 * OpenNebula a document locked with test-and-set) behind `StackLocks`; this module is what every
 * backend shares: who a run is, waiting a bounded time, and the words a person reads when the lock is
 * taken — who holds it, since when, and whether that run is still alive.
 *
 * `apply` takes the lock before it reads the live objects and releases it at the end, also when it is
 * interrupted. `plan` takes none: it changes nothing. A lock left by a run that was killed stays until
 * `hyperplan unlock STACK` removes it; on the machine the run was on, hyperplan tells that its process
 * is gone.
 */
import { randomUUID } from "node:crypto";
import { hostname, userInfo } from "node:os";
import { HyperplanError } from "../errors.js";
import type { Clock } from "../core/clock.js";
import { formatDuration, formatEventTime } from "./events.js";
import { sleepUnlessAborted } from "../core/retry.js";

/** Who holds a stack's lock: written into the lock when it is taken. */
export interface LockHolder {
  /** `user@host`. */
  who: string;
  host: string;
  pid: number;
  /** What the run is (`hyperplan apply`). */
  command: string;
  /** A CI job's address, when the run is one (GitHub Actions, GitLab CI, Jenkins). */
  job?: string;
  /** This run's own token: a release touches the lock only when it still carries it. */
  run: string;
}

export type LockAttempt =
  | { acquired: true }
  /** Someone holds it: since when (ms since the epoch, the cloud's clock) and who, when the lock says. */
  | { acquired: false; since: number; holder?: LockHolder };

export type LockState = { held: false } | { held: true; since: number; holder?: LockHolder };

/** What a backend offers for its stacks' locks. */
export interface StackLocks {
  /** Takes the lock with one test-and-set, or says who holds it. Never waits. */
  tryAcquire(stack: string, holder: LockHolder): Promise<LockAttempt>;
  /** Releases the lock if `holder` (its `run`) still holds it; leaves anyone else's alone. */
  release(stack: string, holder: LockHolder): Promise<void>;
  inspect(stack: string): Promise<LockState>;
  /** Removes the lock whoever holds it (`hyperplan unlock`). */
  forceRelease(stack: string): Promise<void>;
}

export class StackLockedError extends HyperplanError {
  constructor(stack: string, summary: string) {
    super("STACK_LOCKED", summary, { address: stack });
  }
}

/** This process as a lock holder. */
export function currentHolder(env: Record<string, string | undefined>, command: string): LockHolder {
  const host = hostname();
  let user = env.USER ?? env.USERNAME;
  if (user === undefined) {
    try {
      user = userInfo().username;
    } catch {
      user = "unknown";
    }
  }
  const job =
    env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY
      ? `${env.GITHUB_SERVER_URL ?? "https://github.com"}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : (env.CI_JOB_URL ?? env.BUILD_URL);
  return { who: `${user}@${host}`, host, pid: process.pid, command, ...(job ? { job } : {}), run: randomUUID() };
}

/** True when process `pid` runs on this machine (signal 0 checks without touching it). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** `held by alice@ci-3 (pid 4242, hyperplan apply) since 2026-12-05T10:00:00Z, 4m10s ago`, and whether that run is gone. */
export function describeLock(state: Extract<LockState, { held: true }>, now: number, alive: (pid: number) => boolean = processAlive): string {
  const since = `since ${formatEventTime(state.since)}, ${formatDuration(Math.max(0, now - state.since))} ago`;
  const h = state.holder;
  if (!h) return `held by a run that has not said who it is (it may be taking the lock right now) ${since}`;
  const job = h.job ? `, ${h.job}` : "";
  const gone = h.host === hostname() && !alive(h.pid) ? `; that process no longer runs on this machine, so the run was stopped or killed and left the lock behind` : "";
  return `held by ${h.who} (pid ${h.pid}, ${h.command}${job}) ${since}${gone}`;
}

export interface AcquireOptions {
  clock: Clock;
  /** How long to wait for a held lock; 0 fails at once. */
  timeoutMs: number;
  /** How often to try again while waiting. Default 2 s. */
  retryEveryMs?: number;
  /** Told once when the run starts waiting. */
  onWait?: (description: string) => void;
  signal?: AbortSignal;
}

/** A lock this run holds. */
export interface HeldLock {
  release(): Promise<void>;
}

/**
 * Takes the stack's lock, waiting up to `timeoutMs` for a holder to finish. Fails naming the holder,
 * since when, and how to remove a lock its run left behind.
 */
export async function acquireStackLock(locks: StackLocks, stack: string, holder: LockHolder, options: AcquireOptions): Promise<HeldLock> {
  const deadline = options.clock.now() + options.timeoutMs;
  let told = false;
  for (;;) {
    const attempt = await locks.tryAcquire(stack, holder);
    if (attempt.acquired) return { release: () => locks.release(stack, holder) };
    const description = describeLock({ held: true, since: attempt.since, ...(attempt.holder ? { holder: attempt.holder } : {}) }, options.clock.now());
    const now = options.clock.now();
    if (now >= deadline || options.signal?.aborted) {
      const waited = options.timeoutMs > 0 ? ` (waited ${formatDuration(options.timeoutMs)})` : "";
      throw new StackLockedError(
        stack,
        `another apply of stack "${stack}" is running: its lock is ${description}${waited}. Nothing was read or changed. Wait for it (--lock-timeout), or, if no apply of this stack is running any more, remove the lock with \`hyperplan unlock ${stack}\``,
      );
    }
    if (!told) {
      options.onWait?.(`stack "${stack}" is locked, ${description}; waiting up to ${formatDuration(options.timeoutMs)}`);
      told = true;
    }
    await sleepUnlessAborted(options.clock, Math.min(options.retryEveryMs ?? 2_000, Math.max(1, deadline - now)), options.signal);
  }
}
