/**
 * VM power operations (FACTS §1.7, §1.13): start plugs the VM's VBDs and VIFs and places it on its
 * affinity host or the master (HOST_NOT_ENOUGH_FREE_MEMORY [needed, available] when it does not
 * fit); shutdowns unplug them; suspend writes a suspend VDI the size of the VM's memory and resume
 * takes it back. The guest agent of a booted VM reports its addresses as a VM_guest_metrics record
 * some seconds later (delays.guestAgentMs), keyed `<device>/ip`, `<device>/ipv4/0`,
 * `<device>/ipv6/0` per VIF; a halt or reboot drops that record.
 */
import { NULL_REF, type Stored, type StoredRecord } from "./datamodel.js";
import { fail } from "./failure.js";
import { BOOL, VOID, p, refOf, type CallContext, type Method, type MethodTable } from "./methods.js";
import { vmGuestMetricsRecord } from "./records.js";
import { checkSrSpace, insertVdi, refreshSrUsage } from "./storage.js";
import { allowedOperations, checkHostMemory, checkVmOperation, placementHost, refreshHostMemory, vbdDeviceName } from "./vm-rules.js";
import type { Row, World } from "./world.js";

/** Changes a VM and keeps its allowed_operations in step with its power state. */
export function updateVm(world: World, ref: string, patch: StoredRecord): Row {
  const row = world.must("VM", ref);
  const next = { ...row.record, ...patch };
  return world.update("VM", ref, { ...patch, allowed_operations: allowedOperations(next) });
}

function setDevicesAttached(world: World, vm: Row, attached: boolean): void {
  for (const ref of vm.record.VBDs as string[]) {
    const vbd = world.get("VBD", ref);
    if (!vbd || vbd.record.currently_attached === attached) continue;
    world.update("VBD", ref, attached ? { currently_attached: true, device: vbdDeviceName(vbd.record.userdevice as string) } : { currently_attached: false });
  }
  for (const ref of vm.record.VIFs as string[]) {
    const vif = world.get("VIF", ref);
    if (vif && vif.record.currently_attached !== attached) world.update("VIF", ref, { currently_attached: attached });
  }
}

function dropGuestMetrics(world: World, vm: Row): void {
  const gm = vm.record.guest_metrics as string;
  if (gm !== NULL_REF) world.remove("VM_guest_metrics", gm);
}

function scheduleGuestAgent(world: World, vm: Row, domid: number): void {
  if (world.faults.silentGuest(vm.record.name_label as string)) return;
  world.schedule({ kind: "guest-agent", vm: vm.ref, domid }, world.duration(world.delays.guestAgentMs));
}

function setMetrics(world: World, vm: Row, patch: StoredRecord): void {
  const metrics = vm.record.metrics as string;
  if (world.get("VM_metrics", metrics)) world.update("VM_metrics", metrics, { ...patch, last_updated: world.nowMs() });
}

/** Boots the VM on `host` (running, or paused when asked). */
function boot(world: World, vm: Row, host: Row, paused: boolean): void {
  const domid = world.domid++;
  setDevicesAttached(world, vm, true);
  updateVm(world, vm.ref, { power_state: paused ? "Paused" : "Running", resident_on: host.ref, domid, guest_metrics: NULL_REF });
  setMetrics(world, vm, {
    start_time: world.nowMs(),
    memory_actual: vm.record.memory_dynamic_max as number,
    VCPUs_number: vm.record.VCPUs_at_startup as number,
    state: paused ? ["paused"] : ["running"],
    current_domain_type: vm.record.domain_type === "unspecified" ? "hvm" : (vm.record.domain_type as string),
  });
  refreshHostMemory(world, host.ref);
  if (!paused) scheduleGuestAgent(world, world.must("VM", vm.ref), domid);
}

/** Halts the VM from any state: devices unplugged, guest metrics and suspend image gone. */
export function halt(world: World, vm: Row): void {
  const host = vm.record.resident_on as string;
  setDevicesAttached(world, vm, false);
  dropGuestMetrics(world, vm);
  const suspendVdi = vm.record.suspend_VDI as string;
  if (suspendVdi !== NULL_REF && world.get("VDI", suspendVdi)) {
    const sr = world.must("VDI", suspendVdi).record.SR as string;
    world.remove("VDI", suspendVdi);
    refreshSrUsage(world, sr);
  }
  updateVm(world, vm.ref, { power_state: "Halted", resident_on: NULL_REF, domid: -1, guest_metrics: NULL_REF, suspend_VDI: NULL_REF });
  setMetrics(world, vm, { memory_actual: 0, VCPUs_number: 0, state: [] });
  if (host !== NULL_REF) refreshHostMemory(world, host);
}

function reboot(world: World, vm: Row): void {
  dropGuestMetrics(world, vm);
  const domid = world.domid++;
  updateVm(world, vm.ref, { power_state: "Running", domid, guest_metrics: NULL_REF });
  setMetrics(world, vm, { start_time: world.nowMs(), state: ["running"] });
  scheduleGuestAgent(world, world.must("VM", vm.ref), domid);
}

/** The SR a suspend image goes to: the VM's suspend_SR, else the pool's suspend_image_SR, else its default SR. */
function suspendSr(world: World, vm: Row): string {
  const own = vm.record.suspend_SR as string;
  if (world.get("SR", own)) return own;
  const pool = world.must("pool", world.poolRef).record;
  return world.get("SR", pool.suspend_image_SR as string) ? (pool.suspend_image_SR as string) : (pool.default_SR as string);
}

/** The guest agent's first report: the VM's addresses by VIF device (FACTS §1.13). */
export function guestAgentReport(world: World, vmRef: string, domid: number): void {
  const vm = world.get("VM", vmRef);
  if (!vm || vm.record.domid !== domid || vm.record.power_state !== "Running" || vm.record.guest_metrics !== NULL_REF) return;
  const networks: Record<string, string> = {};
  const vifs = (vm.record.VIFs as string[]).map((ref) => world.get("VIF", ref)).filter((v): v is Row => v !== undefined);
  vifs.sort((a, b) => Number(a.record.device) - Number(b.record.device));
  for (const vif of vifs) {
    const device = vif.record.device as string;
    const bytes = (vif.record.MAC as string).split(":").map((b) => parseInt(b, 16));
    // A DHCP lease stable per MAC, and the EUI-64 link-local address the MAC gives.
    const ipv4 = `10.0.${bytes[4] ?? 0}.${((bytes[5] ?? 0) % 250) + 2}`;
    const eui = [((bytes[0] ?? 0) ^ 0x02), bytes[1] ?? 0, bytes[2] ?? 0, 0xff, 0xfe, bytes[3] ?? 0, bytes[4] ?? 0, bytes[5] ?? 0];
    const groups: string[] = [];
    for (let i = 0; i < 8; i += 2) groups.push((((eui[i] as number) << 8) | (eui[i + 1] as number)).toString(16));
    networks[`${device}/ip`] = ipv4;
    networks[`${device}/ipv4/0`] = ipv4;
    networks[`${device}/ipv6/0`] = `fe80::${groups.join(":")}`;
  }
  const windows = /windows/i.test(String((vm.record.other_config as Record<string, string>).base_template_name ?? ""));
  const gm = world.insert(
    "VM_guest_metrics",
    vmGuestMetricsRecord(world, {
      os_version: windows
        ? { name: "Microsoft Windows Server 2022 Standard|C:\\Windows|\\Device\\Harddisk0\\Partition2", distro: "windows", major: "10", minor: "0", spmajor: "0", spminor: "0" }
        : { name: "Debian GNU/Linux 12 (bookworm)", uname: "6.1.0-18-amd64", distro: "debian", major: "12", minor: "5" },
      PV_drivers_version: { major: "8", minor: "4", micro: "0", build: "1" },
      PV_drivers_up_to_date: true,
      PV_drivers_detected: true,
      networks,
      other: { "feature-suspend": "1", "feature-poweroff": "1", "feature-reboot": "1", "feature-vcpu-hotplug": "1", "platform-feature-multiprocessor-suspend": "1", "has-vendor-device": "0" },
    }),
  );
  world.update("VM", vm.ref, { guest_metrics: gm.ref });
}

type PowerOp = {
  name: string;
  op: string;
  params?: Method["params"];
  duration: (world: World, vm: Row) => number;
  /** Checks beyond the operation's power state, on the current world. */
  extra?: (ctx: CallContext, vm: Row, args: Stored[]) => void;
  apply: (ctx: CallContext, vm: Row, args: Stored[]) => void;
};

function powerMethod(spec: PowerOp): Method {
  const check = (ctx: CallContext, args: Stored[]) => {
    const vm = ctx.world.must("VM", args[0] as string);
    checkVmOperation(vm, spec.op);
    spec.extra?.(ctx, vm, args);
  };
  return {
    name: `VM.${spec.name}`,
    session: true,
    params: spec.params ?? [p("vm", refOf("VM"))],
    async: true,
    result: VOID,
    timed: {
      duration: (ctx, [ref]) => {
        const vm = ctx.world.get("VM", ref as string);
        return vm ? ctx.world.duration(spec.duration(ctx.world, vm)) : 0;
      },
      target: (_ctx, [ref]) => ({ cls: "VM", ref: ref as string, op: spec.op }),
      subjectName: (ctx, [ref]) => String(ctx.world.get("VM", ref as string)?.record.name_label ?? ""),
    },
    check,
    run: (ctx, args) => {
      check(ctx, args);
      spec.apply(ctx, ctx.world.must("VM", args[0] as string), args);
    },
  };
}

export function registerPower(table: MethodTable): void {
  const d = (key: "startMs" | "cleanShutdownMs" | "hardShutdownMs" | "rebootMs" | "taskMs") => (world: World) => world.delays[key];
  const startParams = [p("vm", refOf("VM")), p("start_paused", BOOL), p("force", BOOL)];
  table.add(
    powerMethod({
      name: "start",
      op: "start",
      params: startParams,
      duration: d("startMs"),
      extra: (ctx, vm) => checkHostMemory(ctx.world, vm, placementHost(ctx.world, vm)),
      apply: (ctx, vm, args) => boot(ctx.world, vm, placementHost(ctx.world, vm), args[1] === true),
    }),
  );
  table.add(
    powerMethod({
      name: "start_on",
      op: "start_on",
      params: [p("vm", refOf("VM")), p("host", refOf("host")), p("start_paused", BOOL), p("force", BOOL)],
      duration: d("startMs"),
      extra: (ctx, vm, args) => checkHostMemory(ctx.world, vm, ctx.world.must("host", args[1] as string)),
      apply: (ctx, vm, args) => boot(ctx.world, vm, ctx.world.must("host", args[1] as string), args[2] === true),
    }),
  );
  table.add(powerMethod({ name: "clean_shutdown", op: "clean_shutdown", duration: d("cleanShutdownMs"), apply: (ctx, vm) => halt(ctx.world, vm) }));
  table.add(powerMethod({ name: "hard_shutdown", op: "hard_shutdown", duration: d("hardShutdownMs"), apply: (ctx, vm) => halt(ctx.world, vm) }));
  // shutdown: clean when the guest runs, else (paused, suspended) hard.
  table.add(
    powerMethod({
      name: "shutdown",
      op: "shutdown",
      duration: (world, vm) => (vm.record.power_state === "Running" ? world.delays.cleanShutdownMs : world.delays.hardShutdownMs),
      apply: (ctx, vm) => halt(ctx.world, vm),
    }),
  );
  table.add(powerMethod({ name: "clean_reboot", op: "clean_reboot", duration: d("rebootMs"), apply: (ctx, vm) => reboot(ctx.world, vm) }));
  table.add(powerMethod({ name: "hard_reboot", op: "hard_reboot", duration: d("rebootMs"), apply: (ctx, vm) => reboot(ctx.world, vm) }));
  table.add(
    powerMethod({
      name: "suspend",
      op: "suspend",
      duration: d("cleanShutdownMs"),
      extra: (ctx, vm) => checkSrSpace(ctx.world, suspendSr(ctx.world, vm), vm.record.memory_static_max as number),
      apply: (ctx, vm) => {
        const world = ctx.world;
        const host = vm.record.resident_on as string;
        const image = insertVdi(world, {
          name_label: `Suspend image for ${vm.record.name_label as string}`,
          name_description: "",
          SR: suspendSr(world, vm),
          virtual_size: vm.record.memory_static_max as number,
          type: "suspend",
          sharable: false,
          read_only: false,
          other_config: {},
        });
        setDevicesAttached(world, vm, false);
        dropGuestMetrics(world, vm);
        updateVm(world, vm.ref, { power_state: "Suspended", resident_on: NULL_REF, domid: -1, guest_metrics: NULL_REF, suspend_VDI: image.ref });
        setMetrics(world, vm, { state: ["suspended"], memory_actual: 0 });
        if (host !== NULL_REF) refreshHostMemory(world, host);
      },
    }),
  );
  table.add(
    powerMethod({
      name: "resume",
      op: "resume",
      params: startParams,
      duration: d("startMs"),
      extra: (ctx, vm) => checkHostMemory(ctx.world, vm, placementHost(ctx.world, vm)),
      apply: (ctx, vm, args) => {
        const world = ctx.world;
        const image = vm.record.suspend_VDI as string;
        if (world.get("VDI", image)) {
          const sr = world.must("VDI", image).record.SR as string;
          world.remove("VDI", image);
          refreshSrUsage(world, sr);
        }
        updateVm(world, vm.ref, { suspend_VDI: NULL_REF });
        boot(world, world.must("VM", vm.ref), placementHost(world, vm), args[1] === true);
      },
    }),
  );
  table.add(
    powerMethod({
      name: "pause",
      op: "pause",
      duration: d("taskMs"),
      apply: (ctx, vm) => {
        updateVm(ctx.world, vm.ref, { power_state: "Paused" });
        setMetrics(ctx.world, vm, { state: ["paused"] });
      },
    }),
  );
  table.add(
    powerMethod({
      name: "unpause",
      op: "unpause",
      duration: d("taskMs"),
      apply: (ctx, vm) => {
        updateVm(ctx.world, vm.ref, { power_state: "Running" });
        setMetrics(ctx.world, vm, { state: ["running"] });
        const now = ctx.world.must("VM", vm.ref);
        if (now.record.guest_metrics === NULL_REF) scheduleGuestAgent(ctx.world, now, now.record.domid as number);
      },
    }),
  );
  // power_state_reset: the record says Halted whatever it said, as after a host crash.
  table.add({
    name: "VM.power_state_reset",
    session: true,
    params: [p("vm", refOf("VM"))],
    async: true,
    result: VOID,
    run: (ctx, [ref]) => {
      const vm = ctx.world.must("VM", ref as string);
      if (vm.record.is_control_domain === true) fail("OPERATION_NOT_ALLOWED", "Operation 'power_state_reset' is not allowed on a control domain");
      halt(ctx.world, vm);
    },
  });
}
