import type { CliIo } from "../core/command-io.js";

/** A CLI command. Each lives in `src/cli/commands/<name>.ts` and is listed in `src/cli/commands/index.ts`. */
export interface Command {
  /** Words that select the command: `["sim"]`, `["plan"]`. */
  readonly name: string;
  /** One line for `hyperplan --help`. */
  readonly summary: string;
  /** Full usage text for `hyperplan <name> --help`. */
  readonly usage: string;
  /** Runs the command; returns the process exit status. */
  run(argv: string[], io: CliIo): Promise<number>;
}
