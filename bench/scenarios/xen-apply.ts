/**
 * xen-apply-dag: apply-dag on XenServer. 200 VMs from 10 templates of the stack (20 images, 10
 * networks), applied from empty against the XenServer simulator with a tenth of its `realistic`
 * delays, the tasks followed by the client's one `event.from` loop. As in apply-dag (apply.ts), the
 * figure of merit is `efficiency = bound / wall`, the bound being `lowerBound` of apply.ts: the
 * longest chain of measured change latencies along the plan's dependencies, or the total work divided
 * by the parallelism if that is larger. Beside it: every call per second of the apply (mean, and max
 * in any 1-second window) and the calls by method.
 *
 * The stack, in XenServer's terms (examples/stacks/xen-lab.ts): a network per 20 VMs; an image per
 * 10 VMs, each a copy of the pool's cloud base disk (`raw.xenserver.copyOf`, not persistent, so every
 * VM gets its own copy of it: VDI.create + VDI.copy); a template per 20 VMs, a clone of a pool
 * template without disks with its memory, VCPUs and NIC; VMs naming a template and an image.
 * Chains of four: three of every four VMs wait for the previous one. On OpenNebula they wait for its
 * address through a context variable; XenServer has no context (profile.ts: OpenNebula's context has
 * no XenServer meaning), so no VM property can hold `vm.ipAddress` and the chains are `dependsOn`
 * (the `note` metric says so).
 *
 * The comparison: the same apply with the tasks followed the naive way, `task.get_record` on every
 * task in flight every 500 ms. It is the provider's own fallback (tasks.ts), reached without
 * touching src/: the simulator answers `event.from` with MESSAGE_METHOD_UNKNOWN (a fault rule, as a
 * xapi without it would), and the client is made with `taskPollIntervalMs: 500`. Calls that follow
 * tasks are reported apart (`trackingCalls…`): one event.from answers each change of any task (made,
 * progressing, finished, destroyed), so its rate follows the rate of task changes, not the number of
 * tasks in flight; the naive way's follows the number in flight.
 */
import { App, Image, Stack, VirtualMachine, VirtualNetwork, VmTemplate } from "../../src/index";
import { analyseStack } from "../../src/resources/synthesis";
import type { DesiredState } from "../../src/resources/desired-state";
import { buildPlan } from "../../src/planner/plan-builder";
import { applyPlan, type ApplyResult } from "../../src/planner/executor";
import type { Plan } from "../../src/core/plan";
import { XenApiClient } from "../../src/providers/xenserver/client";
import { createXenServerProvider } from "../../src/providers/xenserver/provider";
import { xenServerProfile } from "../../src/providers/xenserver/profile";
import { startXenServerSimulator, type RunningXenServerSimulator } from "../../src/sim/xenserver/index";
import { lowerBound } from "./apply";
import { boundMetrics, collectGarbage, round, timed, type Scenario, type ScenarioResult } from "../scenario";

const GiB = 1024 ** 3;
/** The pool's disk every image copies: a cloud image's 2 GiB (the seeded 10 GiB base would not fit 220 copies in the local SR). */
const BASE_DISK = "bench-cloud base";
const BASE_DISK_GIB = 2;
/** A pool template without disks: a VM's only disk is its copy of its image. */
const POOL_TEMPLATE = "bench-diskless";
/** The calls that follow tasks (task.destroy is one per task whichever way they are followed). */
const TRACKING = ["event.from", "task.get_record"];
const NAIVE_POLL_MS = 500;

/** Per-step delays in ms (the simulator's step names). */
type XenDelays = Record<string, number>;

// A tenth of the simulator's `realistic` (a XenServer 8 pool on local storage): clone 2 s, copy 8 s a
// GiB + 2 s, provision 1.5 s, boot 6 s, VDI create 0.8 s, plug 1 s, other tasks 0.3 s; jitter kept.
const DAG_DELAYS: XenDelays = {
  clone: 200,
  copyPerGiB: 800,
  copyMin: 200,
  provision: 150,
  start: 600,
  cleanShutdown: 500,
  hardShutdown: 150,
  reboot: 900,
  vdi: 80,
  plug: 100,
  task: 30,
  cancel: 20,
  guestAgent: 2500,
  jitter: 0.2,
};
const SMOKE_DELAYS: XenDelays = { clone: 5, copyPerGiB: 5, copyMin: 5, provision: 5, start: 10, vdi: 2, plug: 2, task: 2, cancel: 2, guestAgent: 10, jitter: 0 };

type Tracking = "event.from" | "task.get_record";

function stackOf(vms: number): DesiredState {
  const app = new App();
  const stack = new Stack(app, "xdag", { provider: { xenserver: {} } });
  const nets = Math.max(1, Math.round(vms / 20));
  const images = Math.max(1, Math.round(vms / 10));
  const templates = Math.max(1, Math.round(vms / 20));
  const netList = Array.from({ length: nets }, (_, i) => new VirtualNetwork(stack, `net-${i}`, { description: `bench network ${i}`, mtu: 1500 }));
  const imageList = Array.from({ length: images }, (_, i) => new Image(stack, `img-${i}`, { type: "os", raw: { xenserver: { copyOf: BASE_DISK } } }));
  const templateList = Array.from({ length: templates }, (_, i) =>
    new VmTemplate(stack, `tmpl-${i}`, { vcpu: 1, memory: 256, nics: [{ network: netList[i % nets]! }], raw: { xenserver: { template: POOL_TEMPLATE } } }),
  );
  const list: VirtualMachine[] = [];
  for (let i = 0; i < vms; i++) {
    // Every VM but each fourth waits for the previous one: chains of four.
    const peer = i % 4 === 0 ? undefined : list[i - 1];
    list.push(
      new VirtualMachine(stack, `vm-${String(i).padStart(3, "0")}`, {
        template: templateList[i % templates]!,
        disks: [{ image: imageList[i % images]! }],
        ...(peer ? { dependsOn: [peer] } : {}),
      }),
    );
  }
  const analysis = analyseStack(stack, { profile: xenServerProfile });
  if (!analysis.state) throw new Error(`the benchmark stack is invalid: ${analysis.issues.map((i) => i.message).join("; ")}`);
  return analysis.state;
}

/** Why a XenServer VM cannot take another VM's address (no context), as validation says it; undefined if it can. */
function ipAddressReferenceRefused(): string | undefined {
  const app = new App();
  const stack = new Stack(app, "probe", { provider: { xenserver: {} } });
  const net = new VirtualNetwork(stack, "net", { mtu: 1500 });
  const base = { memory: 256, vcpu: 1, nics: [{ network: net }], raw: { xenserver: { template: POOL_TEMPLATE } } };
  const a = new VirtualMachine(stack, "a", base);
  new VirtualMachine(stack, "b", { ...base, context: { sshKeys: [], vars: { PEER: a.ipAddress } } });
  const analysis = analyseStack(stack, { profile: xenServerProfile });
  return analysis.state ? undefined : analysis.issues.map((i) => `${i.address} ${i.path}: ${i.message}`).join("; ");
}

/** Calls by method, the session's left out. */
function appCalls(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([m]) => !m.startsWith("session.")));
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

interface Sampled<T> {
  value: T;
  /** Calls in each whole second: all of them, and those that follow tasks. */
  windows: { all: number; tracking: number }[];
  /** Tasks the client's watcher followed, sampled every 100 ms. */
  inFlight: number[];
}

async function sample<T>(sim: RunningXenServerSimulator, client: XenApiClient, during: Promise<T>): Promise<Sampled<T>> {
  const windows: { all: number; tracking: number }[] = [];
  const inFlight: number[] = [];
  let last = appCalls(sim.callCounts());
  const take = () => {
    const now = appCalls(sim.callCounts());
    const delta = (m: string) => (now[m] ?? 0) - (last[m] ?? 0);
    windows.push({ all: sum(Object.keys(now).map(delta)), tracking: sum(TRACKING.map(delta)) });
    last = now;
  };
  const windowTimer = setInterval(take, 1000);
  const flightTimer = setInterval(() => inFlight.push(client.tasks.inFlight), 100);
  try {
    return { value: await during, windows, inFlight };
  } finally {
    clearInterval(windowTimer);
    clearInterval(flightTimer);
  }
}

/**
 * The bound from the configured delays: what each change costs the pool itself (its tasks' mean
 * durations, calls that return at once counted as nothing).
 */
function modelBound(plan: Plan, delays: XenDelays, parallelism: number): ReturnType<typeof lowerBound> {
  const d = (step: string) => delays[step] ?? 0;
  const copy = d("copyMin") + d("copyPerGiB") * BASE_DISK_GIB;
  const latency = (kind: string): number => {
    switch (kind) {
      case "VirtualMachine":
        // clone, provision, its disk's VDI.create and VDI.copy, start.
        return d("clone") + d("provision") + d("vdi") + copy + d("start");
      case "Image":
        return d("vdi") + copy;
      case "VmTemplate":
        return d("clone");
      default:
        return 0;
    }
  };
  const result = { changes: plan.changes.map((c) => ({ address: c.address, durationMs: latency(c.kind) })) } as unknown as ApplyResult;
  return lowerBound(plan, result, parallelism);
}

/** The pool as the stack expects it: a template without disks, and a 2 GiB base disk on the default SR. */
async function preparePool(client: XenApiClient): Promise<void> {
  const media = ((await client.call("VM.get_by_name_label", "Other install media")) as string[])[0]!;
  const diskless = (await client.call("VM.clone", media, POOL_TEMPLATE)) as string;
  await client.call("VM.remove_from_other_config", diskless, "disks");
  const pool = ((await client.call("pool.get_all")) as string[])[0]!;
  const sr = (await client.call("pool.get_default_SR", pool)) as string;
  await client.call("VDI.create", {
    name_label: BASE_DISK,
    name_description: "Debian 12 generic cloud image",
    SR: sr,
    virtual_size: String(BASE_DISK_GIB * GiB),
    type: "system",
    sharable: false,
    read_only: false,
    other_config: {},
    sm_config: {},
    xenstore_data: {},
    tags: [],
  });
}

async function xenApply(vms: number, delays: XenDelays, parallelism: number, tracking: Tracking): Promise<ScenarioResult> {
  const desired = stackOf(vms);
  const sim = await startXenServerSimulator({ port: 0, seed: 1, slaveHost: false, delays });
  const client = new XenApiClient({ url: sim.url, username: "root", password: "xenserver", ...(tracking === "task.get_record" ? { taskPollIntervalMs: NAIVE_POLL_MS } : {}) });
  const provider = createXenServerProvider({ client });
  try {
    await preparePool(client);
    // The naive way: a xapi without event.from, so the watcher reads every task it follows every 500 ms.
    if (tracking === "task.get_record") sim.faults.add({ type: "error", method: "event.from", error: ["MESSAGE_METHOD_UNKNOWN", "event.from"] });
    const plan = buildPlan({ desired, live: await provider.read(desired.stack, desired), rules: provider.rules, mode: "plan" });
    collectGarbage();
    sim.resetCallCounts();
    const { value, windows, inFlight } = await sample(sim, client, timed(() => applyPlan(plan, provider, { desired, parallelism })));
    const result = value.value;
    if (!result.ok) throw new Error(`the benchmark apply failed: ${result.errors.map((e) => `${e.address}: ${e.message}`).join("; ")}`);
    if (tracking === "event.from" && client.tasks.mode !== "events") throw new Error("the watcher left event.from");
    if (tracking === "task.get_record" && client.tasks.mode !== "poll") throw new Error("the watcher did not fall back to task.get_record");
    const calls = appCalls(sim.callCounts());
    const seconds = value.ms / 1000;
    const bound = lowerBound(plan, result, parallelism);
    const model = modelBound(plan, delays, parallelism);
    const total = sum(Object.values(calls));
    const trackingCalls = sum(TRACKING.map((m) => calls[m] ?? 0));
    const byMethod = Object.fromEntries(Object.entries(calls).sort(([a, x], [b, y]) => y - x || a.localeCompare(b)));
    return {
      name: "xen-apply-dag",
      params: {
        vms,
        changes: plan.changes.length,
        parallelism,
        tracking: tracking === "event.from" ? "event.from" : `task.get_record every ${NAIVE_POLL_MS} ms`,
        delays: Object.entries(delays).map(([k, v]) => `${k}=${v}`).join(","),
      },
      metrics: {
        ...boundMetrics(value.ms, bound, model),
        // Every call of the apply but the session's, per second of its wall time and at most in any second.
        callsPerSecMean: round(total / seconds, 1),
        callsPerSecMax: Math.max(0, ...windows.map((w) => w.all)),
        // The calls that follow tasks: event.from, or task.get_record.
        trackingCallsPerSecMean: round(trackingCalls / seconds, 1),
        trackingCallsPerSecMax: Math.max(0, ...windows.map((w) => w.tracking)),
        tasksInFlightMean: round(sum(inFlight) / Math.max(1, inFlight.length), 1),
        tasksInFlightMax: Math.max(0, ...inFlight),
        tasks: sum(Object.entries(calls).filter(([m]) => m.startsWith("Async.")).map(([, n]) => n)),
        apiCalls: total,
        trackingCalls,
        callsByMethod: byMethod,
      },
    };
  } finally {
    await provider.close();
    await sim.close();
  }
}

export const xenApplyDag: Scenario = {
  name: "xen-apply-dag",
  summary: "XenServer: apply of 200 VMs with their disks, templates and networks vs the critical-path bound, tasks followed by event.from vs task.get_record per task",
  async run({ smoke }) {
    const refused = ipAddressReferenceRefused();
    const note = refused
      ? `chains are dependsOn: a XenServer VM cannot take vm.ipAddress (${refused})`
      : "chains are dependsOn (the XenServer stack accepted an ipAddress context variable, but carries no context out)";
    const runs: [number, Tracking][] = smoke
      ? [
          [10, "event.from"],
          [10, "task.get_record"],
        ]
      : [
          [10, "event.from"],
          [50, "event.from"],
          [200, "event.from"],
          [10, "task.get_record"],
          [200, "task.get_record"],
        ];
    const results: ScenarioResult[] = [];
    for (const [parallelism, tracking] of runs) {
      const result = await xenApply(smoke ? 8 : 200, smoke ? SMOKE_DELAYS : DAG_DELAYS, parallelism, tracking);
      result.metrics.note = note;
      results.push(result);
    }
    return results;
  },
};
