/**
 * Building a VM from its allocate template, as `VirtualMachine::insert` does: everything the user
 * sent starts in USER_TEMPLATE and the attributes oned knows move to TEMPLATE (CPU, MEMORY, VCPU,
 * OS, DISK, NIC, CONTEXT, GRAPHICS, … — `parse_*` and `parse_well_known_attributes` in
 * `src/vm/VirtualMachine.cc` / `VirtualMachineParser.cc`), DISKs filled from their images, NICs
 * from leases of their networks, CONTEXT completed with DISK_ID, TARGET and the ETHn_* variables.
 */
import { allocateError } from "./failure.js";
import { acquireImage, findDiskImage, imageDiskAttributes, releaseImage } from "./image.js";
import type { VmRecord } from "./records.js";
import { securityGroupRules } from "./secgroup.js";
import { tClone, tGet, tTake, tVectors, type Template, type TemplateAttribute, type TemplateVector } from "./template-ops.js";
import { findNicNetwork, leaseForNic, nicAttributes, releaseNicLease } from "./vnet.js";
import type { World } from "./world.js";

/** Attributes `parse_well_known_attributes` (and the newer memory/CPU hotplug, video and TPM parsers) move to TEMPLATE as given. */
const WELL_KNOWN = [
  "INPUT",
  "FEATURES",
  "RAW",
  "CLONING_TEMPLATE_ID",
  "TOPOLOGY",
  "NUMA_NODE",
  "HYPERV_OPTIONS",
  "SPICE_OPTIONS",
  "MEMORY_MAX",
  "VCPU_MAX",
  "MEMORY_SLOTS",
  "MEMORY_RESIZE_MODE",
  "VIDEO",
  "TPM",
  "MEMORY_ENCRYPTION",
  "VMGROUP",
  "EMULATOR",
];

const NO_NIC_DEFAULTS = ["NETWORK_ID", "NETWORK", "NETWORK_UID", "NETWORK_UNAME"];

/** Default device prefix for disks and the CONTEXT CD-ROM (oned.conf DEFAULT_DEVICE_PREFIX / DEFAULT_CDROM_DEVICE_PREFIX). */
export const DEFAULT_DEVICE_PREFIX = "hd";

export class BuildError extends Error {}

function fail(message: string): never {
  throw new BuildError(message);
}

function positiveNumber(value: string | undefined, integer: boolean): number | null {
  if (value === undefined || value.trim() === "") return null;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) return null;
  return n;
}

/** The next free target for a prefix ("vd" → "vda", "vdb", …) given targets in use. */
export function nextTarget(prefix: string, used: Set<string>): string {
  for (let i = 0; i < 26; i++) {
    const t = `${prefix}${String.fromCharCode(97 + i)}`;
    if (!used.has(t)) return t;
  }
  for (let i = 0; i < 26 * 26; i++) {
    const t = `${prefix}${String.fromCharCode(97 + Math.floor(i / 26))}${String.fromCharCode(97 + (i % 26))}`;
    if (!used.has(t)) return t;
  }
  return `${prefix}zz`;
}

/** Targets used by a VM's disks and its CONTEXT CD-ROM. */
export function usedTargets(t: Template): Set<string> {
  const used = new Set<string>();
  for (const d of tVectors(t, "DISK")) if (d.TARGET) used.add(d.TARGET);
  const ctx = tVectors(t, "CONTEXT")[0];
  if (ctx?.TARGET) used.add(ctx.TARGET);
  return used;
}

/** Acquired resources, so a failed build can give them back. */
export interface Acquired {
  images: number[];
  leases: { vnet: number; ar: number; ip?: string; mac?: string }[];
}

export function rollback(world: World, vmId: number, acquired: Acquired): void {
  for (const id of acquired.images) releaseImage(world, id, vmId);
  for (const l of acquired.leases) releaseNicLease(world, l.vnet, l.ar, vmId, l.ip, l.mac);
}

/** A DISK for the VM: from its image (acquired for the VM) or a volatile disk. */
export function buildDisk(world: World, vmId: number, disk: TemplateVector, diskId: number, attach: boolean, acquired: Acquired): TemplateVector {
  const found = findDiskImage(world, disk);
  if (found && "error" in found) fail(found.error);
  if (found) {
    const img = found.image;
    const size = disk.SIZE;
    if (size !== undefined && size !== "") {
      const n = Number(size);
      if (img.persistent && n !== img.size) fail(`SIZE attribute is not supported for persistent image [${img.id}].`);
      if (img.type === 1 && n !== img.size) fail(`SIZE attribute is not supported for CDROM image [${img.id}].`);
      if (n < img.size) fail(`SIZE of ${size}MB is less than the image [${img.id}] size of ${img.size}MB.`);
    }
    const err = acquireImage(world, img, vmId, attach);
    if (err) fail(err);
    acquired.images.push(img.id);
    const out = imageDiskAttributes(world, img, disk);
    out.DISK_ID = String(diskId);
    out.DISK_SNAPSHOT_TOTAL_SIZE = "0";
    return out;
  }
  const type = (disk.TYPE ?? "").toUpperCase();
  if (type !== "SWAP" && type !== "FS") fail(`Unknown disk type ${type}`);
  const size = Number(disk.SIZE);
  if (disk.SIZE === undefined || !Number.isInteger(size) || size <= 0) fail("SIZE attribute must be a positive integer value.");
  return {
    ...disk,
    DEV_PREFIX: disk.DEV_PREFIX ?? DEFAULT_DEVICE_PREFIX,
    DISK_ID: String(diskId),
    DISK_TYPE: "FILE",
    FORMAT: disk.FORMAT ?? "raw",
    SIZE: String(size),
    TYPE: type.toLowerCase(),
  };
}

/** A NIC for the VM: a lease from its network, or a NIC not bound to a network kept as given. */
export function buildNic(world: World, vmId: number, nic: TemplateVector, nicId: number, acquired: Acquired): TemplateVector {
  if ((nic.NETWORK_MODE ?? "").toLowerCase() === "auto") {
    fail("NETWORK_MODE = auto needs the scheduler's network selection, which the simulator does not implement; name the network.");
  }
  const found = findNicNetwork(world, nic);
  if (found && "error" in found) fail(found.error);
  if (!found) return { ...nic, NIC_ID: String(nicId) };
  const lease = leaseForNic(world, found.vnet, vmId, nic);
  if (typeof lease === "string") fail(lease);
  const out = nicAttributes(world, lease, nic, vmId, nicId);
  acquired.leases.push({ vnet: found.vnet.id, ar: lease.ar.id, ...(out.IP ? { ip: out.IP } : {}), mac: out.MAC as string });
  return out;
}

// ETHn_* variables oned adds to CONTEXT when NETWORK = "YES", in the order of the 6.99 sample.
const ETH_VARS: [string, (nic: TemplateVector, net: Template) => string][] = [
  ["DNS", (n, t) => n.DNS ?? tGet(t, "DNS") ?? ""],
  ["EXTERNAL", (n) => n.EXTERNAL ?? ""],
  ["GATEWAY", (n, t) => n.GATEWAY ?? tGet(t, "GATEWAY") ?? ""],
  ["IP", (n) => n.IP ?? ""],
  ["IP6", (n) => n.IP6 ?? n.IP6_GLOBAL ?? ""],
  ["IP6_GATEWAY", (n, t) => n.GATEWAY6 ?? tGet(t, "GATEWAY6") ?? ""],
  ["IP6_METHOD", (n, t) => n.IP6_METHOD ?? tGet(t, "IP6_METHOD") ?? ""],
  ["IP6_METRIC", (n, t) => n.IP6_METRIC ?? tGet(t, "IP6_METRIC") ?? ""],
  ["IP6_PREFIX_LENGTH", (n, t) => n.PREFIX_LENGTH ?? tGet(t, "PREFIX_LENGTH") ?? ""],
  ["IP6_ULA", (n) => n.IP6_ULA ?? ""],
  ["MAC", (n) => n.MAC ?? ""],
  ["MASK", (n, t) => n.NETWORK_MASK ?? tGet(t, "NETWORK_MASK") ?? ""],
  ["METHOD", (n, t) => n.METHOD ?? tGet(t, "METHOD") ?? ""],
  ["METRIC", (n, t) => n.METRIC ?? tGet(t, "METRIC") ?? ""],
  ["MTU", (n, t) => n.GUEST_MTU ?? tGet(t, "GUEST_MTU") ?? ""],
  ["NETWORK", (n, t) => n.NETWORK_ADDRESS ?? tGet(t, "NETWORK_ADDRESS") ?? ""],
  ["SEARCH_DOMAIN", (n, t) => n.SEARCH_DOMAIN ?? tGet(t, "SEARCH_DOMAIN") ?? ""],
  ["VLAN_ID", (n) => n.VLAN_ID ?? ""],
  ["VROUTER_IP", (n) => n.VROUTER_IP ?? ""],
  ["VROUTER_IP6", (n) => n.VROUTER_IP6 ?? ""],
  ["VROUTER_MANAGEMENT", (n) => n.VROUTER_MANAGEMENT ?? ""],
];

/** Rewrites the ETHn_* variables of a CONTEXT from the VM's current NICs (n = NIC_ID). */
export function withNetworkContext(world: World, context: TemplateVector, nics: readonly TemplateVector[]): TemplateVector {
  const out: TemplateVector = {};
  for (const [k, v] of Object.entries(context)) if (!/^ETH\d+_/.test(k)) out[k] = v;
  if ((context.NETWORK ?? "").toUpperCase() !== "YES") return out;
  for (const nic of nics) {
    const n = nic.NIC_ID ?? "0";
    const vnet = nic.NETWORK_ID !== undefined ? world.vnets.get(Number(nic.NETWORK_ID)) : undefined;
    const net = vnet?.template ?? [];
    for (const [name, get] of ETH_VARS) out[`ETH${n}_${name}`] = get(nic, net);
  }
  return out;
}

/** `$VAR` and `$VAR[KEY]` references inside CONTEXT values, resolved against the VM (oned's vm_var parser). */
function substitute(value: string, vm: VmRecord, template: Template): string {
  if (!value.includes("$")) return value;
  return value.replace(/\$([A-Z0-9_]+)(?:\[([A-Z0-9_]+)(?:,\s*[^\]]*)?\])?/g, (_m, name: string, key: string | undefined) => {
    const fixed: Record<string, string> = { NAME: vm.name, VMID: String(vm.id), UID: String(vm.uid), UNAME: vm.uname, GID: String(vm.gid), GNAME: vm.gname };
    if (!key) {
      if (fixed[name] !== undefined) return fixed[name] as string;
      return tGet(template, name) ?? tGet(vm.userTemplate, name) ?? "";
    }
    const vector = tVectors(template, name)[0] ?? tVectors(vm.userTemplate, name)[0];
    return vector?.[key] ?? "";
  });
}

export interface BuildResult {
  template: Template;
  userTemplate: Template;
  backupConfig: TemplateVector;
  hold: boolean;
  acquired: Acquired;
}

/**
 * Splits and completes an allocate template for VM `vm` (whose id, name and owner are set).
 * Throws BuildError with oned's message; resources taken before the error are given back.
 */
export function buildVm(world: World, vm: VmRecord, input: Template, submitOnHold: boolean): BuildResult {
  const acquired: Acquired = { images: [], leases: [] };
  try {
    return build(world, vm, input, submitOnHold, acquired);
  } catch (error) {
    rollback(world, vm.id, acquired);
    throw error;
  }
}

function build(world: World, vm: VmRecord, input: Template, submitOnHold: boolean, acquired: Acquired): BuildResult {
  let user = tClone(input);
  const obj: TemplateAttribute[] = [];
  const move = (name: string): TemplateAttribute[] => {
    const [rest, taken] = tTake(user, name);
    user = rest;
    return taken;
  };
  const single = (name: string): string | undefined => {
    const taken = move(name);
    const first = taken[0];
    if (first && typeof first.value !== "string") fail(`Wrong format for ${name} attribute.`);
    return first?.value as string | undefined;
  };

  move("VMID");
  const templateId = single("TEMPLATE_ID");
  if (templateId !== undefined && templateId !== "") obj.push({ name: "TEMPLATE_ID", value: templateId });
  move("NAME");
  move("TEMPLATE_NAME");

  const memory = positiveNumber(tGet(user, "MEMORY"), true);
  if (memory === null) fail("MEMORY attribute must be a positive integer value.");
  move("MEMORY");
  obj.push({ name: "MEMORY", value: String(memory) });
  const cpu = positiveNumber(tGet(user, "CPU"), false);
  if (cpu === null) fail("CPU attribute must be a positive float or integer value.");
  move("CPU");
  obj.push({ name: "CPU", value: String(cpu) });
  const vcpuText = tGet(user, "VCPU");
  if (vcpuText !== undefined && vcpuText !== "") {
    const vcpu = positiveNumber(vcpuText, true);
    if (vcpu === null) fail("VCPU attribute must be a positive integer value.");
    move("VCPU");
    obj.push({ name: "VCPU", value: String(vcpu) });
  }
  for (const [name, label] of [
    ["CPU_COST", "CPU_COST"],
    ["MEMORY_COST", "MEMORY_COST"],
    ["DISK_COST", "DISK_COST"],
  ] as const) {
    const v = tGet(user, name);
    if (v === undefined) continue;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) fail(`${label} attribute must be a positive float or integer value.`);
    move(name);
    obj.push({ name, value: String(n) });
  }

  const os = move("OS");
  if (os.length > 1) fail("Only one OS attribute can be defined.");
  obj.push(...os);
  move("PCI").forEach((a, i) => obj.push({ name: "PCI", value: typeof a.value === "string" ? a.value : { ...a.value, PCI_ID: String(i) } }));

  const defaults = move("NIC_DEFAULT");
  if (defaults.length > 1) fail("Only one NIC_DEFAULT attribute can be defined.");
  const nicDefault = defaults[0];
  if (nicDefault && typeof nicDefault.value === "string") fail("Wrong format for NIC_DEFAULT attribute.");
  const nicDefaults = (nicDefault?.value as TemplateVector | undefined) ?? {};
  for (const k of NO_NIC_DEFAULTS) if (nicDefaults[k] !== undefined && nicDefaults[k] !== "") fail(`Attribute ${k} is not allowed inside NIC_DEFAULT.`);
  if (nicDefault) obj.push(nicDefault);
  for (const n of ["VROUTER_ID", "VROUTER_KEEPALIVED_ID", "VROUTER_KEEPALIVED_PASSWORD"]) {
    const v = single(n);
    if (v !== undefined && v !== "") obj.push({ name: n, value: v });
  }

  // Network leases (NIC, then NIC_ALIAS), numbered together as oned does.
  let nicId = 0;
  for (const kind of ["NIC", "NIC_ALIAS"]) {
    for (const a of move(kind)) {
      if (typeof a.value === "string") fail(`Wrong format for ${kind} attribute.`);
      const withDefaults: TemplateVector = { ...nicDefaults, ...a.value };
      obj.push({ name: kind, value: buildNic(world, vm.id, withDefaults, nicId++, acquired) });
    }
  }

  // Disk images.
  const disks: TemplateVector[] = [];
  for (const a of move("DISK")) {
    if (typeof a.value === "string") fail("Wrong format for DISK attribute.");
    disks.push(buildDisk(world, vm.id, a.value, disks.length, false, acquired));
  }
  const used = new Set<string>();
  for (const d of disks) if (d.TARGET) used.add(d.TARGET);
  for (const d of disks) {
    if (!d.TARGET) {
      d.TARGET = nextTarget(d.DEV_PREFIX ?? DEFAULT_DEVICE_PREFIX, used);
      used.add(d.TARGET);
    }
    obj.push({ name: "DISK", value: d });
  }

  const holdText = single("SUBMIT_ON_HOLD");
  let hold = submitOnHold;
  if (holdText !== undefined) {
    const yes = holdText.toUpperCase() === "YES";
    obj.push({ name: "SUBMIT_ON_HOLD", value: yes ? "YES" : "NO" });
    hold = hold || yes;
  }

  // CONTEXT: one at most; gets the next DISK_ID and a CD-ROM target.
  const contexts = move("CONTEXT");
  if (contexts.length > 1) fail("Only one CONTEXT attribute can be defined.");
  const ctx = contexts[0];
  if (ctx) {
    if (typeof ctx.value === "string") fail("Wrong format for CONTEXT attribute.");
    const values: TemplateVector = {};
    const partial: Template = [...obj];
    for (const [k, v] of Object.entries(ctx.value)) values[k] = substitute(v, vm, partial);
    values.DISK_ID = String(disks.length);
    values.TARGET = nextTarget(DEFAULT_DEVICE_PREFIX, used);
    const nics = obj.filter((a) => a.name === "NIC" || a.name === "NIC_ALIAS").map((a) => a.value as TemplateVector);
    obj.push({ name: "CONTEXT", value: withNetworkContext(world, values, nics) });
  }

  // Old REQUIREMENTS is renamed SCHED_REQUIREMENTS and both stay in USER_TEMPLATE.
  const reqs = move("SCHED_REQUIREMENTS");
  const oldReqs = move("REQUIREMENTS");
  const req = reqs[0] ?? oldReqs[0];
  if ((reqs.length || oldReqs.length) > 1) fail("Only one SCHED_REQUIREMENTS attribute can be defined.");
  if (req) {
    if (typeof req.value !== "string") fail("Wrong format for SCHED_REQUIREMENTS attribute.");
    user.push({ name: "SCHED_REQUIREMENTS", value: req.value });
  }

  // Automatic requirements: every image datastore and network of the simulator is in cluster 0.
  const hasDisks = disks.some((d) => d.DATASTORE_ID !== undefined);
  const nicVectors = obj.filter((a) => a.name === "NIC").map((a) => a.value as TemplateVector);
  const hasNets = nicVectors.some((n) => n.NETWORK_ID !== undefined);
  if (hasDisks || hasNets) {
    obj.push({ name: "AUTOMATIC_DS_REQUIREMENTS", value: '("CLUSTERS/ID" @> 0)' });
    if (hasNets) obj.push({ name: "AUTOMATIC_NIC_REQUIREMENTS", value: '("CLUSTERS/ID" @> 0)' });
    obj.push({ name: "AUTOMATIC_REQUIREMENTS", value: "(CLUSTER_ID = 0)" });
  } else {
    obj.push({ name: "AUTOMATIC_REQUIREMENTS", value: "!(PUBLIC_CLOUD = YES)" });
  }

  const graphics = move("GRAPHICS");
  const g = graphics[0];
  if (g) {
    if (typeof g.value === "string") fail("Wrong format for GRAPHICS attribute.");
    const gv: TemplateVector = { ...g.value };
    if (gv.PORT !== undefined && gv.PORT !== "") {
      const port = Number(gv.PORT);
      if (!Number.isInteger(port) || port < 0 || port > 65535) fail("Wrong PORT number in GRAPHICS attribute");
    } else if (gv.TYPE) {
      // oned takes the port from the cluster's VNC range: VNC_PORTS START (5900) + VM id.
      gv.PORT = String(5900 + vm.id);
    }
    if (gv.RANDOM_PASSWD !== undefined && gv.RANDOM_PASSWD !== "") {
      gv.PASSWD = Math.floor(world.random.next() * 0xffffffff).toString(16).padStart(8, "0");
    }
    obj.push({ name: "GRAPHICS", value: gv });
  }

  const imported = single("IMPORT_VM_ID");
  if (imported !== undefined && imported !== "") {
    if (/^one-\d+$/.test(imported)) fail("Trying to import an OpenNebula VM: 'one-*'.");
    vm.deployId = imported;
    obj.push({ name: "IMPORTED", value: "YES" });
  }

  for (const n of WELL_KNOWN) obj.push(...move(n));

  const backup = move("BACKUP_CONFIG")[0];
  const backupConfig: TemplateVector = {};
  if (backup && typeof backup.value !== "string") {
    for (const [k, v] of Object.entries(backup.value)) if (BACKUP_KEYS.has(k)) backupConfig[k] = v;
  }

  obj.push({ name: "TM_MAD_SYSTEM", value: "" });
  obj.push({ name: "VMID", value: String(vm.id) });
  const sgIds = nicVectors.flatMap((n) => (n.SECURITY_GROUPS ?? "").split(",")).map((s) => Number(s.trim())).filter((n) => Number.isInteger(n));
  obj.push(...securityGroupRules(world, sgIds));

  return { template: obj, userTemplate: user, backupConfig, hold, acquired };
}

const BACKUP_KEYS = new Set(["BACKUP_VOLATILE", "FS_FREEZE", "INCREMENT_MODE", "KEEP_LAST", "MODE", "DISK_IDS", "BACKUP_JOB_ID", "INTERACTIVE"]);

/** ALLOCATE failure for a VM build error. */
export function vmAllocateError(error: unknown): Error {
  if (error instanceof BuildError) return allocateError("vm", error.message);
  return error as Error;
}
