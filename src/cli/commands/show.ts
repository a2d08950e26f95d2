/**
 * `hyperplan show FILE`: renders a saved plan exactly as `plan` printed it, from the document alone.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "../command.js";
import type { CliIo } from "../../core/command-io.js";
import { parseShowArgs, useColor } from "../plan-args.js";
import { renderPlanText } from "../render/plan-text.js";
import { maskSecrets } from "../../resources/desired-state.js";
import { parsePlan, serializePlan } from "../../core/plan.js";
import { HyperplanError } from "../../errors.js";

const USAGE = `Usage: hyperplan show FILE [--json] [--color|--no-color]

Prints a plan saved with \`hyperplan plan --out FILE\`, as plan printed it (secrets masked).
  --json   print the plan document instead`;

async function runShow(argv: string[], io: CliIo): Promise<number> {
  const args = parseShowArgs(argv);
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, args.file), "utf8");
  } catch (error) {
    throw new HyperplanError("PLAN_FILE_UNREADABLE", `cannot read plan file ${args.file}`, { detail: (error as Error).message, cause: error });
  }
  const plan = maskSecrets(parsePlan(text, args.file));
  io.stdout.write(args.json ? serializePlan(plan) : renderPlanText(plan, { color: useColor(args.color, io.stdout.isTTY, io.env) }));
  return 0;
}

export const showCommand: Command = { name: "show", summary: "Print a saved plan", usage: USAGE, run: runShow };
