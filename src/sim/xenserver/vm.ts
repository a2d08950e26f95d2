/**
 * VM records: VM.create, destroy, clone, copy, provision, set_is_a_template, and the memory and
 * VCPU setters with their constraint errors (FACTS §1.4, §1.6, §1.7, §1.13).
 *
 * Clone of a template is again a template (is_default_template false) with
 * other_config.base_template_name set (kept when already there) and a fresh mac_seed; its VIFs get
 * new MACs from that seed and its disks are copied VDI by VDI (thick, so a clone takes its disks'
 * size from the SR). A template carries its disks either as VBDs to VDIs (cloned with it, as the
 * seeded "debian-12-cloud" template with its base VDI) or, as XenServer's default templates do, as
 * an other_config `disks` entry (`<provision><disk device="0" size="…" sr="" bootable="true"
 * type="system"/></provision>`) that VM.provision turns into VDIs and VBDs on the pool's default SR
 * (or the SR whose uuid `sr` names), removing the entry. VM.destroy removes the VM's VBDs and VIFs
 * but never its VDIs.
 */
import { NULL_REF, VM, type Stored, type StoredRecord } from "./datamodel.js";
import { fail } from "./failure.js";
import { BOOL, INT, STRING, VOID, mustRef, p, refOf, type CallContext, type Method, type MethodTable } from "./methods.js";
import { insertVmMetrics, vbdRecord, vifRecord, vmRecord } from "./records.js";
import { checkSrSpace, copyVdi, insertVdi } from "./storage.js";
import { halt, updateVm } from "./vm-power.js";
import { checkVmOperation, macFromSeed, memoryOverhead } from "./vm-rules.js";
import type { Row, World } from "./world.js";

const GiB = 1024 ** 3;

/** INVALID_VALUE's field text for the VCPU rule (FACTS §1.4). */
export const VCPU_RULE = "VCPU values must satisfy: 0 < VCPUs_at_startup ≤ VCPUs_max";

function checkVcpus(max: number, atStartup: number, value: number): void {
  if (!(atStartup >= 1 && atStartup <= max)) fail("INVALID_VALUE", VCPU_RULE, String(value));
}

/** MEMORY_CONSTRAINT_VIOLATION_ORDER unless static_min ≤ dynamic_min ≤ dynamic_max ≤ static_max. */
function checkMemoryOrder(r: StoredRecord): void {
  const sMin = r.memory_static_min as number;
  const dMin = r.memory_dynamic_min as number;
  const dMax = r.memory_dynamic_max as number;
  const sMax = r.memory_static_max as number;
  if (!(sMin <= dMin && dMin <= dMax && dMax <= sMax)) fail("MEMORY_CONSTRAINT_VIOLATION_ORDER");
}

/** The control domain runs with its whole memory: dynamic must equal static_max (MEMORY_CONSTRAINT_VIOLATION_MAXPIN). */
function checkMaxPin(vm: Row, r: StoredRecord): void {
  if (vm.record.is_control_domain !== true) return;
  if (r.memory_dynamic_min !== r.memory_static_max || r.memory_dynamic_max !== r.memory_static_max) {
    fail("MEMORY_CONSTRAINT_VIOLATION_MAXPIN", "dynamic_min = dynamic_max = static_max is required for the control domain");
  }
}

interface DiskPlan {
  vbd: Row;
  vdi: Row | null;
  /** Copy the VDI (a disk) or share it (a CD image, an empty drive). */
  copy: boolean;
}

function diskPlans(world: World, vm: Row): DiskPlan[] {
  const plans: DiskPlan[] = [];
  for (const ref of vm.record.VBDs as string[]) {
    const vbd = world.get("VBD", ref);
    if (!vbd) continue;
    const vdi = world.get("VDI", vbd.record.VDI as string) ?? null;
    const sharedImage = vdi !== null && (vbd.record.type === "CD" || world.get("SR", vdi.record.SR as string)?.record.content_type === "iso");
    plans.push({ vbd, vdi, copy: vdi !== null && !sharedImage });
  }
  return plans.sort((a, b) => Number(a.vbd.record.userdevice) - Number(b.vbd.record.userdevice));
}

/** SR_FULL for the first SR the copied disks do not fit in. */
function checkDiskSpace(world: World, plans: DiskPlan[], targetSr: string | null): void {
  const need = new Map<string, number>();
  for (const plan of plans) {
    if (!plan.copy || !plan.vdi) continue;
    const sr = targetSr ?? (plan.vdi.record.SR as string);
    need.set(sr, (need.get(sr) ?? 0) + (plan.vdi.record.virtual_size as number));
  }
  for (const [sr, bytes] of need) checkSrSpace(world, sr, bytes);
}

/** The new VM of a clone or copy, its disks, drives and VIFs. */
function duplicate(world: World, source: Row, name: string, targetSr: string | null): string {
  const src = source.record;
  const otherConfig: Record<string, string> = { ...(src.other_config as Record<string, string>), mac_seed: world.newUuid() };
  delete otherConfig.default_template;
  if (src.is_a_template === true && otherConfig.base_template_name === undefined) otherConfig.base_template_name = src.name_label as string;
  const metrics = insertVmMetrics(world);
  const vm = world.insert(
    "VM",
    vmRecord(world, {
      ...src,
      uuid: world.newUuid(),
      name_label: name,
      is_default_template: false,
      other_config: otherConfig,
      power_state: "Halted",
      resident_on: NULL_REF,
      scheduled_to_be_resident_on: NULL_REF,
      domid: -1,
      metrics: metrics.ref,
      guest_metrics: NULL_REF,
      suspend_VDI: NULL_REF,
      current_operations: {},
      parent: NULL_REF,
      snapshot_of: NULL_REF,
      is_a_snapshot: false,
      last_booted_record: "",
    }),
  );
  for (const plan of diskPlans(world, source)) {
    let vdiRef = NULL_REF;
    if (plan.vdi) vdiRef = plan.copy ? copyVdi(world, plan.vdi, targetSr ?? (plan.vdi.record.SR as string)).ref : plan.vdi.ref;
    world.insert("VBD", vbdRecord(world, { ...plan.vbd.record, uuid: world.newUuid(), VM: vm.ref, VDI: vdiRef, device: "", currently_attached: false, current_operations: {} }));
  }
  for (const ref of src.VIFs as string[]) {
    const vif = world.get("VIF", ref);
    if (!vif) continue;
    const device = vif.record.device as string;
    const mac = vif.record.MAC_autogenerated === true ? macFromSeed(otherConfig.mac_seed as string, device) : (vif.record.MAC as string);
    world.insert("VIF", vifRecord(world, { ...vif.record, uuid: world.newUuid(), VM: vm.ref, MAC: mac, currently_attached: false, current_operations: {} }));
  }
  return vm.ref;
}

/** The disks a template's other_config `disks` entry asks VM.provision for. */
function provisionDisks(vm: Row): Array<{ device: string; size: number; sr: string; bootable: boolean; type: string }> {
  const xml = (vm.record.other_config as Record<string, string>).disks;
  if (xml === undefined || xml.trim() === "") return [];
  const disks: Array<{ device: string; size: number; sr: string; bootable: boolean; type: string }> = [];
  for (const m of xml.matchAll(/<disk\b([^>]*?)\/?>/g)) {
    const attrs: Record<string, string> = {};
    for (const a of (m[1] as string).matchAll(/([A-Za-z_]+)="([^"]*)"/g)) attrs[a[1] as string] = a[2] as string;
    const size = Number(attrs.size);
    if (attrs.device === undefined || !Number.isInteger(size) || size < 0) fail("INTERNAL_ERROR", `Failure("bad disks entry in other_config: ${m[0]}")`);
    disks.push({ device: attrs.device, size, sr: attrs.sr ?? "", bootable: attrs.bootable === "true", type: attrs.type ?? "system" });
  }
  return disks;
}

function provisionSr(world: World, uuid: string): string {
  if (uuid !== "") {
    const ref = world.table("SR").byUuid.get(uuid);
    if (ref === undefined) fail("UUID_INVALID", "SR", uuid);
    return ref;
  }
  const defaultSr = world.must("pool", world.poolRef).record.default_SR as string;
  if (!world.get("SR", defaultSr)) fail("SR_NOT_FOUND", defaultSr);
  return defaultSr;
}

function checkProvision(ctx: CallContext, ref: string): void {
  const vm = ctx.world.must("VM", ref);
  if (vm.record.is_a_template !== true) fail("ONLY_PROVISION_TEMPLATE");
  checkVmOperation(vm, "provision");
  const need = new Map<string, number>();
  for (const disk of provisionDisks(vm)) {
    const sr = provisionSr(ctx.world, disk.sr);
    need.set(sr, (need.get(sr) ?? 0) + disk.size);
  }
  for (const [sr, bytes] of need) checkSrSpace(ctx.world, sr, bytes);
}

function vmTarget(op: string) {
  return (_ctx: CallContext, [ref]: Stored[]) => ({ cls: "VM", ref: ref as string, op });
}

function nameOf(ctx: CallContext, ref: Stored): string {
  return String(ctx.world.get("VM", ref as string)?.record.name_label ?? "");
}

function totalDiskBytes(world: World, vm: Row | undefined): number {
  if (!vm) return 0;
  return diskPlans(world, vm).reduce((sum, plan) => sum + (plan.copy && plan.vdi ? (plan.vdi.record.virtual_size as number) : 0), 0);
}

/** A setter of a memory or VCPU field, checked against its operation's power states and constraints. */
function vmSetter(name: string, params: Method["params"], op: string, apply: (ctx: CallContext, vm: Row, args: Stored[]) => StoredRecord): Method {
  return {
    name: `VM.${name}`,
    session: true,
    params: [p("self", refOf("VM")), ...params],
    async: true,
    result: VOID,
    run: (ctx, args) => {
      const vm = ctx.world.must("VM", args[0] as string);
      if (op !== "") checkVmOperation(vm, op);
      const patch = apply(ctx, vm, args);
      const next = { ...vm.record, ...patch };
      updateVm(ctx.world, vm.ref, { ...patch, memory_overhead: memoryOverhead(next) });
    },
  };
}

function memoryPatch(vm: Row, patch: StoredRecord): StoredRecord {
  const next = { ...vm.record, ...patch };
  checkMemoryOrder(next);
  checkMaxPin(vm, next);
  return patch;
}

export function registerVm(table: MethodTable): void {
  table.add({
    name: "VM.create",
    session: true,
    params: [p("args", STRING)],
    ctor: VM,
    async: true,
    result: refOf("VM"),
    run: (ctx, [record]) => {
      const r = record as StoredRecord;
      mustRef(ctx, "host", r.affinity as string, true);
      mustRef(ctx, "SR", r.suspend_SR as string, true);
      checkVcpus(r.VCPUs_max as number, r.VCPUs_at_startup as number, r.VCPUs_at_startup as number);
      checkMemoryOrder(r);
      const metrics = insertVmMetrics(ctx.world);
      return ctx.world.insert("VM", vmRecord(ctx.world, { ...r, metrics: metrics.ref, is_default_template: false })).ref;
    },
  });
  const destroyCheck = (ctx: CallContext, ref: Stored) => {
    const vm = ctx.world.must("VM", ref as string);
    checkVmOperation(vm, "destroy");
    if (vm.record.is_default_template === true) fail("OPERATION_NOT_ALLOWED", "Default templates cannot be destroyed");
  };
  table.add({
    name: "VM.destroy",
    session: true,
    params: [p("self", refOf("VM"))],
    async: true,
    result: VOID,
    check: (ctx, [ref]) => destroyCheck(ctx, ref as Stored),
    run: (ctx, [ref]) => {
      destroyCheck(ctx, ref as Stored);
      const world = ctx.world;
      const vm = world.must("VM", ref as string);
      if (vm.record.power_state === "Suspended") halt(world, vm);
      for (const vbd of [...(vm.record.VBDs as string[])]) world.remove("VBD", vbd);
      for (const vif of [...(vm.record.VIFs as string[])]) world.remove("VIF", vif);
      if (world.get("VM_metrics", vm.record.metrics as string)) world.remove("VM_metrics", vm.record.metrics as string);
      if (world.get("VM_guest_metrics", vm.record.guest_metrics as string)) world.remove("VM_guest_metrics", vm.record.guest_metrics as string);
      world.remove("VM", vm.ref);
    },
  });
  const cloneCheck = (ctx: CallContext, [ref]: Stored[]) => {
    const vm = ctx.world.must("VM", ref as string);
    checkVmOperation(vm, "clone");
    checkDiskSpace(ctx.world, diskPlans(ctx.world, vm), null);
  };
  table.add({
    name: "VM.clone",
    session: true,
    params: [p("vm", refOf("VM")), p("new_name", STRING)],
    async: true,
    result: refOf("VM"),
    timed: { duration: (ctx) => ctx.world.duration(ctx.world.delays.cloneMs), target: vmTarget("clone"), subjectName: (ctx, [ref]) => nameOf(ctx, ref as Stored) },
    check: cloneCheck,
    run: (ctx, args) => {
      cloneCheck(ctx, args);
      return duplicate(ctx.world, ctx.world.must("VM", args[0] as string), args[1] as string, null);
    },
  });
  const copyCheck = (ctx: CallContext, [ref, , sr]: Stored[]) => {
    const vm = ctx.world.must("VM", ref as string);
    checkVmOperation(vm, "copy");
    mustRef(ctx, "SR", sr as string, true);
    checkDiskSpace(ctx.world, diskPlans(ctx.world, vm), sr === NULL_REF ? null : (sr as string));
  };
  table.add({
    name: "VM.copy",
    session: true,
    params: [p("vm", refOf("VM")), p("new_name", STRING), p("sr", refOf("SR"))],
    async: true,
    result: refOf("VM"),
    timed: {
      duration: (ctx, [ref]) => {
        const bytes = totalDiskBytes(ctx.world, ctx.world.get("VM", ref as string));
        return ctx.world.duration(ctx.world.delays.copyMinMs + (ctx.world.delays.copyMsPerGiB * bytes) / GiB);
      },
      target: vmTarget("copy"),
      subjectName: (ctx, [ref]) => nameOf(ctx, ref as Stored),
    },
    check: copyCheck,
    run: (ctx, args) => {
      copyCheck(ctx, args);
      const sr = args[2] as string;
      return duplicate(ctx.world, ctx.world.must("VM", args[0] as string), args[1] as string, sr === NULL_REF ? null : sr);
    },
  });
  table.add({
    name: "VM.provision",
    session: true,
    params: [p("vm", refOf("VM"))],
    async: true,
    result: VOID,
    timed: { duration: (ctx) => ctx.world.duration(ctx.world.delays.provisionMs), target: vmTarget("provision"), subjectName: (ctx, [ref]) => nameOf(ctx, ref as Stored) },
    check: (ctx, [ref]) => checkProvision(ctx, ref as string),
    run: (ctx, [ref]) => {
      checkProvision(ctx, ref as string);
      const world = ctx.world;
      const vm = world.must("VM", ref as string);
      for (const disk of provisionDisks(vm)) {
        const vdi = insertVdi(world, {
          name_label: `${vm.record.name_label as string} ${disk.device}`,
          name_description: "Created by template provisioner",
          SR: provisionSr(world, disk.sr),
          virtual_size: disk.size,
          type: disk.type === "system" || disk.type === "user" ? disk.type : "system",
          sharable: false,
          read_only: false,
          other_config: {},
        });
        world.insert("VBD", vbdRecord(world, { VM: vm.ref, VDI: vdi.ref, userdevice: disk.device, bootable: disk.bootable, mode: "RW", type: "Disk", empty: false, unpluggable: true, other_config: { owner: "true" }, qos_algorithm_type: "", qos_algorithm_params: {} }));
      }
      const otherConfig = { ...(vm.record.other_config as Record<string, string>) };
      delete otherConfig.disks;
      updateVm(world, vm.ref, { other_config: otherConfig });
    },
  });
  table.add({
    name: "VM.set_is_a_template",
    session: true,
    params: [p("self", refOf("VM")), p("value", BOOL)],
    async: false,
    result: VOID,
    run: (ctx, [ref, value]) => {
      const vm = ctx.world.must("VM", ref as string);
      if (value === true) {
        if (vm.record.is_a_template === true) return;
        checkVmOperation(vm, "make_into_template");
        updateVm(ctx.world, vm.ref, { is_a_template: true });
      } else {
        updateVm(ctx.world, vm.ref, { is_a_template: false, is_default_template: false });
      }
    },
  });
  table.add({
    name: "VM.set_actions_after_crash",
    session: true,
    params: [p("self", refOf("VM")), p("value", VM.byName.get("actions_after_crash")!.type)],
    async: false,
    result: VOID,
    run: (ctx, [ref, value]) => {
      ctx.world.must("VM", ref as string);
      ctx.world.update("VM", ref as string, { actions_after_crash: value as string });
    },
  });
  const int = (name: string) => p(name, INT);
  table.add(vmSetter("set_memory_limits", [int("static_min"), int("static_max"), int("dynamic_min"), int("dynamic_max")], "changing_memory_limits", (_ctx, vm, [, sMin, sMax, dMin, dMax]) =>
    memoryPatch(vm, { memory_static_min: sMin as number, memory_static_max: sMax as number, memory_dynamic_min: dMin as number, memory_dynamic_max: dMax as number }),
  ));
  // set_memory: static_max = dynamic_min = dynamic_max = value (FACTS §1.6).
  table.add(vmSetter("set_memory", [int("value")], "changing_memory_limits", (_ctx, vm, [, v]) =>
    memoryPatch(vm, { memory_static_max: v as number, memory_dynamic_min: v as number, memory_dynamic_max: v as number }),
  ));
  table.add(vmSetter("set_memory_static_range", [int("min"), int("max")], "changing_static_range", (_ctx, vm, [, min, max]) =>
    memoryPatch(vm, { memory_static_min: min as number, memory_static_max: max as number }),
  ));
  table.add(vmSetter("set_memory_dynamic_range", [int("min"), int("max")], "changing_dynamic_range", (_ctx, vm, [, min, max]) =>
    memoryPatch(vm, { memory_dynamic_min: min as number, memory_dynamic_max: max as number }),
  ));
  table.add(vmSetter("set_memory_static_max", [int("value")], "changing_static_range", (_ctx, vm, [, v]) => memoryPatch(vm, { memory_static_max: v as number })));
  table.add(vmSetter("set_memory_static_min", [int("value")], "changing_static_range", (_ctx, vm, [, v]) => memoryPatch(vm, { memory_static_min: v as number })));
  table.add(vmSetter("set_memory_dynamic_max", [int("value")], "changing_dynamic_range", (_ctx, vm, [, v]) => memoryPatch(vm, { memory_dynamic_max: v as number })));
  table.add(vmSetter("set_memory_dynamic_min", [int("value")], "changing_dynamic_range", (_ctx, vm, [, v]) => memoryPatch(vm, { memory_dynamic_min: v as number })));
  // set_VCPUs_max: halted; v ≥ 1 and v ≥ VCPUs_at_startup.
  table.add(vmSetter("set_VCPUs_max", [int("value")], "changing_VCPUs", (_ctx, vm, [, v]) => {
    checkVcpus(v as number, vm.record.VCPUs_at_startup as number, v as number);
    return { VCPUs_max: v as number };
  }));
  // set_VCPUs_at_startup: any power state; 1 ≤ v ≤ VCPUs_max.
  table.add(vmSetter("set_VCPUs_at_startup", [int("value")], "", (_ctx, vm, [, v]) => {
    checkVcpus(vm.record.VCPUs_max as number, v as number, v as number);
    return { VCPUs_at_startup: v as number };
  }));
  table.add(vmSetter("set_VCPUs_number_live", [int("nvcpu")], "changing_VCPUs_live", (ctx, vm, [, v]) => {
    checkVcpus(vm.record.VCPUs_max as number, v as number, v as number);
    const metrics = vm.record.metrics as string;
    if (ctx.world.get("VM_metrics", metrics)) ctx.world.update("VM_metrics", metrics, { VCPUs_number: v as number });
    return { VCPUs_at_startup: v as number };
  }));
}
