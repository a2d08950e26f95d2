/**
 * The interface every backend implements. Wire formats, state numbers and method names stay behind it
 * (src/providers/<backend>/); the planner, the executor and the CLI know only these types.
 *
 * Apply is split in two so that many operations can be followed with few calls:
 * - `start(change)` issues the first call of a change and returns at once with an Operation;
 * - `poll(operations)` looks at every in-flight operation with one batched read per kind, advances
 *   each one that reached the state its current step waits for (issuing its next call: a resize after
 *   the poweroff finished, the resume after the resize …) and reports where each one stands.
 * An Operation is finished only when the object reached the declared state (VM RUNNING or POWEROFF,
 * image READY, a deleted object gone or DONE) or failed with the backend's own message.
 */
import type { DesiredState } from "../resources/desired-state";
import type { Plan, ResourceChange } from "../planner/plan";
import type { LiveState } from "../diff/live-state";
import type { DiffRules } from "../diff/rules";
import type { StackLocks } from "../planner/stack-lock";

/** Milliseconds since the epoch; injected so tests run on a fake clock. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** An in-flight change. Plain data: the provider keeps its step machine in `steps`/`step`. */
export interface Operation {
  address: string;
  kind: string;
  action: ResourceChange["action"];
  /** The backend id once known (after the allocate returned, or found by its tag). */
  id?: string;
  /** Human names of the steps (`allocate`, `wait RUNNING`, `poweroff`, `resize memory` …). */
  steps: string[];
  /** Index of the step in progress. */
  step: number;
  startedAt: number;
  /** Provider-private data the steps need (the change, ids, retry counts). JSON-serialisable. */
  data: Record<string, unknown>;
  /**
   * Set by `start` when the change already finished there (every call was synchronous: a security
   * group or a template made or updated), so that nobody waits a poll for it.
   */
  finished?: Extract<OperationStatus, { phase: "done" }>;
}

export type OperationStatus =
  | { address: string; phase: "running"; state: string; detail?: string }
  | { address: string; phase: "done"; state: string; id?: string; outputs?: Record<string, string | number> }
  | { address: string; phase: "failed"; state: string; error: Error };

/** Which stack and address an object says it belongs to, as the backend stores it on the object. */
export interface OwnershipTag {
  stack: string;
  address: string;
  kind: string;
}

/** What a backend finds on an existing object, read right before apply changes or deletes it. */
export type OwnershipReading =
  | { state: "tagged"; tag: OwnershipTag }
  /** The object exists and carries no complete hyperplan tag. */
  | { state: "untagged" }
  /** No such object (or, for a VM, one that reached its final state). */
  | { state: "gone" };

/** The read side of a backend: enough to plan. */
export interface LiveReader {
  /** `opennebula`, `xenapi` … */
  readonly name: string;
  /** Where the live state is read from, as printed on the first line of a plan. */
  readonly endpoint: string;
  /** Every object the stack owns, with one paged pool read per kind. */
  read(stack: string, desired?: DesiredState): Promise<LiveState>;
  /** The backend's table of how each attribute of each kind can be changed. */
  readonly rules: DiffRules;
  close(): Promise<void>;
}

/** A backend that can also carry a plan out. */
export interface Provider extends LiveReader {
  /**
   * How often this backend's objects are worth looking at while they move (the tracker's interval:
   * the first and shortest, the longest, the growth while nothing moves). Unset: the tracker's defaults.
   */
  readonly pollInterval?: { initialMs?: number; maxMs?: number; factor?: number };
  /** The stacks' locks, kept in the cloud: `apply` holds its stack's while it reads and changes it. */
  readonly locks: StackLocks;
  /** Told the whole plan before the first start: ids and values of the objects it keeps. */
  begin?(plan: Plan): void | Promise<void>;
  /**
   * Reads the ownership tags the object `id` of `kind` carries now. The executor calls it before every
   * change that alters or deletes an existing object and starts the change only when the tag names the
   * change's stack, address and kind (src/planner/ownership-check.ts): a plan, however it was made,
   * never touches an object the stack does not own.
   */
  readOwnership(kind: string, id: string): Promise<OwnershipReading>;
  /** Issues the first call of `change`; returns at once. */
  start(change: ResourceChange, desired: DesiredState | undefined): Promise<Operation>;
  /** One batched look at the operations in flight; advances those whose step finished. */
  poll(operations: Operation[]): Promise<OperationStatus[]>;
}
