/**
 * Gandi's apply: the kit's step engine driven by the hosting API (steps.ts says which calls).
 *
 * Every slow call queues a hosting operation (FACTS §2.2); its id is the step's handle. One look of
 * the engine makes one `operation_list` of the operations updated since the last look, then one
 * `operation_details` for each of those that a change waits on: however many operations are in flight,
 * a look costs one list and a call per operation that moved. DONE is arrival; ERROR (with its
 * comment) and CANCEL are failures.
 *
 * A create is sent once: a VM's hostname and a disk's name are unique per account, so a create whose
 * answer was lost is looked for by that name before anything else, never sent blindly again.
 */
import { HyperplanError } from "../../errors.js";
import type { Operation, OperationStatus, OwnershipReading } from "../../core/operation.js";
import type { Plan, ResourceChange } from "../../core/plan.js";
import type { DesiredResource, DesiredState, ImageSpec, VirtualMachineSpec } from "../../resources/desired-state.js";
import { systemClock, type Clock } from "../../core/clock.js";
import { TransportError } from "../kit/http-transport.js";
import { StepEngine, dataOf, operationFor, type Arrival, type StepDriver } from "../kit/step-engine.js";
import type { GandiClient } from "./client.js";
import { isGandiFault } from "./errors.js";
import { addressOfName, gandiName, ownedName, type GandiKind } from "./naming.js";
import { SHARE_MIB } from "./profile.js";
import { osDisplayName, type GandiOperation } from "./records.js";
import { stepsFor, type GandiAction, type GandiWait } from "./steps.js";

export class GandiOperationError extends HyperplanError {
  constructor(address: string, summary: string, detail?: string, cause?: unknown) {
    super("GANDI_OPERATION", summary, { address, ...(detail !== undefined ? { detail } : {}), ...(cause !== undefined ? { cause } : {}) });
  }
}

function describe(error: unknown): string {
  if (error instanceof HyperplanError) return error.detail ? `${error.summary}: ${error.detail}` : error.summary;
  return error instanceof Error ? error.message : String(error);
}

/** How long a delete waits for each detach of its VM's disks. */
const INLINE_WAIT_MS = 10 * 60_000;

/** A handle that needs no wait: the step found nothing to do. */
const NOTHING = "done:";

export class GandiOperations {
  private readonly engine: StepEngine<{ gandi: GandiAction }, GandiWait, Map<number, GandiOperation>>;
  private readonly clock: Clock;
  private readonly refs = new Map<string, number>();
  /** The plan's addresses by kind and name (begin). */
  private readonly planned: { address: string; kind: string; name: string }[] = [];
  private readonly desired = new Map<string, DesiredResource>();
  /** The last state seen of each operation followed. */
  private readonly seen = new Map<number, GandiOperation>();
  private lastLook: Date | undefined;

  constructor(
    private readonly client: GandiClient,
    private readonly stack: string,
    options: { clock?: Clock } = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.engine = new StepEngine(this.driver());
  }

  begin(plan: Plan): void {
    // Which address each name of the plan stands for: ownership is read before a change starts.
    for (const change of plan.changes) {
      const name = ((change.after ?? change.before) as { name?: unknown } | undefined)?.name;
      if (typeof name === "string" && !change.address.includes("~")) this.planned.push({ address: change.address, kind: change.kind, name });
    }
    for (const change of plan.changes) {
      if (change.id === undefined || change.action === "delete" || change.action === "replace") continue;
      this.refs.set(change.address, Number(change.id));
    }
  }

  async start(change: ResourceChange, desired: DesiredState | undefined): Promise<Operation> {
    for (const r of desired?.resources ?? []) this.desired.set(r.address, r);
    return this.engine.start(operationFor(change, stepsFor(change), this.clock.now()));
  }

  poll(operations: Operation[]): Promise<OperationStatus[]> {
    return this.engine.poll(operations);
  }

  /** The stack an object's name says it belongs to (naming.ts). */
  async readOwnership(kind: string, id: string): Promise<OwnershipReading> {
    try {
      const name = kind === "VirtualMachine" ? (await this.client.vmInfo(Number(id))).hostname : kind === "Image" ? (await this.client.diskInfo(Number(id))).name : undefined;
      const declared = name === undefined ? undefined : ownedName(this.stack, kind as GandiKind, name);
      return declared === undefined ? { state: "untagged" } : { state: "tagged", tag: { stack: this.stack, address: addressOfName(this.stack, kind, declared, [...this.desired.values(), ...this.planned]), kind } };
    } catch (error) {
      if (isGandiFault(error, "not-found")) return { state: "gone" };
      throw error;
    }
  }

  // -------------------------------------------------------------------------------------------

  private driver(): StepDriver<{ gandi: GandiAction }, GandiWait, Map<number, GandiOperation>> {
    return {
      call: async (op, step) => {
        if (step.gandi.do !== "vm.check") throw new GandiOperationError(op.address, `${step.label}: a Gandi step without an operation`);
        await this.checkVm(op);
      },
      allocate: async (op) => {
        throw new GandiOperationError(op.address, "Gandi creates are operations");
      },
      handle: (op, step) => this.handle(op, step.gandi),
      look: (waiting) => this.look(waiting.map((w) => w.op)),
      arrival: (op, _step, looked) => this.arrival(op, looked),
      done: (op) => ({ address: op.address, phase: "done", state: op.action === "delete" ? "GONE" : "DONE", ...(op.id !== undefined && op.action !== "delete" ? { id: op.id } : {}) }),
      failure: (address, summary, detail, cause) => new GandiOperationError(address, summary, detail, cause),
      describe,
      restored: "the VM was started again, as it was before the change",
    };
  }

  private resource(op: Operation): DesiredResource {
    const r = this.desired.get(op.address);
    if (!r) throw new GandiOperationError(op.address, "apply has no declaration for this change");
    return r;
  }

  private target(op: Operation, action: { old?: true }): number {
    const id = action.old === true || op.action === "delete" ? (op.data.old as string | undefined) : op.id;
    if (id === undefined) throw new GandiOperationError(op.address, "the object's Gandi id is not known");
    return Number(id);
  }

  private async refOf(user: string, address: string): Promise<number> {
    const known = this.refs.get(address);
    if (known !== undefined) return known;
    const name = gandiName(this.stack, "Image", this.desired.get(address)?.name ?? address.slice(this.stack.length + 1));
    for (const id of await this.client.diskList()) {
      if ((await this.client.diskInfo(id)).name === name) {
        this.refs.set(address, id);
        return id;
      }
    }
    throw new GandiOperationError(user, `refers to ${address}, which does not exist on the account`);
  }

  /** The operation a create queued for the object `id` (a create answers the object's id, not the operation's). */
  private async operationOf(op: Operation, type: string, key: "vm_id" | "disk_id", id: number): Promise<number> {
    const ids = await this.client.operationList({ type, state: "ALL" });
    for (const opId of [...ids].reverse()) {
      const details = await this.client.operationDetails(opId);
      if (details.param[key] === id) return opId;
    }
    throw new GandiOperationError(op.address, `the ${type} operation of ${key} ${id} is not in the account's operations`);
  }

  /** A create sent once; after a lost answer the object is looked for by its unique name. */
  private async createOnce(find: () => Promise<number | undefined>, send: () => Promise<number>): Promise<number> {
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof TransportError && error.mayHaveActed)) throw error;
      const found = await find();
      if (found === undefined) throw error;
      return found;
    }
  }

  private async handle(op: Operation, action: GandiAction): Promise<string> {
    const after = (op.data.after ?? {}) as Record<string, unknown>;
    switch (action.do) {
      case "disk.create": {
        const props = after as unknown as ImageSpec;
        const name = gandiName(this.stack, "Image", this.resource(op).name);
        const fstype = (props.raw?.gandi?.fstype as string | undefined) ?? "ext3";
        const id = await this.createOnce(
          async () => {
            for (const d of await this.client.diskList()) if ((await this.client.diskInfo(d)).name === name) return d;
            return undefined;
          },
          () => this.client.diskCreate({ size: props.size ?? 1, name, fstype: fstype as "ext3" }),
        );
        op.id = String(id);
        this.refs.set(op.address, id);
        return String(await this.operationOf(op, "disk_create", "disk_id", id));
      }
      case "vm.create": {
        const props = after as unknown as VirtualMachineSpec;
        const hostname = gandiName(this.stack, "VirtualMachine", this.resource(op).name);
        const wanted = props.raw?.gandi?.os;
        const os = (await this.client.osList()).find((o) => osDisplayName(o) === wanted || o.name === wanted || o.label === wanted);
        if (!os) throw new GandiOperationError(op.address, `the catalogue has no OS named ${JSON.stringify(wanted)} (raw.gandi.os)`);
        const password = (this.resource(op).props as VirtualMachineSpec).context?.password?.secret;
        if (password === undefined) throw new GandiOperationError(op.address, "context.password is not given: vm_create needs the root password");
        const id = await this.createOnce(
          async () => {
            for (const v of await this.client.vmList()) if ((await this.client.vmInfo(v)).hostname === hostname) return v;
            return undefined;
          },
          () => this.client.vmCreate({ hostname, password, os_id: os.id, shares: Math.max(1, Math.round((props.memory ?? SHARE_MIB) / SHARE_MIB)), cpu: props.vcpu ?? 1 }),
        );
        op.id = String(id);
        this.refs.set(op.address, id);
        return String(await this.operationOf(op, "vm_create", "vm_id", id));
      }
      case "vm.attach": {
        const disk = (after as unknown as VirtualMachineSpec).disks?.[action.index];
        if (!disk || disk.source !== "image") throw new GandiOperationError(op.address, `disks[${action.index}] is not a disk of the stack`);
        return String(await this.client.diskAttach(await this.refOf(op.address, disk.image.ref), Number(op.id)));
      }
      case "vm.detach": {
        const disks = await this.dataDisks(Number(op.id));
        const disk = disks[action.liveIndex];
        return disk === undefined ? NOTHING : String(await this.client.diskDetach(disk, Number(op.id)));
      }
      case "vm.detach-all": {
        const vm = this.target(op, action);
        for (const disk of await this.dataDisks(vm)) await this.waitInline(op, await this.client.diskDetach(disk, vm));
        return NOTHING;
      }
      case "vm.update": {
        const props = after as unknown as VirtualMachineSpec;
        return String(await this.afterBusy(Number(op.id), () => this.client.vmUpdate(Number(op.id), { shares: Math.max(1, Math.round((props.memory ?? SHARE_MIB) / SHARE_MIB)), cpu: props.vcpu ?? 1 })));
      }
      case "vm.start":
        return String(await this.afterBusy(Number(op.id), () => this.client.vmStart(Number(op.id))));
      case "vm.stop": {
        const vm = this.target(op, action);
        return this.afterBusy(vm, async () => {
          try {
            if ((await this.client.vmInfo(vm)).state !== "running") return NOTHING;
          } catch (error) {
            if (isGandiFault(error, "not-found")) return NOTHING;
            throw error;
          }
          return String(await this.client.vmStop(vm));
        });
      }
      case "vm.delete": {
        const vm = this.target(op, action);
        return this.gone(() => this.afterBusy(vm, () => this.client.vmDelete(vm)));
      }
      case "disk.delete":
        return this.gone(() => this.client.diskDelete(this.target(op, action)));
      case "vm.check":
        throw new GandiOperationError(op.address, "vm_info is a call, not an operation to follow");
    }
  }

  /** The VM as vm_info reads it after its operations are DONE, against the declaration: every difference named. */
  private async checkVm(op: Operation): Promise<void> {
    const props = (op.data.after ?? {}) as VirtualMachineSpec;
    const id = Number(op.id);
    const vm = await this.client.vmInfo(id);
    const wrong: string[] = [];
    const shares = Math.max(1, Math.round((props.memory ?? SHARE_MIB) / SHARE_MIB));
    if (vm.cpu !== (props.vcpu ?? 1)) wrong.push(`cpu ${vm.cpu}, declared ${props.vcpu ?? 1}`);
    if (vm.shares !== shares) wrong.push(`shares ${vm.shares}, declared ${shares} (memory ${props.memory} MiB)`);
    const wantedOs = props.raw?.gandi?.os;
    const os = (await this.client.osList()).find((o) => o.id === vm.os_id);
    if (wantedOs !== undefined && !(os !== undefined && (osDisplayName(os) === wantedOs || os.name === wantedOs || os.label === wantedOs))) {
      wrong.push(`OS ${os ? JSON.stringify(osDisplayName(os)) : `id ${vm.os_id}`}, declared ${JSON.stringify(wantedOs)}`);
    }
    const running = (props.powerState ?? "running") === "running";
    if ((vm.state === "running") !== running) wrong.push(`state ${vm.state}, declared ${running ? "running" : "stopped"}`);
    const declaredDisks = await Promise.all((props.disks ?? []).flatMap((d) => (d.source === "image" ? [this.refOf(op.address, d.image.ref)] : [])));
    const attached = await this.dataDisks(id);
    const want = [...declaredDisks].sort((a, b) => a - b).join(", ");
    if (attached.join(", ") !== want) wrong.push(`data disks [${attached.join(", ")}], declared [${want}]`);
    if (wrong.length > 0) {
      throw new GandiOperationError(op.address, `VM ${id}'s operations are DONE but it does not read back as declared: ${wrong.join("; ")}`);
    }
  }

  /**
   * Sends a call on a VM; when the API refuses it because another operation of the VM is under way
   * (wrong state, cause 60: a stopped run's vm_stop still running), waits for the VM's operations in
   * flight to end, then sends it again, at most three times.
   */
  private async afterBusy<T>(vm: number, send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        if (!isGandiFault(error, "wrong-state") || attempt > 3) throw error;
        const inFlight: number[] = [];
        for (const state of ["PENDING", "RUN"] as const) {
          for (const id of await this.client.operationList({ state })) {
            if ((await this.client.operationDetails(id)).param.vm_id === vm) inFlight.push(id);
          }
        }
        if (inFlight.length === 0) throw error;
        for (const id of inFlight) {
          for (let look = 0; look < 600; look++) {
            const state = (await this.client.operationDetails(id)).state;
            if (state !== "PENDING" && state !== "RUN") break;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      }
    }
  }

  /** A delete of an object already gone has nothing to wait for. */
  private async gone(send: () => Promise<number>): Promise<string> {
    try {
      return String(await send());
    } catch (error) {
      if (isGandiFault(error, "not-found")) return NOTHING;
      throw error;
    }
  }

  /** The VM's disks of the stack, as the reader lists them (by id). */
  private async dataDisks(vm: number): Promise<number[]> {
    // vm_info lists the VM's disks where the API tells; only then is the account's whole list read.
    const attached = (await this.client.vmInfo(vm)).disks ?? (await this.client.diskList());
    const out: number[] = [];
    for (const id of attached) {
      const disk = await this.client.diskInfo(id);
      if (disk.vm_id === vm && ownedName(this.stack, "Image", disk.name) !== undefined) out.push(id);
    }
    return out.sort((a, b) => a - b);
  }

  /** Follows one operation to its end within a step (a delete's detaches). */
  private async waitInline(op: Operation, opId: number): Promise<void> {
    const deadline = this.clock.now() + INLINE_WAIT_MS;
    for (;;) {
      const details = await this.client.operationDetails(opId);
      if (details.state === "DONE") return;
      if (details.state === "ERROR" || details.state === "CANCEL") throw new GandiOperationError(op.address, `${details.type} ended ${details.state}`, details.comment);
      if (this.clock.now() > deadline) throw new GandiOperationError(op.address, `${details.type} (operation ${opId}) is still ${details.state} after ${INLINE_WAIT_MS / 60_000} minutes`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** One operation_list of what moved since the last look, then the details of those waited on. */
  private async look(waiting: Operation[]): Promise<Map<number, GandiOperation>> {
    const handles = waiting.map((op) => dataOf(op).handle).filter((h): h is string => h !== undefined && h !== NOTHING).map(Number);
    if (handles.length === 0) return this.seen;
    const now = new Date(this.clock.now());
    // Dates are whole seconds: look a second back so nothing updated in the same second is missed.
    const since = this.lastLook === undefined ? undefined : new Date(this.lastLook.getTime() - 1000);
    const moved = new Set(await this.client.operationList({ state: "ALL", ...(since ? { updated_after: since } : {}) }));
    this.lastLook = now;
    await Promise.all(
      handles.filter((h) => moved.has(h) || !this.seen.has(h)).map(async (h) => this.seen.set(h, await this.client.operationDetails(h))),
    );
    return this.seen;
  }

  private arrival(op: Operation, looked: Map<number, GandiOperation>): Arrival {
    const handle = dataOf(op).handle;
    if (handle === undefined || handle === NOTHING) return { phase: "arrived" };
    const details = looked.get(Number(handle));
    if (!details) return { phase: "running", state: "PENDING" };
    switch (details.state) {
      case "DONE":
        return { phase: "arrived" };
      case "ERROR":
      case "CANCEL":
        return { phase: "failed", state: details.state, error: new GandiOperationError(op.address, `${details.type} ended ${details.state}`, details.comment) };
      default:
        return { phase: "running", state: `${details.type} ${details.state}` };
    }
  }
}
