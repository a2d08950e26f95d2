/**
 * OpenNebula's state numbers and names (FACTS.md §5; `include/VirtualMachine.h`, `include/Image.h`,
 * `include/VirtualNetwork.h`). Only this folder and the simulator know the numbers.
 */

export const VM_STATES = ["INIT", "PENDING", "HOLD", "ACTIVE", "STOPPED", "SUSPENDED", "DONE", "FAILED", "POWEROFF", "UNDEPLOYED", "CLONING", "CLONING_FAILURE"] as const;
export type VmStateName = (typeof VM_STATES)[number];

export const LCM_STATES = [
  "LCM_INIT", "PROLOG", "BOOT", "RUNNING", "MIGRATE", "SAVE_STOP", "SAVE_SUSPEND", "SAVE_MIGRATE", "PROLOG_MIGRATE",
  "PROLOG_RESUME", "EPILOG_STOP", "EPILOG", "SHUTDOWN", "CANCEL", "FAILURE", "CLEANUP_RESUBMIT", "UNKNOWN", "HOTPLUG",
  "SHUTDOWN_POWEROFF", "BOOT_UNKNOWN", "BOOT_POWEROFF", "BOOT_SUSPENDED", "BOOT_STOPPED", "CLEANUP_DELETE",
  "HOTPLUG_SNAPSHOT", "HOTPLUG_NIC", "HOTPLUG_SAVEAS", "HOTPLUG_SAVEAS_POWEROFF", "HOTPLUG_SAVEAS_SUSPENDED",
  "SHUTDOWN_UNDEPLOY", "EPILOG_UNDEPLOY", "PROLOG_UNDEPLOY", "BOOT_UNDEPLOY", "HOTPLUG_PROLOG_POWEROFF",
  "HOTPLUG_EPILOG_POWEROFF", "BOOT_MIGRATE", "BOOT_FAILURE", "BOOT_MIGRATE_FAILURE", "PROLOG_MIGRATE_FAILURE",
  "PROLOG_FAILURE", "EPILOG_FAILURE", "EPILOG_STOP_FAILURE", "EPILOG_UNDEPLOY_FAILURE", "PROLOG_MIGRATE_POWEROFF",
  "PROLOG_MIGRATE_POWEROFF_FAILURE", "PROLOG_MIGRATE_SUSPEND", "PROLOG_MIGRATE_SUSPEND_FAILURE",
  "BOOT_UNDEPLOY_FAILURE", "BOOT_STOPPED_FAILURE", "PROLOG_RESUME_FAILURE", "PROLOG_UNDEPLOY_FAILURE",
  "DISK_SNAPSHOT_POWEROFF", "DISK_SNAPSHOT_REVERT_POWEROFF", "DISK_SNAPSHOT_DELETE_POWEROFF", "DISK_SNAPSHOT_SUSPENDED",
  "DISK_SNAPSHOT_REVERT_SUSPENDED", "DISK_SNAPSHOT_DELETE_SUSPENDED", "DISK_SNAPSHOT", "DISK_SNAPSHOT_REVERT",
  "DISK_SNAPSHOT_DELETE", "PROLOG_MIGRATE_UNKNOWN", "PROLOG_MIGRATE_UNKNOWN_FAILURE", "DISK_RESIZE",
  "DISK_RESIZE_POWEROFF", "DISK_RESIZE_UNDEPLOYED", "HOTPLUG_NIC_POWEROFF", "HOTPLUG_RESIZE", "HOTPLUG_SAVEAS_UNDEPLOYED",
  "HOTPLUG_SAVEAS_STOPPED", "BACKUP", "BACKUP_POWEROFF", "RESTORE",
] as const;
export type LcmStateName = (typeof LCM_STATES)[number];

export const VM_STATE = Object.fromEntries(VM_STATES.map((n, i) => [n, i])) as Record<VmStateName, number>;
export const LCM_STATE = Object.fromEntries(LCM_STATES.map((n, i) => [n, i])) as Record<LcmStateName, number>;

export const IMAGE_STATES = ["INIT", "READY", "USED", "DISABLED", "LOCKED", "ERROR", "CLONE", "DELETE", "USED_PERS", "LOCKED_USED", "LOCKED_USED_PERS"] as const;
export const IMAGE_TYPES = ["OS", "CDROM", "DATABLOCK", "KERNEL", "RAMDISK", "CONTEXT", "BACKUP", "FILESYSTEM"] as const;
export const VNET_STATES = ["INIT", "READY", "LOCK_CREATE", "LOCK_DELETE", "DONE", "ERROR", "UPDATE_FAILURE"] as const;
export const DATASTORE_STATES = ["READY", "DISABLED"] as const;

/** LCM states that are failures: exactly those for which terminate cleans up (FACTS.md §5). */
const LCM_FAILURES = new Set<number>([36, 37, 38, 39, 40, 41, 42, 44, 46, 47, 48, 49, 50, 61]);
/** Stable LCM states: RUNNING, and UNKNOWN (host lost contact: stable until monitoring or resume). */
const LCM_STABLE = new Set<number>([3, 16]);
const VM_STABLE = new Set<number>([1, 2, 4, 5, 6, 8, 9]);

function nameOf(list: readonly string[], n: number, what: string): string {
  return list[n] ?? `${what}_${n}`;
}

/** The name OpenNebula shows for a VM: its LCM state when ACTIVE, its VM state otherwise. */
export function vmStateName(state: number, lcmState: number): string {
  return state === VM_STATE.ACTIVE ? nameOf(LCM_STATES, lcmState, "LCM_STATE") : nameOf(VM_STATES, state, "STATE");
}

export function isVmFailure(state: number, lcmState: number): boolean {
  return state === VM_STATE.CLONING_FAILURE || (state === VM_STATE.ACTIVE && LCM_FAILURES.has(lcmState));
}

const FAILURE_NAMES = new Set(["CLONING_FAILURE", ...[...LCM_FAILURES].map((n) => LCM_STATES[n]!)]);

/** The same, by the name `vmStateName` gives (`BOOT_FAILURE`): what the diff rules and the live status read. */
export function isVmFailureName(state: string): boolean {
  return FAILURE_NAMES.has(state);
}

/**
 * States in which `one.vm.resize` changes the template only, without a host capacity change or a
 * hot-plug (FACTS.md §7): the VM is not placed, or powered off or undeployed.
 */
const RESIZE_COLD = new Set(["INIT", "PENDING", "HOLD", "POWEROFF", "UNDEPLOYED", "CLONING", "CLONING_FAILURE"]);

export function resizeIsCold(state: string): boolean {
  return RESIZE_COLD.has(state);
}

/** The sections `one.vm.updateconf` takes (FACTS.md §7, `VirtualMachineTemplate::UPDATECONF_ATTRS`). */
export const UPDATECONF_SECTIONS: ReadonlySet<string> = new Set(["OS", "FEATURES", "INPUT", "GRAPHICS", "VIDEO", "RAW", "CPU_MODEL", "BACKUP_CONFIG", "CONTEXT"]);

/**
 * Of those, the ones its replace (type 0) erases when the template leaves them out, and in a section it
 * gives, the sub-attributes left out (`replace_vector_values` in `VirtualMachine::updateconf`). CONTEXT
 * and BACKUP_CONFIG are kept when left out.
 */
export const UPDATECONF_ERASED_WHEN_ABSENT = ["OS", "FEATURES", "INPUT", "GRAPHICS", "VIDEO", "RAW", "CPU_MODEL"] as const;

/** In progress: a poller keeps waiting. ACTIVE with a transient LCM state, INIT, CLONING. */
export function isVmTransient(state: number, lcmState: number): boolean {
  if (state === VM_STATE.ACTIVE) return !LCM_FAILURES.has(lcmState) && !LCM_STABLE.has(lcmState);
  return state === VM_STATE.INIT || state === VM_STATE.CLONING;
}

export function isVmStable(state: number, lcmState: number): boolean {
  return state === VM_STATE.ACTIVE ? LCM_STABLE.has(lcmState) : VM_STABLE.has(state);
}

export function imageStateName(state: number): string {
  return nameOf(IMAGE_STATES, state, "IMAGE_STATE");
}
export function imageTypeName(type: number): string {
  return nameOf(IMAGE_TYPES, type, "IMAGE_TYPE");
}
export function vnetStateName(state: number): string {
  return nameOf(VNET_STATES, state, "VNET_STATE");
}
export function datastoreStateName(state: number): string {
  return nameOf(DATASTORE_STATES, state, "DATASTORE_STATE");
}

/**
 * States in which oned takes `terminate-hard` (FACTS.md §6, `DispatchManager::terminate`): RUNNING,
 * UNKNOWN and SHUTDOWN (a soft shutdown that hangs) when ACTIVE, every failure state, and every
 * VM state outside ACTIVE (DONE included, where it does nothing). Any other LCM state (PROLOG, BOOT,
 * EPILOG, a hot-plug, a migration …) is refused with "wrong state" until it ends by itself.
 */
export function vmTakesTerminate(state: number, lcmState: number): boolean {
  if (state !== VM_STATE.ACTIVE) return true;
  return lcmState === LCM_STATE.RUNNING || lcmState === LCM_STATE.UNKNOWN || lcmState === LCM_STATE.SHUTDOWN || LCM_FAILURES.has(lcmState);
}

/** On its way to DONE already (a terminate that a stopped run made): EPILOG, or CLEANUP_DELETE after a failure. */
export function vmGoingAway(state: number, lcmState: number): boolean {
  return state === VM_STATE.ACTIVE && (lcmState === LCM_STATE.EPILOG || lcmState === LCM_STATE.CLEANUP_DELETE);
}
