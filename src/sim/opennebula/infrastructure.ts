/**
 * The fixed infrastructure every oned install starts with, and its documents: cluster 0
 * "default", datastores 0 "system" (SYSTEM_DS), 1 "default" (IMAGE_DS) and 2 "files" (FILE_DS)
 * (oned's bootstrap), and KVM hosts with MAX_CPU/MAX_MEM the scheduler checks capacity against.
 */
import { must, reader, type MethodTable } from "./context.js";
import { sortedInsert, sortedRemove } from "./pool.js";
import type { ClusterRecord, DatastoreRecord, HostRecord, VmRecord } from "./records.js";
import type { Template } from "./template-ops.js";
import { el, escapedDoc, escapedPool, escapePiece, idsXml, permissionsXml, templateXml } from "./xml.js";
import type { World } from "./world.js";

export interface HostSpec {
  name: string;
  /** Cores. */
  cpu: number;
  memoryMb: number;
}

export const DEFAULT_HOSTS: readonly HostSpec[] = [
  { name: "kvm-node-01", cpu: 64, memoryMb: 262_144 },
  { name: "kvm-node-02", cpu: 64, memoryMb: 262_144 },
];

const HOST_STATE_MONITORED = 2;

/** Datastore capacity shown in TOTAL_MB (the image datastore's USED_MB sums its images). */
const DATASTORE_TOTAL_MB = 2_097_152;

function single(name: string, value: string): Template[number] {
  return { name, value };
}

export function seedInfrastructure(world: World, hosts: readonly HostSpec[] = DEFAULT_HOSTS): void {
  world.clusters.insert({ id: 0, uid: 0, gid: 0, name: "default", template: [single("RESERVED_CPU", ""), single("RESERVED_MEM", "")] });

  const ds = (id: number, name: string, type: number, dsMad: string, typeName: string, extra: Template): DatastoreRecord => ({
    id,
    uid: 0,
    gid: 0,
    uname: world.userName,
    gname: "oneadmin",
    name,
    perms: [1, 1, 0, 1, 0, 0, 1, 0, 0],
    lock: null,
    dsMad,
    tmMad: "ssh",
    basePath: `/var/lib/one//datastores/${id}`,
    type,
    diskType: 0,
    state: 0,
    clusters: [0],
    totalMb: DATASTORE_TOTAL_MB,
    template: [
      single("ALLOW_ORPHANS", "NO"),
      single("CLONE_TARGET", "SYSTEM"),
      single("DISK_TYPE", "FILE"),
      ...(dsMad === "-" ? [] : [single("DS_MAD", dsMad)]),
      single("LN_TARGET", "SYSTEM"),
      single("RESTRICTED_DIRS", "/"),
      single("SAFE_DIRS", "/var/tmp"),
      single("SHARED", "NO"),
      single("TM_MAD", "ssh"),
      single("TYPE", typeName),
      ...extra,
    ],
  });
  world.datastores.insert(ds(0, "system", 1, "-", "SYSTEM_DS", []));
  world.datastores.insert(ds(1, "default", 0, "fs", "IMAGE_DS", []));
  world.datastores.insert(ds(2, "files", 2, "fs", "FILE_DS", []));

  hosts.forEach((spec, id) => {
    if (!spec.name || !(spec.cpu > 0) || !(spec.memoryMb > 0)) {
      throw new TypeError(`host ${id} needs a name, cpu > 0 and memoryMb > 0 (got ${JSON.stringify(spec)})`);
    }
    world.hosts.insert({
      id,
      uid: 0,
      gid: 0,
      name: spec.name,
      state: HOST_STATE_MONITORED,
      prevState: HOST_STATE_MONITORED,
      imMad: "kvm",
      vmMad: "kvm",
      clusterId: 0,
      cluster: "default",
      maxCpu: Math.round(spec.cpu * 100),
      maxMem: Math.round(spec.memoryMb * 1024),
      cpuUsage: 0,
      memUsage: 0,
      vms: [],
      template: [
        single("ARCH", "x86_64"),
        single("CPUSPEED", "2400"),
        single("HOSTNAME", spec.name),
        single("HYPERVISOR", "kvm"),
        single("IM_MAD", "kvm"),
        single("KVM_MACHINES", "pc q35"),
        single("MODELNAME", "Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz"),
        single("RESERVED_CPU", ""),
        single("RESERVED_MEM", ""),
        single("VERSION", "7.4.0"),
        single("VM_MAD", "kvm"),
      ],
    });
  });
}

// ------------------------------------------------------------------ capacity

/** What a VM asks of a host: CPU × 100 and MEMORY (MB) in KB, as `HostShare` counts them. */
export function vmCapacity(vm: VmRecord): { cpu: number; mem: number } {
  const cpu = Number(vm.template.find((a) => a.name === "CPU")?.value ?? "0");
  const mem = Number(vm.template.find((a) => a.name === "MEMORY")?.value ?? "0");
  return { cpu: Math.round((Number.isFinite(cpu) ? cpu : 0) * 100), mem: Math.round((Number.isFinite(mem) ? mem : 0) * 1024) };
}

export function hostFits(host: HostRecord, cpu: number, mem: number): boolean {
  return host.maxCpu - host.cpuUsage >= cpu && host.maxMem - host.memUsage >= mem;
}

export function chargeHost(world: World, vm: VmRecord, host: HostRecord): void {
  releaseHost(world, vm);
  const need = vmCapacity(vm);
  host.cpuUsage += need.cpu;
  host.memUsage += need.mem;
  sortedInsert(host.vms, vm.id);
  vm.hostId = host.id;
  vm.heldCpu = need.cpu;
  vm.heldMem = need.mem;
  world.hosts.touch(host.id);
}

export function releaseHost(world: World, vm: VmRecord): void {
  if (vm.hostId < 0) return;
  const host = world.hosts.get(vm.hostId);
  if (host) {
    host.cpuUsage = Math.max(0, host.cpuUsage - vm.heldCpu);
    host.memUsage = Math.max(0, host.memUsage - vm.heldMem);
    sortedRemove(host.vms, vm.id);
    world.hosts.touch(host.id);
  }
  vm.hostId = -1;
  vm.heldCpu = 0;
  vm.heldMem = 0;
}

/** Re-charges a VM whose capacity changed while it holds a host (resize). */
export function rechargeHost(world: World, vm: VmRecord): void {
  const host = vm.hostId >= 0 ? world.hosts.get(vm.hostId) : undefined;
  if (host) chargeHost(world, vm, host);
}

// ------------------------------------------------------------------ documents

function datastoreXml(world: World, ds: DatastoreRecord): string {
  const images: number[] = [];
  let used = 0;
  for (const img of world.images.values()) {
    if (img.datastoreId === ds.id) {
      images.push(img.id);
      used += img.size;
    }
  }
  const usedMb = ds.type === 0 ? used : 0;
  return (
    `<DATASTORE>${el("ID", ds.id)}${el("UID", ds.uid)}${el("GID", ds.gid)}${el("UNAME", ds.uname)}${el("GNAME", ds.gname)}` +
    `${el("NAME", ds.name)}${permissionsXml(ds.perms)}${el("DS_MAD", ds.dsMad)}${el("TM_MAD", ds.tmMad)}` +
    `${el("BASE_PATH", ds.basePath)}${el("TYPE", ds.type)}${el("DISK_TYPE", ds.diskType)}${el("STATE", ds.state)}` +
    `${idsXml("CLUSTERS", ds.clusters)}${el("TOTAL_MB", ds.totalMb)}${el("FREE_MB", ds.totalMb - usedMb)}` +
    `${el("USED_MB", usedMb)}${idsXml("IMAGES", images)}${templateXml(ds.template, "TEMPLATE")}</DATASTORE>`
  );
}

function hostXml(world: World, h: HostRecord): string {
  const now = world.nowSec();
  const dsShare = `<DATASTORES><DISK_USAGE>0</DISK_USAGE><DS><FREE_MB>${DATASTORE_TOTAL_MB}</FREE_MB><ID>0</ID><TOTAL_MB>${DATASTORE_TOTAL_MB}</TOTAL_MB><USED_MB>0</USED_MB></DS><FREE_DISK>${DATASTORE_TOTAL_MB}</FREE_DISK><MAX_DISK>${DATASTORE_TOTAL_MB}</MAX_DISK><USED_DISK>0</USED_DISK></DATASTORES>`;
  const share =
    `<HOST_SHARE>${el("MEM_USAGE", h.memUsage)}${el("CPU_USAGE", h.cpuUsage)}${el("TOTAL_MEM", h.maxMem)}` +
    `${el("TOTAL_CPU", h.maxCpu)}${el("MAX_MEM", h.maxMem)}${el("MAX_CPU", h.maxCpu)}${el("RUNNING_VMS", h.vms.length)}` +
    `${el("VMS_THREAD", 1)}${dsShare}<PCI_DEVICES/><NUMA_NODES/></HOST_SHARE>`;
  // Probes report the hypervisor's own view: roughly what the VMs reserve plus the host's base load.
  const usedCpu = Math.min(h.maxCpu, Math.round(h.cpuUsage / 4) + 20);
  const usedMem = Math.min(h.maxMem, Math.round(h.memUsage * 0.8) + 4_194_304);
  const monitoring =
    `<MONITORING>${el("TIMESTAMP", now)}${el("ID", h.id)}<CAPACITY>${el("FREE_CPU", h.maxCpu - usedCpu)}` +
    `${el("FREE_MEMORY", h.maxMem - usedMem)}${el("USED_CPU", usedCpu)}${el("USED_MEMORY", usedMem)}</CAPACITY>` +
    `<SYSTEM><NETRX>0</NETRX><NETTX>0</NETTX></SYSTEM></MONITORING>`;
  return (
    `<HOST>${el("ID", h.id)}${el("NAME", h.name)}${el("STATE", h.state)}${el("PREV_STATE", h.prevState)}` +
    `${el("IM_MAD", h.imMad)}${el("VM_MAD", h.vmMad)}${el("CLUSTER_ID", h.clusterId)}${el("CLUSTER", h.cluster)}` +
    `${share}${idsXml("VMS", h.vms)}${templateXml(h.template, "TEMPLATE")}${monitoring}</HOST>`
  );
}

function clusterXml(world: World, c: ClusterRecord): string {
  const hosts = [...world.hosts.values()].filter((h) => h.clusterId === c.id).map((h) => h.id);
  const dss = [...world.datastores.values()].filter((d) => d.clusters.includes(c.id)).map((d) => d.id);
  const vnets = [...world.vnets.values()].filter((v) => v.clusters.includes(c.id)).map((v) => v.id);
  return (
    `<CLUSTER>${el("ID", c.id)}${el("NAME", c.name)}${idsXml("HOSTS", hosts)}${idsXml("DATASTORES", dss)}` +
    `${idsXml("VNETS", vnets)}${templateXml(c.template, "TEMPLATE")}</CLUSTER>`
  );
}

// Host monitoring and datastore usage change with the VMs and images around them, so these small
// pools are rendered on each call instead of cached.
export const infrastructureMethods: MethodTable = {
  "one.datastorepool.info": reader(({ world }) =>
    escapedPool("DATASTORE_POOL", [...world.datastores.values()].map((d) => escapePiece(datastoreXml(world, d)))),
  ),
  "one.datastore.info": reader(({ world }, p) => escapedDoc(datastoreXml(world, must(world.datastores, "datastore", p.int(1))))),
  "one.hostpool.info": reader(({ world }) => escapedPool("HOST_POOL", [...world.hosts.values()].map((h) => escapePiece(hostXml(world, h))))),
  "one.host.info": reader(({ world }, p) => escapedDoc(hostXml(world, must(world.hosts, "host", p.int(1))))),
  "one.clusterpool.info": reader(({ world }) =>
    escapedPool("CLUSTER_POOL", [...world.clusters.values()].map((c) => escapePiece(clusterXml(world, c)))),
  ),
  "one.cluster.info": reader(({ world }, p) => escapedDoc(clusterXml(world, must(world.clusters, "cluster", p.int(1))))),
};
