/**
 * liveOf: the LiveState a faithful provider would report for a stack once apply has built it. Written
 * from the LiveState contract (src/diff/live-state.ts), not from the diff's code, so the law
 * "diff(desired, liveOf(desired)) is empty" tests the diff against the contract.
 *
 * A faithful provider:
 * - reports every declared object under its address, with an id;
 * - reports a VM made from a template with the template's disks, NICs, capacity … as the VM has them;
 * - fills in what the backend chose where the declaration left it open (device prefixes, targets,
 *   leases, MACs, bridge names, VCPU, console ports);
 * - reports after-apply values (`ip`, `mac`) in `values` and resolves context variables to them;
 * - may spell things the backend's way (`Noise`): enum values in upper case, numbers as strings,
 *   attribute names in upper case, sets in another order, secret variables among the plain ones,
 *   CIDR rules as address ranges, hot-attached devices at the end.
 */
import type {
  DesiredResource,
  DesiredState,
  NicSpec,
  DiskSpec,
  SecurityGroupRuleSpec,
} from "../../src/resources/desired-state";
import { isAttributeRef } from "../../src/resources/desired-state";
import { fingerprintLive, type LiveResource, type LiveState } from "../../src/diff/live-state";
import { formatIpv4, parseIpv4 } from "../../src/resources/ip-address";

export interface Noise {
  upperCaseEnums: boolean;
  numbersAsStrings: boolean;
  upperCaseKeys: boolean;
  reorderSets: boolean;
  secretVarsAsPlain: boolean;
  cidrAsRange: boolean;
  splitPorts: boolean;
  trailingNewline: boolean;
  appendedDevices: boolean;
}

export const NO_NOISE: Noise = {
  upperCaseEnums: false,
  numbersAsStrings: false,
  upperCaseKeys: false,
  reorderSets: false,
  secretVarsAsPlain: false,
  cidrAsRange: false,
  splitPorts: false,
  trailingNewline: false,
  appendedDevices: false,
};

export interface LiveOfOptions {
  endpoint?: string;
  noise?: Partial<Noise>;
  /** First id handed out (ids follow address order). */
  firstId?: number;
}

type Json = Record<string, unknown>;

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

export function liveOf(desired: DesiredState, options: LiveOfOptions = {}): LiveState {
  const noise: Noise = { ...NO_NOISE, ...options.noise };
  const byAddress = new Map(desired.resources.map((r) => [r.address, r]));
  const ids = new Map<string, string>();
  [...desired.resources]
    .sort((a, b) => (a.address < b.address ? -1 : 1))
    .forEach((r, i) => ids.set(r.address, String((options.firstId ?? 100) + i)));

  // Leases: fixed addresses first, then the next free address of the network's first IPv4 range.
  const nextLease = new Map<string, number>();
  const taken = new Set<string>();
  for (const r of desired.resources) {
    for (const nic of machineOf(r, byAddress).nics ?? []) if (nic.ip) taken.add(`${nic.network.ref}|${nic.ip}`);
  }
  const lease = (network: string): string | undefined => {
    const net = byAddress.get(network);
    if (net?.kind !== "VirtualNetwork") return undefined;
    const range = net.props.addressRanges.find((ar) => ar.type === "ipv4");
    if (!range || range.type !== "ipv4") return undefined;
    const start = parseIpv4(range.start)!;
    let n = nextLease.get(network) ?? 0;
    while (n < range.size && taken.has(`${network}|${formatIpv4(start + n)}`)) n++;
    nextLease.set(network, n + 1);
    const ip = formatIpv4(start + n);
    taken.add(`${network}|${ip}`);
    return ip;
  };
  const macOf = (ip: string | undefined, seed: string): string => {
    const parts = (ip ?? `0.0.${Number(seed) >> 8}.${Number(seed) & 255}`).split(".").map((p) => Number(p).toString(16).padStart(2, "0"));
    return `02:00:${parts.join(":")}`;
  };

  // Values first (a VM's context may hold another VM's IP).
  const values = new Map<string, { ip?: string; mac?: string }>();
  const nicsOf = new Map<string, Json[]>();
  for (const r of [...desired.resources].sort((a, b) => (a.address < b.address ? -1 : 1))) {
    if (r.kind !== "VirtualMachine" && r.kind !== "VmTemplate") continue;
    const nics = (machineOf(r, byAddress).nics ?? []).map((nic, i) => {
      const ip = r.kind === "VirtualMachine" ? (nic.ip ?? lease(nic.network.ref)) : nic.ip;
      const mac = nic.mac ?? (r.kind === "VirtualMachine" ? macOf(ip, `${ids.get(r.address)}${i}`) : undefined);
      return liveNic(nic, ip, mac, noise);
    });
    nicsOf.set(r.address, nics);
    if (r.kind === "VirtualMachine" && nics[0]) values.set(r.address, { ip: nics[0].ip as string | undefined, mac: nics[0].mac as string | undefined });
  }

  const resources: LiveResource[] = desired.resources.map((r) => {
    const id = ids.get(r.address)!;
    const props = liveProps(r, byAddress, noise, nicsOf.get(r.address), (ref, attr) => {
      if (attr === "id") return ids.get(ref) ?? "";
      return values.get(ref)?.[attr as "ip" | "mac"] ?? "";
    });
    const v = values.get(r.address);
    return {
      address: r.address,
      kind: r.kind,
      name: r.name,
      id,
      props: props as never,
      dependsOn: usesOf(props, r.address),
      status: statusOf(r),
      ...(v ? { values: Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) as Record<string, string> } : {}),
      ...(r.kind === "Image" ? { aliases: { datastore: [1, "default"] } } : {}),
    };
  });
  return { stack: desired.stack, endpoint: options.endpoint ?? "http://127.0.0.1:2633/RPC2", resources, fingerprint: fingerprintLive(resources) };
}

function statusOf(r: DesiredResource): LiveResource["status"] {
  switch (r.kind) {
    case "VirtualMachine":
      return { state: r.props.powerState === "poweroff" ? "POWEROFF" : "RUNNING", healthy: true };
    case "Image":
    case "VirtualNetwork":
      return { state: "READY", healthy: true };
    default:
      return { state: "DEFINED", healthy: true };
  }
}

interface Machine {
  cpu?: number;
  vcpu?: number;
  memory?: number;
  disks?: DiskSpec[];
  nics?: NicSpec[];
  context?: Json;
  graphics?: Json;
  os?: Json;
  scheduling?: Json;
  description?: string;
  attributes: Record<string, string>;
  raw?: Record<string, Json>;
}

/** The machine a VM ends up with: its template's, with what the VM gives replacing it. */
function machineOf(r: DesiredResource, byAddress: Map<string, DesiredResource>): Machine {
  if (r.kind !== "VirtualMachine" && r.kind !== "VmTemplate") return { attributes: {} };
  const own = clone(r.props) as unknown as Machine & { template?: { ref: string } };
  if (r.kind !== "VirtualMachine" || !own.template) return own;
  const t = byAddress.get(own.template.ref);
  if (t?.kind !== "VmTemplate") return own;
  const base = clone(t.props) as unknown as Machine;
  const out: Machine = { ...own };
  for (const key of ["cpu", "vcpu", "memory", "disks", "nics", "context", "graphics", "os", "description"] as const) {
    if (own[key] === undefined && base[key] !== undefined) (out as unknown as Json)[key] = base[key];
  }
  // Scheduling fields are separate attributes: the VM keeps the template's it does not give.
  if (base.scheduling || own.scheduling) out.scheduling = { ...(base.scheduling as object), ...(own.scheduling as object) };
  // The backend copies the template's attributes into the VM; the VM's own win.
  out.attributes = { ...base.attributes, ...own.attributes };
  if (base.raw || own.raw) {
    out.raw = {};
    for (const b of new Set([...Object.keys(base.raw ?? {}), ...Object.keys(own.raw ?? {})])) {
      out.raw[b] = { ...(base.raw?.[b] ?? {}), ...(own.raw?.[b] ?? {}) };
    }
  }
  return out;
}

function num(value: number, noise: Noise): number | string {
  return noise.numbersAsStrings ? String(value) : value;
}

function enumValue(value: string, noise: Noise): string {
  return noise.upperCaseEnums ? value.toUpperCase() : value;
}

function keys(record: Record<string, unknown>, noise: Noise): Json {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [noise.upperCaseKeys ? k.toUpperCase() : k, v]));
}

function reorder<T>(list: T[], noise: Noise): T[] {
  return noise.reorderSets ? [...list].reverse() : list;
}

function liveNic(nic: NicSpec, ip: string | undefined, mac: string | undefined, noise: Noise): Json {
  return {
    network: { ref: nic.network.ref },
    ...(ip !== undefined ? { ip } : {}),
    ...(mac !== undefined ? { mac: noise.upperCaseEnums ? mac.toUpperCase() : mac } : {}),
    securityGroups: reorder(nic.securityGroups.map((g) => ({ ref: g.ref })), noise),
    model: nic.model ?? "virtio",
  };
}

const PREFIX_LETTERS = "abcdefghijklmnopqrstuvwxyz";

function liveDisk(disk: DiskSpec, index: number, noise: Noise, imageSize: (ref: string) => number): Json {
  const prefix = disk.devicePrefix ?? "vd";
  const common = { devicePrefix: enumValue(prefix, noise), target: disk.target ?? `${prefix}${PREFIX_LETTERS[index % 26]}` };
  if (disk.source === "image") {
    return {
      source: "image",
      image: { ref: disk.image.ref },
      size: num(disk.size ?? imageSize(disk.image.ref), noise),
      ...common,
      readOnly: disk.readOnly ?? false,
    };
  }
  return { source: enumValue("volatile", noise), size: num(disk.size, noise), type: enumValue(disk.type, noise), format: disk.format ?? "raw", ...common };
}

function liveRule(rule: SecurityGroupRuleSpec, noise: Noise): Json {
  const out: Json = { protocol: enumValue(rule.protocol, noise), direction: enumValue(rule.direction, noise) };
  if (rule.ports) {
    out.ports = noise.splitPorts
      ? rule.ports.flatMap((p) => (p.to - p.from < 4 ? Array.from({ length: p.to - p.from + 1 }, (_, i) => ({ from: p.from + i, to: p.from + i })) : [p]))
      : rule.ports;
  }
  if (rule.icmpType !== undefined) out.icmpType = num(rule.icmpType, noise);
  if (rule.cidr !== undefined) {
    const [address, length] = rule.cidr.split("/");
    if (noise.cidrAsRange && parseIpv4(address!) !== undefined) out.addressRange = { start: address, size: 2 ** (32 - Number(length)) };
    else out.cidr = rule.cidr;
  }
  if (rule.addressRange) out.addressRange = { ...rule.addressRange };
  if (rule.network) out.network = { ref: rule.network.ref };
  return out;
}

function liveProps(
  r: DesiredResource,
  byAddress: Map<string, DesiredResource>,
  noise: Noise,
  nics: Json[] | undefined,
  resolve: (ref: string, attr: string) => string,
): Json {
  const common = (p: { description?: string; attributes: Record<string, string>; raw?: unknown }): Json => ({
    ...(p.description !== undefined ? { description: p.description } : {}),
    attributes: keys(p.attributes, noise),
    ...(p.raw !== undefined ? { raw: clone(p.raw) } : {}),
  });
  switch (r.kind) {
    case "Image": {
      const p = r.props;
      return {
        ...common(p),
        type: enumValue(p.type, noise),
        size: num(p.size ?? 2048, noise),
        ...(p.path !== undefined ? { path: p.path } : {}),
        datastore: p.datastore ?? "default",
        persistent: p.persistent,
        devicePrefix: enumValue(p.devicePrefix ?? "vd", noise),
        format: enumValue(p.format ?? "raw", noise),
      };
    }
    case "VirtualNetwork": {
      const p = r.props;
      return {
        ...common(p),
        bridge: p.bridge ?? `onebr.${r.name}`,
        driver: enumValue(p.driver ?? "bridge", noise),
        ...(p.vlanId !== undefined ? { vlanId: num(p.vlanId, noise) } : {}),
        ...(p.physicalDevice !== undefined ? { physicalDevice: p.physicalDevice } : {}),
        ...(p.mtu !== undefined ? { mtu: num(p.mtu, noise) } : {}),
        addressRanges: reorder(
          p.addressRanges.map((ar) => ({ ...ar, type: enumValue(ar.type, noise), size: num(ar.size, noise), mac: ar.mac ?? "02:00:00:00:00:01" })),
          noise,
        ),
        dns: [...p.dns],
        ...(p.gateway !== undefined ? { gateway: p.gateway } : {}),
        ...(p.networkMask !== undefined ? { networkMask: p.networkMask } : {}),
        ...(p.networkAddress !== undefined ? { networkAddress: p.networkAddress } : {}),
      };
    }
    case "SecurityGroup": {
      const p = r.props;
      return { ...common(p), rules: reorder(p.rules.map((rule) => liveRule(rule, noise)), noise) };
    }
    case "VmTemplate":
    case "VirtualMachine": {
      const m = machineOf(r, byAddress);
      const imageSize = (ref: string) => {
        const image = byAddress.get(ref);
        return image?.kind === "Image" ? (image.props.size ?? 2048) : 2048;
      };
      let disks = (m.disks ?? []).map((d, i) => liveDisk(d, i, noise, imageSize));
      let liveNics = nics ?? [];
      if (noise.appendedDevices) {
        disks = [...disks.slice(0, 1), ...disks.slice(1).reverse()];
        liveNics = [...liveNics].reverse();
      }
      const out: Json = {
        ...common(m),
        ...(m.cpu !== undefined ? { cpu: num(m.cpu, noise) } : {}),
        vcpu: num(m.vcpu ?? 1, noise),
        ...(m.memory !== undefined ? { memory: num(m.memory, noise) } : {}),
        disks,
        nics: liveNics,
      };
      if (m.context) out.context = liveContext(m.context, r.name, noise, resolve);
      if (m.graphics) {
        const g = m.graphics as Json;
        out.graphics = { ...g, type: enumValue(g.type as string, noise), listen: g.listen ?? "0.0.0.0", port: g.port ?? 5900, keymap: g.keymap ?? "en-us" };
      }
      if (m.os) out.os = { arch: "x86_64", ...m.os };
      if (m.scheduling) out.scheduling = { ...m.scheduling };
      if (r.kind === "VirtualMachine") {
        if (r.props.template) out.template = { ref: r.props.template.ref };
        out.labels = reorder([...r.props.labels], noise);
        out.powerState = enumValue(r.props.powerState, noise);
      }
      return out;
    }
  }
}

function liveContext(context: Json, name: string, noise: Noise, resolve: (ref: string, attr: string) => string): Json {
  const vars: Json = {};
  for (const [k, v] of Object.entries((context.vars ?? {}) as Json)) {
    vars[noise.upperCaseKeys ? k.toUpperCase() : k] = isAttributeRef(v) ? resolve(v.ref, v.attr) : v;
  }
  const secretVars: Json = {};
  for (const [k, v] of Object.entries((context.secretVars ?? {}) as Record<string, { secret: string }>)) {
    const key = noise.upperCaseKeys ? k.toUpperCase() : k;
    if (noise.secretVarsAsPlain) vars[key] = v.secret;
    else secretVars[key] = { secret: v.secret };
  }
  const script = context.startScript as string | undefined;
  return {
    network: context.network,
    sshKeys: reorder([...((context.sshKeys ?? []) as string[])], noise),
    ...(script !== undefined ? { startScript: noise.trailingNewline ? `${script}\n` : script } : {}),
    hostname: (context.hostname as string | undefined) ?? name.toLowerCase(),
    ...(context.password !== undefined ? { password: clone(context.password) } : {}),
    vars,
    secretVars,
  };
}

/** The owned objects a live object uses: every reference in its props. */
function usesOf(props: unknown, self: string): string[] {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object" && v !== null) {
      const o = v as Json;
      if (typeof o.ref === "string" && Object.keys(o).length === 1) found.add(o.ref);
      else Object.values(o).forEach(walk);
    }
  };
  walk(props);
  found.delete(self);
  return [...found].sort();
}
