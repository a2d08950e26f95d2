/**
 * The rules every VM operation is checked against (FACTS §1.7, `ocaml/xapi/xapi_vm_lifecycle.ml`
 * `allowed_power_states` and `check_operation_error`), the operations a VM's power state allows
 * (its allowed_operations), host memory (`HOST_NOT_ENOUGH_FREE_MEMORY`) and MACs from a VM's
 * mac_seed.
 */
import { NULL_REF, type StoredRecord, type VmPowerState } from "./datamodel.js";
import { fail } from "./failure.js";
import type { Row, World } from "./world.js";

const HALTED: readonly VmPowerState[] = ["Halted"];
const RUNNING: readonly VmPowerState[] = ["Running"];
const ANY_BUT_HALTED: readonly VmPowerState[] = ["Paused", "Suspended", "Running"];

/** Which power states each operation needs, in the order VM_BAD_POWER_STATE lists them (FACTS §1.7). */
export const ALLOWED_POWER_STATES: Readonly<Record<string, readonly VmPowerState[]>> = {
  start: HALTED,
  start_on: HALTED,
  provision: HALTED,
  clone: HALTED,
  copy: HALTED,
  make_into_template: HALTED,
  changing_VCPUs: HALTED,
  changing_memory_limits: HALTED,
  changing_static_range: HALTED,
  changing_dynamic_range: ["Halted", "Running"],
  clean_shutdown: RUNNING,
  clean_reboot: RUNNING,
  suspend: RUNNING,
  pause: RUNNING,
  pool_migrate: RUNNING,
  changing_VCPUs_live: RUNNING,
  hard_shutdown: ANY_BUT_HALTED,
  shutdown: ANY_BUT_HALTED,
  checkpoint: ANY_BUT_HALTED,
  hard_reboot: ["Paused", "Running"],
  resume: ["Suspended"],
  resume_on: ["Suspended"],
  unpause: ["Paused"],
  destroy: ["Halted", "Suspended"],
  export: ["Halted", "Suspended"],
};

/**
 * What a template allows: cloning, copying, exporting, provisioning, destroying and setting its
 * memory and VCPUs (the documented path clones a template, sizes it and provisions it before it
 * is made a VM). Everything else is VM_IS_TEMPLATE [vm, operation].
 */
const TEMPLATE_OPERATIONS = new Set([
  "clone",
  "copy",
  "export",
  "provision",
  "destroy",
  "make_into_template",
  "changing_memory_limits",
  "changing_static_range",
  "changing_dynamic_range",
  "changing_VCPUs",
  "metadata_export",
]);

const CONTROL_DOMAIN_RUNNING_OPS = new Set(["changing_VCPUs", "changing_memory_limits", "changing_static_range"]);

/** The operations the control domain refuses (it is the host itself). */
const CONTROL_DOMAIN_REFUSES = new Set(["start", "clone", "copy", "provision", "destroy", "suspend", "resume", "pause", "unpause", "clean_shutdown", "hard_shutdown", "shutdown", "clean_reboot", "hard_reboot", "make_into_template"]);

/**
 * Refuses `op` on the VM unless it may run now: templates (VM_IS_TEMPLATE), blocked operations
 * (OPERATION_BLOCKED [vm, reason]), another operation in flight on a VM that is not a template
 * (OTHER_OPERATION_IN_PROGRESS [class, vm, operation, task]), then the power state
 * (VM_BAD_POWER_STATE [vm, expected, actual], lower case, expected joined with ", ").
 */
export function checkVmOperation(vm: Row, op: string): void {
  const r = vm.record;
  if (r.is_a_template === true && !TEMPLATE_OPERATIONS.has(op)) fail("VM_IS_TEMPLATE", vm.ref, op);
  if (r.is_control_domain === true && CONTROL_DOMAIN_REFUSES.has(op)) fail("OPERATION_NOT_ALLOWED", `Operation '${op}' is not allowed on a control domain`);
  const blocked = r.blocked_operations as Record<string, string>;
  if (Object.prototype.hasOwnProperty.call(blocked, op)) fail("OPERATION_BLOCKED", vm.ref, blocked[op] as string);
  if (r.is_a_template !== true) {
    const current = Object.entries(r.current_operations as Record<string, string>);
    if (current.length > 0) {
      const [task, running] = current[0] as [string, string];
      fail("OTHER_OPERATION_IN_PROGRESS", "VM", vm.ref, running, task);
    }
  }
  let allowed = ALLOWED_POWER_STATES[op];
  // The control domain is always running: its limits and VCPUs change while it runs (FACTS §1.7).
  if (r.is_control_domain === true && CONTROL_DOMAIN_RUNNING_OPS.has(op)) allowed = ["Halted", "Running"];
  const state = r.power_state as VmPowerState;
  if (allowed && !allowed.includes(state)) {
    fail("VM_BAD_POWER_STATE", vm.ref, allowed.map((s) => s.toLowerCase()).join(", "), state.toLowerCase());
  }
}

/** A VM's allowed_operations: what its power state (and being a template) allows. */
export function allowedOperations(record: StoredRecord): string[] {
  if (record.is_control_domain === true) return ["changing_dynamic_range", "changing_memory_limits"];
  const state = record.power_state as VmPowerState;
  const ops: string[] = [];
  for (const [op, states] of Object.entries(ALLOWED_POWER_STATES)) {
    if (!states.includes(state)) continue;
    if (record.is_a_template === true && !TEMPLATE_OPERATIONS.has(op)) continue;
    if (op === "start_on" || op === "resume_on" || op === "pool_migrate" || op === "checkpoint" || op === "shutdown") continue;
    ops.push(op);
  }
  if (record.is_a_template !== true || record.is_default_template !== true) ops.push("snapshot");
  return ops.sort();
}

/**
 * The memory a VM needs beyond its own: the simulator's shadow and device-model estimate, 1/128
 * of static_max plus 256 KiB per VCPU plus 1 MiB, rounded up to a MiB (xapi computes it from the
 * same two inputs, `memory_check.ml`).
 */
export function memoryOverhead(record: StoredRecord): number {
  const mib = 1024 * 1024;
  const bytes = (record.memory_static_max as number) / 128 + (record.VCPUs_max as number) * 256 * 1024 + mib;
  return Math.ceil(bytes / mib) * mib;
}

/** What a host's resident VMs (and its control domain) hold of its memory. */
export function hostMemoryUsed(world: World, host: Row): number {
  let used = 0;
  for (const ref of host.record.resident_VMs as string[]) {
    const vm = world.get("VM", ref);
    if (!vm) continue;
    const state = vm.record.power_state;
    if (state === "Running" || state === "Paused") used += (vm.record.memory_static_max as number) + (vm.record.memory_overhead as number);
  }
  return used;
}

export function hostMemoryFree(world: World, host: Row): number {
  const metrics = world.get("host_metrics", host.record.metrics as string);
  const total = (metrics?.record.memory_total as number | undefined) ?? 0;
  return Math.max(0, total - (host.record.memory_overhead as number) - hostMemoryUsed(world, host));
}

/** Writes a host's memory_free after a VM started or stopped on it. */
export function refreshHostMemory(world: World, hostRef: string): void {
  const host = world.get("host", hostRef);
  if (!host || host.record.metrics === NULL_REF) return;
  world.update("host_metrics", host.record.metrics as string, { memory_free: hostMemoryFree(world, host), last_updated: world.nowMs() });
}

/** The host a VM starts on: its affinity when that is a live host, else the pool master. */
export function placementHost(world: World, vm: Row): Row {
  const affinity = vm.record.affinity as string;
  return world.get("host", affinity) ?? world.must("host", world.masterRef);
}

/** HOST_NOT_ENOUGH_FREE_MEMORY [needed, available] (bytes) when the VM does not fit on `host`. */
export function checkHostMemory(world: World, vm: Row, host: Row): void {
  const needed = (vm.record.memory_static_max as number) + (vm.record.memory_overhead as number);
  const available = hostMemoryFree(world, host);
  if (needed > available) fail("HOST_NOT_ENOUGH_FREE_MEMORY", String(needed), String(available));
}

/**
 * The MAC of VIF `device` of a VM with `seed` as its other_config mac_seed: a hash of both, as a
 * locally administered unicast address (xapi chains hashes of the seed, `xapi_vif_helpers.ml`),
 * so the same VM and device always get the same MAC.
 */
export function macFromSeed(seed: string, device: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  const text = `${seed}/${device}`;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  const bytes = [((h1 >>> 24) & 0xfc) | 0x02, (h1 >>> 16) & 0xff, (h1 >>> 8) & 0xff, h1 & 0xff, (h2 >>> 8) & 0xff, h2 & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

export const MAC_PATTERN = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** The device name a VBD gets when plugged: `xvd` and the letter of its userdevice. */
export function vbdDeviceName(userdevice: string): string {
  const n = Number(userdevice);
  return Number.isInteger(n) && n >= 0 && n < 26 ? `xvd${String.fromCharCode(97 + n)}` : `xvd${userdevice}`;
}
