import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { App, Image, SecurityGroup, Stack, VirtualMachine, VirtualNetwork, VmTemplate } from "../../../src/index";
import { analyseStack } from "../../../src/resources/synthesis";
import { OneClient } from "../../../src/providers/opennebula/client";
import { createOpenNebulaReader, type OpenNebulaReader } from "../../../src/providers/opennebula/reader";
import { buildPlan } from "../../../src/planner/plan-builder";
import { startOneSimulator, type RunningOneSimulator } from "../../../src/sim/opennebula/index";
import { writeDesired } from "../../support/one-writer";
import { createOpenNebulaProvider } from "../../../src/providers/opennebula/provider";
import { applyPlan } from "../../../src/planner/executor";
import { methodsOf, ONE_OPERATIONS, type OneOperation } from "../../../src/providers/opennebula/operation-names";
import type { Step } from "../../../src/providers/opennebula/steps";

/**
 * One of every shape the declaration allows, written as apply writes it and read back. `edited`: the
 * same stack with every attribute an update can change changed.
 */
function everyShape(edited = false) {
  const e = <T,>(before: T, after: T): T => (edited ? after : before);
  const app = new App();
  const s = new Stack(app, "shapes");
  const v4 = new VirtualNetwork(s, "v4", {
    driver: "bridge",
    bridge: "br-v4",
    mtu: e(9000, 1500),
    addressRanges: [{ type: "ipv4", start: "10.1.0.10", size: e(20, 30), mac: "02:00:0a:01:00:0a" }, { type: "ipv4", start: "10.1.0.100", size: 5 }],
    dns: e(["10.1.0.1", "9.9.9.9"], ["10.1.0.1", "1.1.1.1"]),
    gateway: "10.1.0.1",
    networkMask: "255.255.255.0",
    networkAddress: "10.1.0.0",
    attributes: { OWNER_TEAM: e("platform", "infra") },
    description: e("dual ranges, fixed MAC prefix", "dual ranges, fixed MAC prefix, wider"),
  });
  const v6 = new VirtualNetwork(s, "v6", {
    driver: "802.1Q",
    physicalDevice: "eth1",
    vlanId: 42,
    addressRanges: [{ type: "ipv6", size: e(16, 24), globalPrefix: "2001:db8:0:1::", ulaPrefix: "fd00:0:0:1::" }, { type: "ethernet", size: 8 }],
  });
  const os = new Image(s, "os", { type: "os", path: "/var/images/alpine.qcow2", format: "qcow2", devicePrefix: "vd", attributes: { DISTRO: e("alpine", "alpine-3.20") } });
  const data = new Image(s, "data", { type: "datablock", size: 512, persistent: true, format: "raw" });
  const iso = new Image(s, "iso", { type: "cdrom", path: "/var/images/tools.iso" });
  const sg = new SecurityGroup(s, "sg", {
    description: e("every rule shape", "every rule shape, ssh moved"),
    rules: [
      { protocol: "tcp", direction: "inbound", ports: [e(22, 2222), { from: 8000, to: 8100 }], cidr: "192.168.10.0/24" },
      { protocol: "udp", direction: "inbound", ports: [53], addressRange: { start: "10.1.0.5", size: 3 } },
      { protocol: "icmp", direction: "inbound", icmpType: 8 },
      { protocol: "tcp", direction: "inbound", ports: [5432], network: v4 },
      { protocol: "all", direction: "outbound" },
      ...(edited ? [{ protocol: "udp" as const, direction: "inbound" as const, ports: [{ from: 60000, to: 61000 }] }] : []),
    ],
  });
  const tmpl = new VmTemplate(s, "tmpl", {
    cpu: 0.25,
    vcpu: 2,
    memory: e(768, 1024),
    disks: [{ image: os, size: e(4096, 6144), devicePrefix: "vd" }, { size: 1024, type: "swap" }],
    nics: [{ network: v4, securityGroups: [sg], model: e("virtio", "e1000") }],
    context: { network: true, sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtest admin@x"], startScript: "#!/bin/sh\necho 'hi \"there\"' > /etc/motd\n", vars: { ROLE: e("worker", "db") } },
    graphics: { type: "vnc", listen: "0.0.0.0", keymap: e("fr", "de"), password: "vncpass1" },
    os: { arch: "x86_64", boot: e(["disk0", "nic0"], ["nic0", "disk0"]), firmware: "uefi", machine: "q35" },
    scheduling: { requirements: 'HYPERVISOR = "kvm"', rank: e("FREE_CPU", "-RUNNING_VMS") },
    description: e("the small machine", "the small machine, renamed"),
    attributes: { TIER: e("silver", "gold") },
    raw: { opennebula: { FEATURES: { APIC: e("yes", "no") } } },
  });
  const a = new VirtualMachine(s, "a", {
    template: tmpl,
    labels: e(["web", "prod"], ["web", "blue"]),
    attributes: edited ? { TEAM: "infra" } : { COST_CENTER: "42" },
    context: { network: true, hostname: e("a.example", "a2.example"), password: "root-pw", secretVars: { TOKEN: e("t0ken", "t0ken-2") }, vars: { PEER: e("none", "b") } },
  });
  new VirtualMachine(s, "b", {
    cpu: 1,
    vcpu: 1,
    memory: e(512, 768),
    disks: [
      { image: os },
      { image: data, readOnly: false },
      { image: iso, readOnly: true },
      { size: 256, type: "fs", format: "raw" },
      ...(edited ? [{ size: 128, type: "swap" as const }] : []),
    ],
    nics: [{ network: v4, ip: e("10.1.0.20", "10.1.0.21") }, { network: v6 }],
    context: { network: true, vars: { A_IP: a.ipAddress, ...(edited ? { X: "1" } : {}) } },
    powerState: "running",
    description: e("inline machine", "inline machine, bigger"),
    raw: {
      opennebula: {
        FEATURES: { ACPI: e("yes", "no"), GUEST_AGENT: "yes" },
        INPUT: { TYPE: e("tablet", "mouse"), BUS: "usb" },
        BACKUP_CONFIG: { KEEP_LAST: e("3", "4") },
        NOTES: e("raw free text", "raw text, edited"),
      },
    },
  });
  new VirtualMachine(s, "c", {
    template: tmpl,
    memory: 1024,
    disks: [{ image: os, target: "vda" }, { size: 128, type: "fs", target: "vdb" }],
    nics: [{ network: v4, mac: "02:00:0a:01:00:65", securityGroups: [sg] }],
    graphics: { type: "spice", port: 5999 },
    os: { arch: "x86_64", kernelCmd: e("console=ttyS0", "console=ttyS0 quiet") },
    scheduling: { datastoreRequirements: e('NAME = "default"', 'ID = "1"') },
    powerState: e("poweroff", "running"),
    raw: { opennebula: { FEATURES: { ACPI: e("no", "yes") } } },
  });
  new Image(s, "tagged", { type: "datablock", size: 64, datastore: "default", raw: { opennebula: { NOTES: e("kept as given", "given again") } } });
  new VirtualNetwork(s, "filtered", {
    bridge: "br-f",
    addressRanges: [{ type: "ipv4", start: "10.2.0.10", size: 4 }],
    raw: { opennebula: { FILTER_IP_SPOOFING: "YES", FILTER_MAC_SPOOFING: e("YES", "NO") } },
  });
  const analysis = analyseStack(s);
  if (!analysis.state) throw new Error(analysis.issues.map((i) => `${i.address}: ${i.path}: ${i.message}`).join("\n"));
  return analysis.state;
}

describe("OpenNebula mapping round trip", () => {
  let sim: RunningOneSimulator;
  let client: OneClient;
  let reader: OpenNebulaReader;
  beforeAll(async () => {
    sim = await startOneSimulator({ port: 0, delays: "instant" });
    client = new OneClient({ endpoint: sim.url, session: "oneadmin:opennebula" });
    reader = createOpenNebulaReader({ endpoint: sim.url, session: "oneadmin:opennebula" });
  });
  afterAll(async () => {
    await reader.close();
    await client.close();
    await sim.close();
  });

  it("reads every declared shape back as no change", async () => {
    const desired = everyShape();
    const ids = await writeDesired(client, desired);
    await client.call("one.system.version");
    // The writer makes the calls of a create; the poweroff a VM declared powered off gets after it:
    for (const r of desired.resources) {
      if (r.kind === "VirtualMachine" && r.props.powerState === "poweroff") await client.call("one.vm.action", "poweroff", ids.get(r.address)!);
    }
    await client.call("one.system.version");
    const live = await reader.read(desired.stack, desired);
    const plan = buildPlan({ desired, live, rules: reader.rules, mode: "plan" });
    const changes = plan.changes
      .filter((c) => c.action !== "noop")
      .map((c) => `${c.address} ${c.action}: ${c.diff.map((d) => `${d.path} ${JSON.stringify(d.before)} → ${JSON.stringify(d.after)}`).join("; ")}`);
    expect(changes).toEqual([]);
  });

  it.each(["sqlite", "mysql"] as const)("applies every declared shape and plans it back as no change (oned on %s)", async (database) => {
    const fresh = await startOneSimulator({ port: 0, delays: "fast", database });
    const provider = createOpenNebulaProvider({ endpoint: fresh.url, session: "oneadmin:opennebula" });
    try {
      const desired = everyShape();
      const first = buildPlan({ desired, live: await provider.read(desired.stack, desired), rules: provider.rules, mode: "plan" });
      const result = await applyPlan(first, provider, { desired, pollInterval: { initialMs: 5, maxMs: 20, factor: 1.5 } });
      expect(result.errors).toEqual([]);
      const plan = buildPlan({ desired, live: await provider.read(desired.stack, desired), rules: provider.rules, mode: "plan" });
      const changes = plan.changes
        .filter((c) => c.action !== "noop")
        .map((c) => `${c.address} ${c.action}: ${c.diff.map((d) => `${d.path} ${JSON.stringify(d.before)} → ${JSON.stringify(d.after)}`).join("; ")}`);
      expect(changes).toEqual([]);
    } finally {
      await provider.close();
      await fresh.close();
    }
  });

  it("applies a change of every attribute an update can change, plans it back as no change, and destroys it all", async () => {
    const fresh = await startOneSimulator({ port: 0, delays: "fast" });
    const provider = createOpenNebulaProvider({ endpoint: fresh.url, session: "oneadmin:opennebula" });
    const planOf = async (desired: ReturnType<typeof everyShape>) => buildPlan({ desired, live: await provider.read(desired.stack, desired), rules: provider.rules, mode: "plan" });
    const describe = (p: Awaited<ReturnType<typeof planOf>>) =>
      p.changes.filter((c) => c.action !== "noop").map((c) => `${c.address} ${c.action}: ${c.diff.map((d) => `${d.path} ${JSON.stringify(d.before)} → ${JSON.stringify(d.after)}`).join("; ")}`);
    try {
      const before = everyShape();
      expect((await applyPlan(await planOf(before), provider, { desired: before, pollInterval: { initialMs: 5, maxMs: 20, factor: 1.5 } })).errors).toEqual([]);
      const after = everyShape(true);
      const change = await planOf(after);
      // Every operation a diff line names must yield the calls that carry it out.
      const calls = new Map<string, Set<string>>();
      const start = provider.start.bind(provider);
      provider.start = async (...args: Parameters<typeof provider.start>) => {
        const op = await start(...args);
        const made = new Set((op.data as { plan: Step[] }).plan.flatMap((s) => (s.type === "call" ? [s.method] : [])));
        for (const d of args[0].action === "update" ? args[0].diff : []) {
          const missing = methodsOf(d.operation as OneOperation).filter((m) => !made.has(m));
          calls.set(d.operation, new Set([...(calls.get(d.operation) ?? []), ...missing.map((m) => `${args[0].address} ${d.path}: no ${m}`)]));
        }
        return op;
      };
      const result = await applyPlan(change, provider, { desired: after, pollInterval: { initialMs: 5, maxMs: 20, factor: 1.5 } });
      expect(result.errors.map((e) => `${e.address}: ${(e.error as Error).message}`)).toEqual([]);
      expect([...calls.values()].flatMap((m) => [...m])).toEqual([]);
      // The edited shape reaches most operations; operations.test.ts carries out each one on its own.
      expect([...calls.keys()].filter((op) => !(ONE_OPERATIONS as readonly string[]).includes(op) && !op.startsWith("one.vm.action "))).toEqual([]);
      expect(describe(await planOf(after))).toEqual([]);
      // And every shape goes again.
      const live = await provider.read(after.stack, after);
      const destroy = buildPlan({ desired: after, live, rules: provider.rules, mode: "destroy" });
      expect((await applyPlan(destroy, provider, { desired: after, pollInterval: { initialMs: 5, maxMs: 20, factor: 1.5 } })).errors).toEqual([]);
      expect((await provider.read(after.stack, after)).resources).toEqual([]);
    } finally {
      await provider.close();
      await fresh.close();
    }
  });
});
