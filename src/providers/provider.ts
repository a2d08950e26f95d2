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
import type { DesiredState } from "../resources/desired-state.js";
import type { LiveState } from "../diff/live-state.js";
import type { DiffRules } from "../diff/rules.js";
import type { ApplyProvider } from "../planner/apply-provider.js";
import type { StackLocks } from "../planner/stack-lock.js";

export type { Clock } from "../core/clock.js";
export { systemClock } from "../core/clock.js";
export type { Operation, OperationStatus, OwnershipReading, OwnershipTag } from "../core/operation.js";

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

/** A backend that can also carry a plan out (`ApplyProvider`, the executor's side of it) and hold its stacks' locks. */
export interface Provider extends LiveReader, ApplyProvider {
  /** The stacks' locks, kept in the cloud: `apply` holds its stack's while it reads and changes it. */
  readonly locks: StackLocks;
}
