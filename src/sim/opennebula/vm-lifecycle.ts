/**
 * VM lifecycles (`src/dm/DispatchManagerActions.cc`, `src/lcm/LifeCycleActions.cc`,
 * `LifeCycleStates.cc`; FACTS §6): one.vm.action, the scheduler that places PENDING VMs on hosts
 * with capacity, one.vm.deploy, one.vm.recover, and the driver steps that move a VM through
 * PROLOG, BOOT, SHUTDOWN, EPILOG … with the configured delays.
 */
import { actionError, notFound, ErrorCode, OneFailure } from "./failure.js";
import { logTime, releaseImage } from "./image.js";
import { chargeHost, hostFits, releaseHost, vmCapacity } from "./infrastructure.js";
import type { HistoryRecord, HostRecord, VmRecord } from "./records.js";
import { syncVmSecurityGroups } from "./secgroup.js";
import { tGet, tRemove, tSet, tVectors } from "./template-ops.js";
import { completePending, rollbackPending } from "./vm-reconfigure.js";
import { FAILURE_LCM_STATES, HistoryAction, Lcm, VmState, stateName } from "./vm-states.js";
import { releaseNicLease } from "./vnet.js";
import type { SimEvent, World } from "./world.js";

// ------------------------------------------------------------------ state changes

/** Sets STATE/LCM_STATE, keeping the previous pair in PREV_STATE/PREV_LCM_STATE as oned does. */
export function setVmState(world: World, vm: VmRecord, state: number, lcm: number): void {
  if (vm.state !== state || vm.lcmState !== lcm) {
    vm.prevState = vm.state;
    vm.prevLcmState = vm.lcmState;
    vm.state = state;
    vm.lcmState = lcm;
  }
  vm.op++;
  world.vms.touch(vm.id);
  world.indexVm(vm);
}

export function lastHistory(vm: VmRecord): HistoryRecord | undefined {
  return vm.history[vm.history.length - 1];
}

/** Writes the history record of a copy of the record oned makes with `cp_history` (same host, new SEQ). */
function newHistoryOnSameHost(world: World, vm: VmRecord, action: number): void {
  const last = lastHistory(vm);
  if (!last) return;
  const now = world.nowSec();
  vm.history = [...vm.history, { ...last, seq: last.seq + 1, stime: now, etime: 0, pstime: 0, petime: 0, rstime: now, retime: 0, estime: 0, eetime: 0, action }];
  vm.history[vm.history.length - 2] = { ...last, etime: last.etime || now, action: last.action || action };
}

export function closeHistory(world: World, vm: VmRecord, action?: number): void {
  const last = lastHistory(vm);
  if (!last) return;
  const now = world.nowSec();
  vm.history[vm.history.length - 1] = {
    ...last,
    etime: last.etime || now,
    retime: last.rstime && !last.retime ? now : last.retime,
    ...(action !== undefined ? { action } : {}),
  };
}

export function markHistory(world: World, vm: VmRecord, patch: Partial<HistoryRecord>): void {
  const last = lastHistory(vm);
  if (!last) return;
  vm.history[vm.history.length - 1] = { ...last, ...patch };
  world.vms.touch(vm.id);
}

/** Writes USER_TEMPLATE/ERROR as `VirtualMachine::set_template_error_message` does: "<time>: <message>". */
function setError(world: World, vm: VmRecord, message: string): void {
  vm.userTemplate = tSet(vm.userTemplate, "ERROR", `${logTime(world.nowSec())}: ${message}`);
}

/** Gives back everything a VM holds and marks it DONE (the object stays: FACTS §4). */
export function finishVm(world: World, vm: VmRecord): void {
  for (const disk of tVectors(vm.template, "DISK")) {
    if (disk.IMAGE_ID !== undefined) releaseImage(world, Number(disk.IMAGE_ID), vm.id);
  }
  for (const nic of [...tVectors(vm.template, "NIC"), ...tVectors(vm.template, "NIC_ALIAS")]) {
    if (nic.NETWORK_ID !== undefined && nic.AR_ID !== undefined) {
      releaseNicLease(world, Number(nic.NETWORK_ID), Number(nic.AR_ID), vm.id, nic.IP, nic.MAC);
    }
  }
  syncVmSecurityGroups(world, vm, true);
  releaseHost(world, vm);
  closeHistory(world, vm);
  markHistory(world, vm, { eetime: lastHistory(vm)?.estime ? world.nowSec() : 0 });
  vm.etime = world.nowSec();
  vm.pending = null;
  vm.failAt = null;
  setVmState(world, vm, VmState.DONE, Lcm.LCM_INIT);
  world.wakeScheduler();
}

// ------------------------------------------------------------------ scheduler

/**
 * One scheduler cycle (`Scheduler::match_schedule` / `dispatch`): every PENDING VM, in id order,
 * goes to the host with the fewest VMs among those with enough free CPU and memory that meet its
 * SCHED_REQUIREMENTS; a VM that fits nowhere stays PENDING with USER_TEMPLATE/SCHED_MESSAGE saying why.
 */
export function runScheduler(world: World): void {
  const pending = [...world.pendingVms].sort((a, b) => a - b);
  const hosts = [...world.hosts.values()].filter((h) => h.state === 2 || h.state === 1);
  const perHost = new Map<number, number>();
  const limit = world.delays.schedulerMaxPerHost;
  let deferred = false;
  for (const id of pending) {
    const vm = world.vms.get(id);
    if (!vm || vm.state !== VmState.PENDING) continue;
    const need = vmCapacity(vm);
    const requirements = tGet(vm.userTemplate, "SCHED_REQUIREMENTS");
    let fits = 0;
    let matched: HostRecord[] = [];
    let syntaxError: string | null = null;
    for (const host of hosts) {
      if (!hostFits(host, need.cpu, need.mem)) continue;
      fits++;
      if (requirements !== undefined && requirements.trim() !== "") {
        const ok = evaluateRequirements(requirements, host);
        if (typeof ok === "string") {
          syntaxError = ok;
          break;
        }
        if (!ok) continue;
      }
      matched.push(host);
    }
    let message: string | null = null;
    if (syntaxError !== null) message = `Cannot schedule VM. ${syntaxError}`;
    else if (hosts.length === 0) message = "Cannot dispatch VM: No hosts enabled to run VMs";
    else if (fits === 0) message = "Cannot dispatch VM: No host with enough capacity to deploy the VM";
    else if (matched.length === 0) message = `Cannot dispatch VM: No host meets capacity and SCHED_REQUIREMENTS: ${requirements ?? ""}`;
    if (message !== null) {
      const stamped = `${logTime(world.nowSec())}: ${message}`;
      if (tGet(vm.userTemplate, "SCHED_MESSAGE")?.endsWith(`: ${message}`) !== true) {
        vm.userTemplate = tSet(vm.userTemplate, "SCHED_MESSAGE", stamped);
        world.vms.touch(vm.id);
        world.changed();
      }
      continue;
    }
    if (limit > 0) {
      matched = matched.filter((h) => (perHost.get(h.id) ?? 0) < limit);
      if (matched.length === 0) {
        deferred = true;
        continue;
      }
    }
    matched.sort((a, b) => a.vms.length - b.vms.length || a.id - b.id);
    const host = matched[0] as HostRecord;
    perHost.set(host.id, (perHost.get(host.id) ?? 0) + 1);
    // The scheduler clears its own message once it dispatches the VM (`VirtualMachineXML::clear_log`).
    vm.userTemplate = tRemove(vm.userTemplate, "SCHED_MESSAGE");
    deploy(world, vm, host);
    world.changed();
  }
  if (deferred) {
    // Dispatch limit reached this cycle: the rest goes in the next cycle.
    world.wakeScheduler();
  }
}

/**
 * A small evaluator for SCHED_REQUIREMENTS over host attributes: `ATTR = value`, `ATTR != value`,
 * `ATTR > n`, `ATTR < n`, joined with `&` and `|`, negated with `!`, grouped with parentheses.
 * Returns a syntax error message when the expression cannot be read.
 */
export function evaluateRequirements(expr: string, host: HostRecord): boolean | string {
  const attrs: Record<string, string> = {
    ID: String(host.id),
    NAME: host.name,
    CLUSTER_ID: String(host.clusterId),
    CLUSTER: host.cluster,
  };
  for (const a of host.template) if (typeof a.value === "string") attrs[a.name] = a.value;
  const tokens = expr.match(/\s*(!=|>=|<=|[()&|!=<>@]|"[^"]*"|[^\s()&|!=<>"]+)/g);
  if (!tokens) return `Error parsing SCHED_REQUIREMENTS: ${expr}`;
  const toks = tokens.map((t) => t.trim());
  let pos = 0;
  const peek = () => toks[pos];
  const next = () => toks[pos++];
  const unquote = (v: string) => (v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v);
  const compare = (left: string, op: string, right: string): boolean => {
    const actual = attrs[left.toUpperCase()] ?? "";
    const want = unquote(right);
    const a = Number(actual);
    const b = Number(want);
    const numeric = actual !== "" && want !== "" && Number.isFinite(a) && Number.isFinite(b);
    switch (op) {
      case "=":
        return numeric ? a === b : globLike(want, actual);
      case "!=":
        return numeric ? a !== b : !globLike(want, actual);
      case ">":
        return numeric && a > b;
      case "<":
        return numeric && a < b;
      case ">=":
        return numeric && a >= b;
      case "<=":
        return numeric && a <= b;
      default:
        throw new SyntaxError(op);
    }
  };
  const primary = (): boolean => {
    const t = next();
    if (t === undefined) throw new SyntaxError("end");
    if (t === "!") return !primary();
    if (t === "(") {
      const v = or();
      if (next() !== ")") throw new SyntaxError(")");
      return v;
    }
    const op = next();
    const right = next();
    if (op === undefined || right === undefined) throw new SyntaxError(t);
    return compare(t, op, right);
  };
  const and = (): boolean => {
    let v = primary();
    while (peek() === "&") {
      next();
      const r = primary();
      v = v && r;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (peek() === "|") {
      next();
      const r = and();
      v = v || r;
    }
    return v;
  };
  try {
    const v = or();
    if (pos !== toks.length) return `Error parsing SCHED_REQUIREMENTS: ${expr}`;
    return v;
  } catch {
    return `Error parsing SCHED_REQUIREMENTS: ${expr}`;
  }
}

function globLike(pattern: string, value: string): boolean {
  if (!pattern.includes("*")) return pattern === value;
  const re = new RegExp(`^${pattern.split("*").map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return re.test(value);
}

/** Places a VM on a host: new HISTORY record, host capacity taken, PROLOG (or its resume variants) started. */
export function deploy(world: World, vm: VmRecord, host: HostRecord): void {
  const now = world.nowSec();
  const from = vm.prevState;
  chargeHost(world, vm, host);
  const seq = vm.history.length;
  if (seq > 0) closeHistory(world, vm);
  vm.history = [
    ...vm.history,
    { seq, hostname: host.name, hid: host.id, cid: host.clusterId, stime: now, etime: 0, vmMad: host.vmMad, tmMad: "ssh", dsId: 0, pstime: now, petime: 0, rstime: 0, retime: 0, estime: 0, eetime: 0, action: 0 },
  ];
  vm.template = tSet(vm.template, "TM_MAD_SYSTEM", "ssh");
  const failure = world.faults.failureFor("vm", vm.name);
  vm.failAt = failure ? (failure.state as VmRecord["failAt"]) : null;
  vm.failMessage = failure?.message ?? null;
  const lcm = from === VmState.STOPPED ? Lcm.PROLOG_RESUME : from === VmState.UNDEPLOYED ? Lcm.PROLOG_UNDEPLOY : Lcm.PROLOG;
  setVmState(world, vm, VmState.ACTIVE, lcm);
  world.schedule("vm", vm.id, vm.op, "prolog-done", world.delays.prologMs);
}

// ------------------------------------------------------------------ driver steps

export const PROLOG_TO_BOOT: Record<number, number> = {
  [Lcm.PROLOG]: Lcm.BOOT,
  [Lcm.PROLOG_RESUME]: Lcm.BOOT_STOPPED,
  [Lcm.PROLOG_UNDEPLOY]: Lcm.BOOT_UNDEPLOY,
};

export const PROLOG_FAILURES: Record<number, number> = {
  [Lcm.PROLOG]: Lcm.PROLOG_FAILURE,
  [Lcm.PROLOG_RESUME]: Lcm.PROLOG_RESUME_FAILURE,
  [Lcm.PROLOG_UNDEPLOY]: Lcm.PROLOG_UNDEPLOY_FAILURE,
};

export const BOOT_FAILURES: Record<number, number> = {
  [Lcm.BOOT]: Lcm.BOOT_FAILURE,
  [Lcm.BOOT_STOPPED]: Lcm.BOOT_STOPPED_FAILURE,
  [Lcm.BOOT_UNDEPLOY]: Lcm.BOOT_UNDEPLOY_FAILURE,
};

export function toRunning(world: World, vm: VmRecord): void {
  const now = world.nowSec();
  if (vm.deployId === "") vm.deployId = `one-${vm.id}`;
  vm.lastPoll = now;
  vm.userTemplate = tRemove(vm.userTemplate, "ERROR");
  markHistory(world, vm, { rstime: lastHistory(vm)?.rstime || now });
  setVmState(world, vm, VmState.ACTIVE, Lcm.RUNNING);
}

export function startBoot(world: World, vm: VmRecord, lcm: number): void {
  markHistory(world, vm, { petime: world.nowSec() });
  setVmState(world, vm, VmState.ACTIVE, lcm);
  world.schedule("vm", vm.id, vm.op, "boot-done", world.delays.bootMs);
}

function startEpilog(world: World, vm: VmRecord, lcm: number): void {
  markHistory(world, vm, { retime: world.nowSec(), estime: world.nowSec() });
  setVmState(world, vm, VmState.ACTIVE, lcm);
  world.schedule("vm", vm.id, vm.op, "epilog-done", world.delays.epilogMs);
}

export function vmStep(world: World, ev: SimEvent): void {
  const vm = world.vms.get(ev.id);
  if (!vm || vm.op !== ev.op) return;
  world.changed();
  const lcm = vm.lcmState;
  switch (ev.step) {
    case "prolog-done": {
      const failed = PROLOG_FAILURES[lcm];
      if (failed === undefined) return;
      if (vm.failAt === "PROLOG_FAILURE" && lcm === Lcm.PROLOG) {
        setError(world, vm, `Error executing image transfer script: ${vm.failMessage ?? "Error copying disk image to the host"}`);
        setVmState(world, vm, VmState.ACTIVE, failed);
        return;
      }
      startBoot(world, vm, PROLOG_TO_BOOT[lcm] as number);
      return;
    }
    case "boot-done": {
      if (lcm === Lcm.BOOT || lcm === Lcm.BOOT_STOPPED || lcm === Lcm.BOOT_UNDEPLOY) {
        if (vm.failAt === "BOOT_FAILURE" && lcm === Lcm.BOOT) {
          setError(world, vm, `Error deploying virtual machine: ${vm.failMessage ?? `Could not create domain from /var/lib/one//datastores/0/${vm.id}/deployment.0`}`);
          setVmState(world, vm, VmState.ACTIVE, BOOT_FAILURES[lcm] as number);
          return;
        }
        toRunning(world, vm);
      } else if (lcm === Lcm.BOOT_POWEROFF || lcm === Lcm.BOOT_SUSPENDED || lcm === Lcm.BOOT_UNKNOWN) {
        toRunning(world, vm);
      }
      return;
    }
    case "shutdown-done":
      switch (lcm) {
        case Lcm.SHUTDOWN:
          startEpilog(world, vm, Lcm.EPILOG);
          return;
        case Lcm.SHUTDOWN_UNDEPLOY:
          startEpilog(world, vm, Lcm.EPILOG_UNDEPLOY);
          return;
        case Lcm.SAVE_STOP:
          startEpilog(world, vm, Lcm.EPILOG_STOP);
          return;
        case Lcm.SHUTDOWN_POWEROFF:
          closeHistory(world, vm);
          vm.lastPoll = world.nowSec();
          setVmState(world, vm, VmState.POWEROFF, Lcm.LCM_INIT);
          return;
        case Lcm.SAVE_SUSPEND:
          closeHistory(world, vm);
          setVmState(world, vm, VmState.SUSPENDED, Lcm.LCM_INIT);
          return;
      }
      return;
    case "epilog-done":
      switch (lcm) {
        case Lcm.EPILOG:
        case Lcm.CLEANUP_DELETE:
          finishVm(world, vm);
          return;
        case Lcm.EPILOG_STOP:
          leaveHost(world, vm);
          setVmState(world, vm, VmState.STOPPED, Lcm.LCM_INIT);
          return;
        case Lcm.EPILOG_UNDEPLOY:
          leaveHost(world, vm);
          setVmState(world, vm, VmState.UNDEPLOYED, Lcm.LCM_INIT);
          return;
        case Lcm.CLEANUP_RESUBMIT:
          leaveHost(world, vm);
          vm.deployId = "";
          setVmState(world, vm, VmState.PENDING, Lcm.LCM_INIT);
          return;
      }
      return;
    case "hotplug-done": {
      // A failed driver step leaves the VM as it was, with the driver's message in ERROR (oned's
      // VirtualMachineManagerDriver logs the failure with set_template_error_message).
      const failure = world.faults.hotplugFailureFor(vm.name);
      if (failure !== null) {
        setError(world, vm, `Error ${vm.pending?.kind ?? "reconfiguring"}: ${failure}`);
        rollbackPending(world, vm);
        return;
      }
      completePending(world, vm);
      return;
    }
  }
}

/** The VM leaves its host but keeps its disks and leases (STOPPED, UNDEPLOYED). */
export function leaveHost(world: World, vm: VmRecord): void {
  markHistory(world, vm, { eetime: world.nowSec() });
  closeHistory(world, vm);
  releaseHost(world, vm);
  vm.lastPoll = 0;
  world.wakeScheduler();
}

// ------------------------------------------------------------------ one.vm.action

export const VM_ACTIONS = [
  "terminate-hard",
  "terminate",
  "undeploy-hard",
  "undeploy",
  "poweroff-hard",
  "poweroff",
  "reboot-hard",
  "reboot",
  "hold",
  "release",
  "stop",
  "suspend",
  "resume",
  "resched",
  "unresched",
] as const;

export type VmActionName = (typeof VM_ACTIONS)[number];

function isRunning(vm: VmRecord): boolean {
  return vm.state === VmState.ACTIVE && vm.lcmState === Lcm.RUNNING;
}

function isUnknown(vm: VmRecord): boolean {
  return vm.state === VmState.ACTIVE && vm.lcmState === Lcm.UNKNOWN;
}

/** Performs one.vm.action; throws oned's ACTION error when the VM is in the wrong state. */
export function vmAction(world: World, vm: VmRecord, action: string): void {
  if (!(VM_ACTIONS as readonly string[]).includes(action)) throw actionError(`Action "${action}" is not supported`, vm.id);
  const wrong = (): never => {
    const s = stateName(vm.state, vm.lcmState);
    const detail = action.startsWith("terminate") ? `Could not terminate VM ${vm.id}, wrong state ${s}.` : `This action is not available for state ${s}`;
    throw actionError(`Error performing action "${action}": ${detail}`, vm.id);
  };
  const hard = action.endsWith("-hard");
  const now = world.nowSec();
  switch (action as VmActionName) {
    case "terminate":
    case "terminate-hard": {
      const code = hard ? HistoryAction.TERMINATE_HARD : HistoryAction.TERMINATE;
      switch (vm.state) {
        case VmState.DONE:
          return;
        case VmState.INIT:
        case VmState.PENDING:
        case VmState.HOLD:
        case VmState.CLONING:
        case VmState.CLONING_FAILURE:
          finishVm(world, vm);
          return;
        case VmState.SUSPENDED:
        case VmState.POWEROFF:
        case VmState.STOPPED:
        case VmState.UNDEPLOYED:
          markHistory(world, vm, { action: code });
          if (vm.state === VmState.STOPPED || vm.state === VmState.UNDEPLOYED) {
            // Nothing is left on a host: the epilog only deletes the disks in the datastore.
            if (vm.history.length > 0) newHistoryOnSameHost(world, vm, code);
          }
          startEpilog(world, vm, Lcm.EPILOG);
          return;
        case VmState.ACTIVE:
          if (isRunning(vm) || isUnknown(vm) || (hard && vm.lcmState === Lcm.SHUTDOWN)) {
            markHistory(world, vm, { action: code });
            setVmState(world, vm, VmState.ACTIVE, Lcm.SHUTDOWN);
            world.schedule("vm", vm.id, vm.op, "shutdown-done", world.delays.shutdownMs);
            return;
          }
          if (FAILURE_LCM_STATES.has(vm.lcmState)) {
            markHistory(world, vm, { action: code });
            rollbackPending(world, vm);
            setVmState(world, vm, VmState.ACTIVE, Lcm.CLEANUP_DELETE);
            world.schedule("vm", vm.id, vm.op, "epilog-done", world.delays.epilogMs);
            return;
          }
          return wrong();
      }
      return wrong();
    }
    case "poweroff":
    case "poweroff-hard":
      if (isRunning(vm) || isUnknown(vm) || (hard && vm.state === VmState.ACTIVE && vm.lcmState === Lcm.SHUTDOWN_POWEROFF)) {
        markHistory(world, vm, { action: hard ? HistoryAction.POWEROFF_HARD : HistoryAction.POWEROFF });
        setVmState(world, vm, VmState.ACTIVE, Lcm.SHUTDOWN_POWEROFF);
        world.schedule("vm", vm.id, vm.op, "shutdown-done", world.delays.shutdownMs);
        return;
      }
      return wrong();
    case "undeploy":
    case "undeploy-hard": {
      const code = hard ? HistoryAction.UNDEPLOY_HARD : HistoryAction.UNDEPLOY;
      if (vm.state === VmState.POWEROFF) {
        newHistoryOnSameHost(world, vm, code);
        startEpilog(world, vm, Lcm.EPILOG_UNDEPLOY);
        return;
      }
      if (isRunning(vm) || isUnknown(vm) || (hard && vm.state === VmState.ACTIVE && vm.lcmState === Lcm.SHUTDOWN_UNDEPLOY)) {
        markHistory(world, vm, { action: code });
        setVmState(world, vm, VmState.ACTIVE, Lcm.SHUTDOWN_UNDEPLOY);
        world.schedule("vm", vm.id, vm.op, "shutdown-done", world.delays.shutdownMs);
        return;
      }
      return wrong();
    }
    case "stop":
      if (isRunning(vm)) {
        markHistory(world, vm, { action: HistoryAction.STOP });
        setVmState(world, vm, VmState.ACTIVE, Lcm.SAVE_STOP);
        world.schedule("vm", vm.id, vm.op, "shutdown-done", world.delays.shutdownMs);
        return;
      }
      if (vm.state === VmState.SUSPENDED) {
        newHistoryOnSameHost(world, vm, HistoryAction.STOP);
        startEpilog(world, vm, Lcm.EPILOG_STOP);
        return;
      }
      return wrong();
    case "suspend":
      if (isRunning(vm)) {
        markHistory(world, vm, { action: HistoryAction.SUSPEND });
        setVmState(world, vm, VmState.ACTIVE, Lcm.SAVE_SUSPEND);
        world.schedule("vm", vm.id, vm.op, "shutdown-done", world.delays.shutdownMs);
        return;
      }
      return wrong();
    case "resume":
      switch (vm.state) {
        case VmState.STOPPED:
        case VmState.UNDEPLOYED:
          markHistory(world, vm, { action: HistoryAction.RESUME });
          setVmState(world, vm, VmState.PENDING, Lcm.LCM_INIT);
          return;
        case VmState.SUSPENDED:
          newHistoryOnSameHost(world, vm, HistoryAction.RESUME);
          startBoot(world, vm, Lcm.BOOT_SUSPENDED);
          return;
        case VmState.POWEROFF:
          newHistoryOnSameHost(world, vm, HistoryAction.RESUME);
          startBoot(world, vm, Lcm.BOOT_POWEROFF);
          return;
        case VmState.ACTIVE:
          if (isUnknown(vm)) {
            markHistory(world, vm, { action: HistoryAction.RESUME });
            startBoot(world, vm, Lcm.BOOT_UNKNOWN);
            return;
          }
          return wrong();
      }
      return wrong();
    case "hold":
      if (vm.state === VmState.PENDING) {
        setVmState(world, vm, VmState.HOLD, Lcm.LCM_INIT);
        return;
      }
      return wrong();
    case "release":
      if (vm.state === VmState.HOLD) {
        setVmState(world, vm, VmState.PENDING, Lcm.LCM_INIT);
        return;
      }
      return wrong();
    case "reboot":
    case "reboot-hard":
      if (isRunning(vm)) {
        markHistory(world, vm, { action: hard ? HistoryAction.REBOOT_HARD : HistoryAction.REBOOT });
        vm.lastPoll = now;
        world.vms.touch(vm.id);
        return;
      }
      return wrong();
    case "resched":
    case "unresched":
      if (isRunning(vm) || isUnknown(vm) || vm.state === VmState.POWEROFF) {
        vm.resched = action === "resched" ? 1 : 0;
        world.vms.touch(vm.id);
        return;
      }
      return wrong();
  }
}

// ------------------------------------------------------------------ one.vm.deploy

export function vmDeploy(world: World, vm: VmRecord, hostId: number, enforce: boolean, dsId: number): void {
  const host = world.hosts.get(hostId);
  if (!host) throw notFound("host", hostId);
  if (dsId !== -1) {
    const ds = world.datastores.get(dsId);
    if (!ds) throw notFound("datastore", dsId);
    if (ds.type !== 1) throw actionError(`Datastore ${dsId} is not a system datastore`, vm.id);
  }
  if (vm.state !== VmState.PENDING && vm.state !== VmState.HOLD && vm.state !== VmState.STOPPED && vm.state !== VmState.UNDEPLOYED) {
    throw actionError(`Deploy action is not available for state ${stateName(vm.state, vm.lcmState)}`, vm.id);
  }
  if (enforce) {
    const need = vmCapacity(vm);
    if (!hostFits(host, need.cpu, need.mem)) {
      throw new OneFailure(ErrorCode.ACTION, `Host ${host.id} does not have enough capacity to deploy VM ${vm.id}`, host.id);
    }
  }
  if (vm.state !== VmState.PENDING) vm.prevState = vm.state;
  deploy(world, vm, host);
}

// ------------------------------------------------------------------ images being copied

/**
 * An image a CLONING VM waits on has been copied (or failed): the disk stops CLONING, and a VM
 * with no cloning disk left goes PENDING (HOLD when submitted on hold); a failed copy puts the
 * VM in CLONING_FAILURE (`LifeCycleManager` DISK_LOCK_SUCCESS / DISK_LOCK_FAILURE).
 */
export function imageCopied(world: World, imageId: number, ready: boolean): void {
  const img = world.images.get(imageId);
  if (!img) return;
  for (const vmId of [...img.vms]) {
    const vm = world.vms.get(vmId);
    if (!vm || vm.state !== VmState.CLONING) continue;
    if (!ready) {
      setVmState(world, vm, VmState.CLONING_FAILURE, Lcm.LCM_INIT);
      continue;
    }
    vm.template = vm.template.map((a) => {
      if (a.name !== "DISK" || typeof a.value === "string" || a.value.IMAGE_ID !== String(imageId)) return a;
      const disk: Record<string, string> = { ...a.value, IMAGE_STATE: String(img.state) };
      delete disk.CLONING;
      return { name: a.name, value: disk };
    });
    world.vms.touch(vm.id);
    if (!tVectors(vm.template, "DISK").some((d) => d.CLONING === "YES")) {
      setVmState(world, vm, vm.holdAfterCloning ? VmState.HOLD : VmState.PENDING, Lcm.LCM_INIT);
      delete vm.holdAfterCloning;
    }
  }
}
