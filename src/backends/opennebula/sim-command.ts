/**
 * `hyperplan sim opennebula`: runs the OpenNebula simulator as a standalone server until
 * SIGINT/SIGTERM, keeping its world in a state file so separate commands see the same pools.
 */
import type { CliIo } from "../../core/command-io.js";
import { UsageError } from "../../core/command-io.js";
import { describeDelays, parseCommonSimArgs } from "../../sim/kit/args.js";
import { DEFAULT_AUTH, DEFAULT_PORT, parseDelays, parseFaultRules, startOneSimulator, type DelayOverrides, type DelayPreset, type FaultRule } from "../../sim/opennebula/index.js";
import { SIM_USAGE } from "../../sim/opennebula/usage.js";

export { SIM_USAGE };

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
  const defaults: SimArgs = { port: DEFAULT_PORT, host: "127.0.0.1", auth: DEFAULT_AUTH, stateFile: undefined, seed: 1, delays: "fast", database: "sqlite", faults: [] };
  return parseCommonSimArgs(rest, defaults, {
    usageError: (message) => new UsageError(message),
    parseDelays: (v) => {
      if ((DELAYS as readonly string[]).includes(v)) return v as DelayPreset;
      if (!v.trim().startsWith("{")) throw new UsageError(`--delays must be one of ${DELAYS.join(", ")} or a JSON object of per-step delays, got "${v}"`);
      return parseDelays(v);
    },
    parseFaultRules,
    own: (flag, value, args) => {
      if (flag !== "--database") return false;
      const v = value();
      if (v !== "sqlite" && v !== "mysql") throw new UsageError(`--database must be sqlite or mysql, got "${v}"`);
      args.database = v;
      return true;
    },
  });
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
    `OpenNebula simulator listening (account ${args.auth.slice(0, args.auth.indexOf(":"))}, delays ${describeDelays(args.delays)}${stateFile ? `, state ${stateFile}` : ""}); Ctrl-C stops it.\n`,
  );
  const signal = await io.stopSignal;
  await sim.close();
  io.stderr.write(`OpenNebula simulator stopped (${signal})${stateFile ? `; state saved to ${stateFile}` : ""}.\n`);
  return 0;
}
