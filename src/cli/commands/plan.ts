/**
 * `hyperplan plan [stack.ts]` (and `plan --destroy`): read the live pools, diff them against the
 * declaration and print an exact, ordered plan. The plan document is computed once; the text view,
 * `--json` and `--out` all come from it. `hyperplan destroy` carries a destroy out (apply.ts).
 */
import { dirname, relative, resolve } from "node:path";
import type { Command } from "../command.js";
import type { CliIo } from "../../core/command-io.js";
import { connectCloud, type CloudConnection } from "../cloud.js";
import { parsePlanArgs, RETRY_HELP, useColor, type PlanArgs } from "../plan-args.js";
import { renderPlanText } from "../render/plan-text.js";
import { renderPlanMarkdown } from "../render/plan-markdown.js";
import { STACK_FILE_HELP } from "../stack-args.js";
import { loadStackFile, resolveStackFile, selectStacks } from "../stack-loader.js";
import { issuesText, warningsText } from "../stack-report.js";
import { analyseForBackend } from "../../backends/analyse.js";
import { maskSecrets, type DesiredState } from "../../resources/desired-state.js";
import type { Stack } from "../../resources/stack.js";
import { buildPlan } from "../../planner/plan-builder.js";
import { hasWork, serializePlan, type Plan } from "../../core/plan.js";
import { UsageError } from "../../core/command-io.js";
import { writePrivateFile } from "../private-file.js";
import { savedSettings } from "../cloud.js";

const COMMON_OPTIONS = `Options:
  --stack NAME          the stack to plan when the file declares several
  --simulate            use the stack backend's embedded simulator, not the cloud; its world
                        is kept in .hyperplan/simulator-<backend>.json beside the stack file
  --json                print the plan document (JSON) instead of the text view
  --format FORMAT       text (default), json (as --json), or markdown: the plan for a pull-request
                        comment (summary first, changes grouped by action, replacements and power
                        cycles called out, long groups folded; secrets masked)
  --out FILE            also save the plan document (JSON, secrets kept, readable by you only);
                        \`hyperplan apply FILE\` carries it out, \`hyperplan show FILE\` prints it
  --target ADDRESS      limit the plan to this resource and what it depends on (repeatable)
  --replace ADDRESS     replace this object even though it matches its declaration, e.g. a VM that
                        never leaves PENDING (repeatable; not with --destroy)
  --destroy             plan the removal of everything the stack owns, dependents first (a VM
                        before the image it uses); \`hyperplan destroy\` carries it out
  --detailed-exitcode   exit 0 when there is nothing to do, 2 when there are changes or objects
                        apply would wait for (still on their way), 1 on error
${RETRY_HELP}
  --color, --no-color   force colours on or off (default: on for a terminal, unless NO_COLOR is set)

Which cloud: the stack's provider settings (new Stack(app, "lab", { provider: { opennebula: {...} } })),
else ONE_XMLRPC and ONE_AUTH as the OpenNebula CLI reads them, else http://localhost:2633/RPC2 with
~/.one/one_auth. The first line of the plan names the endpoint that was read.

${STACK_FILE_HELP}`;

const PLAN_USAGE = `Usage: hyperplan plan [stack.ts] [options]

Reads the live objects the stack owns (one paged pool read per kind), diffs them against the
declaration and prints the ordered plan: + create, ~ update, -/+ replace, - delete.

${COMMON_OPTIONS}`;

export interface LoadedStack {
  stack: Stack;
  /** The stack file, absolute. */
  file: string;
  desired: DesiredState;
}

/** Loads the stack file and synthesizes the one stack chosen; prints the problems and gives 1 when it is invalid. */
export async function loadDesired(args: { file: string | undefined; stack: string | undefined }, io: CliIo): Promise<LoadedStack | number> {
  const file = resolveStackFile(io.cwd, args.file);
  const loaded = await loadStackFile(file, { env: io.env, cwd: io.cwd });
  const stacks = selectStacks(loaded, args.stack);
  if (stacks.length !== 1) {
    throw new UsageError(`the stack file declares ${stacks.length} stacks (${stacks.map((s) => s.stackName).join(", ")}); choose one with --stack NAME`);
  }
  const stack = stacks[0]!;
  const { analysis } = analyseForBackend(stack);
  const problems = issuesText([analysis]);
  io.stderr.write(warningsText([analysis]));
  if (problems) {
    io.stderr.write(problems);
    return 1;
  }
  return { stack, file, desired: analysis.state! };
}

/** What a plan is limited to or told to do beyond the diff (`--target`, `--replace`). */
export interface PlanScope {
  targets: readonly string[];
  replace: readonly string[];
}

/** Reads the live state through an open connection and builds the plan. */
export async function planWith(cloud: CloudConnection, desired: DesiredState, mode: "plan" | "destroy", scope: PlanScope): Promise<Plan> {
  if (mode === "destroy" && scope.replace.length > 0) throw new UsageError("--replace belongs to a plan that keeps the stack; a destroy deletes every object anyway");
  const live = await cloud.provider.read(desired.stack, desired);
  return buildPlan({
    desired,
    live: { ...live, endpoint: cloud.label },
    rules: cloud.provider.rules,
    mode,
    ...(scope.targets.length > 0 ? { targets: [...scope.targets] } : {}),
    ...(scope.replace.length > 0 ? { replace: [...scope.replace] } : {}),
  });
}

/** Loads the stack, reads the live state and builds the plan; shared by plan and destroy. */
export async function computePlan(args: PlanArgs, mode: "plan" | "destroy", io: CliIo): Promise<{ plan: Plan; loaded: LoadedStack } | number> {
  const loaded = await loadDesired(args, io);
  if (typeof loaded === "number") return loaded;
  const cloud = await connectCloud({ stack: loaded.desired.stack, settings: loaded.stack.providerSettings, stackFile: loaded.file, simulate: args.simulate, io, retry: { timeoutMs: args.retryTimeoutMs } });
  try {
    return { plan: await planWith(cloud, loaded.desired, mode, args), loaded };
  } finally {
    await cloud.close();
  }
}

async function runPlanCommand(argv: string[], io: CliIo): Promise<number> {
  const args = parsePlanArgs(argv);
  const mode = args.destroy ? "destroy" : "plan";
  const result = await computePlan(args, mode, io);
  if (typeof result === "number") return result;
  const { plan, loaded } = result;
  if (args.out !== undefined) await savePlan(resolve(io.cwd, args.out), plan, loaded);
  if (args.format === "json") io.stdout.write(serializePlan(maskSecrets(plan)));
  else if (args.format === "markdown") io.stdout.write(renderPlanMarkdown(maskSecrets(plan)));
  else io.stdout.write(renderPlanText(maskSecrets(plan), { color: useColor(args.color, io.stdout.isTTY, io.env) }));
  if (args.out !== undefined && args.format === "text") io.stdout.write(`\nSaved the plan to ${args.out}; \`hyperplan apply ${args.out}\` carries it out, \`hyperplan show ${args.out}\` prints it again.\n`);
  // Objects still on their way are work too: apply would wait for them.
  if (args.detailedExitCode) return hasWork(plan) ? 2 : 0;
  return 0;
}

/**
 * Writes a plan for `hyperplan apply FILE`: the plan document plus what apply needs besides it (the
 * declaration, for values known after apply and the stack's outputs; the stack file, for which cloud).
 * It keeps secret values (carrying it out sets passwords), so only its owner may read it.
 */
export async function savePlan(path: string, plan: Plan, loaded: LoadedStack): Promise<void> {
  const saved: Plan = { ...plan, desired: loaded.desired, settings: savedSettings(loaded.desired.stack, loaded.stack.providerSettings), stackFile: relative(dirname(path), loaded.file) || loaded.file };
  await writePrivateFile(path, serializePlan(saved));
}

export const planCommand: Command = {
  name: "plan",
  summary: "Show what the stack would change: an exact, ordered plan",
  usage: PLAN_USAGE,
  run: (argv, io) => runPlanCommand(argv, io),
};
