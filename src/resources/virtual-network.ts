/**
 * VirtualNetwork: a network VMs plug their NICs into, with the address ranges their leases come from.
 */
import type { IConstruct } from "constructs";
import type { AddressRangeSpec, VirtualNetworkSpec } from "./desired-state.js";
import { formatIpv4, maskPrefixLength, parseIpv4, parseIpv6 } from "./ip-address.js";
import type { CheckContext, KindDefinition, PropsInput } from "./kind-definition.js";
import { Resource, copyProps, type ResourceProps } from "./resource.js";
import {
  arrayOf,
  enumOf,
  integer,
  ipv4,
  kindSchema,
  mac,
  nonEmptyString,
  object,
  string,
} from "./schema-parts.js";

/** Network drivers on the hosts; the listed ones are common, any other name is passed through. */
export type NetworkDriver = "bridge" | "802.1Q" | "vxlan" | "ovswitch" | "ovswitch_vxlan" | "fw" | "dummy" | (string & {});

/** An IPv4 address range: `size` consecutive addresses from `start`. */
export interface Ipv4RangeProps {
  /** An IPv4 range. */
  type: "ipv4";
  /** First IPv4 address of the range (`10.0.0.10`). */
  start: string;
  /** Number of addresses in the range, at least 1. */
  size: number;
  /**
   * First MAC address of the range.
   * @default derived by the backend from the IP addresses
   */
  mac?: string;
}

/**
 * An IPv6 address range. Either autoconfigured addresses under `globalPrefix` and/or `ulaPrefix`
 * (each a /64 prefix), or static addresses from `start` with `prefixLength`.
 */
export interface Ipv6RangeProps {
  /** An IPv6 range. */
  type: "ipv6";
  /** Number of leases in the range, at least 1. */
  size: number;
  /**
   * Global unicast /64 prefix (`2001:db8:1:2::`).
   * @default no global addresses
   */
  globalPrefix?: string;
  /**
   * Unique local /64 prefix, inside fd00::/8 (`fd00:1:2:3::`).
   * @default no unique local addresses
   */
  ulaPrefix?: string;
  /**
   * First static IPv6 address; requires `prefixLength` and excludes the prefixes.
   * @default autoconfigured addresses under the prefixes
   */
  start?: string;
  /**
   * Prefix length of the static addresses, 1 to 128.
   * @default none; required with `start`
   */
  prefixLength?: number;
  /**
   * First MAC address of the range.
   * @default chosen by the backend
   */
  mac?: string;
}

/** A range of MAC addresses only: the guests configure their IP addresses themselves. */
export interface EthernetRangeProps {
  /** A range of MAC addresses only. */
  type: "ethernet";
  /** Number of MAC addresses in the range, at least 1. */
  size: number;
  /**
   * First MAC address of the range.
   * @default chosen by the backend
   */
  mac?: string;
}

export type AddressRangeProps = Ipv4RangeProps | Ipv6RangeProps | EthernetRangeProps;

export interface VirtualNetworkProps extends ResourceProps {
  /**
   * Name of the bridge on the hosts the guests' interfaces are plugged into (at most 15 characters,
   * the Linux interface name limit).
   * @default chosen by the backend from the network id
   */
  bridge?: string;
  /**
   * Network driver on the hosts.
   * @default the backend's default driver (a plain Linux bridge on OpenNebula)
   */
  driver?: NetworkDriver;
  /**
   * VLAN id for `802.1Q`/`ovswitch` (1 to 4094), or VXLAN network identifier for `vxlan`
   * (1 to 16777215).
   * @default chosen by the backend when the driver needs one
   */
  vlanId?: number;
  /**
   * Host interface the VLAN or VXLAN is built on (`eth1`). Required by `802.1Q` and `vxlan`.
   * @default none
   */
  physicalDevice?: string;
  /**
   * MTU of the guests' interfaces, in bytes (68 to 65535).
   * @default the backend's (usually 1500)
   */
  mtu?: number;
  /**
   * Address ranges the leases are drawn from, in order.
   * @default no range: add some with `addAddressRange` or the network has no lease to give
   */
  addressRanges?: AddressRangeProps[];
  /**
   * DNS servers (IPv4 or IPv6) handed to the guests, in order of preference.
   * @default none
   */
  dns?: string[];
  /**
   * Default IPv4 gateway handed to the guests.
   * @default none
   */
  gateway?: string;
  /**
   * IPv4 network mask, dotted (`255.255.255.0`).
   * @default none
   */
  networkMask?: string;
  /**
   * IPv4 network address (`10.0.0.0`). With `networkMask`, the gateway and IPv4 ranges are checked
   * to lie inside the network.
   * @default none
   */
  networkAddress?: string;
}

type Input = PropsInput<VirtualNetworkProps>;

const addressRangeSchema = {
  ...object(
    {
      type: enumOf(["ipv4", "ipv6", "ethernet"]),
      start: nonEmptyString("an IP address", 45),
      size: integer(1, 2 ** 24, "addresses"),
      mac: mac(),
      globalPrefix: nonEmptyString("an IPv6 /64 prefix", 45),
      ulaPrefix: nonEmptyString("an IPv6 /64 prefix", 45),
      prefixLength: integer(1, 128),
    },
    ["type", "size"],
  ),
  // In the schema rather than in check(): a bad start is then reported together with the other
  // schema problems of the range instead of after they are fixed.
  if: { properties: { type: { const: "ipv4" } }, required: ["type"] },
  then: { required: ["start"], properties: { start: ipv4() } },
};

const schema = kindSchema({
  bridge: string("a bridge name of 1 to 15 letters, digits, \"-\", \"_\" or \".\"", { pattern: "^[A-Za-z0-9_.-]{1,15}$" }),
  driver: string("a driver name (bridge, 802.1Q, vxlan, ovswitch, …)", { pattern: "^[A-Za-z0-9_.-]{1,64}$" }),
  vlanId: integer(1, 16777215),
  physicalDevice: string("a host interface name of 1 to 15 characters", { pattern: "^[A-Za-z0-9_.@:-]{1,15}$" }),
  mtu: integer(68, 65535, "bytes"),
  addressRanges: arrayOf(addressRangeSchema),
  dns: arrayOf(nonEmptyString("an IPv4 or IPv6 address", 45)),
  gateway: ipv4(),
  networkMask: { ...ipv4(), expected: "a dotted network mask (255.255.255.0)" },
  networkAddress: ipv4(),
});

function check(input: Input, ctx: CheckContext): void {
  (input.dns ?? []).forEach((server, i) => {
    if (parseIpv4(server) === undefined && parseIpv6(server) === undefined) {
      ctx.report(`dns[${i}]`, `must be an IPv4 or IPv6 address, got ${JSON.stringify(server)}`);
    }
  });

  let network: { base: number; size: number; text: string } | undefined;
  if (input.networkMask !== undefined) {
    const length = maskPrefixLength(input.networkMask);
    if (length === undefined) ctx.report("networkMask", `must be a contiguous mask (255.255.255.0), got ${JSON.stringify(input.networkMask)}`);
    else if (input.networkAddress !== undefined) {
      const base = parseIpv4(input.networkAddress)!;
      const size = 2 ** (32 - length);
      if (base % size !== 0) {
        ctx.report("networkAddress", `must be the first address of its /${length} network (${formatIpv4(base - (base % size))}), got ${input.networkAddress}`);
      } else network = { base, size, text: `${input.networkAddress}/${length}` };
    }
  }
  if (network && input.gateway !== undefined) {
    const gw = parseIpv4(input.gateway)!;
    if (gw < network.base || gw >= network.base + network.size) ctx.report("gateway", `${input.gateway} is outside the network ${network.text}`);
  }

  const ipv4Spans: { from: number; to: number; index: number }[] = [];
  (input.addressRanges ?? []).forEach((range, i) => {
    const at = `addressRanges[${i}]`;
    const span = checkAddressRange(range as RangeInput, at, ctx);
    if (!span) return;
    if (network && (span.from < network.base || span.to >= network.base + network.size)) {
      ctx.report(at, `${formatIpv4(span.from)} to ${formatIpv4(span.to)} is outside the network ${network.text}`);
    }
    for (const other of ipv4Spans) {
      if (span.from <= other.to && other.from <= span.to) {
        ctx.report(at, `overlaps addressRanges[${other.index}] (${formatIpv4(Math.max(span.from, other.from))} is in both)`, "conflict");
      }
    }
    ipv4Spans.push({ ...span, index: i });
  });
}

type RangeInput = { type: string; start?: string; size: number; mac?: string; globalPrefix?: string; ulaPrefix?: string; prefixLength?: number };

const RANGE_FIELDS: Record<string, readonly string[]> = {
  ipv4: ["type", "start", "size", "mac"],
  ipv6: ["type", "start", "size", "mac", "globalPrefix", "ulaPrefix", "prefixLength"],
  ethernet: ["type", "size", "mac"],
};

/** Checks one range; returns its IPv4 span for the overlap and network checks. */
function checkAddressRange(range: RangeInput, at: string, ctx: CheckContext): { from: number; to: number } | undefined {
  const allowed = RANGE_FIELDS[range.type]!;
  for (const key of Object.keys(range)) {
    if (!allowed.includes(key)) ctx.report(`${at}.${key}`, `does not apply to ${range.type} ranges`);
  }
  if (range.type === "ipv4") {
    const start = parseIpv4(range.start!)!;
    const last = start + range.size - 1;
    if (last > 2 ** 32 - 1) {
      ctx.report(`${at}.size`, `runs past 255.255.255.255: ${range.start} has room for ${2 ** 32 - start} addresses, got ${range.size}`);
      return undefined;
    }
    return { from: start, to: last };
  }
  if (range.type === "ipv6") {
    const isStatic = range.start !== undefined || range.prefixLength !== undefined;
    const hasPrefix = range.globalPrefix !== undefined || range.ulaPrefix !== undefined;
    if (isStatic && hasPrefix) ctx.report(at, "give either start with prefixLength (static addresses) or globalPrefix/ulaPrefix (autoconfigured), not both");
    if (isStatic) {
      if (range.start === undefined) ctx.report(`${at}.start`, "is required with prefixLength");
      else if (parseIpv6(range.start) === undefined) ctx.report(`${at}.start`, `must be an IPv6 address (2001:db8::10), got ${JSON.stringify(range.start)}`);
      if (range.prefixLength === undefined) ctx.report(`${at}.prefixLength`, "is required with start");
    }
    for (const key of ["globalPrefix", "ulaPrefix"] as const) {
      const text = range[key];
      if (text === undefined) continue;
      const value = parseIpv6(text);
      if (value === undefined) ctx.report(`${at}.${key}`, `must be an IPv6 prefix (2001:db8:1:2::), got ${JSON.stringify(text)}`);
      else if ((value & ((1n << 64n) - 1n)) !== 0n) ctx.report(`${at}.${key}`, `must be a /64 prefix: its last 64 bits must be zero, got ${text}`);
      else if (key === "ulaPrefix" && value >> 120n !== 0xfdn) ctx.report(`${at}.${key}`, `must be inside fd00::/8, got ${text}`);
    }
  }
  return undefined;
}

function normaliseRange(range: RangeInput): AddressRangeSpec {
  const macText = range.mac?.toLowerCase();
  switch (range.type) {
    case "ipv4":
      return { type: "ipv4", start: range.start!, size: range.size, ...(macText ? { mac: macText } : {}) };
    case "ipv6":
      return {
        type: "ipv6",
        size: range.size,
        ...(range.globalPrefix !== undefined ? { globalPrefix: range.globalPrefix.toLowerCase() } : {}),
        ...(range.ulaPrefix !== undefined ? { ulaPrefix: range.ulaPrefix.toLowerCase() } : {}),
        ...(range.start !== undefined ? { start: range.start.toLowerCase() } : {}),
        ...(range.prefixLength !== undefined ? { prefixLength: range.prefixLength } : {}),
        ...(macText ? { mac: macText } : {}),
      };
    default:
      return { type: "ethernet", size: range.size, ...(macText ? { mac: macText } : {}) };
  }
}

function normalise(input: Input): VirtualNetworkSpec {
  return {
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.bridge !== undefined ? { bridge: input.bridge } : {}),
    ...(input.driver !== undefined ? { driver: input.driver } : {}),
    ...(input.vlanId !== undefined ? { vlanId: input.vlanId } : {}),
    ...(input.physicalDevice !== undefined ? { physicalDevice: input.physicalDevice } : {}),
    ...(input.mtu !== undefined ? { mtu: input.mtu } : {}),
    addressRanges: (input.addressRanges ?? []).map((r) => normaliseRange(r as RangeInput)),
    dns: (input.dns ?? []).map((d) => d.toLowerCase()),
    ...(input.gateway !== undefined ? { gateway: input.gateway } : {}),
    ...(input.networkMask !== undefined ? { networkMask: input.networkMask } : {}),
    ...(input.networkAddress !== undefined ? { networkAddress: input.networkAddress } : {}),
    attributes: { ...(input.attributes ?? {}) },
    ...(input.raw !== undefined ? { raw: input.raw } : {}),
  };
}

export const virtualNetworkDefinition: KindDefinition<Input, VirtualNetworkSpec> = {
  kind: "VirtualNetwork",
  schema,
  attributes: ["id"],
  secretPaths: [],
  check,
  normalise,
};

/**
 * A virtual network.
 *
 * ```ts
 * const net = new VirtualNetwork(stack, "lab-net", {
 *   bridge: "br0",
 *   addressRanges: [{ type: "ipv4", start: "10.0.0.10", size: 100 }],
 *   gateway: "10.0.0.1", networkAddress: "10.0.0.0", networkMask: "255.255.255.0",
 * });
 * ```
 */
export class VirtualNetwork extends Resource<VirtualNetworkProps> {
  readonly kind = "VirtualNetwork" as const;
  /** @internal */
  readonly definition = virtualNetworkDefinition as KindDefinition<never, unknown>;

  constructor(scope: IConstruct, id: string, props: VirtualNetworkProps = {}) {
    super(scope, id, copyProps(props));
  }

  /** Appends an address range. */
  addAddressRange(range: AddressRangeProps): this {
    this.appendTo("addressRanges", range);
    return this;
  }
}
