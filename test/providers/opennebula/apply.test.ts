import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startOneSimulator, type RunningOneSimulator } from "../../../src/sim/opennebula/index";
import { createOpenNebulaProvider, type OpenNebulaProvider } from "../../../src/providers/opennebula/provider";
import { OneClient } from "../../../src/providers/opennebula/client";
import { parseObject } from "../../../src/providers/opennebula/records";
import { templateGet, templateVectors } from "../../../src/providers/opennebula/template-syntax";
import { buildPlan } from "../../../src/planner/plan-builder";
import { applyPlan, type ApplyResult } from "../../../src/planner/executor";
import { analyseStack } from "../../../src/resources/synthesis";
import type { DesiredState } from "../../../src/resources/desired-state";
import type { Plan } from "../../../src/core/plan";
import { shop } from "../../support/shop-stack";
import { App, Image, Stack, VirtualMachine, VirtualNetwork } from "../../../src/index";
import lab from "../../../examples/stacks/lab";

const fastPolls = { pollInterval: { initialMs: 5, maxMs: 20, factor: 1.5 } };

function labState(): DesiredState {
  return analyseStack((lab as never as { stacks: Parameters<typeof analyseStack>[0][] }).stacks[0]!).state!;
}

describe("OpenNebula apply against the simulator", () => {
  let sim: RunningOneSimulator;
  let provider: OpenNebulaProvider;
  let client: OneClient;
  beforeEach(async () => {
    sim = await startOneSimulator({ port: 0, delays: "fast" });
    provider = createOpenNebulaProvider({ endpoint: sim.url, session: "oneadmin:opennebula" });
    client = new OneClient({ endpoint: sim.url, session: "oneadmin:opennebula" });
  });
  afterEach(async () => {
    await client.close();
    await provider.close();
    await sim.close();
  });

  async function plan(desired: DesiredState, mode: "plan" | "destroy" = "plan"): Promise<Plan> {
    const live = await provider.read(desired.stack, desired);
    return buildPlan({ desired, live, rules: provider.rules, mode });
  }

  async function converge(desired: DesiredState, mode: "plan" | "destroy" = "plan"): Promise<{ plan: Plan; result: ApplyResult }> {
    const p = await plan(desired, mode);
    const result = await applyPlan(p, provider, { desired, ...fastPolls });
    return { plan: p, result };
  }

  async function pending(desired: DesiredState): Promise<string[]> {
    const p = await plan(desired);
    return p.changes.filter((c) => c.action !== "noop").map((c) => `${c.action} ${c.address} ${c.diff.map((d) => d.path).join(",")}`);
  }

  async function vm(id: number | string) {
    return parseObject("vm", String(await client.call("one.vm.info", Number(id))));
  }

  function idOf(p: Plan, address: string): string {
    return p.changes.find((c) => c.address === address)!.id!;
  }

  it("applies the lab from empty, and a second plan has nothing to do", async () => {
    const desired = labState();
    const { result } = await converge(desired);
    expect(result.errors).toEqual([]);
    expect(result.counts).toMatchObject({ total: 8, done: 8 });
    expect(result.outputs["lab-1-ip"]).toMatch(/^10\.20\.0\.\d+$/);
    expect(await pending(desired)).toEqual([]);
  });

  it("reads each object's tag before touching it: a plan pointed at a foreign VM or another stack's leaves them alone", async () => {
    await converge(shop());
    const foreign = Number(await client.call("one.vm.allocate", 'NAME="payroll"\nCPU="0.1"\nMEMORY="64"', false));
    // A plan edited by hand: the update of vm-2 names vm-1's id, and a delete of the foreign VM is added.
    const p = await plan(shop({ memory: 1024 }));
    const vm1 = idOf(p, "shop/vm-1");
    const edited: Plan = {
      ...p,
      changes: p.changes.map((c) => (c.address === "shop/vm-2" ? { ...c, id: vm1 } : c)),
    };
    edited.changes.push({ address: "shop/payroll", kind: "VirtualMachine", action: "delete", id: String(foreign), before: {}, diff: [], dependsOn: [], reason: "edited in" });
    sim.resetCallCounts();
    const result = await applyPlan(edited, provider, { desired: shop({ memory: 1024 }), ...fastPolls });
    expect(result.errors.map((e) => `${e.address} ${e.code}`).sort()).toEqual(["shop/payroll NOT_OWNED", "shop/vm-2 NOT_OWNED"]);
    expect(result.errors.find((e) => e.address === "shop/vm-2")!.message).toContain("carries the tag of VirtualMachine shop/vm-1");
    expect((await vm(foreign)).state).not.toBe(6);
    expect(sim.callCounts()["one.vm.action"] ?? 0).toBe(2); // vm-1's own power cycle: poweroff and resume
  });

  it("puts a VM back in the power state it had when a call fails half way through its power cycle, and says so", async () => {
    const { plan: made } = await converge(shop());
    const ids = (await plan(shop())).changes.filter((c) => c.kind === "VirtualMachine").map((c) => c.id!);
    // More memory than any host has: oned refuses the cold resize of the powered-off VM (FACTS.md §7).
    const { result } = await converge(shop({ memory: 4 * 1024 * 1024 }));
    expect(made.summary.create).toBeGreaterThan(0);
    expect(result.errors.length).toBe(ids.length);
    for (const e of result.errors) {
      expect(e.message).toMatch(/resize memory failed: .*does not have enough free capacity; the VM was powered on again, as it was before the change/);
    }
    for (const id of ids) expect(await vm(id)).toMatchObject({ state: 3, lcmState: 3 });
  });

  it("deletes a VM already on its way to DONE by waiting for it, and one still booting once it can be terminated", async () => {
    await sim.close();
    sim = await startOneSimulator({ port: 0, delays: { epilogMs: 1_000, bootMs: 800 } });
    await provider.close();
    await client.close();
    provider = createOpenNebulaProvider({ endpoint: sim.url, session: "oneadmin:opennebula" });
    client = new OneClient({ endpoint: sim.url, session: "oneadmin:opennebula" });
    await converge(shop());
    const ids = (await plan(shop())).changes.filter((c) => c.kind === "VirtualMachine").map((c) => Number(c.id));
    // A destroy stopped after its first terminate left vm-1 in EPILOG (oned refuses a terminate there).
    await client.call("one.vm.action", "terminate-hard", ids[0]!);
    // vm-2 was powered off and is booting again (oned refuses a terminate in BOOT_POWEROFF too).
    await client.call("one.vm.action", "poweroff", ids[1]!);
    await new Promise((r) => setTimeout(r, 100));
    await client.call("one.vm.action", "resume", ids[1]!);
    await new Promise((r) => setTimeout(r, 50));
    expect((await vm(ids[0]!)).lcmState).toBe(11); // EPILOG
    expect((await vm(ids[1]!)).lcmState).toBe(20); // BOOT_POWEROFF
    sim.resetCallCounts();
    const { result } = await converge(shop(), "destroy");
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    // Only the booting VM and the untouched ones got a terminate: vm-1 was only waited for.
    expect(sim.callCounts()["one.vm.action"]).toBe(ids.length - 1);
    for (const id of ids) expect((await vm(id)).state).toBe(6);
  });

  it("resizes memory in place with a power cycle and brings the VM back to RUNNING", async () => {
    await converge(shop());
    const { plan: p, result } = await converge(shop({ memory: 1024 }));
    expect(result.errors).toEqual([]);
    expect(p.summary).toEqual({ create: 0, update: 2, replace: 0, delete: 0 });
    const started = result.changes.map((c) => c.address);
    expect(started).toEqual(["shop/vm-1", "shop/vm-2"]);
    const live = await vm(idOf(p, "shop/vm-1"));
    expect(templateGet(live.template, "MEMORY")).toBe("1024");
    expect(live.state).toBe(3);
    expect(live.lcmState).toBe(3);
    expect(await pending(shop({ memory: 1024 }))).toEqual([]);
  });

  it("keeps a VM's firmware and console when only its context changes, and removes a console no longer declared", async () => {
    // oned's updateconf replace erases every OS/GRAPHICS/FEATURES… section its template leaves out.
    await converge(shop({ vms: 1, console: true, firmware: "uefi" }));
    const { plan: p, result } = await converge(shop({ vms: 1, console: true, firmware: "uefi", contextVar: "web" }));
    expect(result.errors).toEqual([]);
    const after = await vm(idOf(p, "shop/vm-1"));
    expect(templateVectors(after.template, "CONTEXT")[0]).toMatchObject({ ROLE: "web" });
    expect(templateVectors(after.template, "OS")[0]).toMatchObject({ FIRMWARE: "UEFI", BOOT: "disk0" });
    expect(templateVectors(after.template, "GRAPHICS")[0]).toMatchObject({ TYPE: "VNC", LISTEN: "0.0.0.0" });
    expect(await pending(shop({ vms: 1, console: true, firmware: "uefi", contextVar: "web" }))).toEqual([]);

    const removal = await converge(shop({ vms: 1, firmware: "uefi", contextVar: "web" }));
    expect(removal.result.errors).toEqual([]);
    expect(removal.plan.changes.find((c) => c.address === "shop/vm-1")!.diff.map((d) => d.path)).toEqual(["graphics"]);
    const unplugged = await vm(idOf(p, "shop/vm-1"));
    expect(templateVectors(unplugged.template, "GRAPHICS")).toEqual([]);
    expect(templateVectors(unplugged.template, "OS")[0]).toMatchObject({ FIRMWARE: "UEFI" });
    expect(await pending(shop({ vms: 1, firmware: "uefi", contextVar: "web" }))).toEqual([]);
  });

  it("reads a VM's raw FEATURES and BACKUP_CONFIG back where oned keeps them, and changes them in place", async () => {
    const withRaw = (acpi: string, keepLast: string): DesiredState => {
      const stack = new Stack(new App(), "raw");
      const net = new VirtualNetwork(stack, "net", { bridge: "br0", addressRanges: [{ type: "ipv4", start: "10.1.0.10", size: 20 }] });
      const os = new Image(stack, "os", { type: "os", path: "/var/tmp/os.qcow2", format: "qcow2" });
      new VirtualMachine(stack, "vm", {
        cpu: 1,
        memory: 256,
        disks: [{ image: os }],
        nics: [{ network: net }],
        raw: { opennebula: { FEATURES: { ACPI: acpi }, BACKUP_CONFIG: { KEEP_LAST: keepLast } } },
      });
      return analyseStack(stack).state!;
    };
    expect((await converge(withRaw("yes", "3"))).result.errors).toEqual([]);
    expect(await pending(withRaw("yes", "3"))).toEqual([]);
    const { plan: p, result } = await converge(withRaw("no", "4"));
    expect(result.errors).toEqual([]);
    expect(p.changes.find((c) => c.address === "raw/vm")!.diff.map((d) => [d.path, d.operation])).toEqual([
      ["raw.opennebula.BACKUP_CONFIG", "one.vm.updateconf"],
      ["raw.opennebula.FEATURES", "one.vm.updateconf"],
    ]);
    const after = await vm(idOf(p, "raw/vm"));
    expect(templateVectors(after.template, "FEATURES")[0]).toEqual({ ACPI: "no" });
    expect(templateGet(after.backupConfig, "KEEP_LAST")).toBe("4");
    expect(await pending(withRaw("no", "4"))).toEqual([]);
  });

  it("replaces a VM whose context is no longer declared, since OpenNebula cannot remove one", async () => {
    await converge(shop({ vms: 1 }));
    const { plan: p, result } = await converge(shop({ vms: 1, noContext: true }));
    expect(result.errors).toEqual([]);
    const change = p.changes.find((c) => c.address === "shop/vm-1")!;
    expect([change.action, change.forcedBy]).toEqual(["replace", ["context"]]);
    const now = (await provider.read("shop", shop({ vms: 1, noContext: true }))).resources.find((r) => r.address === "shop/vm-1")!;
    expect(now.id).not.toBe(change.id);
    expect(templateVectors((await vm(now.id)).template, "CONTEXT")).toEqual([]);
    expect(await pending(shop({ vms: 1, noContext: true }))).toEqual([]);
  });

  it("removes a VM from the stack: only it is deleted", async () => {
    const { plan: before } = await converge(shop({ vms: 3 }));
    const { plan: p, result } = await converge(shop({ vms: 2 }));
    expect(p.changes.filter((c) => c.action !== "noop").map((c) => `${c.action} ${c.address}`)).toEqual(["delete shop/vm-3"]);
    expect(result.counts).toMatchObject({ total: 1, done: 1 });
    const gone = await vm(idOf(before, "shop/vm-3")).catch(() => undefined);
    expect(gone === undefined || gone.state === 6).toBe(true);
    expect(await pending(shop({ vms: 2 }))).toEqual([]);
  });

  it("fails a VM that ends in BOOT_FAILURE with the cloud's message while the rest finish", async () => {
    sim.faults.add({ type: "fail-state", kind: "vm", match: "vm-2", state: "BOOT_FAILURE", message: "Could not create domain: out of hugepages" });
    const { result } = await converge(shop({ vms: 3 }));
    expect(result.ok).toBe(false);
    expect(result.errors.map((e) => e.address)).toEqual(["shop/vm-2"]);
    expect(result.errors[0]!.message).toContain("out of hugepages");
    expect(result.errors[0]!.message).toContain("BOOT_FAILURE");
    expect(result.counts).toMatchObject({ total: 8, done: 7, failed: 1 });
    // Once the cause is gone, a rerun replaces the failed VM (it cannot leave BOOT_FAILURE in place).
    sim.faults.clear();
    const { plan: again, result: rerun } = await converge(shop({ vms: 3 }));
    expect(again.changes.filter((c) => c.action !== "noop").map((c) => `${c.action} ${c.address} ${c.forcedBy?.join(",")}`)).toEqual(["replace shop/vm-2 status"]);
    expect(rerun.errors).toEqual([]);
    expect(await pending(shop({ vms: 3 }))).toEqual([]);
  });

  it("attaches a disk, changes a security group's rules, grows an address range and powers a VM off", async () => {
    await converge(shop());
    const next = shop({ extraDisk: true, sshPort: 2222, arSize: 40, powerOff: ["vm-2"] });
    const { plan: p, result } = await converge(next);
    expect(result.errors).toEqual([]);
    expect(p.summary.update).toBeGreaterThanOrEqual(4);
    const one = await vm(idOf(p, "shop/vm-1"));
    expect(templateVectors(one.template, "DISK")).toHaveLength(2);
    const two = await vm(idOf(p, "shop/vm-2"));
    expect(two.state).toBe(8);
    expect(await pending(next)).toEqual([]);
    // And back: the disk detached, the VM running again.
    const back = shop();
    const again = await converge(back);
    expect(again.result.errors).toEqual([]);
    expect(await pending(back)).toEqual([]);
  });

  it("passes a VM's address to another VM's context once it is known", async () => {
    const desired = shop({ web: true });
    const { plan: p, result } = await converge(desired);
    expect(result.errors).toEqual([]);
    const web = await vm(idOf(await plan(desired), "shop/web"));
    const first = await vm(idOf(await plan(desired), "shop/vm-1"));
    expect(templateVectors(web.template, "CONTEXT")[0]!.DB).toBe(templateVectors(first.template, "NIC")[0]!.IP);
    expect(p.summary.create).toBe(8);
  });

  it("replaces an image whose size changed (delete before create: it claims its name) and a VM whose boot disk comes from another image (create before delete)", async () => {
    await converge(shop({ vms: 1 }));
    const first = await plan(shop({ vms: 1 }));
    const next = shop({ vms: 1, dataSize: 2048, bootFromData: true });
    const { plan: p, result } = await converge(next);
    expect(p.changes.filter((c) => c.action === "replace").map((c) => `${c.address} ${c.replaceOrder}`)).toEqual([
      "shop/data delete-before-create",
      "shop/vm-1 create-before-destroy",
    ]);
    expect(result.errors).toEqual([]);
    const old = await vm(idOf(first, "shop/vm-1"));
    expect(old.state).toBe(6);
    expect(await pending(next)).toEqual([]);
  });

  it("finishes a replacement stopped between its create and its delete: the old object is deleted as a leftover", async () => {
    await converge(shop({ vms: 1 }));
    const oldId = Number(idOf(await plan(shop({ vms: 1 })), "shop/vm-1"));
    // What a run killed after the new VM's allocate leaves: two VMs with the address, the new one naming the old.
    const user = (await vm(oldId)).userTemplate.map((a) => `${a.name}="${String(a.value)}"`).join("\n");
    await client.call("one.vm.allocate", `NAME="vm-1"\nCPU="1"\nMEMORY="512"\n${user}\nHYPERPLAN_REPLACES="${oldId}"`, false);
    const p = await plan(shop({ vms: 1 }));
    const leftovers = p.changes.filter((c) => c.action === "delete").map((c) => c.address);
    expect(leftovers).toEqual([`shop/vm-1~replaced-${oldId}`]);
    const { result } = await converge(shop({ vms: 1 }));
    expect(result.errors).toEqual([]);
    expect((await vm(oldId)).state).toBe(6);
  });

  it("destroys everything the stack owns, dependents first", async () => {
    await converge(shop({ web: true }));
    const { result } = await converge(shop({ web: true }), "destroy");
    expect(result.errors).toEqual([]);
    const after = await plan(shop({ web: true }));
    expect(after.summary.create).toBe(after.changes.length);
  });

  it("does not make a duplicate when the answer to an allocate is lost", async () => {
    sim.faults.add({ type: "drop", method: "one.image.allocate", count: 1 });
    const desired = shop({ vms: 1 });
    const { result } = await converge(desired);
    expect(result.errors).toEqual([]);
    const images = String(await client.call("one.imagepool.info", -2, -1, -1));
    expect(images.match(/<HYPERPLAN_ADDRESS><!\[CDATA\[shop\/os\]\]>|<HYPERPLAN_ADDRESS>shop\/os</g) ?? []).toHaveLength(1);
    expect(await pending(desired)).toEqual([]);
  });

  it("ends a VM that no host can take at its timeout, quoting the scheduler's message", async () => {
    await provider.close();
    await sim.close();
    sim = await startOneSimulator({ port: 0, delays: "fast", hosts: [{ name: "tiny", cpu: 1, memoryMb: 256 }] });
    provider = createOpenNebulaProvider({ endpoint: sim.url, session: "oneadmin:opennebula" });
    const desired = shop({ vms: 1 });
    const p = await plan(desired);
    const result = await applyPlan(p, provider, { desired, ...fastPolls, timeouts: { VirtualMachine: 400 } });
    expect(result.errors.map((e) => e.address)).toEqual(["shop/vm-1"]);
    expect(result.errors[0]!.code).toBe("OPERATION_TIMEOUT");
    expect(result.errors[0]!.message).toContain("last state PENDING");
    expect(result.errors[0]!.message).toMatch(/host|capacity|memory/i);
  });

  it("rides out a dropped connection while polling and a transient INTERNAL error on a call", async () => {
    await converge(shop({ vms: 1 }));
    sim.faults.add({ type: "drop", method: "one.vmpool.infoset", count: 1 });
    sim.faults.add({ type: "error", method: "one.vm.resize", code: "INTERNAL", count: 1 });
    const { result } = await converge(shop({ vms: 1, memory: 768 }));
    expect(result.errors).toEqual([]);
    expect(await pending(shop({ vms: 1, memory: 768 }))).toEqual([]);
  });

  it("does not retry an authentication error, and names the address", async () => {
    const desired = shop({ vms: 1 });
    const p = await plan(desired);
    const wrong = createOpenNebulaProvider({ endpoint: sim.url, session: "oneadmin:wrong" });
    try {
      const result = await applyPlan(p, wrong, { desired, ...fastPolls });
      expect(result.counts.done).toBe(0);
      expect(result.errors.length).toBeGreaterThan(0);
      expect(result.errors[0]!.message).toMatch(/AUTHENTICATION|authenticat/i);
      expect(sim.callCounts()["one.image.allocate"] ?? 0).toBeLessThanOrEqual(2);
    } finally {
      await wrong.close();
    }
  });

  it("replaces a network its VMs keep using in two phases: new network, VMs move over, old network deleted and the new one renamed", async () => {
    await converge(shop({ vms: 2 }));
    const before = await plan(shop({ vms: 2 }));
    const next = shop({ vms: 2, bridgeOfNet: "br1" });
    const { plan: p, result } = await converge(next);
    const net = p.changes.find((c) => c.address === "shop/net")!;
    expect(net).toMatchObject({ action: "replace", replaceOrder: "create-before-destroy", finishAfter: ["shop/vm-1", "shop/vm-2"] });
    expect(net.reason).toContain("under a temporary name");
    expect(result.errors).toEqual([]);
    expect(result.counts).toMatchObject({ done: result.counts.total });
    const nets = String(await client.call("one.vnpool.info", -2, -1, -1));
    const ids = [...nets.matchAll(/<VNET><ID>(\d+)<\/ID>/g)].map((m) => m[1]);
    expect(ids).toEqual([idOf(await plan(next), "shop/net")]);
    expect(ids).not.toContain(idOf(before, "shop/net"));
    expect(nets).not.toContain("replacing");
    expect(await pending(next)).toEqual([]);
  });

  it("replaces an image a VM uses as a data disk in two phases", async () => {
    await converge(shop({ vms: 1, extraDisk: true }));
    const next = shop({ vms: 1, extraDisk: true, dataSize: 4096 });
    const { plan: p, result } = await converge(next);
    expect(p.changes.find((c) => c.address === "shop/data")).toMatchObject({ action: "replace", finishAfter: ["shop/vm-1"] });
    expect(result.errors).toEqual([]);
    expect(await pending(next)).toEqual([]);
  });

  it("learns the ids of objects a plan does not list once, for every change that starts meanwhile", async () => {
    await converge(shop({ vms: 1 }));
    // Only the new VMs, as a plan limited by hand would hold them: their template, network and image
    // are in no change of the plan, and three changes start at once.
    const full = await plan(shop({ vms: 4 }));
    const creates = full.changes.filter((c) => c.action === "create").map((c) => ({ ...c, dependsOn: [] }));
    expect(creates.map((c) => c.address)).toEqual(["shop/vm-2", "shop/vm-3", "shop/vm-4"]);
    const fresh = createOpenNebulaProvider({ endpoint: sim.url, session: "oneadmin:opennebula" });
    try {
      sim.resetCallCounts();
      const result = await applyPlan({ ...full, changes: creates }, fresh, { desired: shop({ vms: 4 }), ...fastPolls });
      expect(result.errors).toEqual([]);
      expect(sim.callCounts()["one.templatepool.info"]).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it("finishes a two-phase replacement stopped after its first phase: users move, the old one goes, the new one takes its name", async () => {
    await converge(shop({ vms: 1 }));
    const oldId = Number(idOf(await plan(shop({ vms: 1 })), "shop/net"));
    // What a run killed after the first phase leaves: the new network under its temporary name.
    await client.call(
      "one.vn.allocate",
      [
        `NAME = "net-replacing-${oldId}"`,
        'VN_MAD = "bridge"',
        'BRIDGE = "br1"',
        'DNS = "10.1.0.1"',
        'GATEWAY = "10.1.0.1"',
        'AR = [ TYPE = "IP4", IP = "10.1.0.10", SIZE = "20" ]',
        'HYPERPLAN_STACK = "shop"',
        'HYPERPLAN_ADDRESS = "shop/net"',
        'HYPERPLAN_KIND = "VirtualNetwork"',
        `HYPERPLAN_REPLACES = "${oldId}"`,
      ].join("\n"),
      -1,
    );
    const next = shop({ vms: 1, bridgeOfNet: "br1" });
    const p = await plan(next);
    expect(p.changes.filter((c) => c.action !== "noop").map((c) => `${c.action} ${c.address}`).sort()).toEqual([
      "delete shop/net~replaced-" + oldId,
      "update shop/net",
      "update shop/small",
      "update shop/vm-1",
    ]);
    const { result } = await converge(next);
    expect(result.errors).toEqual([]);
    expect(await pending(next)).toEqual([]);
    const nets = String(await client.call("one.vnpool.info", -2, -1, -1));
    expect([...nets.matchAll(/<NAME>(?:<!\[CDATA\[)?([^<\]]+)/g)].map((m) => m[1])).toEqual(["net"]);
  });

  it("fails a change whose hot-plug the driver refuses, with the driver's message, and plans it again", async () => {
    await converge(shop({ vms: 1 }));
    sim.faults.add({ type: "fail-hotplug", match: "vm-1", message: "device vdb busy" });
    const next = shop({ vms: 1, extraDisk: true });
    const { result } = await converge(next);
    expect(result.errors.map((e) => e.address)).toEqual(["shop/vm-1"]);
    expect(result.errors[0]!.message).toMatch(/attach disk #2 failed: .*device vdb busy/);
    // The disk did not stay: the next plan attaches it again, and succeeds once the driver does.
    sim.faults.clear();
    expect(await pending(next)).toEqual(["update shop/vm-1 disks[1]"]);
    const again = await converge(next);
    expect(again.result.errors).toEqual([]);
    expect(await pending(next)).toEqual([]);
  });

  it("waits for a kept VM still on its way to RUNNING, without changing anything", async () => {
    await provider.close();
    await sim.close();
    // The cloud's time stands still until the test moves it: the VM waits for the scheduler meanwhile.
    let cloudTime = Date.UTC(2026, 10, 24);
    sim = await startOneSimulator({ port: 0, clock: { now: () => cloudTime }, delays: { schedulerPeriodMs: 1000, prologMs: 500, bootMs: 500, imageCopyMs: 0, vnetCreateMs: 0 } });
    provider = createOpenNebulaProvider({ endpoint: sim.url, session: "oneadmin:opennebula" });
    const desired = shop({ vms: 1 });
    // An apply that gave up on the VM while it waited for the scheduler (as a killed one would).
    const first = await applyPlan(await plan(desired), provider, { desired, ...fastPolls, timeouts: { VirtualMachine: 100 } });
    expect(first.errors.map((e) => e.code)).toEqual(["OPERATION_TIMEOUT"]);
    const p = await plan(desired);
    expect(p.summary).toEqual({ create: 0, update: 0, replace: 0, delete: 0 });
    const vm = p.changes.find((c) => c.address === "shop/vm-1")!;
    expect(vm).toMatchObject({ action: "noop", arriving: "RUNNING" });
    const waiting = applyPlan(p, provider, { desired, ...fastPolls });
    await new Promise((resolve) => setTimeout(resolve, 100));
    cloudTime += 10_000;
    const result = await waiting;
    expect(result.errors).toEqual([]);
    expect(result.changes.map((c) => `${c.action} ${c.address} ${c.outcome}`)).toEqual(["noop shop/vm-1 done"]);
    const after = await plan(desired);
    expect(after.changes.find((c) => c.address === "shop/vm-1")?.arriving).toBeUndefined();
  }, 20_000);
});
