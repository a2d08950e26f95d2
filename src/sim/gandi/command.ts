/**
 * The standalone Gandi hosting simulator: argument parsing, usage text and a runner that serves
 * until told to stop, for `hyperplan sim gandi` to call.
 */
import { runSimCommand, type SimCommandIo } from "../kit/command";
import { commonStartOptions, describeDelays, parseCommonSimArgs, type CommonSimArgs } from "../kit/args";
import { DELAY_STEP_NAMES, parseDelays, type DelayOverrides, type DelayPreset } from "./delays";
import { parseFaultRules, type FaultRule } from "./faults";
import { DEFAULT_AUTH, DEFAULT_PORT, startGandiSimulator } from "./simulator";

export const GANDI_SIM_USAGE = `Usage: hyperplan sim gandi [options]

Runs a simulated Gandi hosting account (the old session-based hosting XML-RPC API: login, shares,
VMs, disks and their operations, 6-digit faults) on loopback, prints its endpoint URL
(http://HOST:PORT/hosting/) once it listens, and serves until Ctrl-C.

Options:
  --port N                 port to listen on (default ${DEFAULT_PORT}; 0 = any free port)
  --host ADDRESS           address to listen on (default 127.0.0.1)
  --auth LOGIN:PASSWORD    the account's handle and password (default ${DEFAULT_AUTH})
  --state FILE             load the account from FILE at start, save it after every change and on stop
  --seed N                 seed of the simulator's random choices (default 1)
  --delays PRESET|JSON     instant | fast | realistic (default fast: tens of ms per operation), or a
                           JSON object of per-step delays in ms laid over fast, e.g. VMs that take
                           3 s to create: '{"vmCreate":3000}'. Steps: ${DELAY_STEP_NAMES.join(", ")}
  --fault JSON             inject a fault (repeatable), e.g. a VM creation that ends in ERROR:
                           '{"type":"op-error","method":"vm_create","match":"web-*","comment":"no capacity"}'
                           or calls that fail: '{"type":"error","method":"vm_*","code":110020,"count":1}'
                           or a call done whose answer is lost: '{"type":"reset-after","method":"disk_create","count":1}'
                           (SPEC.md lists every kind of fault)`;

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
