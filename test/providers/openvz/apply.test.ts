/**
 * OpenVZ stacks through the core against the panel's simulator: a plan from empty makes the
 * containers, the plan after it is clean, edits apply in place (limits) or by reinstall (the OS),
 * drift by hand is brought back, a destroy removes exactly the stack's containers, and a create whose
 * answer is lost is found by its mark instead of made twice.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { App, Image, Stack, VirtualMachine, VirtualNetwork, VmTemplate } from "../../../src/index";
import { analyseStack } from "../../../src/resources/synthesis";
import { buildPlan } from "../../../src/planner/plan-builder";
import { applyPlan } from "../../../src/planner/executor";
import { OwpClient } from "../../../src/providers/openvz/client";
import { OwpCredentials } from "../../../src/providers/openvz/config";
import { openVzProfile } from "../../../src/providers/openvz/profile";
import { OpenVzProvider } from "../../../src/providers/openvz/provider";
import { startOpenVzSimulator } from "../../../src/sim/openvz/index";

type Sim = Awaited<ReturnType<typeof startOpenVzSimulator>>;

interface Shape {
  memory?: number;
  os?: string;
  count?: number;
  ip?: boolean;
  stopped?: boolean;
}

function ci(shape: Shape = {}) {
  const s = new Stack(new App(), "ci");
  const os = new Image(s, shape.os ?? "debian-11-x86_64", { type: "os", persistent: false });
  const basic = new VmTemplate(s, "vps.basic", {});
  const net = new VirtualNetwork(s, "venet", { addressRanges: [{ type: "ipv4", start: "10.10.1.20", size: 50 }] });
  for (let i = 1; i <= (shape.count ?? 2); i++) {
    new VirtualMachine(s, `build-${i}`, {
      template: basic,
      vcpu: 2,
      memory: shape.memory ?? 1024,
      disks: [{ image: os, size: 10240 }],
      nics: [shape.ip ? { network: net, ip: `10.10.1.${20 + i}` } : { network: net }],
      context: { password: "r00t-pw" },
      ...(shape.stopped ? { powerState: "poweroff" as const } : {}),
      raw: { openvz: { hardwareServer: "node1.lan", cpuUnits: 1000 } },
    });
  }
  const analysis = analyseStack(s, { profile: openVzProfile });
  if (!analysis.state) throw new Error(analysis.issues.map((i) => `${i.address}: ${i.path}: ${i.message}`).join("\n"));
  return analysis.state;
}

const fastPolls = { pollInterval: { initialMs: 5, maxMs: 50, factor: 1.5 } };

describe("OpenVZ stacks through the core", () => {
  let sim: Sim;
  let provider: OpenVzProvider;
  let hand: OwpClient;
  beforeEach(async () => {
    sim = await startOpenVzSimulator({ port: 0, delays: "fast" });
    const client = () => new OwpClient({ url: sim.url, credentials: new OwpCredentials("admin", "admin") });
    provider = new OpenVzProvider({ client: client() });
    hand = client();
  });
  afterEach(async () => {
    await provider.close();
    await hand.close();
    await sim.close();
  });

  const planOf = async (desired: ReturnType<typeof ci>, mode: "plan" | "destroy" = "plan") => buildPlan({ desired, live: await provider.read(desired.stack, desired), rules: provider.rules, mode });
  const active = async (desired: ReturnType<typeof ci>) => (await planOf(desired)).changes.filter((c) => c.action !== "noop").map((c) => `${c.action} ${c.address}`);
  const apply = async (desired: ReturnType<typeof ci>, mode: "plan" | "destroy" = "plan") => {
    const result = await applyPlan(await planOf(desired, mode), provider, { desired, ...fastPolls });
    expect(result.errors.map((e) => `${e.address}: ${(e.error as Error).message}`)).toEqual([]);
    return result;
  };
  const mine = async () => (await hand.virtualServersOf(1)).filter((vs) => (vs.description ?? "").startsWith("hyperplan ci "));

  it("creates the containers marked as the stack's, plans clean, updates in place, reinstalls, converges after drift, destroys only its own", async () => {
    const before = await hand.virtualServersOf(1);
    const first = ci();
    // Two containers, and the OS template, server template and venet taken into use (creates that make nothing).
    const empty = await planOf(first);
    expect(empty.summary).toEqual({ create: 5, update: 0, replace: 0, delete: 0 });
    expect(empty.changes.filter((c) => c.kind !== "VirtualMachine").map((c) => c.reason).sort()).toEqual([
      expect.stringContaining("nothing: the hardware servers' venet is used as it is"),
      expect.stringContaining("nothing: the panel's OS template is looked up and used as it is"),
      expect.stringContaining("nothing: the panel's server template is looked up and used as it is"),
    ]);
    // A destroy of nothing plans nothing.
    expect((await planOf(first, "destroy")).changes).toEqual([]);
    await apply(first);
    expect(await active(first)).toEqual([]);
    const made = await mine();
    expect(made.map((vs) => [vs.description, vs.hostName, vs.osTemplate, vs.serverTemplate, vs.memory, vs.cpus, vs.diskspace, vs.cpuUnits, vs.state, vs.ipAddresses.length])).toEqual([
      ["hyperplan ci build-1", "build-1", "debian-11-x86_64", "vps.basic", 1024, 2, 10240, 1000, "running", 1],
      ["hyperplan ci build-2", "build-2", "debian-11-x86_64", "vps.basic", 1024, 2, 10240, 1000, "running", 1],
    ]);
    expect(sim.world.rootPasswordIs(made[0]!.id, "r00t-pw")).toBe(true);

    // Memory: in place, no restart.
    const bigger = ci({ memory: 2048 });
    const update = await planOf(bigger);
    expect(update.changes.filter((c) => c.action === "update").flatMap((c) => c.diff.map((d) => `${c.address} ${d.path} ${d.operation}`))).toEqual(["ci/build-1 memory update", "ci/build-2 memory update"]);
    await apply(bigger);
    expect(await active(bigger)).toEqual([]);

    // Stopped by hand: started again.
    await hand.stop(made[1]!.id);
    expect(await active(bigger)).toEqual(["update ci/build-2"]);
    await apply(bigger);
    expect(await active(bigger)).toEqual([]);

    // Another OS: a reinstall, identity and IP kept.
    const ubuntu = ci({ memory: 2048, os: "ubuntu-22.04-x86_64" });
    const reinstall = await planOf(ubuntu);
    expect(reinstall.changes.find((c) => c.address === "ci/build-1")?.diff.map((d) => `${d.path} ${d.operation}`)).toEqual(["disks[0].image reinstall"]);
    await apply(ubuntu);
    const after = await mine();
    expect(after.map((vs) => [vs.identity, vs.ipAddresses, vs.osTemplate])).toEqual(made.map((vs) => [vs.identity, vs.ipAddresses, "ubuntu-22.04-x86_64"]));
    expect(await active(ubuntu)).toEqual([]);

    // Destroy: the stack's containers go, the panel's others stay; the looked-up objects are let go without a call.
    const destroy = await planOf(ubuntu, "destroy");
    expect(destroy.changes.map((c) => `${c.action} ${c.address}`).sort()).toEqual(["delete ci/build-1", "delete ci/build-2", "delete ci/ubuntu-22.04-x86_64", "delete ci/venet", "delete ci/vps.basic"]);
    await apply(ubuntu, "destroy");
    expect(await mine()).toEqual([]);
    expect((await hand.virtualServersOf(1)).map((vs) => vs.id)).toEqual(before.map((vs) => vs.id));
    expect((await hand.osTemplates(1)).map((t) => t.name)).toContain("ubuntu-22.04-x86_64");
  });

  it("refuses, at plan time, an OS template or hardware server the panel does not have", async () => {
    await expect(planOf(ci({ os: "gentoo-x86_64" }))).rejects.toThrow(/ci\/gentoo-x86_64: the OS template "gentoo-x86_64" is not installed on any hardware server \(the panel has centos-7-x86_64, debian-11-x86_64/);
    await expect(planOf(ci({ os: "debian-12-x86_64" }))).rejects.toThrow(/ci\/build-1: its OS template "debian-12-x86_64" \(ci\/debian-12-x86_64\) is not installed on node1\.lan/);
  });

  it("names the field the panel refused, as the declaration names it, and makes nothing", async () => {
    // Someone else's container holds the address build-1 declares.
    await hand.createVirtualServer({ hardware_server_id: 1, host_name: "x", orig_os_template: "debian-11-x86_64", orig_server_template: "vps.basic", ip_address: "10.10.1.21", description: "" });
    const desired = ci({ ip: true, count: 1 });
    const result = await applyPlan(await planOf(desired), provider, { desired, ...fastPolls });
    expect(result.errors.map((e) => (e.error as Error).message)).toEqual([
      expect.stringMatching(/^ci\/build-1: virtual_servers\/create was refused: nics\[\*\]\.ip \(ip_address\): IP address was assigned already to the other server\./),
    ]);
    expect(await mine()).toEqual([]);
  });

  it("says what to do when a NIC without ip lost its address: the panel hands one out only to a container it makes", async () => {
    const desired = ci({ count: 1 });
    await apply(desired);
    const [vm] = await mine();
    await hand.updateVirtualServer(vm!.id, { ip_address: "" });
    const result = await applyPlan(await planOf(desired), provider, { desired, ...fastPolls });
    expect(result.errors.map((e) => (e.error as Error).message)).toEqual([
      "ci/build-1: nics[0] has no ip and the container has none there: the panel gives an address from its pools only to a container it makes. Give nics[0].ip, or make the container again with --replace ci/build-1",
    ]);
  });

  it("moves a renamed construct's container in place: its description rewritten, its id kept", async () => {
    await apply(ci({ count: 1 }));
    const [before] = await mine();
    const s = new Stack(new App(), "ci");
    const os = new Image(s, "debian-11-x86_64", { type: "os", persistent: false });
    const basic = new VmTemplate(s, "vps.basic", {});
    const net = new VirtualNetwork(s, "venet", { addressRanges: [{ type: "ipv4", start: "10.10.1.20", size: 50 }] });
    new VirtualMachine(s, "builder", {
      moved: { from: "ci/build-1" },
      template: basic,
      vcpu: 2,
      memory: 1024,
      disks: [{ image: os, size: 10240 }],
      nics: [{ network: net }],
      context: { password: "r00t-pw" },
      raw: { openvz: { hardwareServer: "node1.lan", cpuUnits: 1000 } },
    });
    const desired = analyseStack(s, { profile: openVzProfile }).state!;
    const plan = await planOf(desired);
    expect(plan.changes.filter((c) => c.action !== "noop").map((c) => `${c.action} ${c.address} ${c.diff.map((d) => d.path).join(",")}`)).toEqual(["update ci/builder address,name"]);
    await apply(desired);
    const [after] = await mine();
    expect([after!.id, after!.description, after!.hostName]).toEqual([before!.id, "hyperplan ci builder", "builder"]);
    expect(await active(desired)).toEqual([]);
  });

  it("adopts a container made by hand when its mark is written (import), then plans it like its own", async () => {
    const byHand = await hand.createVirtualServer({ hardware_server_id: 1, host_name: "build-1", orig_os_template: "debian-11-x86_64", orig_server_template: "vps.basic", memory: 512, diskspace: 10240, cpus: 2, cpu_units: 1000, ip_address: "auto", description: "made by hand", start_after_creation: true });
    const desired = ci({ count: 1 });
    expect((await planOf(desired)).summary.create).toBe(4);
    provider.begin(await planOf(desired));
    expect(await provider.readOwnership("VirtualMachine", String(byHand))).toEqual({ state: "untagged" });
    await provider.retag("VirtualMachine", String(byHand), { stack: "ci", address: "", kind: "VirtualMachine" }, { stack: "ci", address: "ci/build-1", kind: "VirtualMachine" });
    const adopted = await planOf(desired);
    expect(adopted.changes.filter((c) => c.action !== "noop" && c.kind === "VirtualMachine").map((c) => `${c.action} ${c.address} ${c.id} ${c.diff.map((d) => d.path).join(",")}`)).toEqual([`update ci/build-1 ${byHand} memory`]);
    await apply(desired);
    expect((await hand.virtualServer(byHand)).memory).toBe(1024);
  });

  it("finds a create whose answer was lost by the stack's mark, and makes nothing twice", async () => {
    sim.faults.add({ type: "reset-after", method: "virtual_servers/create", count: 1 });
    const desired = ci({ count: 1 });
    await apply(desired);
    expect((await mine()).map((vs) => vs.hostName)).toEqual(["build-1"]);
    expect(await active(desired)).toEqual([]);
  });

  it("leaves a container it does not own alone, and warns before making one of the same name", async () => {
    const foreign = await hand.createVirtualServer({ hardware_server_id: 1, host_name: "build-1", orig_os_template: "debian-11-x86_64", orig_server_template: "vps.basic", description: "by hand" });
    const plan = await planOf(ci({ count: 1 }));
    expect(plan.summary).toEqual({ create: 4, update: 0, replace: 0, delete: 0 });
    expect(plan.warnings?.map((w) => w.message)).toEqual([expect.stringContaining(`a virtual machine named "build-1" already exists (id ${foreign}) that stack "ci" does not own (its description does not carry the stack's mark)`)]);
    await apply(ci({ count: 1 }));
    await apply(ci({ count: 1 }), "destroy");
    expect((await hand.virtualServer(foreign)).description).toBe("by hand");
  });
});
