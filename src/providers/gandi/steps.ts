/**
 * What each change does on Gandi hosting, as data: the kit's steps, each slow call a `handle` step
 * whose handle is the hosting operation it queued (FACTS §2.2), followed by a wait on that operation.
 *
 * - A disk is made by `disk_create` and a VM by `vm_create` (each answers the new object's id at once;
 *   the operation that makes it is found in `operation_list`), then the VM's data disks are attached
 *   one by one and, when it is declared stopped, the VM is stopped.
 * - A VM is deleted stopped (`vm_stop` first when it runs), its data disks detached, then `vm_delete`;
 *   a disk by `disk_delete`.
 * - Replacements delete first (names are unique per account, so the new object needs the name).
 * - A VM made or changed ends with one `vm_info`: it is done when it reads back as declared (CPUs,
 *   shares, OS, power state, data disks), not merely when its operations are DONE.
 */
import type { ResourceChange } from "../../core/plan.js";
import type { KitStep } from "../kit/step-engine.js";

export type GandiAction =
  | { do: "disk.create" }
  | { do: "disk.delete"; old?: true }
  | { do: "vm.create" }
  | { do: "vm.attach"; index: number }
  | { do: "vm.detach"; liveIndex: number }
  | { do: "vm.detach-all"; old?: true }
  | { do: "vm.update" }
  | { do: "vm.start" }
  | { do: "vm.stop"; old?: true }
  | { do: "vm.delete"; old?: true }
  | { do: "vm.check" };

export type GandiWait = "operation";
export type GandiStep = KitStep<{ gandi: GandiAction }, GandiWait>;

/** A call that queues an operation, and the wait for it; `optional`: the driver may find nothing to do. */
const op = (label: string, gandi: GandiAction): GandiStep[] => [
  { type: "handle", label, gandi },
  { type: "wait", label: `wait for ${label}`, until: "operation", on: "handle" },
];

const CHECK: GandiStep = { type: "call", label: "vm_info (reads back as declared)", gandi: { do: "vm.check" } };

function indexOf(path: string): number | undefined {
  const m = /^disks\[(\d+)\]/.exec(path);
  return m ? Number(m[1]) : undefined;
}

export function stepsFor(change: ResourceChange): GandiStep[] {
  if (change.action === "noop") return [];
  if (change.action === "replace") {
    const remove = stepsOf({ ...change, action: "delete" }, true);
    const create = stepsOf({ ...change, action: "create" });
    if (change.phase === "create") return create;
    if (change.phase === "finish") return remove;
    return [...remove, ...create];
  }
  return stepsOf(change);
}

function stepsOf(change: ResourceChange, old = false): GandiStep[] {
  const mark = old ? { old: true as const } : {};
  if (change.kind === "Image") {
    if (change.action === "create") return op("disk_create", { do: "disk.create" });
    if (change.action === "delete") return op("disk_delete", { do: "disk.delete", ...mark });
    return [];
  }
  if (change.kind !== "VirtualMachine") throw new Error(`${change.kind} is not supported on Gandi`);
  const after = change.after as { disks?: unknown[]; powerState?: string } | undefined;
  if (change.action === "create") {
    const out = op("vm_create", { do: "vm.create" });
    (after?.disks ?? []).forEach((_, i) => out.push(...op(`disk_attach disk ${i}`, { do: "vm.attach", index: i })));
    if (after?.powerState === "poweroff") out.push(...op("vm_stop", { do: "vm.stop" }));
    out.push(CHECK);
    return out;
  }
  if (change.action === "delete") {
    return [...op("vm_stop", { do: "vm.stop", ...mark }), ...op("disk_detach (its data disks)", { do: "vm.detach-all", ...mark }), ...op("vm_delete", { do: "vm.delete", ...mark })];
  }
  // An update: detaches (highest live index first), vm_update, attaches, then the power state.
  const ops = new Set(change.diff.map((d) => d.operation));
  const detach = new Set<number>();
  const attach = new Set<number>();
  for (const d of change.diff) {
    const i = indexOf(d.path);
    if (i === undefined) continue;
    if (d.operation === "disk_detach" || d.operation === "disk_detach+disk_attach") detach.add(d.liveIndex ?? i);
    if (d.operation === "disk_attach" || d.operation === "disk_detach+disk_attach") attach.add(i);
  }
  const out: GandiStep[] = [];
  for (const i of [...detach].sort((a, b) => b - a)) out.push(...op(`disk_detach disk ${i}`, { do: "vm.detach", liveIndex: i }));
  if (ops.has("vm_update")) out.push(...op("vm_update", { do: "vm.update" }));
  for (const i of [...attach].sort((a, b) => a - b)) out.push(...op(`disk_attach disk ${i}`, { do: "vm.attach", index: i }));
  if (ops.has("vm_start")) out.push(...op("vm_start", { do: "vm.start" }));
  if (ops.has("vm_stop")) out.push(...op("vm_stop", { do: "vm.stop" }));
  if (out.length > 0) out.push(CHECK);
  return out;
}
