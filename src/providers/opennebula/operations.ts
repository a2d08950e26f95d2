/**
 * Carrying changes out on OpenNebula: `Provider.start` and `Provider.poll` on the kit's step engine.
 *
 * `start` reads what the change needs (the live object of an update, a datastore named by name),
 * computes the change's steps (steps.ts) and runs its calls up to the first wait. `poll` reads every
 * object an in-flight operation waits on with one call per kind (watch.ts) and moves each one whose
 * object arrived on to its next calls. The duties are apart: the ids and after-apply values of the
 * stack's objects (id-registry.ts), the calls and their retry and resend rules (calls.ts), what each
 * wait makes of a read (watch.ts), and the step engine (../kit/step-engine.ts).
 */
import { effectiveProps } from "../../diff/effective.js";
import { openNebulaDiffRules } from "./diff-rules.js";
import type { Operation, OperationStatus, OwnershipReading } from "../../core/operation.js";
import type { Plan, ResourceChange } from "../../core/plan.js";
import { Retrier, type CallRetry } from "../../core/retry.js";
import type { DesiredResource, DesiredState } from "../../resources/desired-state.js";
import { dataOf, StepEngine, type EngineData, type StepDriver } from "../kit/step-engine.js";
import type { Clock } from "../provider.js";
import { systemClock } from "../provider.js";
import { OneCalls, vmFingerprint, type SeenVms } from "./calls.js";
import type { OneClient } from "./client.js";
import { OneApiError } from "./errors.js";
import { IdRegistry } from "./id-registry.js";
import { INFO_OF, POOL_OF, type OneKind } from "./map-common.js";
import { describeOneError, OperationError } from "./operation-error.js";
import { labelsValue, ownershipAttributes, splitLabels, type OwnershipTag } from "./ownership.js";
import { serializeTemplate } from "./template-syntax.js";
import { parseObject, type VmRecord } from "./records.js";
import { arrivalSteps, createSteps, deleteSteps, replacePhaseSteps, replaceSteps, updateSteps, type LiveRecord, type OneCall, type Param, type Step, type StepContext, type WaitFor } from "./steps.js";
import { templateGet, templateVectors } from "./template-syntax.js";
import { arrivalOf, lookAt, type Looked } from "./watch.js";
import { readObjectById } from "./reader.js";

export { OperationError } from "./operation-error.js";
export { idClusters } from "./watch.js";
export { vmFingerprint } from "./calls.js";

/** Each kind's template update call (merge mode keeps the attributes it does not name). */
const UPDATE_OF: Record<OneKind, string> = {
  VirtualMachine: "one.vm.update",
  Image: "one.image.update",
  VirtualNetwork: "one.vn.update",
  SecurityGroup: "one.secgroup.update",
  VmTemplate: "one.template.update",
};

/** What an operation keeps between calls: plain JSON, the engine's part and OpenNebula's. */
interface OpData extends EngineData<OneCall, WaitFor> {
  kind: OneKind;
  /** The object a delete or replacement removes. */
  old?: number;
  /** Outputs seen at the last wait (a VM's IP). */
  outputs?: Record<string, string | number>;
  /** A VM's ERROR text when the change started: a hot-plug that fails writes a new one. */
  error?: string;
  /** How each VM the operation calls looked when last read (`vmFingerprint`), by id. */
  seen: SeenVms;
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
  private readonly clock: Clock;
  private readonly calls: OneCalls;
  private readonly ids: IdRegistry;
  private readonly engine: StepEngine<OneCall, WaitFor, Looked>;
  /**
   * Objects read by `readOwnership` for the change about to start, by `kind#id`: an update's start
   * needs the same document, so it takes it from here instead of reading it twice.
   */
  private readonly justRead = new Map<string, LiveRecord>();

  constructor(
    private readonly client: OneClient,
    readonly stack: string,
    options: OperationsOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    const retrier = new Retrier({
      clock: this.clock,
      ...(options.random ? { random: options.random } : {}),
      ...(options.retryTimeoutMs !== undefined ? { timeoutMs: options.retryTimeoutMs } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    });
    this.calls = new OneCalls(client, stack, retrier);
    this.ids = new IdRegistry(client, stack, retrier);
    this.engine = new StepEngine(this.driver());
  }

  /** Learns the ids and values of the objects the plan reads or keeps. */
  begin(plan: Plan): void {
    this.ids.begin(plan);
  }

  /** The ownership tag the object carries now (`one.<kind>.info`); a VM in DONE counts as gone. */
  async readOwnership(kind: string, id: string): Promise<OwnershipReading> {
    if (!(kind in POOL_OF)) throw new OperationError(`${kind}#${id}`, `OpenNebula has no kind ${kind}`);
    const numeric = Number(id);
    if (!Number.isInteger(numeric) || numeric < 0) throw new OperationError(`${kind}#${id}`, `"${id}" is not an OpenNebula object id`);
    const read = await readObjectById((method, n) => this.calls.read(method, [n], `${kind}#${id}`), kind, String(numeric));
    if (!read) return { state: "gone" };
    this.justRead.set(`${kind}#${numeric}`, read.live);
    return read.tag ? { state: "tagged", tag: read.tag } : { state: "untagged" };
  }

  /**
   * A moved object's tag: HYPERPLAN_ADDRESS written over in its template (a VM's USER_TEMPLATE) with
   * the kind's update call in merge mode, which keeps every other attribute. Setting a value is safe to
   * send again.
   */
  async retag(kind: string, id: string, from: OwnershipTag, to: OwnershipTag): Promise<void> {
    const method = UPDATE_OF[kind as OneKind];
    if (method === undefined) throw new OperationError(`${kind}#${id}`, `OpenNebula has no kind ${kind}`);
    const attributes = ownershipAttributes(to);
    if (kind === "VirtualMachine") {
      // A VM also gets the stack's label beside its own (an adopted one has none yet).
      const known = this.justRead.get(`${kind}#${id}`);
      const record = known?.kind === "VirtualMachine" ? known.record : parseObject("vm", String(await this.calls.read(INFO_OF.VirtualMachine, [Number(id)], `${kind}#${id}`)));
      const { labels } = splitLabels(templateGet(record.userTemplate, "LABELS"), from.stack);
      attributes.push({ name: "LABELS", value: labelsValue(labels, to.stack) });
    }
    const template = serializeTemplate(attributes);
    await this.client.call(method, Number(id), template, 1);
    this.justRead.delete(`${kind}#${id}`);
  }

  async start(change: ResourceChange, desired: DesiredState | undefined): Promise<Operation> {
    const kind = change.kind as OneKind;
    if (!(kind in POOL_OF)) throw new OperationError(change.address, `OpenNebula has no kind ${change.kind}`);
    const read = change.id === undefined ? undefined : this.justRead.get(`${kind}#${change.id}`);
    const { plan, error } = await this.stepsOf(change, kind, desired, read?.kind === "VirtualMachine" ? read.record : undefined);
    if (change.id !== undefined) this.justRead.delete(`${kind}#${change.id}`);
    // The VM as just read: what a call whose answer gets lost is checked against.
    const seen: SeenVms = read?.kind === "VirtualMachine" ? { [read.record.id]: vmFingerprint(read.record) } : {};
    const data: OpData = { kind, plan, seen, ...(error !== undefined ? { error } : {}) };
    if (change.action === "delete" || change.action === "replace") data.old = liveIdOf(change);
    // The second phase of a two-phase replacement renames the object its first phase made.
    const made = change.phase === "finish" ? this.ids.get(change.address) : undefined;
    if (change.phase === "finish" && made === undefined) throw new OperationError(change.address, "the new object of this replacement is not known; its first phase did not finish");
    const operation: Operation = {
      address: change.address,
      kind: change.kind,
      action: change.action,
      ...(change.action === "update" || change.action === "noop" ? { id: String(liveIdOf(change)) } : {}),
      ...(change.action === "delete" ? { id: String(data.old) } : {}),
      ...(made !== undefined ? { id: String(made) } : {}),
      steps: plan.map((s) => s.label),
      step: 0,
      startedAt: this.clock.now(),
      data,
    };
    // Errors of the first calls reach the executor as the change's failure.
    const status = await this.engine.run(operation);
    if (status.phase === "done") operation.finished = status;
    return operation;
  }

  poll(operations: Operation[]): Promise<OperationStatus[]> {
    return this.engine.poll(operations);
  }

  // ------------------------------------------------------------------------------- planning steps

  /** `oldVm`: the VM a delete or replacement removes, as its ownership check just read it. */
  private async stepsOf(change: ResourceChange, kind: OneKind, desired: DesiredState | undefined, oldVm: VmRecord | undefined): Promise<{ plan: Step[]; error?: string }> {
    if (change.action === "noop") return { plan: arrivalSteps(kind, change.arriving) };
    if (change.action === "delete") return { plan: deleteSteps(kind, oldVm) };
    if (change.phase === "finish") return { plan: replacePhaseSteps(change, this.context(change), liveIdOf(change), "finish", oldVm) };
    await this.ids.learnReferences(change);
    const ctx = this.context(change);
    const after = change.after as Record<string, unknown> | undefined;
    if (kind === "Image" && typeof after?.datastore === "string") ctx.datastoreId = await this.calls.datastoreId(change.address, after.datastore);
    else if (kind === "Image" && typeof after?.datastore === "number") ctx.datastoreId = after.datastore;
    switch (change.action) {
      case "create":
        return { plan: createSteps(change, ctx) };
      case "replace":
        if (change.phase === "create") return { plan: replacePhaseSteps(change, ctx, liveIdOf(change), "create") };
        return { plan: replaceSteps(change, ctx, liveIdOf(change), oldVm) };
      case "update": {
        const live = await this.info(change, kind);
        const error = live.kind === "VirtualMachine" ? templateGet(live.record.userTemplate, "ERROR") : undefined;
        return { plan: updateSteps(change, this.effective(change, desired), live, ctx), ...(error !== undefined ? { error } : {}) };
      }
    }
  }

  private context(change: ResourceChange): StepContext {
    return { stack: this.stack, idOf: (address) => this.ids.idOf(change.address, address), resolve: (ref) => this.ids.resolveValue(change.address, ref) };
  }

  /** The declaration the diff compared against: a VM's template under its own props. */
  private effective(change: ResourceChange, desired: DesiredState | undefined): Record<string, unknown> {
    const after = change.after as Record<string, unknown>;
    if (!desired) return after;
    const byAddress = new Map<string, DesiredResource>(desired.resources.map((r) => [r.address, r]));
    const resource = byAddress.get(change.address);
    if (!resource) return after;
    return { name: resource.name, ...effectiveProps(resource, byAddress, openNebulaDiffRules) };
  }

  private async info(change: ResourceChange, kind: OneKind): Promise<LiveRecord> {
    const id = liveIdOf(change);
    const read = this.justRead.get(`${kind}#${id}`);
    if (read) {
      this.justRead.delete(`${kind}#${id}`);
      return read;
    }
    const xml = await this.calls.read(INFO_OF[kind], [id], change.address);
    return { kind, record: parseObject(POOL_OF[kind], String(xml)) } as LiveRecord;
  }

  // ---------------------------------------------------------------------------- the engine's driver

  /** What the step engine asks of OpenNebula: its calls, its batched looks, what a wait makes of them. */
  private driver(): StepDriver<OneCall, WaitFor, Looked> {
    const params = (op: Operation, list: Param[]) => list.map((p) => (typeof p === "object" ? target(op, p.$) : p));
    return {
      call: async (op, step) => {
        const on = step.params.some((p) => typeof p === "object" && p.$ === "old") ? "old" : "id";
        try {
          await this.calls.send(op, step, params(op, step.params), target(op, on), opData(op).seen);
        } catch (error) {
          if (!(step.ignoreMissing && error instanceof OneApiError && error.codeName === "NO_EXISTS")) {
            throw new OperationError(op.address, `${step.label} failed`, describeOneError(error), error);
          }
        }
      },
      allocate: async (op, step) => {
        const data = opData(op);
        const id = await this.calls.allocate(op, step, params(op, step.params), data.kind, data.old);
        this.ids.set(op.address, id);
        return String(id);
      },
      look: (waiting) => lookAt(this.client, waiting.map(({ op, step }) => ({ id: target(op, step.on === "old" ? "old" : "id"), until: step.until }))),
      arrival: (op, step, looked) => {
        const data = opData(op);
        return arrivalOf(op.address, step.label, step.until, step.hotplug === true, target(op, step.on === "old" ? "old" : "id"), looked, {
          vm: (vm) => {
            data.outputs = vmOutputs(vm);
            this.ids.rememberVm(op.address, vm);
            data.seen[vm.id] = vmFingerprint(vm);
          },
          looks: (vm) => {
            data.seen[vm.id] = vmFingerprint(vm);
          },
          errorAtStart: data.error,
          previousStep: op.steps[op.step - 1] ?? "the hot-plug call",
        });
      },
      done: (op) => {
        if (op.action === "delete") {
          this.ids.delete(op.address);
          return { address: op.address, phase: "done", state: "DELETED" };
        }
        const outputs: Record<string, string | number> = { ...(opData(op).outputs ?? {}) };
        if (op.id !== undefined) outputs.id = Number(op.id);
        return { address: op.address, phase: "done", state: "DONE", ...(op.id !== undefined ? { id: op.id } : {}), outputs };
      },
      failure: (address, summary, detail, cause) => new OperationError(address, summary, detail, cause),
      describe: describeOneError,
      restored: "the VM was powered on again, as it was before the change",
    };
  }
}

function opData(op: Operation): OpData {
  return dataOf(op) as OpData;
}

/** The id of the object being made (`id`) or replaced/deleted (`old`). */
function target(op: Operation, which: "id" | "old"): number {
  const value = which === "old" ? opData(op).old : op.id === undefined ? undefined : Number(op.id);
  if (value === undefined || !Number.isInteger(value)) throw new OperationError(op.address, `the ${which === "old" ? "live object's" : "new object's"} id is not known`);
  return value;
}

function liveIdOf(change: ResourceChange): number {
  const id = Number(change.id);
  if (change.id === undefined || !Number.isInteger(id)) throw new OperationError(change.address, `an ${change.action} needs the id of the live object, and the plan has none`);
  return id;
}

function vmOutputs(vm: VmRecord): Record<string, string | number> {
  const nic = templateVectors(vm.template, "NIC")[0];
  return { id: vm.id, ...(nic?.IP ? { ip: nic.IP } : {}), ...(nic?.MAC ? { mac: nic.MAC } : {}) };
}
