/**
 * What each change does on XenServer, as data: the kit's steps (calls, asynchronous calls followed as
 * tasks, waits) with a XenServer action on each, written into the Operation before the first call so
 * that a person and a golden test can read exactly what a change does.
 *
 * - A network is made by `network.create` with its tags in the record; an image by `Async.VDI.create`
 *   likewise (FACTS §1.6); an image with raw.xenserver.copyOf is then filled from the pool's VDI of that name by
 *   `Async.VDI.copy` into it. A VM's disk of a persistent image is a VBD to the image's VDI; of any
 *   other image, a VBD to the VM's own copy of it: a VDI created with the VM's tags, then filled by
 *   `Async.VDI.copy` into it. A copy is never made untagged, so no stopped run leaves one nobody owns.
 * - A VM is cloned from its pool template under a marker name (`Async.VM.clone`), tagged and named,
 *   provisioned (`Async.VM.provision`: the template's disks become the VM's own VDIs, tagged as its
 *   disks), made a VM (`set_is_a_template false`), sized, given its VBDs and VIFs (their tags in
 *   their create records), and started unless declared off: the order FACTS §1.7 prescribes
 *   (clone → provision → set_is_a_template(false) → start).
 * - Memory and VCPUs change on a halted VM only (§1.7): a running VM declared running is shut down
 *   cleanly first, and brought back up if anything fails before it is started again.
 * - A VM is deleted by `Async.VM.shutdown` (clean, then hard: §1.6) when it runs, then its own disks
 *   (VBD.destroy, VDI.destroy of the VDIs tagged as its disks), then `Async.VM.destroy`: a run stopped
 *   halfway leaves the VM, whose tags lead the rerun to what is left. Never a VDI the stack does not own.
 */
import type { ResourceChange } from "../../core/plan.js";
import type { KitStep } from "../kit/step-engine.js";

/** What a step does on XenServer; the driver (operations.ts) carries it out. */
export type XenAction =
  | { do: "network.create" }
  | { do: "network.destroy"; old?: true }
  | { do: "vdi.create" }
  | { do: "vdi.destroy"; old?: true }
  | { do: "vm.clone" }
  | { do: "vm.tag" }
  | { do: "vm.name" }
  | { do: "vm.provision" }
  | { do: "vm.tag-disks" }
  | { do: "vm.make" }
  | { do: "vm.size" }
  | { do: "vm.labels" }
  | { do: "vm.clear-nics" }
  | { do: "vm.maps" }
  | { do: "vm.attach-disk"; index: number }
  | { do: "vm.create-copy"; index: number }
  | { do: "vm.copy-disk"; index: number }
  | { do: "vdi.fill" }
  | { do: "vm.detach-disk"; liveIndex: number }
  | { do: "vm.add-nic"; index: number }
  | { do: "vm.remove-nic"; liveIndex: number }
  | { do: "vm.start" }
  | { do: "vm.clean-shutdown" }
  | { do: "vm.stop"; old?: true }
  | { do: "vm.destroy"; old?: true }
  | { do: "vm.destroy-disks"; old?: true }
  | { do: "vm.read-values" }
  | { do: "set"; cls: "VM" | "VDI" | "network"; field: "name" | "description" | "attributes" | "mtu" | "size" };

/** What a wait waits for: the task of the asynchronous call before it. */
export type XenWait = "task";

export type XenStep = KitStep<{ xen: XenAction }, XenWait>;

const call = (label: string, xen: XenAction, extra: { ignoreMissing?: boolean; endsCycle?: true } = {}): XenStep => ({ type: "call", label, xen, ...extra });
const task = (label: string, xen: XenAction): XenStep[] => [
  { type: "handle", label, xen },
  { type: "wait", label: `wait for ${label}`, until: "task", on: "handle" },
];

function indexOf(path: string, collection: string): number | undefined {
  const m = new RegExp(`^${collection}\\[(\\d+)\\]`).exec(path);
  return m ? Number(m[1]) : undefined;
}

/**
 * The steps of a change. A replacement makes the new object and deletes the old one in the order the
 * plan chose (steps on the old object say `old`); a two-phase one does either half (`phase`).
 */
export function stepsFor(change: ResourceChange, persistent: (image: string) => boolean): XenStep[] {
  if (change.action === "noop") return [];
  if (change.action === "replace") {
    if (change.phase === "create") return stepsOf({ ...change, action: "create" }, persistent);
    const remove = stepsOf({ ...change, action: "delete" }, persistent, true);
    if (change.phase === "finish") return remove;
    const create = stepsOf({ ...change, action: "create" }, persistent);
    return change.replaceOrder === "delete-before-create" ? [...remove, ...create] : [...create, ...remove];
  }
  return stepsOf(change, persistent);
}

function stepsOf(change: ResourceChange, persistent: (image: string) => boolean, old = false): XenStep[] {
  switch (change.kind) {
    case "VirtualNetwork":
      return networkSteps(change, old);
    case "Image":
      return imageSteps(change, old);
    case "VirtualMachine":
      return vmSteps(change, persistent, old);
    case "VmTemplate":
      return templateSteps(change, old);
    default:
      throw new Error(`${change.kind} is not supported on XenServer`);
  }
}

const oldMark = (old: boolean): { old?: true } => (old ? { old: true } : {});

function networkSteps(change: ResourceChange, old: boolean): XenStep[] {
  if (change.action === "create") return [{ type: "allocate", label: "network.create", xen: { do: "network.create" } }];
  if (change.action === "delete") return [call("network.destroy", { do: "network.destroy", ...oldMark(old) }, { ignoreMissing: true })];
  const ops = new Set(change.diff.map((d) => d.operation));
  const out: XenStep[] = [];
  if (ops.has("network.set_name_label")) out.push(call("network.set_name_label", { do: "set", cls: "network", field: "name" }));
  if (ops.has("network.set_name_description")) out.push(call("network.set_name_description", { do: "set", cls: "network", field: "description" }));
  if (ops.has("network.set_other_config")) out.push(call("network.set_other_config", { do: "set", cls: "network", field: "attributes" }));
  if (ops.has("network.set_MTU")) out.push(call("network.set_MTU", { do: "set", cls: "network", field: "mtu" }));
  return out;
}

function imageSteps(change: ResourceChange, old: boolean): XenStep[] {
  if (change.action === "create") {
    // An image that names a pool disk is a copy of it, copied into the tagged VDI.
    const copyOf = (change.after as { raw?: { xenserver?: { copyOf?: unknown } } } | undefined)?.raw?.xenserver?.copyOf;
    return [...task("Async.VDI.create", { do: "vdi.create" }), ...(typeof copyOf === "string" ? task(`Async.VDI.copy from "${copyOf}"`, { do: "vdi.fill" }) : [])];
  }
  if (change.action === "delete") return task("Async.VDI.destroy", { do: "vdi.destroy", ...oldMark(old) });
  const ops = new Set(change.diff.map((d) => d.operation));
  const out: XenStep[] = [];
  if (ops.has("VDI.set_name_label")) out.push(call("VDI.set_name_label", { do: "set", cls: "VDI", field: "name" }));
  if (ops.has("VDI.set_name_description")) out.push(call("VDI.set_name_description", { do: "set", cls: "VDI", field: "description" }));
  if (ops.has("VDI.set_other_config")) out.push(call("VDI.set_other_config", { do: "set", cls: "VDI", field: "attributes" }));
  if (ops.has("VDI.resize")) out.push(...task("Async.VDI.resize", { do: "set", cls: "VDI", field: "size" }));
  return out;
}

/** The steps that give a VM its declared disk `i`: a VBD to a persistent image, else to a copy of it. */
function diskSteps(change: ResourceChange, persistent: (image: string) => boolean, i: number, label: string): XenStep[] {
  const disk = (change.after as { disks?: { image?: { ref: string } }[] } | undefined)?.disks?.[i];
  const image = disk?.image?.ref;
  if (image === undefined || persistent(image)) return [call(`${label} disk ${i}`, { do: "vm.attach-disk", index: i })];
  return [
    ...task(`Async.VDI.create (disk ${i}'s copy)`, { do: "vm.create-copy", index: i }),
    ...task(`Async.VDI.copy disk ${i}`, { do: "vm.copy-disk", index: i }),
    call(`${label} disk ${i}`, { do: "vm.attach-disk", index: i }),
  ];
}

function vmSteps(change: ResourceChange, persistent: (image: string) => boolean, old: boolean): XenStep[] {
  const after = change.after as { powerState?: string; disks?: unknown[]; nics?: unknown[] } | undefined;
  const wantsRunning = after?.powerState !== "poweroff";
  if (change.action === "create") {
    const out: XenStep[] = [
      ...task("Async.VM.clone", { do: "vm.clone" }),
      call("VM.set_other_config (tags)", { do: "vm.tag" }),
      call("VM.set_name_label", { do: "vm.name" }),
      ...task("Async.VM.provision", { do: "vm.provision" }),
      call("VDI.set_other_config (the VM's disks)", { do: "vm.tag-disks" }),
      call("VM.set_is_a_template false", { do: "vm.make" }),
      call("VM.set_memory_limits, VCPUs", { do: "vm.size" }),
      call("VM.set_platform, VM.set_HVM_boot_params", { do: "vm.maps" }),
      call("VM.set_tags", { do: "vm.labels" }),
      // The clone's VIFs (its template's) make way for the declared NICs.
      call("VIF.destroy (the clone's)", { do: "vm.clear-nics" }),
    ];
    (after?.disks ?? []).forEach((_, i) => out.push(...diskSteps(change, persistent, i, "VBD.create")));
    (after?.nics ?? []).forEach((_, i) => out.push(call(`VIF.create nic ${i}`, { do: "vm.add-nic", index: i })));
    if (wantsRunning) out.push(...task("Async.VM.start", { do: "vm.start" }));
    out.push(call("read the VM's addresses", { do: "vm.read-values" }));
    return out;
  }
  if (change.action === "delete") {
    const before = change.before as { powerState?: string } | undefined;
    const out: XenStep[] = [];
    // Shut down whatever its power state was read as: Async.VM.shutdown of a halted VM is skipped.
    if (before?.powerState === "running") out.push(...task("Async.VM.shutdown", { do: "vm.stop", ...oldMark(old) }));
    // The VM's own disks go first, while the VM still carries the tags that lead a rerun to them.
    out.push(call("VBD.destroy, VDI.destroy (the VM's own disks)", { do: "vm.destroy-disks", ...oldMark(old) }));
    out.push(...task("Async.VM.destroy", { do: "vm.destroy", ...oldMark(old) }));
    return out;
  }

  // An update: the attribute lines' operations, in an order that works.
  const ops = new Set(change.diff.map((d) => d.operation));
  const running = (change.before as { powerState?: string } | undefined)?.powerState === "running";
  const cycle = change.diff.some((d) => d.impact === "in-place-with-power-cycle");
  const stopping = running && (!wantsRunning || cycle);
  const out: XenStep[] = [];
  if (stopping) {
    out.push({ type: "handle", label: "Async.VM.clean_shutdown", xen: { do: "vm.clean-shutdown" } });
    out.push({
      type: "wait",
      label: "wait for Async.VM.clean_shutdown",
      until: "task",
      on: "handle",
      ...(cycle && wantsRunning ? { restore: [call("Async.VM.start", { do: "vm.start" }, { endsCycle: true }), { type: "wait", label: "wait for Async.VM.start", until: "task", on: "handle" } as XenStep] } : {}),
    });
  }
  if (ops.has("VM.set_name_label")) out.push(call("VM.set_name_label", { do: "vm.name" }));
  if (ops.has("VM.set_name_description")) out.push(call("VM.set_name_description", { do: "set", cls: "VM", field: "description" }));
  if (ops.has("VM.set_other_config")) out.push(call("VM.set_other_config", { do: "set", cls: "VM", field: "attributes" }));
  if (ops.has("VM.set_tags")) out.push(call("VM.set_tags", { do: "vm.labels" }));
  if (ops.has("VM.set_memory_limits") || ops.has("VM.set_VCPUs_max+VM.set_VCPUs_at_startup")) out.push(call("VM.set_memory_limits, VCPUs", { do: "vm.size" }));
  if (ops.has("VM.set_platform") || ops.has("VM.set_HVM_boot_params")) out.push(call("VM.set_platform, VM.set_HVM_boot_params", { do: "vm.maps" }));

  // Devices: removals by their live index, highest first (the live lists keep their order), then additions.
  const removeDisks = new Set<number>();
  const addDisks = new Set<number>();
  const removeNics = new Set<number>();
  const addNics = new Set<number>();
  for (const d of change.diff) {
    const disk = indexOf(d.path, "disks");
    const nic = indexOf(d.path, "nics");
    const collection = disk !== undefined ? { index: disk, remove: removeDisks, add: addDisks } : nic !== undefined ? { index: nic, remove: removeNics, add: addNics } : undefined;
    if (!collection) continue;
    if (d.operation.endsWith("+VBD.create+VBD.plug") || d.operation.endsWith("+VIF.create+VIF.plug") || d.operation === "VIF.destroy+VIF.create") {
      collection.remove.add(d.liveIndex ?? collection.index);
      collection.add.add(collection.index);
    } else if (d.operation === "VBD.unplug+VBD.destroy" || d.operation === "VIF.unplug+VIF.destroy" || d.operation === "VIF.destroy") {
      collection.remove.add(d.liveIndex ?? collection.index);
    } else if (d.operation === "VBD.create+VBD.plug" || d.operation === "VIF.create+VIF.plug" || d.operation === "VIF.create") {
      collection.add.add(collection.index);
    }
  }
  const desc = (s: Set<number>) => [...s].sort((a, b) => b - a);
  const asc = (s: Set<number>) => [...s].sort((a, b) => a - b);
  for (const i of desc(removeDisks)) out.push(call(`VBD.unplug+VBD.destroy disk ${i}`, { do: "vm.detach-disk", liveIndex: i }));
  for (const i of desc(removeNics)) out.push(call(`VIF.unplug+VIF.destroy nic ${i}`, { do: "vm.remove-nic", liveIndex: i }));
  for (const i of asc(addDisks)) out.push(...diskSteps(change, persistent, i, "VBD.create+VBD.plug"));
  for (const i of asc(addNics)) out.push(call(`VIF.create+VIF.plug nic ${i}`, { do: "vm.add-nic", index: i }));

  if (stopping && cycle && wantsRunning) {
    out.push(call("Async.VM.start", { do: "vm.start" }, { endsCycle: true }));
    out.push({ type: "wait", label: "wait for Async.VM.start", until: "task", on: "handle" });
  } else if (!running && wantsRunning && ops.has("VM.start")) {
    out.push(...task("Async.VM.start", { do: "vm.start" }));
  }
  out.push(call("read the VM's addresses", { do: "vm.read-values" }));
  return out;
}

/**
 * A template of the stack: a clone of its pool template, kept a template (never provisioned or
 * started), with its memory, VCPUs and VIFs; its disks are the pool template's, copied by the clone
 * and tagged as its own. Deleted like a VM, its own disks first.
 */
function templateSteps(change: ResourceChange, old: boolean): XenStep[] {
  const after = change.after as { nics?: unknown[] } | undefined;
  if (change.action === "create") {
    const out: XenStep[] = [
      ...task("Async.VM.clone", { do: "vm.clone" }),
      call("VM.set_other_config (tags)", { do: "vm.tag" }),
      call("VM.set_name_label", { do: "vm.name" }),
      call("VDI.set_other_config (the template's disks)", { do: "vm.tag-disks" }),
      call("VM.set_memory_limits, VCPUs", { do: "vm.size" }),
      call("VM.set_platform, VM.set_HVM_boot_params", { do: "vm.maps" }),
      call("VIF.destroy (the clone's)", { do: "vm.clear-nics" }),
    ];
    (after?.nics ?? []).forEach((_, i) => out.push(call(`VIF.create nic ${i}`, { do: "vm.add-nic", index: i })));
    return out;
  }
  if (change.action === "delete") {
    return [
      call("VBD.destroy, VDI.destroy (the template's own disks)", { do: "vm.destroy-disks", ...oldMark(old) }),
      ...task("Async.VM.destroy", { do: "vm.destroy", ...oldMark(old) }),
    ];
  }
  const ops = new Set(change.diff.map((d) => d.operation));
  const out: XenStep[] = [];
  if (ops.has("VM.set_name_label")) out.push(call("VM.set_name_label", { do: "vm.name" }));
  if (ops.has("VM.set_name_description")) out.push(call("VM.set_name_description", { do: "set", cls: "VM", field: "description" }));
  if (ops.has("VM.set_other_config")) out.push(call("VM.set_other_config", { do: "set", cls: "VM", field: "attributes" }));
  if (ops.has("VM.set_memory_limits") || ops.has("VM.set_VCPUs_max+VM.set_VCPUs_at_startup")) out.push(call("VM.set_memory_limits, VCPUs", { do: "vm.size" }));
  if (ops.has("VM.set_platform") || ops.has("VM.set_HVM_boot_params")) out.push(call("VM.set_platform, VM.set_HVM_boot_params", { do: "vm.maps" }));
  const removes = new Set<number>();
  const adds = new Set<number>();
  for (const d of change.diff) {
    const nic = indexOf(d.path, "nics");
    if (nic === undefined) continue;
    if (d.operation === "VIF.destroy" || d.operation === "VIF.destroy+VIF.create") removes.add(d.liveIndex ?? nic);
    if (d.operation === "VIF.create" || d.operation === "VIF.destroy+VIF.create") adds.add(nic);
  }
  for (const i of [...removes].sort((a, b) => b - a)) out.push(call(`VIF.destroy nic ${i}`, { do: "vm.remove-nic", liveIndex: i }));
  for (const i of [...adds].sort((a, b) => a - b)) out.push(call(`VIF.create nic ${i}`, { do: "vm.add-nic", index: i }));
  return out;
}
