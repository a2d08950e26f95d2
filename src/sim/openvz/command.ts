/**
 * The standalone OpenVZ Web Panel simulator: argument parsing, usage text and a runner that serves
 * until told to stop, for `hyperplan sim openvz` to call.
 */
import { commonStartOptions, describeDelays, parseCommonSimArgs, type CommonSimArgs } from "../kit/args";
import { runSimCommand, type SimCommandIo } from "../kit/command";
import { DELAY_STEP_NAMES, parseDelays, type DelayOverrides, type DelayPreset } from "./delays";
import { parseFaultRules, type FaultRule } from "./faults";
import { DEFAULT_AUTH, DEFAULT_PORT, parseAuth, startOpenVzSimulator } from "./simulator";
import { rubyDowncase } from "./typecast";

export const OPENVZ_SIM_USAGE = `Usage: hyperplan sim openvz [options]

Runs a simulated OpenVZ Web Panel (owp) remote API: two hardware servers with OS and server
templates and IP pools, virtual servers created, updated, started, stopped, reinstalled and
deleted by synchronous vzctl calls (one at a time per hardware server), panel users listed,
created, updated, enabled, disabled and deleted by superadmins (users/*), XML answers, HTTP Basic
authentication. Prints its base URL (http://HOST:PORT/, the API under /api/) once it listens and
serves until Ctrl-C.

Options:
  --port N                 port to listen on (default ${DEFAULT_PORT}; 0 = any free port)
  --host ADDRESS           address to listen on (default 127.0.0.1)
  --auth USER:PASSWORD     the superadmin account, user 1 (default ${DEFAULT_AUTH})
  --user USER:PASSWORD     a further account that is not superadmin: it controls only the
                           virtual servers whose user_id is its id (2, 3, … in order; repeatable).
                           Users made through users/create get the ids after these accounts and,
                           unlike them, are kept in the state file
  --no-descriptions        the panel's save_descriptions setting off: descriptions are neither
                           validated nor set with vzctl (still stored)
  --state FILE             load the panel from FILE at start, save it after every change and on stop
                           (users made through the API included, passwords as salted digests)
  --seed N                 seed of the simulator's random choices (default 1)
  --delays PRESET|JSON     instant | fast | realistic (default fast: tens of ms per vzctl call), or a
                           JSON object of per-step delays in ms laid over fast, e.g. creates that
                           take 20 s: '{"create":20000}'. Steps: ${DELAY_STEP_NAMES.join(", ")}
  --fault JSON             inject a fault (repeatable; one rule or a JSON array), e.g.
                           vzctl failing on a node: '{"type":"vzctl","action":"create","match":"web*","code":46,"output":"Not enough disk space"}'
                           a call answered with an error: '{"type":"error","method":"virtual_servers/get","code":"internal_error","count":1}'
                           a call done whose answer is lost: '{"type":"reset-after","method":"virtual_servers/create","count":1}'
                           also delay ({"type":"delay","method":"…","ms":500}) and drop; every rule
                           takes "probability" (0..1) and "count" (SPEC.md lists them all)
  --help                   print this help`;

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
