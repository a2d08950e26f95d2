/**
 * Gandi's simulator in the registry: `hyperplan sim gandi` serves a simulated Gandi hosting
 * account (the simulator's own folder, src/sim/gandi), ahead of the backend's plan and apply.
 */
import { GANDI_SIM_USAGE, runGandiSimCommand } from "../../sim/gandi/index";
import type { SimulatorEntry } from "../backend";

export const gandiSimulator: SimulatorEntry = {
  name: "gandi",
  title: "Gandi",
  usage: GANDI_SIM_USAGE,
  run: (argv, io) => runGandiSimCommand(argv, io),
};
