/**
 * What a command may touch of the outside world, and its one error of bad input. Shared by the CLI
 * and the backends' own subcommands (`hyperplan sim <backend>`, `hyperplan demo`), which the registry
 * hands to the CLI.
 */
import { HyperplanError } from "../errors.js";

/**
 * Commands receive it instead of reaching for `process`, so tests run them in-process with captured
 * output and a chosen environment.
 */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Resolves when the user asks the process to stop (SIGINT/SIGTERM); commands that run until stopped await it. */
  stopSignal: Promise<string>;
}

/** Bad command-line input: printed with the command's usage, exit status 2. */
export class UsageError extends HyperplanError {
  constructor(summary: string) {
    super("USAGE", summary);
  }
}
