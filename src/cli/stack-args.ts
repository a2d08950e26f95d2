/**
 * Arguments of the commands that read a stack file (`validate`, `synth`): an optional file, an
 * optional `--stack NAME`, and the command's own flags. Parsed into a typed value, tested on its own.
 */
import { parseArgs } from "node:util";
import { UsageError } from "../core/command-io.js";

export interface StackCommandArgs {
  /** The stack file as given; undefined = look for the default files. */
  file: string | undefined;
  /** Only this stack. */
  stack: string | undefined;
  /** Machine-readable output (validate). */
  json: boolean;
  /** Print secret values instead of masking them (synth). */
  showSecrets: boolean;
}

export interface StackArgOptions {
  json?: boolean;
  showSecrets?: boolean;
}

export function parseStackArgs(argv: string[], accepts: StackArgOptions = {}): StackCommandArgs {
  const options: Record<string, { type: "string" | "boolean" }> = { stack: { type: "string" } };
  if (accepts.json) options.json = { type: "boolean" };
  if (accepts.showSecrets) options["show-secrets"] = { type: "boolean" };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length > 1) {
    throw new UsageError(`expected at most one stack file, got ${parsed.positionals.length}: ${parsed.positionals.join(" ")}`);
  }
  const stack = parsed.values.stack as string | undefined;
  if (stack !== undefined && stack.trim() === "") throw new UsageError("--stack needs a stack name");
  return {
    file: parsed.positionals[0],
    stack,
    json: parsed.values.json === true,
    showSecrets: parsed.values["show-secrets"] === true,
  };
}

/** The part of the usage text that explains which file is read and what it exports. */
export const STACK_FILE_HELP = `Stack file: the file given, else hyperplan.config.ts, else stack.ts in the current directory.
It is TypeScript, run as is (no build step); its imports of "hyperplan" resolve to this CLI's
own package. Its default export is one of:
  - an App: every Stack created in it,
  - a Stack, or an array of stacks,
  - a function ({ env, cwd }) returning (or resolving to) one of the above.`;
