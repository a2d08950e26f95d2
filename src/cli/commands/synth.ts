/**
 * `hyperplan synth [stack.ts]`: prints the DesiredState of a stack file as JSON — the document the
 * plan is computed from. Keys are sorted, so the output is byte-identical from run to run.
 */
import type { Command } from "../command.js";
import type { CliIo } from "../../core/command-io.js";
import { canonicalJson } from "../../resources/canonical-json.js";
import { DESIRED_STATE_FORMAT_VERSION, maskSecrets } from "../../resources/desired-state.js";
import { analyseForBackend } from "../../backends/analyse.js";
import { STACK_FILE_HELP, parseStackArgs } from "../stack-args.js";
import { loadStackFile, resolveStackFile, selectStacks } from "../stack-loader.js";
import { issuesText, warningsText } from "../stack-report.js";

const USAGE = `Usage: hyperplan synth [stack.ts] [--stack NAME] [--show-secrets]

Prints the desired state of the stacks in a stack file as JSON on stdout:
  { "formatVersion": 2, "stacks": [ <DesiredState>, ... ] }   every stack, sorted by name
  <DesiredState>                                             with --stack NAME
Secret values print as { "secret": "(sensitive)" } unless --show-secrets is given.
When a stack has errors, they are listed on stderr (as by validate) and the exit status is 1.

Options:
  --stack NAME     print only this stack's DesiredState
  --show-secrets   print secret values as they are

${STACK_FILE_HELP}`;

async function runSynth(argv: string[], io: CliIo): Promise<number> {
  const args = parseStackArgs(argv, { showSecrets: true });
  const file = resolveStackFile(io.cwd, args.file);
  const loaded = await loadStackFile(file, { env: io.env, cwd: io.cwd });
  const analyses = selectStacks(loaded, args.stack).map((s) => analyseForBackend(s).analysis);
  const problems = issuesText(analyses);
  io.stderr.write(warningsText(analyses));
  if (problems) {
    io.stderr.write(problems);
    return 1;
  }
  const states = analyses.map((a) => a.state!);
  const document = args.stack !== undefined ? states[0] : { formatVersion: DESIRED_STATE_FORMAT_VERSION, stacks: states };
  io.stdout.write(`${canonicalJson(args.showSecrets ? document : maskSecrets(document))}\n`);
  return 0;
}

export const synthCommand: Command = {
  name: "synth",
  summary: "Print the desired state of a stack file as JSON",
  usage: USAGE,
  run: runSynth,
};
