/**
 * XenServer's diff rules: for each kind, which XenAPI call applies each attribute change, whether the
 * VM must be halted for it, which changes need a new object, and what a person must know before
 * approving. Ranked: the first rule whose path matches decides. Sources: FACTS §1.5 (which fields are
 * settable, which only at create) and §1.7 (the power states each call takes).
 *
 * Choices written down:
 * - Memory and VCPUs: hyperplan sets a VM's static and dynamic memory to the declared size and its
 *   VCPUs_max to the declared count, so a change moves the static limits, which xapi takes from a
 *   Halted VM only (`set_memory_limits`, `set_VCPUs_max`): a running VM is shut down cleanly, changed
 *   and started again, and the plan says so.
 * - Disks are VBDs to the stack's images; a VBD's VDI and mode are fixed at create (FACTS §1.5 "C"),
 *   so a changed disk is unplugged, destroyed and made again. Plugging and unplugging need a running
 *   VM (§1.7); on a halted VM the VBD is only made or destroyed.
 * - NICs are VIFs; network and MAC are fixed at create, so a changed NIC is made again. A VIF someone
 *   unplugged by hand is read as missing and plugged again.
 * - A VM whose start failed under hyperplan (HOST_NOT_ENOUGH_FREE_MEMORY …) is marked so and read in
 *   the state START_FAILED: the next plan replaces it, as Terraform replaces a tainted resource. A VM
 *   shut down by hand is only started again. A VM a stopped run left still a template (UNFINISHED) is
 *   replaced too.
 * - Names are free text in xapi and not unique: no kind claims its name, replacements create first.
 * - Deleting an image attached to a VM fails VDI_IN_USE, a network with VIFs NETWORK_CONTAINS_VIF:
 *   VMs go first.
 */
import type { Impact } from "../../core/action.js";
import type { ResourceKind, VirtualMachineSpec } from "../../resources/desired-state.js";
import type { AttributeContext, AttributeRule, DiffRules, KindRules } from "../../diff/rules.js";
import type { BackendFills } from "../../diff/fields.js";
import type { TemplateMerge } from "../../diff/effective.js";
import { canonicalNumber } from "../../diff/values.js";
import type { XenOperation } from "./operation-names.js";

/** The states a VM is read in (power_state, upper-cased), and the mark of a failed start. */
export const VM_RUNNING = "RUNNING";
export const VM_HALTED = "HALTED";
export const VM_START_FAILED = "START_FAILED";
/** A VM a run left before it was provisioned and made a VM (still a template). */
export const VM_UNFINISHED = "UNFINISHED";

type XenRule = AttributeRule<XenOperation>;

function wantsRunning(ctx: AttributeContext): boolean {
  return (ctx.desired.props as VirtualMachineSpec).powerState !== "poweroff";
}

function running(ctx: AttributeContext): boolean {
  return ctx.status.state === VM_RUNNING;
}

/** Memory and VCPUs change only on a Halted VM (FACTS §1.7). */
function haltedImpact(ctx: AttributeContext): Impact {
  return running(ctx) && wantsRunning(ctx) ? "in-place-with-power-cycle" : "in-place";
}

function haltedEffects(ctx: AttributeContext): string[] {
  if (!running(ctx)) return [];
  if (!wantsRunning(ctx)) return ["changed after the VM is shut down, as declared"];
  return ["shuts the VM down cleanly and starts it again: xapi changes static memory limits and VCPUs_max only on a halted VM"];
}

/** Plugging and unplugging work on a running VM only; a halted one gets the device at its next start. */
function plugEffects(ctx: AttributeContext, runningText: string, haltedText: string): string[] {
  if (running(ctx) && (ctx.powerCycle === true || !wantsRunning(ctx))) return [`${haltedText}, while the VM is shut down for this change`];
  return running(ctx) ? [runningText] : [haltedText];
}

function grows(ctx: AttributeContext): boolean {
  const before = canonicalNumber(ctx.before);
  const after = canonicalNumber(ctx.after);
  return typeof before === "number" && typeof after === "number" && after >= before;
}

/** platform and HVM_boot_params are read when the VM boots: a running VM is shut down and started again. */
function nextBootEffects(ctx: AttributeContext): string[] {
  if (!running(ctx)) return ["read when the VM next starts"];
  if (!wantsRunning(ctx)) return ["set after the VM is shut down, as declared"];
  return ["read by xapi when the VM boots: hyperplan shuts it down cleanly and starts it again"];
}

const vmMapRules = (effects: (ctx: AttributeContext) => string[], impact: XenRule["impact"]): XenRule[] =>
  (["platform", "HVM_boot_params"] as const).flatMap((field) => {
    const operation: XenOperation = field === "platform" ? "VM.set_platform" : "VM.set_HVM_boot_params";
    return [
      { path: `raw.xenserver.${field}`, impact, operation, effects },
      { path: `raw.xenserver.${field}.**`, impact, operation, effects },
    ];
  });

const vmRules: XenRule[] = [
  { path: "name", impact: "in-place", operation: "VM.set_name_label" },
  { path: "description", impact: "in-place", operation: "VM.set_name_description" },
  { path: "labels", impact: "in-place", operation: "VM.set_tags", effects: ["shown as the VM's tags in XenCenter and Xen Orchestra"] },
  { path: "attributes.**", impact: "in-place", operation: "VM.set_other_config" },
  { path: "raw.xenserver.template", impact: "replace", operation: "replace", effects: ["a VM is a clone of its template: another template makes another VM"] },
  { path: "template", impact: "replace", operation: "replace", effects: ["a VM is a clone of its template: another template makes another VM"] },
  ...vmMapRules(nextBootEffects, haltedImpact),
  { path: "raw.**", impact: "replace", operation: "replace", effects: ["no XenAPI call changes this setting of an existing VM"] },
  { path: "memory", impact: haltedImpact, operation: "VM.set_memory_limits", effects: haltedEffects },
  { path: "vcpu", impact: haltedImpact, operation: "VM.set_VCPUs_max+VM.set_VCPUs_at_startup", effects: haltedEffects },
  {
    path: "powerState",
    impact: "in-place",
    operation: (ctx) => (wantsRunning(ctx) ? "VM.start" : "VM.clean_shutdown"),
    effects: (ctx) => (wantsRunning(ctx) ? [`the VM starts from ${ctx.status.state.toLowerCase()}`] : ["the guest is asked to shut down cleanly; its disks and NICs are kept"]),
  },
  {
    path: "disks[*]",
    when: "add",
    impact: "in-place",
    operation: "VBD.create+VBD.plug",
    effects: (ctx) => plugEffects(ctx, "hot-plugged into the running guest", "attached; the guest sees it at its next start"),
  },
  {
    path: "disks[*]",
    when: "remove",
    impact: "in-place",
    operation: "VBD.unplug+VBD.destroy",
    effects: (ctx) => plugEffects(ctx, "hot-unplugged from the running guest: unmount it inside first", "detached; the image itself is kept"),
  },
  {
    path: "disks[*].**",
    impact: "in-place",
    operation: "VBD.unplug+VBD.destroy+VBD.create+VBD.plug",
    effects: (ctx) => plugEffects(ctx, "the disk is unplugged and attached again under the running guest: unmount it inside first", "the disk is attached again"),
  },
  {
    path: "nics[*]",
    when: "add",
    impact: "in-place",
    operation: "VIF.create+VIF.plug",
    effects: (ctx) => plugEffects(ctx, "hot-plugged into the running guest", "added; the guest sees it at its next start"),
  },
  {
    path: "nics[*]",
    when: "remove",
    impact: "in-place",
    operation: "VIF.unplug+VIF.destroy",
    effects: (ctx) => plugEffects(ctx, "hot-unplugged from the running guest", "removed"),
  },
  {
    path: "nics[*].**",
    impact: "in-place",
    operation: "VIF.unplug+VIF.destroy+VIF.create+VIF.plug",
    effects: (ctx) => plugEffects(ctx, "the NIC is unplugged and made again under the running guest: its MAC and network change", "the NIC is made again"),
  },
];

const imageRules: XenRule[] = [
  { path: "name", impact: "in-place", operation: "VDI.set_name_label" },
  { path: "description", impact: "in-place", operation: "VDI.set_name_description" },
  { path: "attributes.**", impact: "in-place", operation: "VDI.set_other_config" },
  {
    path: "size",
    impact: (ctx) => (grows(ctx) ? "in-place" : "replace"),
    operation: (ctx) => (grows(ctx) ? "VDI.resize" : "replace"),
    effects: (ctx) => (grows(ctx) ? ["the disk grows (online when a running VM has it attached): grow its partition and filesystem inside"] : ["a VDI cannot shrink: the image is replaced, with its data"]),
  },
  { path: "type", impact: "replace", operation: "replace", effects: ["a VDI's type is fixed when it is created"] },
  { path: "datastore", impact: "replace", operation: "replace", effects: ["a VDI stays on the SR it was created on"] },
  { path: "persistent", impact: "replace", operation: "replace", effects: ["how a VDI is shared is fixed when it is created"] },
  { path: "raw.**", impact: "replace", operation: "replace", effects: ["no XenAPI call changes this setting of an existing VDI"] },
];

const networkRules: XenRule[] = [
  { path: "name", impact: "in-place", operation: "network.set_name_label" },
  { path: "description", impact: "in-place", operation: "network.set_name_description" },
  { path: "attributes.**", impact: "in-place", operation: "network.set_other_config" },
  { path: "mtu", impact: "in-place", operation: "network.set_MTU", effects: ["VIFs plugged from now on get the new MTU"] },
  { path: "bridge", impact: "replace", operation: "replace", effects: ["a network's bridge is fixed when it is created"] },
  { path: "raw.**", impact: "replace", operation: "replace", effects: ["no XenAPI call changes this setting of an existing network"] },
];

const TEMPLATE_EFFECT = "VMs already cloned from the template are not changed: they are compared against the new template and show their own diffs";

const templateRules: XenRule[] = [
  { path: "name", impact: "in-place", operation: "VM.set_name_label" },
  { path: "description", impact: "in-place", operation: "VM.set_name_description" },
  { path: "attributes.**", impact: "in-place", operation: "VM.set_other_config" },
  { path: "memory", impact: "in-place", operation: "VM.set_memory_limits", effects: [TEMPLATE_EFFECT] },
  { path: "vcpu", impact: "in-place", operation: "VM.set_VCPUs_max+VM.set_VCPUs_at_startup", effects: [TEMPLATE_EFFECT] },
  { path: "nics[*]", when: "add", impact: "in-place", operation: "VIF.create", effects: [TEMPLATE_EFFECT] },
  { path: "nics[*]", when: "remove", impact: "in-place", operation: "VIF.destroy", effects: [TEMPLATE_EFFECT] },
  { path: "nics[*].**", impact: "in-place", operation: "VIF.destroy+VIF.create", effects: [TEMPLATE_EFFECT] },
  { path: "raw.xenserver.template", impact: "replace", operation: "replace", effects: ["a template is a clone of its pool template: another one makes another template"] },
  ...vmMapRules(() => [TEMPLATE_EFFECT], "in-place"),
  { path: "raw.**", impact: "replace", operation: "replace", effects: ["no XenAPI call changes this setting of an existing template"] },
];

/**
 * How a VM cloned from one of the stack's templates carries the template's props: `VM.clone` copies
 * the template's memory, VCPUs and VIFs, and hyperplan sets the VM's own where it gives them (a NIC
 * list given on the VM replaces the template's). Its description, attributes and raw settings are
 * its own.
 */
const CLONE_MERGE: TemplateMerge = { whole: ["vcpu", "memory", "nics"], fields: [], keys: [] };

function kind(attributes: XenRule[], createOperation: string, deleteOperation: string, deleteBlockedBy: readonly ResourceKind[], failedStates?: (state: string) => boolean): KindRules {
  return { attributes, replaceOrder: "create-before-destroy", createOperation, deleteOperation, deleteBlockedBy, ...(failedStates ? { failedStates } : {}) };
}

/**
 * What xapi or the template sets by itself when the declaration leaves it out: an image's SR (the
 * pool's default SR) and size (that of the disk it copies); a network's bridge (`xapiN`) and MTU (1500); a VM's memory and VCPUs (its
 * template's), its NICs' MACs (from the VM's mac_seed) and its disks' device names; a VM's power
 * state (running unless declared otherwise).
 */
const XAPI_FILLS: BackendFills = {
  image: ["datastore", "size"],
  network: ["bridge", "mtu"],
  capacity: ["vcpu", "memory"],
  imageDisk: ["size", "devicePrefix", "target"],
  nic: ["ip", "mac", "model"],
  virtualMachine: ["powerState"],
};

export const xenServerDiffRules: DiffRules = {
  backend: "xenserver",
  // other_config keys and raw settings are kept as given.
  keyCase: "exact",
  fields: XAPI_FILLS,
  templateMerge: CLONE_MERGE,
  kinds: {
    VmTemplate: kind(templateRules, "Async.VM.clone", "Async.VM.destroy", []),
    VirtualMachine: kind(vmRules, "Async.VM.clone", "Async.VM.destroy", [], (state) => state === VM_START_FAILED || state === VM_UNFINISHED),
    Image: kind(imageRules, "Async.VDI.create", "Async.VDI.destroy", ["VirtualMachine"]),
    VirtualNetwork: kind(networkRules, "network.create", "network.destroy", ["VirtualMachine"]),
  },
};
