/**
 * XenServer's apply: the kit's step engine driven by XenAPI calls (steps.ts says which).
 *
 * Asynchronous calls are `Async.*` tasks; every task in flight is followed by the client's one
 * TaskWatcher (a single `event.from` loop, FACTS §1.9), and the engine's poll looks at what it saw:
 * however many tasks run, apply's calls per second stay those of one event.from at a time. A look
 * waits up to LOOK_WAIT_MS for a task to finish, so a poll is a blocking wait on events, not a loop
 * of reads.
 *
 * Calls whose answer may have been lost after xapi acted are never sent blindly again: a create
 * (network.create, Async.VDI.create, Async.VM.clone) is looked for by its tag or marker name first;
 * reads are retried; other writes fail with the transport's words and the next plan shows where the
 * object stands.
 */
import { HyperplanError } from "../../errors.js";
import type { Operation, OperationStatus, OwnershipReading } from "../../core/operation.js";
import type { Plan, ResourceChange } from "../../core/plan.js";
import type { DesiredResource, DesiredState, ImageSpec, VirtualMachineSpec, VirtualNetworkSpec } from "../../resources/desired-state.js";
import { systemClock, type Clock } from "../../core/clock.js";
import { Retrier } from "../../core/retry.js";
import { TransportError } from "../kit/http-transport.js";
import { StepEngine, dataOf, type Arrival, type StepDriver } from "../kit/step-engine.js";
import type { OwnershipTag } from "../kit/ownership.js";
import { TAG_ADDRESS, TAG_KIND, TAG_REPLACES, TAG_STACK } from "../kit/ownership.js";
import type { RecordFields } from "./record-index.js";
import type { XenApiClient } from "./client.js";
import { effectiveProps } from "../../diff/effective.js";
import { xenServerDiffRules } from "./diff-rules.js";
import { isXenApiError, XenApiError } from "./errors.js";
import { isRef, type Ref, type WireValue } from "./field-types.js";
import type { VbdRecord, VifRecord } from "./records.js";
import { mapKeysOf, mapKeysValue, VM_MAPS, XEN_TAG_KEYS, TAG_ATTRIBUTES, TAG_MAP_KEYS, retagged, tagEntries, tagOf, TAG_COPY_OF, TAG_FROM, TAG_PERSISTENT, TAG_SOURCE, TAG_START_FAILED, TAG_TEMPLATE, unfinishedName, unfinishedTag, VM_DISK_KIND } from "./ownership.js";
import { stepsFor, type XenAction, type XenWait } from "./steps.js";
import { refOfId } from "./reader.js";

const MiB = 1024 * 1024;
/** The keys an attributes update writes anew: the tags and the attribute list. */
const TAG_KEYS_REWRITTEN = new Set(["HYPERPLAN_STACK", "HYPERPLAN_ADDRESS", "HYPERPLAN_KIND", TAG_ATTRIBUTES]);

/** How long one look waits for a task to finish before reporting the operations still running. */
export const LOOK_WAIT_MS = 1_000;

export class XenOperationError extends HyperplanError {
  constructor(address: string, summary: string, detail?: string, cause?: unknown) {
    super("XEN_OPERATION", summary, { address, ...(detail !== undefined ? { detail } : {}), ...(cause !== undefined ? { cause } : {}) });
  }
}

/** An error in words: xapi's code and parameters where it gave them. */
export function describeXenError(error: unknown): string {
  if (error instanceof XenApiError) return error.message;
  if (error instanceof HyperplanError) return error.detail ? `${error.summary}: ${error.detail}` : error.summary;
  return error instanceof Error ? error.message : String(error);
}

type Settled = { ok: true; value: WireValue } | { ok: false; error: unknown };

/** A task being followed, and how it ended once it did. */
interface Followed {
  settled?: Settled;
  promise: Promise<void>;
}

export interface XenOperationsOptions {
  clock?: Clock;
  retryTimeoutMs?: number;
  onRetry?: ConstructorParameters<typeof Retrier>[0]["onRetry"];
}

export class XenServerOperations {
  private readonly engine: StepEngine<{ xen: XenAction }, XenWait, void>;
  private readonly retrier: Retrier;
  private readonly clock: Clock;
  /** XenAPI refs of the stack's objects by address: from the plan, then from each create. */
  private readonly refs = new Map<string, string>();
  private readonly desired = new Map<string, DesiredResource>();
  private readonly followed = new Map<string, Followed>();
  /** The tasks that had ended when the last look ended: what arrival may act on (one ending later waits for the next look). */
  private looked = new Set<string>();
  private scan: Promise<void> | undefined;

  constructor(
    private readonly client: XenApiClient,
    private readonly stack: string,
    options: XenOperationsOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.retrier = new Retrier({ clock: this.clock, ...(options.retryTimeoutMs !== undefined ? { timeoutMs: options.retryTimeoutMs } : {}), ...(options.onRetry ? { onRetry: options.onRetry } : {}) });
    this.engine = new StepEngine(this.driver());
  }

  begin(plan: Plan): void {
    for (const change of plan.changes) {
      if (change.id === undefined || change.action === "delete" || change.action === "replace") continue;
      this.refs.set(change.address, change.id);
    }
  }

  async start(change: ResourceChange, desired: DesiredState | undefined): Promise<Operation> {
    for (const r of desired?.resources ?? []) this.desired.set(r.address, r);
    // A VM made from one of the stack's templates is made as its effective declaration says.
    const declared = this.desired.get(change.address);
    if (declared?.kind === "VirtualMachine" && declared.props.template !== undefined && change.after !== undefined) {
      change = { ...change, after: { ...change.after, ...effectiveProps(declared, this.desired, xenServerDiffRules) } };
    }
    const steps = stepsFor(change, (image) => {
      const declared = this.desired.get(image);
      return declared?.kind === "Image" && declared.props.persistent === true;
    });
    // The second phase of a two-phase replacement deletes the old object once its users moved.
    const made = change.phase === "finish" ? this.refs.get(change.address) : undefined;
    if (change.phase === "finish" && made === undefined) throw new XenOperationError(change.address, "the new object of this replacement is not known; its first phase did not finish");
    const old = change.action === "delete" || change.action === "replace" ? change.id : undefined;
    const op: Operation = {
      address: change.address,
      kind: change.kind,
      action: change.action,
      ...(change.id !== undefined && (change.action === "update" || change.action === "noop" || change.action === "delete") ? { id: change.id } : {}),
      ...(made !== undefined ? { id: made } : {}),
      steps: steps.map((s) => s.label),
      step: 0,
      startedAt: this.clock.now(),
      data: {
        plan: steps,
        change: { address: change.address, kind: change.kind, action: change.action, after: change.after ?? null, before: change.before ?? null },
        ...(old !== undefined ? { old } : {}),
        ...(change.action === "replace" && old !== undefined ? { replaces: old } : {}),
      },
    };
    const status = await this.engine.run(op);
    if (status.phase === "done") return { ...op, finished: status };
    return op;
  }

  poll(operations: Operation[]): Promise<OperationStatus[]> {
    return this.engine.poll(operations);
  }

  /** The tags the object carries now: other_config, or the marker name of a clone not yet tagged. */
  async readOwnership(kind: string, id: string): Promise<OwnershipReading> {
    const cls = kind === "VirtualMachine" || kind === "VmTemplate" ? "VM" : kind === "Image" ? "VDI" : kind === "VirtualNetwork" ? "network" : undefined;
    if (!cls) return { state: "untagged" };
    try {
      const ref = await this.refById(cls, id);
      if (ref === undefined) return { state: "gone" };
      id = ref;
      const otherConfig = (await this.read(`${cls}.get_other_config`, id)) as Record<string, string>;
      const tag = tagOf(otherConfig);
      if (tag && tag.kind === kind) return { state: "tagged", tag };
      if (cls === "VM") {
        const marker = unfinishedTag((await this.read("VM.get_name_label", id)) as string);
        if (marker && marker.kind === kind) return { state: "tagged", tag: marker };
      }
      return tag ? { state: "tagged", tag } : { state: "untagged" };
    } catch (error) {
      if (isXenApiError(error, "HANDLE_INVALID")) return { state: "gone" };
      throw error;
    }
  }

  // -------------------------------------------------------------------------------------------
  // The driver

  private driver(): StepDriver<{ xen: XenAction }, XenWait, void> {
    return {
      call: (op, step) => this.call(op, step.xen, step.ignoreMissing === true),
      allocate: (op, step) => this.allocate(op, step.xen),
      handle: (op, step) => this.handle(op, step.xen),
      look: (waiting) => this.look(waiting.map((w) => w.op)),
      arrival: (op) => this.arrival(op),
      done: (op) => ({
        address: op.address,
        phase: "done",
        state: op.action === "delete" ? "GONE" : "READY",
        ...(op.id !== undefined && op.action !== "delete" ? { id: op.id } : {}),
        ...((op.data.values as Record<string, string> | undefined) ? { outputs: op.data.values as Record<string, string> } : {}),
      }),
      failure: (address, summary, detail, cause) => new XenOperationError(address, summary, detail, cause),
      describe: describeXenError,
      restored: "the VM was started again, as it was before the change",
    };
  }

  private changeOf(op: Operation): { after: Record<string, unknown> | null; before: Record<string, unknown> | null } {
    return op.data.change as { after: Record<string, unknown> | null; before: Record<string, unknown> | null };
  }

  private resource(op: Operation): DesiredResource {
    const r = this.desired.get(op.address.replace(/~(replaced|duplicate)-.*$/, ""));
    if (!r) throw new XenOperationError(op.address, "apply has no declaration for this change");
    return r;
  }

  private tag(op: Operation, kind = op.kind): OwnershipTag {
    return { stack: this.stack, address: op.address, kind };
  }

  private id(op: Operation): string {
    if (op.id === undefined) throw new XenOperationError(op.address, "the object's XenAPI ref is not known yet");
    return op.id;
  }

  /** The object a step works on: the new (or kept) one, or the old one a delete or replacement removes. */
  private target(op: Operation, action: { old?: true }): string {
    if (action.old !== true && op.action !== "delete") return this.id(op);
    const old = op.data.old as string | undefined;
    if (old === undefined) throw new XenOperationError(op.address, "the live object's XenAPI ref is not known");
    return old;
  }

  /** The replaces mark of a replacement's new object. */
  private replacesMark(op: Operation): Record<string, string> {
    const replaces = op.data.replaces as string | undefined;
    return replaces === undefined ? {} : { [TAG_REPLACES]: replaces };
  }

  /**
   * A moved (or imported) object's tag: its other_config keys written over (xapi has no set for one
   * key: remove, then add; both are safe to send again). A VM's own disks carry its address as theirs
   * (VmDisk): they move with it.
   */
  async retag(kind: string, id: string, from: OwnershipTag, to: OwnershipTag): Promise<void> {
    const cls = kind === "VirtualMachine" || kind === "VmTemplate" ? "VM" : kind === "Image" ? "VDI" : kind === "VirtualNetwork" ? "network" : undefined;
    if (!cls) throw new XenOperationError(`${kind}#${id}`, `XenServer has no kind ${kind}`);
    const ref = await this.refById(cls, id);
    if (ref === undefined) throw new XenOperationError(`${kind}#${id}`, `XenServer has no ${cls} ${id}`);
    id = ref;
    const rewrite = async (c: string, ref: string, kindTag = to.kind) => {
      for (const [key, value] of [[TAG_STACK, to.stack], [TAG_ADDRESS, to.address], [TAG_KIND, kindTag]] as const) {
        await this.write(`${c}.remove_from_other_config`, ref, key);
        await this.write(`${c}.add_to_other_config`, ref, key, value);
      }
    };
    if (cls === "VM") {
      for (const vbd of await this.vbdsOf(id)) {
        const vdi = vbd.record.VDI;
        if (vdi === null || vbd.record.type !== "Disk") continue;
        const tag = tagOf((await this.read("VDI.get_other_config", vdi)) as Record<string, string>);
        if (tag?.stack === from.stack && tag.kind === VM_DISK_KIND && tag.address === from.address) await rewrite("VDI", vdi, VM_DISK_KIND);
      }
    }
    await rewrite(cls, id);
  }

  /** The ref of the object `id` (a ref or a uuid) names in `cls` (reader.ts's `refOfId`, with this run's retries). */
  private refById(cls: string, id: string): Promise<string | undefined> {
    return refOfId((method, ...params) => this.read(method, ...params), cls, id);
  }

  /** A read: retried while xapi does not answer. */
  private read(method: string, ...params: (string | number | boolean)[]): Promise<WireValue> {
    return this.retrier.run(method, () => this.client.call(method, ...params));
  }

  /**
   * The records of `cls` tagged as this stack's (or that `also` keeps), from one `get_all_records`
   * whose other records are never decoded (record-index.ts): retried while xapi does not answer.
   */
  private async readOwnRecords(cls: "network" | "VDI" | "VM", also?: (fields: RecordFields) => boolean): Promise<Map<string, Record<string, WireValue>>> {
    const index = await this.retrier.run(`${cls}.get_all_records`, () => this.client.indexAllRecords(cls, ["name_label", "other_config"]));
    return index.select((_ref, fields) => fields.entry("other_config", TAG_STACK) === this.stack || also?.(fields) === true);
  }

  /** A write: retried only when it surely never reached xapi. */
  private write(method: string, ...params: Parameters<XenApiClient["call"]>[1][]): Promise<WireValue> {
    return this.retrier.run(method, () => this.client.call(method, ...params), { isTransient: (e) => e instanceof TransportError && !e.mayHaveActed });
  }

  /** The ref of an object of the stack, which `user` refers to. */
  private async refOf(user: string, address: string): Promise<string> {
    if (!this.refs.has(address)) {
      this.scan ??= this.scanOwned();
      await this.scan;
    }
    const ref = this.refs.get(address);
    if (ref === undefined) throw new XenOperationError(user, `refers to ${address}, which does not exist in the pool`);
    return ref;
  }

  /** One read of the stack's networks and VDIs, for a plan limited by targets that refers to others. */
  private async scanOwned(): Promise<void> {
    const [networks, vdis] = await Promise.all([this.readOwnRecords("network"), this.readOwnRecords("VDI")]);
    for (const [ref, r] of [...networks, ...vdis]) {
      const tag = tagOf(r.other_config as Record<string, string>);
      if (tag?.stack === this.stack && !this.refs.has(tag.address)) this.refs.set(tag.address, ref);
    }
  }

  /** The ref of the object of `cls` carrying this change's tag, if one exists (a create whose answer was lost). */
  private async findTagged(cls: "network" | "VDI" | "VM", op: Operation): Promise<string | undefined> {
    const unfinished = unfinishedName(this.tag(op));
    const records = (await this.readOwnRecords(cls, (fields) => cls === "VM" && fields.text("name_label") === unfinished)) as Map<string, { other_config: Record<string, string>; name_label: string }>;
    for (const [ref, r] of records) {
      const tag = tagOf(r.other_config);
      if (tag && tag.stack === this.stack && tag.address === op.address && tag.kind === op.kind && (cls !== "VM" || ref !== op.data.template)) return ref;
      if (cls === "VM" && r.name_label === unfinished) return ref;
    }
    return undefined;
  }

  private async allocate(op: Operation, action: XenAction): Promise<string> {
    if (action.do !== "network.create") throw new XenOperationError(op.address, `${action.do} is not a create`);
    const props = (this.changeOf(op).after ?? {}) as unknown as VirtualNetworkSpec;
    const record = {
      name_label: this.resource(op).name,
      name_description: props.description ?? "",
      MTU: props.mtu ?? 1500,
      other_config: { ...tagEntries(this.tag(op), props.attributes ?? {}), ...this.replacesMark(op) },
      ...(props.bridge !== undefined ? { bridge: props.bridge } : {}),
      managed: true,
      tags: [],
    };
    const ref = await this.createOnce(op, "network", () => this.client.call("network.create", record));
    this.refs.set(op.address, ref);
    return ref;
  }

  /** A create sent once; an answer lost after xapi may have acted is looked for by the object's tag. */
  private async createOnce(op: Operation, cls: "network" | "VDI" | "VM", send: () => Promise<WireValue>): Promise<string> {
    try {
      const value = await this.retrier.run(`${cls} create`, send, { isTransient: (e) => e instanceof TransportError && !e.mayHaveActed });
      if (!isRef(value)) throw new XenOperationError(op.address, `xapi answered the create with ${JSON.stringify(value)}, not a ref`);
      return value;
    } catch (error) {
      if (!(error instanceof TransportError && error.mayHaveActed)) throw error;
      const found = await this.findTagged(cls, op);
      if (found !== undefined) return found;
      throw error;
    }
  }

  private async handle(op: Operation, action: XenAction): Promise<string> {
    const after = (this.changeOf(op).after ?? {}) as Record<string, unknown>;
    switch (action.do) {
      case "vdi.create": {
        const props = after as unknown as ImageSpec;
        const sr = await this.srFor(op, props.datastore);
        const copyOf = props.raw?.xenserver?.copyOf;
        const source = typeof copyOf === "string" ? await this.sourceVdi(op, copyOf) : undefined;
        const size = props.size !== undefined ? props.size * MiB : Number((await this.read("VDI.get_virtual_size", source!)) as string | number);
        if (source !== undefined) op.data.source = source;
        const record = {
          name_label: this.resource(op).name,
          name_description: props.description ?? "",
          SR: sr,
          virtual_size: String(size),
          type: props.type === "os" ? "system" : "user",
          sharable: false,
          read_only: false,
          other_config: {
            ...tagEntries(this.tag(op), props.attributes ?? {}),
            [TAG_PERSISTENT]: String(props.persistent === true),
            ...(typeof copyOf === "string" ? { [TAG_COPY_OF]: copyOf } : {}),
            ...this.replacesMark(op),
          },
          sm_config: {},
          xenstore_data: {},
          tags: [],
        };
        return this.startCreate(op, "VDI", "VDI.create", record);
      }
      case "vdi.fill": {
        const source = op.data.source as string;
        return this.client.startAsync("VDI.copy", source, (await this.read("VDI.get_SR", this.id(op))) as string, "OpaqueRef:NULL", this.id(op));
      }
      case "vm.clone": {
        // A VM of one of the stack's templates is cloned from it; anything else from its pool template.
        const from = (after as { template?: { ref: string } }).template?.ref;
        const template = op.kind === "VirtualMachine" && from !== undefined ? await this.refOf(op.address, from) : await this.templateRef(op);
        op.data.template = template;
        return this.startCreate(op, "VM", "VM.clone", template, unfinishedName(this.tag(op)));
      }
      case "vm.provision":
        return this.afterOthers(() => this.client.startAsync("VM.provision", this.id(op)));
      case "vm.create-copy": {
        // A copy a stopped run made and never attached is made again: it may be half filled.
        const image = this.declaredDisk(op, action.index);
        await this.destroyLooseCopies(op, image);
        const base = await this.refOf(op.address, image);
        const record = {
          name_label: `${this.resource(op).name} ${(await this.read("VDI.get_name_label", base)) as string}`,
          name_description: `${op.address}'s copy of ${image}`,
          SR: (await this.read("VDI.get_SR", base)) as string,
          virtual_size: String((await this.read("VDI.get_virtual_size", base)) as string | number),
          type: (await this.read("VDI.get_type", base)) as string,
          sharable: false,
          read_only: false,
          other_config: { ...tagEntries(this.tag(op, VM_DISK_KIND)), [TAG_SOURCE]: image },
          sm_config: {},
          xenstore_data: {},
          tags: [],
        };
        return this.client.startAsync("VDI.create", record);
      }
      case "vm.copy-disk": {
        const copy = op.data.lastResult;
        if (typeof copy !== "string" || !isRef(copy)) throw new XenOperationError(op.address, `the copy of disks[${action.index}] is not known`);
        const copies = (op.data.copies as Record<string, string> | undefined) ?? {};
        copies[String(action.index)] = copy;
        op.data.copies = copies;
        const base = await this.refOf(op.address, this.declaredDisk(op, action.index));
        return this.client.startAsync("VDI.copy", base, (await this.read("VDI.get_SR", copy)) as string, "OpaqueRef:NULL", copy);
      }
      case "vm.start":
        return this.startVm(op);
      case "vm.clean-shutdown":
        return this.afterOthers(() => this.client.startAsync("VM.clean_shutdown", this.id(op)));
      case "vm.stop":
        return this.gone(op, async () => {
          const vm = this.target(op, action);
          // Shut down since the plan read it: nothing to do.
          return this.afterOthers(async () => {
            if ((await this.read("VM.get_power_state", vm)) === "Halted") return "done:";
            return this.client.startAsync("VM.shutdown", vm);
          });
        });
      case "vm.destroy":
        return this.gone(op, () => this.afterOthers(() => this.client.startAsync("VM.destroy", this.target(op, action))));
      case "vdi.destroy":
        return this.gone(op, () => this.afterOthers(() => this.client.startAsync("VDI.destroy", this.target(op, action))));
      case "set":
        if (action.cls === "VDI" && action.field === "size") {
          const size = String(((after as unknown as ImageSpec).size ?? 0) * MiB);
          const online = await this.attachedToRunningVm(this.id(op));
          return this.client.startAsync(online ? "VDI.resize_online" : "VDI.resize", this.id(op), size);
        }
        throw new XenOperationError(op.address, `${action.cls} ${action.field} is not an asynchronous call`);
      default:
        throw new XenOperationError(op.address, `${action.do} is not an asynchronous call`);
    }
  }

  /** The handle of an object already gone: the wait sees it done. */
  private async gone(op: Operation, send: () => Promise<string>): Promise<string> {
    try {
      return await send();
    } catch (error) {
      if (isXenApiError(error, "HANDLE_INVALID")) return "done:";
      throw error;
    }
  }

  /** An asynchronous create sent once; after a lost answer the object is looked for, and its ref is the handle. */
  private async startCreate(op: Operation, cls: "VDI" | "VM", method: string, ...params: Parameters<XenApiClient["call"]>[1][]): Promise<string> {
    try {
      return await this.retrier.run(`Async.${method}`, () => this.client.startAsync(method, ...params), { isTransient: (e) => e instanceof TransportError && !e.mayHaveActed });
    } catch (error) {
      if (!(error instanceof TransportError && error.mayHaveActed)) throw error;
      // The task may run: give it a moment, then look for what it makes.
      for (let i = 0; i < 10; i++) {
        const found = await this.findTagged(cls, op);
        if (found !== undefined) return `done:${found}`;
        await new Promise((r) => setTimeout(r, 500));
      }
      throw error;
    }
  }

  private async startVm(op: Operation): Promise<string> {
    return this.afterOthers(() => this.client.startAsync("VM.start", this.id(op), false, false));
  }

  /**
   * Sends a call; when xapi refuses it because another operation of the object is under way
   * (OTHER_OPERATION_IN_PROGRESS [class, ref, operation, task]: a run stopped while its shutdown or
   * destroy still runs), waits for that task to end, then sends it again, at most a few times.
   */
  private async afterOthers<T>(send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        if (!isXenApiError(error, "OTHER_OPERATION_IN_PROGRESS") || attempt >= 4) throw error;
        const task = (error as XenApiError).params[3];
        if (task !== undefined && isRef(task) && task !== "OpaqueRef:NULL") await this.client.tasks.follow(task as Ref<"task">).catch(() => undefined);
        else await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private async templateRef(op: Operation): Promise<string> {
    const raw = (this.changeOf(op).after as VirtualMachineSpec | null)?.raw?.xenserver;
    const name = raw?.template;
    if (typeof name !== "string") throw new XenOperationError(op.address, "raw.xenserver.template names no pool template");
    const found = (await this.read("VM.get_by_name_label", name)) as string[];
    const templates: string[] = [];
    for (const ref of found) if ((await this.read("VM.get_is_a_template", ref)) === true) templates.push(ref);
    if (templates.length === 0) throw new XenOperationError(op.address, `the pool has no template named "${name}" (raw.xenserver.template)`);
    if (templates.length > 1) throw new XenOperationError(op.address, `the pool has ${templates.length} templates named "${name}": rename one of them (raw.xenserver.template)`);
    return templates[0]!;
  }

  private async srFor(op: Operation, datastore: string | number | undefined): Promise<string> {
    if (datastore === undefined) {
      const pools = (await this.read("pool.get_all")) as string[];
      const sr = (await this.read("pool.get_default_SR", pools[0]!)) as string;
      if (!isRef(sr) || sr === "OpaqueRef:NULL") throw new XenOperationError(op.address, "the pool has no default SR: name one in datastore");
      return sr;
    }
    const name = String(datastore);
    const byName = (await this.read("SR.get_by_name_label", name)) as string[];
    if (byName.length === 1) return byName[0]!;
    if (byName.length > 1) throw new XenOperationError(op.address, `${byName.length} SRs are named "${name}": name the SR by its uuid in datastore`);
    try {
      return (await this.read("SR.get_by_uuid", name)) as string;
    } catch (error) {
      if (isXenApiError(error, "UUID_INVALID") || isXenApiError(error, "HANDLE_INVALID")) throw new XenOperationError(op.address, `the pool has no SR named "${name}" (datastore)`);
      throw error;
    }
  }

  private async attachedToRunningVm(vdi: string): Promise<boolean> {
    const vbds = (await this.read("VDI.get_VBDs", vdi)) as string[];
    for (const vbd of vbds) {
      if ((await this.read("VBD.get_currently_attached", vbd)) !== true) continue;
      const vm = (await this.read("VBD.get_VM", vbd)) as string;
      if ((await this.read("VM.get_power_state", vm)) === "Running") return true;
    }
    return false;
  }

  private async call(op: Operation, action: XenAction, ignoreMissing: boolean): Promise<void> {
    try {
      await this.callUnchecked(op, action);
    } catch (error) {
      if (ignoreMissing && isXenApiError(error, "HANDLE_INVALID")) return;
      throw error;
    }
  }

  private async callUnchecked(op: Operation, action: XenAction): Promise<void> {
    const after = (this.changeOf(op).after ?? {}) as Record<string, unknown>;
    const attributes = (after.attributes ?? {}) as Record<string, string>;
    switch (action.do) {
      case "network.destroy":
        await this.write("network.destroy", this.target(op, action));
        return;
      case "vm.tag": {
        const current = (await this.read("VM.get_other_config", this.id(op))) as Record<string, string>;
        const template = (after as unknown as VirtualMachineSpec).raw?.xenserver?.template;
        const from = op.kind === "VirtualMachine" ? (after as { template?: { ref: string } }).template?.ref : undefined;
        const next = retagged(current, this.tag(op), attributes, {
          ...(typeof template === "string" ? { [TAG_TEMPLATE]: template } : {}),
          ...(from !== undefined ? { [TAG_FROM]: from } : {}),
          ...this.replacesMark(op),
        });
        await this.write("VM.set_other_config", this.id(op), next);
        return;
      }
      case "vm.name":
        await this.write("VM.set_name_label", this.id(op), this.resource(op).name);
        if (op.action !== "update") await this.write("VM.set_name_description", this.id(op), String(after.description ?? ""));
        return;
      case "vm.tag-disks": {
        for (const vbd of await this.vbdsOf(this.id(op))) {
          if (vbd.record.VDI === null || vbd.record.type !== "Disk") continue;
          const current = (await this.read("VDI.get_other_config", vbd.record.VDI)) as Record<string, string>;
          if (tagOf(current)?.stack === this.stack && tagOf(current)?.kind === "Image") continue;
          await this.write("VDI.set_other_config", vbd.record.VDI, retagged(current, this.tag(op, VM_DISK_KIND), {}));
        }
        return;
      }
      case "vm.make":
        await this.write("VM.set_is_a_template", this.id(op), false);
        return;
      case "vm.size":
        await this.sizeVm(op, after as unknown as VirtualMachineSpec);
        return;
      case "vm.maps": {
        const vm = this.id(op);
        const raw = ((after as { raw?: { xenserver?: Record<string, unknown> } }).raw?.xenserver ?? {}) as Record<string, unknown>;
        const declared = Object.fromEntries(VM_MAPS.map((f) => [f, (raw[f] ?? {}) as Record<string, string>]));
        const otherConfig = (await this.read("VM.get_other_config", vm)) as Record<string, string>;
        const before = mapKeysOf(otherConfig);
        for (const field of VM_MAPS) {
          if (before[field].length === 0 && Object.keys(declared[field]!).length === 0) continue;
          const current = (await this.read(`VM.get_${field}`, vm)) as Record<string, string>;
          const next = { ...current };
          for (const key of before[field]) delete next[key];
          Object.assign(next, declared[field]);
          await this.write(`VM.set_${field}`, vm, next);
        }
        const keys = mapKeysValue(declared);
        await this.write("VM.remove_from_other_config", vm, TAG_MAP_KEYS);
        if (keys !== undefined) await this.write("VM.add_to_other_config", vm, TAG_MAP_KEYS, keys);
        return;
      }
      case "vm.clear-nics": {
        for (const vif of await this.vifsOf(this.id(op))) {
          if (vif.record.currently_attached && (await this.running(this.id(op)))) await this.write("VIF.unplug", vif.ref);
          await this.write("VIF.destroy", vif.ref);
        }
        return;
      }
      case "vm.labels":
        await this.write("VM.set_tags", this.id(op), [...((after.labels as string[] | undefined) ?? [])]);
        return;
      case "vm.attach-disk":
        await this.attachDisk(op, action.index, after as unknown as VirtualMachineSpec);
        return;
      case "vm.detach-disk":
        await this.detachDisk(op, action.liveIndex);
        return;
      case "vm.add-nic":
        await this.addNic(op, action.index, after as unknown as VirtualMachineSpec);
        return;
      case "vm.remove-nic":
        await this.removeNic(op, action.liveIndex);
        return;
      case "vm.start":
        // The start that ends a power cycle: its task is followed by the wait after it.
        dataOf(op).handle = await this.startVm(op);
        return;
      case "vm.destroy-disks": {
        const vm = this.target(op, action);
        let disks: { vbd: string; vdi: string }[];
        try {
          disks = await this.ownDisks(op, vm);
        } catch (error) {
          if (isXenApiError(error, "HANDLE_INVALID")) return;
          throw error;
        }
        for (const { vbd, vdi } of disks) {
          for (const [method, ref] of [["VBD.destroy", vbd], ["VDI.destroy", vdi]] as const) {
            if (ref === "") continue;
            try {
              await this.write(method, ref);
            } catch (error) {
              if (!isXenApiError(error, "HANDLE_INVALID")) throw error;
            }
          }
        }
        return;
      }
      case "vm.read-values": {
        const values: Record<string, string> = {};
        const vifs = await this.vifsOf(this.id(op));
        if (vifs[0]) values.mac = vifs[0].record.MAC.toLowerCase();
        const metrics = (await this.read("VM.get_guest_metrics", this.id(op))) as string;
        if (isRef(metrics) && metrics !== "OpaqueRef:NULL") {
          const networks = (await this.read("VM_guest_metrics.get_networks", metrics)) as Record<string, string>;
          const ip = networks["0/ip"] ?? networks["0/ipv4/0"];
          if (ip) values.ip = ip;
        }
        op.data.values = values;
        return;
      }
      case "set":
        await this.set(op, action.cls, action.field, after);
        return;
      default:
        throw new XenOperationError(op.address, `${action.do} is not a call`);
    }
  }

  private async set(op: Operation, cls: "VM" | "VDI" | "network", field: string, after: Record<string, unknown>): Promise<void> {
    const id = this.id(op);
    switch (field) {
      case "name":
        await this.write(`${cls}.set_name_label`, id, this.resource(op).name);
        return;
      case "description":
        await this.write(`${cls}.set_name_description`, id, String(after.description ?? ""));
        return;
      case "mtu":
        await this.write("network.set_MTU", id, String(after.mtu ?? 1500));
        return;
      case "attributes": {
        const current = (await this.read(`${cls}.get_other_config`, id)) as Record<string, string>;
        const tag = tagOf(current) ?? this.tag(op);
        // hyperplan's own records beside the tags and attributes stay as they are.
        const keep: Record<string, string> = {};
        for (const key of XEN_TAG_KEYS) if (!TAG_KEYS_REWRITTEN.has(key) && current[key] !== undefined) keep[key] = current[key];
        await this.write(`${cls}.set_other_config`, id, retagged(current, tag, (after.attributes ?? {}) as Record<string, string>, keep));
        return;
      }
    }
    throw new XenOperationError(op.address, `cannot set ${field} of a ${cls}`);
  }

  /** Memory as one size (static and dynamic limits), VCPUs_max and VCPUs_at_startup in an order xapi takes. */
  private async sizeVm(op: Operation, props: VirtualMachineSpec): Promise<void> {
    const id = this.id(op);
    if (props.memory !== undefined) {
      const bytes = String(props.memory * MiB);
      const staticMin = Number((await this.read("VM.get_memory_static_min", id)) as string | number);
      const min = String(Math.min(staticMin, props.memory * MiB));
      await this.write("VM.set_memory_limits", id, min, bytes, bytes, bytes);
    }
    if (props.vcpu !== undefined) {
      const atStartup = Number((await this.read("VM.get_VCPUs_at_startup", id)) as string | number);
      // VCPUs_max must stay ≥ VCPUs_at_startup (FACTS §1.7): lower the count first when shrinking.
      if (props.vcpu < atStartup) {
        await this.write("VM.set_VCPUs_at_startup", id, String(props.vcpu));
        await this.write("VM.set_VCPUs_max", id, String(props.vcpu));
      } else {
        await this.write("VM.set_VCPUs_max", id, String(props.vcpu));
        await this.write("VM.set_VCPUs_at_startup", id, String(props.vcpu));
      }
    }
  }

  /**
   * The disks that go with a VM being deleted: the VDIs tagged as its own disks; and, of a VM a run
   * left unfinished (still a template, or still under its clone marker name), the untagged VDIs only
   * it uses, which its clone or provision made; and its disks a stopped delete already detached. Never a
   * VDI of the stack's images or of anyone else.
   */
  private async ownDisks(op: Operation, vm: string): Promise<{ vbd: string; vdi: string }[]> {
    const unfinished = (await this.read("VM.get_is_a_template", vm)) === true || unfinishedTag((await this.read("VM.get_name_label", vm)) as string) !== undefined;
    const address = op.address.replace(/~(replaced|duplicate)-.*$/, "");
    const out: { vbd: string; vdi: string }[] = [];
    for (const vbd of await this.vbdsOf(vm)) {
      const vdi = vbd.record.VDI;
      if (vdi === null || vbd.record.type !== "Disk") continue;
      const tag = tagOf((await this.read("VDI.get_other_config", vdi)) as Record<string, string>);
      if (tag) {
        // Ours by address; or, on an unfinished clone, a copy of its template's own disk (still
        // tagged as the template's) that only this clone uses.
        const mine = tag.stack === this.stack && tag.kind === VM_DISK_KIND && (tag.address === address || (unfinished && ((await this.read("VDI.get_VBDs", vdi)) as string[]).length === 1));
        if (mine) out.push({ vbd: vbd.ref, vdi });
        continue;
      }
      if (unfinished && ((await this.read("VDI.get_VBDs", vdi)) as string[]).length === 1) out.push({ vbd: vbd.ref, vdi });
    }
    // A disk of this VM a stopped delete already detached (its VBD gone): attached to nothing now.
    const records = (await this.readOwnRecords("VDI")) as Map<string, { other_config: Record<string, string>; VBDs: string[] }>;
    for (const [vdi, r] of records) {
      const tag = tagOf(r.other_config);
      if (tag?.stack === this.stack && tag.kind === VM_DISK_KIND && tag.address === address && r.VBDs.length === 0) out.push({ vbd: "", vdi });
    }
    return out;
  }

  /** The pool's VDI an image's raw.xenserver.copyOf names by uuid or name: exactly one, not on an ISO library. */
  private async sourceVdi(op: Operation, name: string): Promise<string> {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(name)) {
      try {
        return (await this.read("VDI.get_by_uuid", name)) as string;
      } catch (error) {
        if (!isXenApiError(error, "UUID_INVALID")) throw error;
      }
    }
    const found: string[] = [];
    for (const ref of (await this.read("VDI.get_by_name_label", name)) as string[]) {
      const sr = (await this.read("VDI.get_SR", ref)) as string;
      if ((await this.read("SR.get_content_type", sr)) !== "iso") found.push(ref);
    }
    if (found.length === 0) throw new XenOperationError(op.address, `the pool has no disk named "${name}" to copy (raw.xenserver.copyOf)`);
    if (found.length > 1) throw new XenOperationError(op.address, `the pool has ${found.length} disks named "${name}": name it by its uuid in raw.xenserver.copyOf`);
    return found[0]!;
  }

  /** Destroys the VM's copies of `image` that no VBD uses: what a stopped run left half made. */
  private async destroyLooseCopies(op: Operation, image: string): Promise<void> {
    const records = (await this.readOwnRecords("VDI")) as Map<string, { other_config: Record<string, string>; VBDs: string[] }>;
    for (const [ref, r] of records) {
      const tag = tagOf(r.other_config);
      if (tag?.stack !== this.stack || tag.kind !== VM_DISK_KIND || tag.address !== op.address || r.other_config[TAG_SOURCE] !== image || r.VBDs.length > 0) continue;
      try {
        await this.write("VDI.destroy", ref);
      } catch (error) {
        if (!isXenApiError(error, "HANDLE_INVALID")) throw error;
      }
    }
  }

  /** The image address of the VM's declared disk `index`. */
  private declaredDisk(op: Operation, index: number): string {
    const disk = ((this.changeOf(op).after ?? {}) as unknown as VirtualMachineSpec).disks?.[index];
    if (!disk || disk.source !== "image") throw new XenOperationError(op.address, `disks[${index}] is not an image disk`);
    return disk.image.ref;
  }

  private async vbdsOf(vm: string): Promise<{ ref: string; record: VbdRecord }[]> {
    const refs = (await this.read("VM.get_VBDs", vm)) as string[];
    const out: { ref: string; record: VbdRecord }[] = [];
    for (const ref of refs) out.push({ ref, record: await this.client.getRecord("VBD", ref as Ref<"VBD">) });
    return out;
  }

  private async vifsOf(vm: string): Promise<{ ref: string; record: VifRecord }[]> {
    const refs = (await this.read("VM.get_VIFs", vm)) as string[];
    const out: { ref: string; record: VifRecord }[] = [];
    for (const ref of refs) out.push({ ref, record: await this.client.getRecord("VIF", ref as Ref<"VIF">) });
    return out.sort((a, b) => Number(a.record.device) - Number(b.record.device));
  }

  private async running(vm: string): Promise<boolean> {
    return (await this.read("VM.get_power_state", vm)) === "Running";
  }

  /** The VM's disks as the reader lists them: VBDs to the stack's images and to the VM's copies of them, by userdevice. */
  private async imageVbds(op: Operation, vm: string): Promise<{ ref: string; record: VbdRecord; copy: boolean }[]> {
    const out: { ref: string; record: VbdRecord; copy: boolean }[] = [];
    for (const vbd of await this.vbdsOf(vm)) {
      if (vbd.record.type !== "Disk" || vbd.record.VDI === null) continue;
      const otherConfig = (await this.read("VDI.get_other_config", vbd.record.VDI)) as Record<string, string>;
      const tag = tagOf(otherConfig);
      if (tag?.stack !== this.stack) continue;
      if (tag.kind === "Image") out.push({ ...vbd, copy: false });
      else if (tag.kind === VM_DISK_KIND && tag.address === op.address && otherConfig[TAG_SOURCE] !== undefined) out.push({ ...vbd, copy: true });
    }
    return out.sort((a, b) => Number(a.record.userdevice) - Number(b.record.userdevice));
  }

  private async attachDisk(op: Operation, index: number, props: VirtualMachineSpec): Promise<void> {
    const disk = props.disks?.[index];
    if (!disk || disk.source !== "image") throw new XenOperationError(op.address, `disks[${index}] is not an image disk`);
    const vm = this.id(op);
    const copy = (op.data.copies as Record<string, string> | undefined)?.[String(index)];
    const vdi = copy ?? (await this.refOf(op.address, disk.image.ref));
    const record = {
      VM: vm,
      VDI: vdi,
      userdevice: "autodetect",
      bootable: false,
      mode: disk.readOnly === true ? "RO" : "RW",
      type: "Disk",
      unpluggable: true,
      empty: false,
      other_config: tagEntries({ stack: this.stack, address: op.address, kind: "VirtualMachine.disk" }),
      qos_algorithm_type: "",
      qos_algorithm_params: {},
    };
    const vbd = (await this.write("VBD.create", record)) as string;
    if (await this.running(vm)) await this.write("VBD.plug", vbd);
  }

  private async detachDisk(op: Operation, liveIndex: number): Promise<void> {
    const vm = this.id(op);
    const vbd = (await this.imageVbds(op, vm))[liveIndex];
    if (!vbd) return;
    if (vbd.record.currently_attached && (await this.running(vm))) await this.write("VBD.unplug", vbd.ref);
    await this.write("VBD.destroy", vbd.ref);
    // The VM's own copy of a non-persistent image goes with its disk.
    if (vbd.copy && vbd.record.VDI !== null) await this.write("VDI.destroy", vbd.record.VDI);
  }

  /** The VM's NICs as the reader lists them: its VIFs by device, those unplugged from a running VM left out. */
  private async listedVifs(vm: string): Promise<{ ref: string; record: VifRecord }[]> {
    const running = await this.running(vm);
    return (await this.vifsOf(vm)).filter((v) => !running || v.record.currently_attached);
  }

  private async addNic(op: Operation, index: number, props: VirtualMachineSpec): Promise<void> {
    const nic = props.nics?.[index];
    if (!nic) throw new XenOperationError(op.address, `nics[${index}] is not declared`);
    const vm = this.id(op);
    const network = await this.refOf(op.address, nic.network.ref);
    const all = await this.vifsOf(vm);
    const running = await this.running(vm);
    // A VIF someone unplugged from the running VM, on the declared network: plugged in again.
    const unplugged = running ? all.find((v) => !v.record.currently_attached && v.record.network === network && (nic.mac === undefined || v.record.MAC.toLowerCase() === nic.mac.toLowerCase())) : undefined;
    if (unplugged) {
      await this.write("VIF.plug", unplugged.ref);
      return;
    }
    const used = new Set(all.map((v) => v.record.device));
    let device = 0;
    while (used.has(String(device))) device++;
    const record = {
      device: String(device),
      network,
      VM: vm,
      MAC: nic.mac ?? "",
      MTU: String((await this.read("network.get_MTU", network)) as string | number),
      other_config: tagEntries({ stack: this.stack, address: op.address, kind: "VirtualMachine.nic" }),
      qos_algorithm_type: "",
      qos_algorithm_params: {},
      locking_mode: "network_default",
      ipv4_allowed: [],
      ipv6_allowed: [],
    };
    const vif = (await this.write("VIF.create", record)) as string;
    if (running) await this.write("VIF.plug", vif);
  }

  private async removeNic(op: Operation, liveIndex: number): Promise<void> {
    const vm = this.id(op);
    const vif = (await this.listedVifs(vm))[liveIndex];
    if (!vif) return;
    if (vif.record.currently_attached && (await this.running(vm))) await this.write("VIF.unplug", vif.ref);
    await this.write("VIF.destroy", vif.ref);
  }

  // -------------------------------------------------------------------------------------------
  // Waiting on tasks

  /** Follows the task of each waiting operation; resolves once one of them finished, or after LOOK_WAIT_MS. */
  private async look(waiting: Operation[]): Promise<void> {
    const pending: Promise<void>[] = [];
    let ready = false;
    for (const op of waiting) {
      const handle = dataOf(op).handle;
      if (handle === undefined || handle.startsWith("done:")) {
        ready = true;
        continue;
      }
      let followed = this.followed.get(handle);
      if (!followed) {
        const entry: Followed = { promise: Promise.resolve() };
        entry.promise = this.client.tasks.follow(handle as Ref<"task">).then(
          (value) => void (entry.settled = { ok: true, value }),
          (error: unknown) => void (entry.settled = { ok: false, error }),
        );
        this.followed.set(handle, entry);
        followed = entry;
      }
      if (followed.settled) ready = true;
      else pending.push(followed.promise);
    }
    if (!ready && pending.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([...pending, new Promise<void>((r) => (timer = setTimeout(r, LOOK_WAIT_MS)))]);
      clearTimeout(timer);
    }
    // A task refused because another operation of its object was under way is sent again once that
    // one ended; a start that failed is marked on the VM before the failure is reported.
    // What had ended by now is what this look reports; a task ending while the retries below wait
    // is seen by the next look.
    this.looked = new Set([...this.followed].filter(([, f]) => f.settled !== undefined).map(([handle]) => handle));
    await Promise.all(waiting.map((op) => this.retryAfterOthers(op)));
    await Promise.all(waiting.map((op) => this.markFailedStart(op)));
  }

  /**
   * xapi fails a task with OTHER_OPERATION_IN_PROGRESS [class, ref, operation, task] when the object
   * is busy with another (a run stopped while its shutdown still runs): the other task is waited for,
   * and the call of the step before the wait made again, at most three times.
   */
  private async retryAfterOthers(op: Operation): Promise<void> {
    const data = dataOf<{ xen: XenAction }, XenWait>(op);
    const handle = data.handle;
    const settled = handle === undefined || !this.looked.has(handle) ? undefined : this.followed.get(handle)?.settled;
    if (!settled || settled.ok || !isXenApiError(settled.error, "OTHER_OPERATION_IN_PROGRESS")) return;
    const retries = (op.data.busyRetries as number | undefined) ?? 0;
    const before = data.plan[op.step - 1];
    if (retries >= 3 || !before || before.type !== "handle" && !(before.type === "call" && before.xen.do === "vm.start")) return;
    op.data.busyRetries = retries + 1;
    const other = (settled.error as XenApiError).params[3];
    if (other !== undefined && isRef(other) && other !== "OpaqueRef:NULL") await this.client.tasks.follow(other as Ref<"task">).catch(() => undefined);
    this.followed.delete(handle!);
    this.looked.delete(handle!);
    data.handle = before.type === "handle" ? await this.handle(op, before.xen) : await this.startVm(op);
  }

  /** A VM whose start failed is marked, so the next plan replaces it (diff-rules.ts). */
  private async markFailedStart(op: Operation): Promise<void> {
    const handle = dataOf(op).handle;
    const settled = handle === undefined || !this.looked.has(handle) ? undefined : this.followed.get(handle)?.settled;
    const label = op.steps[op.step] ?? "";
    if (!settled || settled.ok || op.kind !== "VirtualMachine" || !label.includes("VM.start") || op.data.markedFailed) return;
    op.data.markedFailed = true;
    try {
      await this.client.call("VM.remove_from_other_config", this.id(op), TAG_START_FAILED);
      await this.client.call("VM.add_to_other_config", this.id(op), TAG_START_FAILED, describeXenError(settled.error).slice(0, 500));
    } catch {
      // The mark only speeds up the next plan; the failure itself is reported either way.
    }
  }

  private arrival(op: Operation): Arrival {
    const handle = dataOf(op).handle;
    if (handle === undefined) return { phase: "failed", state: "no task", error: new XenOperationError(op.address, "a wait has no task to follow") };
    if (handle.startsWith("done:")) {
      const found = handle.slice("done:".length);
      if (found !== "" && op.id === undefined) op.id = found;
      if (found !== "" && op.action !== "delete") this.refs.set(op.address, found);
      return { phase: "arrived" };
    }
    const settled = this.looked.has(handle) ? this.followed.get(handle)?.settled : undefined;
    if (!settled) return { phase: "running", state: op.steps[op.step]?.replace(/^wait for /, "") ?? "task" };
    this.followed.delete(handle);
    if (!settled.ok) return { phase: "failed", state: "failure", error: settled.error instanceof Error ? settled.error : new XenOperationError(op.address, String(settled.error)) };
    if (op.id === undefined && isRef(settled.value)) {
      op.id = settled.value;
      this.refs.set(op.address, settled.value);
    }
    op.data.lastResult = settled.value;
    return { phase: "arrived" };
  }
}
