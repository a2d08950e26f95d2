/**
 * The benchmark simulator's own process: starts the simulator the parent names (OpenNebula or
 * XenServer) with the options it passed, and answers its requests (seed VMs, add faults, count calls)
 * over the IPC channel. The cloud is another machine's process, so its serving work and its memory
 * are not the client's.
 */
import { startOneSimulator, type OneSimulatorOptions } from "../src/sim/opennebula/index";
import { startXenServerSimulator, type XenServerSimulatorOptions } from "../src/sim/xenserver/index";
import type { SimRequest, SimReply, SimStart } from "./sim-process";

const send = (message: SimReply | { ready: string }) => process.send!(message);

// The parent gone (finished, killed, crashed), nothing is left to serve.
process.on("disconnect", () => process.exit(0));

/** What the requests need of either simulator. */
interface Served {
  url: string;
  seedVms(...args: unknown[]): unknown;
  faults: { add(rule: never): void; clear(): void };
  callCounts(): Record<string, number>;
  resetCallCounts(): void;
  close(): Promise<void>;
}

async function start(message: SimStart): Promise<Served> {
  if (message.backend === "xenserver") {
    const sim = await startXenServerSimulator(message.options as XenServerSimulatorOptions);
    return { ...sim, url: sim.url, seedVms: (...args) => sim.seedVms(...(args as Parameters<typeof sim.seedVms>)), callCounts: () => sim.callCounts(), resetCallCounts: () => sim.resetCallCounts(), close: () => sim.close(), faults: sim.faults };
  }
  const sim = await startOneSimulator(message.options as OneSimulatorOptions);
  return { url: sim.url, seedVms: (...args) => sim.world.seedVms(...(args as Parameters<typeof sim.world.seedVms>)), callCounts: () => sim.callCounts(), resetCallCounts: () => sim.resetCallCounts(), close: () => sim.close(), faults: sim.faults };
}

process.once("message", async (message: SimStart) => {
  const sim = await start(message);
  process.on("message", async (request: SimRequest) => {
    try {
      const value = await handle(request);
      // After "close", the process ends once its answer is out.
      process.send!({ id: request.id, value } satisfies SimReply, request.op === "close" ? () => process.exit(0) : undefined);
    } catch (error) {
      send({ id: request.id, error: (error as Error).stack ?? String(error) });
    }
  });
  send({ ready: sim.url });

  async function handle(request: SimRequest): Promise<unknown> {
    switch (request.op) {
      case "seedVms":
        return sim.seedVms(...request.args);
      case "addFault":
        return sim.faults.add(request.args[0] as never);
      case "clearFaults":
        return sim.faults.clear();
      case "callCounts":
        return sim.callCounts();
      case "resetCallCounts":
        return sim.resetCallCounts();
      case "peakRssMB":
        return Math.round(process.resourceUsage().maxRSS / 1024);
      case "close":
        return sim.close();
    }
  }
});
