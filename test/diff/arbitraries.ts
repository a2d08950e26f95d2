/**
 * fast-check arbitraries for DesiredState documents as synthesis produces them (canonical forms:
 * labels sorted, ports merged, unique names per owner for the kinds that need them, fixed addresses
 * inside their network's range and unique), and for the spelling noise of a provider.
 */
import fc from "fast-check";
import type {
  AddressRangeSpec,
  AttributeRef,
  ContextSpec,
  DesiredResource,
  DesiredState,
  DiskSpec,
  ImageSpec,
  NicSpec,
  SecurityGroupRuleSpec,
  SecurityGroupSpec,
  VirtualMachineSpec,
  VirtualNetworkSpec,
  VmTemplateSpec,
} from "../../src/resources/desired-state";
import type { Noise } from "./live-of";

const word = fc.constantFrom("web", "db", "alpha", "x1", "prod", "team-a", "blue");
// Numeric-looking strings on purpose: free text must never be compared as numbers.
const text = fc.constantFrom("", "hello", "a b", "Team X", "0.5", ".50", "007", "YES");
const attributes = fc.dictionary(fc.constantFrom("TEAM", "OWNER", "TIER", "COST_CENTER"), text, { maxKeys: 3 });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const common = fc.record({ description: maybe(text), attributes, raw: maybe(fc.record({ opennebula: fc.dictionary(fc.constantFrom("INBOUND_AVG_BW", "FILTER_IP_SPOOFING", "HYPERV", "CPU_MODEL", "PCI"), fc.oneof(text, fc.integer({ min: 0, max: 9999 })), { maxKeys: 2 }) })) });

function networkArb(i: number): fc.Arbitrary<VirtualNetworkSpec> {
  const second: fc.Arbitrary<AddressRangeSpec | undefined> = fc.oneof(
    fc.constant(undefined),
    fc.constant<AddressRangeSpec>({ type: "ipv4", start: `10.${i}.1.10`, size: 20 }),
    fc.constant<AddressRangeSpec>({ type: "ipv6", size: 64, globalPrefix: `2001:db8:${i}::` }),
    fc.constant<AddressRangeSpec>({ type: "ethernet", size: 8, mac: `02:00:00:00:0${i}:01` }),
  );
  return fc
    .record({
      c: common,
      size: fc.integer({ min: 30, max: 200 }),
      second,
      bridge: maybe(fc.constantFrom("br0", "br1", "virbr0")),
      driver: maybe(fc.constantFrom("bridge", "802.1Q", "vxlan", "ovswitch")),
      vlanId: maybe(fc.integer({ min: 1, max: 4094 })),
      physicalDevice: maybe(fc.constantFrom("eth0", "eth1")),
      mtu: maybe(fc.constantFrom(1500, 9000)),
      dns: fc.array(fc.constantFrom("10.0.0.1", "1.1.1.1", "2001:db8::53"), { maxLength: 2 }),
      gateway: maybe(fc.constant(`10.${i}.0.1`)),
      networkMask: maybe(fc.constant("255.255.255.0")),
      networkAddress: maybe(fc.constant(`10.${i}.0.0`)),
    })
    .map(({ c, size, second, ...rest }) =>
      defined({ ...c, ...rest, dns: [...new Set(rest.dns)], addressRanges: [{ type: "ipv4", start: `10.${i}.0.10`, size } as AddressRangeSpec, ...(second ? [second] : [])] }),
    );
}

const imageArb: fc.Arbitrary<ImageSpec> = fc
  .record({
    c: common,
    kind: fc.constantFrom("os", "datablock", "cdrom"),
    size: fc.integer({ min: 1, max: 100000 }),
    // Not persistent: disks pick images at random, and a persistent image is one VM's at a time (two
    // VMs declaring one are refused by the plan; golden cases cover persistent images).
    persistent: fc.constant(false),
    devicePrefix: maybe(fc.constantFrom("hd", "sd", "vd", "xvd")),
    format: maybe(fc.constantFrom("raw", "qcow2")),
    datastore: maybe(fc.constantFrom<string | number>("images", 101, 1)),
  })
  .map(({ c, kind, size, ...rest }) =>
    defined<ImageSpec>({
      ...c,
      ...rest,
      type: kind as ImageSpec["type"],
      ...(kind === "datablock" ? { size } : { path: `/var/images/${size}.img` }),
    }),
  );

const portsArb = fc.uniqueArray(fc.integer({ min: 1, max: 200 }), { maxLength: 6 }).map((ports) => {
  const sorted = [...ports].sort((a, b) => a - b);
  const merged: { from: number; to: number }[] = [];
  for (const p of sorted) {
    const last = merged[merged.length - 1];
    if (last && p <= last.to + 1) last.to = Math.max(last.to, p);
    else merged.push({ from: p, to: p });
  }
  return merged;
});

function ruleArb(networks: string[]): fc.Arbitrary<SecurityGroupRuleSpec> {
  return fc
    .record({
      protocol: fc.constantFrom("tcp", "udp", "icmp", "all"),
      direction: fc.constantFrom("inbound", "outbound"),
      ports: portsArb,
      icmpType: maybe(fc.integer({ min: 0, max: 18 })),
      peer: fc.integer({ min: 0, max: 3 }),
      network: networks.length > 0 ? fc.constantFrom(...networks) : fc.constant(undefined),
    })
    .map(({ protocol, direction, ports, icmpType, peer, network }) =>
      defined<SecurityGroupRuleSpec>({
        protocol: protocol as SecurityGroupRuleSpec["protocol"],
        direction: direction as SecurityGroupRuleSpec["direction"],
        ports: (protocol === "tcp" || protocol === "udp") && ports.length > 0 ? ports : undefined,
        icmpType: protocol === "icmp" ? icmpType : undefined,
        cidr: peer === 1 ? "10.9.0.0/24" : undefined,
        addressRange: peer === 2 ? { start: "10.9.1.0", size: 16 } : undefined,
        network: peer === 3 && network ? { ref: network } : undefined,
      }),
    );
}

interface Pools {
  networks: string[];
  images: string[];
  groups: string[];
}

function diskArb(pools: Pools): fc.Arbitrary<DiskSpec> {
  const volatile = fc
    .record({ size: fc.integer({ min: 1, max: 9999 }), type: fc.constantFrom("fs", "swap"), format: maybe(fc.constantFrom("raw", "qcow2")) })
    .map((d) => defined<DiskSpec>({ source: "volatile", size: d.size, type: d.type as "fs" | "swap", format: d.format }));
  if (pools.images.length === 0) return volatile;
  const image = fc
    .record({
      image: fc.constantFrom(...pools.images),
      size: maybe(fc.integer({ min: 100000, max: 200000 })),
      devicePrefix: maybe(fc.constantFrom("sd", "vd")),
      readOnly: maybe(fc.boolean()),
    })
    .map((d) => defined<DiskSpec>({ source: "image", image: { ref: d.image }, size: d.size, devicePrefix: d.devicePrefix, readOnly: d.readOnly }));
  return fc.oneof(image, volatile);
}

function nicArb(pools: Pools): fc.Arbitrary<Omit<NicSpec, "ip">> {
  return fc
    .record({
      network: fc.constantFrom(...pools.networks),
      groups: fc.subarray(pools.groups),
      model: maybe(fc.constantFrom("virtio", "e1000")),
    })
    .map((n) => defined({ network: { ref: n.network }, securityGroups: n.groups.map((g) => ({ ref: g })), model: n.model }));
}

function contextArb(refs: string[]): fc.Arbitrary<ContextSpec> {
  const value: fc.Arbitrary<string | AttributeRef> =
    refs.length > 0 ? fc.oneof(text, fc.record({ ref: fc.constantFrom(...refs), attr: fc.constantFrom("ip", "mac", "id") })) : text;
  return fc
    .record({
      network: fc.boolean(),
      sshKeys: fc.uniqueArray(fc.constantFrom("ssh-ed25519 AAAAC3Nza a@b", "ssh-rsa AAAAB3Nza c@d", "ssh-ed25519 AAAAC3Nzb e@f"), { maxLength: 2 }),
      startScript: maybe(fc.constantFrom("#!/bin/sh\necho hi\n", "apt-get update")),
      hostname: maybe(word),
      password: maybe(word.map((s) => ({ secret: s }))),
      vars: fc.dictionary(fc.constantFrom("APP", "ROLE", "DB_HOST", "PORT"), value, { maxKeys: 3 }),
      secretVars: fc.dictionary(fc.constantFrom("SECRET", "TOKEN"), word.map((s) => ({ secret: s })), { maxKeys: 2 }),
    })
    .map((c) => defined<ContextSpec>(c));
}

const graphicsArb = fc
  .record({
    type: fc.constantFrom<"vnc" | "spice">("vnc", "spice"),
    listen: maybe(fc.constant("0.0.0.0")),
    port: maybe(fc.integer({ min: 5900, max: 5999 })),
    password: maybe(word.map((s) => ({ secret: s }))),
    keymap: maybe(fc.constantFrom("en-us", "fr")),
  })
  .map((g) => defined(g));

const osArb = fc
  .record({ firmware: maybe(fc.constantFrom<"bios" | "uefi">("bios", "uefi")), machine: maybe(fc.constantFrom("q35", "pc")), kernelCmd: maybe(fc.constant("console=ttyS0")) })
  .map((o) => defined(o));

const schedulingArb = fc.record({ requirements: maybe(fc.constant('HYPERVISOR = "kvm"')), rank: maybe(fc.constant("FREE_CPU")) }).map((s) => defined(s));

function machineArb(pools: Pools, refs: string[], lists: boolean) {
  return fc.record({
    cpu: maybe(fc.constantFrom(0.25, 0.5, 1, 2)),
    vcpu: maybe(fc.integer({ min: 1, max: 8 })),
    memory: maybe(fc.constantFrom(512, 1024, 4096)),
    disks: lists ? fc.array(diskArb(pools), { maxLength: 3 }) : maybe(fc.array(diskArb(pools), { maxLength: 3 })),
    nics: pools.networks.length === 0 ? (lists ? fc.constant([]) : fc.constant(undefined)) : lists ? fc.array(nicArb(pools), { maxLength: 2 }) : maybe(fc.array(nicArb(pools), { maxLength: 2 })),
    context: maybe(contextArb(refs)),
    graphics: maybe(graphicsArb),
    os: maybe(osArb),
    scheduling: maybe(schedulingArb),
  });
}

/** Every address a value refers to (references and attributes known after apply). */
function refsIn(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (typeof value === "object" && value !== null) {
    const o = value as Record<string, unknown>;
    if (typeof o.ref === "string") out.add(o.ref);
    else Object.values(o).forEach((v) => refsIn(v, out));
  }
  return out;
}

function resource<K extends DesiredResource["kind"]>(kind: K, address: string, name: string, props: unknown): DesiredResource {
  return { address, kind, name, props, dependsOn: [...refsIn(props)].filter((a) => a !== address).sort() } as DesiredResource;
}

/** A valid, synthesised-looking DesiredState of stack `lab`. */
export const desiredStateArb: fc.Arbitrary<DesiredState> = fc
  .record({ nets: fc.integer({ min: 0, max: 2 }), images: fc.integer({ min: 0, max: 2 }), groups: fc.integer({ min: 0, max: 2 }), templates: fc.integer({ min: 0, max: 2 }), vms: fc.integer({ min: 0, max: 3 }) })
  .chain((counts) => {
    const netAddrs = Array.from({ length: counts.nets }, (_, i) => `lab/net-${i}`);
    const imageAddrs = Array.from({ length: counts.images }, (_, i) => `lab/img-${i}`);
    const groupAddrs = Array.from({ length: counts.groups }, (_, i) => `lab/sg-${i}`);
    const templateAddrs = Array.from({ length: counts.templates }, (_, i) => `lab/tpl-${i}`);
    const pools: Pools = { networks: netAddrs, images: imageAddrs, groups: groupAddrs };
    const nets = fc.tuple(...netAddrs.map((_, i) => networkArb(i)));
    const images = fc.tuple(...imageAddrs.map(() => imageArb));
    const groups = fc.tuple(...groupAddrs.map(() => fc.record({ c: common, rules: fc.array(ruleArb(netAddrs), { maxLength: 3 }) }).map(({ c, rules }): SecurityGroupSpec => ({ ...c, rules }))));
    const templates = fc.tuple(
      ...templateAddrs.map(() =>
        fc.record({ c: common, m: machineArb(pools, [], true) }).map(({ c, m }) => defined({ ...c, ...m }) as unknown as VmTemplateSpec),
      ),
    );
    const vms = fc.tuple(
      ...Array.from({ length: counts.vms }, (_, i) => {
        const earlier = Array.from({ length: i }, (_, j) => `lab/vm-${j}`);
        return fc
          .record({
            c: common,
            template: templateAddrs.length > 0 ? maybe(fc.constantFrom(...templateAddrs)) : fc.constant(undefined),
            inline: machineArb(pools, earlier, true),
            overrides: machineArb(pools, earlier, false),
            cpu: fc.constantFrom(0.5, 1),
            memory: fc.constantFrom(256, 2048),
            labels: fc.uniqueArray(word, { maxLength: 3 }),
            powerState: fc.constantFrom<"running" | "poweroff">("running", "poweroff"),
            fixedIp: fc.boolean(),
            fixedMac: fc.boolean(),
          })
          .map((v) => ({ ...v, index: i }));
      }),
    );
    return fc.tuple(nets, images, groups, templates, vms).map(([n, im, g, t, v]) => {
      const resources: DesiredResource[] = [];
      n.forEach((p, i) => resources.push(resource("VirtualNetwork", netAddrs[i]!, `net-${i}`, p)));
      im.forEach((p, i) => resources.push(resource("Image", imageAddrs[i]!, `img-${i}`, p)));
      g.forEach((p, i) => resources.push(resource("SecurityGroup", groupAddrs[i]!, `sg-${i}`, p)));
      t.forEach((p, i) => resources.push(resource("VmTemplate", templateAddrs[i]!, `tpl-${i}`, p)));
      let nextHost = 0;
      for (const vmArbValue of v) {
        const { c, template, inline, overrides, labels, powerState, index } = vmArbValue;
        const machine = template ? overrides : { ...inline, cpu: vmArbValue.cpu, memory: vmArbValue.memory };
        // Fixed addresses: inside the first range of the NIC's network, one per VM NIC, never repeated.
        const nics = machine.nics?.map((nic): NicSpec => {
          const netIndex = Number(nic.network.ref.slice("lab/net-".length));
          const host = ++nextHost;
          return defined({
            ...nic,
            ip: vmArbValue.fixedIp ? `10.${netIndex}.0.${10 + host}` : undefined,
            mac: vmArbValue.fixedMac ? `02:aa:00:00:00:${host.toString(16).padStart(2, "0")}` : undefined,
          }) as NicSpec;
        });
        const props = defined({ ...c, ...machine, nics, template: template ? { ref: template } : undefined, labels: [...labels].sort(), powerState }) as unknown as VirtualMachineSpec;
        resources.push(resource("VirtualMachine", `lab/vm-${index}`, `vm-${index}`, props));
      }
      resources.sort((a, b) => (a.address < b.address ? -1 : 1));
      return { formatVersion: 2, stack: "lab", resources, outputs: {} } as DesiredState;
    });
  });

export const noiseArb: fc.Arbitrary<Noise> = fc.record({
  upperCaseEnums: fc.boolean(),
  numbersAsStrings: fc.boolean(),
  upperCaseKeys: fc.boolean(),
  reorderSets: fc.boolean(),
  secretVarsAsPlain: fc.boolean(),
  cidrAsRange: fc.boolean(),
  splitPorts: fc.boolean(),
  trailingNewline: fc.boolean(),
  appendedDevices: fc.boolean(),
});

/**
 * `desired` cut down to what a backend supporting only `kinds` could hold: objects of other kinds go,
 * and with them every object that refers to one that went (a VM on a removed template or image).
 */
export function keepKinds(desired: DesiredState, kinds: readonly DesiredResource["kind"][]): DesiredState {
  let kept = desired.resources.filter((r) => kinds.includes(r.kind));
  for (;;) {
    const present = new Set(kept.map((r) => r.address));
    const next = kept.filter((r) => r.dependsOn.every((d) => present.has(d)));
    if (next.length === kept.length) return { ...desired, resources: next };
    kept = next;
  }
}
