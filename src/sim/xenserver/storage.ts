/**
 * Storage: SRs, VDIs and VBDs (FACTS §1.5–1.7, §1.13). SRs are thick (as LVM local storage):
 * a VDI holds its whole virtual size from its creation, clones and copies included, and one that
 * does not fit fails SR_FULL [requested, available]. A VDI an attached VBD uses cannot be
 * destroyed or resized offline (VDI_IN_USE [vdi, operation]); an attached VBD cannot be destroyed
 * (OPERATION_NOT_ALLOWED "VBD '<uuid>' still attached to '<vm uuid>'"); plug and unplug need a
 * running VM and refuse a VBD already in the state asked (DEVICE_ALREADY_ATTACHED/DETACHED).
 */
import { NULL_REF, VBD, VDI, type Stored, type StoredRecord } from "./datamodel.js";
import { fail } from "./failure.js";
import { INT, STRING, VOID, mustRef, p, refOf, setOf, type CallContext, type Method, type MethodTable } from "./methods.js";
import { vbdRecord, vdiRecord } from "./records.js";
import { vbdDeviceName } from "./vm-rules.js";
import type { Row, World } from "./world.js";

const GiB = 1024 ** 3;

/** The SR's free space: what its VDIs do not hold. */
export function srFree(sr: Row): number {
  return Math.max(0, (sr.record.physical_size as number) - (sr.record.physical_utilisation as number));
}

/** SR_FULL [requested, available] when `bytes` do not fit in the SR. */
export function checkSrSpace(world: World, srRef: string, bytes: number): void {
  const sr = world.must("SR", srRef);
  if (bytes > srFree(sr)) fail("SR_FULL", String(bytes), String(srFree(sr)));
}

/** Recounts an SR's utilisation and allocation from its VDIs. */
export function refreshSrUsage(world: World, srRef: string): void {
  const sr = world.get("SR", srRef);
  if (!sr) return;
  let physical = 0;
  let virtual = 0;
  for (const ref of sr.record.VDIs as string[]) {
    const vdi = world.get("VDI", ref);
    if (!vdi) continue;
    physical += vdi.record.physical_utilisation as number;
    virtual += vdi.record.virtual_size as number;
  }
  world.update("SR", srRef, { physical_utilisation: physical, virtual_allocation: virtual });
}

/** Creates a VDI in an SR that has room for it (the checks are the caller's). */
export function insertVdi(world: World, values: StoredRecord, refresh = true): Row {
  const isIso = world.get("SR", values.SR as string)?.record.content_type === "iso";
  const row = world.insert("VDI", vdiRecord(world, { physical_utilisation: values.virtual_size as number, ...values, ...(isIso ? { read_only: true } : {}) }));
  if (refresh) refreshSrUsage(world, values.SR as string);
  return row;
}

/** A full copy of a VDI into `srRef` (thick: it holds its whole size). */
export function copyVdi(world: World, source: Row, srRef: string): Row {
  const r = source.record;
  return insertVdi(world, {
    name_label: r.name_label as string,
    name_description: r.name_description as string,
    SR: srRef,
    virtual_size: r.virtual_size as number,
    type: r.type as string,
    sharable: r.sharable as boolean,
    read_only: r.read_only as boolean,
    other_config: r.other_config as StoredRecord,
    sm_config: r.sm_config as StoredRecord,
    xenstore_data: r.xenstore_data as StoredRecord,
    tags: r.tags as string[],
  });
}

export function attachedVbds(world: World, vdi: Row): Row[] {
  return (vdi.record.VBDs as string[]).map((ref) => world.get("VBD", ref)).filter((vbd): vbd is Row => vbd !== undefined && vbd.record.currently_attached === true);
}

/** VDI_IN_USE [vdi, operation] while an attached VBD uses the VDI. */
export function checkVdiNotInUse(world: World, vdi: Row, operation: string): void {
  if (attachedVbds(world, vdi).length > 0) fail("VDI_IN_USE", vdi.ref, operation);
}

function destroyVdi(world: World, vdi: Row): void {
  // The VDI's detached VBDs go with it; an attached one would have refused the destroy.
  for (const vbd of [...(vdi.record.VBDs as string[])]) world.remove("VBD", vbd);
  world.remove("VDI", vdi.ref);
  refreshSrUsage(world, vdi.record.SR as string);
}

/** The VBD's VM, running, or VM_BAD_POWER_STATE [vm, "running", actual]. */
function runningVmOf(ctx: CallContext, device: Row): Row {
  const vm = ctx.world.must("VM", device.record.VM as string);
  const state = vm.record.power_state as string;
  if (state !== "Running") fail("VM_BAD_POWER_STATE", vm.ref, "running", state.toLowerCase());
  return vm;
}

/** The first free integer userdevice of a VM's VBDs (what "autodetect" becomes). */
function freeUserdevice(world: World, vm: Row): string {
  const used = new Set((vm.record.VBDs as string[]).map((ref) => world.get("VBD", ref)?.record.userdevice));
  for (let n = 0; ; n++) if (!used.has(String(n))) return String(n);
}

export function createVbd(ctx: CallContext, record: StoredRecord): string {
  const world = ctx.world;
  const vm = world.must("VM", record.VM as string);
  const empty = record.empty === true;
  if (!empty || record.VDI !== NULL_REF) mustRef(ctx, "VDI", record.VDI as string);
  let userdevice = record.userdevice as string;
  if (userdevice === "autodetect") userdevice = freeUserdevice(world, vm);
  // INVALID_DEVICE [device] for a userdevice that is not a number; DEVICE_ALREADY_EXISTS [device] for a taken one.
  if (!/^[0-9]+$/.test(userdevice)) fail("INVALID_DEVICE", userdevice);
  for (const ref of vm.record.VBDs as string[]) {
    if (world.get("VBD", ref)?.record.userdevice === userdevice) fail("DEVICE_ALREADY_EXISTS", userdevice);
  }
  const row = world.insert("VBD", vbdRecord(world, { ...record, userdevice, device: "", currently_attached: false }));
  return row.ref;
}

function setAttached(ctx: CallContext, cls: "VBD" | "VIF", ref: string, attached: boolean): void {
  const patch: StoredRecord = { currently_attached: attached };
  if (cls === "VBD" && attached) patch.device = vbdDeviceName(ctx.world.must("VBD", ref).record.userdevice as string);
  ctx.world.update(cls, ref, patch);
}

/** Plug, unplug and unplug_force of a VBD or VIF (the same rules for both, FACTS §1.7). */
export function plugMethods(cls: "VBD" | "VIF"): Method[] {
  const self = p("self", refOf(cls));
  const plugTimed = { duration: (ctx: CallContext) => ctx.world.duration(ctx.world.delays.plugMs) };
  const plugCheck = (ctx: CallContext, [ref]: Stored[]) => {
    const device = ctx.world.must(cls, ref as string);
    runningVmOf(ctx, device);
    if (device.record.currently_attached === true) fail("DEVICE_ALREADY_ATTACHED", device.ref);
  };
  const unplugCheck = (force: boolean) => (ctx: CallContext, [ref]: Stored[]) => {
    const device = ctx.world.must(cls, ref as string);
    runningVmOf(ctx, device);
    if (device.record.currently_attached !== true) fail("DEVICE_ALREADY_DETACHED", device.ref);
    if (!force && cls === "VBD" && device.record.unpluggable === false) fail("VBD_NOT_UNPLUGGABLE", device.ref);
  };
  const plug: Method = {
    name: `${cls}.plug`,
    session: true,
    params: [self],
    async: true,
    result: VOID,
    timed: plugTimed,
    check: plugCheck,
    run: (ctx, args) => {
      plugCheck(ctx, args);
      setAttached(ctx, cls, args[0] as string, true);
    },
  };
  const unplug = (force: boolean): Method => ({
    name: `${cls}.${force ? "unplug_force" : "unplug"}`,
    session: true,
    params: [self],
    async: true,
    result: VOID,
    timed: plugTimed,
    check: unplugCheck(force),
    run: (ctx, args) => {
      unplugCheck(force)(ctx, args);
      setAttached(ctx, cls, args[0] as string, false);
    },
  });
  return [plug, unplug(false), unplug(true)];
}

export function registerStorage(table: MethodTable): void {
  const vdiTimed = { duration: (ctx: CallContext) => ctx.world.duration(ctx.world.delays.vdiMs) };
  const vdiCreateCheck = (ctx: CallContext, record: StoredRecord) => {
    const sr = ctx.world.must("SR", record.SR as string);
    if (sr.record.content_type === "iso") fail("SR_OPERATION_NOT_SUPPORTED", sr.ref);
    if ((record.virtual_size as number) < 0) fail("INVALID_VALUE", "virtual_size", String(record.virtual_size));
    checkSrSpace(ctx.world, sr.ref, record.virtual_size as number);
  };
  table.add({
    name: "VDI.create",
    session: true,
    params: [p("args", { kind: "map", key: STRING, value: STRING })],
    ctor: VDI,
    async: true,
    result: refOf("VDI"),
    timed: vdiTimed,
    check: (ctx, [record]) => vdiCreateCheck(ctx, record as StoredRecord),
    run: (ctx, [record]) => {
      vdiCreateCheck(ctx, record as StoredRecord);
      return insertVdi(ctx.world, record as StoredRecord).ref;
    },
  });
  const vdiDestroyCheck = (ctx: CallContext, ref: Stored) => checkVdiNotInUse(ctx.world, ctx.world.must("VDI", ref as string), "destroy");
  table.add({
    name: "VDI.destroy",
    session: true,
    params: [p("self", refOf("VDI"))],
    async: true,
    result: VOID,
    timed: { ...vdiTimed, target: (_ctx, [ref]) => ({ cls: "VDI", ref: ref as string, op: "destroy" }) },
    check: (ctx, [ref]) => vdiDestroyCheck(ctx, ref as Stored),
    run: (ctx, [ref]) => {
      vdiDestroyCheck(ctx, ref as Stored);
      destroyVdi(ctx.world, ctx.world.must("VDI", ref as string));
    },
  });
  const resize = (online: boolean): Method => {
    const op = online ? "resize_online" : "resize";
    const check = (ctx: CallContext, [ref, size]: Stored[]) => {
      const vdi = ctx.world.must("VDI", ref as string);
      if (!online) checkVdiNotInUse(ctx.world, vdi, "resize");
      const current = vdi.record.virtual_size as number;
      // Growing only: SM backends refuse to shrink a disk (the simulator's own wording).
      if ((size as number) < current) fail("INVALID_VALUE", "size", String(size));
      checkSrSpace(ctx.world, vdi.record.SR as string, (size as number) - current);
    };
    return {
      name: `VDI.${op}`,
      session: true,
      params: [p("vdi", refOf("VDI")), p("size", INT)],
      async: true,
      result: VOID,
      timed: { ...vdiTimed, target: (_ctx, [ref]) => ({ cls: "VDI", ref: ref as string, op }) },
      check,
      run: (ctx, args) => {
        check(ctx, args);
        const [ref, size] = args as [string, number];
        ctx.world.update("VDI", ref, { virtual_size: size, physical_utilisation: size });
        refreshSrUsage(ctx.world, ctx.world.must("VDI", ref).record.SR as string);
      },
    };
  };
  table.add(resize(false));
  table.add(resize(true));
  // VDI.copy(vdi, sr, base_vdi, into_vdi): the last two were added later and default to NULL, so the
  // two-argument call of older clients still works (xenapi.json VDI.copy; xen-api's quicktest of copying
  // disk deltas copies into an existing VDI). With into_vdi, the blocks go into that VDI, which must be
  // at least as large (VDI_TOO_SMALL [vdi, size] otherwise, *(unverified)*), and it is the result.
  const copyCheck = (ctx: CallContext, [ref, sr, base, into]: Stored[]) => {
    const vdi = ctx.world.must("VDI", ref as string);
    ctx.world.must("SR", sr as string);
    if (base !== undefined && base !== NULL_REF) ctx.world.must("VDI", base as string);
    if (into !== undefined && into !== NULL_REF) {
      const target = ctx.world.must("VDI", into as string);
      if ((target.record.virtual_size as number) < (vdi.record.virtual_size as number)) fail("VDI_TOO_SMALL", target.ref, String(vdi.record.virtual_size));
      checkVdiNotInUse(ctx.world, target, "copy");
      return;
    }
    checkSrSpace(ctx.world, ctx.world.must("SR", sr as string).ref, vdi.record.virtual_size as number);
  };
  table.add({
    name: "VDI.copy",
    session: true,
    params: [p("vdi", refOf("VDI")), p("sr", refOf("SR")), p("base_vdi", refOf("VDI"), NULL_REF), p("into_vdi", refOf("VDI"), NULL_REF)],
    async: true,
    result: refOf("VDI"),
    timed: {
      duration: (ctx, [ref]) => {
        const size = (ctx.world.get("VDI", ref as string)?.record.virtual_size as number | undefined) ?? 0;
        return ctx.world.duration(ctx.world.delays.copyMinMs + (ctx.world.delays.copyMsPerGiB * size) / GiB);
      },
      target: (_ctx, [ref]) => ({ cls: "VDI", ref: ref as string, op: "copy" }),
    },
    check: copyCheck,
    run: (ctx, args) => {
      copyCheck(ctx, args);
      const into = args[3];
      if (into !== undefined && into !== NULL_REF) return into as string;
      return copyVdi(ctx.world, ctx.world.must("VDI", args[0] as string), args[1] as string).ref;
    },
  });
  const cloneCheck = (ctx: CallContext, [ref]: Stored[]) => {
    const vdi = ctx.world.must("VDI", ref as string);
    checkSrSpace(ctx.world, vdi.record.SR as string, vdi.record.virtual_size as number);
  };
  table.add({
    name: "VDI.clone",
    session: true,
    params: [p("vdi", refOf("VDI")), p("driver_params", { kind: "map", key: STRING, value: STRING })],
    async: true,
    result: refOf("VDI"),
    timed: { duration: (ctx) => ctx.world.duration(ctx.world.delays.cloneMs), target: (_ctx, [ref]) => ({ cls: "VDI", ref: ref as string, op: "clone" }) },
    check: cloneCheck,
    run: (ctx, args) => {
      cloneCheck(ctx, args);
      const source = ctx.world.must("VDI", args[0] as string);
      return copyVdi(ctx.world, source, source.record.SR as string).ref;
    },
  });

  table.add({
    name: "VBD.create",
    session: true,
    params: [p("args", { kind: "map", key: STRING, value: STRING })],
    ctor: VBD,
    async: true,
    result: refOf("VBD"),
    run: (ctx, [record]) => createVbd(ctx, record as StoredRecord),
  });
  table.add({
    name: "VBD.destroy",
    session: true,
    params: [p("self", refOf("VBD"))],
    async: true,
    result: VOID,
    run: (ctx, [ref]) => {
      const vbd = ctx.world.must("VBD", ref as string);
      if (vbd.record.currently_attached === true) {
        const vm = ctx.world.get("VM", vbd.record.VM as string);
        fail("OPERATION_NOT_ALLOWED", `VBD '${vbd.record.uuid as string}' still attached to '${(vm?.record.uuid as string | undefined) ?? ""}'`);
      }
      ctx.world.remove("VBD", vbd.ref);
    },
  });
  for (const method of plugMethods("VBD")) table.add(method);
  table.add({
    name: "VBD.insert",
    session: true,
    params: [p("vbd", refOf("VBD")), p("vdi", refOf("VDI"))],
    async: true,
    result: VOID,
    run: (ctx, [ref, vdi]) => {
      const vbd = ctx.world.must("VBD", ref as string);
      mustRef(ctx, "VDI", vdi as string);
      if (vbd.record.type !== "CD") fail("VBD_NOT_REMOVABLE_MEDIA", vbd.ref);
      if (vbd.record.empty !== true) fail("VBD_NOT_EMPTY", vbd.ref);
      ctx.world.update("VBD", vbd.ref, { VDI: vdi as string, empty: false });
    },
  });
  table.add({
    name: "VBD.eject",
    session: true,
    params: [p("vbd", refOf("VBD"))],
    async: true,
    result: VOID,
    run: (ctx, [ref]) => {
      const vbd = ctx.world.must("VBD", ref as string);
      if (vbd.record.type !== "CD") fail("VBD_NOT_REMOVABLE_MEDIA", vbd.ref);
      if (vbd.record.empty === true) fail("VBD_IS_EMPTY", vbd.ref);
      ctx.world.update("VBD", vbd.ref, { VDI: NULL_REF, empty: true });
    },
  });
  table.add({
    name: "SR.scan",
    session: true,
    params: [p("sr", refOf("SR"))],
    async: true,
    result: VOID,
    timed: { duration: (ctx) => ctx.world.duration(ctx.world.delays.taskMs) },
    run: (ctx, [ref]) => {
      ctx.world.must("SR", ref as string);
      refreshSrUsage(ctx.world, ref as string);
    },
  });
  table.add({
    name: "VM.get_allowed_VBD_devices",
    session: true,
    params: [p("vm", refOf("VM"))],
    async: true,
    result: setOf(STRING),
    run: (ctx, [ref]) => {
      const vm = ctx.world.must("VM", ref as string);
      const used = new Set((vm.record.VBDs as string[]).map((r) => ctx.world.get("VBD", r)?.record.userdevice));
      return Array.from({ length: 16 }, (_, i) => String(i)).filter((d) => !used.has(d));
    },
  });
}

