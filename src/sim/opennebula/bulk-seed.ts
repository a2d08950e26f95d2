/**
 * Bulk seeding for benchmarks and scale tests: `world.seedVms(n)` creates n VMs directly in a
 * stable state with realistic 5–8 KB bodies (DISK from an image, NIC leased from a network,
 * CONTEXT with ETH0_* and an SSH key, GRAPHICS, OS, security group rules, monitoring, history),
 * bypassing the API, the scheduler's capacity check and the per-call bookkeeping that would
 * make 100,000 objects quadratic. Unchanged template parts are shared between the VMs (records
 * treat templates as immutable values, so sharing is safe).
 */
import { buildAddressRange } from "./address-range.js";
import { ImageState, imageDiskAttributes } from "./image.js";
import type { AddressRange, ImageRecord, VmRecord, VnetRecord } from "./records.js";
import { securityGroupRules } from "./secgroup.js";
import type { Template, TemplateAttribute, TemplateVector } from "./template-ops.js";
import { withNetworkContext } from "./vm-build.js";
import { Lcm, VmState } from "./vm-states.js";
import { VnetState, nicAttributes } from "./vnet.js";
import { defaultPermissions } from "./xml.js";
import type { World } from "./world.js";

export type SeedVmState = "RUNNING" | "POWEROFF" | "HOLD" | "STOPPED" | "UNDEPLOYED" | "DONE";

export interface SeedVmsOptions {
  /** VM names are `<namePrefix>-<id>`; default "seed-vm". */
  namePrefix?: string;
  /** Stable state of every VM; default RUNNING. */
  state?: SeedVmState;
  /** Extra USER_TEMPLATE attributes on every VM (ownership tags, LABELS …). */
  userTemplate?: Record<string, string>;
  /** Give each VM a NIC leased from the seed network; default true. */
  network?: boolean;
  /** Give each VM a DISK from the seed image; default true. */
  disk?: boolean;
}

export interface SeedVmsResult {
  firstId: number;
  lastId: number;
  imageId: number | null;
  vnetId: number | null;
}

const SEED_IMAGE = "hyperplan-seed-image";
const SEED_NET = "hyperplan-seed-net";

const SSH_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHJ5cGVybGFuLXNpbXVsYXRvci1zZWVkLWtleS1mb3ItYmVuY2htYXJrcw== ops@hyperplan";

function seedImage(world: World): ImageRecord {
  const existing = world.images.findByName(SEED_IMAGE, 0);
  if (existing) return existing;
  const id = world.images.allocateId();
  const now = world.nowSec();
  const img: ImageRecord = {
    id,
    uid: 0,
    gid: 0,
    uname: world.userName,
    gname: "oneadmin",
    name: SEED_IMAGE,
    perms: defaultPermissions(),
    lock: null,
    type: 0,
    diskType: 0,
    persistent: 0,
    regtime: now,
    modtime: now,
    source: `/var/lib/one//datastores/1/5eed${String(id).padStart(28, "0")}`,
    path: "https://marketplace.example/appliance/ubuntu-24.04.qcow2",
    format: "qcow2",
    fs: "",
    size: 3584,
    state: ImageState.READY,
    prevState: ImageState.LOCKED,
    datastoreId: 1,
    datastore: world.datastores.get(1)?.name ?? "default",
    vms: [],
    template: [
      { name: "DEV_PREFIX", value: "vd" },
      { name: "DRIVER", value: "qcow2" },
      { name: "FORMAT", value: "qcow2" },
    ],
    op: 0,
  };
  world.images.insert(img);
  world.datastores.touch(1);
  return img;
}

function seedNetwork(world: World, needed: number): { vnet: VnetRecord; ar: AddressRange } {
  let vnet = world.vnets.findByName(SEED_NET, 0);
  if (!vnet) {
    const id = world.vnets.allocateId();
    vnet = {
      id,
      uid: 0,
      gid: 0,
      uname: world.userName,
      gname: "oneadmin",
      name: SEED_NET,
      perms: defaultPermissions(),
      lock: null,
      clusters: [0],
      bridge: "br0",
      bridgeType: "linux",
      state: VnetState.READY,
      prevState: VnetState.LOCK_CREATE,
      vnMad: "bridge",
      phydev: "",
      vlanId: null,
      outerVlanId: null,
      vlanIdAutomatic: false,
      template: [
        { name: "BRIDGE", value: "br0" },
        { name: "BRIDGE_TYPE", value: "linux" },
        { name: "DNS", value: "10.64.0.2 10.64.0.3" },
        { name: "GATEWAY", value: "10.64.0.1" },
        { name: "NETWORK_ADDRESS", value: "10.64.0.0" },
        { name: "NETWORK_MASK", value: "255.252.0.0" },
        { name: "PHYDEV", value: "" },
        { name: "SEARCH_DOMAIN", value: "lab.example" },
        { name: "SECURITY_GROUPS", value: "0" },
        { name: "VN_MAD", value: "bridge" },
      ],
      ars: [],
      nextArId: 0,
      op: 0,
    };
    world.vnets.insert(vnet);
    world.clusters.touch(0);
  }
  let ar = vnet.ars.find((a) => a.leases.length === 0 && a.nextIndex === 0 && Number(a.attrs.SIZE) >= needed);
  if (!ar) {
    // A fresh range after the last one: 10.64.0.0/10 leaves room for millions of leases.
    const offset = vnet.ars.reduce((n, a) => n + Number(a.attrs.SIZE), 0);
    const base = ((10 << 24) | (64 << 16)) + 10 + offset;
    const ip = [(base >>> 24) & 255, (base >>> 16) & 255, (base >>> 8) & 255, base & 255].join(".");
    const built = buildAddressRange(vnet.nextArId, { TYPE: "IP4", IP: ip, SIZE: String(Math.max(needed, 256)) }, world.random);
    if (typeof built === "string") throw new Error(`cannot build the seed address range: ${built}`);
    vnet.nextArId++;
    vnet.ars = [...vnet.ars, built];
    ar = built;
  }
  world.vnets.touch(vnet.id);
  return { vnet, ar };
}

export function bulkSeedVms(world: World, n: number, options: SeedVmsOptions = {}): SeedVmsResult {
  if (!Number.isInteger(n) || n < 0) throw new TypeError(`seedVms needs a whole number of VMs, got ${String(n)}`);
  const state = options.state ?? "RUNNING";
  const prefix = options.namePrefix ?? "seed-vm";
  const withDisk = options.disk ?? true;
  const holdsLease = state !== "DONE";
  const withNet = options.network ?? true;
  const onHost = state === "RUNNING" || state === "POWEROFF";
  const now = world.nowSec();
  const hosts = [...world.hosts.values()];
  const firstId = world.vms.nextId;

  const img = withDisk ? seedImage(world) : null;
  const net = withNet ? seedNetwork(world, holdsLease ? n : 0) : null;
  const sg = world.secgroups.get(0);

  // Shared, never mutated: the same DISK, OS, rules and user attributes for every VM.
  const disk: TemplateVector | null = img ? { ...imageDiskAttributes(world, img, {}), DEV_PREFIX: "vd", DISK_ID: "0", DISK_SNAPSHOT_TOTAL_SIZE: "0", TARGET: "vda" } : null;
  const os: TemplateAttribute = { name: "OS", value: { ARCH: "x86_64", BOOT: "disk0", FIRMWARE: "BIOS", MACHINE: "q35" } };
  const features: TemplateAttribute = { name: "FEATURES", value: { ACPI: "yes", APIC: "yes", GUEST_AGENT: "yes" } };
  const rules = securityGroupRules(world, [0]);
  const user: Template = [
    { name: "DESCRIPTION", value: "Application server provisioned from the standard Ubuntu 24.04 appliance; managed as code." },
    { name: "HYPERVISOR", value: "kvm" },
    { name: "INPUTS_ORDER", value: "" },
    { name: "LABELS", value: "seed,bench" },
    { name: "LOGO", value: "images/logos/ubuntu.png" },
    { name: "MEMORY_UNIT_COST", value: "MB" },
    { name: "SCHED_DS_RANK", value: "FREE_MB" },
    { name: "SCHED_RANK", value: "FREE_CPU" },
    ...Object.entries(options.userTemplate ?? {}).map(([name, value]) => ({ name, value })),
  ];
  const automatic: Template = [
    { name: "AUTOMATIC_DS_REQUIREMENTS", value: '("CLUSTERS/ID" @> 0)' },
    ...(net ? [{ name: "AUTOMATIC_NIC_REQUIREMENTS", value: '("CLUSTERS/ID" @> 0)' }] : []),
    { name: "AUTOMATIC_REQUIREMENTS", value: "(CLUSTER_ID = 0)" },
  ];
  const cpu: TemplateAttribute = { name: "CPU", value: "0.5" };
  const memory: TemplateAttribute = { name: "MEMORY", value: "1024" };
  const vcpu: TemplateAttribute = { name: "VCPU", value: "2" };
  const nicDefault: TemplateAttribute = { name: "NIC_DEFAULT", value: { MODEL: "virtio" } };
  const tmMad: TemplateAttribute = { name: "TM_MAD_SYSTEM", value: onHost ? "ssh" : "" };
  const need = { cpu: 50, mem: 1024 * 1024 };

  const vmStates: Record<SeedVmState, [number, number]> = {
    RUNNING: [VmState.ACTIVE, Lcm.RUNNING],
    POWEROFF: [VmState.POWEROFF, Lcm.LCM_INIT],
    HOLD: [VmState.HOLD, Lcm.LCM_INIT],
    STOPPED: [VmState.STOPPED, Lcm.LCM_INIT],
    UNDEPLOYED: [VmState.UNDEPLOYED, Lcm.LCM_INIT],
    DONE: [VmState.DONE, Lcm.LCM_INIT],
  };
  const [vmState, lcm] = vmStates[state];
  const deployed = state !== "HOLD";

  for (let k = 0; k < n; k++) {
    const id = world.vms.allocateId();
    const host = hosts.length > 0 ? hosts[k % hosts.length] : undefined;
    const template: Template = [...automatic];
    if (net && holdsLease) {
      const index = net.ar.nextIndex++;
      net.ar.leases.push({ index, vm: id });
      const nic = nicAttributes(world, { vnet: net.vnet, ar: net.ar, index }, { MODEL: "virtio" }, id, 0);
      const ctx = withNetworkContext(world, { DISK_ID: "1", NETWORK: "YES", SSH_PUBLIC_KEY: SSH_KEY, TARGET: "hda" }, [nic]);
      template.push({ name: "CONTEXT", value: ctx }, cpu);
      if (disk) template.push({ name: "DISK", value: disk });
      template.push({ name: "GRAPHICS", value: { LISTEN: "0.0.0.0", PORT: String(5900 + id), TYPE: "VNC" } }, memory, { name: "NIC", value: nic });
    } else {
      template.push({ name: "CONTEXT", value: { DISK_ID: "1", NETWORK: "YES", SSH_PUBLIC_KEY: SSH_KEY, TARGET: "hda" } }, cpu);
      if (disk) template.push({ name: "DISK", value: disk });
      template.push({ name: "GRAPHICS", value: { LISTEN: "0.0.0.0", PORT: String(5900 + id), TYPE: "VNC" } }, memory);
    }
    template.push(nicDefault, os, features, ...rules, { name: "TEMPLATE_ID", value: "0" }, tmMad, vcpu, { name: "VMID", value: String(id) });

    const vm: VmRecord = {
      id,
      uid: 0,
      gid: 0,
      uname: world.userName,
      gname: "oneadmin",
      name: `${prefix}-${id}`,
      perms: defaultPermissions(),
      lock: null,
      lastPoll: onHost ? now : 0,
      state: vmState,
      lcmState: lcm,
      prevState: vmState,
      prevLcmState: lcm,
      resched: 0,
      stime: now,
      etime: state === "DONE" ? now : 0,
      deployId: deployed ? `one-${id}` : "",
      template,
      userTemplate: user,
      history:
        deployed && host
          ? [
              {
                seq: 0,
                hostname: host.name,
                hid: host.id,
                cid: host.clusterId,
                stime: now,
                etime: onHost ? 0 : now,
                vmMad: host.vmMad,
                tmMad: "ssh",
                dsId: 0,
                pstime: now,
                petime: now,
                rstime: now,
                retime: onHost ? 0 : now,
                estime: onHost ? 0 : now,
                eetime: onHost ? 0 : now,
                action: 0,
              },
            ]
          : [],
      backupConfig: {},
      op: 0,
      hostId: -1,
      heldCpu: 0,
      heldMem: 0,
      failAt: null,
      failMessage: null,
      pending: null,
    };
    if (onHost && host) {
      host.cpuUsage += need.cpu;
      host.memUsage += need.mem;
      host.vms.push(id);
      vm.hostId = host.id;
      vm.heldCpu = need.cpu;
      vm.heldMem = need.mem;
    }
    if (img && holdsLease) img.vms.push(id);
    if (sg && net && holdsLease) sg.vms.push(id);
    world.vms.insert(vm);
    if (state !== "DONE") world.liveVmIds.push(id);
  }
  if (img && img.vms.length > 0) {
    img.state = ImageState.USED;
    world.images.touch(img.id);
    world.datastores.touch(img.datastoreId);
  }
  if (net) world.vnets.touch(net.vnet.id);
  if (sg) world.secgroups.touch(sg.id);
  for (const h of hosts) world.hosts.touch(h.id);
  return { firstId, lastId: world.vms.nextId - 1, imageId: img?.id ?? null, vnetId: net?.vnet.id ?? null };
}
