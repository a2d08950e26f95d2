/**
 * Every operation OpenNebula's diff rules can name yields the calls that carry it out. The table below
 * has one scenario per operation (`satisfies Record<OneOperation, …>`: an operation added to the
 * rules' type without a scenario does not compile). Each scenario builds a first shape on a fresh
 * simulator, plans a second shape, checks the plan names the operation (so the scenario really
 * reaches it), applies it, and checks the steps made the operation's calls in order and the cloud
 * ends where the declaration says.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { App, Image, SecurityGroup, Stack, VirtualMachine, VirtualNetwork, VmTemplate } from "../../../src/index";
import { analyseStack } from "../../../src/resources/synthesis";
import type { DesiredState } from "../../../src/resources/desired-state";
import { OneClient } from "../../../src/providers/opennebula/client";
import { createOpenNebulaProvider, type OpenNebulaProvider } from "../../../src/providers/opennebula/provider";
import { methodsOf, ONE_OPERATIONS, type OneOperation } from "../../../src/providers/opennebula/operation-names";
import type { Step } from "../../../src/providers/opennebula/steps";
import { buildPlan } from "../../../src/planner/plan-builder";
import { applyPlan } from "../../../src/planner/executor";
import { startOneSimulator, type RunningOneSimulator } from "../../../src/sim/opennebula/index";
import { writeDesired } from "../../support/one-writer";

type DiskChoice = "data" | "data2" | "scratch";

interface Shape {
  vmName?: string;
  team?: string;
  memory?: number;
  role?: string;
  disks?: DiskChoice[];
  dataReadOnly?: boolean;
  scratchSize?: number;
  nics?: ("net" | "net2")[];
  nicModel?: string;
  securityGroups?: ("ssh" | "web")[];
  powerState?: "running" | "poweroff";
  dataName?: string;
  dataDescription?: string;
  data2Type?: "datablock" | "os";
  data2Persistent?: boolean;
  net2Name?: string;
  netMtu?: number;
  netSize?: number;
  net2Ranges?: 1 | 2;
  net2SecondMac?: string;
  webName?: string;
  webPort?: number;
  templateName?: string;
  templateMemory?: number;
}

function ops(shape: Shape = {}): DesiredState {
  const s = new Stack(new App(), "ops");
  const net = new VirtualNetwork(s, "net", { bridge: "br0", mtu: shape.netMtu ?? 1500, addressRanges: [{ type: "ipv4", start: "10.1.0.10", size: shape.netSize ?? 20 }] });
  const net2 = new VirtualNetwork(s, "net2", {
    name: shape.net2Name ?? "net2",
    bridge: "br1",
    addressRanges: [
      { type: "ipv4", start: "10.2.0.10", size: 20 },
      ...((shape.net2Ranges ?? 1) === 2 ? [{ type: "ipv4" as const, start: "10.2.0.100", size: 5, mac: shape.net2SecondMac ?? "02:00:0a:02:00:64" }] : []),
    ],
  });
  const os = new Image(s, "os", { type: "os", path: "/var/tmp/os.qcow2", format: "qcow2" });
  const data = new Image(s, "data", { name: shape.dataName ?? "data", type: "datablock", size: 64, description: shape.dataDescription ?? "scratch space" });
  const data2 = new Image(s, "data2", { type: shape.data2Type ?? "datablock", path: "/var/tmp/data2.img", persistent: shape.data2Persistent ?? false });
  const groups = {
    ssh: new SecurityGroup(s, "ssh", { rules: [{ protocol: "tcp", direction: "inbound", ports: [22] }] }),
    web: new SecurityGroup(s, "web", { name: shape.webName ?? "web", rules: [{ protocol: "tcp", direction: "inbound", ports: [shape.webPort ?? 80] }] }),
  };
  new VmTemplate(s, "tmpl", { name: shape.templateName ?? "tmpl", cpu: 1, memory: shape.templateMemory ?? 256, disks: [{ image: os }], nics: [{ network: net }] });
  const disks = {
    data: { image: data, readOnly: shape.dataReadOnly ?? false },
    data2: { image: data2 },
    scratch: { size: shape.scratchSize ?? 128, type: "fs" as const, format: "raw" as const },
  };
  const networks = { net, net2 };
  new VirtualMachine(s, "vm", {
    name: shape.vmName ?? "vm",
    cpu: 1,
    vcpu: 1,
    memory: shape.memory ?? 512,
    disks: [{ image: os }, ...(shape.disks ?? []).map((d) => disks[d])],
    nics: (shape.nics ?? ["net"]).map((n, i) => ({
      network: networks[n],
      ...(i === 0 ? { model: shape.nicModel ?? "virtio", securityGroups: (shape.securityGroups ?? ["ssh"]).map((g) => groups[g]) } : {}),
    })),
    context: { network: true, vars: { ROLE: shape.role ?? "web" } },
    attributes: { TEAM: shape.team ?? "platform" },
    powerState: shape.powerState ?? "running",
  });
  const analysis = analyseStack(s);
  if (!analysis.state) throw new Error(analysis.issues.map((i) => `${i.address}: ${i.path}: ${i.message}`).join("\n"));
  return analysis.state;
}

interface Scenario {
  /** The shape the cloud starts in, and whether its VM is made in HOLD (written, not applied). */
  first: Shape & { hold?: boolean };
  second: Shape;
}

const SCENARIOS = {
  "one.vm.rename": { first: {}, second: { vmName: "vm-renamed" } },
  "one.vm.update": { first: {}, second: { team: "infra" } },
  "one.vm.resize": { first: {}, second: { memory: 768 } },
  "one.vm.updateconf": { first: {}, second: { role: "db" } },
  "one.vm.attach": { first: { disks: ["data"] }, second: { disks: ["data", "data2"] } },
  "one.vm.detach": { first: { disks: ["data"] }, second: { disks: [] } },
  "one.vm.detach+one.vm.attach": { first: { disks: ["data"] }, second: { disks: ["data"], dataReadOnly: true } },
  "one.vm.diskresize": { first: { disks: ["scratch"] }, second: { disks: ["scratch"], scratchSize: 256 } },
  "one.vm.attachnic": { first: {}, second: { nics: ["net", "net2"] } },
  "one.vm.detachnic": { first: { nics: ["net", "net2"] }, second: { nics: ["net"] } },
  "one.vm.detachnic+one.vm.attachnic": { first: {}, second: { nicModel: "e1000" } },
  "one.vm.attachsg": { first: {}, second: { securityGroups: ["ssh", "web"] } },
  "one.vm.detachsg": { first: { securityGroups: ["ssh", "web"] }, second: { securityGroups: ["ssh"] } },
  "one.vm.detachsg+one.vm.attachsg": { first: {}, second: { securityGroups: ["web"] } },
  "one.vm.action poweroff": { first: {}, second: { powerState: "poweroff" } },
  "one.vm.action resume": { first: { powerState: "poweroff" }, second: {} },
  "one.vm.action release": { first: { hold: true }, second: {} },
  "one.image.rename": { first: {}, second: { dataName: "data-renamed" } },
  "one.image.update": { first: {}, second: { dataDescription: "kept for the logs" } },
  "one.image.chtype": { first: {}, second: { data2Type: "os" } },
  "one.image.persistent": { first: {}, second: { data2Persistent: true } },
  "one.vn.rename": { first: {}, second: { net2Name: "net2-renamed" } },
  "one.vn.update": { first: {}, second: { netMtu: 9000 } },
  "one.vn.add_ar": { first: {}, second: { net2Ranges: 2 } },
  "one.vn.rm_ar": { first: { net2Ranges: 2 }, second: {} },
  "one.vn.rm_ar+one.vn.add_ar": { first: { net2Ranges: 2 }, second: { net2Ranges: 2, net2SecondMac: "02:00:0a:02:01:64" } },
  "one.vn.update_ar": { first: {}, second: { netSize: 30 } },
  "one.secgroup.rename": { first: {}, second: { webName: "web-renamed" } },
  "one.secgroup.update": { first: {}, second: { webPort: 8080 } },
  "one.template.rename": { first: {}, second: { templateName: "tmpl-renamed" } },
  "one.template.update": { first: {}, second: { templateMemory: 384 } },
} satisfies Record<OneOperation, Scenario>;

const fastPolls = { pollInterval: { initialMs: 5, maxMs: 20, factor: 1.5 } };

describe("every operation of OpenNebula's rules", () => {
  let sim: RunningOneSimulator;
  let provider: OpenNebulaProvider;
  beforeEach(async () => {
    sim = await startOneSimulator({ port: 0, delays: "instant" });
    provider = createOpenNebulaProvider({ endpoint: sim.url, session: "oneadmin:opennebula" });
  });
  afterEach(async () => {
    await provider.close();
    await sim.close();
  });

  const planOf = async (desired: DesiredState) => buildPlan({ desired, live: await provider.read(desired.stack, desired), rules: provider.rules, mode: "plan" });

  it("has a scenario, including each power action", () => {
    const named = Object.keys(SCENARIOS);
    expect(named.filter((op) => op.startsWith("one.vm.action ")).sort()).toEqual(["one.vm.action poweroff", "one.vm.action release", "one.vm.action resume"]);
    expect(ONE_OPERATIONS.filter((op) => !named.includes(op))).toEqual([]);
  });

  it.each(Object.entries(SCENARIOS) as [OneOperation, Scenario][])("%s yields its calls, and the cloud ends as declared", async (operation, { first, second }) => {
    const { hold, ...firstShape } = first;
    if (hold) {
      const client = new OneClient({ endpoint: sim.url, session: "oneadmin:opennebula" });
      await writeDesired(client, ops(firstShape), { hold: new Set(["ops/vm"]) });
      await client.close();
    } else {
      const desired = ops(firstShape);
      expect((await applyPlan(await planOf(desired), provider, { desired, ...fastPolls })).errors).toEqual([]);
      expect((await planOf(desired)).changes.filter((c) => c.action !== "noop").map((c) => c.address)).toEqual([]);
    }

    const desired = ops(second);
    const plan = await planOf(desired);
    const naming = plan.changes.filter((c) => c.action === "update" && c.diff.some((d) => d.operation === operation));
    expect(naming.map((c) => c.address), `no update names ${operation}`).toHaveLength(1);

    const made: string[] = [];
    const start = provider.start.bind(provider);
    provider.start = async (...args: Parameters<OpenNebulaProvider["start"]>) => {
      const op = await start(...args);
      if (args[0].address === naming[0]!.address) made.push(...(op.data as { plan: Step[] }).plan.flatMap((s) => (s.type === "call" ? [s.method] : [])));
      return op;
    };
    const result = await applyPlan(plan, provider, { desired, ...fastPolls });
    expect(result.errors.map((e) => `${e.address}: ${(e.error as Error).message}`)).toEqual([]);
    // The operation's calls, in their order, among the steps of the change.
    const wanted = methodsOf(operation);
    let from = 0;
    for (const method of wanted) {
      const at = made.indexOf(method, from);
      expect(at, `${method} of ${operation} in ${made.join(", ")}`).toBeGreaterThanOrEqual(0);
      from = at + 1;
    }
    expect((await planOf(desired)).changes.filter((c) => c.action !== "noop").map((c) => `${c.action} ${c.address}`)).toEqual([]);
  });
});
