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
import type { Command } from "../command.js";
import type { CliIo } from "../../core/command-io.js";
import { connectCloud, retryToStderr } from "../cloud.js";
import { addressesOf, colorOf, parseDuration, PLAN_OPTIONS, RETRY_HELP, retryTimeoutOf, targetsOf, useColor } from "../plan-args.js";
import { renderPlanText } from "../render/plan-text.js";
import { chooseProgressMode, createProgressRenderer } from "../render/progress-renderer.js";
import { STACK_FILE_HELP } from "../stack-args.js";
import { UsageError } from "../../core/command-io.js";
import { issuesText } from "../stack-report.js";
import { loadDesired, planWith, type PlanScope } from "./plan.js";
import { HyperplanError } from "../../errors.js";
import { maskSecrets, RESOURCE_KINDS, type DesiredState } from "../../resources/desired-state.js";
import { analyseSavedDeclaration } from "../../resources/saved-declaration.js";
import { applyPlan, DEFAULT_PARALLELISM } from "../../planner/executor.js";
import { hasChanges, hasWork, parsePlan, type Plan } from "../../core/plan.js";
import { planDifference } from "../../planner/saved-plan.js";
import { acquireStackLock, currentHolder, type HeldLock } from "../../planner/stack-lock.js";
import type { ProviderSettings } from "../../resources/stack.js";
import { StackValidationError } from "../../resources/validation-issue.js";
import { selectBackend } from "../../backends/registry.js";
import { systemClock } from "../../core/clock.js";

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
  --simulate            use the stack backend's embedded simulator; its world is kept in
                        .hyperplan/simulator-<backend>.json beside the stack file
  --auto-approve        do not ask for confirmation (needed when stdin is not a terminal)
  --destroy             carry out the removal of everything the stack owns
  --target ADDRESS      limit the plan to this resource and what it depends on (repeatable)
  --replace ADDRESS     replace this object even though it matches its declaration (repeatable)
  --parallelism N       changes in flight at once (default: the backend's, 50 on OpenNebula,
                        ${DEFAULT_PARALLELISM} on the others)
  --timeout KIND=TIME   how long one change of a kind may take, e.g. VirtualMachine=20m, Image=2h
                        (repeatable; default 30m for every kind)
${RETRY_HELP}
  --lock-timeout TIME   how long to wait when another apply of the stack holds its lock
                        (default 0: fail at once, naming who holds it and since when)
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
  /** How long to wait for another apply of the stack to release its lock; 0 fails at once. */
  lockTimeoutMs: number;
  /** Unset: the backend's default. */
  parallelism: number | undefined;
  timeouts: Record<string, number>;
  json: boolean;
  color: boolean | undefined;
}

/** `--lock-timeout`: a duration, or 0 (the default: fail at once when another apply holds the lock). */
function lockTimeoutOf(value: string | undefined): number {
  if (value === undefined || value.trim() === "0" || value.trim() === "0s") return 0;
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`--lock-timeout needs a duration like 0, 90s or 10m, got "${value}"`);
  return ms;
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
        "lock-timeout": { type: "string" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (parsed.positionals.length > 1) throw new UsageError(`expected at most one stack file or plan file, got ${parsed.positionals.join(" ")}`);
  const parallelism = v.parallelism === undefined ? undefined : Number(v.parallelism);
  if (parallelism !== undefined && (!Number.isInteger(parallelism) || parallelism < 1)) throw new UsageError(`--parallelism needs a whole number ≥ 1, got "${v.parallelism}"`);
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
    lockTimeoutMs: lockTimeoutOf(v["lock-timeout"]),
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

/** What apply carries out: a declaration to plan, from a stack file or a saved plan, and where its cloud is. */
interface ApplySource {
  desired: DesiredState;
  settings: ProviderSettings;
  stackFile: string;
  mode: "plan" | "destroy";
  scope: PlanScope;
  /** A saved plan: apply carries it out only if planning again gives exactly its changes. */
  saved?: { plan: Plan; file: string };
}

/**
 * A saved plan: its declaration validated like a stack file; planned again (under the stack's lock)
 * against the live objects and carried out only when that gives exactly the saved changes.
 */
async function savedSource(args: ApplyArgs, path: string, io: CliIo): Promise<ApplySource | number> {
  if (args.destroy || args.targets.length > 0 || args.replace.length > 0 || args.stack !== undefined) {
    throw new UsageError("--destroy, --target, --replace and --stack belong to the plan; a saved plan is carried out as it was made");
  }
  const file = args.file ?? path;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new HyperplanError("PLAN_FILE_UNREADABLE", `cannot read the plan file ${file}`, { cause: error, detail: (error as Error).message });
  }
  const plan = parsePlan(text, file);
  if (!plan.desired || plan.stackFile === undefined) {
    throw new HyperplanError("PLAN_FILE_INCOMPLETE", `${file} is a plan document without the declaration it was made from; save plans with \`hyperplan plan --out FILE\``);
  }
  const { choice, issues } = selectBackend(plan.stack, plan.settings);
  if (!choice || issues.length > 0) throw new StackValidationError(`the provider settings saved in ${file}`, issues);
  if (choice.backend.name !== plan.backend) {
    throw new StalePlanError(`${file} is a plan for ${plan.backend} but its provider settings name ${choice.backend.name}; nothing was changed`);
  }
  const analysis = analyseSavedDeclaration(plan.desired, file, { profile: choice.backend.profile });
  if (!analysis.state) {
    io.stderr.write(`hyperplan apply: the declaration saved in ${file} is not valid; nothing was changed\n${issuesText([analysis])}`);
    return 1;
  }
  if (analysis.state.stack !== plan.stack) {
    throw new StalePlanError(`${file} is a plan for stack "${plan.stack}" but carries the declaration of stack "${analysis.state.stack}"; nothing was changed`);
  }
  return {
    desired: analysis.state,
    settings: plan.settings ?? {},
    stackFile: resolve(dirname(path), plan.stackFile),
    mode: plan.mode,
    scope: { targets: plan.targets ?? [], replace: plan.replace ?? [] },
    saved: { plan, file },
  };
}

/** True when `path` holds a plan document rather than a stack file: recognised by its content, whatever its name. */
async function isPlanDocument(path: string): Promise<boolean> {
  if (path.endsWith(".json")) return true;
  if (/\.(m|c)?[jt]s$/.test(path)) return false;
  try {
    return (await readFile(path, "utf8")).trimStart().startsWith("{");
  } catch {
    return false;
  }
}

async function runApply(argv: string[], io: CliIo, command: "apply" | "destroy" = "apply"): Promise<number> {
  const args = parseApplyArgs(argv);
  const savedFile = args.file !== undefined && (await isPlanDocument(resolve(io.cwd, args.file)));
  if (command === "destroy") {
    if (args.replace.length > 0) throw new UsageError("--replace belongs to a plan that keeps the stack; a destroy deletes every object anyway");
    if (args.destroy) throw new UsageError("destroy removes everything the stack owns already; --destroy belongs to apply");
    if (!savedFile) args.destroy = true;
  }
  const color = useColor(args.color, io.stdout.isTTY, io.env);
  let source: ApplySource | number;
  if (savedFile) {
    source = await savedSource(args, resolve(io.cwd, args.file!), io);
    if (command === "destroy" && typeof source !== "number" && source.mode !== "destroy") {
      throw new UsageError(`${args.file} is a plan that keeps the stack, not a destroy plan: carry it out with \`hyperplan apply ${args.file}\``);
    }
  } else {
    const loaded = await loadDesired(args, io);
    source = typeof loaded === "number" ? loaded : { desired: loaded.desired, settings: loaded.stack.providerSettings, stackFile: loaded.file, mode: args.destroy ? "destroy" : "plan", scope: args };
  }
  if (typeof source === "number") return source;
  const { desired, saved } = source;
  const controller = new AbortController();
  void io.stopSignal.then(() => controller.abort());
  // Retries are told on stderr while the plan is made, then through the progress view.
  let report = retryToStderr(io);
  const cloud = await connectCloud({ stack: source.desired.stack, settings: source.settings, stackFile: source.stackFile, simulate: args.simulate, io, retry: { timeoutMs: args.retryTimeoutMs, onRetry: (r) => report(r) } });
  let lock: HeldLock | undefined;
  try {
    if (saved && !args.simulate && saved.plan.endpoint !== cloud.label) {
      if (/ simulator .*\(embedded; /.test(saved.plan.endpoint)) {
        throw new StalePlanError(`${saved.file} was made with --simulate (against ${saved.plan.endpoint}); apply it with --simulate, or plan again against ${cloud.label}; nothing was changed`);
      }
      throw new StalePlanError(`the plan was made against ${saved.plan.endpoint}, but this apply would talk to ${cloud.label}`);
    }
    // One apply of a stack at a time: the lock is held from before the live read to the end.
    lock = await acquireStackLock(cloud.provider.locks, desired.stack, currentHolder(io.env, "hyperplan apply"), {
      clock: systemClock,
      timeoutMs: args.lockTimeoutMs,
      signal: controller.signal,
      onWait: (description) => io.stderr.write(`hyperplan apply: ${description}\n`),
    });
    const plan = await planWith(cloud, desired, source.mode, source.scope);
    if (saved) {
      const difference = planDifference(saved.plan, plan);
      if (difference) {
        throw new StalePlanError(
          `refusing ${saved.file}: ${difference.summary}; nothing was changed. The file was edited, or the live objects of stack "${desired.stack}" changed since the plan was made: run \`hyperplan plan --out\` again and apply the new plan`,
          difference.address,
        );
      }
    }
    if (!args.json) io.stdout.write(renderPlanText(maskSecrets(plan), { color }));
    // Nothing to do: the text view said so; a JSON reader still gets its started and finished events.
    if (!hasWork(plan) && !args.json) return 0;
    const destroying = plan.mode === "destroy";
    if (hasChanges(plan) && !args.autoApprove && !saved) {
      if (args.json) {
        io.stderr.write("hyperplan apply: --json prints events for machines, so nobody can answer a prompt; pass --auto-approve with it\n");
        return 1;
      }
      if (!io.stdin.isTTY) {
        io.stderr.write("hyperplan apply: stdin is not a terminal, so there is nobody to confirm the plan; pass --auto-approve to apply it anyway\n");
        return 1;
      }
      const question = destroying
        ? `\nDo you really want to destroy every object stack "${desired.stack}" owns on ${cloud.label}?\nThere is no undo. Only "yes" is accepted: `
        : `\nDo you want to carry out these changes on ${cloud.label}?\nOnly "yes" is accepted: `;
      const answer = await ask(io, question);
      if (answer !== "yes") {
        io.stdout.write(`${destroying ? "Destroy" : "Apply"} cancelled; nothing was changed.\n`);
        return 1;
      }
    }
    if (!args.json) io.stdout.write("\n");
    const mode = chooseProgressMode({ json: args.json, ...(io.stdout.isTTY !== undefined ? { isTTY: io.stdout.isTTY } : {}), env: io.env });
    const renderer = createProgressRenderer(mode, { out: io.stdout, clock: systemClock, color, ...(mode === "tty" && process.stdout.columns ? { columns: process.stdout.columns } : {}) });
    report = (r) => renderer.emit({ type: "call-retry", at: systemClock.now(), ...r });
    let result;
    try {
      result = await applyPlan(plan, cloud.provider, {
        desired,
        ...(args.parallelism !== undefined ? { parallelism: args.parallelism } : {}),
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
    report = retryToStderr(io);
    if (lock) {
      await lock.release().catch((error: unknown) =>
        io.stderr.write(`hyperplan apply: could not release the lock of stack "${desired.stack}" (${(error as Error).message}); once no apply of it runs, \`hyperplan unlock ${desired.stack}\` removes it\n`),
      );
    }
    await cloud.close();
  }
}

export const applyCommand: Command = {
  name: "apply",
  summary: "Carry the plan out and follow every operation to its end",
  usage: USAGE,
  run: (argv, io) => runApply(argv, io, "apply"),
};

/** apply's options but --destroy (implied) and --replace (a destroy deletes every object anyway). */
function destroyOptions(): string {
  const block = /Options:\n[\s\S]*?\n\n/.exec(USAGE)?.[0] ?? "";
  const kept: string[] = [];
  let skipping = false;
  for (const line of block.trimEnd().split("\n")) {
    if (/^ {2}--/.test(line)) skipping = /^ {2}--(destroy|replace)\b/.test(line);
    if (!skipping) kept.push(line);
  }
  return kept.join("\n");
}

const DESTROY_USAGE = `Usage: hyperplan destroy [stack.ts] [options]

Removes every object the stack owns, dependents first (a VM before the image it uses), after printing
the plan and asking for confirmation (or with --auto-approve). Objects the stack does not own are never
part of it. \`hyperplan plan --destroy\` prints the same plan without carrying it out; when the stack
owns nothing, it says "Nothing to destroy".

${destroyOptions()}

Exit status: 0 when every object is gone (or there was nothing to destroy), 1 when a change failed,
was skipped or the destroy was not confirmed, 130 when interrupted.

${STACK_FILE_HELP}`;

export const destroyCommand: Command = {
  name: "destroy",
  summary: "Destroy everything the stack owns, after confirmation",
  usage: DESTROY_USAGE,
  run: (argv, io) => runApply(argv, io, "destroy"),
};
