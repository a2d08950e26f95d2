/**
 * `hyperplan validate [stack.ts]`: loads a stack file and reports every mistake in it — schema,
 * references, names, secrets, cycles — without talking to any cloud.
 */
import type { Command } from "../command.js";
import type { CliIo } from "../../core/command-io.js";
import { analyseForBackend } from "../../backends/analyse.js";
import { STACK_FILE_HELP, parseStackArgs } from "../stack-args.js";
import { loadStackFile, resolveStackFile, selectStacks } from "../stack-loader.js";
import { issuesJson, issuesText, summaryText, warningsText } from "../stack-report.js";

const USAGE = `Usage: hyperplan validate [stack.ts] [--stack NAME] [--json]

Checks the stacks declared in a stack file and lists every error at once, each with the
resource address and property path (lab/web-1: memory: must be >= 1 MiB, got 0), against
what the stack's backend supports too (lab/web-1: graphics: not supported on gandi).
Talks to no cloud. Exit status 0 when every stack is valid, 1 when any is not.

Options:
  --stack NAME   check only this stack
  --json         print the result as JSON on stdout ({ valid, stacks: [{ stack, valid, issues }] })

${STACK_FILE_HELP}`;

async function runValidate(argv: string[], io: CliIo): Promise<number> {
  const args = parseStackArgs(argv, { json: true });
  const file = resolveStackFile(io.cwd, args.file);
  const loaded = await loadStackFile(file, { env: io.env, cwd: io.cwd });
  const analyses = selectStacks(loaded, args.stack).map((s) => analyseForBackend(s).analysis);
  const valid = analyses.every((a) => a.issues.length === 0);
  if (args.json) {
    io.stdout.write(issuesJson(analyses));
  } else {
    io.stdout.write(summaryText(analyses));
    io.stderr.write(issuesText(analyses));
    io.stderr.write(warningsText(analyses));
  }
  return valid ? 0 : 1;
}

export const validateCommand: Command = {
  name: "validate",
  summary: "Check a stack file and list every error in it",
  usage: USAGE,
  run: runValidate,
};
