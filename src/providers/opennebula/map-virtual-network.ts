/**
 * VirtualNetwork ↔ OpenNebula VNET. Allocate takes the template and a cluster id (-1: the default
 * cluster). oned writes VN_MAD, PHYDEV, BRIDGE, BRIDGE_TYPE and SECURITY_GROUPS back into TEMPLATE
 * and keeps the address ranges in AR_POOL.
 */
import type { AddressRangeSpec, VirtualNetworkSpec } from "../../resources/desired-state.js";
import { commonAttributes, nonEmpty, numberOf, rawOf, readCommon, single } from "./map-common.js";
import { ownershipAttributes, type OwnershipTag } from "./ownership.js";
import type { AddressRangeRecord, VnetRecord } from "./records.js";
import type { Template, TemplateVector } from "./template-syntax.js";

/** oned requires a driver; a declaration that leaves it to the backend gets the plain Linux bridge. */
export const DEFAULT_DRIVER = "bridge";

const KNOWN = new Set([
  "VN_MAD", "PHYDEV", "BRIDGE", "BRIDGE_TYPE", "SECURITY_GROUPS", "DNS", "GATEWAY", "NETWORK_MASK", "NETWORK_ADDRESS",
  "GUEST_MTU", "VLAN_ID", "OUTER_VLAN_ID", "AUTOMATIC_VLAN_ID", "AUTOMATIC_OUTER_VLAN_ID", "ERROR", "CLUSTER_IDS",
]);

/** One address range as oned's AR vector. */
export function addressRangeVector(ar: AddressRangeSpec): TemplateVector {
  const v: TemplateVector = {};
  switch (ar.type) {
    case "ipv4":
      v.TYPE = "IP4";
      v.IP = ar.start;
      break;
    case "ipv6":
      if (ar.start !== undefined) {
        v.TYPE = "IP6_STATIC";
        v.IP6 = ar.start;
        if (ar.prefixLength !== undefined) v.PREFIX_LENGTH = String(ar.prefixLength);
      } else {
        v.TYPE = "IP6";
        if (ar.globalPrefix !== undefined) v.GLOBAL_PREFIX = ar.globalPrefix;
        if (ar.ulaPrefix !== undefined) v.ULA_PREFIX = ar.ulaPrefix;
      }
      break;
    case "ethernet":
      v.TYPE = "ETHER";
      break;
  }
  v.SIZE = String(ar.size);
  if (ar.mac !== undefined) v.MAC = ar.mac;
  return v;
}

function networkAttributes(spec: VirtualNetworkSpec): Template {
  const t: Template = [{ name: "VN_MAD", value: spec.driver ?? DEFAULT_DRIVER }];
  if (spec.bridge !== undefined) t.push({ name: "BRIDGE", value: spec.bridge });
  if (spec.vlanId !== undefined) t.push({ name: "VLAN_ID", value: String(spec.vlanId) });
  if (spec.physicalDevice !== undefined) t.push({ name: "PHYDEV", value: spec.physicalDevice });
  if (spec.mtu !== undefined) t.push({ name: "GUEST_MTU", value: String(spec.mtu) });
  if (spec.dns.length > 0) t.push({ name: "DNS", value: spec.dns.join(" ") });
  if (spec.gateway !== undefined) t.push({ name: "GATEWAY", value: spec.gateway });
  if (spec.networkMask !== undefined) t.push({ name: "NETWORK_MASK", value: spec.networkMask });
  if (spec.networkAddress !== undefined) t.push({ name: "NETWORK_ADDRESS", value: spec.networkAddress });
  t.push(...commonAttributes(spec), ...rawOf(spec.raw));
  return t;
}

/** The allocate template: the network's attributes and its address ranges. */
export function networkToTemplate(name: string, spec: VirtualNetworkSpec, tag?: OwnershipTag): Template {
  const t: Template = [{ name: "NAME", value: name }, ...networkAttributes(spec)];
  for (const ar of spec.addressRanges) t.push({ name: "AR", value: addressRangeVector(ar) });
  if (tag) t.push(...ownershipAttributes(tag));
  return t;
}

/** What `one.vn.update` (replace) sends: the attributes without the address ranges, tags kept. */
export function networkUpdateTemplate(spec: VirtualNetworkSpec, tag: OwnershipTag): Template {
  return [...networkAttributes(spec), ...ownershipAttributes(tag)];
}

function addressRangeSpec(ar: AddressRangeRecord): AddressRangeSpec {
  const mac = nonEmpty(ar.mac);
  const withMac = <T extends AddressRangeSpec>(spec: T): T => (mac !== undefined ? { ...spec, mac } : spec);
  switch (ar.type.toUpperCase()) {
    case "IP4":
    case "IP4_6":
      return withMac({ type: "ipv4", start: ar.ip ?? "", size: ar.size });
    case "IP6":
    case "IP6_STATIC": {
      const spec: AddressRangeSpec = { type: "ipv6", size: ar.size };
      if (ar.globalPrefix) spec.globalPrefix = ar.globalPrefix;
      if (ar.ulaPrefix) spec.ulaPrefix = ar.ulaPrefix;
      const ip6 = nonEmpty(ar.attributes.IP6);
      if (ip6 !== undefined) spec.start = ip6;
      const prefix = numberOf(ar.attributes.PREFIX_LENGTH);
      if (prefix !== undefined) spec.prefixLength = prefix;
      return withMac(spec);
    }
    default:
      return withMac({ type: "ethernet", size: ar.size });
  }
}

export function networkToSpec(record: VnetRecord, declared: VirtualNetworkSpec | undefined): VirtualNetworkSpec {
  const common = readCommon(record.template, KNOWN, declared?.raw);
  const spec: VirtualNetworkSpec = {
    ...common,
    driver: record.vnMad,
    addressRanges: record.addressRanges.map(addressRangeSpec),
    dns: (single(record.template, "DNS") ?? "").split(/\s+/).filter((s) => s !== ""),
  };
  const bridge = nonEmpty(record.bridge);
  if (bridge !== undefined) spec.bridge = bridge;
  const vlan = numberOf(record.vlanId);
  if (vlan !== undefined) spec.vlanId = vlan;
  const phydev = nonEmpty(record.phydev);
  if (phydev !== undefined) spec.physicalDevice = phydev;
  const mtu = numberOf(single(record.template, "GUEST_MTU"));
  if (mtu !== undefined) spec.mtu = mtu;
  const gateway = nonEmpty(single(record.template, "GATEWAY"));
  if (gateway !== undefined) spec.gateway = gateway;
  const mask = nonEmpty(single(record.template, "NETWORK_MASK"));
  if (mask !== undefined) spec.networkMask = mask;
  const address = nonEmpty(single(record.template, "NETWORK_ADDRESS"));
  if (address !== undefined) spec.networkAddress = address;
  return spec;
}
