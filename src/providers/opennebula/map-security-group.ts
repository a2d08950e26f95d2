/**
 * SecurityGroup ↔ OpenNebula SECURITY_GROUP: rules are RULE vectors (PROTOCOL, RULE_TYPE, RANGE
 * `22,80:81`, ICMP_TYPE, IP + SIZE, NETWORK_ID).
 */
import type { SecurityGroupRuleSpec, SecurityGroupSpec } from "../../resources/desired-state.js";
import { formatIpv4, parseCidr, parseIpv4 } from "../../resources/ip-address.js";
import { commonAttributes, numberOf, rawOf, readCommon, type IdOf, type RefMap } from "./map-common.js";
import { ownershipAttributes, type OwnershipTag } from "./ownership.js";
import type { SecurityGroupRecord } from "./records.js";
import type { Template, TemplateVector } from "./template-syntax.js";

const PROTOCOLS: Record<SecurityGroupRuleSpec["protocol"], string> = { tcp: "TCP", udp: "UDP", icmp: "ICMP", icmpv6: "ICMPv6", ipsec: "IPSEC", all: "ALL" };
const KNOWN = new Set(["RULE", "ERROR"]);

function ruleVector(rule: SecurityGroupRuleSpec, idOf: IdOf): TemplateVector {
  const v: TemplateVector = { PROTOCOL: PROTOCOLS[rule.protocol], RULE_TYPE: rule.direction };
  if (rule.ports !== undefined) v.RANGE = rule.ports.map((p) => (p.from === p.to ? String(p.from) : `${p.from}:${p.to}`)).join(",");
  if (rule.icmpType !== undefined) v.ICMP_TYPE = String(rule.icmpType);
  if (rule.cidr !== undefined) {
    const cidr = parseCidr(rule.cidr);
    const slash = rule.cidr.indexOf("/");
    const start = parseIpv4(rule.cidr.slice(0, slash));
    if (typeof cidr !== "string" && cidr.family === 4 && start !== undefined) {
      const size = 2 ** (32 - cidr.prefixLength);
      v.IP = formatIpv4(start - (start % size));
      v.SIZE = String(size);
    } else {
      // OpenNebula rules carry IPv6 peers as a first address and a count too; a /64 and wider do not
      // fit a count, so the block's first address with the largest count oned takes is used.
      v.IP = rule.cidr.slice(0, slash);
      v.SIZE = typeof cidr !== "string" ? String(2 ** Math.min(32, 128 - cidr.prefixLength)) : "1";
    }
  }
  if (rule.addressRange !== undefined) {
    v.IP = rule.addressRange.start;
    v.SIZE = String(rule.addressRange.size);
  }
  if (rule.network !== undefined) v.NETWORK_ID = String(idOf(rule.network.ref));
  return v;
}

export function securityGroupToTemplate(name: string | undefined, spec: SecurityGroupSpec, idOf: IdOf, tag?: OwnershipTag): Template {
  const t: Template = name === undefined ? [] : [{ name: "NAME", value: name }];
  t.push(...commonAttributes(spec));
  for (const rule of spec.rules) t.push({ name: "RULE", value: ruleVector(rule, idOf) });
  t.push(...rawOf(spec.raw));
  if (tag) t.push(...ownershipAttributes(tag));
  return t;
}

function parsePorts(range: string): { from: number; to: number }[] {
  return range
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      const [a, b] = part.split(":");
      const from = Number(a);
      return { from, to: b === undefined ? from : Number(b) };
    });
}

function ruleSpec(rule: Record<string, string>, refs: RefMap): SecurityGroupRuleSpec {
  const protocol = (rule.PROTOCOL ?? "ALL").toLowerCase() as SecurityGroupRuleSpec["protocol"];
  const spec: SecurityGroupRuleSpec = { protocol, direction: (rule.RULE_TYPE ?? "inbound").toLowerCase() as SecurityGroupRuleSpec["direction"] };
  if (rule.RANGE) spec.ports = parsePorts(rule.RANGE);
  const icmp = numberOf(rule.ICMP_TYPE);
  if (icmp !== undefined) spec.icmpType = icmp;
  const size = numberOf(rule.SIZE);
  if (rule.IP && size !== undefined) spec.addressRange = { start: rule.IP, size };
  const network = refs.ref("VirtualNetwork", rule.NETWORK_ID);
  if (network) spec.network = network;
  return spec;
}

export function securityGroupToSpec(record: SecurityGroupRecord, declared: SecurityGroupSpec | undefined, refs: RefMap): SecurityGroupSpec {
  return { ...readCommon(record.template, KNOWN, declared?.raw), rules: record.rules.map((r) => ruleSpec(r, refs)) };
}
