/**
 * `hyperplan unlock STACK`: removes the lock an apply left in the cloud when it was killed (Terraform's
 * `force-unlock`). It says who holds the lock and since when, and asks before removing it.
 */
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import type { CliIo } from "../../core/command-io.js";
import { connectCloud } from "../cloud.js";
import { resolveStackFile, loadStackFile, selectStacks } from "../stack-loader.js";
import { STACK_FILE_HELP } from "../stack-args.js";
import { UsageError } from "../../core/command-io.js";
import { describeLock } from "../../planner/stack-lock.js";
import { systemClock } from "../../core/clock.js";
import type { ProviderSettings } from "../../resources/stack.js";

const USAGE = `Usage: hyperplan unlock STACK [stack.ts] [--simulate] [--force]

Removes the lock of stack STACK that an apply holds while it runs. Only needed when an apply was
killed (kill -9, a CI runner that vanished) and left its lock behind: the next apply then fails
naming who holds the lock and since when. Removing the lock of an apply that still runs lets a
second one start beside it, so unlock says who holds it and asks first.

Options:
  --simulate   the embedded simulator's world beside the stack file
  --force      do not ask (needed when stdin is not a terminal)

The cloud is the one the stack file's provider settings name, else the environment (ONE_XMLRPC,
ONE_AUTH). Without a stack file argument the default files are used when there is one.

${STACK_FILE_HELP}`;

export interface UnlockArgs {
  stack: string;
  file: string | undefined;
  simulate: boolean;
  force: boolean;
}

export function parseUnlockArgs(argv: string[]): UnlockArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { simulate: { type: "boolean" }, force: { type: "boolean" } } });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const names = parsed.positionals.filter((p) => !p.endsWith(".ts"));
  const files = parsed.positionals.filter((p) => p.endsWith(".ts"));
  if (names.length !== 1) throw new UsageError("unlock needs the name of exactly one stack");
  if (files.length > 1) throw new UsageError(`expected at most one stack file, got ${files.join(" ")}`);
  return { stack: names[0]!, file: files[0], simulate: parsed.values.simulate === true, force: parsed.values.force === true };
}

/** The stack's provider settings from its stack file, or none (the environment) when there is no file. */
async function settingsOf(args: UnlockArgs, io: CliIo): Promise<{ settings: ProviderSettings; stackFile: string }> {
  let file: string;
  try {
    file = resolveStackFile(io.cwd, args.file);
  } catch (error) {
    if (args.file !== undefined || args.simulate) throw error;
    return { settings: {}, stackFile: join(io.cwd, "stack.ts") };
  }
  const stacks = selectStacks(await loadStackFile(file, { env: io.env, cwd: io.cwd }), undefined).filter((s) => s.stackName === args.stack);
  return { settings: stacks[0]?.providerSettings ?? {}, stackFile: file };
}

async function runUnlock(argv: string[], io: CliIo): Promise<number> {
  const args = parseUnlockArgs(argv);
  const { settings, stackFile } = await settingsOf(args, io);
  const cloud = await connectCloud({ stack: args.stack, settings, stackFile, simulate: args.simulate, io });
  try {
    const state = await cloud.provider.locks.inspect(args.stack);
    if (!state.held) {
      io.stdout.write(`Stack "${args.stack}" is not locked on ${cloud.label}; nothing to do.\n`);
      return 0;
    }
    io.stdout.write(`The lock of stack "${args.stack}" on ${cloud.label} is ${describeLock(state, systemClock.now())}.\n`);
    if (!args.force) {
      if (!io.stdin.isTTY) {
        io.stderr.write("hyperplan unlock: stdin is not a terminal, so there is nobody to confirm; pass --force once you are sure no apply of this stack runs\n");
        return 1;
      }
      io.stdout.write(`Remove it? An apply that still runs would then have a second one beside it.\nOnly "yes" is accepted: `);
      const rl = createInterface({ input: io.stdin, terminal: false });
      let answer = "";
      try {
        for await (const line of rl) {
          answer = line.trim();
          break;
        }
      } finally {
        rl.close();
      }
      if (answer !== "yes") {
        io.stdout.write("Unlock cancelled; the lock stays.\n");
        return 1;
      }
    }
    await cloud.provider.locks.forceRelease(args.stack);
    io.stdout.write(`Removed the lock of stack "${args.stack}".\n`);
    return 0;
  } finally {
    await cloud.close();
  }
}

export const unlockCommand: Command = {
  name: "unlock",
  summary: "Remove the lock a killed apply left on a stack",
  usage: USAGE,
  run: runUnlock,
};
