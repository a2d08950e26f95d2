/**
 * A scripted in-memory provider and a fake clock, for testing the executor, the tracker and the
 * progress views without a cloud and without real time.
 *
 * Each operation follows a script: it takes `ticks` polls to finish, reporting `states` along the way,
 * then is done (with `outputs`) or fails with a message; or it stays stuck in its last state forever
 * (for timeouts). Polls can be made to throw (transient or not). The provider counts its calls and
 * records when each change started and finished, on the fake clock.
 */
import type { Clock, Operation, OperationStatus, OwnershipReading, OwnershipTag, Provider } from "../../src/providers/provider";
import type { Plan, ResourceChange } from "../../src/core/plan";
import { taggedAddress } from "../../src/planner/ownership-check";
import { PLAN_FORMAT_VERSION, summarize } from "../../src/core/plan";
import type { DesiredState } from "../../src/resources/desired-state";

// ---------------------------------------------------------------------------------------------
// Fake clock

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * A clock whose time moves only when told. `run(promise)` drives a whole async scenario: it lets every
 * pending job run, then jumps to the next timer, until the promise settles.
 */
export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: Timer[] = [];
  /** Every sleep asked for, in ms, in order. */
  readonly sleeps: number[] = [];

  constructor(start = Date.UTC(2026, 10, 24, 10, 0, 0)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve) => {
      this.timers.push({ at: this.time + Math.max(0, ms), seq: this.seq++, resolve });
    });
  }

  /** Moves time forward by `ms`, waking every sleeper due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      await settle();
      const next = this.nextTimer();
      if (!next || next.at > until) break;
      this.fire(next);
    }
    this.time = until;
    await settle();
  }

  /** Runs until `promise` settles, jumping from timer to timer. Fails when nothing is left to wake it. */
  async run<T>(promise: Promise<T>, maxTimers = 1_000_000): Promise<T> {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let fired = 0; ; fired++) {
      await settle();
      if (settled) return promise;
      const next = this.nextTimer();
      if (!next) throw new Error("deadlock: the scenario waits for something that no timer will bring");
      if (fired >= maxTimers) throw new Error(`the scenario did not settle within ${maxTimers} timers`);
      this.fire(next);
    }
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  private nextTimer(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    return best;
  }

  private fire(timer: Timer): void {
    this.timers.splice(this.timers.indexOf(timer), 1);
    if (timer.at > this.time) this.time = timer.at;
    timer.resolve();
  }
}

/** Lets every queued job and promise continuation run (one trip through the event loop's check phase). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// ---------------------------------------------------------------------------------------------
// Scripts

export interface FakeScript {
  /** Polls until the operation finishes. Default 1. */
  ticks?: number;
  /** The state reported on successive polls while running (the last repeats). Default `RUNNING`. */
  states?: string[];
  /** The detail reported with every running state (e.g. the scheduler's message). */
  detail?: string;
  /** Step names; the current step advances evenly over the ticks. Default `["apply"]`. */
  steps?: string[];
  /** Fail after `ticks` polls with this message, in this state. */
  fail?: { message: string; code?: string; state?: string };
  /** Never finish: keep reporting the last state. */
  stuck?: boolean;
  /** Outputs reported when done. */
  outputs?: Record<string, string | number>;
  /** The id reported when done. */
  id?: string;
  /** `start` throws this instead of starting. */
  startError?: Error;
  /** `start` takes this long on the clock before returning. */
  startDelayMs?: number;
  /** The change finishes within `start` (a synchronous call): the operation comes back finished. */
  finishedAtStart?: boolean;
}

export class FakeBackendError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** An error the retry policy treats as transient, as the wire clients flag it. */
export function transientError(message = "connect ECONNREFUSED 127.0.0.1:2633"): Error {
  return Object.assign(new Error(message), { transient: true });
}

/** An error the retry policy never retries. */
export function permanentError(message = "[one.vmpool.infoset] User couldn't be authenticated, aborting call."): Error {
  return Object.assign(new Error(message), { transient: false, code: "AUTHENTICATION" });
}

export interface ChangeTiming {
  address: string;
  startedAt: number;
  finishedAt?: number;
}

export class FakeProvider implements Pick<Provider, "name" | "endpoint" | "begin" | "readOwnership" | "start" | "poll" | "close"> {
  readonly name = "fake";
  readonly endpoint = "memory://fake";
  /** Every poll call: when, and which addresses it carried. */
  readonly polls: { at: number; addresses: string[] }[] = [];
  readonly starts: string[] = [];
  readonly timings = new Map<string, ChangeTiming>();
  /** The desired state each start received. */
  readonly desiredSeen: (DesiredState | undefined)[] = [];
  /** What the fake cloud's objects carry, by id, where a test says otherwise than the plan's own tags. */
  readonly ownership = new Map<string, OwnershipReading>();
  /** Every ownership read, as `kind#id`. */
  readonly ownershipReads: string[] = [];
  /** The tag each object of the plan carries unless `ownership` says otherwise. */
  private readonly tags = new Map<string, OwnershipReading>();
  private readonly pollErrors: (Error | undefined)[] = [];
  private readonly inFlight = new Set<string>();
  private peak = 0;
  closed = false;

  constructor(
    private readonly clock: FakeClock,
    private readonly scripts: Record<string, FakeScript> | ((change: ResourceChange) => FakeScript) = {},
  ) {}

  /** Makes the next `errors.length` polls throw these errors, in order; an `undefined` lets that poll succeed. */
  failNextPolls(...errors: (Error | undefined)[]): void {
    this.pollErrors.push(...errors);
  }

  get pollCalls(): number {
    return this.polls.length;
  }

  /** The most changes in flight at once (started, not yet reported finished). */
  get maxInFlight(): number {
    return this.peak;
  }

  private scriptFor(change: ResourceChange): FakeScript {
    return typeof this.scripts === "function" ? this.scripts(change) : (this.scripts[change.address] ?? {});
  }

  begin(plan: Plan): void {
    for (const c of plan.changes) {
      if (c.id !== undefined) this.tags.set(c.id, { state: "tagged", tag: { stack: plan.stack, address: taggedAddress(c), kind: c.kind } });
    }
  }

  /** Every tag written by `retag`, as `kind#id from → to` (an import's from is empty). */
  readonly retags: string[] = [];

  async retag(kind: string, id: string, from: OwnershipTag, to: OwnershipTag): Promise<void> {
    this.retags.push(`${kind}#${id} ${from.address || "(none)"} → ${to.address}`);
    this.tags.set(id, { state: "tagged", tag: to });
  }

  async readOwnership(kind: string, id: string): Promise<OwnershipReading> {
    this.ownershipReads.push(`${kind}#${id}`);
    return this.ownership.get(id) ?? this.tags.get(id) ?? { state: "gone" };
  }

  async start(change: ResourceChange, desired: DesiredState | undefined): Promise<Operation> {
    this.desiredSeen.push(desired);
    const script = this.scriptFor(change);
    if (script.startDelayMs) await this.clock.sleep(script.startDelayMs);
    if (script.startError) throw script.startError;
    this.starts.push(change.phase ? `${change.address}#${change.phase}` : change.address);
    this.timings.set(change.address, { address: change.address, startedAt: this.clock.now() });
    this.inFlight.add(change.address);
    this.peak = Math.max(this.peak, this.inFlight.size);
    return {
      address: change.address,
      kind: change.kind,
      action: change.action,
      ...(change.id === undefined ? {} : { id: change.id }),
      steps: script.steps ?? ["apply"],
      step: 0,
      startedAt: this.clock.now(),
      data: { polls: 0, script },
      ...(script.finishedAtStart
        ? { finished: { address: change.address, phase: "done" as const, state: "DONE", ...(script.id ? { id: script.id } : {}), ...(script.outputs ? { outputs: script.outputs } : {}) } }
        : {}),
    };
  }

  async poll(operations: Operation[]): Promise<OperationStatus[]> {
    this.polls.push({ at: this.clock.now(), addresses: operations.map((o) => o.address) });
    const error = this.pollErrors.shift();
    if (error) throw error;
    return operations.map((op) => this.advance(op));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private advance(op: Operation): OperationStatus {
    const script = op.data.script as FakeScript;
    const polls = (op.data.polls as number) + 1;
    op.data.polls = polls;
    const ticks = script.ticks ?? 1;
    const states = script.states ?? ["RUNNING"];
    const state = states[Math.min(polls - 1, states.length - 1)]!;
    if (script.stuck || polls < ticks) {
      op.step = Math.min(op.steps.length - 1, Math.floor(((polls - 1) * op.steps.length) / ticks));
      return { address: op.address, phase: "running", state, ...(script.detail ? { detail: script.detail } : {}) };
    }
    this.inFlight.delete(op.address);
    const timing = this.timings.get(op.address);
    if (timing) timing.finishedAt = this.clock.now();
    op.step = op.steps.length - 1;
    if (script.fail) {
      return {
        address: op.address,
        phase: "failed",
        state: script.fail.state ?? "FAILURE",
        error: new FakeBackendError(script.fail.message, script.fail.code ?? "FAKE_FAILURE"),
      };
    }
    return { address: op.address, phase: "done", state: "DONE", ...(script.id ? { id: script.id } : {}), ...(script.outputs ? { outputs: script.outputs } : {}) };
  }
}

// ---------------------------------------------------------------------------------------------
// Plans

export interface FakeChange {
  address: string;
  action?: ResourceChange["action"];
  kind?: string;
  dependsOn?: string[];
  id?: string;
  before?: Record<string, unknown>;
  /** An import: the object's id, adopted with the tag line as its only diff. */
  importId?: string;
}

/** A plan of the given changes, in the given order (shapes are not checked: the executor does not read them). */
export function fakePlan(changes: FakeChange[], stack = "lab"): Plan {
  const built: ResourceChange[] = changes.map((c) => {
    const action = c.action ?? "create";
    return {
      address: c.address,
      kind: c.kind ?? "VirtualMachine",
      action,
      ...(action === "create" ? {} : { before: c.before ?? {} }),
      ...(action === "delete" ? {} : { after: {} }),
      ...(c.id === undefined ? {} : { id: c.id }),
      ...(c.importId === undefined ? {} : { importId: c.importId }),
      diff: c.importId === undefined ? [] : [{ path: "address", after: c.address, impact: "in-place" as const, operation: "import" }],
      dependsOn: c.dependsOn ?? [],
      reason: "test",
    };
  });
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    stack,
    backend: "fake",
    endpoint: "memory://fake",
    liveFingerprint: "0",
    mode: "plan",
    changes: built,
    summary: summarize(built),
  };
}
