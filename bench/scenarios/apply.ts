/**
 * The apply scenarios.
 *
 * apply-dag: a stack of 200 VMs with their networks, images and templates, some VMs waiting for
 * another VM's address (chains of four), applied from empty against the simulator with scaled-down
 * lifecycle delays. The figure of merit is `efficiency = bound / wall`, where the bound is what no
 * scheduler can beat: the longest chain of operation latencies along the plan's dependencies, or the
 * total work divided by the parallelism if that is larger. The latencies are the ones this run
 * measured for each change. Beside it: the same apply in waves (every change of dependency level k
 * finished before level k+1 starts), on a fresh simulator.
 *
 * poll-load: N operations in flight at once (VMs that take a long time to boot), and the calls per
 * second the tracker makes while they are: one batched read per kind per tick, whatever N is.
 */
import { App, Image, Stack, VirtualMachine, VirtualNetwork, VmTemplate } from "../../src/index";
import { analyseStack } from "../../src/resources/synthesis";
import type { DesiredState } from "../../src/resources/desired-state";
import { createOpenNebulaProvider } from "../../src/providers/opennebula/provider";
import { buildPlan } from "../../src/planner/plan-builder";
import { applyPlan, DEFAULT_PARALLELISM, type ApplyResult } from "../../src/planner/executor";
import type { Plan } from "../../src/core/plan";
import { startOneSimulator, type RunningOneSimulator, type SimDelays } from "../../src/sim/opennebula/index";
import { round, timed, type Scenario, type ScenarioResult } from "../scenario";

const SESSION = "oneadmin:opennebula";
const HOSTS = [
  { name: "kvm-1", cpu: 100_000, memoryMb: 100_000_000 },
  { name: "kvm-2", cpu: 100_000, memoryMb: 100_000_000 },
];
/** The calls the tracker's polls make, by the kind they read. */
const POLL_METHODS: Record<string, string> = { "one.vmpool.infoset": "vm", "one.imagepool.info": "image", "one.vnpool.info": "vnet" };

function stackOf(vms: number): DesiredState {
  const app = new App();
  const stack = new Stack(app, "dag");
  const nets = Math.max(1, Math.round(vms / 20));
  const images = Math.max(1, Math.round(vms / 10));
  const templates = Math.max(1, Math.round(vms / 20));
  const netList = Array.from({ length: nets }, (_, i) => new VirtualNetwork(stack, `net-${i}`, { bridge: `br${i}`, addressRanges: [{ type: "ipv4", start: `10.${i}.0.10`, size: 200 }] }));
  const imageList = Array.from({ length: images }, (_, i) => new Image(stack, `img-${i}`, { type: "os", path: `/var/lib/images/os-${i}.qcow2` }));
  const templateList = Array.from({ length: templates }, (_, i) =>
    new VmTemplate(stack, `tmpl-${i}`, { cpu: 1, memory: 512, disks: [{ image: imageList[i % images]! }], nics: [{ network: netList[i % nets]! }] }),
  );
  const list: VirtualMachine[] = [];
  for (let i = 0; i < vms; i++) {
    // Every VM but each fourth waits for the previous one's address: chains of four.
    const peer = i % 4 === 0 ? undefined : list[i - 1];
    list.push(
      new VirtualMachine(stack, `vm-${String(i).padStart(3, "0")}`, {
        template: templateList[i % templates]!,
        ...(peer ? { context: { sshKeys: [], vars: { PEER: peer.ipAddress } } } : {}),
      }),
    );
  }
  const analysis = analyseStack(stack);
  if (!analysis.state) throw new Error(`the benchmark stack is invalid: ${analysis.issues.map((i) => i.message).join("; ")}`);
  return analysis.state;
}

/** Calls per second of the poll methods, sampled every second while `during` runs. */
async function sampleCalls<T>(sim: RunningOneSimulator, during: Promise<T>, windowMs = 1000): Promise<{ value: T; windows: Record<string, number>[] }> {
  const windows: Record<string, number>[] = [];
  let last = sim.callCounts();
  const take = () => {
    const now = sim.callCounts();
    const window: Record<string, number> = {};
    for (const [method, kind] of Object.entries(POLL_METHODS)) window[kind] = (now[method] ?? 0) - (last[method] ?? 0);
    last = now;
    windows.push(window);
  };
  const timer = setInterval(take, windowMs);
  try {
    return { value: await during, windows };
  } finally {
    clearInterval(timer);
  }
}

function rates(windows: Record<string, number>[], seconds: number): { mean: Record<string, number>; max: Record<string, number> } {
  const mean: Record<string, number> = {};
  const max: Record<string, number> = {};
  for (const kind of Object.values(POLL_METHODS)) {
    const counts = windows.map((w) => w[kind] ?? 0);
    mean[kind] = round(counts.reduce((a, b) => a + b, 0) / Math.max(seconds, 1e-9), 2);
    max[kind] = Math.max(0, ...counts);
  }
  return { mean, max };
}

/** The longest chain of measured durations along dependsOn, and the total work. */
export function lowerBound(plan: Plan, result: ApplyResult, parallelism: number): { criticalPathMs: number; totalWorkMs: number; boundMs: number } {
  const duration = new Map(result.changes.map((c) => [c.address, c.durationMs ?? 0]));
  const finish = new Map<string, number>();
  const byAddress = new Map(plan.changes.map((c) => [c.address, c]));
  const longest = (address: string): number => {
    const known = finish.get(address);
    if (known !== undefined) return known;
    const change = byAddress.get(address);
    const before = Math.max(0, ...(change?.dependsOn ?? []).filter((d) => byAddress.has(d)).map(longest));
    const value = before + (duration.get(address) ?? 0);
    finish.set(address, value);
    return value;
  };
  const criticalPathMs = Math.max(0, ...plan.changes.map((c) => longest(c.address)));
  const totalWorkMs = [...duration.values()].reduce((a, b) => a + b, 0);
  return { criticalPathMs, totalWorkMs, boundMs: Math.max(criticalPathMs, totalWorkMs / parallelism) };
}

/**
 * The same bound from the latencies the simulator was configured with instead of the measured ones:
 * what an operation costs in the cloud itself (a VM waits half a scheduler period on average, then
 * copies and boots), without anything the client adds.
 */
export function modelBound(plan: Plan, delays: Partial<SimDelays>, parallelism: number): { criticalPathMs: number; totalWorkMs: number; boundMs: number } {
  const latency = (kind: string): number => {
    switch (kind) {
      case "VirtualMachine":
        return (delays.schedulerPeriodMs ?? 0) / 2 + (delays.prologMs ?? 0) + (delays.bootMs ?? 0);
      case "Image":
        return delays.imageCopyMs ?? 0;
      case "VirtualNetwork":
        return delays.vnetCreateMs ?? 0;
      default:
        return 0;
    }
  };
  const result = { changes: plan.changes.map((c) => ({ address: c.address, durationMs: latency(c.kind) })) } as unknown as ApplyResult;
  return lowerBound(plan, result, parallelism);
}

/** Dependency levels: 0 for changes that wait for nothing, else one more than their deepest dependency. */
function levels(plan: Plan): Plan["changes"][] {
  const byAddress = new Map(plan.changes.map((c) => [c.address, c]));
  const level = new Map<string, number>();
  const of = (address: string): number => {
    const known = level.get(address);
    if (known !== undefined) return known;
    const deps = byAddress.get(address)!.dependsOn.filter((d) => byAddress.has(d));
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(of));
    level.set(address, value);
    return value;
  };
  const out: Plan["changes"][] = [];
  for (const change of plan.changes) (out[of(change.address)] ??= []).push({ ...change, dependsOn: [] });
  return out;
}

async function withCloud<T>(delays: Partial<SimDelays>, fn: (sim: RunningOneSimulator, provider: ReturnType<typeof createOpenNebulaProvider>) => Promise<T>): Promise<T> {
  const sim = await startOneSimulator({ port: 0, seed: 1, delays: { schedulerMaxPerHost: 0, ...delays }, hosts: HOSTS });
  const provider = createOpenNebulaProvider({ endpoint: sim.url, session: SESSION });
  try {
    return await fn(sim, provider);
  } finally {
    await provider.close();
    await sim.close();
  }
}

async function applyDag(vms: number, delays: Partial<SimDelays>, parallelism = DEFAULT_PARALLELISM, withWaves = true): Promise<ScenarioResult> {
  const desired = stackOf(vms);
  const ours = await withCloud(delays, async (sim, provider) => {
    const plan = buildPlan({ desired, live: await provider.read(desired.stack, desired), rules: provider.rules, mode: "plan" });
    sim.resetCallCounts();
    const { value, windows } = await sampleCalls(sim, timed(() => applyPlan(plan, provider, { desired, parallelism })));
    if (!value.value.ok) throw new Error(`the benchmark apply failed: ${value.value.errors.map((e) => `${e.address}: ${e.message}`).join("; ")}`);
    return { plan, result: value.value, ms: value.ms, windows, calls: sim.callCounts() };
  });
  const waves = !withWaves ? undefined : await withCloud(delays, async (_sim, provider) => {
    const plan = buildPlan({ desired, live: await provider.read(desired.stack, desired), rules: provider.rules, mode: "plan" });
    return timed(async () => {
      for (const level of levels(plan)) {
        const result = await applyPlan({ ...plan, changes: level }, provider, { desired, parallelism });
        if (!result.ok) throw new Error(`the waves baseline failed: ${result.errors.map((e) => `${e.address}: ${e.message}`).join("; ")}`);
      }
    });
  });
  const bound = lowerBound(ours.plan, ours.result, parallelism);
  const model = modelBound(ours.plan, delays, parallelism);
  const seconds = ours.ms / 1000;
  const polling = rates(ours.windows, seconds);
  const pollCalls = Object.keys(POLL_METHODS).reduce((a, m) => a + (ours.calls[m] ?? 0), 0);
  return {
    name: "apply-dag",
    params: { vms, changes: ours.plan.changes.length, parallelism, ...Object.fromEntries(Object.entries(delays).map(([k, v]) => [k, v])) },
    metrics: {
      wallMs: round(ours.ms, 0),
      criticalPathMs: round(bound.criticalPathMs, 0),
      totalWorkMs: round(bound.totalWorkMs, 0),
      boundMs: round(bound.boundMs, 0),
      efficiency: round(bound.boundMs / ours.ms, 2),
      modelBoundMs: round(model.boundMs, 0),
      modelCriticalPathMs: round(model.criticalPathMs, 0),
      modelEfficiency: round(model.boundMs / ours.ms, 2),
      pollCallsPerSecMean: polling.mean,
      pollCallsPerSecMax: polling.max,
      pollCalls,
      apiCalls: Object.values(ours.calls).reduce((a, b) => a + b, 0),
      // Every call of the apply (allocates, actions and polls), per second of its wall time.
      apiCallsPerSec: round(Object.values(ours.calls).reduce((a, b) => a + b, 0) / seconds, 1),
      ...(waves ? { wavesWallMs: round(waves.ms, 0), speedupVsWaves: round(waves.ms / ours.ms, 2) } : {}),
    },
  };
}

/** N VMs in flight for `windowMs`, then the apply is stopped; calls per second of the polls. */
async function pollLoad(sizes: number[], windowMs: number): Promise<ScenarioResult> {
  const perSize: Record<string, number> = {};
  const ticks: Record<string, number> = {};
  for (const n of sizes) {
    const app = new App();
    const stack = new Stack(app, "load");
    for (let i = 0; i < n; i++) new VirtualMachine(stack, `vm-${i}`, { cpu: 0.1, memory: 64 });
    const desired = analyseStack(stack).state!;
    // Boots that outlast the window: every operation stays in flight while the calls are counted.
    const rate = await withCloud({ schedulerPeriodMs: 50, prologMs: 600_000, bootMs: 600_000 }, async (sim, provider) => {
      const plan = buildPlan({ desired, live: await provider.read(desired.stack, desired), rules: provider.rules, mode: "plan" });
      const controller = new AbortController();
      const running = applyPlan(plan, provider, { desired, parallelism: n, signal: controller.signal });
      // Let every allocate land, then count only the polls.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const before = sim.callCounts();
      await new Promise((resolve) => setTimeout(resolve, windowMs));
      const after = sim.callCounts();
      controller.abort();
      await running;
      const polls = Object.keys(POLL_METHODS).reduce((a, m) => a + ((after[m] ?? 0) - (before[m] ?? 0)), 0);
      return polls / (windowMs / 1000);
    });
    perSize[String(n)] = round(rate, 2);
    ticks[String(n)] = round(rate * (windowMs / 1000), 0);
  }
  const values = Object.values(perSize);
  return {
    name: "poll-load",
    params: { inFlight: sizes.join(","), windowMs },
    metrics: {
      callsPerSec: perSize,
      pollCallsInWindow: ticks,
      largestOverSmallest: round(Math.max(...values) / Math.max(1e-9, Math.min(...values)), 2),
    },
  };
}

// A tenth of a real cloud's lifecycle (realistic: scheduler 10 s, prolog 8 s, boot 6 s, image copy 20 s),
// halved again for the scheduler and the image copy, so the run takes about a minute.
const DAG_DELAYS: Partial<SimDelays> = { schedulerPeriodMs: 500, prologMs: 1500, bootMs: 1000, imageCopyMs: 2500, vnetCreateMs: 500, hotplugMs: 500 };
const SMOKE_DELAYS: Partial<SimDelays> = { schedulerPeriodMs: 10, prologMs: 20, bootMs: 20, imageCopyMs: 30, vnetCreateMs: 10, hotplugMs: 10 };

export const applyDagScenario: Scenario = {
  name: "apply-dag",
  summary: "apply of 200 VMs with their images, networks and templates, vs the critical-path bound and vs waves",
  async run({ smoke }) {
    if (smoke) return [await applyDag(8, SMOKE_DELAYS)];
    // Batched tracking makes work in flight cheap: the same apply at parallelism 10 (Terraform's
    // default, and ours), 50 and 200, with the calls per second each makes.
    return [await applyDag(200, DAG_DELAYS), await applyDag(200, DAG_DELAYS, 50, false), await applyDag(200, DAG_DELAYS, 200, false)];
  },
};

export const pollLoadScenario: Scenario = {
  name: "poll-load",
  summary: "calls per second the tracker makes with 10, 100 and 1,000 operations in flight",
  async run({ smoke }) {
    return [smoke ? await pollLoad([2, 8], 600) : await pollLoad([10, 100, 1000], 10_000)];
  },
};
