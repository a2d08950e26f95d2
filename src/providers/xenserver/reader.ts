/**
 * XenServer's read side: the live objects a stack owns, as the diff's LiveState.
 *
 * One `get_all_records` per class (FACTS §1.6), each class read once per plan, in parallel: SR,
 * network, VDI, VM, VBD, VIF and VM_guest_metrics. Objects are kept when their other_config carries
 * the stack's tag (ownership.ts); a VM still under its clone marker name is listed for deletion
 * under its leftover address. Of the objects the stack does not own, only the id and name of those
 * bearing a declared name are reported (LiveState.foreign).
 *
 * A declaration's `importId` whose address the stack owns nothing at names one object to adopt: it is
 * read by that id alone (`<class>.get_record`, after `<class>.get_by_uuid` for a uuid), with the
 * records its mapping needs (a VM's VBDs, VDIs, VIFs and guest metrics), never by scanning what the
 * stack does not own. It is mapped as the stack's own object at that address would be, and reported
 * apart (LiveState.imports), not among the stack's objects.
 */
import type { DesiredState, ImageSpec, ResourceKind, VirtualMachineSpec, VirtualNetworkSpec, VmTemplateSpec } from "../../resources/desired-state.js";
import { fingerprintLive, type ForeignObject, type ImportReading, type LiveResource, type LiveState } from "../../diff/live-state.js";
import { leftoverAddress, ownedAddresses, pendingImports, TAG_REPLACES, TAG_STACK, type OwnershipTag, type PendingImport } from "../kit/ownership.js";
import type { XenApiClient } from "./client.js";
import { isXenApiError, XenProtocolError } from "./errors.js";
import { describeValue, isRef, isStruct, NULL_REF, type Ref, type WireValue } from "./field-types.js";
import { decodeRecord, type XenClass, type XenRecords } from "./records.js";
import type { RecordFields, RecordIndex } from "./record-index.js";
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
  /** The objects the declarations' `importId`s name, read by their ids; absent when none is pending. */
  imports?: XenImportView;
}

/** What one `importId` named, as its read found it: `found` objects' records are in the view's records. */
export type XenImportRead =
  | { address: string; kind: ResourceKind; id: string; state: "gone" }
  | { address: string; kind: ResourceKind; id: string; state: "tagged"; tag: OwnershipTag }
  | { address: string; kind: ResourceKind; id: string; state: "found"; ref: string };

/** The import reads, and the records of the objects found (and of what they use) the pool read left out. */
export interface XenImportView {
  reads: XenImportRead[];
  records: Omit<XenPoolView, "imports">;
}

/** The members the pool read chooses records by: a record's name, its tags, the VM a VBD or VIF belongs to. */
const CHOOSING_FIELDS = ["name_label", "other_config", "VM"] as const;

/** Typed records of the refs `keep` accepts; the others are never decoded. */
function decodeKept<C extends XenClass>(cls: C, index: RecordIndex, keep: (ref: string, fields: RecordFields) => boolean): Map<Ref<C>, XenRecords[C]> {
  const method = `${cls}.get_all_records`;
  const out = new Map<Ref<C>, XenRecords[C]>();
  for (const [ref, record] of index.select(keep)) out.set(ref as Ref<C>, decodeRecord(cls, ref, record, method));
  return out;
}

/**
 * One `get_all_records` per class, each answer read once (never parse what the stack does not own):
 * only records of the stack, what they refer to, and objects bearing a name the stack declares are
 * decoded into typed records; everything else is passed over after a look at its other_config and
 * name (over JSON-RPC, at the bytes: record-index.ts).
 */
export async function readPool(client: XenApiClient, stack: string, desired?: DesiredState): Promise<XenPoolView> {
  const [srRaw, networkRaw, vdiRaw, vmRaw, vbdRaw, vifRaw, metricsRaw] = await Promise.all(
    (["SR", "network", "VDI", "VM", "VBD", "VIF", "VM_guest_metrics"] as const).map((cls) => client.indexAllRecords(cls, CHOOSING_FIELDS)),
  );
  const declared = new Map<string, Set<string>>();
  for (const r of desired?.resources ?? []) declared.set(r.kind, (declared.get(r.kind) ?? new Set()).add(r.name));
  const named = (kind: string, record: RecordFields) => {
    const names = declared.get(kind);
    return names !== undefined && names.has(record.text("name_label") ?? "");
  };
  const ours = (record: RecordFields) => record.entry("other_config", TAG_STACK) === stack;

  const vms = decodeKept("VM", vmRaw!, (_ref, r) => ours(r) || named("VirtualMachine", r) || named("VmTemplate", r) || (r.text("name_label") ?? "").startsWith(`hyperplan-unfinished:`));
  const vbds = decodeKept("VBD", vbdRaw!, (_ref, r) => vms.has(r.text("VM") as Ref<"VM">));
  const vifs = decodeKept("VIF", vifRaw!, (_ref, r) => vms.has(r.text("VM") as Ref<"VM">));
  const vdiRefs = new Set([...vbds.values()].map((vbd) => vbd.VDI).filter((v): v is Ref<"VDI"> => v !== null));
  const vdis = decodeKept("VDI", vdiRaw!, (ref, r) => ours(r) || vdiRefs.has(ref as Ref<"VDI">) || named("Image", r));
  const networkRefs = new Set([...vifs.values()].map((vif) => vif.network as string));
  const networks = decodeKept("network", networkRaw!, (ref, r) => ours(r) || networkRefs.has(ref) || named("VirtualNetwork", r));
  const srRefs = new Set([...vdis.values()].map((vdi) => vdi.SR as string));
  const srs = decodeKept("SR", srRaw!, (ref) => srRefs.has(ref));
  const metricsRefs = new Set([...vms.values()].map((vm) => vm.guest_metrics).filter((m): m is Ref<"VM_guest_metrics"> => m !== null) as string[]);
  const guestMetrics = decodeKept("VM_guest_metrics", metricsRaw!, (ref) => metricsRefs.has(ref));
  const view: XenPoolView = { srs, networks, vdis, vms, vbds, vifs, guestMetrics };
  const owned = ownedAddressesOf(stack, view);
  const pending = pendingImports(desired, new Set([owned.networks, owned.images, owned.vms, owned.templates].flatMap((m) => [...m.values()])));
  return pending.length === 0 ? view : { ...view, imports: await readImports(client, pending, view) };
}

/** The XenAPI class of each kind's objects. */
const CLASS_OF: Partial<Record<ResourceKind, "VM" | "VDI" | "network">> = { VirtualMachine: "VM", VmTemplate: "VM", Image: "VDI", VirtualNetwork: "network" };

function emptyRecords(): Omit<XenPoolView, "imports"> {
  return { srs: new Map(), networks: new Map(), vdis: new Map(), vms: new Map(), vbds: new Map(), vifs: new Map(), guestMetrics: new Map() };
}

/** `<cls>.get_record`, or undefined when the ref names no object of the class (HANDLE_INVALID). */
async function recordOrGone<C extends "SR" | "network" | "VDI" | "VM" | "VBD" | "VIF" | "VM_guest_metrics">(client: XenApiClient, cls: C, ref: string): Promise<XenRecords[C] | undefined> {
  if (!isRef(ref) || ref === NULL_REF) return undefined;
  try {
    return await client.getRecord(cls, ref as Ref<C>);
  } catch (error) {
    if (isXenApiError(error, "HANDLE_INVALID")) return undefined;
    throw error;
  }
}

/**
 * The ref an object id names in `cls`: an OpaqueRef as it is, a uuid (as `xe` shows objects) through
 * `<cls>.get_by_uuid`; undefined when no object of the class has that uuid (UUID_INVALID), a malformed
 * id included. `call` makes the read (the caller's retries, if any).
 */
export async function refOfId(call: (method: string, ...params: string[]) => Promise<WireValue>, cls: string, id: string): Promise<string | undefined> {
  if (id.startsWith("OpaqueRef:")) return id;
  try {
    const ref = await call(`${cls}.get_by_uuid`, id);
    if (!isRef(ref)) throw new XenProtocolError(`${cls}.get_by_uuid`, `expected a ${cls} ref, got ${describeValue(ref)}`, { className: cls });
    return ref;
  } catch (error) {
    if (isXenApiError(error, "UUID_INVALID", "HANDLE_INVALID")) return undefined;
    throw error;
  }
}

/**
 * Each object an `importId` names, read by its id alone: gone (no object of the kind's class, or a VM
 * that is not of the declared kind: a template, a snapshot, dom0), tagged (hyperplan's complete tag,
 * or the marker name of a clone a run left), or found, with the records its mapping needs that the
 * pool read did not keep: a VM's VBDs, their VDIs, its VIFs and guest metrics; an image's SR.
 */
async function readImports(client: XenApiClient, pending: PendingImport[], pool: XenPoolView): Promise<XenImportView> {
  const records = emptyRecords();
  const have = <K, V>(own: Map<K, V>, read: Map<K, V>, key: K) => own.has(key) || read.has(key);
  const readInto = async <C extends "SR" | "VDI" | "VBD" | "VIF" | "VM_guest_metrics">(cls: C, refs: readonly (string | null)[], own: Map<Ref<C>, XenRecords[C]>, into: Map<Ref<C>, XenRecords[C]>) => {
    const wanted = [...new Set(refs)].filter((r): r is Ref<C> => r !== null && !have(own, into, r as Ref<C>));
    const read = await Promise.all(wanted.map((ref) => recordOrGone(client, cls, ref)));
    wanted.forEach((ref, i) => {
      if (read[i] !== undefined) into.set(ref, read[i]!);
    });
  };
  const reads = await Promise.all(
    pending.map(async ({ address, kind, id }): Promise<XenImportRead> => {
      const gone = { address, kind, id, state: "gone" } as const;
      const cls = CLASS_OF[kind];
      if (cls === undefined) return gone;
      const ref = await refOfId((method, ...params) => client.call(method, ...params), cls, id);
      if (ref === undefined) return gone;
      const record = await recordOrGone(client, cls, ref);
      if (record === undefined) return gone;
      const tag = tagOf(record.other_config) ?? (cls === "VM" ? unfinishedTag((record as VmRecord).name_label) : undefined);
      if (tag) return { address, kind, id, state: "tagged", tag };
      if (cls === "VM") {
        const vm = record as VmRecord;
        if (vm.is_a_snapshot || vm.is_control_domain || vm.is_a_template !== (kind === "VmTemplate")) return gone;
        records.vms.set(ref as Ref<"VM">, vm);
        await Promise.all([
          kind === "VirtualMachine" ? readInto("VBD", vm.VBDs, pool.vbds, records.vbds) : undefined,
          readInto("VIF", vm.VIFs, pool.vifs, records.vifs),
          kind === "VirtualMachine" ? readInto("VM_guest_metrics", [vm.guest_metrics], pool.guestMetrics, records.guestMetrics) : undefined,
        ]);
        const disks = vm.VBDs.map((r) => pool.vbds.get(r) ?? records.vbds.get(r)).filter((v): v is VbdRecord => v !== undefined && v.type === "Disk");
        if (kind === "VirtualMachine") await readInto("VDI", disks.map((vbd) => vbd.VDI), pool.vdis, records.vdis);
      } else if (cls === "VDI") {
        const vdi = record as VdiRecord;
        records.vdis.set(ref as Ref<"VDI">, vdi);
        await readInto("SR", [vdi.SR], pool.srs, records.srs);
      } else {
        records.networks.set(ref as Ref<"network">, record as NetworkRecord);
      }
      return { address, kind, id, state: "found", ref };
    }),
  );
  return { reads, records };
}

const description = (text: string): { description?: string } => (text === "" ? {} : { description: text });

/** The addresses of the stack's objects, by ref, for each kind its tags name. */
interface OwnedAddresses {
  networks: Map<string, string>;
  images: Map<string, string>;
  vms: Map<string, string>;
  templates: Map<string, string>;
}

function ownedAddressesOf(stack: string, pool: XenPoolView): OwnedAddresses {
  const tagged = <R extends { other_config: Record<string, string> }>(records: Map<string, R>) =>
    [...records].map(([id, r]) => ({ id, tag: tagOf(r.other_config), ...(r.other_config[TAG_REPLACES] ? { replaces: r.other_config[TAG_REPLACES] } : {}) }));
  // A clone still under its marker name carries the tags its source had (a template of the stack):
  // it is only the unfinished clone the marker names, never that source.
  const machines = tagged(new Map([...pool.vms].filter(([, vm]) => !vm.is_a_snapshot && !vm.is_control_domain && unfinishedTag(vm.name_label) === undefined)));
  return {
    networks: ownedAddresses(stack, "VirtualNetwork", tagged(pool.networks)),
    images: ownedAddresses(stack, "Image", tagged(pool.vdis)),
    vms: ownedAddresses(stack, "VirtualMachine", machines),
    templates: ownedAddresses(stack, "VmTemplate", machines),
  };
}

/** The pool read and the records the import reads added (theirs win: they were read last). */
function withImportRecords(pool: XenPoolView, records: Omit<XenPoolView, "imports">): XenPoolView {
  const merge = <K, V>(a: Map<K, V>, b: Map<K, V>) => (b.size === 0 ? a : new Map([...a, ...b]));
  return {
    srs: merge(pool.srs, records.srs),
    networks: merge(pool.networks, records.networks),
    vdis: merge(pool.vdis, records.vdis),
    vms: merge(pool.vms, records.vms),
    vbds: merge(pool.vbds, records.vbds),
    vifs: merge(pool.vifs, records.vifs),
    guestMetrics: merge(pool.guestMetrics, records.guestMetrics),
  };
}

/** The address maps a kind's objects go in. */
const ADDRESSES_OF: Partial<Record<ResourceKind, keyof OwnedAddresses>> = { VirtualNetwork: "networks", Image: "images", VirtualMachine: "vms", VmTemplate: "templates" };

/**
 * The stack's objects in one read of the pool. Objects its `importId`s adopt are mapped with them (so
 * that references between them and the stack's objects read as addresses), as the stack's own at
 * their declarations' addresses, and reported apart (`imports`); the fingerprint covers them too.
 */
export function liveStateOf(stack: string, endpoint: string, pool: XenPoolView, desired?: DesiredState): LiveState {
  const owned = ownedAddressesOf(stack, pool);
  const found = (pool.imports?.reads ?? []).filter((r): r is Extract<XenImportRead, { state: "found" }> => r.state === "found");
  const view = pool.imports ? withImportRecords(pool, pool.imports.records) : pool;
  // References to an adopted object read as its declaration's address, as to the stack's own.
  const refs: OwnedAddresses = { networks: new Map(owned.networks), images: new Map(owned.images), vms: new Map(owned.vms), templates: new Map(owned.templates) };
  for (const { kind, ref, address } of found) {
    const map = refs[ADDRESSES_OF[kind]!];
    if (!map.has(ref)) map.set(ref, address);
  }

  const resources: LiveResource[] = [];
  for (const [id, address] of owned.networks) resources.push(networkResource(id, address, view.networks.get(id as Ref<"network">)!));
  for (const [id, address] of owned.images) resources.push(imageResource(id, address, view.vdis.get(id as Ref<"VDI">)!, view));
  for (const [id, address] of owned.vms) resources.push(vmResource(id, address, view.vms.get(id as Ref<"VM">)!, view, refs.networks, refs.images, refs.templates));
  for (const [id, address] of owned.templates) resources.push(templateResource(id, address, view.vms.get(id as Ref<"VM">)!, view, refs.networks));

  // Clones a run left before tagging them: listed under their leftover address, for deletion.
  for (const [id, vm] of pool.vms) {
    const marker = unfinishedTag(vm.name_label);
    if (!marker || marker.stack !== stack || (marker.kind !== "VirtualMachine" && marker.kind !== "VmTemplate")) continue;
    resources.push(unfinishedResource(id, marker.address, marker.kind, vm));
  }

  const foreign = foreignOf(stack, pool, desired);
  if (!pool.imports) return { stack, endpoint, resources, foreign, fingerprint: fingerprintLive(resources) };

  const adopted: LiveResource[] = [];
  const imports: ImportReading[] = pool.imports.reads.map((r): ImportReading => {
    if (r.state === "gone") return { address: r.address, id: r.id, state: "gone" };
    if (r.state === "tagged") return { address: r.address, id: r.id, state: "tagged", tag: r.tag };
    const live =
      r.kind === "VirtualNetwork"
        ? networkResource(r.ref, r.address, view.networks.get(r.ref as Ref<"network">)!)
        : r.kind === "Image"
          ? imageResource(r.ref, r.address, view.vdis.get(r.ref as Ref<"VDI">)!, view)
          : r.kind === "VmTemplate"
            ? templateResource(r.ref, r.address, view.vms.get(r.ref as Ref<"VM">)!, view, refs.networks)
            : vmResource(r.ref, r.address, view.vms.get(r.ref as Ref<"VM">)!, view, refs.networks, refs.images, refs.templates);
    adopted.push(live);
    return { address: r.address, id: r.id, state: "found", live };
  });
  // An object being adopted is no stranger bearing a declared name.
  const adopting = new Set(found.map((r) => r.ref));
  return {
    stack,
    endpoint,
    resources,
    foreign: foreign.filter((f) => !adopting.has(f.id)),
    imports,
    fingerprint: fingerprintLive([...resources, ...adopted]),
  };
}

function networkResource(id: string, address: string, net: NetworkRecord): LiveResource<"VirtualNetwork"> {
  const props: VirtualNetworkSpec = {
    ...description(net.name_description),
    attributes: attributesOf(net.other_config),
    bridge: net.bridge,
    mtu: net.MTU,
    addressRanges: [],
    dns: [],
  };
  return { address, kind: "VirtualNetwork", name: net.name_label, id, otherIds: [net.uuid], props, dependsOn: [], status: { state: "READY", healthy: true } };
}

function imageResource(id: string, address: string, vdi: VdiRecord, pool: XenPoolView): LiveResource<"Image"> {
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
  return {
    address,
    kind: "Image",
    name: vdi.name_label,
    id,
    otherIds: [vdi.uuid],
    props,
    dependsOn: [],
    status: missing ? { state: "MISSING", healthy: false, message: "xapi reports the VDI missing from its SR" } : { state: "READY", healthy: true },
    ...(sr ? { aliases: { datastore: [sr.name_label, sr.uuid] } } : {}),
  };
}

function templateResource(id: string, address: string, vm: VmRecord, pool: XenPoolView, networks: Map<string, string>): LiveResource<"VmTemplate"> {
  const nics = nicsOf(vm, pool, networks, false);
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
  return { address, kind: "VmTemplate", name: vm.name_label, id, otherIds: [vm.uuid], props, dependsOn, status: vm.is_a_template ? { state: "READY", healthy: true } : { state: "NOT_A_TEMPLATE", healthy: false, message: "made a VM by hand" } };
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
  return { address, kind: "VirtualMachine", name: vm.name_label, id, otherIds: [vm.uuid], props, dependsOn, status, ...(Object.keys(values).length > 0 ? { values } : {}) };
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
