/**
 * The standalone XenServer simulator: argument parsing, usage text and a runner that serves until
 * told to stop, for a command such as `hyperplan sim xenserver` to call.
 */
import { runSimCommand, type SimCommandIo } from "../kit/command.js";
import { commonStartOptions, describeDelays, parseCommonSimArgs, type CommonSimArgs } from "../kit/args.js";
import { parseDelays, type DelayOverrides, type DelayPreset } from "./delays.js";
import { parseFaultRules, type FaultRule } from "./faults.js";
import { DEFAULT_AUTH, DEFAULT_PORT, startXenServerSimulator } from "./simulator.js";
import { XENSERVER_SIM_USAGE } from "./usage.js";

export { XENSERVER_SIM_USAGE };

export interface XenServerSimArgs extends CommonSimArgs<DelayPreset | DelayOverrides, FaultRule> {
  help: boolean;
}

/** What the runner may touch: its output streams, the signal that stops it and where relative paths start. */
export type { SimCommandIo };

export class SimUsageError extends Error {
  override name = "SimUsageError";
}

/** Parses the arguments after `sim xenserver`; throws SimUsageError naming the bad argument. */
export function parseXenServerSimArgs(argv: readonly string[]): XenServerSimArgs {
  const defaults: XenServerSimArgs = { port: DEFAULT_PORT, host: "127.0.0.1", auth: DEFAULT_AUTH, stateFile: undefined, seed: 1, delays: "fast", faults: [], help: false };
  return parseCommonSimArgs(argv, defaults, {
    usageError: (message) => new SimUsageError(message),
    parseDelays,
    parseFaultRules,
  });
}

/**
 * Runs the simulator until `io.stopSignal` resolves: prints the endpoint URL on stdout once it
 * listens, saves the state file on stop, and returns the exit code (0; 2 with the usage on stderr
 * for bad arguments; 1 when it cannot start).
 */
export function runXenServerSimCommand(argv: readonly string[], io: SimCommandIo): Promise<number> {
  return runSimCommand(
    {
      name: "xenserver",
      title: "XenServer simulator",
      usage: XENSERVER_SIM_USAGE,
      parse: parseXenServerSimArgs,
      isUsageError: (error) => error instanceof SimUsageError,
      start: (args, stateFile) => startXenServerSimulator(commonStartOptions(args, stateFile)),
      listening: (sim, args, stateFile) => `master ${sim.url}${sim.slaveUrl ? `, slave ${sim.slaveUrl}` : ""}; account ${args.auth.slice(0, args.auth.indexOf(":"))}, delays ${describeDelays(args.delays)}${stateFile ? `, state ${stateFile}` : ""}`,
    },
    argv,
    io,
  );
}
