/**
 * xen-poll-load: poll-load on XenServer. N VMs are created and started at once against the XenServer
 * simulator, whose VM.start outlasts the window, so N `Async.VM.start` tasks are in flight together;
 * the figure is the calls per second apply makes while they are (every method but the session's):
 * the tasks are followed by one `event.from` at a time, which blocks until a task changes, so the
 * rate stays the same whatever N is.
 */
import { App, Stack, VirtualMachine } from "../../src/index";
import { analyseStack } from "../../src/resources/synthesis";
import { buildPlan } from "../../src/planner/plan-builder";
import { applyPlan } from "../../src/planner/executor";
import { XenApiClient } from "../../src/providers/xenserver/client";
import { createXenServerProvider } from "../../src/providers/xenserver/provider";
import { startXenServerSimulator } from "../../src/sim/xenserver/index";
import { round, type Scenario, type ScenarioResult } from "../scenario";

/** Everything quick but the start, which outlasts the window. */
const DELAYS = { clone: 1, provision: 1, start: 600_000, vdi: 1, plug: 1, task: 1, guestAgent: 1, jitter: 0 };

async function xenPollLoad(sizes: number[], windowMs: number): Promise<ScenarioResult> {
  const perSize: Record<string, number> = {};
  const eventCalls: Record<string, number> = {};
  for (const n of sizes) {
    const app = new App();
    const stack = new Stack(app, "load", { provider: { xenserver: {} } });
    for (let i = 0; i < n; i++) new VirtualMachine(stack, `vm-${i}`, { memory: 32, vcpu: 1, raw: { xenserver: { template: "diskless" } } });
    const desired = analyseStack(stack).state!;
    const sim = await startXenServerSimulator({ port: 0, seed: 1, slaveHost: false, delays: DELAYS });
    const client = new XenApiClient({ url: sim.url, username: "root", password: "xenserver" });
    const provider = createXenServerProvider({ client });
    try {
      // A pool template without disks, so a thousand VMs fit the pool's local SR.
      const media = ((await client.call("VM.get_by_name_label", "Other install media")) as string[])[0]!;
      const diskless = (await client.call("VM.clone", media, "diskless")) as string;
      await client.call("VM.remove_from_other_config", diskless, "disks");
      const plan = buildPlan({ desired, live: await provider.read(desired.stack, desired), rules: provider.rules, mode: "plan" });
      const controller = new AbortController();
      const running = applyPlan(plan, provider, { desired, parallelism: n, signal: controller.signal });
      // Wait until every start is in flight, then count.
      const deadline = Date.now() + 120_000;
      while ((sim.callCounts()["Async.VM.start"] ?? 0) < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if ((sim.callCounts()["Async.VM.start"] ?? 0) < n) throw new Error(`only ${sim.callCounts()["Async.VM.start"] ?? 0} of ${n} starts were made`);
      await new Promise((r) => setTimeout(r, 200));
      const before = sim.callCounts();
      await new Promise((r) => setTimeout(r, windowMs));
      const after = sim.callCounts();
      controller.abort();
      await running;
      const calls = Object.keys(after)
        .filter((m) => !m.startsWith("session."))
        .reduce((sum, m) => sum + ((after[m] ?? 0) - (before[m] ?? 0)), 0);
      perSize[String(n)] = round(calls / (windowMs / 1000), 2);
      eventCalls[String(n)] = (after["event.from"] ?? 0) - (before["event.from"] ?? 0);
    } finally {
      await provider.close();
      await sim.close();
    }
  }
  const values = Object.values(perSize);
  return {
    name: "xen-poll-load",
    params: { inFlight: sizes.join(","), windowMs },
    metrics: {
      callsPerSec: perSize,
      eventFromCallsInWindow: eventCalls,
      // Rates of zero (every call blocked in event.from) are equal, not infinitely apart.
      largestOverSmallest: Math.max(...values) === 0 ? 1 : round(Math.max(...values) / Math.max(1e-9, Math.min(...values)), 2),
    },
  };
}

export const xenPollLoadScenario: Scenario = {
  name: "xen-poll-load",
  summary: "XenServer: calls per second apply makes with 10, 100 and 1,000 tasks in flight",
  async run({ smoke }) {
    return [smoke ? await xenPollLoad([2, 8], 600) : await xenPollLoad([10, 100, 1000], 10_000)];
  },
};
