/**
 * Carrying changes out on OpenNebula: the step machines behind `Provider.start` and `Provider.poll`.
 *
 * `start` reads what the change needs (the live object of an update, a datastore named by name),
 * computes the change's steps (steps.ts), and runs its calls up to the first wait. `poll` reads every
 * object an in-flight operation waits on with one call per kind — `one.vmpool.infoset` for VMs, one
 * ranged pool read for images and one for networks — and moves each operation whose object arrived to
 * its next calls (VMs are read in their short body: state, addresses, ERROR, SCHED_MESSAGE). Calls are retried on transient errors with backoff and jitter; an allocate is never
 * repeated before the object is looked for by its address tag, so a lost answer makes no duplicate.
 */
import { effectiveProps } from "../../diff/effective";
import { HyperplanError } from "../../errors";
import type { Plan, ResourceChange } from "../../core/plan";
import { isTransientError, Retrier, type CallRetry } from "../../core/retry";
import type { AttributeRef, DesiredResource, DesiredState } from "../../resources/desired-state";
import type { Clock, Operation, OperationStatus, OwnershipReading } from "../provider";
import { systemClock } from "../provider";
import type { OneClient } from "./client";
import { resultId } from "./client";
import { OneApiError, OneTransportError } from "./errors";
import type { OneKind } from "./map-common";
import { ownedSlicePredicate, readOwnershipTag, TAG_REPLACES } from "./ownership";
import { readPool, readPoolRange, readVmsByIds } from "./pools";
import { parseObject, type ImageRecord, type PoolKind, type VmRecord, type VnetRecord } from "./records";
import { arrivalSteps, createSteps, deleteSteps, replacePhaseSteps, replaceSteps, resendOf, updateSteps, type LiveRecord, type Param, type Step, type StepContext, type WaitFor } from "./steps";
import { imageStateName, isVmFailure, VM_STATE, vmStateName, vmTakesTerminate, vnetStateName } from "./states";
import { templateGet, templateVectors, type Template } from "./template-syntax";

/** A change that did not reach its declared state, with OpenNebula's own message. */
export class OperationError extends HyperplanError {
  constructor(address: string, summary: string, detail?: string, cause?: unknown) {
    super("ONE_OPERATION", summary, { address, ...(detail !== undefined ? { detail } : {}), ...(cause !== undefined ? { cause } : {}) });
  }
}

const POOL_OF: Record<OneKind, PoolKind> = { VirtualNetwork: "vnet", Image: "image", SecurityGroup: "secgroup", VmTemplate: "template", VirtualMachine: "vm" };
const INFO_OF: Record<OneKind, string> = {
  VirtualNetwork: "one.vn.info",
  Image: "one.image.info",
  SecurityGroup: "one.secgroup.info",
  VmTemplate: "one.template.info",
  VirtualMachine: "one.vm.info",
};

/** What an operation keeps between calls: plain JSON. */
interface OpData extends Record<string, unknown> {
  kind: OneKind;
  plan: Step[];
  /** The object a delete or replacement removes. */
  old?: number;
  /** Outputs seen at the last wait (a VM's IP). */
  outputs?: Record<string, string | number>;
  /** The object's state at the last poll, shown while the next calls are made. */
  lastState?: string;
  /** A VM's ERROR text when the change started: a hot-plug that fails writes a new one. */
  error?: string;
  /**
   * Steps that put a power-cycled VM back in the power state it had: armed once the VM is powered
   * off for the cycle, dropped by the call that brings it back.
   */
  restore?: Step[];
  /** Set while those steps run after a failure: what failed, reported once the VM is back. */
  restoring?: { state: string; message: string };
  /** How each VM the operation calls looked when last read (`vmFingerprint`), by id; dropped after a call changes it. */
  seen?: Record<number, string>;
}

export interface OperationsOptions {
  clock?: Clock;
  random?: () => number;
  /** How long a call failing on a lost or busy cloud is retried (default 3 minutes). */
  retryTimeoutMs?: number;
  /** Told of every retry, for the progress view. */
  onRetry?: (retry: CallRetry) => void;
}

/** Rounds of "the answer was lost, the VM shows the call did not happen, send it again" before giving up. */
const MAX_RESENDS = 3;

export class OpenNebulaOperations {
  /** Ids of the stack's objects by address: from the plan, then from creates. */
  private readonly ids = new Map<string, number>();
  /** Values known after apply, by `address.attr` (a VM's ip and mac). */
  private readonly values = new Map<string, string>();
  private readonly clock: Clock;
  private readonly retrier: Retrier;
  private scan: Promise<void> | undefined;
  /**
   * Objects read by `readOwnership` for the change about to start, by `kind#id`: an update's start
   * needs the same document, so it takes it from here instead of reading it twice.
   */
  private readonly justRead = new Map<string, LiveRecord>();

  constructor(
    private readonly client: OneClient,
    private readonly stack: string,
    options: OperationsOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.retrier = new Retrier({
      clock: this.clock,
      ...(options.random ? { random: options.random } : {}),
      ...(options.retryTimeoutMs !== undefined ? { timeoutMs: options.retryTimeoutMs } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    });
  }

  /** Learns the ids and values of the objects the plan reads or keeps. */
  begin(plan: Plan): void {
    for (const change of plan.changes) {
      if (change.id === undefined || change.action === "delete" || change.action === "replace") continue;
      this.ids.set(change.address, Number(change.id));
      for (const [attr, value] of Object.entries(change.values ?? {})) this.values.set(`${change.address}.${attr}`, String(value));
    }
  }

  /** The ownership tag the object carries now (`one.<kind>.info`); a VM in DONE counts as gone. */
  async readOwnership(kind: string, id: string): Promise<OwnershipReading> {
    if (!(kind in POOL_OF)) throw new OperationError(`${kind}#${id}`, `OpenNebula has no kind ${kind}`);
    const numeric = Number(id);
    if (!Number.isInteger(numeric) || numeric < 0) throw new OperationError(`${kind}#${id}`, `"${id}" is not an OpenNebula object id`);
    let xml: unknown;
    try {
      xml = await this.read(INFO_OF[kind as OneKind], [numeric], `${kind}#${id}`);
    } catch (error) {
      if (error instanceof OneApiError && error.codeName === "NO_EXISTS") return { state: "gone" };
      throw error;
    }
    const live = { kind, record: parseObject(POOL_OF[kind as OneKind], String(xml)) } as LiveRecord;
    if (live.kind === "VirtualMachine" && live.record.state === VM_STATE.DONE) return { state: "gone" };
    this.justRead.set(`${kind}#${numeric}`, live);
    const tag = readOwnershipTag(live.kind === "VirtualMachine" ? live.record.userTemplate : live.record.template);
    return tag ? { state: "tagged", tag } : { state: "untagged" };
  }

  async start(change: ResourceChange, desired: DesiredState | undefined): Promise<Operation> {
    const kind = change.kind as OneKind;
    if (!(kind in POOL_OF)) throw new OperationError(change.address, `OpenNebula has no kind ${change.kind}`);
    const read = change.id === undefined ? undefined : this.justRead.get(`${kind}#${change.id}`);
    const { plan, error } = await this.stepsOf(change, kind, desired, read?.kind === "VirtualMachine" ? read.record : undefined);
    if (change.id !== undefined) this.justRead.delete(`${kind}#${change.id}`);
    const data: OpData = { kind, plan, ...(error !== undefined ? { error } : {}) };
    // The VM as just read: what a call whose answer gets lost is checked against.
    if (read?.kind === "VirtualMachine") data.seen = { [read.record.id]: vmFingerprint(read.record) };
    if (change.action === "delete" || change.action === "replace") data.old = this.liveIdOf(change);
    // The second phase of a two-phase replacement renames the object its first phase made.
    const made = change.phase === "finish" ? this.ids.get(change.address) : undefined;
    if (change.phase === "finish" && made === undefined) throw new OperationError(change.address, "the new object of this replacement is not known; its first phase did not finish");
    const operation: Operation = {
      address: change.address,
      kind: change.kind,
      action: change.action,
      ...(change.action === "update" || change.action === "noop" ? { id: String(this.liveIdOf(change)) } : {}),
      ...(change.action === "delete" ? { id: String(data.old) } : {}),
      ...(made !== undefined ? { id: String(made) } : {}),
      steps: plan.map((s) => s.label),
      step: 0,
      startedAt: this.clock.now(),
      data,
    };
    // Errors of the first calls reach the executor as the change's failure.
    const status = await this.run(operation);
    if (status.phase === "done") operation.finished = status;
    return operation;
  }

  async poll(operations: Operation[]): Promise<OperationStatus[]> {
    const waiting = (until: WaitFor[]) =>
      operations.flatMap((op) => {
        const step = currentStep(op);
        return step?.type === "wait" && until.includes(step.until) ? [this.target(op, step.on)] : [];
      });
    const [vms, images, vnets] = await Promise.all([
      readVmsByIds(this.client, waiting(["vm-running", "vm-poweroff", "vm-gone", "vm-terminable"]), { extended: false }),
      this.rangeRead("image", waiting(["image-ready", "image-gone"])),
      this.rangeRead("vnet", waiting(["vnet-ready", "vnet-gone"])),
    ]);
    const looked = {
      vm: new Map(vms.map((v) => [v.id, v])),
      image: new Map((images as ImageRecord[]).map((r) => [r.id, r])),
      vnet: new Map((vnets as VnetRecord[]).map((r) => [r.id, r])),
    };
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

  /**
   * A change that failed half way through a power cycle first puts the VM back in the power state it
   * had (the plan said "powers off, then resumes"), then reports the failure and that it did so.
   */
  private async failOrRestore(op: Operation, failure: Extract<OperationStatus, { phase: "failed" }>): Promise<OperationStatus> {
    const data = op.data as OpData;
    if (data.restoring) {
      const error = new OperationError(op.address, `${data.restoring.message}; powering the VM on again failed too, so it is left as it is (${failure.state})`, describe(failure.error), failure.error);
      return { ...failure, error };
    }
    if (!data.restore) return failure;
    data.restoring = { state: failure.state, message: describe(failure.error) };
    data.plan = data.restore;
    delete data.restore;
    op.steps = data.plan.map((s) => `${s.label} (after the failure)`);
    op.step = 0;
    try {
      return await this.run(op);
    } catch (error) {
      return this.failOrRestore(op, { address: op.address, phase: "failed", state: op.steps[op.step] ?? "resume", error: asError(error) });
    }
  }

  // ------------------------------------------------------------------------------- planning steps

  /** `oldVm`: the VM a delete or replacement removes, as its ownership check just read it. */
  private async stepsOf(change: ResourceChange, kind: OneKind, desired: DesiredState | undefined, oldVm: VmRecord | undefined): Promise<{ plan: Step[]; error?: string }> {
    if (change.action === "noop") return { plan: arrivalSteps(kind, change.arriving) };
    if (change.action === "delete") return { plan: deleteSteps(kind, oldVm) };
    if (change.phase === "finish") return { plan: replacePhaseSteps(change, this.context(change), this.liveIdOf(change), "finish", oldVm) };
    await this.learnReferences(change);
    const ctx = this.context(change);
    const after = change.after as Record<string, unknown> | undefined;
    if (kind === "Image" && typeof after?.datastore === "string") ctx.datastoreId = await this.datastoreId(change.address, after.datastore);
    else if (kind === "Image" && typeof after?.datastore === "number") ctx.datastoreId = after.datastore;
    switch (change.action) {
      case "create":
        return { plan: createSteps(change, ctx) };
      case "replace":
        if (change.phase === "create") return { plan: replacePhaseSteps(change, ctx, this.liveIdOf(change), "create") };
        return { plan: replaceSteps(change, ctx, this.liveIdOf(change), oldVm) };
      case "update": {
        const live = await this.info(change, kind);
        const error = live.kind === "VirtualMachine" ? templateGet(live.record.userTemplate, "ERROR") : undefined;
        return { plan: updateSteps(change, this.effective(change, desired), live, ctx), ...(error !== undefined ? { error } : {}) };
      }
    }
  }

  private context(change: ResourceChange): StepContext {
    return { stack: this.stack, idOf: (address) => this.idOf(change.address, address), resolve: (ref) => this.resolveValue(change.address, ref) };
  }

  /** The declaration the diff compared against: a VM's template under its own props. */
  private effective(change: ResourceChange, desired: DesiredState | undefined): Record<string, unknown> {
    const after = change.after as Record<string, unknown>;
    if (!desired) return after;
    const byAddress = new Map<string, DesiredResource>(desired.resources.map((r) => [r.address, r]));
    const resource = byAddress.get(change.address);
    if (!resource) return after;
    return { name: resource.name, ...effectiveProps(resource, byAddress, "insensitive") };
  }

  private async info(change: ResourceChange, kind: OneKind): Promise<LiveRecord> {
    const id = this.liveIdOf(change);
    const read = this.justRead.get(`${kind}#${id}`);
    if (read) {
      this.justRead.delete(`${kind}#${id}`);
      return read;
    }
    const xml = await this.read(INFO_OF[kind], [id], change.address);
    const record = parseObject(POOL_OF[kind], String(xml));
    return { kind, record } as LiveRecord;
  }

  // ---------------------------------------------------------------------------------- running

  /** Runs the operation's calls from its current step up to the next wait (or the end). */
  private async run(op: Operation): Promise<OperationStatus> {
    const data = op.data as OpData;
    for (;;) {
      const step = data.plan[op.step];
      if (!step) return this.done(op);
      if (step.type === "wait") return { address: op.address, phase: "running", state: (op.data as OpData).lastState ?? "REQUESTED" };
      if (step.type === "allocate") {
        const id = await this.allocate(op, step);
        op.id = String(id);
        this.ids.set(op.address, id);
      } else {
        const params = step.params.map((p) => this.param(op, p));
        try {
          await this.send(op, step, params);
        } catch (error) {
          if (!(step.ignoreMissing && error instanceof OneApiError && error.codeName === "NO_EXISTS")) {
            throw new OperationError(op.address, `${step.label} failed`, describe(error), error);
          }
        }
        if (step.endsCycle) delete data.restore;
      }
      op.step++;
    }
  }

  private done(op: Operation): OperationStatus {
    const data = op.data as OpData;
    if (data.restoring) {
      return {
        address: op.address,
        phase: "failed",
        state: data.restoring.state,
        error: new OperationError(op.address, `${data.restoring.message}; the VM was powered on again, as it was before the change`),
      };
    }
    if (op.action === "delete") {
      this.ids.delete(op.address);
      return { address: op.address, phase: "done", state: "DELETED" };
    }
    const outputs: Record<string, string | number> = { ...(data.outputs ?? {}) };
    if (op.id !== undefined) outputs.id = Number(op.id);
    return { address: op.address, phase: "done", state: "DONE", ...(op.id !== undefined ? { id: op.id } : {}), outputs };
  }

  private async advance(op: Operation, looked: { vm: Map<number, VmRecord>; image: Map<number, ImageRecord>; vnet: Map<number, VnetRecord> }): Promise<OperationStatus> {
    const step = currentStep(op);
    if (!step) return this.done(op);
    if (step.type !== "wait") return this.run(op);
    const id = this.target(op, step.on);
    const running = (state: string, detail?: string): OperationStatus => {
      (op.data as OpData).lastState = state;
      return { address: op.address, phase: "running", state, ...(detail ? { detail } : {}) };
    };
    const failed = (state: string, message: string): OperationStatus => ({
      address: op.address,
      phase: "failed",
      state,
      error: new OperationError(op.address, `${step.label}: the object reached ${state}`, message),
    });
    let arrived = false;
    switch (step.until) {
      case "vm-terminable": {
        const vm = looked.vm.get(id);
        // Gone or DONE meanwhile: the terminate that follows finds nothing left to do.
        if (!vm || vm.state === VM_STATE.DONE || vmTakesTerminate(vm.state, vm.lcmState)) {
          arrived = true;
          break;
        }
        this.rememberSeen(op, vm);
        return running(vmStateName(vm.state, vm.lcmState));
      }
      case "vm-running":
      case "vm-poweroff":
      case "vm-gone": {
        const vm = looked.vm.get(id);
        if (step.until === "vm-gone") {
          if (!vm || vm.state === VM_STATE.DONE) {
            arrived = true;
            break;
          }
          const state = vmStateName(vm.state, vm.lcmState);
          if (isVmFailure(vm.state, vm.lcmState)) return failed(state, templateGet(vm.userTemplate, "ERROR") ?? "the VM failed while it was terminated");
          this.rememberSeen(op, vm);
          return running(state);
        }
        if (!vm) return failed("GONE", "the VM disappeared while apply waited for it");
        const state = vmStateName(vm.state, vm.lcmState);
        if (isVmFailure(vm.state, vm.lcmState) || vm.state === VM_STATE.DONE) return failed(state, templateGet(vm.userTemplate, "ERROR") ?? `the VM went to ${state}`);
        const error = templateGet(vm.userTemplate, "ERROR");
        if (step.hotplug && error !== undefined && error !== (op.data as OpData).error) {
          return { address: op.address, phase: "failed", state, error: new OperationError(op.address, `${op.steps[op.step - 1] ?? "the hot-plug call"} failed`, error) };
        }
        (op.data as OpData).outputs = vmOutputs(vm);
        this.rememberVm(op.address, vm);
        this.rememberSeen(op, vm);
        (op.data as OpData).lastState = state;
        if ((step.until === "vm-running" && state === "RUNNING") || (step.until === "vm-poweroff" && state === "POWEROFF")) arrived = true;
        else return running(state, state === "PENDING" ? templateGet(vm.userTemplate, "SCHED_MESSAGE") : undefined);
        break;
      }
      case "image-ready":
      case "image-gone": {
        const image = looked.image.get(id);
        if (step.until === "image-gone") {
          if (!image) {
            arrived = true;
            break;
          }
          const state = imageStateName(image.state);
          if (state === "ERROR") return failed(state, templateGet(image.template, "ERROR") ?? "the datastore driver failed to delete the image");
          return running(state);
        }
        if (!image) return failed("GONE", "the image disappeared while apply waited for it");
        const state = imageStateName(image.state);
        if (state === "ERROR") return failed(state, templateGet(image.template, "ERROR") ?? "the datastore driver failed");
        if (state === "READY" || state === "USED" || state === "USED_PERS") arrived = true;
        else return running(state);
        break;
      }
      case "vnet-ready":
      case "vnet-gone": {
        const vnet = looked.vnet.get(id);
        if (step.until === "vnet-gone") {
          if (!vnet || vnetStateName(vnet.state ?? 1) === "DONE") {
            arrived = true;
            break;
          }
          const state = vnetStateName(vnet.state ?? 1);
          if (state === "ERROR") return failed(state, templateGet(vnet.template, "ERROR") ?? "the network driver failed to delete the network");
          return running(state);
        }
        if (!vnet) return failed("GONE", "the network disappeared while apply waited for it");
        const state = vnetStateName(vnet.state ?? 1);
        if (state === "ERROR" || state === "UPDATE_FAILURE") return failed(state, templateGet(vnet.template, "ERROR") ?? "the network driver failed");
        if (state === "READY") arrived = true;
        else return running(state);
        break;
      }
    }
    if (!arrived) return running(step.label);
    if (step.restore) (op.data as OpData).restore = step.restore;
    op.step++;
    return this.run(op);
  }

  // ------------------------------------------------------------------------------------- calls

  /** A call that only reads: retried on every transient failure. */
  private read(method: string, params: (string | number | boolean)[], address?: string) {
    return this.retrier.run(method, () => this.client.call(method, ...params), address === undefined ? {} : { address });
  }

  /**
   * One step's call. Failures where oned surely did not act (refused, INTERNAL, LOCKED …) are retried.
   * A call whose answer was lost after it may have reached oned (a reset, a timeout) is sent again only
   * when that is harmless (`resendOf`: a rename, a whole-template update); a VM call is sent again only
   * after the VM, read back, shows it did not happen; a call that can be checked neither way is not
   * sent twice, and the change fails saying so.
   */
  private async send(op: Operation, step: Extract<Step, { type: "call" }>, params: (string | number | boolean)[]): Promise<void> {
    const resend = resendOf(step.method);
    const lost = (error: unknown): boolean => error instanceof OneTransportError && error.mayHaveActed;
    const target = this.target(op, step.params.some((p) => typeof p === "object" && p.$ === "old") ? "old" : "id");
    for (let round = 1; ; round++) {
      try {
        await this.retrier.run(step.method, () => this.client.call(step.method, ...params), {
          address: op.address,
          ...(resend === "safe" ? {} : { isTransient: (error: unknown) => isTransientError(error) && !lost(error) }),
        });
        if (resend === "verify-vm") this.forgetSeen(op, target);
        return;
      } catch (error) {
        if (!lost(error) || resend === "safe") throw error;
        const unknown = (why: string) =>
          new OperationError(op.address, `${step.label}: the answer was lost, and ${why}; it is not sent twice. Plan again to see where the object stands`, describe(error), error);
        if (resend === "never") throw unknown("whether OpenNebula carried the call out cannot be told");
        const before = (op.data as OpData).seen?.[target];
        if (before === undefined) throw unknown("the VM changed since it was last read, so whether OpenNebula carried the call out cannot be told");
        const [now] = await this.retrier.run("one.vmpool.infoset", () => readVmsByIds(this.client, [target], { extended: false }), { address: op.address });
        if (!now || vmFingerprint(now) !== before) {
          // The VM moved since it was last read: the call reached oned.
          this.forgetSeen(op, target);
          return;
        }
        if (round >= MAX_RESENDS) throw unknown(`the VM still shows no trace of it after ${round} tries`);
      }
    }
  }

  /** Remembers how a VM looked when last read: what a lost call's effect is looked for against. */
  private rememberSeen(op: Operation, vm: VmRecord): void {
    const data = op.data as OpData;
    data.seen = { ...(data.seen ?? {}), [vm.id]: vmFingerprint(vm) };
  }

  private forgetSeen(op: Operation, id: number): void {
    const seen = (op.data as OpData).seen;
    if (seen) delete seen[id];
  }

  /**
   * An allocate, retried on transient errors; before each retry the object is looked for by its
   * address tag, since the lost answer may have come after oned made it.
   */
  private async allocate(op: Operation, step: Extract<Step, { type: "allocate" }>): Promise<number> {
    const data = op.data as OpData;
    const params = step.params.map((p) => this.param(op, p));
    try {
      return await this.retrier.run(
        step.method,
        async (attempt) => {
          if (attempt > 1) {
            const found = await this.findByTag(data.kind, op.address, data.old);
            if (found !== undefined) return found;
          }
          return resultId(step.method, await this.client.call(step.method, ...params));
        },
        { address: op.address },
      );
    } catch (error) {
      throw new OperationError(op.address, `${step.label} failed`, describe(error), error);
    }
  }

  private param(op: Operation, p: Param): string | number | boolean {
    if (typeof p !== "object") return p;
    const id = this.target(op, p.$);
    return id;
  }

  private target(op: Operation, which: "id" | "old"): number {
    const value = which === "old" ? (op.data as OpData).old : op.id === undefined ? undefined : Number(op.id);
    if (value === undefined || !Number.isInteger(value)) throw new OperationError(op.address, `the ${which === "old" ? "live object's" : "new object's"} id is not known`);
    return value;
  }

  private liveIdOf(change: ResourceChange): number {
    const id = Number(change.id);
    if (change.id === undefined || !Number.isInteger(id)) throw new OperationError(change.address, `an ${change.action} needs the id of the live object, and the plan has none`);
    return id;
  }

  // ----------------------------------------------------------------------------------- lookups

  /**
   * The objects of `ids` with one ranged pool read, or one per cluster of ids when they lie so far
   * apart that a single range would carry thousands of objects nobody waits for.
   */
  private async rangeRead(kind: "image" | "vnet", ids: number[]): Promise<Array<ImageRecord | VnetRecord>> {
    const wanted = new Set(ids);
    const reads = await Promise.all(idClusters(ids, RANGE_GAP).map(([first, last]) => readPoolRange(this.client, kind, first, last)));
    return (reads.flat() as Array<ImageRecord | VnetRecord>).filter((r) => wanted.has(r.id));
  }

  /** The stack's object of `kind` carrying `address` (not `except`, the one a replacement removes). */
  private async findByTag(kind: OneKind, address: string, except: number | undefined): Promise<number | undefined> {
    const { records } = await readPool(this.client, POOL_OF[kind], { keep: ownedSlicePredicate(this.stack), retrier: this.retrier });
    for (const r of records as Array<{ id: number; template: Template; userTemplate?: Template }>) {
      if (r.id === except) continue;
      const tag = readOwnershipTag(kind === "VirtualMachine" ? (r.userTemplate ?? []) : r.template);
      if (tag && tag.stack === this.stack && tag.kind === kind && tag.address === address) return r.id;
    }
    return undefined;
  }

  /**
   * Makes sure every owned object the change refers to has a known id. The plan names them all; only
   * a plan limited by targets can refer to an object it does not list, and then the pools are read.
   */
  private async learnReferences(change: ResourceChange): Promise<void> {
    const refs = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (typeof v === "object" && v !== null) {
        const ref = (v as { ref?: unknown }).ref;
        if (typeof ref === "string" && !ref.includes("#")) refs.add(ref);
        Object.values(v).forEach(walk);
      }
    };
    walk(change.after);
    if ([...refs].every((a) => this.ids.has(a))) return;
    // One scan per apply, shared by the changes that start while it runs.
    this.scan ??= this.scanOwned();
    await this.scan;
  }

  /** Learns the ids (and VM values) of every object the stack owns, from one paged read per kind. */
  private async scanOwned(): Promise<void> {
    for (const kind of Object.keys(POOL_OF) as OneKind[]) {
      const { records } = await readPool(this.client, POOL_OF[kind], { keep: ownedSlicePredicate(this.stack), retrier: this.retrier });
      for (const r of records as Array<{ id: number; template: Template; userTemplate?: Template }>) {
        const template = kind === "VirtualMachine" ? (r.userTemplate ?? []) : r.template;
        const tag = readOwnershipTag(template);
        if (!tag || tag.stack !== this.stack || tag.kind !== kind || this.ids.has(tag.address)) continue;
        if (templateGet(template, TAG_REPLACES) !== undefined) continue;
        this.ids.set(tag.address, r.id);
        if (kind === "VirtualMachine") this.rememberVm(tag.address, r as unknown as VmRecord);
      }
    }
  }

  private rememberVm(address: string, vm: VmRecord): void {
    const nic = templateVectors(vm.template, "NIC")[0];
    if (nic?.IP) this.values.set(`${address}.ip`, nic.IP);
    if (nic?.MAC) this.values.set(`${address}.mac`, nic.MAC);
  }

  private idOf(user: string, address: string): number {
    const id = this.ids.get(address);
    if (id === undefined) throw new OperationError(user, `refers to ${address}, which does not exist in the cloud`);
    return id;
  }

  private resolveValue(user: string, ref: AttributeRef): string {
    const value = this.values.get(`${ref.ref}.${ref.attr}`) ?? (ref.attr === "id" && this.ids.has(ref.ref) ? String(this.ids.get(ref.ref)) : undefined);
    if (value === undefined) throw new OperationError(user, `needs ${ref.attr} of ${ref.ref}, which is not known`);
    return value;
  }

  private async datastoreId(address: string, name: string): Promise<number> {
    const { records } = await readPool(this.client, "datastore", { retrier: this.retrier });
    const ds = records.find((d) => d.name === name);
    if (!ds) throw new OperationError(address, `names the datastore "${name}", which does not exist`);
    return ds.id;
  }
}

/** Ids further apart than this start another range read. */
const RANGE_GAP = 1000;

/** Sorted ids cut into [first, last] ranges wherever two neighbours are more than `gap` apart. */
export function idClusters(ids: readonly number[], gap: number): [number, number][] {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const id of sorted) {
    const last = out[out.length - 1];
    if (last && id - last[1] <= gap) last[1] = id;
    else out.push([id, id]);
  }
  return out;
}

function currentStep(op: Operation): Step | undefined {
  return (op.data as OpData).plan[op.step];
}

/**
 * What a VM call visibly changes, from the fields the short body has too (`one.vmpool.infoset` without
 * extended): state, each disk's id and size, each NIC's id, network and security groups.
 */
export function vmFingerprint(vm: VmRecord): string {
  const disks = templateVectors(vm.template, "DISK").map((d) => `${d.DISK_ID}:${d.SIZE ?? ""}`);
  const nics = templateVectors(vm.template, "NIC").map((n) => `${n.NIC_ID}:${n.NETWORK_ID ?? ""}:${n.SECURITY_GROUPS ?? ""}`);
  return `${vm.state}/${vm.lcmState} disks ${disks.join(",")} nics ${nics.join(",")}`;
}

function vmOutputs(vm: VmRecord): Record<string, string | number> {
  const nic = templateVectors(vm.template, "NIC")[0];
  return { id: vm.id, ...(nic?.IP ? { ip: nic.IP } : {}), ...(nic?.MAC ? { mac: nic.MAC } : {}) };
}

function describe(error: unknown): string {
  if (error instanceof OneApiError) return error.serverMessage;
  if (error instanceof HyperplanError) return error.detail ? `${error.summary}: ${error.detail}` : error.summary;
  return error instanceof Error ? error.message : String(error);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

