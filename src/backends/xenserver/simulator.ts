/**
 * XenServer's simulator in the registry: `hyperplan sim xenserver` serves a simulated pool (the
 * simulator's own folder, src/sim/xenserver), as the backend's entry (index.ts) carries it.
 */
import { runXenServerSimCommand, XENSERVER_SIM_USAGE } from "../../sim/xenserver/index";
import type { SimulatorEntry } from "../backend";

export const xenServerSimulator: SimulatorEntry = {
  name: "xenserver",
  title: "XenServer",
  usage: XENSERVER_SIM_USAGE,
  run: (argv, io) => runXenServerSimCommand(argv, io),
};
