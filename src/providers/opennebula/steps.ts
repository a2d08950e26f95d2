/**
 * What apply does to OpenNebula for one change, as a list of steps: XML-RPC calls and waits for a
 * state. Pure: the steps are computed from the change, the declaration and (for an update) the live
 * object read when the change starts, and written into the Operation as plain data, so a person (and a
 * test) can read exactly which calls an operation makes and in which order.
 *
 * Choices written down:
 * - Creates put the ownership tags into the allocate template itself. A VM declared powered off boots
 *   first and is then powered off: oned creates no VM directly in POWEROFF.
 * - A replacement's new object carries `HYPERPLAN_REPLACES` (the old object's id) beside its tags, so a
 *   run killed between the create and the delete leaves something the next plan understands: the new
 *   object is the address's, the old one a leftover to delete (reader.ts).
 * - Template updates (`one.*.update`) replace the whole template: the declared attributes, plus what
 *   the live template holds that hyperplan does not manage (attributes oned keeps there, vectors the
 *   declaration does not name). A free attribute the declaration dropped is removed.
 * - A VM update: rename and user attributes first; then, when any change needs a power cycle or the
 *   VM is declared powered off, a poweroff; resize (only the capacity attributes that changed, in one
 *   call); one updateconf setting the sections that changed and carrying the others the VM keeps
 *   (oned's replace erases the ones left out); detaches before attaches; security groups
 *   through attachsg/detachsg; finally the power state the declaration asks for. Every hot-plug call
 *   is followed by a wait until the VM is back in the state it was in.
 */
import type { AttributeDiff, ResourceChange } from "../../core/plan.js";
import type {
  ImageSpec,
  MachineSpec,
  SecurityGroupSpec,
  VirtualMachineSpec,
  VirtualNetworkSpec,
  VmTemplateSpec,
} from "../../resources/desired-state.js";
import { HyperplanError } from "../../errors.js";
import { openNebulaDiffRules } from "./diff-rules.js";
import type { OneOperation } from "./operation-names.js";
import type { KitStep } from "../kit/step-engine.js";
import type { OneKind } from "./map-common.js";
import { imageToTemplate, imageUpdateTemplate } from "./map-image.js";
import { contextVector, graphicsVector, machineAttributes, osVector, type MachineWriteContext } from "./map-machine.js";
import { securityGroupToTemplate } from "./map-security-group.js";
import { vmToTemplate, vmUserAttributes } from "./map-virtual-machine.js";
import { addressRangeVector, networkToTemplate, networkUpdateTemplate } from "./map-virtual-network.js";
import { vmTemplateToTemplate } from "./map-vm-template.js";
import { readSecretNames, type OwnershipTag } from "./ownership.js";
import { secretNames, TAG_REPLACES } from "../kit/ownership.js";
import type { ImageRecord, SecurityGroupRecord, VmRecord, VmTemplateRecord, VnetRecord } from "./records.js";
import { resizeIsCold, UPDATECONF_ERASED_WHEN_ABSENT, vmGoingAway, vmStateName, vmTakesTerminate } from "./states.js";
import { vmPowerState } from "./live-model.js";
import { serializeTemplate, templateVectors, type Template, type TemplateAttribute } from "./template-syntax.js";

/** A call parameter: a value, or the id of the object being made (`id`) or replaced/deleted (`old`). */
export type Param = string | number | boolean | { $: "id" | "old" };

export type WaitFor = "image-ready" | "vnet-ready" | "vm-running" | "vm-poweroff" | "vm-gone" | "vm-terminable" | "image-gone" | "vnet-gone";

/** One XML-RPC call of a step: the method and its parameters. */
export interface OneCall {
  method: string;
  params: Param[];
}

/**
 * A step of a change (the kit's step engine runs them): one XML-RPC call (`ignoreMissing`: NO_EXISTS
 * means the wanted state is there already, a delete; `endsCycle`: the call that brings a power-cycled
 * VM back), an allocate (its answer is the new object's id; never repeated before looking for the
 * object by its tag), or a wait until the object (`id` or `old`) reaches a state (`hotplug`: the wait
 * follows a hot-plug call, whose failure leaves the VM as it was with a new ERROR message; `restore`:
 * once reached, a failure before the step that ends the cycle runs these steps first).
 */
export type Step = KitStep<OneCall, WaitFor>;

/**
 * How a call whose answer was lost after it may have reached oned can be sent again (operations.ts):
 * - `safe`: repeating it ends in the same place (a rename, a whole-template update, a delete, a
 *   resize or updateconf of a VM that is not running);
 * - `verify-vm`: only after the VM, read back, shows no trace of it (hot-plug calls, power actions,
 *   a live resize: each one moves the VM's state, disks or NICs);
 * - `never`: neither harmless nor visible in a cheap read (adding or removing an address range).
 */
export type Resend = "safe" | "verify-vm" | "never";

const RESEND: Record<string, Resend> = {
  "one.vm.action": "verify-vm",
  "one.vm.attach": "verify-vm",
  "one.vm.detach": "verify-vm",
  "one.vm.attachnic": "verify-vm",
  "one.vm.detachnic": "verify-vm",
  "one.vm.diskresize": "verify-vm",
  "one.vm.attachsg": "verify-vm",
  "one.vm.detachsg": "verify-vm",
  "one.vm.resize": "verify-vm",
  "one.vm.updateconf": "verify-vm",
  "one.vn.add_ar": "never",
  "one.vn.rm_ar": "never",
};

export function resendOf(method: string): Resend {
  return RESEND[method] ?? "safe";
}

const ID: Param = { $: "id" };
const OLD: Param = { $: "old" };

export class StepPlanningError extends HyperplanError {
  constructor(address: string, summary: string) {
    super("ONE_STEP_PLANNING", summary, { address });
  }
}

export interface StepContext extends MachineWriteContext {
  stack: string;
  /** The datastore id an image is created in (resolved from a name before the steps are built). */
  datastoreId?: number;
}

function call(label: string, method: string, params: Param[], ignoreMissing = false): Step {
  return { type: "call", label, method, params, ...(ignoreMissing ? { ignoreMissing } : {}) };
}

function wait(until: WaitFor, on: "id" | "old" = "id", hotplug = false): Extract<Step, { type: "wait" }> {
  const label: Record<WaitFor, string> = {
    "image-ready": "wait READY",
    "vnet-ready": "wait READY",
    "vm-running": "wait RUNNING",
    "vm-poweroff": "wait POWEROFF",
    "vm-gone": "wait DONE",
    "vm-terminable": "wait until it can be terminated",
    "image-gone": "wait deleted",
    "vnet-gone": "wait deleted",
  };
  return { type: "wait", label: label[until], until, on, ...(hotplug ? { hotplug: true as const } : {}) };
}

function tagOf(ctx: StepContext, change: ResourceChange, replaces?: number): OwnershipTag & { replaces?: number } {
  return { stack: ctx.stack, address: change.address, kind: change.kind, ...(replaces !== undefined ? { replaces } : {}) };
}

/** The tags of a new object; a replacement's also names the object it replaces. */
function withReplaces(template: Template, replaces: number | undefined): Template {
  return replaces === undefined ? template : [...template, { name: TAG_REPLACES, value: String(replaces) }];
}

// ---------------------------------------------------------------------------------------------
// Create and delete

/** The steps that make the declared object, up to its declared state. */
export function createSteps(change: ResourceChange, ctx: StepContext, replaces?: number): Step[] {
  const after = change.after as Record<string, unknown> & { name: string };
  const tag = tagOf(ctx, change);
  const kind = change.kind as OneKind;
  switch (kind) {
    case "Image": {
      const spec = after as unknown as ImageSpec;
      const template = withReplaces(imageToTemplate(after.name, spec, tag), replaces);
      return [{ type: "allocate", label: "allocate", method: "one.image.allocate", params: [serializeTemplate(template), ctx.datastoreId ?? 1] }, wait("image-ready")];
    }
    case "VirtualNetwork": {
      const template = withReplaces(networkToTemplate(after.name, after as unknown as VirtualNetworkSpec, tag), replaces);
      return [{ type: "allocate", label: "allocate", method: "one.vn.allocate", params: [serializeTemplate(template), -1] }, wait("vnet-ready")];
    }
    case "SecurityGroup": {
      const template = withReplaces(securityGroupToTemplate(after.name, after as unknown as SecurityGroupSpec, ctx.idOf, tag), replaces);
      return [{ type: "allocate", label: "allocate", method: "one.secgroup.allocate", params: [serializeTemplate(template)] }];
    }
    case "VmTemplate": {
      const template = withReplaces(vmTemplateToTemplate(after.name, after as unknown as VmTemplateSpec, ctx, tag), replaces);
      return [{ type: "allocate", label: "allocate", method: "one.template.allocate", params: [serializeTemplate(template)] }];
    }
    case "VirtualMachine": {
      const spec = after as unknown as VirtualMachineSpec;
      const template = withReplaces(vmToTemplate(after.name, spec, ctx, tag), replaces);
      const allocate: Step = spec.template
        ? {
            type: "allocate",
            label: "instantiate",
            method: "one.template.instantiate",
            params: [ctx.idOf(spec.template.ref), after.name, false, serializeTemplate(template.filter((a) => a.name !== "NAME")), false],
          }
        : { type: "allocate", label: "allocate", method: "one.vm.allocate", params: [serializeTemplate(template), false] };
      const steps: Step[] = [allocate, wait("vm-running")];
      if (spec.powerState === "poweroff") steps.push(call("poweroff", "one.vm.action", ["poweroff", ID]), wait("vm-poweroff"));
      return steps;
    }
  }
}

/** Where a VM to delete stands when its delete starts, as its ownership check read it. */
export interface VmStanding {
  state: number;
  lcmState: number;
}

/**
 * The steps that remove the live object (`old`) and wait until it is gone. A VM already on its way to
 * DONE (a destroy that was stopped after its terminate) is only waited for; a VM in a state oned does
 * not terminate from (booting, a hot-plug …) is waited for until it can be, then terminated.
 */
export function deleteSteps(kind: OneKind, vm?: VmStanding): Step[] {
  switch (kind) {
    case "VirtualMachine": {
      // terminate-hard: a guest that ignores ACPI would otherwise hold the delete until it times out.
      const terminate = [call("terminate-hard", "one.vm.action", ["terminate-hard", OLD], true), wait("vm-gone", "old")];
      if (vm && vmGoingAway(vm.state, vm.lcmState)) return [wait("vm-gone", "old")];
      if (vm && !vmTakesTerminate(vm.state, vm.lcmState)) return [wait("vm-terminable", "old"), ...terminate];
      return terminate;
    }
    case "Image":
      return [call("delete", "one.image.delete", [OLD], true), wait("image-gone", "old")];
    case "VirtualNetwork":
      return [call("delete", "one.vn.delete", [OLD], true), wait("vnet-gone", "old")];
    case "SecurityGroup":
      return [call("delete", "one.secgroup.delete", [OLD], true)];
    case "VmTemplate":
      return [call("delete", "one.template.delete", [OLD, false], true)];
  }
}

const RENAME: Record<OneKind, string> = {
  Image: "one.image.rename",
  VirtualNetwork: "one.vn.rename",
  SecurityGroup: "one.secgroup.rename",
  VmTemplate: "one.template.rename",
  VirtualMachine: "one.vm.rename",
};


/** The name a two-phase replacement's new object carries until the old one is gone. */
export function temporaryName(name: string, oldId: number): string {
  return `${name}-replacing-${oldId}`;
}

/**
 * One phase of a two-phase replacement (`finishAfter`): `create` makes the new object (under a
 * temporary name when names are unique) while the old one still serves its users; `finish` deletes
 * the old one once they moved, and gives the new one (`id`) its name.
 */
export function replacePhaseSteps(change: ResourceChange, ctx: StepContext, oldId: number, phase: "create" | "finish", old?: VmStanding): Step[] {
  const kind = change.kind as OneKind;
  const name = (change.after as { name: string }).name;
  // Where oned keeps names unique, the new object needs another one while the old one is there.
  const unique = openNebulaDiffRules.kinds[kind].uniqueNames === true;
  if (phase === "create") {
    const after = unique ? { ...change.after, name: temporaryName(name, oldId) } : change.after;
    return createSteps({ ...change, after: after as Record<string, unknown> }, ctx, oldId);
  }
  return [...deleteSteps(kind, old), ...(unique ? [call(`rename to ${name}`, RENAME[kind], [ID, name])] : [])];
}

/** For a kept object still on its way (`arriving`): only the wait for the state it is heading for. */
export function arrivalSteps(kind: OneKind, arriving: string | undefined): Step[] {
  if (arriving === undefined) return [];
  switch (kind) {
    case "VirtualMachine":
      return [wait("vm-running")];
    case "Image":
      return [wait("image-ready")];
    case "VirtualNetwork":
      return [wait("vnet-ready")];
    default:
      return [];
  }
}

/** A replacement in the order the plan chose. */
export function replaceSteps(change: ResourceChange, ctx: StepContext, oldId: number, old?: VmStanding): Step[] {
  const kind = change.kind as OneKind;
  if (change.replaceOrder === "delete-before-create") return [...deleteSteps(kind, old), ...createSteps(change, ctx)];
  return [...createSteps(change, ctx, oldId), ...deleteSteps(kind, old)];
}

// ---------------------------------------------------------------------------------------------
// Updates

/** The live object an update starts from, as `one.<kind>.info` returned it. */
export type LiveRecord =
  | { kind: "Image"; record: ImageRecord }
  | { kind: "VirtualNetwork"; record: VnetRecord }
  | { kind: "SecurityGroup"; record: SecurityGroupRecord }
  | { kind: "VmTemplate"; record: VmTemplateRecord }
  | { kind: "VirtualMachine"; record: VmRecord };

/**
 * What a whole-template update sends: the declared attributes, plus the live attributes that are
 * neither declared nor managed by hyperplan and that `keep` says oned or a person put there.
 */
export function mergeTemplate(live: Template, declared: Template, keep: (attribute: TemplateAttribute) => boolean): Template {
  const declaredNames = new Set(declared.map((a) => a.name));
  return [...declared, ...live.filter((a) => !declaredNames.has(a.name) && keep(a))];
}

/** Keeps vectors the declaration does not manage and the single attributes oned keeps there. */
function keeper(ownSingles: readonly string[], managedVectors: readonly string[] = []): (a: TemplateAttribute) => boolean {
  const singles = new Set(ownSingles);
  const vectors = new Set(managedVectors);
  return (a) => (typeof a.value === "string" ? singles.has(a.name) : !vectors.has(a.name));
}

const KEEP_IMAGE = keeper(["DEV_PREFIX", "FORMAT", "DRIVER", "ERROR"]);
const KEEP_VNET = keeper([
  "VN_MAD", "PHYDEV", "BRIDGE", "BRIDGE_TYPE", "SECURITY_GROUPS", "GUEST_MTU", "VLAN_ID", "OUTER_VLAN_ID",
  "AUTOMATIC_VLAN_ID", "AUTOMATIC_OUTER_VLAN_ID", "CLUSTER_IDS", "ERROR",
]);
const KEEP_SECGROUP = keeper(["ERROR"], ["RULE"]);
const KEEP_TEMPLATE = keeper(["ERROR"], ["DISK", "NIC", "CONTEXT", "GRAPHICS", "OS"]);
const KEEP_VM_USER = keeper(["SCHED_MESSAGE", "SCHED_DS_RANK", "ERROR", "USER_PRIORITY", "CPU_MODEL"]);

const IMAGE_TYPES: Record<ImageSpec["type"], string> = { os: "OS", datablock: "DATABLOCK", cdrom: "CDROM" };

/** `disks[2].size` → 2; `disks[2]` → 2; anything else → undefined. */
function indexOf(path: string, collection: string): number | undefined {
  const m = new RegExp(`^${collection}\\[(\\d+)\\]`).exec(path);
  return m ? Number(m[1]) : undefined;
}

/** The operation of a diff line, as the rules named it (typed: diff-rules.ts can only name these). */
function is(d: AttributeDiff, operation: OneOperation): boolean {
  return d.operation === operation;
}

function has(diff: readonly AttributeDiff[], operation: OneOperation): boolean {
  return diff.some((d) => is(d, operation));
}

/**
 * The steps of an in-place update. `effective` is the declaration the diff compared against (for a VM
 * made from a VmTemplate, the template's props under the VM's own).
 */
export function updateSteps(change: ResourceChange, effective: Record<string, unknown>, live: LiveRecord, ctx: StepContext): Step[] {
  const name = (change.after as { name: string }).name;
  const tag = tagOf(ctx, change);
  const steps: Step[] = [];
  switch (live.kind) {
    case "Image": {
      const spec = effective as unknown as ImageSpec;
      if (has(change.diff, "one.image.rename")) steps.push(call("rename", "one.image.rename", [ID, name]));
      if (has(change.diff, "one.image.chtype")) steps.push(call(`type ${IMAGE_TYPES[spec.type]}`, "one.image.chtype", [ID, IMAGE_TYPES[spec.type]]));
      if (has(change.diff, "one.image.persistent")) steps.push(call(spec.persistent ? "make persistent" : "make non-persistent", "one.image.persistent", [ID, spec.persistent]));
      if (has(change.diff, "one.image.update")) {
        steps.push(call("update template", "one.image.update", [ID, serializeTemplate(mergeTemplate(live.record.template, imageUpdateTemplate(spec, tag), KEEP_IMAGE)), 0]));
      }
      return steps;
    }
    case "VirtualNetwork":
      return networkUpdateSteps(change, effective as unknown as VirtualNetworkSpec, live.record, tag);
    case "SecurityGroup": {
      const spec = effective as unknown as SecurityGroupSpec;
      if (has(change.diff, "one.secgroup.rename")) steps.push(call("rename", "one.secgroup.rename", [ID, name]));
      if (has(change.diff, "one.secgroup.update")) {
        const declared = securityGroupToTemplate(undefined, spec, ctx.idOf, tag);
        steps.push(call("update rules and attributes", "one.secgroup.update", [ID, serializeTemplate(mergeTemplate(live.record.template, declared, KEEP_SECGROUP)), 0]));
      }
      return steps;
    }
    case "VmTemplate": {
      const spec = effective as unknown as VmTemplateSpec;
      if (has(change.diff, "one.template.rename")) steps.push(call("rename", "one.template.rename", [ID, name]));
      if (has(change.diff, "one.template.update")) {
        const declared = vmTemplateToTemplate(undefined, spec, ctx, tag);
        steps.push(call("update template", "one.template.update", [ID, serializeTemplate(mergeTemplate(live.record.template, declared, KEEP_TEMPLATE)), 0]));
      }
      return steps;
    }
    case "VirtualMachine":
      return vmUpdateSteps(change, effective as unknown as VirtualMachineSpec, live.record, ctx, tag);
  }
}

function networkUpdateSteps(change: ResourceChange, spec: VirtualNetworkSpec, live: VnetRecord, tag: OwnershipTag): Step[] {
  const steps: Step[] = [];
  const name = (change.after as { name: string }).name;
  if (has(change.diff, "one.vn.rename")) steps.push(call("rename", "one.vn.rename", [ID, name]));
  if (has(change.diff, "one.vn.update")) {
    steps.push(call("update attributes", "one.vn.update", [ID, serializeTemplate(mergeTemplate(live.template, networkUpdateTemplate(spec, tag), KEEP_VNET)), 0]));
  }
  const ranges = change.diff.filter((d) => d.path.startsWith("addressRanges["));
  const arOf = (liveIndex: number) => {
    const ar = live.addressRanges[liveIndex];
    if (!ar) throw new StepPlanningError(change.address, `the plan names address range #${liveIndex}, but the network has ${live.addressRanges.length}; plan again`);
    return ar;
  };
  const addVector = (declaredIndex: number) => serializeTemplate([{ name: "AR", value: addressRangeVector(spec.addressRanges[declaredIndex]!) }]);
  const removed = new Set<number>();
  const renewed = new Map<number, number>();
  const resized = new Map<number, number>();
  const added: number[] = [];
  for (const d of ranges) {
    const index = indexOf(d.path, "addressRanges")!;
    if (is(d, "one.vn.rm_ar")) removed.add(index);
    else if (is(d, "one.vn.add_ar")) added.push(index);
    else if (is(d, "one.vn.rm_ar+one.vn.add_ar")) renewed.set(d.liveIndex ?? index, index);
    else if (is(d, "one.vn.update_ar")) resized.set(d.liveIndex ?? index, index);
  }
  for (const l of [...removed].sort((a, b) => a - b)) steps.push(call(`remove address range ${arOf(l).arId}`, "one.vn.rm_ar", [ID, arOf(l).arId]));
  for (const [l, d] of renewed) {
    steps.push(call(`remove address range ${arOf(l).arId}`, "one.vn.rm_ar", [ID, arOf(l).arId]), call(`add address range #${d + 1}`, "one.vn.add_ar", [ID, addVector(d)]));
  }
  for (const [l, d] of resized) {
    if (renewed.has(l)) continue;
    const ar = arOf(l);
    const template = serializeTemplate([{ name: "AR", value: { AR_ID: String(ar.arId), SIZE: String(spec.addressRanges[d]!.size) } }]);
    steps.push(call(`resize address range ${ar.arId}`, "one.vn.update_ar", [ID, template]));
  }
  for (const d of added.sort((a, b) => a - b)) steps.push(call(`add address range #${d + 1}`, "one.vn.add_ar", [ID, addVector(d)]));
  return steps;
}

// ---------------------------------------------------------------------------------------------
// VM updates

const CAPACITY = ["cpu", "vcpu", "memory"] as const;

/** A VM heading for RUNNING by itself: counted as running by the declaration, but not there yet. */
function goingUp(state: string): boolean {
  return state !== "RUNNING" && vmPowerState(state) === "running";
}
const HOTPLUG_OPERATIONS: readonly OneOperation[] = ["one.vm.attach", "one.vm.detach", "one.vm.detach+one.vm.attach", "one.vm.diskresize", "one.vm.attachnic", "one.vm.detachnic", "one.vm.detachnic+one.vm.attachnic", "one.vm.attachsg", "one.vm.detachsg", "one.vm.detachsg+one.vm.attachsg"];

function vmUpdateSteps(change: ResourceChange, spec: VirtualMachineSpec, live: VmRecord, ctx: StepContext, tag: OwnershipTag): Step[] {
  const steps: Step[] = [];
  const diff = change.diff;
  const name = (change.after as { name: string }).name;
  const state = vmStateName(live.state, live.lcmState);
  const wantsOff = spec.powerState === "poweroff";

  if (has(diff, "one.vm.rename")) steps.push(call("rename", "one.vm.rename", [ID, name]));
  // The record of which context variables are secret follows the context (see TAG_SECRETS).
  const secretsRecorded = sameNames(readSecretNames(live.userTemplate), secretNames(spec.context));
  if (has(diff, "one.vm.update") || !secretsRecorded) {
    const declared = [...vmUserAttributes(spec, tag), ...schedulingOf(spec)];
    const label = has(diff, "one.vm.update") ? "update attributes" : "record which context variables are secret";
    steps.push(call(label, "one.vm.update", [ID, serializeTemplate(mergeTemplate(live.userTemplate, declared, KEEP_VM_USER)), 0]));
  }

  const capacity = CAPACITY.filter((key) => diff.some((d) => d.path === key));
  const conf = updateconfSections(diff, spec, live, ctx);
  const hotplug = diff.filter((d) => HOTPLUG_OPERATIONS.some((op) => is(d, op)));
  const cycle = diff.some((d) => d.impact === "in-place-with-power-cycle");
  const machineWork = capacity.length > 0 || conf.changed.length > 0 || hotplug.length > 0;

  // Where the VM stands while the machine changes are made.
  let current = state;
  // A VM on its way up (PENDING, PROLOG, BOOT, a hot-plug in progress …) is let arrive first when the
  // change needs it RUNNING or POWEROFF; only a template-only resize is made before it is placed.
  const coldOnly = capacity.length > 0 && conf.changed.length === 0 && hotplug.length === 0 && resizeIsCold(state);
  if (goingUp(state) && (wantsOff || (machineWork && !coldOnly))) {
    steps.push(wait("vm-running"));
    current = "RUNNING";
  }
  // A power cycle the declaration ends RUNNING: a failure on the way resumes the VM before it is reported.
  const cycled = current === "RUNNING" && !wantsOff && cycle && machineWork;
  if (current === "RUNNING" && (wantsOff || (cycle && machineWork))) {
    const off = wait("vm-poweroff");
    steps.push(call("poweroff", "one.vm.action", ["poweroff", ID]), cycled ? { ...off, restore: [endCycle("resume"), wait("vm-running")] } : off);
    current = "POWEROFF";
  }
  const settle = (): Step => wait(current === "RUNNING" ? "vm-running" : "vm-poweroff", "id", true);
  const needsStable = (what: string) => {
    if (current !== "RUNNING" && current !== "POWEROFF") {
      throw new StepPlanningError(change.address, `OpenNebula takes ${what} only from a RUNNING or POWEROFF VM, and this one is in ${state}; bring it to one of them and plan again`);
    }
  };

  if (capacity.length > 0) {
    const cold = resizeIsCold(current);
    if (!cold) needsStable("a resize");
    const template: Template = capacity.map((key) => ({ name: key.toUpperCase(), value: String(spec[key]) }));
    steps.push(call(`resize ${capacity.join(", ")}`, "one.vm.resize", [ID, serializeTemplate(template), true]));
    if (current === "RUNNING") steps.push(settle());
  }
  if (conf.changed.length > 0) {
    steps.push(call(conf.label, "one.vm.updateconf", [ID, serializeTemplate(conf.template), 0]));
    if (current === "RUNNING" && conf.changed.includes("CONTEXT")) steps.push(settle());
  }

  if (hotplug.length > 0) {
    needsStable("disk and NIC hot-plug calls");
    steps.push(...diskSteps(change, spec, live, ctx, settle), ...nicSteps(change, spec, live, ctx, settle));
  }

  if (!wantsOff && current !== "RUNNING") {
    // On its way up it needs no call; HOLD is left by release, every stopped state by resume.
    if (!goingUp(current)) {
      const action = current === "HOLD" ? "release" : "resume";
      steps.push(cycled ? endCycle(action) : call(action, "one.vm.action", [action, ID]));
    }
    steps.push(wait("vm-running"));
  }
  return steps;
}

/** The call that brings a power-cycled VM back up. */
function endCycle(action: "resume" | "release"): Step {
  return { type: "call", label: action, method: "one.vm.action", params: [action, ID], endsCycle: true };
}

function sameNames(recorded: ReadonlySet<string>, wanted: readonly string[]): boolean {
  return wanted.length === recorded.size && wanted.every((n) => recorded.has(n));
}

function schedulingOf(spec: VirtualMachineSpec): Template {
  const s = spec.scheduling;
  if (!s) return [];
  const t: Template = [];
  if (s.requirements !== undefined) t.push({ name: "SCHED_REQUIREMENTS", value: s.requirements });
  if (s.rank !== undefined) t.push({ name: "SCHED_RANK", value: s.rank });
  if (s.datastoreRequirements !== undefined) t.push({ name: "SCHED_DS_REQUIREMENTS", value: s.datastoreRequirements });
  return t;
}


/**
 * The template of the update's one `one.vm.updateconf` call, empty when the diff changes no updateconf
 * section. oned's replace erases every replaceable section the template leaves out, so the template
 * carries each one the VM keeps: the sections this change sets, as declared (over the live attributes
 * the declaration leaves to the cloud); every other one as it stands on the VM. A console no longer
 * declared is left out, and so removed. CONTEXT goes only when it changed (left out, oned keeps it).
 */
function updateconfSections(
  diff: readonly AttributeDiff[],
  spec: VirtualMachineSpec,
  live: VmRecord,
  ctx: StepContext,
): { template: Template; changed: string[]; label: string } {
  const changed = new Set<string>();
  for (const d of diff) {
    if (!is(d, "one.vm.updateconf")) continue;
    const head = d.path.split(/[.[]/)[0]!;
    if (head === "raw") changed.add(`raw:${(d.path.split(".")[2] ?? "").toUpperCase()}`);
    else changed.add(head.toUpperCase());
  }
  if (changed.size === 0) return { template: [], changed: [], label: "" };
  const liveSection = (name: string) => templateVectors(live.template, name)[0] ?? templateVectors(live.userTemplate, name)[0];
  const raw = spec.raw?.opennebula ?? {};
  const declaredRaw = new Map(Object.keys(raw).map((key) => [key.toUpperCase(), machineRaw(key, raw[key])[0]?.value]));
  const out: Template = [];
  if (changed.has("CONTEXT") && spec.context) out.push({ name: "CONTEXT", value: contextVector(spec.context, ctx.resolve) });
  for (const name of UPDATECONF_ERASED_WHEN_ABSENT) {
    const current = liveSection(name);
    let value: Record<string, string> | undefined;
    if (name === "GRAPHICS") {
      // Attributes the declaration cannot leave to the cloud (a password) go when undeclared.
      const { PASSWD: _password, ...kept } = current ?? {};
      if (spec.graphics) value = changed.has("GRAPHICS") || !current ? { ...kept, ...graphicsVector(spec.graphics) } : current;
    } else if (name === "OS" && spec.os && changed.has("OS")) {
      const { KERNEL_CMD: _cmd, ...kept } = current ?? {};
      value = { ...kept, ...osVector(spec.os) };
    } else if (changed.has(`raw:${name}`) && declaredRaw.get(name) !== undefined) {
      value = declaredRaw.get(name) as Record<string, string>;
    } else {
      value = current;
    }
    if (value !== undefined && Object.keys(value).length > 0) out.push({ name, value });
  }
  // Raw sections oned keeps when left out (BACKUP_CONFIG): sent only when they changed.
  for (const c of changed) {
    const name = c.replace(/^raw:/, "");
    if (c === name || (UPDATECONF_ERASED_WHEN_ABSENT as readonly string[]).includes(name) || out.some((a) => a.name === name)) continue;
    const value = declaredRaw.get(name);
    if (value !== undefined) out.push({ name, value: value as Record<string, string> });
  }
  // The step names what it changes; the sections sent as they stand only keep what is there.
  const names = [...changed].map((c) => c.replace(/^raw:/, ""));
  const sent = new Set(out.map((a) => a.name));
  const set = names.filter((n) => sent.has(n));
  const removed = names.filter((n) => !sent.has(n));
  const kept = out.map((a) => a.name).filter((n) => !names.includes(n));
  const parts = [...(set.length > 0 ? [`sets ${set.join(", ")}`] : []), ...(removed.length > 0 ? [`removes ${removed.join(", ")}`] : []), ...(kept.length > 0 ? [`keeps ${kept.join(", ")}`] : [])];
  return { template: out, changed: names, label: `updateconf (${parts.join("; ")})` };
}

function machineRaw(key: string, value: unknown): Template {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const vector: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) vector[k.toUpperCase()] = typeof v === "object" ? JSON.stringify(v) : String(v);
    return [{ name: key.toUpperCase(), value: vector }];
  }
  return [];
}

function liveId(vectors: Record<string, string>[], index: number, idKey: string, address: string, what: string): string {
  const id = vectors[index]?.[idKey];
  if (id === undefined) throw new StepPlanningError(address, `the plan names ${what} #${index}, but the VM has ${vectors.length}; plan again`);
  return id;
}

/**
 * What the diff does to the elements of a VM collection (disks, NICs): which live elements go (by
 * their index in the live template), which declared ones come (by declared index), and which stay
 * and change in place (live index → declared index).
 */
function elementChanges(
  diff: readonly AttributeDiff[],
  collection: string,
  operations: { detach: OneOperation; attach: OneOperation; reattach: OneOperation; inPlace: (d: AttributeDiff) => boolean },
): { detach: number[]; attach: number[]; inPlace: Map<number, number>; reattach: Map<number, number> } {
  const detach = new Set<number>();
  const attach = new Set<number>();
  const inPlace = new Map<number, number>();
  const reattach = new Map<number, number>();
  for (const d of diff) {
    const index = indexOf(d.path, collection);
    if (index === undefined) continue;
    if (is(d, operations.detach)) detach.add(index);
    else if (is(d, operations.attach)) attach.add(index);
    else if (is(d, operations.reattach)) {
      detach.add(d.liveIndex ?? index);
      attach.add(index);
      reattach.set(d.liveIndex ?? index, index);
    } else if (operations.inPlace(d)) inPlace.set(d.liveIndex ?? index, index);
  }
  for (const l of detach) inPlace.delete(l);
  // Detached from the last, so the ids of the others do not matter; attached in declared order.
  return { detach: [...detach].sort((a, b) => b - a), attach: [...attach].sort((a, b) => a - b), inPlace, reattach };
}

function diskSteps(change: ResourceChange, spec: VirtualMachineSpec, live: VmRecord, ctx: StepContext, settle: () => Step): Step[] {
  const disks = templateVectors(live.template, "DISK");
  const declared = spec.disks ?? [];
  const { detach, attach, inPlace } = elementChanges(change.diff, "disks", { detach: "one.vm.detach", attach: "one.vm.attach", reattach: "one.vm.detach+one.vm.attach", inPlace: (d) => is(d, "one.vm.diskresize") });
  const steps: Step[] = [];
  for (const l of detach) {
    const id = liveId(disks, l, "DISK_ID", change.address, "disk");
    steps.push(call(`detach disk ${id}`, "one.vm.detach", [ID, Number(id)]), settle());
  }
  for (const [l, d] of inPlace) {
    const id = liveId(disks, l, "DISK_ID", change.address, "disk");
    const size = declared[d]?.size;
    if (size === undefined) continue;
    steps.push(call(`grow disk ${id} to ${size} MiB`, "one.vm.diskresize", [ID, Number(id), String(size)]), settle());
  }
  for (const d of attach) {
    const disk = declared[d];
    if (!disk) continue;
    steps.push(call(`attach disk #${d + 1}`, "one.vm.attach", [ID, serializeTemplate(machineAttributes({ disks: [disk] } as MachineSpec, ctx))]), settle());
  }
  return steps;
}

function nicSteps(change: ResourceChange, spec: VirtualMachineSpec, live: VmRecord, ctx: StepContext, settle: () => Step): Step[] {
  const nics = templateVectors(live.template, "NIC");
  const declared = spec.nics ?? [];
  const { detach, attach, inPlace, reattach } = elementChanges(change.diff, "nics", {
    detach: "one.vm.detachnic",
    attach: "one.vm.attachnic",
    reattach: "one.vm.detachnic+one.vm.attachnic",
    inPlace: (d) => is(d, "one.vm.attachsg") || is(d, "one.vm.detachsg") || is(d, "one.vm.detachsg+one.vm.attachsg"),
  });
  // A NIC that moves to another network gets its new NIC before the old one goes, so the guest is
  // never cut off; on the same network the old one goes first (it may hold the address the new one takes).
  const moves = [...reattach].filter(([l, d]) => {
    const nic = declared[d];
    return nic !== undefined && nics[l] !== undefined && nics[l]!.NETWORK_ID !== String(ctx.idOf(nic.network.ref));
  });
  const attachFirst = new Set(moves.map(([, d]) => d));
  const detachLater = new Set(moves.map(([l]) => l));
  const steps: Step[] = [];
  const attachNic = (d: number) => {
    const nic = declared[d];
    if (nic) steps.push(call(`attach NIC #${d + 1}`, "one.vm.attachnic", [ID, serializeTemplate(machineAttributes({ nics: [nic] } as MachineSpec, ctx))]), settle());
  };
  const detachNic = (l: number) => {
    const id = liveId(nics, l, "NIC_ID", change.address, "NIC");
    steps.push(call(`detach NIC ${id}`, "one.vm.detachnic", [ID, Number(id)]), settle());
  };
  for (const d of [...attachFirst].sort((a, b) => a - b)) attachNic(d);
  for (const l of detach) if (!detachLater.has(l)) detachNic(l);
  for (const l of detach) if (detachLater.has(l)) detachNic(l);
  for (const [l, d] of inPlace) {
    const nicId = Number(liveId(nics, l, "NIC_ID", change.address, "NIC"));
    const held = new Set((nics[l]!.SECURITY_GROUPS ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "" && s !== "0"));
    const wanted = new Set((declared[d]?.securityGroups ?? []).map((g) => String(ctx.idOf(g.ref))));
    for (const sg of [...held].filter((g) => !wanted.has(g))) steps.push(call(`detach security group ${sg} from NIC ${nicId}`, "one.vm.detachsg", [ID, nicId, Number(sg)]));
    for (const sg of [...wanted].filter((g) => !held.has(g))) steps.push(call(`attach security group ${sg} to NIC ${nicId}`, "one.vm.attachsg", [ID, nicId, Number(sg)]));
  }
  for (const d of attach) if (!attachFirst.has(d)) attachNic(d);
  return steps;
}
