/**
 * XenServer's read side: the live objects a stack owns, as the diff's LiveState.
 *
 * One `get_all_records` per class (FACTS §1.6), each class read once per plan, in parallel: SR,
 * network, VDI, VM, VBD, VIF and VM_guest_metrics. Objects are kept when their other_config carries
 * the stack's tag (ownership.ts); a VM still under its clone marker name is listed for deletion
 * under its leftover address. Of the objects the stack does not own, only the id and name of those
 * bearing a declared name are reported (LiveState.foreign).
 */
import type { DesiredState, ImageSpec, VirtualMachineSpec, VirtualNetworkSpec, VmTemplateSpec } from "../../resources/desired-state.js";
import { fingerprintLive, type ForeignObject, type LiveResource, type LiveState } from "../../diff/live-state.js";
import { leftoverAddress, ownedAddresses, TAG_REPLACES, TAG_STACK } from "../kit/ownership.js";
import type { XenApiClient } from "./client.js";
import { XenProtocolError } from "./errors.js";
import { describeValue, isStruct, type Ref, type WireValue } from "./field-types.js";
import { decodeRecord, type XenClass, type XenRecords } from "./records.js";
import type { NetworkRecord, SrRecord, VbdRecord, VdiRecord, VifRecord, VmGuestMetricsRecord, VmRecord } from "./records.js";
import { VM_HALTED, VM_RUNNING, VM_START_FAILED, VM_UNFINISHED } from "./diff-rules.js";
import { attributesOf, mapKeysOf, VM_MAPS, type VmMap, TAG_COPY_OF, TAG_FROM, TAG_PERSISTENT, TAG_SOURCE, TAG_START_FAILED, TAG_TEMPLATE, tagOf, unfinishedTag, VM_DISK_KIND } from "./ownership.js";

const MiB = 1024 * 1024;

/** The pool as one read found it: every class a plan of XenServer objects needs. */
export interface XenPoolView {
  srs: Map<Ref<"SR">, SrRecord>;
  networks: Map<Ref<"network">, NetworkRecord>;
  vdis: Map<Ref<"VDI">, VdiRecord>;
  vms: Map<Ref<"VM">, VmRecord>;
  vbds: Map<Ref<"VBD">, VbdRecord>;
  vifs: Map<Ref<"VIF">, VifRecord>;
  guestMetrics: Map<Ref<"VM_guest_metrics">, VmGuestMetricsRecord>;
}

type RawRecords = Record<string, Record<string, unknown>>;

/** A raw record's other_config entry, without decoding the record. */
function rawTag(record: Record<string, unknown> | undefined, key: string): unknown {
  const otherConfig = record?.other_config;
  return typeof otherConfig === "object" && otherConfig !== null ? (otherConfig as Record<string, unknown>)[key] : undefined;
}

/** Typed records of the refs `keep` accepts, decoded from one class's raw answer; the others are never decoded. */
function decodeKept<C extends XenClass>(cls: C, raw: WireValue, keep: (ref: string, record: Record<string, unknown>) => boolean): Map<Ref<C>, XenRecords[C]> {
  const method = `${cls}.get_all_records`;
  if (!isStruct(raw)) throw new XenProtocolError(method, `expected a map of ${cls} refs to records, got ${describeValue(raw)}`, { className: cls });
  const out = new Map<Ref<C>, XenRecords[C]>();
  for (const ref in raw) {
    const record = raw[ref];
    if (isStruct(record) && keep(ref, record as Record<string, unknown>)) out.set(ref as Ref<C>, decodeRecord(cls, ref, record, method));
  }
  return out;
}

/**
 * One `get_all_records` per class, each answer read once (never parse what the stack does not own):
 * only records of the stack, what they refer to, and objects bearing a name the stack declares are
 * decoded into typed records; everything else is skipped after a look at its other_config and name.
 */
export async function readPool(client: XenApiClient, stack: string, desired?: DesiredState): Promise<XenPoolView> {
  const [srRaw, networkRaw, vdiRaw, vmRaw, vbdRaw, vifRaw, metricsRaw] = await Promise.all(
    (["SR", "network", "VDI", "VM", "VBD", "VIF", "VM_guest_metrics"] as const).map((cls) => client.call(`${cls}.get_all_records`)),
  );
  const declared = new Map<string, Set<string>>();
  for (const r of desired?.resources ?? []) declared.set(r.kind, (declared.get(r.kind) ?? new Set()).add(r.name));
  const named = (kind: string, record: Record<string, unknown>) => declared.get(kind)?.has(String(record.name_label)) === true;
  const ours = (record: Record<string, unknown>) => rawTag(record, TAG_STACK) === stack;

  const vms = decodeKept("VM", vmRaw!, (_ref, r) => ours(r) || named("VirtualMachine", r) || named("VmTemplate", r) || String(r.name_label).startsWith(`hyperplan-unfinished:`));
  const vbds = decodeKept("VBD", vbdRaw!, (_ref, r) => vms.has(String(r.VM) as Ref<"VM">));
  const vifs = decodeKept("VIF", vifRaw!, (_ref, r) => vms.has(String(r.VM) as Ref<"VM">));
  const vdiRefs = new Set([...vbds.values()].map((vbd) => vbd.VDI).filter((v): v is Ref<"VDI"> => v !== null));
  const vdis = decodeKept("VDI", vdiRaw!, (ref, r) => ours(r) || vdiRefs.has(ref as Ref<"VDI">) || named("Image", r));
  const networkRefs = new Set([...vifs.values()].map((vif) => vif.network as string));
  const networks = decodeKept("network", networkRaw!, (ref, r) => ours(r) || networkRefs.has(ref) || named("VirtualNetwork", r));
  const srRefs = new Set([...vdis.values()].map((vdi) => vdi.SR as string));
  const srs = decodeKept("SR", srRaw!, (ref) => srRefs.has(ref));
  const metricsRefs = new Set([...vms.values()].map((vm) => vm.guest_metrics).filter((m): m is Ref<"VM_guest_metrics"> => m !== null) as string[]);
  const guestMetrics = decodeKept("VM_guest_metrics", metricsRaw!, (ref) => metricsRefs.has(ref));
  return { srs, networks, vdis, vms, vbds, vifs, guestMetrics };
}

const description = (text: string): { description?: string } => (text === "" ? {} : { description: text });

/** The stack's objects in one read of the pool. */
export function liveStateOf(stack: string, endpoint: string, pool: XenPoolView, desired?: DesiredState): LiveState {
  const resources: LiveResource[] = [];
  const tagged = <R extends { other_config: Record<string, string> }>(records: Map<string, R>) =>
    [...records].map(([id, r]) => ({ id, tag: tagOf(r.other_config), ...(r.other_config[TAG_REPLACES] ? { replaces: r.other_config[TAG_REPLACES] } : {}) }));

  const networkAddresses = ownedAddresses(stack, "VirtualNetwork", tagged(pool.networks));
  const imageAddresses = ownedAddresses(stack, "Image", tagged(pool.vdis));
  // A clone still under its marker name carries the tags its source had (a template of the stack):
  // it is only the unfinished clone the marker names, never that source.
  const machines = tagged(new Map([...pool.vms].filter(([, vm]) => !vm.is_a_snapshot && !vm.is_control_domain && unfinishedTag(vm.name_label) === undefined)));
  const vmAddresses = ownedAddresses(stack, "VirtualMachine", machines);
  const templateAddresses = ownedAddresses(stack, "VmTemplate", machines);

  for (const [id, address] of networkAddresses) {
    const net = pool.networks.get(id as Ref<"network">)!;
    const props: VirtualNetworkSpec = {
      ...description(net.name_description),
      attributes: attributesOf(net.other_config),
      bridge: net.bridge,
      mtu: net.MTU,
      addressRanges: [],
      dns: [],
    };
    resources.push({ address, kind: "VirtualNetwork", name: net.name_label, id, props, dependsOn: [], status: { state: "READY", healthy: true } });
  }

  for (const [id, address] of imageAddresses) {
    const vdi = pool.vdis.get(id as Ref<"VDI">)!;
    const sr = pool.srs.get(vdi.SR);
    const props: ImageSpec = {
      ...description(vdi.name_description),
      attributes: attributesOf(vdi.other_config),
      type: vdi.type === "system" ? "os" : "datablock",
      size: Math.round(vdi.virtual_size / MiB),
      ...(sr ? { datastore: sr.name_label } : {}),
      persistent: vdi.other_config[TAG_PERSISTENT] === "true",
      ...(vdi.other_config[TAG_COPY_OF] !== undefined ? { raw: { xenserver: { copyOf: vdi.other_config[TAG_COPY_OF] } } } : {}),
    };
    const missing = vdi.missing;
    resources.push({
      address,
      kind: "Image",
      name: vdi.name_label,
      id,
      props,
      dependsOn: [],
      status: missing ? { state: "MISSING", healthy: false, message: "xapi reports the VDI missing from its SR" } : { state: "READY", healthy: true },
      ...(sr ? { aliases: { datastore: [sr.name_label, sr.uuid] } } : {}),
    });
  }

  for (const [id, address] of vmAddresses) {
    const vm = pool.vms.get(id as Ref<"VM">)!;
    resources.push(vmResource(id, address, vm, pool, networkAddresses, imageAddresses, templateAddresses));
  }

  for (const [id, address] of templateAddresses) {
    const vm = pool.vms.get(id as Ref<"VM">)!;
    const nics = nicsOf(vm, pool, networkAddresses, false);
    const props: VmTemplateSpec = {
      ...description(vm.name_description),
      attributes: attributesOf(vm.other_config),
      memory: Math.round(vm.memory_static_max / MiB),
      vcpu: vm.VCPUs_max,
      disks: [],
      nics,
      ...rawOf(vm),
    };
    const dependsOn = [...new Set(nics.map((n) => n.network.ref).filter((r) => !r.includes("#")))];
    resources.push({ address, kind: "VmTemplate", name: vm.name_label, id, props, dependsOn, status: vm.is_a_template ? { state: "READY", healthy: true } : { state: "NOT_A_TEMPLATE", healthy: false, message: "made a VM by hand" } });
  }

  // Clones a run left before tagging them: listed under their leftover address, for deletion.
  for (const [id, vm] of pool.vms) {
    const marker = unfinishedTag(vm.name_label);
    if (!marker || marker.stack !== stack || (marker.kind !== "VirtualMachine" && marker.kind !== "VmTemplate")) continue;
    resources.push(unfinishedResource(id, marker.address, marker.kind, vm));
  }

  return { stack, endpoint, resources, foreign: foreignOf(stack, pool, desired), fingerprint: fingerprintLive(resources) };
}

/** The raw.xenserver settings a VM or template carries: its pool template, and the map keys the stack declared. */
function rawOf(vm: VmRecord): { raw?: { xenserver: Record<string, string | Record<string, string>> } } {
  const xenserver: Record<string, string | Record<string, string>> = {};
  const template = vm.other_config[TAG_TEMPLATE];
  if (template !== undefined) xenserver.template = template;
  const keys = mapKeysOf(vm.other_config);
  for (const field of VM_MAPS) {
    const live = vm[field as VmMap] as Record<string, string>;
    const declared = Object.fromEntries(keys[field].filter((k) => live[k] !== undefined).map((k) => [k, live[k]!]));
    if (Object.keys(declared).length > 0) xenserver[field] = declared;
  }
  return Object.keys(xenserver).length === 0 ? {} : { raw: { xenserver } };
}

/** A VM's or template's VIFs by device, as NICs; those unplugged from a running VM left out. */
function nicsOf(vm: VmRecord, pool: XenPoolView, networks: Map<string, string>, running: boolean): { network: { ref: string }; mac: string; securityGroups: never[] }[] {
  return vm.VIFs.map((ref) => pool.vifs.get(ref))
    .filter((v): v is VifRecord => v !== undefined)
    .sort((a, b) => Number(a.device) - Number(b.device))
    .filter((vif) => !running || vif.currently_attached)
    .map((vif) => ({ network: { ref: networks.get(vif.network) ?? `VirtualNetwork#${vif.network}` }, mac: vif.MAC.toLowerCase(), securityGroups: [] }));
}

function vmResource(id: string, address: string, vm: VmRecord, pool: XenPoolView, networks: Map<string, string>, images: Map<string, string>, templates: Map<string, string>): LiveResource<"VirtualMachine"> {
  const running = vm.power_state === "Running";
  const vbds = vm.VBDs.map((ref) => pool.vbds.get(ref)).filter((v): v is VbdRecord => v !== undefined);
  // The VM's disks are its VBDs to the stack's images and to its copies of them; the disks its
  // template gave it are its own, not declared ones.
  const disks = vbds
    .filter((vbd) => vbd.type === "Disk" && vbd.VDI !== null && imageOfDisk(vbd.VDI, address, pool, images) !== undefined)
    .sort((a, b) => Number(a.userdevice) - Number(b.userdevice))
    .map((vbd) => ({ source: "image" as const, image: { ref: imageOfDisk(vbd.VDI!, address, pool, images)! }, ...(vbd.mode === "RO" ? { readOnly: true } : {}) }));
  const vifs = vm.VIFs.map((ref) => pool.vifs.get(ref))
    .filter((v): v is VifRecord => v !== undefined)
    .sort((a, b) => Number(a.device) - Number(b.device));
  // A VIF someone unplugged from a running VM is read as missing: apply plugs it in again.
  const nics = nicsOf(vm, pool, networks, running);
  const from = vm.other_config[TAG_FROM];
  const fromRef = from === undefined ? undefined : [...templates.values()].includes(from) ? from : `VmTemplate#${from}`;
  const props: VirtualMachineSpec = {
    ...description(vm.name_description),
    attributes: attributesOf(vm.other_config),
    memory: Math.round(vm.memory_static_max / MiB),
    vcpu: vm.VCPUs_max,
    disks,
    nics,
    labels: [...vm.tags].sort(),
    powerState: running ? "running" : "poweroff",
    ...(fromRef !== undefined ? { template: { ref: fromRef } } : {}),
    ...rawOf(vm),
  };
  const dependsOn = [...new Set([...disks.map((d) => d.image.ref), ...nics.map((n) => n.network.ref), ...(fromRef !== undefined ? [fromRef] : [])].filter((r) => !r.includes("#")))];
  const state = vm.is_a_template ? VM_UNFINISHED : running ? VM_RUNNING : vm.other_config[TAG_START_FAILED] !== undefined ? VM_START_FAILED : vm.power_state === "Halted" ? VM_HALTED : vm.power_state.toUpperCase();
  const status =
    state === VM_UNFINISHED
      ? { state, healthy: false, message: "a run stopped before this clone was made a VM" }
      : state === VM_START_FAILED
        ? { state, healthy: false, message: vm.other_config[TAG_START_FAILED]! }
        : { state, healthy: true };
  const values: Record<string, string> = {};
  const metrics = vm.guest_metrics === null ? undefined : pool.guestMetrics.get(vm.guest_metrics);
  const ip = metrics?.networks["0/ip"] ?? metrics?.networks["0/ipv4/0"];
  if (ip) values.ip = ip;
  if (vifs[0]) values.mac = vifs[0].MAC.toLowerCase();
  return { address, kind: "VirtualMachine", name: vm.name_label, id, props, dependsOn, status, ...(Object.keys(values).length > 0 ? { values } : {}) };
}

/** The image address a VM's disk stands for: the stack's image itself, or the VM's copy of one. */
export function imageOfDisk(vdi: string, vmAddress: string, pool: XenPoolView, images: Map<string, string>): string | undefined {
  const direct = images.get(vdi);
  if (direct !== undefined) return direct;
  const record = pool.vdis.get(vdi as Ref<"VDI">);
  if (!record) return undefined;
  const tag = tagOf(record.other_config);
  const source = record.other_config[TAG_SOURCE];
  return tag?.kind === VM_DISK_KIND && tag.address === vmAddress && source !== undefined ? source : undefined;
}

function unfinishedResource(id: string, address: string, kind: string, vm: VmRecord): LiveResource {
  return {
    address: leftoverAddress(address, id),
    kind: kind === "VmTemplate" ? "VmTemplate" : "VirtualMachine",
    name: vm.name_label,
    id,
    props: kind === "VmTemplate" ? { attributes: {}, disks: [], nics: [] } : { attributes: {}, labels: [], powerState: vm.power_state === "Running" ? "running" : "poweroff", disks: [], nics: [] },
    dependsOn: [],
    status: { state: VM_UNFINISHED, healthy: false, message: "a clone a stopped run left before tagging it" },
  };
}

function foreignOf(stack: string, pool: XenPoolView, desired: DesiredState | undefined): ForeignObject[] {
  if (!desired) return [];
  const declared = new Map<string, Set<string>>();
  for (const r of desired.resources) {
    const names = declared.get(r.kind) ?? new Set<string>();
    names.add(r.name);
    declared.set(r.kind, names);
  }
  const out: ForeignObject[] = [];
  const look = (kind: "VirtualNetwork" | "Image" | "VirtualMachine", records: Map<string, { name_label: string; other_config: Record<string, string> }>, skip?: (id: string) => boolean) => {
    const names = declared.get(kind);
    if (!names) return;
    for (const [id, r] of records) {
      if (!names.has(r.name_label) || skip?.(id)) continue;
      const tag = tagOf(r.other_config);
      if (tag?.stack === stack && tag.kind === kind) continue;
      out.push({ kind, id, name: r.name_label, ...(tag && tag.stack !== stack ? { stack: tag.stack } : {}) });
    }
  };
  look("VirtualNetwork", pool.networks);
  look("Image", pool.vdis);
  look("VirtualMachine", pool.vms, (id) => {
    const vm = pool.vms.get(id as Ref<"VM">)!;
    return vm.is_a_template || vm.is_control_domain || vm.is_a_snapshot;
  });
  return out;
}
