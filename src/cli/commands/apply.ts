/**
 * `hyperplan apply [stack.ts | plan.json]`: carry a plan out, dependencies first, and follow every
 * operation until the cloud is in the declared state or it is clear what failed.
 *
 * Without a plan file, apply plans, prints the plan and asks for confirmation (or takes
 * `--auto-approve`; it never prompts when stdin is not a terminal). With a saved plan, it reads the
 * live objects again and refuses to run when they changed since the plan was made.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import type { Command } from "../command";
import type { CliIo } from "../io";
import { connectCloud, retryToStderr, type CloudConnection, type ConnectOptions } from "../cloud";
import { addressesOf, colorOf, parseDuration, PLAN_OPTIONS, RETRY_HELP, retryTimeoutOf, targetsOf, useColor } from "../plan-args";
import { renderPlanText } from "../render/plan-text";
import { chooseProgressMode, createProgressRenderer } from "../render/progress-renderer";
import { STACK_FILE_HELP } from "../stack-args";
import { UsageError } from "../usage-error";
import { issuesText } from "../stack-report";
import { loadDesired, planWith } from "./plan";
import { HyperplanError } from "../../errors";
import { maskSecrets, RESOURCE_KINDS, type DesiredState } from "../../resources/desired-state";
import { analyseSavedDeclaration } from "../../resources/saved-declaration";
import { applyPlan, DEFAULT_PARALLELISM } from "../../planner/executor";
import { hasChanges, hasWork, parsePlan, type Plan } from "../../planner/plan";
import { planDifference } from "../../planner/saved-plan";
import { systemClock } from "../../providers/provider";

const USAGE = `Usage: hyperplan apply [stack.ts | plan.json] [options]

Carries the plan out: allocate, update and delete calls in dependency order, each followed until the
object reaches its declared state (a VM RUNNING, an image READY …) or fails with the cloud's message.
Dependents of a failed change are skipped; independent changes go on.

With a stack file (or none: the default files), apply plans first, prints the plan and asks for
confirmation. With a plan saved by \`hyperplan plan --out plan.json\`, it carries out exactly that plan:
it plans again from the declaration saved in the file and the live objects as they are now, and
refuses, before any call, unless that gives the saved changes (objects still on their way may have
arrived meanwhile); the saved declaration is validated like a stack file.

Options:
  --stack NAME          the stack to apply when the file declares several
  --simulate            use the embedded OpenNebula simulator; its world is kept in
                        .hyperplan/simulator.json beside the stack file
  --auto-approve        do not ask for confirmation (needed when stdin is not a terminal)
  --destroy             carry out the removal of everything the stack owns
  --target ADDRESS      limit the plan to this resource and what it depends on (repeatable)
  --replace ADDRESS     replace this object even though it matches its declaration (repeatable)
  --parallelism N       changes in flight at once (default ${DEFAULT_PARALLELISM})
  --timeout KIND=TIME   how long one change of a kind may take, e.g. VirtualMachine=20m, Image=2h
                        (repeatable; default 30m for every kind)
${RETRY_HELP}
  --json                one JSON event per line instead of the progress view
  --color, --no-color   force colours on or off

Exit status: 0 when every change reached its declared state (or there was nothing to do), 1 when a
change failed, was skipped or the plan could not run, 130 when interrupted.

${STACK_FILE_HELP}`;

export interface ApplyArgs {
  /** A stack file, or a saved plan (`.json`). */
  file: string | undefined;
  stack: string | undefined;
  simulate: boolean;
  autoApprove: boolean;
  destroy: boolean;
  targets: string[];
  replace: string[];
  retryTimeoutMs: number;
  parallelism: number;
  timeouts: Record<string, number>;
  json: boolean;
  color: boolean | undefined;
}

export function parseApplyArgs(argv: string[]): ApplyArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ...PLAN_OPTIONS,
        "auto-approve": { type: "boolean" },
        destroy: { type: "boolean" },
        parallelism: { type: "string" },
        timeout: { type: "string", multiple: true },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (parsed.positionals.length > 1) throw new UsageError(`expected at most one stack file or plan file, got ${parsed.positionals.join(" ")}`);
  const parallelism = v.parallelism === undefined ? DEFAULT_PARALLELISM : Number(v.parallelism);
  if (!Number.isInteger(parallelism) || parallelism < 1) throw new UsageError(`--parallelism needs a whole number ≥ 1, got "${v.parallelism}"`);
  const timeouts: Record<string, number> = {};
  for (const t of v.timeout ?? []) {
    const [kind, time] = t.split("=", 2);
    if (!kind || time === undefined || !(RESOURCE_KINDS as readonly string[]).includes(kind)) {
      throw new UsageError(`--timeout needs KIND=TIME with KIND one of ${RESOURCE_KINDS.join(", ")}, got "${t}"`);
    }
    const ms = parseDuration(time);
    if (ms === undefined) throw new UsageError(`--timeout ${kind}= needs a duration like 90s, 20m or 2h, got "${time}"`);
    timeouts[kind] = ms;
  }
  return {
    file: parsed.positionals[0],
    stack: v.stack,
    simulate: v.simulate === true,
    autoApprove: v["auto-approve"] === true,
    destroy: v.destroy === true,
    targets: targetsOf(v.target),
    replace: addressesOf("--replace", v.replace),
    retryTimeoutMs: retryTimeoutOf(v["retry-timeout"]),
    parallelism,
    timeouts,
    json: v.json === true,
    color: colorOf(v),
  };
}

export class StalePlanError extends HyperplanError {
  constructor(summary: string, address?: string) {
    super("STALE_PLAN", summary, address === undefined ? {} : { address });
  }
}

async function ask(io: CliIo, question: string): Promise<string> {
  io.stdout.write(question);
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    for await (const line of rl) return line.trim();
    return "";
  } finally {
    rl.close();
  }
}

interface Prepared {
  plan: Plan;
  desired: DesiredState;
  cloud: CloudConnection;
}

/**
 * A saved plan: its declaration validated like a stack file, then planned again against the live
 * objects; carried out only when that gives exactly the saved changes.
 */
async function fromSavedPlan(args: ApplyArgs, path: string, io: CliIo, retry: ConnectOptions["retry"]): Promise<Prepared | number> {
  if (args.destroy || args.targets.length > 0 || args.replace.length > 0 || args.stack !== undefined) {
    throw new UsageError("--destroy, --target, --replace and --stack belong to the plan; a saved plan is carried out as it was made");
  }
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new HyperplanError("PLAN_FILE_UNREADABLE", `cannot read the plan file ${args.file}`, { cause: error, detail: (error as Error).message });
  }
  const plan = parsePlan(text, args.file);
  if (!plan.desired || plan.stackFile === undefined) {
    throw new HyperplanError("PLAN_FILE_INCOMPLETE", `${args.file} is a plan document without the declaration it was made from; save plans with \`hyperplan plan --out FILE\``);
  }
  const analysis = analyseSavedDeclaration(plan.desired, args.file ?? "the plan file");
  if (!analysis.state) {
    io.stderr.write(`hyperplan apply: the declaration saved in ${args.file} is not valid; nothing was changed\n${issuesText([analysis])}`);
    return 1;
  }
  if (analysis.state.stack !== plan.stack) {
    throw new StalePlanError(`${args.file} is a plan for stack "${plan.stack}" but carries the declaration of stack "${analysis.state.stack}"; nothing was changed`);
  }
  const cloud = await connectCloud({ settings: plan.settings ?? {}, stackFile: resolve(dirname(path), plan.stackFile), simulate: args.simulate, io, retry });
  try {
    if (!args.simulate && plan.endpoint !== cloud.label) {
      throw new StalePlanError(`the plan was made against ${plan.endpoint}, but this apply would talk to ${cloud.label}`);
    }
    const fresh = await planWith(cloud, analysis.state, plan.mode, { targets: plan.targets ?? [], replace: plan.replace ?? [] });
    const difference = planDifference(plan, fresh);
    if (difference) {
      throw new StalePlanError(
        `refusing ${args.file}: ${difference.summary}; nothing was changed. The file was edited, or the live objects of stack "${plan.stack}" changed since the plan was made: run \`hyperplan plan --out\` again and apply the new plan`,
        difference.address,
      );
    }
    return { plan: fresh, desired: analysis.state, cloud };
  } catch (error) {
    await cloud.close();
    throw error;
  }
}

async function runApply(argv: string[], io: CliIo): Promise<number> {
  const args = parseApplyArgs(argv);
  const color = useColor(args.color, io.stdout.isTTY, io.env);
  // Retries are told on stderr while the plan is made, then through the progress view.
  let report = retryToStderr(io);
  const retry: ConnectOptions["retry"] = { timeoutMs: args.retryTimeoutMs, onRetry: (r) => report(r) };
  let prepared: Prepared | number;
  if (args.file?.endsWith(".json")) {
    prepared = await fromSavedPlan(args, resolve(io.cwd, args.file), io, retry);
  } else {
    const loaded = await loadDesired(args, io);
    if (typeof loaded === "number") return loaded;
    const cloud = await connectCloud({ settings: loaded.stack.providerSettings, stackFile: loaded.file, simulate: args.simulate, io, retry });
    try {
      prepared = { plan: await planWith(cloud, loaded.desired, args.destroy ? "destroy" : "plan", args), desired: loaded.desired, cloud };
    } catch (error) {
      await cloud.close();
      throw error;
    }
  }
  if (typeof prepared === "number") return prepared;
  const { plan, desired, cloud } = prepared;
  try {
    if (!args.json) io.stdout.write(renderPlanText(maskSecrets(plan), { color }));
    // Nothing to do: the text view said so; a JSON reader still gets its started and finished events.
    if (!hasWork(plan) && !args.json) return 0;
    if (hasChanges(plan) && !args.autoApprove && !args.file?.endsWith(".json")) {
      if (args.json) {
        io.stderr.write("hyperplan apply: --json prints events for machines, so nobody can answer a prompt; pass --auto-approve with it\n");
        return 1;
      }
      if (!io.stdin.isTTY) {
        io.stderr.write("hyperplan apply: stdin is not a terminal, so there is nobody to confirm the plan; pass --auto-approve to apply it anyway\n");
        return 1;
      }
      const answer = await ask(io, `\nDo you want to carry out these changes on ${cloud.label}?\nOnly "yes" is accepted: `);
      if (answer !== "yes") {
        io.stdout.write("Apply cancelled; nothing was changed.\n");
        return 1;
      }
    }
    if (!args.json) io.stdout.write("\n");
    const controller = new AbortController();
    void io.stopSignal.then(() => controller.abort());
    const mode = chooseProgressMode({ json: args.json, ...(io.stdout.isTTY !== undefined ? { isTTY: io.stdout.isTTY } : {}), env: io.env });
    const renderer = createProgressRenderer(mode, { out: io.stdout, clock: systemClock, color, ...(mode === "tty" && process.stdout.columns ? { columns: process.stdout.columns } : {}) });
    report = (r) => renderer.emit({ type: "call-retry", at: systemClock.now(), ...r });
    let result;
    try {
      result = await applyPlan(plan, cloud.provider, {
        desired,
        parallelism: args.parallelism,
        timeouts: args.timeouts,
        retryTimeoutMs: args.retryTimeoutMs,
        sink: renderer,
        signal: controller.signal,
      });
    } finally {
      renderer.close();
    }
    if (result.interrupted) return 130;
    return result.ok ? 0 : 1;
  } finally {
    await cloud.close();
  }
}

export const applyCommand: Command = {
  name: "apply",
  summary: "Carry the plan out and follow every operation to its end",
  usage: USAGE,
  run: runApply,
};
