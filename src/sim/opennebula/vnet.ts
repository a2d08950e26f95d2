/**
 * Virtual networks (`src/vnm/VirtualNetwork.cc`, vnet.xsd): allocate → LOCK_CREATE while the
 * network driver runs → READY (or ERROR); address ranges and their leases; one.vn.info shows the
 * extended body with LEASES, one.vnpool.info the stored body without them (FACTS §4); delete
 * refused while leases are in use, otherwise LOCK_DELETE until the driver is done.
 */
import {
  allocatedString,
  arSize,
  buildAddressRange,
  inheritedAttributes,
  leaseAddresses,
  releaseLeases,
  takeLease,
} from "./address-range.js";
import {
  mustAuthorized,
  applyRename,
  both,
  type MethodTable,
  must,
  nameError,
  ownerFields,
  ownerFilter,
  ownerMethods,
  parseTemplateParam,
  reader,
  readWindow,
  updatedTemplate,
  writer,
} from "./context.js";
import { ErrorCode, OneFailure, actionError, allocateError, deleteError, notFound } from "./failure.js";
import { logTime } from "./image.js";
import { AuthOp, type AuthOpLevel } from "./lock-check.js";
import { lockMethods } from "./locks.js";
import type { Pool } from "./pool.js";
import type { AddressRange, OwnedRecord, VnetRecord } from "./records.js";
import { tGet, tRemove, tSet, tVectors, type Template, type TemplateVector } from "./template-ops.js";
import { cdata, defaultPermissions, el, escapedDoc, escapedPool, escapePiece, idsXml, lockXml, permissionsXml, templateXml, vectorBody } from "./xml.js";
import type { SimEvent, World } from "./world.js";

export const VnetState = {
  INIT: 0,
  READY: 1,
  LOCK_CREATE: 2,
  LOCK_DELETE: 3,
  DONE: 4,
  ERROR: 5,
  UPDATE_FAILURE: 6,
} as const;

// vnet.xsd AR child order (stored part); computed children follow.
const AR_ORDER = ["AR_ID", "CVLANS", "GLOBAL_PREFIX", "IP", "MAC", "NEXT_INDEX", "PARENT_NETWORK_AR_ID", "SHARED", "SIZE", "TYPE", "VLAN_ID", "ULA_PREFIX", "VN_MAD"];
const POOL_AR_ORDER = ["ALLOCATED", ...AR_ORDER];

const OVS_DRIVERS = new Set(["ovswitch", "ovswitch_vxlan"]);

function usedLeases(vn: VnetRecord): number {
  return vn.ars.reduce((n, ar) => n + ar.leases.length, 0);
}

function storedAr(ar: AddressRange, withAllocated: boolean): TemplateVector {
  const v: TemplateVector = { ...ar.attrs, NEXT_INDEX: String(ar.nextIndex) };
  if (withAllocated && ar.leases.length > 0) v.ALLOCATED = allocatedString(ar);
  return v;
}

function arXml(ar: AddressRange, extended: boolean): string {
  if (!extended) return `<AR>${vectorBody(storedAr(ar, true), POOL_AR_ORDER)}</AR>`;
  const size = arSize(ar);
  const first = leaseAddresses(ar, 0);
  const last = leaseAddresses(ar, Math.max(0, size - 1));
  let computed = `<MAC_END>${cdata(last.MAC ?? "")}</MAC_END>`;
  if (first.IP !== undefined) computed += `<IP_END>${cdata(last.IP ?? "")}</IP_END>`;
  if (first.IP6_ULA !== undefined) computed += `<IP6_ULA>${cdata(first.IP6_ULA)}</IP6_ULA><IP6_ULA_END>${cdata(last.IP6_ULA ?? "")}</IP6_ULA_END>`;
  if (first.IP6_GLOBAL !== undefined) {
    computed += `<IP6_GLOBAL>${cdata(first.IP6_GLOBAL)}</IP6_GLOBAL><IP6_GLOBAL_END>${cdata(last.IP6_GLOBAL ?? "")}</IP6_GLOBAL_END>`;
  }
  let leases = "";
  for (const l of ar.leases) {
    const a = leaseAddresses(ar, l.index);
    leases += "<LEASE>";
    if (a.IP !== undefined) leases += `<IP>${cdata(a.IP)}</IP>`;
    if (a.IP6_GLOBAL !== undefined) leases += `<IP6_GLOBAL>${cdata(a.IP6_GLOBAL)}</IP6_GLOBAL>`;
    if (a.IP6_ULA !== undefined) leases += `<IP6_ULA>${cdata(a.IP6_ULA)}</IP6_ULA>`;
    leases += `<MAC>${cdata(a.MAC ?? "")}</MAC><VM>${cdata(String(l.vm))}</VM></LEASE>`;
  }
  return `<AR>${vectorBody(storedAr(ar, false), AR_ORDER)}${computed}<USED_LEASES>${ar.leases.length}</USED_LEASES>${leases === "" ? "<LEASES/>" : `<LEASES>${leases}</LEASES>`}</AR>`;
}

export function vnetXml(vn: VnetRecord, extended: boolean): string {
  const vlan = vn.vlanId === null ? "" : el("VLAN_ID", vn.vlanId);
  const outer = vn.outerVlanId === null ? "" : el("OUTER_VLAN_ID", vn.outerVlanId);
  return (
    `<VNET>${el("ID", vn.id)}${el("UID", vn.uid)}${el("GID", vn.gid)}${el("UNAME", vn.uname)}${el("GNAME", vn.gname)}` +
    `${el("NAME", vn.name)}${lockXml(vn.lock)}${permissionsXml(vn.perms)}${idsXml("CLUSTERS", vn.clusters)}` +
    `${el("BRIDGE", vn.bridge)}${el("BRIDGE_TYPE", vn.bridgeType)}${el("STATE", vn.state)}${el("PREV_STATE", vn.prevState)}` +
    `<PARENT_NETWORK_ID/>${el("TEMPLATE_ID", -1)}${el("VN_MAD", vn.vnMad)}${el("PHYDEV", vn.phydev)}${vlan}${outer}` +
    `${el("VLAN_ID_AUTOMATIC", vn.vlanIdAutomatic ? 1 : 0)}${el("OUTER_VLAN_ID_AUTOMATIC", 0)}${el("USED_LEASES", usedLeases(vn))}` +
    `<VROUTERS/><UPDATED_VMS/><OUTDATED_VMS/><UPDATING_VMS/><ERROR_VMS/>${templateXml(vn.template, "TEMPLATE")}` +
    `<AR_POOL>${vn.ars.map((ar) => arXml(ar, extended)).join("")}</AR_POOL></VNET>`
  );
}

function piece(world: World, vn: VnetRecord): string {
  return world.vnets.cached(vn.id, "pool", () => escapePiece(vnetXml(vn, false)));
}

function setState(world: World, vn: VnetRecord, state: number): void {
  if (vn.state !== state) {
    vn.prevState = vn.state;
    vn.state = state;
  }
  world.vnets.touch(vn.id);
}

export function vnetStep(world: World, ev: SimEvent): void {
  const vn = world.vnets.get(ev.id);
  if (!vn || vn.op !== ev.op) return;
  if (ev.step === "created") {
    const failure = world.faults.failureFor("vnet", vn.name);
    if (failure) {
      vn.template = tSet(vn.template, "ERROR", `${logTime(world.nowSec())}: Error creating virtual network: ${failure.message ?? "driver action failed"}`);
      setState(world, vn, VnetState.ERROR);
    } else {
      setState(world, vn, VnetState.READY);
    }
  } else if (ev.step === "deleted") {
    world.vnets.remove(vn.id);
    for (const c of vn.clusters) world.clusters.touch(c);
  }
  world.changed();
}

// ------------------------------------------------------------------ leases for VMs

export interface NicLease {
  vnet: VnetRecord;
  ar: AddressRange;
  index: number;
}

/** Resolves a NIC's network by NETWORK_ID, or by NETWORK name (owner NETWORK_UID/NETWORK_UNAME or the caller). */
export function findNicNetwork(world: World, nic: TemplateVector): { vnet: VnetRecord } | { error: string } | null {
  if (nic.NETWORK_ID !== undefined && nic.NETWORK_ID !== "") {
    const id = Number(nic.NETWORK_ID);
    const vn = Number.isInteger(id) ? world.vnets.get(id) : undefined;
    return vn ? { vnet: vn } : { error: `Virtual network with ID: ${nic.NETWORK_ID} does not exist` };
  }
  if (nic.NETWORK !== undefined && nic.NETWORK !== "") {
    let uid = 0;
    if (nic.NETWORK_UID !== undefined && nic.NETWORK_UID !== "") uid = Number(nic.NETWORK_UID);
    else if (nic.NETWORK_UNAME !== undefined && nic.NETWORK_UNAME !== "") {
      uid = nic.NETWORK_UNAME === world.userName ? 0 : nic.NETWORK_UNAME === "serveradmin" ? 1 : -1;
    }
    const vn = uid >= 0 ? world.vnets.findByName(nic.NETWORK, uid) : undefined;
    return vn
      ? { vnet: vn }
      : { error: `User ${uid >= 0 ? uid : 0} does not own a network with name: ${nic.NETWORK} . Set NETWORK_UNAME or NETWORK_UID of owner in NIC.` };
  }
  return null;
}

/** Takes a lease for a VM NIC (`VirtualNetwork::nic_attribute`); returns the lease or oned's error. */
export function leaseForNic(world: World, vn: VnetRecord, vmId: number, nic: TemplateVector): NicLease | string {
  const want: { ip?: string; mac?: string } = {};
  if (nic.IP !== undefined && nic.IP !== "") want.ip = nic.IP;
  else if (nic.MAC !== undefined && nic.MAC !== "") want.mac = nic.MAC;
  const arFilter = nic.AR_ID !== undefined && nic.AR_ID !== "" ? Number(nic.AR_ID) : null;
  for (const ar of vn.ars) {
    if (arFilter !== null && ar.id !== arFilter) continue;
    const got = takeLease(ar, vmId, want);
    if (typeof got === "string") return got;
    if (got !== null) {
      world.vnets.touch(vn.id);
      return { vnet: vn, ar, index: got };
    }
  }
  return `Cannot get IP/MAC lease from virtual network ${vn.id}.`;
}

export function releaseNicLease(world: World, vnetId: number, arId: number, vmId: number, ip?: string, mac?: string): void {
  const vn = world.vnets.get(vnetId);
  const ar = vn?.ars.find((a) => a.id === arId);
  if (!vn || !ar) return;
  let index: number | undefined;
  for (const l of ar.leases) {
    if (l.vm !== vmId) continue;
    const a = leaseAddresses(ar, l.index);
    if ((ip === undefined || a.IP === ip) && (mac === undefined || a.MAC === mac)) {
      index = l.index;
      break;
    }
  }
  if (releaseLeases(ar, vmId, index)) world.vnets.touch(vn.id);
}

// VNET attributes oned copies into NICs (oned.conf INHERIT_VNET_ATTR defaults).
const INHERITED_VNET_ATTRS = [
  "VLAN_TAGGED_ID",
  "FILTER_IP_SPOOFING",
  "FILTER_MAC_SPOOFING",
  "MTU",
  "INBOUND_AVG_BW",
  "INBOUND_PEAK_BW",
  "INBOUND_PEAK_KB",
  "OUTBOUND_AVG_BW",
  "OUTBOUND_PEAK_BW",
  "OUTBOUND_PEAK_KB",
];

/** The NIC a VM gets from its lease: the user's NIC plus the network's and the lease's attributes. */
export function nicAttributes(world: World, lease: NicLease, nic: TemplateVector, vmId: number, nicId: number): TemplateVector {
  const { vnet, ar, index } = lease;
  const out: TemplateVector = { ...nic };
  delete out.NETWORK_UID;
  for (const k of INHERITED_VNET_ATTRS) {
    const v = tGet(vnet.template, k);
    if (v !== undefined && out[k] === undefined) out[k] = v;
  }
  Object.assign(out, inheritedAttributes(ar));
  Object.assign(out, leaseAddresses(ar, index));
  out.AR_ID = String(ar.id);
  out.BRIDGE = vnet.bridge;
  out.BRIDGE_TYPE = vnet.bridgeType;
  out.CLUSTER_ID = vnet.clusters.join(",");
  out.NETWORK = vnet.name;
  out.NETWORK_ID = String(vnet.id);
  out.NETWORK_UNAME = vnet.uname;
  out.NIC_ID = String(nicId);
  if (out.NAME === undefined) out.NAME = `NIC${nicId}`;
  const sgs = new Set((tGet(vnet.template, "SECURITY_GROUPS") ?? "0").split(",").map((s) => s.trim()).filter((s) => s !== ""));
  for (const s of (nic.SECURITY_GROUPS ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "")) sgs.add(s);
  out.SECURITY_GROUPS = [...sgs].sort((a, b) => Number(a) - Number(b)).join(",");
  out.TARGET = `one-${vmId}-${nicId}`;
  out.VN_MAD = vnet.vnMad;
  if (vnet.phydev !== "") out.PHYDEV = vnet.phydev;
  if (vnet.vlanId !== null) out.VLAN_ID = vnet.vlanId;
  return out;
}

// ------------------------------------------------------------------ methods

const uniqueNames = (world: World) => world.vnets as unknown as Pool<OwnedRecord>;

/** `VirtualNetwork::parse_bridge_type`: the bridge type a driver implies unless BRIDGE_TYPE says otherwise. */
function bridgeTypeFor(vnMad: string): string {
  if (OVS_DRIVERS.has(vnMad)) return "openvswitch";
  if (vnMad === "vcenter") return "vcenter_port_groups";
  return "linux";
}

/** `VirtualNetwork::parse_phydev_vlans`: what each driver requires. */
function driverError(vnMad: string, phydev: string, bridge: string, vlan: string, autoVlan: boolean, outer: string, autoOuter: boolean): string | null {
  const needs = {
    bridge: vnMad === "dummy",
    phydev: vnMad === "vxlan" || vnMad === "802.1Q",
    vlan: vnMad === "vxlan" || vnMad === "802.1Q",
    outer: vnMad === "ovswitch_vxlan",
  };
  if (needs.phydev && phydev === "") return `PHYDEV is mandatory for driver ${vnMad}`;
  if (needs.bridge && bridge === "") return `BRIDGE is mandatory for driver ${vnMad}`;
  if (needs.vlan && !autoVlan && vlan === "") return `VLAN_ID (or AUTOMATIC_VLAN_ID) is mandatory for driver ${vnMad}`;
  if (needs.outer && !autoOuter && outer === "") return `OUTER_VLAN_ID (or AUTOMATIC) is mandatory for driver ${vnMad}`;
  return null;
}

/** Automatic VLAN ids (`VirtualNetworkPool::set_8021Q_id`, `set_vxlan_id`) from oned.conf's defaults (START = 2). */
function automaticVlan(vnMad: string, id: number): string | null {
  if (vnMad === "vxlan") return String(2 + id);
  if (vnMad === "802.1Q" || vnMad === "ovswitch" || vnMad === "ovswitch_vxlan" || vnMad === "vcenter") return String(2 + (id % (4095 - 2)));
  return null;
}

/** `VirtualNetwork::insert`: NAME, VN_MAD, PHYDEV, BRIDGE, BRIDGE_TYPE, VLAN ids and SECURITY_GROUPS (0 always added). */
function allocate(world: World, text: string, clusterId: number): number {
  const t = parseTemplateParam(text);
  const cluster = clusterId === -1 ? 0 : clusterId;
  if (!world.clusters.has(cluster)) throw notFound("cluster", cluster);
  const id = world.vnets.nextId;
  const prefix = tGet(t, "TEMPLATE_NAME") ?? "";
  let name = tGet(t, "NAME") ?? "";
  if (name === "" && prefix === "") throw allocateError("vnet", "No NAME in template for Virtual Network.");
  if (name === "") name = `${prefix}-${id}`;
  const invalid = nameError(name);
  if (invalid) throw allocateError("vnet", invalid);
  const vnMad = tGet(t, "VN_MAD") ?? "";
  if (vnMad === "") throw allocateError("vnet", "No VN_MAD in template for Virtual Network.");
  const phydev = tGet(t, "PHYDEV") ?? "";
  let vlan = tGet(t, "VLAN_ID") ?? "";
  const autoVlan = (tGet(t, "AUTOMATIC_VLAN_ID") ?? "").toUpperCase() === "YES";
  let outer = tGet(t, "OUTER_VLAN_ID") ?? "";
  const autoOuter = (tGet(t, "AUTOMATIC_OUTER_VLAN_ID") ?? "").toUpperCase() === "YES";
  const driverProblem = driverError(vnMad, phydev, tGet(t, "BRIDGE") ?? "", vlan, autoVlan, outer, autoOuter);
  if (driverProblem) throw allocateError("vnet", driverProblem);
  const clash = world.vnets.findByName(name, 0);
  if (clash) throw allocateError("vnet", `NAME is already taken by NET ${clash.id}.`);
  if (t.some((a) => a.name === "AR" && typeof a.value === "string")) throw allocateError("vnet", "Wrong AR definition. AR must be a vector attribute.");
  const ars: AddressRange[] = [];
  for (const v of tVectors(t, "AR")) {
    const built = buildAddressRange(ars.length, v, world.random);
    if (typeof built === "string") throw allocateError("vnet", built);
    ars.push(built);
  }
  const sgs = new Set((tGet(t, "SECURITY_GROUPS") ?? "").split(",").map((s) => s.trim()).filter((s) => s !== ""));
  sgs.add("0");
  for (const s of sgs) {
    if (!world.secgroups.has(Number(s))) throw allocateError("vnet", `Security group ${s} does not exist.`);
  }
  let vlanAutomatic = false;
  if (vlan === "" && autoVlan) {
    vlan = automaticVlan(vnMad, id) ?? "";
    vlanAutomatic = vlan !== "";
  }
  if (outer === "" && autoOuter && vnMad === "ovswitch_vxlan") outer = String(2 + id);
  const bridgeType = tGet(t, "BRIDGE_TYPE") || bridgeTypeFor(vnMad);
  const bridge = tGet(t, "BRIDGE") || (bridgeType === "none" ? "" : vlan !== "" ? `onebr.${vlan}` : `onebr${id}`);
  let stored: Template = t.filter((a) => !["NAME", "TEMPLATE_NAME", "AR", "AUTOMATIC_VLAN_ID", "AUTOMATIC_OUTER_VLAN_ID"].includes(a.name));
  stored = tSet(stored, "VN_MAD", vnMad);
  stored = tSet(stored, "PHYDEV", phydev);
  stored = tSet(stored, "BRIDGE_TYPE", bridgeType);
  stored = tSet(stored, "BRIDGE", bridge);
  stored = tSet(stored, "SECURITY_GROUPS", [...sgs].sort((a, b) => Number(a) - Number(b)).join(","));
  if (vlanAutomatic) stored = tRemove(stored, "VLAN_ID");
  world.vnets.allocateId();
  const vn: VnetRecord = {
    id,
    ...ownerFields(world),
    name,
    perms: defaultPermissions(),
    lock: null,
    clusters: [cluster],
    bridge,
    bridgeType,
    state: VnetState.LOCK_CREATE,
    prevState: VnetState.INIT,
    vnMad,
    phydev,
    vlanId: vlan === "" ? null : vlan,
    outerVlanId: outer === "" ? null : outer,
    vlanIdAutomatic: vlanAutomatic,
    template: stored,
    ars,
    nextArId: ars.length,
    op: 0,
  };
  world.vnets.insert(vn);
  world.clusters.touch(cluster);
  world.schedule("vnet", id, vn.op, "created", world.delays.vnetCreateMs);
  return id;
}

function arFrom(p: string): TemplateVector {
  const t = parseTemplateParam(p);
  const ars = tVectors(t, "AR");
  if (ars.length !== 1) throw new OneFailure(ErrorCode.INTERNAL, "Wrong definition for AddressRange. There must be exactly one AR vector attribute.");
  return ars[0] as TemplateVector;
}

/**
 * The network a call acts on, checked against its lock: MANAGE by default (`VirtualNetworkAPI`'s
 * `auth_op`), ADMIN for add_ar and rm_ar (`VirtualNetworkAPI::add_ar`, `VirtualNetworkRmARAPI`,
 * `src/rm/api/VirtualNetworkAPI.{h,cc}`).
 */
function mustVnet(world: World, id: number, op: AuthOpLevel): VnetRecord {
  return mustAuthorized(world.vnets, "vnet", id, op);
}

export const vnetMethods: MethodTable = {
  ...ownerMethods("vn", "vnet", (world) => world.vnets, uniqueNames),
  ...lockMethods("vn", "vnet", (world) => world.vnets),
  "one.vn.allocate": writer(({ world }, p) => {
    const text = p.str(1);
    const cluster = p.int(2);
    return allocate(world, text, cluster);
  }),
  "one.vn.delete": writer(({ world }, p) => {
    const vn = mustVnet(world, p.int(1), AuthOp.MANAGE);
    if (usedLeases(vn) > 0) throw deleteError("vnet", "Can not remove a virtual network with leases in use", vn.id);
    vn.op++;
    setState(world, vn, VnetState.LOCK_DELETE);
    world.schedule("vnet", vn.id, vn.op, "deleted", world.delays.vnetDeleteMs);
    return vn.id;
  }),
  "one.vn.info": reader(({ world }, p) => {
    const vn = must(world.vnets, "vnet", p.int(1));
    p.optBool(2, false);
    return escapedDoc(vnetXml(vn, true));
  }),
  "one.vn.update": writer(({ world }, p) => {
    const vn = mustVnet(world, p.int(1), AuthOp.MANAGE);
    let t = updatedTemplate(vn.template, p.str(2), p.optInt(3, 0));
    t = tRemove(t, "AR");
    const sgs = new Set((tGet(t, "SECURITY_GROUPS") ?? "").split(",").map((s) => s.trim()).filter((s) => s !== ""));
    for (const s of sgs) {
      if (!world.secgroups.has(Number(s))) throw new OneFailure(ErrorCode.INTERNAL, `Security group ${s} does not exist.`, vn.id);
    }
    // `VirtualNetwork::post_update_template`: the driver attributes are kept from the network
    // unless the update gives new ones, and written back to the template.
    const bridge = tGet(t, "BRIDGE");
    if (bridge) vn.bridge = bridge;
    const bridgeType = tGet(t, "BRIDGE_TYPE");
    if (bridgeType) vn.bridgeType = bridgeType;
    const vnMad = tGet(t, "VN_MAD");
    if (vnMad) vn.vnMad = vnMad;
    const phydev = tGet(t, "PHYDEV");
    if (phydev !== undefined) vn.phydev = phydev;
    const vlan = tGet(t, "VLAN_ID");
    if (vlan !== undefined && !vn.vlanIdAutomatic) vn.vlanId = vlan === "" ? null : vlan;
    let updated = tRemove(tRemove(t, "AUTOMATIC_VLAN_ID"), "AUTOMATIC_OUTER_VLAN_ID");
    updated = tSet(updated, "VN_MAD", vn.vnMad);
    updated = tSet(updated, "PHYDEV", vn.phydev);
    updated = tSet(updated, "BRIDGE", vn.bridge);
    updated = tSet(updated, "BRIDGE_TYPE", vn.bridgeType);
    if (vn.vlanIdAutomatic) updated = tRemove(updated, "VLAN_ID");
    vn.template = updated;
    world.vnets.touch(vn.id);
    return vn.id;
  }),
  "one.vn.add_ar": writer(({ world }, p) => {
    const vn = mustVnet(world, p.int(1), AuthOp.ADMIN);
    const built = buildAddressRange(vn.nextArId, arFrom(p.str(2)), world.random);
    if (typeof built === "string") throw new OneFailure(ErrorCode.ACTION, built, vn.id);
    vn.nextArId++;
    vn.ars = [...vn.ars, built];
    world.vnets.touch(vn.id);
    return vn.id;
  }),
  "one.vn.rm_ar": writer(({ world }, p) => {
    const vn = mustVnet(world, p.int(1), AuthOp.ADMIN);
    const arId = p.int(2);
    const force = p.optBool(3, false);
    const ar = vn.ars.find((a) => a.id === arId);
    if (!ar) throw actionError(`Address Range ${arId} does not exist`, vn.id);
    if (ar.leases.length > 0 && !force) throw actionError(`Address Range ${arId} has leases in use`, vn.id);
    vn.ars = vn.ars.filter((a) => a.id !== arId);
    world.vnets.touch(vn.id);
    return vn.id;
  }),
  "one.vn.update_ar": writer(({ world }, p) => {
    const vn = mustVnet(world, p.int(1), AuthOp.MANAGE);
    const update = arFrom(p.str(2));
    const arId = Number(update.AR_ID);
    const ar = vn.ars.find((a) => a.id === arId);
    if (update.AR_ID === undefined || !ar) throw actionError(`Address Range ${update.AR_ID ?? ""} does not exist`, vn.id);
    const attrs: TemplateVector = { ...ar.attrs };
    for (const [k, v] of Object.entries(update)) {
      if (k === "AR_ID" || k === "TYPE" || k === "IP" || k === "MAC" || k === "GLOBAL_PREFIX" || k === "ULA_PREFIX") continue;
      attrs[k] = v;
    }
    const size = Number(attrs.SIZE);
    const maxIndex = ar.leases.reduce((m, l) => Math.max(m, l.index), -1);
    if (!Number.isInteger(size) || size <= 0 || size <= maxIndex) {
      throw new OneFailure(ErrorCode.INTERNAL, "New SIZE cannot be smaller than the used leases of the address range", vn.id);
    }
    ar.attrs = attrs;
    world.vnets.touch(vn.id);
    return vn.id;
  }),
  "one.vn.rename": writer(({ world }, p) => {
    const vn = must(world.vnets, "vnet", p.int(1));
    if (applyRename(vn, p.str(2), "vnet", uniqueNames(world))) world.vnets.touch(vn.id);
    return vn.id;
  }),
  "one.vn.recover": writer(({ world }, p) => {
    const vn = mustVnet(world, p.int(1), AuthOp.MANAGE);
    const op = p.int(2);
    const stuck = vn.state === VnetState.LOCK_CREATE || vn.state === VnetState.LOCK_DELETE || vn.state === VnetState.ERROR || vn.state === VnetState.UPDATE_FAILURE;
    if (!stuck) throw actionError("Could not perform 'recover' on virtual network, wrong state", vn.id);
    vn.op++;
    switch (op) {
      case 0:
        setState(world, vn, VnetState.ERROR);
        break;
      case 1:
        if (vn.state === VnetState.LOCK_DELETE) {
          world.vnets.remove(vn.id);
          for (const c of vn.clusters) world.clusters.touch(c);
        } else {
          vn.template = tRemove(vn.template, "ERROR");
          setState(world, vn, VnetState.READY);
        }
        break;
      case 2:
        setState(world, vn, VnetState.LOCK_CREATE);
        world.schedule("vnet", vn.id, vn.op, "created", world.delays.vnetCreateMs);
        break;
      case 3:
        if (usedLeases(vn) > 0) throw actionError("Can not remove a virtual network with leases in use", vn.id);
        world.vnets.remove(vn.id);
        for (const c of vn.clusters) world.clusters.touch(c);
        break;
      default:
        throw new OneFailure(ErrorCode.RPC_API, "Wrong recover operation code", vn.id);
    }
    return vn.id;
  }),
  "one.vnpool.info": reader(({ world }, p) => {
    const accept = both(ownerFilter<VnetRecord>(p.int(1)), null);
    const rows = world.vnets.select(readWindow(p), accept);
    return escapedPool("VNET_POOL", rows.map((vn) => piece(world, vn)));
  }),
};
