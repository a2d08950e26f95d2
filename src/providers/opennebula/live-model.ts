/**
 * How OpenNebula objects appear in hyperplan's LiveState, and what their live state allows: the state
 * vocabulary of `LiveResource.status`, the power state a VM reports in its props, health, and the state
 * rules of the reconfiguration calls that the diff rules (`diff-rules.ts`) classify by.
 *
 * Everything here works on OpenNebula's state NAMES (FACTS.md §5): a VM's `status.state` is what
 * `VirtualMachine::state_str` prints, the LCM_STATE name when STATE is ACTIVE (`RUNNING`, `BOOT_FAILURE`)
 * and the STATE name otherwise (`POWEROFF`, `PENDING`); an image's or a network's is its STATE name.
 * The numbers behind the names belong to the client's state tables.
 */
import { isVmFailureName } from "./states.js";
import type { LiveStatus } from "../../diff/live-state.js";
import type { PowerState } from "../../resources/desired-state.js";

/** VM templates and security groups have no STATE in OpenNebula; they are reported with this one. */
export const STATELESS = "DEFINED";

/**
 * VM states on the way to RUNNING or holding in it: the VM counts as running for the declaration
 * (`powerState: "running"` needs no action). PENDING is waiting for the scheduler, CLONING for its
 * images; the LCM states are the deploy and hotplug steps that end in RUNNING again.
 */
const RUNNING_STATES = new Set([
  "INIT",
  "PENDING",
  "CLONING",
  "PROLOG",
  "BOOT",
  "RUNNING",
  "MIGRATE",
  "SAVE_MIGRATE",
  "PROLOG_MIGRATE",
  "BOOT_MIGRATE",
  "BOOT_UNKNOWN",
  "BOOT_POWEROFF",
  "BOOT_SUSPENDED",
  "BOOT_STOPPED",
  "BOOT_UNDEPLOY",
  "PROLOG_RESUME",
  "PROLOG_UNDEPLOY",
  "CLEANUP_RESUBMIT",
  "HOTPLUG",
  "HOTPLUG_NIC",
  "HOTPLUG_SNAPSHOT",
  "HOTPLUG_SAVEAS",
  "HOTPLUG_RESIZE",
  "DISK_SNAPSHOT",
  "DISK_SNAPSHOT_DELETE",
  "DISK_RESIZE",
  "BACKUP",
  "RESTORE",
  "UNKNOWN",
]);

/**
 * The power state a provider reports in a VM's props. Everything that is not running or heading there
 * counts as `poweroff` (POWEROFF, SUSPENDED, STOPPED, UNDEPLOYED, HOLD, the shutdown steps and the
 * failures), so a declaration asking for `running` gets the action that starts it again.
 */
export function vmPowerState(state: string): PowerState {
  return RUNNING_STATES.has(state) ? "running" : "poweroff";
}

/**
 * Failure states (FACTS.md §5: the LCM states that `terminate` cleans up, CLONING_FAILURE) and UNKNOWN
 * (the host lost contact): a person must look at the VM.
 */
export function isVmFailureState(state: string): boolean {
  return isVmFailureName(state) || state === "UNKNOWN";
}

/** A VM's LiveStatus; `error` is the VM's USER_TEMPLATE/ERROR text when it has one. */
export function vmLiveStatus(state: string, error?: string): LiveStatus {
  const healthy = !isVmFailureState(state);
  return { state, healthy, ...(!healthy && error ? { message: error } : {}) };
}

/** An image's LiveStatus from its STATE name (READY, USED, LOCKED, ERROR …). */
export function imageLiveStatus(state: string, error?: string): LiveStatus {
  const healthy = state !== "ERROR";
  return { state, healthy, ...(!healthy && error ? { message: error } : {}) };
}

/** A virtual network's LiveStatus from its STATE name (READY, LOCK_CREATE, ERROR, UPDATE_FAILURE …). */
export function networkLiveStatus(state: string, error?: string): LiveStatus {
  const healthy = state !== "ERROR" && state !== "UPDATE_FAILURE";
  return { state, healthy, ...(!healthy && error ? { message: error } : {}) };
}

/**
 * A security group's LiveStatus: it has no STATE, but oned lists the VMs its rules failed to reach
 * (`ERROR_VMS`); `one.secgroup.commit` pushes them again.
 */
export function securityGroupLiveStatus(errorVms: readonly number[]): LiveStatus {
  if (errorVms.length === 0) return { state: STATELESS, healthy: true };
  return { state: STATELESS, healthy: false, message: `the rules could not be pushed to VM${errorVms.length === 1 ? "" : "s"} ${errorVms.join(", ")}` };
}

export function templateLiveStatus(): LiveStatus {
  return { state: STATELESS, healthy: true };
}

// ---------------------------------------------------------------------------------------------
// State rules of the reconfiguration calls (FACTS.md §7; resizeIsCold is in states.ts)

/** True when the VM's guest is up: hot-plug, live context update, and "next boot" meaning a power cycle. */
export function guestIsUp(state: string): boolean {
  return state === "RUNNING";
}

/** The `one.vm.action` that brings a VM from its live state to the declared power state. */
export function powerAction(state: string, wanted: PowerState): "poweroff" | "resume" | "release" {
  if (wanted === "poweroff") return "poweroff";
  // HOLD is left by release (the VM then deploys); every other stopped state by resume.
  return state === "HOLD" ? "release" : "resume";
}
