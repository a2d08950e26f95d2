/**
 * The benchmark simulator's own process: starts the OpenNebula simulator with the options the parent
 * passed and answers its requests (seed VMs, add faults, count calls) over the IPC channel. oned is
 * another machine's process, so its serving work and its memory are not the client's.
 */
import { startOneSimulator, type OneSimulatorOptions } from "../src/sim/opennebula/index";
import type { SimRequest, SimReply } from "./sim-process";

const send = (message: SimReply | { ready: string }) => process.send!(message);

// The parent gone (finished, killed, crashed), nothing is left to serve.
process.on("disconnect", () => process.exit(0));

process.once("message", async (options: OneSimulatorOptions) => {
  const sim = await startOneSimulator(options);
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
        return sim.world.seedVms(...request.args);
      case "addFault":
        return sim.faults.add(request.args[0]);
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
