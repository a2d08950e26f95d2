/**
 * `hyperplan output [stack.ts]`: the stack's outputs as the cloud has them now (a VM's address, an
 * image's id), read with the same pool reads as a plan. For scripts: `--json` prints one object.
 */
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import type { CliIo } from "../../core/command-io.js";
import { connectCloud } from "../cloud.js";
import { STACK_FILE_HELP } from "../stack-args.js";
import { UsageError } from "../../core/command-io.js";
import { loadDesired } from "./plan.js";
import { isAttributeRef, type DesiredState } from "../../resources/desired-state.js";
import type { LiveState } from "../../diff/live-state.js";

const USAGE = `Usage: hyperplan output [stack.ts] [NAME] [options]

Prints the stack's outputs with the values the live objects have now. An output whose object does not
exist yet (or does not report the attribute) is listed as unknown; with NAME, only that output's
value is printed, and exit status 1 means it is unknown.

Options:
  --stack NAME   the stack when the file declares several
  --simulate     read the embedded simulator's world (.hyperplan/simulator-<backend>.json beside the stack file)
  --json         print {"values": {...}, "unknown": [...]}

${STACK_FILE_HELP}`;

/** The declared outputs resolved against the live state. */
export function liveOutputs(desired: DesiredState, live: LiveState): { values: Record<string, string | number | boolean>; unknown: string[] } {
  const byAddress = new Map(live.resources.map((r) => [r.address, r]));
  const values: Record<string, string | number | boolean> = {};
  const unknown: string[] = [];
  for (const name of Object.keys(desired.outputs).sort()) {
    const value = desired.outputs[name]!.value;
    if (!isAttributeRef(value)) {
      values[name] = value;
      continue;
    }
    const r = byAddress.get(value.ref);
    const v = r?.values?.[value.attr] ?? (value.attr === "id" && r !== undefined ? String(r.id) : undefined);
    if (v === undefined) unknown.push(name);
    else values[name] = v;
  }
  return { values, unknown };
}

async function runOutput(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { stack: { type: "string" }, simulate: { type: "boolean" }, json: { type: "boolean" } } });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const positionals = [...parsed.positionals];
  const file = positionals[0]?.endsWith(".ts") ? positionals.shift() : undefined;
  if (positionals.length > 1) throw new UsageError(`expected at most a stack file and an output name, got ${parsed.positionals.join(" ")}`);
  const only = positionals[0];
  const loaded = await loadDesired({ file, stack: parsed.values.stack }, io);
  if (typeof loaded === "number") return loaded;
  if (only !== undefined && !(only in loaded.desired.outputs)) {
    throw new UsageError(`stack "${loaded.desired.stack}" declares no output "${only}"; it declares ${Object.keys(loaded.desired.outputs).sort().join(", ") || "none"}`);
  }
  const cloud = await connectCloud({ stack: loaded.desired.stack, settings: loaded.stack.providerSettings, stackFile: loaded.file, simulate: parsed.values.simulate === true, io });
  let outputs;
  try {
    outputs = liveOutputs(loaded.desired, await cloud.provider.read(loaded.desired.stack, loaded.desired));
  } finally {
    await cloud.close();
  }
  if (only !== undefined) {
    const value = outputs.values[only];
    if (value === undefined) {
      io.stderr.write(`hyperplan output: ${only} is not known yet (its object does not exist or does not report it); run apply first\n`);
      return 1;
    }
    io.stdout.write(parsed.values.json ? `${JSON.stringify(value)}\n` : `${String(value)}\n`);
    return 0;
  }
  if (parsed.values.json) {
    io.stdout.write(`${JSON.stringify(outputs)}\n`);
    return 0;
  }
  const names = Object.keys(loaded.desired.outputs).sort();
  if (names.length === 0) io.stdout.write(`Stack ${loaded.desired.stack} declares no outputs.\n`);
  const width = Math.max(0, ...names.map((n) => n.length));
  for (const name of names) {
    const value = outputs.values[name];
    io.stdout.write(`${name.padEnd(width)} = ${value === undefined ? "(unknown: not applied yet)" : JSON.stringify(value)}\n`);
  }
  return 0;
}

export const outputCommand: Command = {
  name: "output",
  summary: "Print the stack's outputs as the cloud has them now",
  usage: USAGE,
  run: runOutput,
};
