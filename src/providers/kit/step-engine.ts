/**
 * The step engine every backend's apply stands on: a change is a list of steps — API calls, and waits
 * for a state — written into the Operation as plain data, so a person (and a golden test) can read
 * exactly what a change does before it runs.
 *
 * - `run` makes the calls from the current step up to the first wait (or the end);
 * - `poll` asks the backend's driver for one batched look at everything the operations in flight wait
 *   on, and moves each operation whose object arrived on to its next calls;
 * - an asynchronous call that answers with a handle (a XenAPI task ref, a Gandi operation id) is a
 *   `handle` step: the handle is kept in the operation and the next wait (`on: "handle"`) follows it;
 * - a wait may arm `restore` steps (the VM of a power cycle is off: a failure from here on resumes it
 *   first), which the call marked `endsCycle` disarms; a failure while they are armed runs them, then
 *   reports the failure and that the object was brought back.
 *
 * What a call, an allocate, a handle or an arrival means is the backend's driver's: the engine knows
 * no wire format.
 */
import { HyperplanError } from "../../errors.js";
import type { Operation, OperationStatus } from "../../core/operation.js";
import type { ResourceChange } from "../../core/plan.js";

/** One step. `C` is the backend's description of a call (method and parameters); `W` names the states it waits for. */
export type KitStep<C extends object, W extends string> =
  /** One call. `ignoreMissing`: the object being gone already is the wanted state (a delete). `endsCycle`: it brings a power-cycled object back. */
  | ({ type: "call"; label: string; ignoreMissing?: boolean; endsCycle?: true } & C)
  /** A call whose answer is the new object's id. */
  | ({ type: "allocate"; label: string } & C)
  /** An asynchronous call whose answer is a handle to follow (a task, an operation). */
  | ({ type: "handle"; label: string } & C)
  /**
   * Wait until the object (`id`, `old`) or the handle reaches a state. `hotplug`: the wait follows a call
   * whose failure only shows on the object (a new error message). `restore`: once reached, a failure
   * before the step that ends the cycle runs these steps first.
   */
  | { type: "wait"; label: string; until: W; on: "id" | "old" | "handle"; hotplug?: true; restore?: KitStep<C, W>[] };

export type CallStep<C extends object, W extends string> = Extract<KitStep<C, W>, { type: "call" }>;
export type AllocateStep<C extends object, W extends string> = Extract<KitStep<C, W>, { type: "allocate" }>;
export type HandleStep<C extends object, W extends string> = Extract<KitStep<C, W>, { type: "handle" }>;
export type WaitStep<C extends object, W extends string> = Extract<KitStep<C, W>, { type: "wait" }>;

/** What the engine keeps in `Operation.data` (the driver may keep more beside it). */
export interface EngineData<C extends object, W extends string> extends Record<string, unknown> {
  plan: KitStep<C, W>[];
  /** The handle a `handle` step got, followed by the next wait. */
  handle?: string;
  /** The state at the last poll, shown while the next calls are made. */
  lastState?: string;
  /** Armed restore steps (see the file comment). */
  restore?: KitStep<C, W>[];
  /** Set while restore steps run after a failure: what failed. */
  restoring?: { state: string; message: string };
}

/** Where an operation's wait stands after a look. */
export type Arrival = { phase: "arrived" } | { phase: "running"; state: string; detail?: string } | { phase: "failed"; state: string; error: Error };

/** What a backend gives the engine. */
export interface StepDriver<C extends object, W extends string, Looked> {
  /** Makes one call; throws the backend's error (an `ignoreMissing` call finding nothing is the driver's to accept). */
  call(op: Operation, step: CallStep<C, W>): Promise<void>;
  /** Makes an allocate; resolves with the new object's id. */
  allocate(op: Operation, step: AllocateStep<C, W>): Promise<string>;
  /** Makes an asynchronous call; resolves with the handle to follow. */
  handle?(op: Operation, step: HandleStep<C, W>): Promise<string>;
  /** One batched look at everything these operations wait on (one call per kind). */
  look(waiting: { op: Operation; step: WaitStep<C, W> }[]): Promise<Looked>;
  /** Where `op`'s wait stands in what was looked at. */
  arrival(op: Operation, step: WaitStep<C, W>, looked: Looked): Arrival;
  /** The status of an operation whose steps are all done (its id and outputs). */
  done(op: Operation): OperationStatus;
  /** An error for the change, naming its address. */
  failure(address: string, summary: string, detail?: string, cause?: unknown): Error;
  /** The error in words: the backend's own message where there is one. */
  describe(error: unknown): string;
  /** How a restore after a failure is told: `the VM was powered on again, as it was before the change`. */
  restored: string;
}

/**
 * The Operation of a change, its steps written in as data: the live object's id where the change acts
 * on one that stays (an update, a delete), and in `data` the steps, the change's before and after, the
 * id of the object a delete or a replacement removes (`old`), and whatever the backend adds.
 */
export function operationFor<C extends object, W extends string>(change: ResourceChange, steps: KitStep<C, W>[], startedAt: number, data: Record<string, unknown> = {}): Operation {
  const old = change.action === "delete" || change.action === "replace" ? change.id : undefined;
  return {
    address: change.address,
    kind: change.kind,
    action: change.action,
    ...(change.id !== undefined && (change.action === "update" || change.action === "noop" || change.action === "delete") ? { id: change.id } : {}),
    steps: steps.map((s) => s.label),
    step: 0,
    startedAt,
    data: { plan: steps, after: change.after ?? null, before: change.before ?? null, ...(old !== undefined ? { old } : {}), ...data },
  };
}

export class StepEngine<C extends object, W extends string, Looked> {
  constructor(private readonly driver: StepDriver<C, W, Looked>) {}

  /** Makes an operation's first calls; one with nothing to wait for comes back finished. */
  async start(op: Operation): Promise<Operation> {
    const status = await this.run(op);
    return status.phase === "done" ? { ...op, finished: status } : op;
  }

  /** Runs the operation's calls from its current step up to the next wait (or the end). */
  async run(op: Operation): Promise<OperationStatus> {
    const data = dataOf<C, W>(op);
    for (;;) {
      const step = data.plan[op.step];
      if (!step) return this.done(op);
      switch (step.type) {
        case "wait":
          return { address: op.address, phase: "running", state: data.lastState ?? "REQUESTED" };
        case "allocate":
          op.id = await this.driver.allocate(op, step);
          break;
        case "handle":
          if (!this.driver.handle) throw this.driver.failure(op.address, `${step.label}: this backend makes no asynchronous calls`);
          data.handle = await this.driver.handle(op, step);
          break;
        case "call":
          await this.driver.call(op, step);
          if (step.endsCycle) delete data.restore;
          break;
      }
      op.step++;
    }
  }

  /** One batched look at the operations in flight; each one that arrived makes its next calls. */
  async poll(operations: Operation[]): Promise<OperationStatus[]> {
    const waiting = operations.flatMap((op) => {
      const step = currentStep<C, W>(op);
      return step?.type === "wait" ? [{ op, step }] : [];
    });
    const looked = await this.driver.look(waiting);
    // Operations that arrived make their next calls side by side; each one's own calls stay in order.
    return Promise.all(
      operations.map(async (op): Promise<OperationStatus> => {
        let status: OperationStatus;
        try {
          status = await this.advance(op, looked);
        } catch (error) {
          status = { address: op.address, phase: "failed", state: op.steps[op.step] ?? "failed", error: asError(error) };
        }
        return status.phase === "failed" ? this.failOrRestore(op, status) : status;
      }),
    );
  }

  private async advance(op: Operation, looked: Looked): Promise<OperationStatus> {
    const step = currentStep<C, W>(op);
    if (!step) return this.done(op);
    if (step.type !== "wait") return this.run(op);
    const arrival = this.driver.arrival(op, step, looked);
    const data = dataOf<C, W>(op);
    switch (arrival.phase) {
      case "failed":
        return { address: op.address, phase: "failed", state: arrival.state, error: arrival.error };
      case "running":
        data.lastState = arrival.state;
        return { address: op.address, phase: "running", state: arrival.state, ...(arrival.detail ? { detail: arrival.detail } : {}) };
      case "arrived":
        if (step.restore) data.restore = step.restore;
        op.step++;
        return this.run(op);
    }
  }

  private done(op: Operation): OperationStatus {
    const data = dataOf<C, W>(op);
    if (data.restoring) {
      return { address: op.address, phase: "failed", state: data.restoring.state, error: this.driver.failure(op.address, `${data.restoring.message}; ${this.driver.restored}`) };
    }
    return this.driver.done(op);
  }

  /**
   * A change that failed while restore steps were armed first runs them (the object back in the power
   * state it had), then reports the failure and that it did so.
   */
  private async failOrRestore(op: Operation, failure: Extract<OperationStatus, { phase: "failed" }>): Promise<OperationStatus> {
    const data = dataOf<C, W>(op);
    if (data.restoring) {
      const error = this.driver.failure(op.address, `${data.restoring.message}; bringing it back failed too, so it is left as it is (${failure.state})`, this.driver.describe(failure.error), failure.error);
      return { ...failure, error };
    }
    if (!data.restore) return failure;
    data.restoring = { state: failure.state, message: this.driver.describe(failure.error) };
    data.plan = data.restore;
    delete data.restore;
    op.steps = data.plan.map((s) => `${s.label} (after the failure)`);
    op.step = 0;
    try {
      return await this.run(op);
    } catch (error) {
      return this.failOrRestore(op, { address: op.address, phase: "failed", state: op.steps[op.step] ?? "restore", error: asError(error) });
    }
  }
}

export function dataOf<C extends object, W extends string>(op: Operation): EngineData<C, W> {
  return op.data as EngineData<C, W>;
}

export function currentStep<C extends object, W extends string>(op: Operation): KitStep<C, W> | undefined {
  return dataOf<C, W>(op).plan[op.step];
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new HyperplanError("PROVIDER_ERROR", String(error));
}
