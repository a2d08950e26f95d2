/**
 * XenServer's simulator in the registry: `hyperplan sim xenserver` serves a simulated pool (the
 * simulator's own folder, src/sim/xenserver) for the XenAPI client's tests and for demos. Plan and
 * apply of XenServer stacks come with the backend's entry in `registry.ts` BACKENDS, which will carry
 * this simulator as its `simulator`.
 */
import { runXenServerSimCommand, XENSERVER_SIM_USAGE } from "../../sim/xenserver/index";
import type { SimulatorEntry } from "../backend";

export const xenServerSimulator: SimulatorEntry = {
  name: "xenserver",
  title: "XenServer",
  usage: XENSERVER_SIM_USAGE,
  run: (argv, io) => runXenServerSimCommand(argv, io),
};
