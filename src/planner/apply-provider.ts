/**
 * What the apply executor needs of a backend: the apply side of the provider interface
 * (`src/providers/provider.ts` adds the read side and the stack locks).
 *
 * Apply is split in two so that many operations can be followed with few calls:
 * - `start(change)` issues the first call of a change and returns at once with an Operation;
 * - `poll(operations)` looks at every in-flight operation with one batched read per kind, advances
 *   each one that reached the state its current step waits for (issuing its next call: a resize after
 *   the poweroff finished, the resume after the resize …) and reports where each one stands.
 * An Operation is finished only when the object reached the declared state (VM RUNNING or POWEROFF,
 * image READY, a deleted object gone or DONE) or failed with the backend's own message.
 */
import type { Operation, OperationStatus, OwnershipReading, OwnershipTag } from "../core/operation.js";
import type { Plan, ResourceChange } from "../core/plan.js";
import type { DesiredState } from "../resources/desired-state.js";

export interface ApplyProvider {
  /**
   * How often this backend's objects are worth looking at while they move (the tracker's interval:
   * the first and shortest, the longest, the growth while nothing moves). Unset: the tracker's defaults.
   */
  readonly pollInterval?: { initialMs?: number; maxMs?: number; factor?: number };
  /**
   * Changes in flight at once when the user sets none (`--parallelism`): what this backend's cloud was
   * measured to take (BENCHMARKS.md, apply-dag). Unset: DEFAULT_PARALLELISM.
   */
  readonly defaultParallelism?: number;
  /** Told the whole plan before the first start: ids and values of the objects it keeps. */
  begin?(plan: Plan): void | Promise<void>;
  /**
   * Reads the ownership tags the object `id` of `kind` carries now. The executor calls it before every
   * change that alters or deletes an existing object and starts the change only when the tag names the
   * change's stack, address and kind (ownership-check.ts): a plan, however it was made, never touches
   * an object the stack does not own.
   */
  readOwnership(kind: string, id: string): Promise<OwnershipReading>;
  /**
   * Rewrites the ownership tag of the object `id` from `from` to `to` in place (a construct renamed or
   * moved: `moved`), or writes `to` on an object that carries none (an `importId`: `from.address` is
   * then empty), with the backend's own call. Absent where the backend cannot (its rules say why).
   */
  retag?(kind: string, id: string, from: OwnershipTag, to: OwnershipTag): Promise<void>;
  /** Issues the first call of `change`; returns at once. */
  start(change: ResourceChange, desired: DesiredState | undefined): Promise<Operation>;
  /** One batched look at the operations in flight; advances those whose step finished. */
  poll(operations: Operation[]): Promise<OperationStatus[]>;
}
