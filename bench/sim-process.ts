/**
 * The simulator in a process of its own, for the benchmarks: the cloud (oned, xapi) runs on another
 * machine, so a benchmark that served its calls from the client's own process would charge the
 * client with the cloud's work, its event loop and its garbage (a 50,000-VM world holds gigabytes),
 * and report their memory together. The parent drives the world through a small request protocol
 * over the IPC channel.
 */
import { fork, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { FaultRule, OneSimulatorOptions } from "../src/sim/opennebula/index";
import type { SeedVmsOptions, SeedVmsResult } from "../src/sim/opennebula/bulk-seed";
import type { FaultRule as XenFaultRule, SeedVmsOptions as XenSeedVmsOptions, SeedVmsResult as XenSeedVmsResult, XenServerSimulatorOptions } from "../src/sim/xenserver/index";

/** The first message to the child: which simulator, with which options. */
export type SimStart = { backend: "opennebula"; options: Omit<OneSimulatorOptions, "clock"> } | { backend: "xenserver"; options: Omit<XenServerSimulatorOptions, "clock"> };

interface SimArgs {
  seedVms: [number, (SeedVmsOptions | XenSeedVmsOptions)?];
  addFault: [FaultRule | XenFaultRule];
  clearFaults: [];
  callCounts: [];
  resetCallCounts: [];
  peakRssMB: [];
  close: [];
}
type Op = keyof SimArgs;
export type SimRequest = { [O in Op]: { id: number; op: O; args: SimArgs[O] } }[Op];
export type SimReply = { id: number; value?: unknown; error?: string };

export interface SimProcess {
  readonly url: string;
  seedVms(n: number, options?: SeedVmsOptions): Promise<SeedVmsResult>;
  addFault(rule: FaultRule): Promise<void>;
  clearFaults(): Promise<void>;
  callCounts(): Promise<Record<string, number>>;
  resetCallCounts(): Promise<void>;
  /** The simulator process's peak resident set so far. */
  peakRssMB(): Promise<number>;
  close(): Promise<void>;
}

const CHILD = fileURLToPath(new URL("./sim-child.ts", import.meta.url));
/** The child loads TypeScript with tsx, whoever runs the parent (tsx, vitest). */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** The XenServer simulator in a process of its own. */
export interface XenSimProcess extends Omit<SimProcess, "seedVms" | "addFault"> {
  seedVms(n: number, options?: XenSeedVmsOptions): Promise<XenSeedVmsResult>;
  addFault(rule: XenFaultRule): Promise<void>;
}

/** Starts the OpenNebula simulator in a child process. */
export async function startSimProcess(options: Omit<OneSimulatorOptions, "clock">): Promise<SimProcess> {
  return (await forkSimulator({ backend: "opennebula", options })) as SimProcess;
}

/** Starts the XenServer simulator in a child process. */
export async function startXenSimProcess(options: Omit<XenServerSimulatorOptions, "clock">): Promise<XenSimProcess> {
  return (await forkSimulator({ backend: "xenserver", options })) as XenSimProcess;
}

async function forkSimulator(start: SimStart): Promise<SimProcess | XenSimProcess> {
  const child: ChildProcess = fork(CHILD, [], { execArgv: ["--import", TSX], stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "advanced" });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let exited: Error | undefined;
  child.on("exit", (code, signal) => {
    exited = new Error(`the simulator process ended (${signal ?? `exit ${code}`})`);
    for (const p of pending.values()) p.reject(exited);
    pending.clear();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (m: { ready?: string }) => (m.ready ? resolve(m.ready) : reject(new Error("the simulator process did not start"))));
    child.once("exit", () => reject(exited));
    child.send(start);
  });
  child.on("message", (m: SimReply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error !== undefined) p.reject(new Error(`simulator process: ${m.error}`));
    else p.resolve(m.value);
  });
  let next = 0;
  const request = <O extends Op>(op: O, ...args: SimArgs[O]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (exited) return reject(exited);
      const id = next++;
      pending.set(id, { resolve, reject });
      child.send({ id, op, args });
    });
  return {
    url,
    seedVms: (n: number, seedOptions?: SeedVmsOptions & XenSeedVmsOptions) => request("seedVms", n, seedOptions) as Promise<SeedVmsResult & XenSeedVmsResult>,
    addFault: async (rule: FaultRule & XenFaultRule) => void (await request("addFault", rule)),
    clearFaults: async () => void (await request("clearFaults")),
    callCounts: () => request("callCounts") as Promise<Record<string, number>>,
    resetCallCounts: async () => void (await request("resetCallCounts")),
    peakRssMB: () => request("peakRssMB") as Promise<number>,
    async close() {
      if (exited) return;
      const ended = new Promise((resolve) => child.once("exit", resolve));
      // The child ends right after its answer; whichever the parent hears first, it is gone.
      await request("close").catch(() => undefined);
      await ended;
    },
  };
}
