/**
 * one.vm.recover (`VirtualMachineAPI::recover`, `LifeCycleManager::recover`; FACTS §6): decide the
 * pending driver step of a VM stuck in a transient state (0 failure, 1 success), retry the step of
 * a failure state (2), delete (3), delete and recreate (4) or drop the VM from the pool (5).
 */
import { actionError, apiError } from "./failure.js";
import { releaseHost } from "./infrastructure.js";
import type { VmRecord } from "./records.js";
import { tRemove } from "./template-ops.js";
import {
  BOOT_FAILURES,
  PROLOG_FAILURES,
  PROLOG_TO_BOOT,
  closeHistory,
  finishVm,
  leaveHost,
  markHistory,
  setVmState,
  startBoot,
  toRunning,
  vmStep,
} from "./vm-lifecycle.js";
import { completePending, rollbackPending } from "./vm-reconfigure.js";
import { HistoryAction, Lcm, VmState, stateName } from "./vm-states.js";
import type { World } from "./world.js";

/** Where a transient LCM state goes when the pending driver operation is declared a success or a failure. */
function recoverTransient(world: World, vm: VmRecord, success: boolean): boolean {
  const lcm = vm.lcmState;
  const prolog = PROLOG_FAILURES[lcm];
  if (prolog !== undefined) {
    if (success) startBoot(world, vm, PROLOG_TO_BOOT[lcm] as number);
    else setVmState(world, vm, VmState.ACTIVE, prolog);
    return true;
  }
  const boot = BOOT_FAILURES[lcm];
  if (boot !== undefined) {
    if (success) toRunning(world, vm);
    else setVmState(world, vm, VmState.ACTIVE, boot);
    return true;
  }
  switch (lcm) {
    case Lcm.BOOT_POWEROFF:
      if (success) toRunning(world, vm);
      else setVmState(world, vm, VmState.POWEROFF, Lcm.LCM_INIT);
      return true;
    case Lcm.BOOT_SUSPENDED:
      if (success) toRunning(world, vm);
      else setVmState(world, vm, VmState.SUSPENDED, Lcm.LCM_INIT);
      return true;
    case Lcm.BOOT_UNKNOWN:
      if (success) toRunning(world, vm);
      else setVmState(world, vm, VmState.ACTIVE, Lcm.UNKNOWN);
      return true;
    case Lcm.SHUTDOWN:
    case Lcm.SHUTDOWN_POWEROFF:
    case Lcm.SHUTDOWN_UNDEPLOY:
    case Lcm.SAVE_STOP:
    case Lcm.SAVE_SUSPEND:
      if (success) vmStep(world, { at: world.nowMs(), seq: -1, kind: "vm", id: vm.id, op: vm.op, step: "shutdown-done" });
      else setVmState(world, vm, VmState.ACTIVE, Lcm.RUNNING);
      return true;
    case Lcm.EPILOG:
    case Lcm.EPILOG_STOP:
    case Lcm.EPILOG_UNDEPLOY:
    case Lcm.CLEANUP_DELETE:
    case Lcm.CLEANUP_RESUBMIT:
      if (success) vmStep(world, { at: world.nowMs(), seq: -1, kind: "vm", id: vm.id, op: vm.op, step: "epilog-done" });
      else if (lcm === Lcm.EPILOG) setVmState(world, vm, VmState.ACTIVE, Lcm.EPILOG_FAILURE);
      else if (lcm === Lcm.EPILOG_STOP) setVmState(world, vm, VmState.ACTIVE, Lcm.EPILOG_STOP_FAILURE);
      else if (lcm === Lcm.EPILOG_UNDEPLOY) setVmState(world, vm, VmState.ACTIVE, Lcm.EPILOG_UNDEPLOY_FAILURE);
      else finishVm(world, vm);
      return true;
    case Lcm.HOTPLUG:
    case Lcm.HOTPLUG_NIC:
    case Lcm.HOTPLUG_RESIZE:
    case Lcm.HOTPLUG_PROLOG_POWEROFF:
    case Lcm.HOTPLUG_EPILOG_POWEROFF:
    case Lcm.HOTPLUG_NIC_POWEROFF:
    case Lcm.DISK_RESIZE:
    case Lcm.DISK_RESIZE_POWEROFF:
    case Lcm.DISK_RESIZE_UNDEPLOYED:
      if (success) completePending(world, vm);
      else rollbackPending(world, vm);
      return true;
  }
  return false;
}

/** Failure states: what "success" (the failed operation actually worked) and "retry" lead to. */
const FAILURE_RECOVERY: Record<number, { success: (w: World, vm: VmRecord) => void; retry: (w: World, vm: VmRecord) => void }> = {
  [Lcm.PROLOG_FAILURE]: { success: (w, vm) => startBoot(w, vm, Lcm.BOOT), retry: (w, vm) => restart(w, vm, Lcm.PROLOG, "prolog-done", w.delays.prologMs) },
  [Lcm.PROLOG_RESUME_FAILURE]: {
    success: (w, vm) => startBoot(w, vm, Lcm.BOOT_STOPPED),
    retry: (w, vm) => restart(w, vm, Lcm.PROLOG_RESUME, "prolog-done", w.delays.prologMs),
  },
  [Lcm.PROLOG_UNDEPLOY_FAILURE]: {
    success: (w, vm) => startBoot(w, vm, Lcm.BOOT_UNDEPLOY),
    retry: (w, vm) => restart(w, vm, Lcm.PROLOG_UNDEPLOY, "prolog-done", w.delays.prologMs),
  },
  [Lcm.BOOT_FAILURE]: { success: (w, vm) => toRunning(w, vm), retry: (w, vm) => restart(w, vm, Lcm.BOOT, "boot-done", w.delays.bootMs) },
  [Lcm.BOOT_STOPPED_FAILURE]: { success: (w, vm) => toRunning(w, vm), retry: (w, vm) => restart(w, vm, Lcm.BOOT_STOPPED, "boot-done", w.delays.bootMs) },
  [Lcm.BOOT_UNDEPLOY_FAILURE]: { success: (w, vm) => toRunning(w, vm), retry: (w, vm) => restart(w, vm, Lcm.BOOT_UNDEPLOY, "boot-done", w.delays.bootMs) },
  [Lcm.EPILOG_FAILURE]: { success: (w, vm) => finishVm(w, vm), retry: (w, vm) => restart(w, vm, Lcm.EPILOG, "epilog-done", w.delays.epilogMs) },
  [Lcm.EPILOG_STOP_FAILURE]: {
    success: (w, vm) => {
      leaveHost(w, vm);
      setVmState(w, vm, VmState.STOPPED, Lcm.LCM_INIT);
    },
    retry: (w, vm) => restart(w, vm, Lcm.EPILOG_STOP, "epilog-done", w.delays.epilogMs),
  },
  [Lcm.EPILOG_UNDEPLOY_FAILURE]: {
    success: (w, vm) => {
      leaveHost(w, vm);
      setVmState(w, vm, VmState.UNDEPLOYED, Lcm.LCM_INIT);
    },
    retry: (w, vm) => restart(w, vm, Lcm.EPILOG_UNDEPLOY, "epilog-done", w.delays.epilogMs),
  },
};

function restart(world: World, vm: VmRecord, lcm: number, step: string, delay: number): void {
  // A retry meets the faults again: a rule still matching this VM fails it again.
  const failure = world.faults.failureFor("vm", vm.name);
  vm.failAt = failure ? (failure.state as VmRecord["failAt"]) : null;
  vm.failMessage = failure?.message ?? null;
  setVmState(world, vm, VmState.ACTIVE, lcm);
  world.schedule("vm", vm.id, vm.op, step, delay);
}

export function vmRecover(world: World, vm: VmRecord, op: number): void {
  if (op < 0 || op > 5) throw apiError("Wrong recover operation code", vm.id);
  const s = stateName(vm.state, vm.lcmState);
  const notAvailable = () => actionError(`Recover action is not available for state ${s}`, vm.id);
  switch (op) {
    case 0:
    case 1: {
      if (vm.state !== VmState.ACTIVE) throw notAvailable();
      const recovery = FAILURE_RECOVERY[vm.lcmState];
      if (recovery) {
        if (op === 1) {
          vm.userTemplate = tRemove(vm.userTemplate, "ERROR");
          recovery.success(world, vm);
        }
        world.vms.touch(vm.id);
        return;
      }
      if (!recoverTransient(world, vm, op === 1)) throw notAvailable();
      return;
    }
    case 2: {
      const recovery = vm.state === VmState.ACTIVE ? FAILURE_RECOVERY[vm.lcmState] : undefined;
      if (!recovery) throw notAvailable();
      recovery.retry(world, vm);
      return;
    }
    case 3:
      if (vm.state === VmState.DONE) throw notAvailable();
      rollbackPending(world, vm);
      markHistory(world, vm, { action: HistoryAction.DELETE });
      finishVm(world, vm);
      return;
    case 4:
      if (vm.state === VmState.DONE || vm.state === VmState.PENDING || vm.state === VmState.HOLD) throw notAvailable();
      rollbackPending(world, vm);
      markHistory(world, vm, { action: HistoryAction.DELETE_RECREATE });
      closeHistory(world, vm);
      releaseHost(world, vm);
      vm.deployId = "";
      vm.lastPoll = 0;
      vm.userTemplate = tRemove(vm.userTemplate, "ERROR");
      vm.prevState = VmState.PENDING;
      setVmState(world, vm, VmState.PENDING, Lcm.LCM_INIT);
      return;
    case 5:
      rollbackPending(world, vm);
      if (vm.state !== VmState.DONE) finishVm(world, vm);
      world.vms.remove(vm.id);
      world.forgetVm(vm.id);
      return;
  }
}
