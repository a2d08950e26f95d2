/**
 * Gandi's diff rules: which hosting call applies each attribute change, and which changes need a new
 * object because the API has no call for them (FACTS §2.1: `vm_update` takes shares, cpu and
 * vm_max_memory only; disks have no update at all).
 *
 * Choices written down:
 * - A VM's name is its hostname, which no call changes: a rename is a replacement; so is another OS
 *   (the OS is installed by `vm_create`) and another root password (no call sets it afterwards).
 * - Memory and CPUs go through `vm_update`; the simulator takes them on a running VM, so the plan does
 *   not power-cycle (unverified against a live endpoint).
 * - Data disks are attached and detached with `disk_attach` / `disk_detach`; a disk's size, name and
 *   filesystem are fixed when it is made.
 * - Names are unique per hosting account: a replacement of a VM or a disk deletes first.
 * - An attached disk cannot be deleted (the simulator refuses it, cause 60): VMs go first.
 */
import type { ResourceKind } from "../../resources/desired-state.js";
import type { AttributeRule, DiffRules, KindRules } from "../../diff/rules.js";
import type { BackendFills } from "../../diff/fields.js";

export type GandiOperation = "vm_update" | "vm_start" | "vm_stop" | "disk_attach" | "disk_detach" | "disk_detach+disk_attach";

type GandiRule = AttributeRule<GandiOperation>;

const vmRules: GandiRule[] = [
  { path: "name", impact: "replace", operation: "replace", effects: ["a VM's hostname is fixed when it is made"] },
  { path: "raw.gandi.os", impact: "replace", operation: "replace", effects: ["the OS is installed when the VM is made"] },
  { path: "context.**", impact: "replace", operation: "replace", effects: ["the root password is set when the VM is made; no call changes it"] },
  { path: "context", impact: "replace", operation: "replace", effects: ["the root password is set when the VM is made; no call changes it"] },
  { path: "memory", impact: "in-place", operation: "vm_update", effects: ["the VM's shares change: the account's free shares pay for it"] },
  { path: "vcpu", impact: "in-place", operation: "vm_update" },
  {
    path: "powerState",
    impact: "in-place",
    operation: (ctx) => ((ctx.desired.props as { powerState?: string }).powerState === "poweroff" ? "vm_stop" : "vm_start"),
  },
  { path: "disks[*]", when: "add", impact: "in-place", operation: "disk_attach" },
  { path: "disks[*]", when: "remove", impact: "in-place", operation: "disk_detach", effects: ["the disk is kept, detached"] },
  { path: "disks[*].**", impact: "in-place", operation: "disk_detach+disk_attach" },
];

const diskRules: GandiRule[] = [
  { path: "name", impact: "replace", operation: "replace", effects: ["a disk's name is fixed when it is made"] },
  { path: "size", impact: "replace", operation: "replace", effects: ["no call resizes a disk: it is made again, empty"] },
  { path: "raw.**", impact: "replace", operation: "replace", effects: ["a disk's filesystem is fixed when it is made"] },
];

function kind(attributes: GandiRule[], createOperation: string, deleteOperation: string, deleteBlockedBy: readonly ResourceKind[]): KindRules {
  return { attributes, replaceOrder: "delete-before-create", createOperation, deleteOperation, deleteBlockedBy, uniqueNames: true };
}

/** What Gandi sets by itself when undeclared: a VM's CPUs (one) and power state (running). */
const GANDI_FILLS: BackendFills = {
  capacity: ["vcpu"],
  imageDisk: ["size", "devicePrefix", "target"],
  virtualMachine: ["powerState"],
};

export const gandiDiffRules: DiffRules = {
  backend: "gandi",
  cannotMove:
    "a Gandi object's name carries its stack's mark, and no call renames a VM or a disk, so no object changes address or stack: a renamed construct keeps its former name (its `name` prop) or is replaced, and an object made outside the stack stays outside it",
  keyCase: "exact",
  fields: GANDI_FILLS,
  kinds: {
    VirtualMachine: kind(vmRules, "vm_create", "vm_delete", []),
    Image: kind(diskRules, "disk_create", "disk_delete", ["VirtualMachine"]),
  },
};
