/**
 * SecurityGroup: firewall rules applied to the NICs that name the group.
 */
import type { IConstruct } from "constructs";
import type { PortRangeSpec, RuleDirection, RuleProtocol, SecurityGroupRuleSpec, SecurityGroupSpec } from "./desired-state.js";
import { parseCidr, parseIpv4, parseIpv6 } from "./ip-address.js";
import type { CheckContext, KindDefinition, PropsInput } from "./kind-definition.js";
import { Resource, copyProps, type ResourceProps } from "./resource.js";
import { arrayOf, enumOf, integer, kindSchema, nonEmptyString, object, ref } from "./schema-parts.js";
import type { VirtualNetwork } from "./virtual-network.js";

export const RULE_PROTOCOLS: readonly RuleProtocol[] = ["tcp", "udp", "icmp", "icmpv6", "ipsec", "all"];
export const RULE_DIRECTIONS: readonly RuleDirection[] = ["inbound", "outbound"];

/** An inclusive range of ports. */
export interface PortRange {
  /** First port, 1 to 65535. */
  from: number;
  /** Last port, 1 to 65535, at least `from`. */
  to: number;
}

export interface SecurityGroupRule {
  /** Traffic the rule matches; `all` matches every protocol. */
  protocol: RuleProtocol;
  /** `inbound`: traffic to the VM; `outbound`: traffic from it. */
  direction: RuleDirection;
  /**
   * Ports (tcp and udp only): single ports and ranges, `[22, { from: 8000, to: 8099 }]`.
   * @default every port
   */
  ports?: (number | PortRange)[];
  /**
   * ICMP type (icmp and icmpv6 only), 0 to 255.
   * @default every type
   */
  icmpType?: number;
  /**
   * Peer addresses as a CIDR block (`10.0.0.0/24`, `2001:db8::/64`). At most one of `cidr`,
   * `addressRange` and `network`.
   * @default any address
   */
  cidr?: string;
  /**
   * Peer addresses as a first IPv4/IPv6 address and a count.
   * @default any address
   */
  addressRange?: { start: string; size: number };
  /**
   * Peer addresses: every lease of a network of this stack.
   * @default any address
   */
  network?: VirtualNetwork;
}

export interface SecurityGroupProps extends ResourceProps {
  /**
   * Rules, in order. A group with no rule lets nothing through in the directions it governs.
   * @default no rule: add some with `addRule`
   */
  rules?: SecurityGroupRule[];
}

type Input = PropsInput<SecurityGroupProps>;
type RuleInput = PropsInput<SecurityGroupRule>;

const port = () => integer(1, 65535);

const ruleSchema = object(
  {
    protocol: enumOf(RULE_PROTOCOLS),
    direction: enumOf(RULE_DIRECTIONS),
    ports: arrayOf(
      {
        anyOf: [port(), object({ from: port(), to: port() }, ["from", "to"])],
        expected: "a port (1 to 65535) or { from, to }",
      },
      { minItems: 1 },
    ),
    icmpType: integer(0, 255),
    cidr: nonEmptyString("a CIDR block (10.0.0.0/24)", 49),
    addressRange: object({ start: nonEmptyString("an IP address", 45), size: integer(1, 2 ** 32, "addresses") }, ["start", "size"]),
    network: ref("a VirtualNetwork"),
  },
  ["protocol", "direction"],
);

const schema = kindSchema({ rules: arrayOf(ruleSchema) });

function portRange(p: number | { from: number; to: number }): PortRangeSpec {
  return typeof p === "number" ? { from: p, to: p } : { from: p.from, to: p.to };
}

function check(input: Input, ctx: CheckContext): void {
  (input.rules ?? []).forEach((rule, i) => checkRule(rule, `rules[${i}]`, ctx));
}

function checkRule(rule: RuleInput, at: string, ctx: CheckContext): void {
  if (rule.ports !== undefined && rule.protocol !== "tcp" && rule.protocol !== "udp") {
    ctx.report(`${at}.ports`, `apply to tcp and udp only, not ${rule.protocol}`);
  }
  (rule.ports ?? []).forEach((p, j) => {
    const r = portRange(p);
    if (r.from > r.to) ctx.report(`${at}.ports[${j}]`, `from must be <= to, got ${r.from} > ${r.to}`);
  });
  if (rule.icmpType !== undefined && rule.protocol !== "icmp" && rule.protocol !== "icmpv6") {
    ctx.report(`${at}.icmpType`, `applies to icmp and icmpv6 only, not ${rule.protocol}`);
  }
  const peers = (["cidr", "addressRange", "network"] as const).filter((k) => rule[k] !== undefined);
  if (peers.length > 1) ctx.report(at, `give at most one of cidr, addressRange and network, got ${peers.join(" and ")}`);
  if (rule.cidr !== undefined) {
    const cidr = parseCidr(rule.cidr);
    if (typeof cidr === "string") ctx.report(`${at}.cidr`, `${cidr}, got ${JSON.stringify(rule.cidr)}`);
    else if (!cidr.aligned) ctx.report(`${at}.cidr`, `has bits set after the /${cidr.prefixLength} prefix: ${rule.cidr} is not the start of its block`);
  }
  if (rule.addressRange !== undefined) {
    const { start, size } = rule.addressRange;
    const v4 = parseIpv4(start);
    if (v4 !== undefined) {
      if (v4 + size > 2 ** 32) ctx.report(`${at}.addressRange.size`, `runs past 255.255.255.255: ${start} has room for ${2 ** 32 - v4} addresses, got ${size}`);
    } else if (parseIpv6(start) === undefined) {
      ctx.report(`${at}.addressRange.start`, `must be an IPv4 or IPv6 address, got ${JSON.stringify(start)}`);
    }
  }
}

/** Sorted, with overlapping and adjacent ranges merged: `[80, 22, {from: 23, to: 25}]` → 22-25, 80. */
function normalisePorts(ports: (number | { from: number; to: number })[]): PortRangeSpec[] {
  const sorted = ports.map(portRange).sort((a, b) => a.from - b.from || a.to - b.to);
  const merged: PortRangeSpec[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else merged.push({ ...r });
  }
  return merged;
}

function normaliseRule(rule: RuleInput): SecurityGroupRuleSpec {
  return {
    protocol: rule.protocol,
    direction: rule.direction,
    ...(rule.ports !== undefined ? { ports: normalisePorts(rule.ports) } : {}),
    ...(rule.icmpType !== undefined ? { icmpType: rule.icmpType } : {}),
    ...(rule.cidr !== undefined ? { cidr: rule.cidr.toLowerCase() } : {}),
    ...(rule.addressRange !== undefined ? { addressRange: { start: rule.addressRange.start.toLowerCase(), size: rule.addressRange.size } } : {}),
    ...(rule.network !== undefined ? { network: { ref: rule.network.ref } } : {}),
  };
}

function normalise(input: Input): SecurityGroupSpec {
  return {
    ...(input.description !== undefined ? { description: input.description } : {}),
    rules: (input.rules ?? []).map(normaliseRule),
    attributes: { ...(input.attributes ?? {}) },
    ...(input.raw !== undefined ? { raw: input.raw } : {}),
  };
}

export const securityGroupDefinition: KindDefinition<Input, SecurityGroupSpec> = {
  kind: "SecurityGroup",
  schema,
  attributes: ["id"],
  secretPaths: [],
  check,
  normalise,
};

/**
 * A security group.
 *
 * ```ts
 * const web = new SecurityGroup(stack, "web", {
 *   rules: [
 *     { protocol: "tcp", direction: "inbound", ports: [80, 443] },
 *     { protocol: "all", direction: "outbound" },
 *   ],
 * });
 * ```
 */
export class SecurityGroup extends Resource<SecurityGroupProps> {
  readonly kind = "SecurityGroup" as const;
  /** @internal */
  readonly definition = securityGroupDefinition as KindDefinition<never, unknown>;

  constructor(scope: IConstruct, id: string, props: SecurityGroupProps = {}) {
    super(scope, id, copyProps(props));
  }

  /** Appends a rule. */
  addRule(rule: SecurityGroupRule): this {
    this.appendTo("rules", rule);
    return this;
  }
}
