/**
 * Every operation XenServer's diff rules can name yields the calls that carry it out. The table below
 * has one scenario per operation (`satisfies Record<XenOperation, …>`: an operation added to the
 * rules' type without a scenario does not compile). Each scenario applies a first shape on a fresh
 * simulator, plans a second shape, checks the plan names the operation (so the scenario really
 * reaches it), applies it, checks the simulator received the operation's calls (synchronous or as
 * `Async.*` tasks), and that the plan is clean afterwards.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { App, Image, Stack, VirtualMachine, VirtualNetwork, VmTemplate } from "../../../src/index";
import { analyseStack } from "../../../src/resources/synthesis";
import type { DesiredState } from "../../../src/resources/desired-state";
import { XenApiClient } from "../../../src/providers/xenserver/client";
import { createXenServerProvider, type XenServerProvider } from "../../../src/providers/xenserver/provider";
import { methodsOf, XEN_OPERATIONS, type XenOperation } from "../../../src/providers/xenserver/operation-names";
import { xenServerProfile } from "../../../src/providers/xenserver/profile";
import { buildPlan } from "../../../src/planner/plan-builder";
import { applyPlan } from "../../../src/planner/executor";
import { startXenServerSimulator, type RunningXenServerSimulator } from "../../../src/sim/xenserver/index";

type DiskChoice = "data" | "base";

interface Shape {
  vmName?: string;
  vmDescription?: string;
  team?: string;
  labels?: string[];
  memory?: number;
  vcpu?: number;
  powerState?: "running" | "poweroff";
  disks?: DiskChoice[];
  dataReadOnly?: boolean;
  nics?: ("net" | "net2")[];
  templateNics?: ("net" | "net2")[];
  dataName?: string;
  dataDescription?: string;
  dataOwner?: string;
  spareSize?: number;
  netName?: string;
  netDescription?: string;
  netOwner?: string;
  netMtu?: number;
  platform?: Record<string, string>;
  bootOrder?: string;
}

function ops(shape: Shape = {}): DesiredState {
  const s = new Stack(new App(), "ops", { provider: { xenserver: {} } });
  const net = new VirtualNetwork(s, "net", {
    name: shape.netName ?? "net",
    description: shape.netDescription ?? "the first network",
    mtu: shape.netMtu ?? 1500,
    attributes: { owner: shape.netOwner ?? "platform" },
  });
  const net2 = new VirtualNetwork(s, "net2", {});
  const networks = { net, net2 };
  const data = new Image(s, "data", {
    name: shape.dataName ?? "data",
    description: shape.dataDescription ?? "scratch space",
    type: "datablock",
    size: 64,
    persistent: true,
    attributes: { owner: shape.dataOwner ?? "platform" },
  });
  const base = new Image(s, "base", { type: "os", raw: { xenserver: { copyOf: "debian-12-cloud base" } } });
  new Image(s, "spare", { type: "datablock", size: shape.spareSize ?? 32, persistent: true });
  new VmTemplate(s, "tmpl", { vcpu: 1, memory: 256, nics: (shape.templateNics ?? ["net"]).map((n) => ({ network: networks[n] })), raw: { xenserver: { template: "Other install media" } } });
  const disks = { data: { image: data, readOnly: shape.dataReadOnly ?? false }, base: { image: base } };
  new VirtualMachine(s, "vm", {
    name: shape.vmName ?? "vm",
    description: shape.vmDescription ?? "the VM",
    vcpu: shape.vcpu ?? 1,
    memory: shape.memory ?? 512,
    labels: shape.labels ?? ["ops"],
    disks: (shape.disks ?? ["data"]).map((d) => disks[d]),
    nics: (shape.nics ?? ["net"]).map((n) => ({ network: networks[n] })),
    attributes: { team: shape.team ?? "platform" },
    powerState: shape.powerState ?? "running",
    raw: { xenserver: { template: "debian-12-cloud", platform: shape.platform ?? { viridian: "false" }, HVM_boot_params: { order: shape.bootOrder ?? "c" } } },
  });
  const analysis = analyseStack(s, { profile: xenServerProfile });
  if (!analysis.state) throw new Error(analysis.issues.map((i) => `${i.address}: ${i.path}: ${i.message}`).join("\n"));
  return analysis.state;
}

interface Scenario {
  first: Shape;
  second: Shape;
}

const SCENARIOS = {
  "VM.set_name_label": { first: {}, second: { vmName: "vm-renamed" } },
  "VM.set_name_description": { first: {}, second: { vmDescription: "the renamed VM" } },
  "VM.set_other_config": { first: {}, second: { team: "infra" } },
  "VM.set_tags": { first: {}, second: { labels: ["ops", "web"] } },
  "VM.set_platform": { first: {}, second: { platform: { viridian: "true", nx: "false" } } },
  "VM.set_HVM_boot_params": { first: {}, second: { bootOrder: "dc" } },
  "VM.set_memory_limits": { first: {}, second: { memory: 768 } },
  "VM.set_VCPUs_max+VM.set_VCPUs_at_startup": { first: {}, second: { vcpu: 2 } },
  "VM.start": { first: { powerState: "poweroff" }, second: {} },
  "VM.clean_shutdown": { first: {}, second: { powerState: "poweroff" } },
  "VIF.create": { first: {}, second: { templateNics: ["net", "net2"] } },
  "VIF.destroy": { first: { templateNics: ["net", "net2"] }, second: {} },
  "VIF.destroy+VIF.create": { first: {}, second: { templateNics: ["net2"] } },
  "VBD.create+VBD.plug": { first: {}, second: { disks: ["data", "base"] } },
  "VBD.unplug+VBD.destroy": { first: { disks: ["data", "base"] }, second: {} },
  "VBD.unplug+VBD.destroy+VBD.create+VBD.plug": { first: {}, second: { dataReadOnly: true } },
  "VIF.create+VIF.plug": { first: {}, second: { nics: ["net", "net2"] } },
  "VIF.unplug+VIF.destroy": { first: { nics: ["net", "net2"] }, second: {} },
  "VIF.unplug+VIF.destroy+VIF.create+VIF.plug": { first: {}, second: { nics: ["net2"] } },
  "VDI.set_name_label": { first: {}, second: { dataName: "data-renamed" } },
  "VDI.set_name_description": { first: {}, second: { dataDescription: "kept for the logs" } },
  "VDI.set_other_config": { first: {}, second: { dataOwner: "infra" } },
  "VDI.resize": { first: {}, second: { spareSize: 48 } },
  "network.set_name_label": { first: {}, second: { netName: "net-renamed" } },
  "network.set_name_description": { first: {}, second: { netDescription: "the only network" } },
  "network.set_other_config": { first: {}, second: { netOwner: "infra" } },
  "network.set_MTU": { first: {}, second: { netMtu: 9000 } },
} satisfies Record<XenOperation, Scenario>;

const fastPolls = { pollInterval: { initialMs: 5, maxMs: 20, factor: 1.5 } };

describe("every operation of XenServer's rules", () => {
  let sim: RunningXenServerSimulator;
  let provider: XenServerProvider;
  beforeEach(async () => {
    sim = await startXenServerSimulator({ port: 0, delays: "instant", slaveHost: false });
    provider = createXenServerProvider({ client: new XenApiClient({ url: sim.url, username: "root", password: "xenserver" }) });
  });
  afterEach(async () => {
    await provider.close();
    await sim.close();
  });

  const planOf = async (desired: DesiredState) => buildPlan({ desired, live: await provider.read(desired.stack, desired), rules: provider.rules, mode: "plan" });
  const active = async (desired: DesiredState) => (await planOf(desired)).changes.filter((c) => c.action !== "noop").map((c) => `${c.action} ${c.address}`);

  it("has a scenario for every operation", () => {
    expect(XEN_OPERATIONS.filter((op) => !Object.keys(SCENARIOS).includes(op))).toEqual([]);
  });

  it.each(Object.entries(SCENARIOS) as [XenOperation, Scenario][])("%s yields its calls, and the pool ends as declared", async (operation, { first, second }) => {
    const start = ops(first);
    expect((await applyPlan(await planOf(start), provider, { desired: start, ...fastPolls })).errors).toEqual([]);
    expect(await active(start)).toEqual([]);

    const desired = ops(second);
    const plan = await planOf(desired);
    const naming = plan.changes.filter((c) => c.action === "update" && c.diff.some((d) => d.operation === operation));
    expect(naming.map((c) => c.address), `no update names ${operation}`).toHaveLength(1);

    sim.resetCallCounts();
    const result = await applyPlan(plan, provider, { desired, ...fastPolls });
    expect(result.errors.map((e) => `${e.address}: ${(e.error as Error).message}`)).toEqual([]);
    const calls = sim.callCounts();
    for (const method of methodsOf(operation)) {
      const made = (calls[method] ?? 0) + (calls[`Async.${method}`] ?? 0) + (method === "VDI.resize" ? (calls["Async.VDI.resize_online"] ?? 0) : 0);
      expect(made, `${method} of ${operation} among ${Object.keys(calls).join(", ")}`).toBeGreaterThan(0);
    }
    expect(await active(desired)).toEqual([]);
  });
});
