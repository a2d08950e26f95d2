/**
 * `hyperplan graph [stack.ts]`: the stack's dependency graph in Graphviz DOT, from the declaration
 * alone (no cloud is read): one node per resource, an arrow from each resource to what it uses, the
 * order a plan creates them in read against the arrows.
 */
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import type { CliIo } from "../../core/command-io.js";
import { UsageError } from "../../core/command-io.js";
import { STACK_FILE_HELP } from "../stack-args.js";
import { loadDesired } from "./plan.js";
import type { DesiredState } from "../../resources/desired-state.js";

const USAGE = `Usage: hyperplan graph [stack.ts] [options]

Prints the stack's dependency graph in Graphviz DOT: a node per resource (its address and kind), an
arrow from each resource to what it uses. Read from the declaration only; no cloud is read.
\`hyperplan graph | dot -Tsvg > graph.svg\` draws it.

Options:
  --stack NAME   the stack when the file declares several

${STACK_FILE_HELP}`;

const SHAPES: Record<string, string> = { VirtualNetwork: "hexagon", Image: "cylinder", SecurityGroup: "octagon", VmTemplate: "note", VirtualMachine: "box" };

function quote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The declaration's graph as DOT, nodes and edges sorted. */
export function toDot(desired: DesiredState): string {
  const lines = [`digraph ${quote(desired.stack)} {`, "  rankdir=LR;", "  node [fontname=\"Helvetica\", fontsize=11];"];
  // DOT's own line break in a label is the two characters \n.
  for (const r of desired.resources) lines.push(`  ${quote(r.address)} [label=${quote(r.address).slice(0, -1)}\\n${r.kind}", shape=${SHAPES[r.kind] ?? "box"}];`);
  for (const r of desired.resources) for (const dep of r.dependsOn) lines.push(`  ${quote(r.address)} -> ${quote(dep)};`);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

async function runGraph(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { stack: { type: "string" } } });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length > 1) throw new UsageError(`expected at most one stack file, got ${parsed.positionals.join(" ")}`);
  const loaded = await loadDesired({ file: parsed.positionals[0], stack: parsed.values.stack }, io);
  if (typeof loaded === "number") return loaded;
  io.stdout.write(toDot(loaded.desired));
  return 0;
}

export const graphCommand: Command = {
  name: "graph",
  summary: "Print the stack's dependency graph (Graphviz DOT)",
  usage: USAGE,
  run: runGraph,
};
