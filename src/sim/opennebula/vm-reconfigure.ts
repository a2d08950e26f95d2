/**
 * Reconfiguring a VM (FACTS §7; `DispatchManager::attach`, `detach`, `attach_nic`, `detach_nic`,
 * `resize`, `disk_resize`, `live_updateconf`; `VirtualMachine::updateconf`): disks and NICs
 * hot-plugged on a RUNNING VM (HOTPLUG, HOTPLUG_NIC) or cold on a POWEROFF one
 * (HOTPLUG_PROLOG_POWEROFF, HOTPLUG_EPILOG_POWEROFF, HOTPLUG_NIC_POWEROFF), disk resize
 * (DISK_RESIZE*), live CPU/memory resize (HOTPLUG_RESIZE), configuration updates, security groups.
 */
import { ErrorCode, OneFailure, actionError, apiError, internalError, notFound } from "./failure.js";
import { releaseImage } from "./image.js";
import { hostFits, rechargeHost, vmCapacity } from "./infrastructure.js";
import { parseTemplateParam } from "./context.js";
import type { VmPending, VmRecord } from "./records.js";
import { syncVmSecurityGroups } from "./secgroup.js";
import { tGet, tRemove, tSet, tVectors, type Template, type TemplateAttribute, type TemplateVector } from "./template-ops.js";
import { BuildError, DEFAULT_DEVICE_PREFIX, buildDisk, buildNic, nextTarget, rollback, usedTargets, withNetworkContext, type Acquired } from "./vm-build.js";
import { BACKUP_CONFIG_KEYS } from "./vm-document.js";
import { HistoryAction, Lcm, VmState, stateName } from "./vm-states.js";
import { releaseNicLease } from "./vnet.js";
import type { World } from "./world.js";

function isRunning(vm: VmRecord): boolean {
  return vm.state === VmState.ACTIVE && vm.lcmState === Lcm.RUNNING;
}

function isPoweroff(vm: VmRecord): boolean {
  return vm.state === VmState.POWEROFF;
}

function markAction(vm: VmRecord, action: number): void {
  const last = vm.history[vm.history.length - 1];
  if (last) vm.history[vm.history.length - 1] = { ...last, action };
}

/** Starts an asynchronous reconfiguration: LCM `lcm`, completed by the "hotplug-done" step. */
function startHotplug(world: World, vm: VmRecord, lcm: number, pending: VmPending): void {
  vm.pending = pending;
  if (vm.state !== VmState.ACTIVE || vm.lcmState !== lcm) {
    vm.prevState = vm.state;
    vm.prevLcmState = vm.lcmState;
  }
  vm.state = VmState.ACTIVE;
  vm.lcmState = lcm;
  vm.op++;
  world.vms.touch(vm.id);
  world.indexVm(vm);
  world.schedule("vm", vm.id, vm.op, "hotplug-done", world.delays.hotplugMs);
}

const HOTPLUG_LCMS = new Set<number>([
  Lcm.HOTPLUG,
  Lcm.HOTPLUG_NIC,
  Lcm.HOTPLUG_RESIZE,
  Lcm.HOTPLUG_PROLOG_POWEROFF,
  Lcm.HOTPLUG_EPILOG_POWEROFF,
  Lcm.HOTPLUG_NIC_POWEROFF,
  Lcm.DISK_RESIZE,
  Lcm.DISK_RESIZE_POWEROFF,
  Lcm.DISK_RESIZE_UNDEPLOYED,
]);

/** The state a hotplug LCM returns to. */
function settledState(lcm: number): [number, number] {
  switch (lcm) {
    case Lcm.HOTPLUG_PROLOG_POWEROFF:
    case Lcm.HOTPLUG_EPILOG_POWEROFF:
    case Lcm.HOTPLUG_NIC_POWEROFF:
    case Lcm.DISK_RESIZE_POWEROFF:
      return [VmState.POWEROFF, Lcm.LCM_INIT];
    case Lcm.DISK_RESIZE_UNDEPLOYED:
      return [VmState.UNDEPLOYED, Lcm.LCM_INIT];
    default:
      return [VmState.ACTIVE, Lcm.RUNNING];
  }
}

function settle(world: World, vm: VmRecord): void {
  const [state, lcm] = settledState(vm.lcmState);
  vm.pending = null;
  vm.prevState = vm.state;
  vm.prevLcmState = vm.lcmState;
  vm.state = state;
  vm.lcmState = lcm;
  vm.op++;
  world.vms.touch(vm.id);
  world.indexVm(vm);
}

function replaceVector(t: Template, name: string, idKey: string, id: string, next: TemplateVector | null): Template {
  const out: Template = [];
  for (const a of t) {
    if (a.name === name && typeof a.value !== "string" && a.value[idKey] === id) {
      if (next) out.push({ name, value: next });
    } else {
      out.push(a);
    }
  }
  return out;
}

function findVector(t: Template, names: readonly string[], idKey: string, id: number): { name: string; value: TemplateVector } | undefined {
  for (const a of t) {
    if (names.includes(a.name) && typeof a.value !== "string" && a.value[idKey] === String(id)) return { name: a.name, value: a.value };
  }
  return undefined;
}

function withoutFlag(v: TemplateVector, flag: string): TemplateVector {
  const out = { ...v };
  delete out[flag];
  return out;
}

function refreshContext(world: World, vm: VmRecord): void {
  const ctx = tVectors(vm.template, "CONTEXT")[0];
  if (!ctx) return;
  const nics = [...tVectors(vm.template, "NIC"), ...tVectors(vm.template, "NIC_ALIAS")];
  vm.template = tSet(vm.template, "CONTEXT", withNetworkContext(world, ctx, nics));
}

function releaseNic(world: World, vm: VmRecord, nic: TemplateVector): void {
  if (nic.NETWORK_ID !== undefined && nic.AR_ID !== undefined) {
    releaseNicLease(world, Number(nic.NETWORK_ID), Number(nic.AR_ID), vm.id, nic.IP, nic.MAC);
  }
}

/** Finishes the operation in flight when its driver step succeeds. */
export function completePending(world: World, vm: VmRecord): void {
  const p = vm.pending;
  if (p) {
    switch (p.kind) {
      case "disk-attach": {
        const d = findVector(vm.template, ["DISK"], "DISK_ID", p.diskId);
        if (d) vm.template = replaceVector(vm.template, "DISK", "DISK_ID", String(p.diskId), withoutFlag(d.value, "ATTACH"));
        break;
      }
      case "disk-detach": {
        const d = findVector(vm.template, ["DISK"], "DISK_ID", p.diskId);
        if (d) {
          vm.template = replaceVector(vm.template, "DISK", "DISK_ID", String(p.diskId), null);
          if (d.value.IMAGE_ID !== undefined) releaseImage(world, Number(d.value.IMAGE_ID), vm.id);
        }
        break;
      }
      case "nic-attach": {
        const n = findVector(vm.template, ["NIC", "NIC_ALIAS"], "NIC_ID", p.nicId);
        if (n) vm.template = replaceVector(vm.template, n.name, "NIC_ID", String(p.nicId), withoutFlag(n.value, "ATTACH"));
        break;
      }
      case "nic-detach": {
        const n = findVector(vm.template, ["NIC", "NIC_ALIAS"], "NIC_ID", p.nicId);
        if (n) {
          vm.template = replaceVector(vm.template, n.name, "NIC_ID", String(p.nicId), null);
          releaseNic(world, vm, n.value);
          refreshContext(world, vm);
          syncVmSecurityGroups(world, vm);
        }
        break;
      }
      case "disk-resize": {
        const d = findVector(vm.template, ["DISK"], "DISK_ID", p.diskId);
        if (d) vm.template = replaceVector(vm.template, "DISK", "DISK_ID", String(p.diskId), withoutFlag({ ...d.value, SIZE: String(p.size) }, "RESIZE"));
        break;
      }
      case "resize":
      case "updateconf":
        break;
    }
  }
  settle(world, vm);
}

/** Undoes the operation in flight (its driver step failed, or the VM is being deleted). */
export function rollbackPending(world: World, vm: VmRecord): void {
  const p = vm.pending;
  if (!p) return;
  switch (p.kind) {
    case "disk-attach": {
      const d = findVector(vm.template, ["DISK"], "DISK_ID", p.diskId);
      if (d) {
        vm.template = replaceVector(vm.template, "DISK", "DISK_ID", String(p.diskId), null);
        if (d.value.IMAGE_ID !== undefined) releaseImage(world, Number(d.value.IMAGE_ID), vm.id);
      }
      break;
    }
    case "disk-detach": {
      const d = findVector(vm.template, ["DISK"], "DISK_ID", p.diskId);
      if (d) vm.template = replaceVector(vm.template, "DISK", "DISK_ID", String(p.diskId), withoutFlag(d.value, "ATTACH"));
      break;
    }
    case "nic-attach": {
      const n = findVector(vm.template, ["NIC", "NIC_ALIAS"], "NIC_ID", p.nicId);
      if (n) {
        vm.template = replaceVector(vm.template, n.name, "NIC_ID", String(p.nicId), null);
        releaseNic(world, vm, n.value);
        refreshContext(world, vm);
        syncVmSecurityGroups(world, vm);
      }
      break;
    }
    case "nic-detach": {
      const n = findVector(vm.template, ["NIC", "NIC_ALIAS"], "NIC_ID", p.nicId);
      if (n) vm.template = replaceVector(vm.template, n.name, "NIC_ID", String(p.nicId), withoutFlag(n.value, "ATTACH"));
      break;
    }
    case "disk-resize": {
      const d = findVector(vm.template, ["DISK"], "DISK_ID", p.diskId);
      if (d) vm.template = replaceVector(vm.template, "DISK", "DISK_ID", String(p.diskId), withoutFlag(d.value, "RESIZE"));
      break;
    }
    case "resize":
    case "updateconf":
      break;
  }
  if (vm.state === VmState.ACTIVE && HOTPLUG_LCMS.has(vm.lcmState)) settle(world, vm);
  vm.pending = null;
  world.vms.touch(vm.id);
}

function deployedOnce(vm: VmRecord): boolean {
  return vm.history.length > 0;
}

function oneVector(text: string, names: readonly string[]): TemplateAttribute {
  const t = parseTemplateParam(text);
  const found = t.filter((a) => names.includes(a.name));
  if (found.length !== 1 || typeof (found[0] as TemplateAttribute).value === "string") {
    throw new OneFailure(ErrorCode.INTERNAL, `Wrong number of ${names[0]} attributes, exactly one ${names.join(" or ")} vector attribute is expected.`);
  }
  return found[0] as TemplateAttribute;
}

function nextId(t: Template, names: readonly string[], key: string): number {
  let max = -1;
  for (const a of t) {
    if (names.includes(a.name) && typeof a.value !== "string") {
      const n = Number(a.value[key]);
      if (Number.isInteger(n)) max = Math.max(max, n);
    }
  }
  return max + 1;
}

// ------------------------------------------------------------------ disks

export function attachDisk(world: World, vm: VmRecord, text: string): void {
  const attr = oneVector(text, ["DISK"]);
  if (!deployedOnce(vm)) throw actionError("VM is not running in any host", vm.id);
  if (!isRunning(vm) && !isPoweroff(vm)) {
    throw actionError(`Could not attach a new disk to VM ${vm.id}, wrong state ${stateName(vm.state, vm.lcmState)}.`, vm.id);
  }
  const ctxId = Number(tVectors(vm.template, "CONTEXT")[0]?.DISK_ID ?? "-1");
  const diskId = Math.max(nextId(vm.template, ["DISK"], "DISK_ID"), Number.isInteger(ctxId) ? ctxId + 1 : 0);
  const acquired: Acquired = { images: [], leases: [] };
  let disk: TemplateVector;
  try {
    disk = buildDisk(world, vm.id, attr.value as TemplateVector, diskId, true, acquired);
  } catch (error) {
    rollback(world, vm.id, acquired);
    if (error instanceof BuildError) throw actionError(error.message, vm.id);
    throw error;
  }
  if (!disk.TARGET) disk.TARGET = nextTarget(disk.DEV_PREFIX ?? DEFAULT_DEVICE_PREFIX, usedTargets(vm.template));
  disk.ATTACH = "YES";
  vm.template = [...vm.template, { name: "DISK", value: disk }];
  markAction(vm, HistoryAction.DISK_ATTACH);
  startHotplug(world, vm, isRunning(vm) ? Lcm.HOTPLUG : Lcm.HOTPLUG_PROLOG_POWEROFF, { kind: "disk-attach", diskId });
}

export function detachDisk(world: World, vm: VmRecord, diskId: number): void {
  if (!deployedOnce(vm)) throw actionError("VM is not running in any host", vm.id);
  if (!isRunning(vm) && !isPoweroff(vm)) {
    throw actionError(`Could not detach disk from VM ${vm.id}, wrong state ${stateName(vm.state, vm.lcmState)}.`, vm.id);
  }
  const d = findVector(vm.template, ["DISK"], "DISK_ID", diskId);
  if (!d) throw actionError("VM disk does not exist", vm.id);
  vm.template = replaceVector(vm.template, "DISK", "DISK_ID", String(diskId), { ...d.value, ATTACH: "YES" });
  markAction(vm, HistoryAction.DISK_DETACH);
  startHotplug(world, vm, isRunning(vm) ? Lcm.HOTPLUG : Lcm.HOTPLUG_EPILOG_POWEROFF, { kind: "disk-detach", diskId });
}

export function resizeDisk(world: World, vm: VmRecord, diskId: number, sizeText: string): void {
  const d = findVector(vm.template, ["DISK"], "DISK_ID", diskId);
  if (!d) throw actionError("VM disk does not exist", vm.id);
  if (!/^\s*\d+\s*$/.test(sizeText)) throw actionError("Disk SIZE is not a valid integer", vm.id);
  const size = Number(sizeText);
  const current = Number(d.value.SIZE ?? "0");
  if (size <= current) throw actionError("New disk size has to be greater than current one", vm.id);
  let lcm: number;
  if (isRunning(vm)) lcm = Lcm.DISK_RESIZE;
  else if (isPoweroff(vm)) lcm = Lcm.DISK_RESIZE_POWEROFF;
  else if (vm.state === VmState.UNDEPLOYED) lcm = Lcm.DISK_RESIZE_UNDEPLOYED;
  else throw actionError(`Could not resize disk of VM ${vm.id}, wrong state ${stateName(vm.state, vm.lcmState)}.`, vm.id);
  vm.template = replaceVector(vm.template, "DISK", "DISK_ID", String(diskId), { ...d.value, RESIZE: "YES" });
  markAction(vm, HistoryAction.DISK_RESIZE);
  startHotplug(world, vm, lcm, { kind: "disk-resize", diskId, size, previous: current });
}

// ------------------------------------------------------------------ NICs

export function attachNic(world: World, vm: VmRecord, text: string): void {
  const attr = oneVector(text, ["NIC", "NIC_ALIAS"]);
  if (!isRunning(vm) && !isPoweroff(vm)) {
    throw actionError(`Could not add a new NIC to VM ${vm.id}, wrong state ${stateName(vm.state, vm.lcmState)}.`, vm.id);
  }
  const nicId = nextId(vm.template, ["NIC", "NIC_ALIAS"], "NIC_ID");
  const acquired: Acquired = { images: [], leases: [] };
  const defaults = tVectors(vm.template, "NIC_DEFAULT")[0] ?? {};
  let nic: TemplateVector;
  try {
    nic = buildNic(world, vm.id, { ...defaults, ...(attr.value as TemplateVector) }, nicId, acquired);
  } catch (error) {
    rollback(world, vm.id, acquired);
    if (error instanceof BuildError) throw actionError(error.message, vm.id);
    throw error;
  }
  nic.ATTACH = "YES";
  vm.template = [...vm.template, { name: attr.name, value: nic }];
  refreshContext(world, vm);
  syncVmSecurityGroups(world, vm);
  markAction(vm, HistoryAction.NIC_ATTACH);
  startHotplug(world, vm, isRunning(vm) ? Lcm.HOTPLUG_NIC : Lcm.HOTPLUG_NIC_POWEROFF, { kind: "nic-attach", nicId });
}

export function detachNic(world: World, vm: VmRecord, nicId: number): void {
  if (!isRunning(vm) && !isPoweroff(vm)) {
    throw actionError(`Could not detach NIC from VM ${vm.id}, wrong state ${stateName(vm.state, vm.lcmState)}.`, vm.id);
  }
  const n = findVector(vm.template, ["NIC", "NIC_ALIAS"], "NIC_ID", nicId);
  if (!n) throw actionError(`Could not detach NIC with NIC_ID ${nicId}, it does not exist.`, vm.id);
  vm.template = replaceVector(vm.template, n.name, "NIC_ID", String(nicId), { ...n.value, ATTACH: "YES" });
  markAction(vm, HistoryAction.NIC_DETACH);
  startHotplug(world, vm, isRunning(vm) ? Lcm.HOTPLUG_NIC : Lcm.HOTPLUG_NIC_POWEROFF, { kind: "nic-detach", nicId });
}

// ------------------------------------------------------------------ security groups on a NIC

const SG_STATES = new Set<number>([VmState.PENDING, VmState.HOLD, VmState.POWEROFF, VmState.UNDEPLOYED, VmState.STOPPED]);

function sgNic(world: World, vm: VmRecord, nicId: number, sgId: number, verb: string): { name: string; value: TemplateVector; groups: string[] } {
  if (!world.secgroups.has(sgId)) throw notFound("secgroup", sgId);
  if (!(isRunning(vm) || SG_STATES.has(vm.state))) {
    throw actionError(`Could not ${verb} security group ${sgId} on VM ${vm.id}, wrong state ${stateName(vm.state, vm.lcmState)}.`, vm.id);
  }
  const n = findVector(vm.template, ["NIC", "NIC_ALIAS"], "NIC_ID", nicId);
  if (!n) throw actionError(`NIC with NIC_ID ${nicId} does not exist.`, vm.id);
  const groups = (n.value.SECURITY_GROUPS ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  return { ...n, groups };
}

export function attachSecurityGroup(world: World, vm: VmRecord, nicId: number, sgId: number): void {
  const n = sgNic(world, vm, nicId, sgId, "attach");
  if (n.groups.includes(String(sgId))) throw actionError(`Security group ${sgId} is already attached to NIC ${nicId}.`, vm.id);
  const groups = [...n.groups, String(sgId)].sort((a, b) => Number(a) - Number(b));
  vm.template = replaceVector(vm.template, n.name, "NIC_ID", String(nicId), { ...n.value, SECURITY_GROUPS: groups.join(",") });
  syncVmSecurityGroups(world, vm);
}

export function detachSecurityGroup(world: World, vm: VmRecord, nicId: number, sgId: number): void {
  const n = sgNic(world, vm, nicId, sgId, "detach");
  if (!n.groups.includes(String(sgId))) throw actionError(`Security group ${sgId} is not attached to NIC ${nicId}.`, vm.id);
  const groups = n.groups.filter((g) => g !== String(sgId));
  vm.template = replaceVector(vm.template, n.name, "NIC_ID", String(nicId), { ...n.value, SECURITY_GROUPS: groups.join(",") });
  syncVmSecurityGroups(world, vm);
}

// ------------------------------------------------------------------ resize

const RESIZE_TEMPLATE_ONLY = new Set<number>([VmState.INIT, VmState.PENDING, VmState.HOLD, VmState.UNDEPLOYED, VmState.CLONING, VmState.CLONING_FAILURE]);

export function resizeVm(world: World, vm: VmRecord, text: string, enforce: boolean): void {
  const t = parseTemplateParam(text);
  const read = (name: string, integer: boolean): number | null => {
    const v = tGet(t, name);
    if (v === undefined || v.trim() === "") return null;
    const n = Number(v);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      throw internalError(`${name} attribute must be a positive ${integer ? "integer" : "float or integer"} value.`, vm.id);
    }
    if (n < 0) throw internalError(`${name} attribute must be a positive ${integer ? "integer" : "float or integer"} value.`, vm.id);
    return n === 0 ? null : n;
  };
  const cpu = read("CPU", false);
  const vcpu = read("VCPU", true);
  const memory = read("MEMORY", true);
  const current = { CPU: tGet(vm.template, "CPU"), VCPU: tGet(vm.template, "VCPU"), MEMORY: tGet(vm.template, "MEMORY") };
  const changes: [string, number][] = [];
  if (cpu !== null && Number(current.CPU) !== cpu) changes.push(["CPU", cpu]);
  if (vcpu !== null && Number(current.VCPU ?? "1") !== vcpu) changes.push(["VCPU", vcpu]);
  if (memory !== null && Number(current.MEMORY) !== memory) changes.push(["MEMORY", memory]);

  const running = isRunning(vm);
  if (!RESIZE_TEMPLATE_ONLY.has(vm.state) && !isPoweroff(vm) && !running) {
    throw actionError(`Cannot resize a VM in state ${stateName(vm.state, vm.lcmState)}`, vm.id);
  }
  if (changes.length === 0) return;
  const next = (): Template => {
    let out = vm.template;
    for (const [name, value] of changes) out = tSet(out, name, String(value));
    return out;
  };
  if ((running || isPoweroff(vm)) && enforce && vm.hostId >= 0) {
    const host = world.hosts.get(vm.hostId);
    const before = vmCapacity(vm);
    const after = vmCapacity({ ...vm, template: next() });
    if (host && !hostFits(host, Math.max(0, after.cpu - before.cpu), Math.max(0, after.mem - before.mem))) {
      throw actionError(`Cannot resize VM ${vm.id}: host ${host.id} does not have enough free capacity`, vm.id);
    }
  }
  vm.template = next();
  rechargeHost(world, vm);
  markAction(vm, HistoryAction.RESIZE);
  world.vms.touch(vm.id);
  if (running) startHotplug(world, vm, Lcm.HOTPLUG_RESIZE, { kind: "resize" });
}

// ------------------------------------------------------------------ updateconf

/** `VirtualMachineTemplate::UPDATECONF_ATTRS`: sections and the sub-attributes updateconf may change. */
const UPDATECONF_ATTRS: Record<string, readonly string[] | "any"> = {
  OS: ["ARCH", "MACHINE", "KERNEL", "INITRD", "BOOTLOADER", "BOOT", "KERNEL_CMD", "ROOT", "SD_DISK_BUS", "UUID", "FIRMWARE", "FIRMWARE_FORMAT"],
  FEATURES: [
    "PAE",
    "ACPI",
    "APIC",
    "LOCALTIME",
    "HYPERV",
    "GUEST_AGENT",
    "VIRTIO_SCSI_QUEUES",
    "VIRTIO_BLK_QUEUES",
    "IOTHREADS",
    "GIC",
    "RAS",
    "MIGRATE_AUTO_CONVERGE",
    "MIGRATE_COMPRESSED",
  ],
  INPUT: ["TYPE", "BUS"],
  GRAPHICS: ["TYPE", "LISTEN", "PASSWD", "KEYMAP", "COMMAND"],
  VIDEO: ["IOMMU", "ATS", "TYPE", "VRAM", "RESOLUTION"],
  RAW: ["TYPE", "DATA", "VALIDATE", "DATA_VMX"],
  CPU_MODEL: ["MODEL", "FEATURES"],
  BACKUP_CONFIG: ["FS_FREEZE", "KEEP_LAST", "BACKUP_VOLATILE", "INCREMENT_MODE", "MODE", "DISK_IDS", "INTERACTIVE"],
  CONTEXT: "any",
};

/**
 * The sections a replace (type 0) erases when the new template leaves them out: oned runs each through
 * `replace_vector_values(…, append=false)`, which erases an absent section (`VirtualMachine::updateconf`,
 * `src/vm/VirtualMachine.cc`: OS, FEATURES, INPUT, GRAPHICS, RAW, CPU_MODEL; VIDEO, a 7.x section, is
 * taken to go the same way). An absent CONTEXT is kept; BACKUP_CONFIG is kept too.
 */
const ERASED_WHEN_ABSENT = new Set(["OS", "FEATURES", "INPUT", "GRAPHICS", "VIDEO", "RAW", "CPU_MODEL"]);

const UPDATECONF_LCM = new Set<number>([
  Lcm.LCM_INIT,
  Lcm.PROLOG,
  Lcm.RUNNING,
  Lcm.EPILOG,
  Lcm.SHUTDOWN,
  Lcm.CLEANUP_RESUBMIT,
  Lcm.SHUTDOWN_POWEROFF,
  Lcm.CLEANUP_DELETE,
  Lcm.HOTPLUG_SAVEAS_POWEROFF,
  Lcm.SHUTDOWN_UNDEPLOY,
  Lcm.EPILOG_UNDEPLOY,
  Lcm.PROLOG_UNDEPLOY,
  Lcm.HOTPLUG_PROLOG_POWEROFF,
  Lcm.HOTPLUG_EPILOG_POWEROFF,
  Lcm.BOOT_FAILURE,
  Lcm.PROLOG_FAILURE,
  Lcm.EPILOG_FAILURE,
  Lcm.EPILOG_UNDEPLOY_FAILURE,
  Lcm.PROLOG_MIGRATE_POWEROFF,
  Lcm.PROLOG_MIGRATE_POWEROFF_FAILURE,
  Lcm.BOOT_UNDEPLOY_FAILURE,
  Lcm.PROLOG_UNDEPLOY_FAILURE,
  Lcm.DISK_SNAPSHOT_POWEROFF,
  Lcm.DISK_SNAPSHOT_REVERT_POWEROFF,
  Lcm.DISK_SNAPSHOT_DELETE_POWEROFF,
]);

const UPDATECONF_STATES = new Set<number>([VmState.PENDING, VmState.HOLD, VmState.POWEROFF, VmState.UNDEPLOYED, VmState.CLONING, VmState.CLONING_FAILURE]);

function mergeSection(current: TemplateVector | undefined, input: TemplateVector, allowed: readonly string[] | "any", replace: boolean): TemplateVector {
  const keep = (k: string) => allowed === "any" || allowed.includes(k);
  const out: TemplateVector = {};
  if (current) {
    for (const [k, v] of Object.entries(current)) {
      if (replace && keep(k)) continue;
      out[k] = v;
    }
  }
  for (const [k, v] of Object.entries(input)) if (keep(k)) out[k] = v;
  return out;
}

export function updateConf(world: World, vm: VmRecord, text: string, type: number): void {
  if (type < 0 || type > 1) throw apiError("Wrong update type", vm.id);
  const t = parseTemplateParam(text);
  const allowedState = UPDATECONF_STATES.has(vm.state) || (vm.state === VmState.ACTIVE && UPDATECONF_LCM.has(vm.lcmState));
  if (!allowedState) throw internalError(`configuration cannot be updated in state ${stateName(vm.state, vm.lcmState)}`, vm.id);
  const replace = type === 0;
  let template = vm.template;
  let user = vm.userTemplate;
  let backup = vm.backupConfig;
  let contextChanged = false;
  for (const [section, allowed] of Object.entries(UPDATECONF_ATTRS)) {
    const input = t.find((a) => a.name === section);
    if (!input) {
      if (replace && ERASED_WHEN_ABSENT.has(section)) {
        if (section === "CPU_MODEL") user = tRemove(user, section);
        else template = tRemove(template, section);
      }
      continue;
    }
    if (typeof input.value === "string") throw internalError(`Wrong format for ${section} attribute.`, vm.id);
    if (section === "CONTEXT") {
      const ctx = tVectors(template, "CONTEXT")[0];
      if (!ctx) throw internalError("Cannot add a CONTEXT section to a VM without one.", vm.id);
      const eth = Object.keys(input.value).find((k) => /^ETH\d+_/.test(k));
      if (eth) throw internalError(`Cannot update CONTEXT attribute ${eth}: ETH* attributes are derived from the NICs.`, vm.id);
      const fixed: TemplateVector = {};
      for (const [k, v] of Object.entries(ctx)) if (/^ETH\d+_/.test(k) || k === "DISK_ID" || k === "TARGET") fixed[k] = v;
      const base: TemplateVector = replace ? {} : { ...ctx };
      const next = { ...base, ...input.value, ...fixed };
      contextChanged = JSON.stringify(Object.entries(next).sort()) !== JSON.stringify(Object.entries(ctx).sort());
      template = tSet(template, "CONTEXT", next);
    } else if (section === "BACKUP_CONFIG") {
      const merged = mergeSection(backup, input.value, allowed, replace);
      backup = Object.fromEntries(Object.entries(merged).filter(([k]) => BACKUP_CONFIG_KEYS.has(k)));
    } else if (section === "CPU_MODEL") {
      // CPU_MODEL is not a vm.xsd TEMPLATE child; it is kept in USER_TEMPLATE so documents stay schema-valid.
      user = tSet(user, section, mergeSection(tVectors(user, section)[0], input.value, allowed, replace));
    } else {
      template = tSet(template, section, mergeSection(tVectors(template, section)[0], input.value, allowed, replace));
    }
  }
  vm.template = template;
  vm.userTemplate = user;
  vm.backupConfig = backup;
  markAction(vm, HistoryAction.UPDATECONF);
  world.vms.touch(vm.id);
  if (contextChanged && isRunning(vm)) startHotplug(world, vm, Lcm.HOTPLUG, { kind: "updateconf" });
}

