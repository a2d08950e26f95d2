/**
 * Security groups (`src/secgroup/SecurityGroup.cc`, security_group.xsd): no STATE; RULE vectors
 * validated at allocate and update; the VMs using a group listed in UPDATED_VMS, with rule
 * changes pushed to those VMs' SECURITY_GROUP_RULE at once. Group 0 "default" (all traffic in
 * and out) exists from the start and cannot be deleted.
 */
import {
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
import { ErrorCode, OneFailure, allocateError, deleteError } from "./failure.js";
import type { OwnedRecord, SecGroupRecord, VmRecord } from "./records.js";
import { tGet, tRemove, tVectors, type Template, type TemplateAttribute } from "./template-ops.js";
import { defaultPermissions, el, escapedDoc, escapedPool, escapePiece, idsXml, permissionsXml, templateXml } from "./xml.js";
import { lowerBound, sortedInsert, sortedRemove, type Pool } from "./pool.js";
import type { World } from "./world.js";

const PROTOCOLS = new Set(["TCP", "UDP", "ICMP", "ICMPV6", "IPSEC", "ALL"]);

/** `SecurityGroup::isValidRule`: the checks a RULE must pass; returns the error or null. */
export function ruleError(rule: Record<string, string>): string | null {
  const protocol = (rule.PROTOCOL ?? "").toUpperCase();
  if (!PROTOCOLS.has(protocol)) {
    return `Invalid PROTOCOL ${rule.PROTOCOL ?? ""} - only TCP, UDP, ICMP, ICMPv6, IPsec or ALL are supported.`;
  }
  const type = (rule.RULE_TYPE ?? "").toUpperCase();
  if (type !== "INBOUND" && type !== "OUTBOUND") {
    return `Invalid RULE_TYPE ${rule.RULE_TYPE ?? ""} - only INBOUND or OUTBOUND are supported.`;
  }
  const range = rule.RANGE;
  if (range !== undefined && range !== "") {
    if (protocol !== "TCP" && protocol !== "UDP") return "RANGE is only supported for protocols TCP and UDP.";
    if (!/^\d+(:\d+)?(,\d+(:\d+)?)*$/.test(range.replace(/\s+/g, ""))) return `Invalid RANGE ${range}.`;
  }
  const icmp = rule.ICMP_TYPE;
  if (icmp !== undefined && icmp !== "" && protocol !== "ICMP") return "ICMP_TYPE is only supported for protocol ICMP.";
  const network = rule.NETWORK_ID;
  if (network !== undefined && network !== "" && !/^\d+$/.test(network)) return `Invalid NETWORK_ID ${network}.`;
  const ip = rule.IP;
  const size = rule.SIZE;
  if ((ip !== undefined && ip !== "") !== (size !== undefined && size !== "")) return "IP and SIZE must be set together.";
  return null;
}

function checkRules(t: Template): string | null {
  for (const a of t) {
    if (a.name !== "RULE") continue;
    if (typeof a.value === "string") return "RULE must be a vector attribute.";
    const err = ruleError(a.value);
    if (err) return err;
  }
  return null;
}

export function seedDefaultSecurityGroup(world: World): void {
  const id = world.secgroups.allocateId();
  world.secgroups.insert({
    id,
    ...ownerFields(world),
    name: "default",
    perms: defaultPermissions(),
    lock: null,
    template: [
      { name: "DESCRIPTION", value: "The default security group is added to every network. Use it to add default filter rules for your networks. You may remove this security group from any network by updating its properties." },
      { name: "RULE", value: { PROTOCOL: "ALL", RULE_TYPE: "OUTBOUND" } },
      { name: "RULE", value: { PROTOCOL: "ALL", RULE_TYPE: "INBOUND" } },
    ],
    vms: [],
  });
}

function secgroupXml(sg: SecGroupRecord): string {
  return (
    `<SECURITY_GROUP>${el("ID", sg.id)}${el("UID", sg.uid)}${el("GID", sg.gid)}${el("UNAME", sg.uname)}${el("GNAME", sg.gname)}` +
    `${el("NAME", sg.name)}${permissionsXml(sg.perms)}${idsXml("UPDATED_VMS", sg.vms)}<OUTDATED_VMS/><UPDATING_VMS/><ERROR_VMS/>` +
    `${templateXml(sg.template, "TEMPLATE")}</SECURITY_GROUP>`
  );
}

function piece(world: World, sg: SecGroupRecord): string {
  return world.secgroups.cached(sg.id, "doc", () => escapePiece(secgroupXml(sg)));
}

/** The SECURITY_GROUP_RULE entries a VM gets for the groups its NICs use (VM/TEMPLATE). */
export function securityGroupRules(world: World, sgIds: readonly number[]): TemplateAttribute[] {
  const out: TemplateAttribute[] = [];
  for (const id of [...new Set(sgIds)].sort((a, b) => a - b)) {
    const sg = world.secgroups.get(id);
    if (!sg) continue;
    for (const rule of tVectors(sg.template, "RULE")) {
      out.push({ name: "SECURITY_GROUP_RULE", value: { ...rule, SECURITY_GROUP_ID: String(sg.id), SECURITY_GROUP_NAME: sg.name } });
    }
  }
  return out;
}

/** Security group ids named by a VM's NICs. */
export function vmSecurityGroups(vm: VmRecord): number[] {
  const ids: number[] = [];
  for (const nic of [...tVectors(vm.template, "NIC"), ...tVectors(vm.template, "NIC_ALIAS")]) {
    for (const s of (nic.SECURITY_GROUPS ?? "").split(",")) {
      const n = Number(s.trim());
      if (s.trim() !== "" && Number.isInteger(n)) ids.push(n);
    }
  }
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** Rewrites a VM's SECURITY_GROUP_RULE list and the groups' UPDATED_VMS after its NICs changed. */
export function syncVmSecurityGroups(world: World, vm: VmRecord, releasing = false): void {
  const wanted = releasing ? [] : vmSecurityGroups(vm);
  for (const sg of world.secgroups.values()) {
    const at = lowerBound(sg.vms, vm.id);
    const has = sg.vms[at] === vm.id;
    const should = wanted.includes(sg.id);
    if (has !== should) {
      if (should) sortedInsert(sg.vms, vm.id);
      else sortedRemove(sg.vms, vm.id);
      world.secgroups.touch(sg.id);
    }
  }
  if (!releasing) {
    const rules = securityGroupRules(world, wanted);
    vm.template = [...tRemove(vm.template, "SECURITY_GROUP_RULE"), ...rules];
    world.vms.touch(vm.id);
  }
}

function propagate(world: World, sg: SecGroupRecord): void {
  for (const vmId of sg.vms) {
    const vm = world.vms.get(vmId);
    if (vm) syncVmSecurityGroups(world, vm);
  }
}

const uniqueNames = (world: World) => world.secgroups as unknown as Pool<OwnedRecord>;

export const secgroupMethods: MethodTable = {
  ...ownerMethods("secgroup", "secgroup", (world) => world.secgroups, uniqueNames),
  "one.secgroup.allocate": writer(({ world }, p) => {
    const t = parseTemplateParam(p.str(1));
    const name = tGet(t, "NAME") ?? "";
    const invalid = nameError(name);
    if (invalid) throw allocateError("secgroup", invalid);
    const clash = world.secgroups.findByName(name, 0);
    if (clash) throw allocateError("secgroup", `NAME is already taken by SECGROUP ${clash.id}.`);
    const err = checkRules(t);
    if (err) throw allocateError("secgroup", err);
    const id = world.secgroups.allocateId();
    world.secgroups.insert({ id, ...ownerFields(world), name, perms: defaultPermissions(), lock: null, template: tRemove(t, "NAME"), vms: [] });
    return id;
  }),
  "one.secgroup.delete": writer(({ world }, p) => {
    const sg = must(world.secgroups, "secgroup", p.int(1));
    if (sg.id === 0) throw deleteError("secgroup", "The default security group (ID 0) cannot be deleted.", sg.id);
    if (sg.vms.length > 0) throw deleteError("secgroup", "The security group has VMs using it", sg.id);
    world.secgroups.remove(sg.id);
    return sg.id;
  }),
  "one.secgroup.info": reader(({ world }, p) => escapedDoc(secgroupXml(must(world.secgroups, "secgroup", p.int(1))))),
  "one.secgroup.update": writer(({ world }, p) => {
    const sg = must(world.secgroups, "secgroup", p.int(1));
    const t = tRemove(updatedTemplate(sg.template, p.str(2), p.optInt(3, 0)), "NAME");
    const err = checkRules(t);
    if (err) throw new OneFailure(ErrorCode.INTERNAL, err, sg.id);
    sg.template = t;
    world.secgroups.touch(sg.id);
    propagate(world, sg);
    return sg.id;
  }),
  "one.secgroup.rename": writer(({ world }, p) => {
    const sg = must(world.secgroups, "secgroup", p.int(1));
    if (applyRename(sg, p.str(2), "secgroup", uniqueNames(world))) {
      world.secgroups.touch(sg.id);
      propagate(world, sg);
    }
    return sg.id;
  }),
  "one.secgroup.commit": writer(({ world }, p) => {
    const sg = must(world.secgroups, "secgroup", p.int(1));
    p.optBool(2, false);
    propagate(world, sg);
    return sg.id;
  }),
  "one.secgrouppool.info": reader(({ world }, p) => {
    const accept = both(ownerFilter<SecGroupRecord>(p.int(1)), null);
    const rows = world.secgroups.select(readWindow(p), accept);
    return escapedPool("SECURITY_GROUP_POOL", rows.map((sg) => piece(world, sg)));
  }),
};
