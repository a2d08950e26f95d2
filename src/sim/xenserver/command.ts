/**
 * The standalone XenServer simulator: argument parsing, usage text and a runner that serves until
 * told to stop, for a command such as `hyperplan sim xenserver` to call.
 */
import { runSimCommand, type SimCommandIo } from "../kit/command";
import { commonStartOptions, describeDelays, parseCommonSimArgs, type CommonSimArgs } from "../kit/args";
import { parseDelays, type DelayOverrides, type DelayPreset } from "./delays";
import { parseFaultRules, type FaultRule } from "./faults";
import { DEFAULT_AUTH, DEFAULT_PORT, startXenServerSimulator } from "./simulator";

export const XENSERVER_SIM_USAGE = `Usage: hyperplan sim xenserver [options]

Runs a simulated XenServer pool (xapi's XML-RPC and JSON-RPC API, records, errors, tasks and
events) on loopback, prints the master's endpoint URL once it listens, and serves until Ctrl-C.
With the default --host 127.0.0.1, a second host, the pool slave, listens on 127.0.0.2 with the same port
and answers HOST_IS_SLAVE; on any other --host there is no slave.

Options:
  --port N                 port to listen on (default ${DEFAULT_PORT}; 0 = any free port)
  --host ADDRESS           address the master listens on (default 127.0.0.1)
  --auth USER:PASSWORD     the pool's root account (default ${DEFAULT_AUTH})
  --state FILE             load the pool from FILE at start, save it after every change and on stop
  --seed N                 seed of the simulator's random choices (default 1)
  --delays PRESET|JSON     instant | fast | realistic (default fast: tens of ms per operation), or
                           a JSON object of per-step delays in ms laid over fast, e.g. VMs that take
                           3 s to boot: '{"start":3000}'. Steps: clone, copyPerGiB, copyMin,
                           provision, start, cleanShutdown, hardShutdown, reboot, vdi, plug, task,
                           cancel, guestAgent, loginFailure, jitter
  --fault JSON             inject a fault (repeatable), e.g. a boot that fails:
                           '{"type":"task-failure","method":"VM.start","match":"web-*","error":["HOST_NOT_ENOUGH_FREE_MEMORY","1","0"]}'
                           or calls that fail: '{"type":"error","method":"Async.VM.*","error":["INTERNAL_ERROR","boom"],"count":1}'
                           or a call done whose answer is lost: '{"type":"reset-after","method":"VM.clone","count":1}'
                           (SPEC.md lists every kind of fault)`;

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
