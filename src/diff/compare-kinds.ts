/**
 * Per-kind comparison: which fields each kind has, what their absence means, how they normalise.
 * The result is the list of raw differences of one resource; `diff-stack.ts` classifies them.
 */
import { parseIpv4, parseIpv6 } from "../resources/ip-address.js";
import type { ResourceKind } from "../resources/desired-state.js";
import { assertNever } from "../errors.js";
import { matchElements } from "./collections.js";
import { DiffCollector, type CompareEnv, type RawDiff } from "./compare.js";
import type { FieldSpec } from "./fields.js";
import { compareMachine } from "./compare-machine.js";
import { joinIndex } from "./rules.js";
import { NORMALISERS, asArray, asRecord, canonicalLower, canonicalNumber, displayText, isPlainObject, refAddress } from "./values.js";

const DESCRIPTION: FieldSpec = { key: "description", type: "text", absent: "none" };

/** The raw differences between a declaration (a VM's already merged with its template) and a live object. */
export function compareResource(
  env: CompareEnv,
  kind: ResourceKind,
  desired: { name: string; props: Record<string, unknown> },
  live: { name: unknown; props: unknown },
): RawDiff[] {
  const c = new DiffCollector(env);
  const d = desired.props;
  const l = env.mode === "create" ? {} : asRecord(live.props);
  c.scalar("name", desired.name, live.name, { type: "text", absent: "none" });
  switch (kind) {
    case "Image":
      c.fields("", d, l, env.fields.image);
      break;
    case "VirtualNetwork":
      c.fields("", d, l, env.fields.network);
      compareAddressRanges(c, asArray(d.addressRanges), asArray(l.addressRanges));
      c.list("dns", d.dns, l.dns, NORMALISERS.lower);
      break;
    case "SecurityGroup":
      compareRules(c, asArray(d.rules), asArray(l.rules));
      break;
    case "VmTemplate":
      compareMachine(c, d, l);
      break;
    case "VirtualMachine":
      // Not the template a VM came from: a VM keeps its own copy of the template's attributes, so it is
      // compared with its template folded in, attribute by attribute. A template deleted by hand and made
      // again (a new id) changes nothing; another template changes the attributes that differ.
      compareMachine(c, d, l);
      c.set("labels", d.labels, l.labels, NORMALISERS.text);
      c.fields("", d, l, env.fields.virtualMachine);
      break;
    default:
      assertNever(kind, "resource kind");
  }
  c.scalar("description", d.description, l.description, DESCRIPTION);
  c.map("attributes", d.attributes, l.attributes);
  c.raw(d.raw, l.raw);
  return c.diffs;
}

// ---------------------------------------------------------------------------------------------
// Address ranges

function rangeIdentity(range: unknown): string {
  const r = asRecord(range);
  const anchor = r.start ?? r.globalPrefix ?? r.ulaPrefix ?? r.mac ?? "";
  return `${String(canonicalLower(r.type))}:${String(canonicalLower(anchor))}`;
}

function rangeLines(c: DiffCollector, base: string, desired: unknown, live: unknown): DiffCollector {
  const scratch = c.scratch();
  scratch.fields(base, asRecord(desired), asRecord(live), c.env.fields.addressRange);
  return scratch;
}

function compareAddressRanges(c: DiffCollector, desired: unknown[], live: unknown[]): void {
  if (c.env.mode === "create") {
    desired.forEach((r, i) => c.line(joinIndex("addressRanges", i), undefined, r));
    return;
  }
  const matching = matchElements(desired, live, {
    same: (d, l) => rangeLines(c, "addressRanges[0]", d, l).diffs.length === 0,
    identity: rangeIdentity,
  });
  for (const [d, l] of matching.pairs) {
    const scratch = rangeLines(c, joinIndex("addressRanges", d), desired[d], live[l]);
    const changedKeys = scratch.diffs.map((x) => x.path.slice(x.path.lastIndexOf(".") + 1));
    for (const diff of scratch.diffs) c.diffs.push({ ...diff, element: { before: live[l], after: desired[d], changedKeys, liveIndex: l } });
  }
  for (const d of matching.added) c.line(joinIndex("addressRanges", d), undefined, desired[d]);
  for (const l of matching.removed) c.line(joinIndex("addressRanges", l), live[l], undefined);
}

// ---------------------------------------------------------------------------------------------
// Security group rules: a set (the backend applies every rule; their order means nothing)

/**
 * A rule's canonical key. Ports are merged and sorted again (a backend may list `22,23` where the
 * declaration merged `22-23`); an IPv4 or IPv6 CIDR block is the same peer as the address range it
 * spans (backends store a first address and a size). The declared side marks a peer network that this
 * plan renews, so a rule pointing at a replaced network differs.
 */
function ruleKey(rule: unknown, env: CompareEnv, declared: boolean): string {
  const r = asRecord(rule);
  const protocol = canonicalLower(r.protocol);
  const ports = mergePorts(asArray(r.ports));
  const network = refAddress(r.network);
  return JSON.stringify({
    protocol,
    direction: canonicalLower(r.direction),
    ports: ports.length === 0 ? undefined : ports,
    icmpType: canonicalNumber(r.icmpType),
    peer: peerKey(r),
    network: network === undefined ? undefined : declared && env.renewed(network) ? `${network}#renewed` : network,
  });
}

function mergePorts(ports: unknown[]): string[] {
  const ranges = ports
    .map((p) => {
      if (typeof p === "number" || typeof p === "string") {
        const n = Number(p);
        return Number.isFinite(n) ? { from: n, to: n } : undefined;
      }
      const r = asRecord(p);
      const from = Number(r.from);
      const to = Number(r.to ?? r.from);
      return Number.isFinite(from) && Number.isFinite(to) ? { from: Math.min(from, to), to: Math.max(from, to) } : undefined;
    })
    .filter((r): r is { from: number; to: number } => r !== undefined)
    .sort((a, b) => a.from - b.from || a.to - b.to);
  const merged: { from: number; to: number }[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else merged.push({ ...r });
  }
  return merged.map((r) => `${r.from}-${r.to}`);
}

function peerKey(rule: Record<string, unknown>): string | undefined {
  if (typeof rule.cidr === "string") {
    const slash = rule.cidr.indexOf("/");
    const address = slash < 0 ? rule.cidr : rule.cidr.slice(0, slash);
    const length = slash < 0 ? NaN : Number(rule.cidr.slice(slash + 1));
    const v4 = parseIpv4(address);
    if (v4 !== undefined && Number.isInteger(length) && length >= 0 && length <= 32) return `4:${v4}:${2 ** (32 - length)}`;
    const v6 = parseIpv6(address);
    if (v6 !== undefined && Number.isInteger(length) && length >= 0 && length <= 128) return `6:${v6}:${1n << BigInt(128 - length)}`;
    return `cidr:${rule.cidr.toLowerCase()}`;
  }
  if (isPlainObject(rule.addressRange)) {
    const start = displayText(rule.addressRange.start ?? "");
    const size = String(canonicalNumber(rule.addressRange.size));
    const v4 = parseIpv4(start);
    if (v4 !== undefined) return `4:${v4}:${size}`;
    const v6 = parseIpv6(start);
    if (v6 !== undefined) return `6:${v6}:${size}`;
    return `range:${start.toLowerCase()}:${size}`;
  }
  return undefined;
}

function compareRules(c: DiffCollector, desired: unknown[], live: unknown[]): void {
  if (c.env.mode === "create") {
    desired.forEach((r, i) => c.line(joinIndex("rules", i), undefined, r));
    return;
  }
  const liveKeys = live.map((r) => ruleKey(r, c.env, false));
  const matching = matchElements(
    desired.map((r) => ruleKey(r, c.env, true)),
    liveKeys,
    { same: (d, l) => d === l, identity: () => undefined },
  );
  const liveNetworks = new Set(live.map((r) => refAddress(asRecord(r).network)));
  for (const l of matching.removed) c.line(joinIndex("rules", l), live[l], undefined);
  for (const d of matching.added) {
    const network = refAddress(asRecord(desired[d]).network);
    c.line(joinIndex("rules", d), undefined, desired[d], network !== undefined && c.env.renewed(network) && liveNetworks.has(network) ? { renewed: [network] } : {});
  }
}
