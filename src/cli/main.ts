import { hasErrorCode, isHyperplanError } from "../errors.js";
import type { Command } from "./command.js";
import { commands } from "./commands/index.js";
import type { CliIo } from "../core/command-io.js";
import { processIo } from "./io.js";
import { closest, optionsOf, suggestOption, unknownOptionOf } from "./suggest.js";

const HELP_FLAGS = new Set(["-h", "--help", "help"]);

export function helpText(list: readonly Command[] = commands): string {
  const width = Math.max(...list.map((c) => c.name.length), 8);
  const lines = list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return ["Usage: hyperplan <command> [options]", "", "Commands:", ...lines, "", "Run `hyperplan <command> --help` for a command's options.", ""].join("\n");
}

/** Runs the CLI with `argv` (without node and the script) and returns the exit status. */
export async function main(given: string[], io: CliIo = processIo()): Promise<number> {
  // `--debug`, anywhere: an error is printed with its whole trace.
  const debug = given.includes("--debug");
  const argv = given.filter((a) => a !== "--debug");
  const [name, ...rest] = argv;
  // `hyperplan help plan` prints plan's help.
  const named = name !== undefined && HELP_FLAGS.has(name) ? commands.find((c) => c.name === rest[0]) : undefined;
  if (named) {
    io.stdout.write(named.usage.endsWith("\n") ? named.usage : `${named.usage}\n`);
    return 0;
  }
  if (name === undefined || HELP_FLAGS.has(name)) {
    io.stdout.write(helpText());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "version") {
    io.stdout.write(`${await packageVersion()}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const meant = closest(name, commands.map((c) => c.name));
    io.stderr.write(`hyperplan: unknown command "${name}"${meant ? `: did you mean \`hyperplan ${meant}\`?` : ""}\n\n${helpText()}`);
    return 2;
  }
  if (rest.some((a) => a === "-h" || a === "--help")) {
    io.stdout.write(command.usage.endsWith("\n") ? command.usage : `${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (hasErrorCode(error, "USAGE")) {
      // A mistyped option gets one line naming what was meant; other mistakes the whole usage.
      // Terraform's single-dash options (`-auto-approve`) read as a cluster of short ones: name the whole word.
      const unknown = rest.find((a) => /^-[a-z][a-z-]+(=.*)?$/.test(a)) ?? unknownOptionOf(error.message);
      if (unknown !== undefined) {
        const meant = suggestOption(unknown, optionsOf(command.usage));
        io.stderr.write(`hyperplan ${command.name}: unknown option ${unknown}${meant ? `: did you mean \`${meant}\`?` : ""} (\`hyperplan help ${command.name}\` lists its options)\n`);
        return 2;
      }
      io.stderr.write(`hyperplan ${command.name}: ${error.message}\n\n${command.usage}\n`);
      return 2;
    }
    io.stderr.write(`hyperplan ${command.name}: ${describeError(error)}\n`);
    if (debug) io.stderr.write(`${traceOf(error)}\n`);
    return 1;
  }
}

/** Every trace of an error and its causes, for `--debug`. */
function traceOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? current.message) : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join("\ncaused by: ");
}

/** One readable paragraph for an error, with its causes (a cause already told in the message is not repeated). */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    if (isHyperplanError(current) || current instanceof Error) {
      if (!parts.some((p) => p.includes(current instanceof Error ? current.message : ""))) parts.push(current.message);
      current = (current as Error).cause;
    } else {
      parts.push(String(current));
      current = undefined;
    }
  }
  return parts.join("\n  caused by: ");
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}
