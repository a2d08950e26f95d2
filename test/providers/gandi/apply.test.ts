/**
 * Gandi stacks planned and applied through the core (buildPlan, applyPlan) against the Gandi
 * simulator: two web VMs with data disks made from an empty account and planned clean, memory
 * changed through vm_update, a VM stopped by hand started again, and everything deleted, leaving a VM
 * of another name untouched.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { App, Image, Stack, VirtualMachine } from "../../../src/index";
import { Construct } from "constructs";
import { analyseStack } from "../../../src/resources/synthesis";
import { buildPlan } from "../../../src/planner/plan-builder";
import { applyPlan } from "../../../src/planner/executor";
import { GandiClient } from "../../../src/providers/gandi/client";
import { gandiProfile } from "../../../src/providers/gandi/profile";
import { gandiDiffRules } from "../../../src/providers/gandi/diff-rules";
import { GandiProvider } from "../../../src/providers/gandi/provider";
import { gandiName } from "../../../src/providers/gandi/naming";
import { startGandiSimulator } from "../../../src/sim/gandi/index";

type Sim = Awaited<ReturnType<typeof startGandiSimulator>>;

function web(memory = 256) {
  const s = new Stack(new App(), "web");
  for (const i of [1, 2]) {
    const data = new Image(s, `web-${i}-data`, { type: "datablock", size: 512, persistent: true });
    new VirtualMachine(s, `web-${i}`, { memory: i === 1 ? memory : 256, disks: [{ image: data }], context: { password: "Root-passw0rd" }, raw: { gandi: { os: "Debian 12" } } });
  }
  const analysis = analyseStack(s, { profile: gandiProfile });
  if (!analysis.state) throw new Error(analysis.issues.map((i) => `${i.address}: ${i.path}: ${i.message}`).join("\n"));
  return analysis.state;
}

const fastPolls = { pollInterval: { initialMs: 5, maxMs: 50, factor: 1.5 } };

describe("Gandi stacks through the core", () => {
  let sim: Sim;
  let provider: GandiProvider;
  let hand: GandiClient;
  beforeEach(async () => {
    sim = await startGandiSimulator({ port: 0, delays: "fast" });
    provider = new GandiProvider({ client: new GandiClient({ url: sim.url, login: "AA1234-GANDI", password: "gandi" }) });
    hand = new GandiClient({ url: sim.url, login: "AA1234-GANDI", password: "gandi" });
  });
  afterEach(async () => {
    await provider.close();
    await hand.close();
    await sim.close();
  });

  const planOf = async (desired: ReturnType<typeof web>, mode: "plan" | "destroy" = "plan") => buildPlan({ desired, live: await provider.read(desired.stack, desired), rules: provider.rules, mode });
  const active = async (desired: ReturnType<typeof web>) => (await planOf(desired)).changes.filter((c) => c.action !== "noop").map((c) => `${c.action} ${c.address}`);
  const apply = async (desired: ReturnType<typeof web>, mode: "plan" | "destroy" = "plan") => {
    const result = await applyPlan(await planOf(desired, mode), provider, { desired, ...fastPolls });
    expect(result.errors.map((e) => `${e.address}: ${(e.error as Error).message}`)).toEqual([]);
  };
  async function settle(opId: number): Promise<void> {
    for (let i = 0; i < 400; i++) {
      if ((await hand.operationDetails(opId)).state === "DONE") return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`operation ${opId} did not finish`);
  }

  it("creates, updates, converges after a stop by hand, and deletes only what it owns", async () => {
    const debian = (await hand.osList()).find((os) => os.name === "Debian" && os.version === "12")!;
    const foreign = await hand.vmCreate({ hostname: "web-1", password: "Other-passw0rd", os_id: debian.id, shares: 1, cpu: 1 });

    const first = web();
    expect((await planOf(first)).summary).toEqual({ create: 4, update: 0, replace: 0, delete: 0 });
    await apply(first);
    expect(await active(first)).toEqual([]);
    const names = (await Promise.all((await hand.vmList()).map((id) => hand.vmInfo(id)))).map((vm) => vm.hostname).sort();
    expect(names).toEqual(["web-1", gandiName("web", "VirtualMachine", "web-1"), gandiName("web", "VirtualMachine", "web-2")].sort());

    // Memory is shares: 512 MiB is two.
    const bigger = web(512);
    const update = await planOf(bigger);
    expect(update.changes.filter((c) => c.action === "update").flatMap((c) => c.diff.map((d) => `${c.address} ${d.path} ${d.operation}`))).toEqual(["web/web-1 memory vm_update"]);
    await apply(bigger);
    expect(await active(bigger)).toEqual([]);

    // Stopped by hand: started again.
    const vm2 = (await Promise.all((await hand.vmList()).map((id) => hand.vmInfo(id)))).find((vm) => vm.hostname === gandiName("web", "VirtualMachine", "web-2"))!;
    await settle(await hand.vmStop(vm2.id));
    expect(await active(bigger)).toEqual(["update web/web-2"]);
    await apply(bigger);
    expect(await active(bigger)).toEqual([]);

    await apply(bigger, "destroy");
    expect((await planOf(bigger)).summary).toEqual({ create: 4, update: 0, replace: 0, delete: 0 });
    expect((await hand.vmInfo(foreign)).hostname).toBe("web-1");
  }, 60_000);
});

describe("a Gandi VM moved to another construct", () => {
  it("is refused at plan time: its name carries the mark and no call renames it", () => {
    const s = new Stack(new App(), "web");
    new VirtualMachine(s, "web-one", { moved: { from: "web/web-1" }, memory: 256, context: { password: "Root-passw0rd" }, raw: { gandi: { os: "Debian 12" } } });
    const desired = analyseStack(s, { profile: gandiProfile }).state!;
    const live = { stack: "web", endpoint: "x", fingerprint: "x", resources: [{ address: "web/web-1", kind: "VirtualMachine" as const, name: "web-1", id: "9", props: { attributes: {}, labels: [], powerState: "running" as const, disks: [], nics: [] }, dependsOn: [], status: { state: "RUNNING", healthy: true } }] };
    expect(() => buildPlan({ desired, live, rules: gandiDiffRules, mode: "plan" })).toThrow(/web\/web-one: is moved from web\/web-1, but a Gandi object's name carries its stack's mark/);
  });
});

describe("a Gandi VM is done when it reads back as declared", () => {
  it("fails the change, naming what differs, when the VM read after its operations are DONE is not as declared", async () => {
    const sim = await startGandiSimulator({ port: 0, delays: "fast" });
    const hand = new GandiClient({ url: sim.url, login: "AA1234-GANDI", password: "gandi" });
    let meddle: ((id: number) => Promise<void>) | undefined;
    /** The account as a person changes it by hand between hyperplan's last operation and its read-back. */
    class Meddled extends GandiClient {
      override async vmInfo(id: number) {
        const once = meddle;
        meddle = undefined;
        await once?.(id);
        return super.vmInfo(id);
      }
    }
    const provider = new GandiProvider({ client: new Meddled({ url: sim.url, login: "AA1234-GANDI", password: "gandi" }) });
    try {
      const desired = web();
      const plan = buildPlan({ desired, live: await provider.read(desired.stack, desired), rules: provider.rules, mode: "plan" });
      meddle = async (id) => {
        const op = await hand.vmUpdate(id, { cpu: 2 });
        for (let i = 0; i < 500 && (await hand.operationDetails(op)).state !== "DONE"; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      };
      const result = await applyPlan(plan, provider, { desired, ...fastPolls });
      const messages = result.errors.map((e) => (e.error as Error).message);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(/^web\/web-[12]: VM \d+'s operations are DONE but it does not read back as declared: cpu 2, declared 1$/);
    } finally {
      await provider.close();
      await hand.close();
      await sim.close();
    }
  });
});

describe("a Gandi stack with nested constructs", () => {
  it("knows its objects by kind and name wherever their constructs sit: created once, then clean", async () => {
    const sim = await startGandiSimulator({ port: 0, delays: "fast" });
    const provider = new GandiProvider({ client: new GandiClient({ url: sim.url, login: "AA1234-GANDI", password: "gandi" }) });
    try {
      const s = new Stack(new App(), "web");
      const tier = new Construct(s, "tier");
      const data = new Image(tier, "data", { type: "datablock", size: 512, persistent: true });
      new VirtualMachine(tier, "app", { memory: 256, disks: [{ image: data }], context: { password: "Root-passw0rd" }, raw: { gandi: { os: "Debian 12" } } });
      const desired = analyseStack(s, { profile: gandiProfile }).state!;
      expect(desired.resources.map((r) => r.address)).toEqual(["web/tier/app", "web/tier/data"]);
      const plan = async () => buildPlan({ desired, live: await provider.read("web", desired), rules: provider.rules, mode: "plan" });
      const result = await applyPlan(await plan(), provider, { desired, ...fastPolls });
      expect(result.errors).toEqual([]);
      expect((await plan()).changes.map((c) => `${c.action} ${c.address}`).sort()).toEqual(["noop web/tier/app", "noop web/tier/data"]);
      const destroyed = await applyPlan(buildPlan({ desired, live: await provider.read("web", desired), rules: provider.rules, mode: "destroy" }), provider, { desired, ...fastPolls });
      expect(destroyed.errors).toEqual([]);
    } finally {
      await provider.close();
      await sim.close();
    }
  });
});
