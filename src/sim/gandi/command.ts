/**
 * The standalone Gandi hosting simulator: argument parsing, usage text and a runner that serves
 * until told to stop, for `hyperplan sim gandi` to call.
 */
import { runSimCommand, type SimCommandIo } from "../kit/command.js";
import { commonStartOptions, describeDelays, parseCommonSimArgs, type CommonSimArgs } from "../kit/args.js";
import { DELAY_STEP_NAMES, parseDelays, type DelayOverrides, type DelayPreset } from "./delays.js";
import { parseFaultRules, type FaultRule } from "./faults.js";
import { DEFAULT_AUTH, DEFAULT_PORT, startGandiSimulator } from "./simulator.js";
import { GANDI_SIM_USAGE } from "./usage.js";

export { GANDI_SIM_USAGE };

export interface GandiSimArgs extends CommonSimArgs<DelayPreset | DelayOverrides, FaultRule> {
  help: boolean;
}

export type { SimCommandIo };

export class GandiSimUsageError extends Error {
  override name = "GandiSimUsageError";
}

/** Parses the arguments after `sim gandi`; throws GandiSimUsageError naming the bad argument. */
export function parseGandiSimArgs(argv: readonly string[]): GandiSimArgs {
  const defaults: GandiSimArgs = { port: DEFAULT_PORT, host: "127.0.0.1", auth: DEFAULT_AUTH, stateFile: undefined, seed: 1, delays: "fast", faults: [], help: false };
  return parseCommonSimArgs(argv, defaults, {
    usageError: (message) => new GandiSimUsageError(message.replace("--auth must be USER:PASSWORD", "--auth must be LOGIN:PASSWORD")),
    parseDelays,
    parseFaultRules,
  });
}

/**
 * Runs the simulator until `io.stopSignal` resolves: prints the endpoint URL on stdout once it
 * listens, saves the state file on stop, and returns the exit code (0; 2 with the usage on stderr
 * for bad arguments; 1 when it cannot start).
 */
export function runGandiSimCommand(argv: readonly string[], io: SimCommandIo): Promise<number> {
  return runSimCommand(
    {
      name: "gandi",
      title: "Gandi hosting simulator",
      usage: GANDI_SIM_USAGE,
      parse: parseGandiSimArgs,
      isUsageError: (error) => error instanceof GandiSimUsageError,
      start: (args, stateFile) => startGandiSimulator(commonStartOptions(args, stateFile)),
      listening: (sim, args, stateFile) => `${sim.url}; account ${args.auth.slice(0, args.auth.indexOf(":"))}, delays ${describeDelays(args.delays)}${stateFile ? `, state ${stateFile}` : ""}`,
    },
    argv,
    io,
  );
}
