/**
 * The standalone OpenVZ Web Panel simulator: argument parsing, usage text and a runner that serves
 * until told to stop, for `hyperplan sim openvz` to call.
 */
import { commonStartOptions, describeDelays, parseCommonSimArgs, type CommonSimArgs } from "../kit/args.js";
import { runSimCommand, type SimCommandIo } from "../kit/command.js";
import { DELAY_STEP_NAMES, parseDelays, type DelayOverrides, type DelayPreset } from "./delays.js";
import { parseFaultRules, type FaultRule } from "./faults.js";
import { DEFAULT_AUTH, DEFAULT_PORT, parseAuth, startOpenVzSimulator } from "./simulator.js";
import { OPENVZ_SIM_USAGE } from "./usage.js";

export { OPENVZ_SIM_USAGE };
import { rubyDowncase } from "./typecast.js";

export interface OpenVzSimArgs extends CommonSimArgs<DelayPreset | DelayOverrides, FaultRule> {
  users: { login: string; password: string }[];
  descriptions: boolean;
  help: boolean;
}

export type { SimCommandIo };

export class OpenVzSimUsageError extends Error {
  override name = "OpenVzSimUsageError";
}

/** Parses the arguments after `sim openvz`; throws OpenVzSimUsageError naming the bad argument. */
export function parseOpenVzSimArgs(argv: readonly string[]): OpenVzSimArgs {
  const defaults: OpenVzSimArgs = { port: DEFAULT_PORT, host: "127.0.0.1", auth: DEFAULT_AUTH, stateFile: undefined, seed: 1, delays: "fast", faults: [], users: [], descriptions: true, help: false };
  const args = parseCommonSimArgs(argv, defaults, {
    usageError: (message) => new OpenVzSimUsageError(message),
    parseDelays,
    parseFaultRules,
    own: (flag, value, a) => {
      switch (flag) {
        case "--no-descriptions":
          a.descriptions = false;
          return true;
        case "--user": {
          const v = value();
          let user: { login: string; password: string };
          try {
            user = parseAuth(v);
          } catch {
            throw new OpenVzSimUsageError(`--user must be USER:PASSWORD, got "${v}"`);
          }
          a.users.push(user);
          return true;
        }
        default:
          return false;
      }
    },
  });
  const logins = [parseAuth(args.auth).login, ...args.users.map((u) => u.login)].map(rubyDowncase);
  const twice = logins.find((l, i) => logins.indexOf(l) !== i);
  if (twice !== undefined) throw new OpenVzSimUsageError(`user "${twice}" is given twice (logins are compared lower-cased)`);
  return args;
}

/**
 * Runs the simulator until `io.stopSignal` resolves: prints the base URL on stdout once it
 * listens, saves the state file on stop, and returns the exit code (0; 2 with the usage on stderr
 * for bad arguments; 1 when it cannot start).
 */
export function runOpenVzSimCommand(argv: readonly string[], io: SimCommandIo): Promise<number> {
  return runSimCommand(
    {
      name: "openvz",
      title: "OpenVZ Web Panel simulator",
      usage: OPENVZ_SIM_USAGE,
      parse: parseOpenVzSimArgs,
      isUsageError: (error) => error instanceof OpenVzSimUsageError,
      start: (args, stateFile) =>
        startOpenVzSimulator({ ...commonStartOptions(args, stateFile), descriptions: args.descriptions, ...(args.users.length > 0 ? { users: args.users } : {}) }),
      listening: (sim, args, stateFile) =>
        `${sim.url}api/; superadmin ${parseAuth(args.auth).login}${args.users.length > 0 ? `, users ${args.users.map((u) => u.login).join(", ")}` : ""}, delays ${describeDelays(args.delays)}${args.descriptions ? "" : ", descriptions off"}${stateFile ? `, state ${stateFile}` : ""}`,
    },
    argv,
    io,
  );
}
