/**
 * Bulk seeding for benchmarks and scale tests: `seedVms(world, n)` creates n VMs at once, each
 * with its VM_metrics, a system disk (VBD and VDI in a storage repository of its own,
 * "hyperplan-seed-storage", sized to hold them), a VIF on the pool-wide network and, when running,
 * guest metrics with its addresses: full records as a real pool holds them. It bypasses the API and
 * its capacity checks (running seeded VMs live on the slave host, whose memory they overcommit,
 * so the master stays free for the VMs a test starts). Unchanged maps and sets are shared between
 * the records (the world never changes a stored value in place).
 *
 * `each` sets VMs apart one by one (name, other_config, size, the network of its VIF, its disk's and
 * VIF's other_config), and `template` seeds templates instead of VMs: together they lay out a stack's
 * own objects as a tool made them, beside the anonymous ones, with nothing here knowing that tool.
 */
import { NULL_REF, type StoredRecord } from "./datamodel.js";
import { insertVmMetrics, plainRecord, vbdRecord, vdiRecord, vifRecord, vmGuestMetricsRecord, vmRecord } from "./records.js";
import { macFromSeed } from "./vm-rules.js";
import type { World } from "./world.js";

export interface SeedVmsOptions {
  /** VM names are `<namePrefix>-<n>`; default "seed-vm". */
  namePrefix?: string;
  /** Default Running. */
  powerState?: "Running" | "Halted";
  /** Extra other_config keys on every VM (ownership tags …). */
  otherConfig?: Record<string, string>;
  tags?: string[];
  /** Give each VM a disk; default true. */
  disk?: boolean;
  /** Give each VM a VIF; default true. */
  network?: boolean;
  /** Seed templates (is_a_template, Halted, no guest metrics) instead of VMs. */
  template?: boolean;
  /** What sets VM i apart from the others: each[i] (no longer than count; VMs past its end take the defaults). */
  each?: SeedVmSpec[];
}

/** One seeded VM's own values, over the shared ones. */
export interface SeedVmSpec {
  /** name_label instead of `<namePrefix>-<n>`. */
  name?: string;
  /** name_description; default "bulk-seeded VM". */
  description?: string;
  /** other_config keys over the shared ones (and over `otherConfig`). */
  otherConfig?: Record<string, string>;
  /** Static max, dynamic limits and target, in MiB; default 2048. */
  memoryMiB?: number;
  /** VCPUs_max and VCPUs_at_startup; default 2. */
  vcpus?: number;
  /** Instead of the shared `tags`. */
  tags?: string[];
  /** Its disk (when `disk` is not false): the VDI's name and other_config, the VBD's other_config. */
  disk?: { name?: string; otherConfig?: Record<string, string>; vbdOtherConfig?: Record<string, string> };
  /** Its VIF (when `network` is not false): its network (a network ref; default the pool-wide one) and other_config. */
  nic?: { network?: string; otherConfig?: Record<string, string> };
}

export interface SeedVmsResult {
  /** The refs of the new VMs, in creation order. */
  refs: string[];
  srRef: string | null;
  networkRef: string | null;
}

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const SEED_SR = "hyperplan-seed-storage";
const DISK_SIZE = 20 * GiB;

function seedSr(world: World): string {
  for (const row of world.table("SR").rows.values()) if (row.record.name_label === SEED_SR) return row.ref;
  const sr = world.insert(
    "SR",
    plainRecord(world, "SR", {
      name_label: SEED_SR,
      name_description: "Storage of the bulk-seeded VMs",
      allowed_operations: ["vdi_create", "vdi_destroy", "vdi_resize", "vdi_clone", "scan"],
      physical_size: 1024 ** 5,
      type: "nfs",
      content_type: "user",
      shared: true,
      sm_config: {},
    }),
  );
  for (const host of [world.masterRef, world.slaveRef]) {
    if (world.get("host", host)) world.insert("PBD", plainRecord(world, "PBD", { host, SR: sr.ref, device_config: { server: "nfs.example", serverpath: "/seed" }, currently_attached: true }));
  }
  return sr.ref;
}

function poolNetwork(world: World): string | null {
  for (const row of world.table("network").rows.values()) if (row.record.bridge === "xenbr0") return row.ref;
  return null;
}

export function seedVms(world: World, count: number, options: SeedVmsOptions = {}): SeedVmsResult {
  if (!Number.isInteger(count) || count < 0) throw new TypeError(`count must be a whole number >= 0, got ${String(count)}`);
  const each = options.each ?? [];
  if (each.length > count) throw new RangeError(`each has ${each.length} entries for ${count} VMs`);
  for (const spec of each) {
    const network = spec.nic?.network;
    if (network !== undefined && options.network !== false && !world.get("network", network)) throw new TypeError(`each: no network ${network}`);
  }
  world.advance();
  const prefix = options.namePrefix ?? "seed-vm";
  const template = options.template === true;
  const running = !template && (options.powerState ?? "Running") === "Running";
  const srRef = options.disk === false ? null : seedSr(world);
  const networkRef = options.network === false ? null : poolNetwork(world);
  const host = world.get("host", world.slaveRef) ? world.slaveRef : world.masterRef;
  const now = world.nowMs();

  // Shared, never changed in place.
  const platform = { viridian: "false", acpi: "1", apic: "true", pae: "true", nx: "true", timeoffset: "0", "device-model": "qemu-upstream-compat", secureboot: "false" };
  const bootParams = { order: "c", firmware: "bios" };
  const vcpusParams = { weight: "256", cap: "0" };
  const tags = options.tags ?? [];
  const empty = {};
  const osVersion = { name: "Debian GNU/Linux 12 (bookworm)", uname: "6.1.0-18-amd64", distro: "debian", major: "12", minor: "5" };
  const drivers = { major: "8", minor: "4", micro: "0", build: "1" };
  const other = { "feature-suspend": "1", "feature-poweroff": "1", "feature-reboot": "1", "platform-feature-multiprocessor-suspend": "1", "has-vendor-device": "0" };

  const refs: string[] = [];
  const base = world.table("VM").rows.size;
  for (let i = 0; i < count; i++) {
    const spec = each[i] ?? {};
    const name = spec.name ?? `${prefix}-${base + i}`;
    const seed = world.newUuid();
    const otherConfig: StoredRecord = { base_template_name: "Debian Bookworm 12", mac_seed: seed, "install-methods": "cdrom,nfs,http,ftp", linux_template: "true", ...(options.otherConfig ?? {}), ...(spec.otherConfig ?? {}) };
    const memory = spec.memoryMiB === undefined ? 2 * GiB : spec.memoryMiB * MiB;
    const vcpus = spec.vcpus ?? 2;
    const metrics = insertVmMetrics(world, running ? { memory_actual: memory, VCPUs_number: vcpus, state: ["running"], start_time: now, current_domain_type: "hvm" } : {});
    const n = base + i;
    const vifNetwork = options.network === false ? null : (spec.nic?.network ?? networkRef);
    const ipv4 = `10.${(n >> 16) & 0xff}.${(n >> 8) & 0xff}.${n & 0xff}`;
    const networks = vifNetwork ? { "0/ip": ipv4, "0/ipv4/0": ipv4, "0/ipv6/0": `fd00::${(n >>> 0).toString(16)}` } : empty;
    const gm = running ? world.insert("VM_guest_metrics", vmGuestMetricsRecord(world, { os_version: osVersion, PV_drivers_version: drivers, PV_drivers_up_to_date: true, PV_drivers_detected: true, networks, other })) : null;
    const vm = world.insert(
      "VM",
      vmRecord(world, {
        name_label: name,
        name_description: spec.description ?? "bulk-seeded VM",
        power_state: running ? "Running" : "Halted",
        resident_on: running ? host : NULL_REF,
        domid: running ? world.domid++ : -1,
        is_a_template: template,
        memory_static_min: Math.min(512 * MiB, memory),
        memory_static_max: memory,
        memory_dynamic_min: memory,
        memory_dynamic_max: memory,
        memory_target: memory,
        VCPUs_max: vcpus,
        VCPUs_at_startup: vcpus,
        VCPUs_params: vcpusParams,
        platform,
        HVM_boot_params: bootParams,
        other_config: otherConfig,
        tags: spec.tags ?? tags,
        blocked_operations: empty,
        metrics: metrics.ref,
        guest_metrics: gm ? gm.ref : NULL_REF,
      }),
    );
    if (srRef) {
      const vdi = world.insert("VDI", vdiRecord(world, { name_label: spec.disk?.name ?? `${name} disk 0`, name_description: "", SR: srRef, virtual_size: DISK_SIZE, physical_utilisation: DISK_SIZE, type: "system", sharable: false, read_only: false, other_config: spec.disk?.otherConfig ?? empty }));
      world.insert("VBD", vbdRecord(world, { VM: vm.ref, VDI: vdi.ref, userdevice: "0", bootable: true, mode: "RW", type: "Disk", empty: false, other_config: spec.disk?.vbdOtherConfig ?? { owner: "true" }, qos_algorithm_type: "", qos_algorithm_params: empty, device: running ? "xvda" : "", currently_attached: running }));
    }
    if (vifNetwork) {
      const mac = macFromSeed(seed, "0");
      const mtu = vifNetwork === networkRef ? 1500 : Number(world.must("network", vifNetwork).record.MTU);
      world.insert("VIF", vifRecord(world, { device: "0", network: vifNetwork, VM: vm.ref, MAC: mac, MAC_autogenerated: true, MTU: mtu, other_config: spec.nic?.otherConfig ?? empty, qos_algorithm_type: "", qos_algorithm_params: empty, currently_attached: running }));
    }
    refs.push(vm.ref);
  }
  if (srRef) {
    const sr = world.must("SR", srRef);
    let used = 0;
    for (const ref of sr.record.VDIs as string[]) used += (world.get("VDI", ref)?.record.virtual_size as number | undefined) ?? 0;
    world.update("SR", srRef, { physical_utilisation: used, virtual_allocation: used });
  }
  return { refs, srRef, networkRef };
}
