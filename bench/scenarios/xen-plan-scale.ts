/**
 * xen-plan-scale: plan-scale on XenServer. A stack of 5,000 declared resources (1% networks, 4%
 * images, 1% templates, the rest VMs cloned from them, each with its own copy of an image and a NIC)
 * against a pool of 50,000 VMs and templates with their VBDs, VDIs, VIFs and guest metrics, 45,000 of
 * the VMs owned by nobody or by another stack; 1% of the stack's VMs resized by hand. Every call costs
 * a fixed latency (the simulator's `delay` fault rule on every method), swept over 2, 10 and 30 ms.
 *
 * The stack's objects are laid out as hyperplan's XenServer provider makes them: networks and image
 * VDIs through `network.create` and `VDI.create` with the records the provider sends, templates and
 * VMs bulk-seeded with the other_config the provider's tagging leaves on them (its own functions:
 * ownership.ts), each VM's disk a VDI tagged as its copy of the image and its VBD and VIF tagged as
 * the provider tags them. The run checks that each plan finds exactly the resized VMs and nothing else.
 *
 * "Ours" is the real plan path: `XenServerProvider.read` (one `get_all_records` per class, seven in
 * parallel) then `buildPlan`, through JSON-RPC and through XML-RPC. The baseline is the per-object
 * way, as a tool that refreshes each resource it has in its state: `get_record` of each declared
 * object and of the records each VM's mapping needs (its VBDs, their VDIs, its VIFs; the images' one
 * SR read once), ten calls at a time on ten sockets over JSON-RPC, then the same mapping
 * (`liveStateOf`), diff and ordering. It leaves out the guest metrics (the VMs' addresses), which the
 * plan does not compare: a call per VM fewer than a full mapping would make.
 *
 * The simulator runs in a process of its own (sim-process.ts), as xapi runs on the pool master: the
 * figures are the client's. Wall times, calls, bytes and CPU are medians of runs in this process;
 * each way's cold plan and peak RSS come from one plan in a process of its own (this file, forked),
 * as one `hyperplan plan` is. `retainedHeapMB` is what a plan held after it is made keeps alive.
 */
import { fork } from "node:child_process";
import diagnostics from "node:diagnostics_channel";
import http, { type IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { App, Image, Stack, VirtualMachine, VirtualNetwork, VmTemplate } from "../../src/index";
import { analyseStack } from "../../src/resources/synthesis";
import type { DesiredState } from "../../src/resources/desired-state";
import { buildPlan } from "../../src/planner/plan-builder";
import type { Plan } from "../../src/core/plan";
import { XenApiClient, type Ref, type SrRecord, type XenTransportKind } from "../../src/providers/xenserver/index";
import { createXenServerProvider, type XenServerProvider } from "../../src/providers/xenserver/provider";
import { xenServerDiffRules } from "../../src/providers/xenserver/diff-rules";
import { liveStateOf, type XenPoolView } from "../../src/providers/xenserver/reader";
import { retagged, tagEntries, TAG_FROM, TAG_PERSISTENT, TAG_SOURCE, TAG_TEMPLATE, VM_DISK_KIND } from "../../src/providers/xenserver/ownership";
import type { SeedVmSpec } from "../../src/sim/xenserver/bulk-seed";
import { collectGarbage, medianOf, round, timed, type Metrics, type Scenario, type ScenarioResult } from "../scenario";
import { startXenSimProcess, type XenSimProcess } from "../sim-process";

const USER = "root";
const PASSWORD = "xenserver";
const STACK = "fleet";
const MiB = 1024 * 1024;
/** The bulk seeder's shared storage repository: the stack's images live there too, beside the VMs' disks. */
const SEED_SR = "hyperplan-seed-storage";
/** The pool template the stack's templates are clones of (one of the simulator's default templates). */
const POOL_TEMPLATE = "Debian Bookworm 12";
/** An image is as large as the bulk seeder's disks (20 GiB), so a VM's copy of it is too. */
const IMAGE_MIB = 20 * 1024;
const CLASSES = ["SR", "network", "VDI", "VM", "VBD", "VIF", "VM_guest_metrics"] as const;
/** Per-object reads in flight at once, each on a socket of its own. */
const PARALLELISM = 10;

const LATENCIES_MS = [2, 10, 30];
/** Measured runs of each way at each latency; the median is reported. */
const RUNS = 3;
/** The baseline at 30 ms takes about a minute a run: one run there. */
const SLOW_BASELINE_MS = 30;

/** A stack of `total` resources: 1% networks, 4% images, 1% templates, the rest VMs from them. */
function bigStack(total: number): DesiredState {
  const app = new App();
  const stack = new Stack(app, STACK, { provider: { xenserver: {} } });
  const nets = Math.max(1, Math.round(total * 0.01));
  const images = Math.max(1, Math.round(total * 0.04));
  const templates = Math.max(1, Math.round(total * 0.01));
  const netList = Array.from({ length: nets }, (_, i) => new VirtualNetwork(stack, `net-${i}`, { mtu: 1500 }));
  const imageList = Array.from({ length: images }, (_, i) => new Image(stack, `img-${i}`, { type: "os", size: IMAGE_MIB, datastore: SEED_SR }));
  const templateList = Array.from(
    { length: templates },
    (_, i) => new VmTemplate(stack, `tmpl-${i}`, { vcpu: 2, memory: 2048, nics: [{ network: netList[i % nets]! }], raw: { xenserver: { template: POOL_TEMPLATE } } }),
  );
  const vms = total - nets - images - templates;
  for (let i = 0; i < vms; i++) {
    new VirtualMachine(stack, `vm-${i}`, { template: templateList[i % templates]!, disks: [{ image: imageList[i % images]! }], nics: [{ network: netList[i % nets]! }] });
  }
  const analysis = analyseStack(stack);
  if (!analysis.state) throw new Error(`the benchmark stack is invalid: ${analysis.issues.map((i) => i.message).join("; ")}`);
  return analysis.state;
}

/** What the seeding made: each declared address's ref, and the VMs resized by hand. */
interface Seeded {
  ids: Map<string, string>;
  drifted: string[];
}

/**
 * The stack's objects as the provider makes them (operations.ts): networks and images created with
 * the provider's records, templates and VMs seeded with the tags its clone-then-tag steps leave.
 */
async function seedStack(sim: XenSimProcess, client: XenApiClient, desired: DesiredState): Promise<Seeded> {
  const ids = new Map<string, string>();
  const tag = (address: string, kind: string) => ({ stack: STACK, address, kind });
  const { srRef } = await sim.seedVms(0);
  const byKind = (kind: string) => desired.resources.filter((r) => r.kind === kind);
  for (const r of byKind("VirtualNetwork")) {
    const record = { name_label: r.name, name_description: "", MTU: 1500, other_config: tagEntries(tag(r.address, r.kind)), managed: true, tags: [] };
    ids.set(r.address, (await client.call("network.create", record)) as string);
  }
  for (const r of byKind("Image")) {
    const record = {
      name_label: r.name,
      name_description: "",
      SR: srRef!,
      virtual_size: String(IMAGE_MIB * MiB),
      type: "system",
      sharable: false,
      read_only: false,
      other_config: { ...tagEntries(tag(r.address, r.kind)), [TAG_PERSISTENT]: "false" },
      sm_config: {},
      xenstore_data: {},
      tags: [],
    };
    ids.set(r.address, (await client.call("VDI.create", record)) as string);
  }
  const nic = (address: string, network: { ref: string }): SeedVmSpec["nic"] => ({
    network: ids.get(network.ref)!,
    otherConfig: tagEntries(tag(address, "VirtualMachine.nic")),
  });

  const templates = byKind("VmTemplate");
  const templateSpecs = templates.map((r): SeedVmSpec => {
    const props = r.props as { nics: { network: { ref: string } }[]; memory: number; vcpu: number };
    return {
      name: r.name,
      description: "",
      otherConfig: retagged({}, tag(r.address, r.kind), {}, { [TAG_TEMPLATE]: POOL_TEMPLATE }),
      memoryMiB: props.memory,
      vcpus: props.vcpu,
      nic: nic(r.address, props.nics[0]!.network),
    };
  });
  const seededTemplates = await sim.seedVms(templates.length, { template: true, disk: false, each: templateSpecs });
  templates.forEach((r, i) => ids.set(r.address, seededTemplates.refs[i]!));

  // 1% drift: VMs whose memory someone changed by hand (shut down, set_memory_limits, started).
  const vms = byKind("VirtualMachine");
  const drifted = vms.filter((_, i) => i % 100 === 0).map((r) => r.address);
  const driftedSet = new Set(drifted);
  const templateOf = new Map(templates.map((t) => [t.address, t]));
  const vmSpecs = vms.map((r): SeedVmSpec => {
    const props = r.props as { template: { ref: string }; disks: { image: { ref: string } }[]; nics: { network: { ref: string } }[] };
    const image = props.disks[0]!.image.ref;
    const template = templateOf.get(props.template.ref)!;
    return {
      name: r.name,
      description: "",
      otherConfig: retagged({}, tag(r.address, r.kind), {}, { [TAG_FROM]: template.address }),
      memoryMiB: driftedSet.has(r.address) ? 4096 : (template.props as { memory: number }).memory,
      vcpus: (template.props as { vcpu: number }).vcpu,
      disk: {
        name: `${r.name} ${image.split("/").pop()}`,
        otherConfig: { ...tagEntries(tag(r.address, VM_DISK_KIND)), [TAG_SOURCE]: image },
        vbdOtherConfig: tagEntries(tag(r.address, "VirtualMachine.disk")),
      },
      nic: nic(r.address, props.nics[0]!.network),
    };
  });
  // In slices, so no one IPC message carries them all.
  for (let at = 0; at < vms.length; at += 1000) {
    const slice = vms.slice(at, at + 1000);
    const seeded = await sim.seedVms(slice.length, { each: vmSpecs.slice(at, at + 1000) });
    slice.forEach((r, i) => ids.set(r.address, seeded.refs[i]!));
  }
  return { ids, drifted };
}

/** Bytes of the HTTP responses this process receives while counting (their Content-Length). */
class ResponseBytes {
  total = 0;
  private readonly listener = (message: unknown) => {
    const length = (message as { response: IncomingMessage }).response.headers["content-length"];
    if (length !== undefined) this.total += Number(length);
  };
  constructor() {
    diagnostics.subscribe("http.client.response.finish", this.listener);
  }
  close(): void {
    diagnostics.unsubscribe("http.client.response.finish", this.listener);
  }
}

/** POSTs and throws the answer away: renders the simulator's caches of a class's records on one wire. */
function warm(url: string, transport: XenTransportKind, session: string, method: string): Promise<void> {
  const json = transport === "json-rpc";
  const body = json
    ? JSON.stringify({ jsonrpc: "2.0", method, params: [session], id: 1 })
    : `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params><param><value>${session}</value></param></params></methodCall>`;
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}${json ? "jsonrpc" : ""}`, { method: "POST", headers: { "Content-Type": json ? "application/json" : "text/xml" } }, (response) => {
      response.resume();
      response.on("end", resolve);
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}

/**
 * The per-object read: `get_record` of each declared object, and of the VBDs, VDIs and VIFs each VM
 * and template has (the images' SR once), `PARALLELISM` calls at a time.
 */
async function perObjectView(client: XenApiClient, desired: DesiredState, ids: Map<string, string>): Promise<XenPoolView> {
  const view: XenPoolView = { srs: new Map(), networks: new Map(), vdis: new Map(), vms: new Map(), vbds: new Map(), vifs: new Map(), guestMetrics: new Map() };
  const srReads = new Map<string, Promise<SrRecord>>();
  const readOne = async (kind: string, ref: string) => {
    switch (kind) {
      case "VirtualNetwork":
        view.networks.set(ref as Ref<"network">, await client.getRecord("network", ref as Ref<"network">));
        return;
      case "Image": {
        const vdi = await client.getRecord("VDI", ref as Ref<"VDI">);
        view.vdis.set(ref as Ref<"VDI">, vdi);
        let sr = srReads.get(vdi.SR);
        if (!sr) srReads.set(vdi.SR, (sr = client.getRecord("SR", vdi.SR)));
        view.srs.set(vdi.SR, await sr);
        return;
      }
      default: {
        const vm = await client.getRecord("VM", ref as Ref<"VM">);
        view.vms.set(ref as Ref<"VM">, vm);
        for (const vbdRef of vm.VBDs) {
          const vbd = await client.getRecord("VBD", vbdRef);
          view.vbds.set(vbdRef, vbd);
          if (vbd.type === "Disk" && vbd.VDI !== null) view.vdis.set(vbd.VDI, await client.getRecord("VDI", vbd.VDI));
        }
        for (const vifRef of vm.VIFs) view.vifs.set(vifRef, await client.getRecord("VIF", vifRef));
      }
    }
  };
  const queue = desired.resources.map((r) => [r.kind, ids.get(r.address)!] as const);
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLELISM }, async () => {
      while (next < queue.length) {
        const [kind, ref] = queue[next++]!;
        await readOne(kind, ref);
      }
    }),
  );
  return view;
}

/**
 * One plan's figures, and what it found: never the plan itself, which a run must not keep. Strings
 * the XML-RPC decoder cuts out of a response are slices of its text, so a plan read through XML-RPC
 * keeps the whole response alive (`retainedHeapMB`); a few kept would fill the heap.
 */
interface PlanRun {
  drift: Drift;
  readMs: number;
  cpuMs: number;
}

interface Drift {
  updates: string[];
  others: number;
}

/** One way's figures at one latency. */
interface Measured {
  ms: number;
  runsMs: number[];
  value: PlanRun;
  calls: number;
  callsByMethod: Record<string, number>;
  responseMB: number;
}

/** The plan's updates, and how many changes of any other kind it has (none, when the stack is as seeded). */
function driftOf(plan: Plan): Drift {
  // Joined and split again: copies, where the addresses read through XML-RPC are slices of a response.
  const updates = plan.changes.filter((c) => c.action === "update").map((c) => c.address).join("\n").split("\n").filter((a) => a !== "");
  return { updates: updates.sort(), others: plan.changes.filter((c) => c.action !== "update" && c.action !== "noop").length };
}

/** Our plan: the provider's read, then the plan. */
async function ourPlan(provider: XenServerProvider, desired: DesiredState): Promise<PlanRun> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const live = await provider.read(STACK, desired);
  const readMs = performance.now() - t0;
  const plan = buildPlan({ desired, live, rules: provider.rules, mode: "plan" });
  const cpu = process.cpuUsage(cpu0);
  return { drift: driftOf(plan), readMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** The per-object plan: its read, then the same mapping, diff and ordering. */
async function perObjectPlan(client: XenApiClient, desired: DesiredState, ids: Map<string, string>): Promise<PlanRun> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const view = await perObjectView(client, desired, ids);
  const readMs = performance.now() - t0;
  const plan = buildPlan({ desired, live: liveStateOf(STACK, client.url, view, desired), rules: xenServerDiffRules, mode: "plan" });
  const cpu = process.cpuUsage(cpu0);
  return { drift: driftOf(plan), readMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

// ---------------------------------------------------------------------------------------------
// One plan in a process of its own: as cold as one `hyperplan plan`, and its peak RSS its own (a
// process that made a plan through XML-RPC keeps gigabytes it no longer uses: what came after
// would be charged with them).

type Way = XenTransportKind | "baseline";
const CHILD_FLAG = "--xen-plan-scale-child";
/** The child loads TypeScript with tsx, whoever runs the parent (tsx, vitest). */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

interface ChildRequest {
  url: string;
  declared: number;
  way: Way;
  ids: [string, string][];
}

interface FreshPlan {
  ms: number;
  run: PlanRun;
  /** Resident set once loaded, logged in and holding the declaration, before the plan starts. */
  rssBeforeMB: number;
  maxRssMB: number;
}

function planInChild(request: ChildRequest): Promise<FreshPlan> {
  const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG], { execArgv: ["--import", TSX], stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "advanced" });
  return new Promise((resolve, reject) => {
    child.once("message", (reply: FreshPlan | { error: string }) => ("error" in reply ? reject(new Error(`xen-plan-scale, the ${request.way} plan's process: ${reply.error}`)) : resolve(reply)));
    child.once("exit", (code, signal) => reject(new Error(`xen-plan-scale: the ${request.way} plan's process ended (${signal ?? `exit ${code}`})`)));
    child.send(request);
  });
}

async function childPlan({ url, declared, way, ids }: ChildRequest): Promise<FreshPlan> {
  const desired = bigStack(declared);
  const client = new XenApiClient({ url, username: USER, password: PASSWORD, transport: way === "xml-rpc" ? "xml-rpc" : "json-rpc", maxSockets: PARALLELISM, timeoutMs: 600_000 });
  try {
    await client.connect();
    const rssBeforeMB = Math.round(process.memoryUsage.rss() / MiB);
    const plan = await timed(() => (way === "baseline" ? perObjectPlan(client, desired, new Map(ids)) : ourPlan(createXenServerProvider({ client }), desired)));
    return { ms: plan.ms, run: plan.value, rssBeforeMB, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) };
  } finally {
    await client.close();
  }
}

if (process.argv[2] === CHILD_FLAG) {
  process.once("message", (request: ChildRequest) => {
    childPlan(request).then(
      (reply) => process.send!(reply, () => process.exit(0)),
      (error: unknown) => process.send!({ error: (error as Error).stack ?? String(error) }, () => process.exit(1)),
    );
  });
}

// ---------------------------------------------------------------------------------------------

async function run(declared: number, poolSize: number, latencies: number[], runs: number): Promise<ScenarioResult[]> {
  collectGarbage();
  const sim = await startXenSimProcess({ port: 0, delays: "instant", seed: 1 });
  const bytes = new ResponseBytes();
  // The baseline's client: ten sockets, so its ten calls at a time really are ten at a time.
  const client = new XenApiClient({ url: sim.url, username: USER, password: PASSWORD, maxSockets: PARALLELISM, timeoutMs: 600_000 });
  // Ours: the provider as `hyperplan plan` makes it, on a client of each wire.
  const clients: Record<XenTransportKind, XenApiClient> = {
    "json-rpc": new XenApiClient({ url: sim.url, username: USER, password: PASSWORD, transport: "json-rpc", timeoutMs: 600_000 }),
    "xml-rpc": new XenApiClient({ url: sim.url, username: USER, password: PASSWORD, transport: "xml-rpc", timeoutMs: 600_000 }),
  };
  const providers: Record<XenTransportKind, XenServerProvider> = {
    "json-rpc": createXenServerProvider({ client: clients["json-rpc"] }),
    "xml-rpc": createXenServerProvider({ client: clients["xml-rpc"] }),
  };
  try {
    const desired = bigStack(declared);
    const seedStart = performance.now();
    const { ids, drifted } = await seedStack(sim, client, desired);
    // The rest of the pool: VMs of nobody and of another stack, each with its disk, NIC and guest metrics.
    const others = poolSize - declared;
    await sim.seedVms(Math.round(others * 0.8), { namePrefix: "nobody" });
    await sim.seedVms(others - Math.round(others * 0.8), { namePrefix: "other", otherConfig: tagEntries({ stack: "other", address: "other/vm", kind: "VirtualMachine" }) });
    const seedMs = performance.now() - seedStart;

    // Every record rendered once on each wire before anything is measured, as a long-running xapi
    // has them; the clients logged in (the login is no part of a plan's figures).
    const session = await rawSession(sim.url);
    for (const transport of ["json-rpc", "xml-rpc"] as const) for (const cls of CLASSES) await warm(sim.url, transport, session, `${cls}.get_all_records`);
    for (const c of [client, ...Object.values(clients)]) await c.connect();

    const ours = (transport: XenTransportKind) => () => ourPlan(providers[transport], desired);
    const baseline = () => perObjectPlan(client, desired, ids);
    /** The heap a plan keeps alive while it is held (after full collections), against none held. */
    const retainedHeapMB = async (provider: XenServerProvider): Promise<number> => {
      collectGarbage();
      const before = process.memoryUsage().heapUsed;
      let plan: Plan | undefined = buildPlan({ desired, live: await provider.read(STACK, desired), rules: provider.rules, mode: "plan" });
      collectGarbage();
      const held = process.memoryUsage().heapUsed;
      if (plan.changes.length === 0) throw new Error("xen-plan-scale: an empty plan");
      plan = undefined;
      return round((held - before) / 1e6, 0);
    };
    const measure = async (times: number, fn: () => Promise<PlanRun>): Promise<Measured> => {
      await sim.resetCallCounts();
      bytes.total = 0;
      const m = await medianOf(times, fn);
      const callsByMethod = Object.fromEntries(Object.entries(await sim.callCounts()).map(([method, n]) => [method, n / times]));
      const calls = Object.values(callsByMethod).reduce((a, b) => a + b, 0);
      return { ...m, calls, callsByMethod, responseMB: bytes.total / times / 1e6 };
    };

    // Each way once in this process, without latency (what its heap keeps while a plan is held:
    // our two); then each way's plan in a process of its own at the first latency (cold, and its
    // peak RSS); then the medians here, latency by latency.
    const retained = { "json-rpc": await retainedHeapMB(providers["json-rpc"]), "xml-rpc": await retainedHeapMB(providers["xml-rpc"]) };
    await baseline();
    await sim.addFault({ type: "delay", method: "*", ms: latencies[0]! });
    const fresh: Record<Way, FreshPlan> = {
      "json-rpc": await planInChild({ url: sim.url, declared, way: "json-rpc", ids: [] }),
      "xml-rpc": await planInChild({ url: sim.url, declared, way: "xml-rpc", ids: [] }),
      baseline: await planInChild({ url: sim.url, declared, way: "baseline", ids: [...ids] }),
    };

    const grid: Record<number, { json: Measured; xml: Measured; baseline: Measured; baselineRuns: number }> = {};
    for (const latency of latencies) {
      await sim.clearFaults();
      await sim.addFault({ type: "delay", method: "*", ms: latency });
      const baselineRuns = latency >= SLOW_BASELINE_MS ? 1 : runs;
      grid[latency] = {
        json: await measure(runs, ours("json-rpc")),
        xml: await measure(runs, ours("xml-rpc")),
        baseline: await measure(baselineRuns, baseline),
        baselineRuns,
      };
    }
    await sim.clearFaults();

    // Both ways must find the drift, all of it and nothing else: otherwise the figures compare nothing.
    const expected = [...drifted].sort().join(" ");
    const at = grid[latencies[0]!]!;
    const found = { "json-rpc": at.json.value.drift, "xml-rpc": at.xml.value.drift, baseline: at.baseline.value.drift };
    for (const [way, drift] of [...Object.entries(found), ...Object.entries(fresh).map(([way, f]) => [`${way} (own process)`, f.run.drift] as const)]) {
      if (drift.updates.join(" ") !== expected || drift.others > 0) {
        throw new Error(`xen-plan-scale: the ${way} plan found ${drift.updates.length} updates and ${drift.others} other changes, not the ${drifted.length} resized VMs`);
      }
    }

    const simulatorPeakRssMB = await sim.peakRssMB();
    const base = at.baseline;
    const byLatency = (pick: (cell: (typeof grid)[number]) => number) => Object.fromEntries(latencies.map((l) => [String(l), pick(grid[l]!)]));
    return (["json-rpc", "xml-rpc"] as const).map((transport): ScenarioResult => {
      const key = transport === "json-rpc" ? "json" : "xml";
      const ours = at[key];
      const metrics: Metrics = {
        wallMs: round(ours.ms, 0),
        wallMsRuns: ours.runsMs.join(" "),
        coldWallMs: round(fresh[transport].ms, 0),
        readMs: round(ours.value.readMs, 0),
        diffAndOrderMs: round(ours.ms - ours.value.readMs, 0),
        // The client's own work in that run (all threads: the garbage collector's too).
        clientCpuMs: round(ours.value.cpuMs, 0),
        apiCalls: ours.calls,
        callsByMethod: ours.callsByMethod,
        responseMB: round(ours.responseMB, 1),
        // A plan in a process of its own: its peak, and its resident set before the plan began.
        peakRssMB: fresh[transport].maxRssMB,
        rssBeforePlanMB: fresh[transport].rssBeforeMB,
        retainedHeapMB: retained[transport],
        updatesFound: found[transport].updates.length,
        driftedVms: drifted.length,
        baselineWallMs: round(base.ms, 0),
        baselineWallMsRuns: base.runsMs.join(" "),
        baselineReadMs: round(base.value.readMs, 0),
        baselineClientCpuMs: round(base.value.cpuMs, 0),
        baselineCalls: base.calls,
        baselineCallsByMethod: base.callsByMethod,
        baselineResponseMB: round(base.responseMB, 1),
        baselineColdWallMs: round(fresh.baseline.ms, 0),
        baselinePeakRssMB: fresh.baseline.maxRssMB,
        baselineRssBeforePlanMB: fresh.baseline.rssBeforeMB,
        baselineUpdatesFound: found.baseline.updates.length,
        simulatorPeakRssMB,
        seedMs: round(seedMs, 0),
        speedup: round(base.ms / ours.ms, 1),
        callRatio: round(base.calls / ours.calls, 1),
        speedupByLatencyMs: byLatency((c) => round(c.baseline.ms / c[key].ms, 1)),
        wallMsByLatencyMs: byLatency((c) => round(c[key].ms, 0)),
        baselineWallMsByLatencyMs: byLatency((c) => round(c.baseline.ms, 0)),
      };
      return {
        name: "xen-plan-scale",
        params: {
          transport,
          declared,
          poolSize,
          driftPercent: 1,
          latencyMs: latencies[0]!,
          latenciesMs: latencies.join(" "),
          runs,
          baselineRunsByLatencyMs: latencies.map((l) => `${l}:${grid[l]!.baselineRuns}`).join(" "),
          baselineTransport: "json-rpc",
          baselineParallelism: PARALLELISM,
        },
        metrics,
      };
    });
  } finally {
    bytes.close();
    await Promise.all([client.close(), ...Object.values(providers).map((p) => p.close())]);
    await sim.close();
  }
}

/** A session of its own for the warming calls, straight over JSON-RPC. */
async function rawSession(url: string): Promise<string> {
  const response = await fetch(`${url}jsonrpc`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", method: "session.login_with_password", params: [USER, PASSWORD, "2.3", "bench-warm"], id: 1 }),
  });
  return ((await response.json()) as { result: string }).result;
}

export const xenPlanScale: Scenario = {
  name: "xen-plan-scale",
  summary: "XenServer plan of a large stack against a much larger pool (JSON-RPC, XML-RPC), vs get_record per object",
  async run({ smoke }) {
    return smoke ? run(40, 200, [2], 1) : run(5000, 50_000, LATENCIES_MS, RUNS);
  },
};
