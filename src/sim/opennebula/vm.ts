/**
 * The VM kind: allocation, documents and every one.vm.* / one.vmpool.* method (FACTS §3, §4, §6, §7).
 * Lifecycle rules live in vm-lifecycle.ts, reconfiguration in vm-reconfigure.ts, the template
 * split in vm-build.ts.
 */
import {
  mustAuthorized,
  applyChmod,
  applyChown,
  applyRename,
  both,
  must,
  nameError,
  ownerFilter,
  parseTemplateParam,
  reader,
  updatedTemplate,
  writer,
  type MethodTable,
} from "./context.js";
import { allocateError, apiError, internalError } from "./failure.js";
import { AuthOp, type AuthOpLevel } from "./lock-check.js";
import { lockMethods } from "./locks.js";
import type { VmRecord } from "./records.js";
import { syncVmSecurityGroups } from "./secgroup.js";
import { tGet, tVectors, type Template } from "./template-ops.js";
import { buildVm, vmAllocateError } from "./vm-build.js";
import { vmFullXml, vmShortXml } from "./vm-document.js";
import { vmAction, vmDeploy } from "./vm-lifecycle.js";
import { vmRecover } from "./vm-recover.js";
import { attachDisk, attachNic, attachSecurityGroup, detachDisk, detachNic, detachSecurityGroup, resizeDisk, resizeVm, updateConf } from "./vm-reconfigure.js";
import { VmState } from "./vm-states.js";
import { defaultPermissions, escapedDoc, escapedPool, escapePiece } from "./xml.js";
import type { World } from "./world.js";
import { unescapeXml } from "../../xmlrpc/escape.js";

export function shortPiece(world: World, vm: VmRecord): string {
  return world.vms.cached(vm.id, "short", () => escapePiece(vmShortXml(vm)));
}

export function extendedPiece(world: World, vm: VmRecord): string {
  return world.vms.cached(vm.id, "extended", () => escapePiece(vmFullXml(vm, false)));
}

/**
 * Creates a VM from a template (one.vm.allocate, one.template.instantiate). The id is only taken
 * when the VM is created: a failed allocate leaves the sequence untouched (`PoolSQL::allocate`).
 */
export function createVm(world: World, input: Template, hold: boolean): number {
  const id = world.vms.nextId;
  const now = world.nowSec();
  const prefix = tGet(input, "TEMPLATE_NAME") || "one";
  const given = tGet(input, "NAME");
  const name = given !== undefined && given !== "" ? given : `${prefix}-${id}`;
  const invalid = nameError(name);
  if (invalid) throw allocateError("vm", invalid);
  const vm: VmRecord = {
    id,
    uid: 0,
    gid: 0,
    uname: world.userName,
    gname: "oneadmin",
    name,
    perms: defaultPermissions(),
    lock: null,
    lastPoll: 0,
    state: VmState.PENDING,
    lcmState: 0,
    prevState: VmState.PENDING,
    prevLcmState: 0,
    resched: 0,
    stime: now,
    etime: 0,
    deployId: "",
    template: [],
    userTemplate: [],
    history: [],
    backupConfig: {},
    op: 0,
    hostId: -1,
    heldCpu: 0,
    heldMem: 0,
    failAt: null,
    failMessage: null,
    pending: null,
  };
  let built;
  try {
    built = buildVm(world, vm, input, hold);
  } catch (error) {
    throw vmAllocateError(error);
  }
  vm.template = built.template;
  vm.userTemplate = built.userTemplate;
  vm.backupConfig = built.backupConfig;
  if (built.hold) {
    vm.state = VmState.HOLD;
    vm.prevState = VmState.HOLD;
  }
  // Disks whose image is still being copied keep the VM in CLONING until the copy is over
  // (`VirtualMachine::insert`: has_cloning_disks).
  if (tVectors(vm.template, "DISK").some((d) => d.CLONING === "YES")) {
    vm.holdAfterCloning = built.hold;
    vm.state = VmState.CLONING;
    vm.prevState = VmState.CLONING;
  }
  world.vms.allocateId();
  world.vms.insert(vm);
  world.indexVm(vm);
  syncVmSecurityGroups(world, vm);
  return id;
}

/**
 * The VM a call acts on, checked against its lock for the operation level the call needs: oned.conf's
 * VM_ADMIN_OPERATIONS (migrate, delete, recover, retry, deploy, resched, backup) and
 * VM_MANAGE_OPERATIONS (undeploy, hold, release, stop, suspend, resume, reboot, poweroff,
 * disk-attach, nic-attach, disk-snapshot, terminate, disk-resize, snapshot, updateconf, rename, resize,
 * update, disk-saveas, sched-action, sg-attach) defaults (oned.conf reference, "Virtual Machine
 * Operations Permissions"; `RequestAttributes::set_auth_op`).
 */
function vmOf(world: World, id: number, op: AuthOpLevel): VmRecord {
  return mustAuthorized(world.vms, "vm", id, op);
}

/** The level one.vm.action needs: resched/unresched are admin operations, every other action manage. */
function actionOp(action: string): AuthOpLevel {
  return action === "resched" || action === "unresched" ? AuthOp.ADMIN : AuthOp.MANAGE;
}

function touched<T>(world: World, vm: VmRecord, result: T): T {
  world.vms.touch(vm.id);
  return result;
}

/** vmpool state filter: -2 any, -1 any but DONE, 0..11 that state (FACTS §4). */
function stateFilter(state: number): { accept: ((vm: VmRecord) => boolean) | null; liveOnly: boolean } {
  if (state < -2 || state > 11) throw apiError(`Incorrect state filter ${state}`);
  if (state === -2) return { accept: null, liveOnly: false };
  if (state === -1) return { accept: null, liveOnly: true };
  return { accept: (vm) => vm.state === state, liveOnly: state !== VmState.DONE };
}

function poolRows(world: World, p: import("./params.js").Params): VmRecord[] {
  const owner = ownerFilter<VmRecord>(p.int(1));
  const window = { start: p.int(2), end: p.int(3) };
  const { accept, liveOnly } = stateFilter(p.int(4));
  const query = p.optStr(5, "");
  let matches: ((vm: VmRecord) => boolean) | null = null;
  if (query !== "") {
    // oned's SQLite backend (its default) has no JSON search; the MySQL one runs the query in SQL.
    if (world.database !== "mysql") throw internalError("JSON query search is not supported by the SQL backend");
    matches = jsonQuery(world, query);
  }
  return world.vms.select(window, both(both(owner, accept) ?? null, matches), liveOnly ? world.liveVmIds : world.vms.ids());
}

/**
 * The JSON search of a MySQL-backed oned (FACTS §4): `KEY=VALUE[&KEY2=VALUE2]`, each term
 * `JSON_EXTRACT(body_json, '$.KEY') LIKE '%VALUE%'` (case-insensitive under MySQL's default
 * collation; a path that does not exist never matches), a bare VALUE searching the whole body.
 * Paths are read from the VM's fields and templates: `VM.NAME`, `VM.USER_TEMPLATE.X`,
 * `VM.TEMPLATE.X`, `VM.TEMPLATE.VECTOR.Y` (its first vector).
 */
function jsonQuery(world: World, query: string): (vm: VmRecord) => boolean {
  const terms = query.split("&").map((term) => {
    const eq = term.indexOf("=");
    const needle = (eq < 0 ? term : term.slice(eq + 1)).toLowerCase();
    const path = eq < 0 ? null : term.slice(0, eq).split(".");
    return { path, needle };
  });
  return (vm) =>
    terms.every(({ path, needle }) => {
      const value = path === null ? unescapeXml(extendedPiece(world, vm)) : jsonValue(vm, path);
      return value !== undefined && value.toLowerCase().includes(needle);
    });
}

function jsonValue(vm: VmRecord, path: string[]): string | undefined {
  if (path[0] !== "VM") return undefined;
  const [, section, name, sub] = path;
  if (section === undefined) return undefined;
  const fields: Record<string, string | number> = { ID: vm.id, NAME: vm.name, STATE: vm.state, LCM_STATE: vm.lcmState, UID: vm.uid, GID: vm.gid };
  if (name === undefined) return section in fields ? JSON.stringify(fields[section]) : undefined;
  const template = section === "USER_TEMPLATE" ? vm.userTemplate : section === "TEMPLATE" ? vm.template : undefined;
  if (!template) return undefined;
  if (sub === undefined) {
    const v = tGet(template, name);
    return v === undefined ? undefined : JSON.stringify(v);
  }
  const vector = tVectors(template, name)[0];
  return vector?.[sub] === undefined ? undefined : JSON.stringify(vector[sub]);
}

function parseIds(text: string): number[] {
  const ids: number[] = [];
  for (const part of text.split(",")) {
    const t = part.trim();
    if (t === "") continue;
    if (!/^-?\d+$/.test(t)) throw apiError(`Wrong ID list: ${text}`);
    ids.push(Number(t));
  }
  return [...new Set(ids)].sort((a, b) => a - b);
}

export const vmMethods: MethodTable = {
  ...lockMethods("vm", "vm", (world) => world.vms),
  "one.vm.allocate": writer(({ world }, p) => {
    const text = p.str(1);
    const hold = p.optBool(2, false);
    return createVm(world, parseTemplateParam(text), hold);
  }),
  "one.vm.info": reader(({ world }, p) => {
    const vm = must(world.vms, "vm", p.int(1));
    p.optBool(2, false);
    return escapedDoc(vmFullXml(vm, true));
  }),
  "one.vm.update": writer(({ world }, p) => {
    const vm = vmOf(world, p.int(1), AuthOp.MANAGE);
    vm.userTemplate = updatedTemplate(vm.userTemplate, p.str(2), p.optInt(3, 0));
    return touched(world, vm, vm.id);
  }),
  "one.vm.rename": writer(({ world }, p) => {
    const vm = must(world.vms, "vm", p.int(1));
    applyRename(vm, p.str(2), "vm", null);
    return touched(world, vm, vm.id);
  }),
  "one.vm.chmod": writer(({ world }, p) => {
    const vm = must(world.vms, "vm", p.int(1));
    applyChmod(vm, p, "vm");
    return touched(world, vm, vm.id);
  }),
  "one.vm.chown": writer(({ world }, p) => {
    const vm = must(world.vms, "vm", p.int(1));
    applyChown(world, vm, p.int(2), p.int(3), "vm", null);
    return touched(world, vm, vm.id);
  }),
  "one.vm.action": writer(({ world }, p) => {
    const action = p.str(1);
    const vm = vmOf(world, p.int(2), actionOp(action));
    vmAction(world, vm, action);
    return vm.id;
  }),
  "one.vm.deploy": writer(({ world }, p) => {
    const vm = vmOf(world, p.int(1), AuthOp.ADMIN);
    const host = p.int(2);
    const enforce = p.optBool(3, false);
    const ds = p.optInt(4, -1);
    p.optStr(5, "");
    vmDeploy(world, vm, host, enforce, ds);
    return vm.id;
  }),
  "one.vm.recover": writer(({ world }, p) => {
    const vm = vmOf(world, p.int(1), AuthOp.ADMIN);
    vmRecover(world, vm, p.int(2));
    return vm.id;
  }),
  "one.vm.resize": writer(({ world }, p) => {
    const vm = vmOf(world, p.int(1), AuthOp.MANAGE);
    const text = p.str(2);
    resizeVm(world, vm, text, p.optBool(3, true));
    return vm.id;
  }),
  "one.vm.updateconf": writer(({ world }, p) => {
    const vm = vmOf(world, p.int(1), AuthOp.MANAGE);
    updateConf(world, vm, p.str(2), p.optInt(3, 0));
    return vm.id;
  }),
  "one.vm.attach": writer(({ world }, p) => {
    const vm = vmOf(world, p.int(1), AuthOp.MANAGE);
    attachDisk(world, vm, p.str(2));
    return vm.id;
  }),
  "one.vm.detach": writer(({ world }, p) => {
    const vm = vmOf(world, p.int(1), AuthOp.MANAGE);
    detachDisk(world, vm, p.int(2));
    return vm.id;
  }),
  "one.vm.diskresize": writer(({ world }, p) => {
    const vm = vmOf(world, p.int(1), AuthOp.MANAGE);
    const disk = p.int(2);
    resizeDisk(world, vm, disk, p.str(3));
    return vm.id;
  }),
  "one.vm.attachnic": writer(({ world }, p) => {
    const vm = vmOf(world, p.int(1), AuthOp.MANAGE);
    attachNic(world, vm, p.str(2));
    return vm.id;
  }),
  "one.vm.detachnic": writer(({ world }, p) => {
    const vm = vmOf(world, p.int(1), AuthOp.MANAGE);
    detachNic(world, vm, p.int(2));
    return vm.id;
  }),
  "one.vm.attachsg": writer(({ world }, p) => {
    const vm = vmOf(world, p.int(1), AuthOp.MANAGE);
    const nic = p.int(2);
    attachSecurityGroup(world, vm, nic, p.int(3));
    return vm.id;
  }),
  "one.vm.detachsg": writer(({ world }, p) => {
    const vm = vmOf(world, p.int(1), AuthOp.MANAGE);
    const nic = p.int(2);
    detachSecurityGroup(world, vm, nic, p.int(3));
    return vm.id;
  }),
  "one.vmpool.info": reader(({ world }, p) => escapedPool("VM_POOL", poolRows(world, p).map((vm) => shortPiece(world, vm)))),
  "one.vmpool.infoextended": reader(({ world }, p) => escapedPool("VM_POOL", poolRows(world, p).map((vm) => extendedPiece(world, vm)))),
  "one.vmpool.infoset": reader(({ world }, p) => {
    const ids = parseIds(p.str(1));
    const extended = p.bool(2);
    const pieces: string[] = [];
    for (const id of ids) {
      const vm = world.vms.get(id);
      if (vm) pieces.push(extended ? extendedPiece(world, vm) : shortPiece(world, vm));
    }
    return escapedPool("VM_POOL", pieces);
  }),
};
