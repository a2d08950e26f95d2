/**
 * `hyperplan sim opennebula`: runs the OpenNebula simulator as a standalone server until
 * SIGINT/SIGTERM, keeping its world in a state file so separate commands see the same pools.
 */
import type { CliIo } from "../../core/command-io";
import { UsageError } from "../../core/command-io";
import { DEFAULT_AUTH, DEFAULT_PORT, parseDelays, parseFaultRules, startOneSimulator, type DelayOverrides, type DelayPreset, type FaultRule } from "../../sim/opennebula/index";

export const SIM_USAGE = `Usage: hyperplan sim opennebula [options]

Runs a simulated OpenNebula cloud (oned's XML-RPC API, documents, errors and asynchronous
lifecycles) on loopback, prints its endpoint URL once it listens, and serves until Ctrl-C.

Options:
  --port N                 port to listen on (default ${DEFAULT_PORT}; 0 = any free port)
  --host ADDRESS           address to listen on (default 127.0.0.1)
  --auth USER:PASSWORD     the account sessions must use (default ${DEFAULT_AUTH})
  --state FILE             load the world from FILE at start, save it after every change and on stop
  --seed N                 seed of the simulator's random choices (default 1)
  --delays PRESET|JSON     instant | fast | realistic (default fast: tens of ms per step), or a
                           JSON object of per-step delays in ms laid over fast, e.g. VMs that
                           stay in EPILOG for 3 s: '{"epilog":3000}'. Steps: schedulerPeriod,
                           schedulerMaxPerHost (VMs per host per cycle), prolog, boot, shutdown,
                           epilog, hotplug, imageCopy, imageDelete, vnetCreate, vnetDelete
  --database KIND          sqlite (default, as oned ships) | mysql: answer the JSON query of
                           one.vmpool.info/infoextended as a MySQL-backed oned does
  --fault JSON             inject a fault (repeatable), e.g. a VM that fails to boot:
                           '{"type":"fail-state","kind":"vm","match":"web-*","state":"BOOT_FAILURE"}'
                           or calls that fail: '{"type":"error","method":"one.vm.*","code":"INTERNAL","count":1}'
                           or a call done whose answer is lost: '{"type":"reset-after","method":"one.vm.allocate","count":1}'
                           (SPEC.md lists every kind of fault)`;

export interface SimArgs {
  port: number;
  host: string;
  auth: string;
  stateFile: string | undefined;
  seed: number;
  /** A preset, or per-step delays over the fast preset. */
  delays: DelayPreset | DelayOverrides;
  database: "sqlite" | "mysql";
  faults: FaultRule[];
}

const DELAYS: readonly DelayPreset[] = ["instant", "fast", "realistic"];

/** Parses the arguments after `sim opennebula` into a typed value; throws UsageError naming the bad argument. */
export function parseSimArgs(rest: readonly string[]): SimArgs {
  const args: SimArgs = { port: DEFAULT_PORT, host: "127.0.0.1", auth: DEFAULT_AUTH, stateFile: undefined, seed: 1, delays: "fast", database: "sqlite", faults: [] };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--port": {
        const v = value();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n > 65535) throw new UsageError(`--port must be a number from 0 to 65535, got "${v}"`);
        args.port = n;
        break;
      }
      case "--host": {
        const v = value();
        if (v.trim() === "") throw new UsageError("--host cannot be empty");
        args.host = v;
        break;
      }
      case "--auth": {
        const v = value();
        if (v.indexOf(":") <= 0) throw new UsageError(`--auth must be USER:PASSWORD, got "${v}"`);
        args.auth = v;
        break;
      }
      case "--state": {
        const v = value();
        if (v.trim() === "") throw new UsageError("--state needs a file name");
        args.stateFile = v;
        break;
      }
      case "--seed": {
        const v = value();
        if (!/^-?\d+$/.test(v)) throw new UsageError(`--seed must be a whole number, got "${v}"`);
        args.seed = Number(v);
        break;
      }
      case "--database": {
        const v = value();
        if (v !== "sqlite" && v !== "mysql") throw new UsageError(`--database must be sqlite or mysql, got "${v}"`);
        args.database = v;
        break;
      }
      case "--fault": {
        const v = value();
        try {
          args.faults.push(...parseFaultRules(v));
        } catch (error) {
          throw new UsageError(`--fault: ${(error as Error).message}`);
        }
        break;
      }
      case "--delays": {
        const v = value();
        if ((DELAYS as readonly string[]).includes(v)) {
          args.delays = v as DelayPreset;
          break;
        }
        if (!v.trim().startsWith("{")) throw new UsageError(`--delays must be one of ${DELAYS.join(", ")} or a JSON object of per-step delays, got "${v}"`);
        try {
          args.delays = parseDelays(v);
        } catch (error) {
          throw new UsageError(`--delays: ${(error as Error).message}`);
        }
        break;
      }
      default:
        throw new UsageError(`unknown option "${arg}"`);
    }
  }
  return args;
}

export async function runSim(argv: string[], io: CliIo): Promise<number> {
  const args = parseSimArgs(argv);
  const { resolve } = await import("node:path");
  const stateFile = args.stateFile === undefined ? undefined : resolve(io.cwd, args.stateFile);
  const sim = await startOneSimulator({
    port: args.port,
    host: args.host,
    auth: args.auth,
    seed: args.seed,
    delays: args.delays,
    database: args.database,
    ...(args.faults.length > 0 ? { faults: args.faults } : {}),
    ...(stateFile !== undefined ? { stateFile } : {}),
  });
  io.stdout.write(`${sim.url}\n`);
  io.stderr.write(
    `OpenNebula simulator listening (account ${args.auth.slice(0, args.auth.indexOf(":"))}, delays ${typeof args.delays === "string" ? args.delays : `fast with ${JSON.stringify(args.delays)}`}${stateFile ? `, state ${stateFile}` : ""}); Ctrl-C stops it.\n`,
  );
  const signal = await io.stopSignal;
  await sim.close();
  io.stderr.write(`OpenNebula simulator stopped (${signal})${stateFile ? `; state saved to ${stateFile}` : ""}.\n`);
  return 0;
}
