import type { Command } from "../command";

/** Every command the CLI knows, in the order `--help` lists them. */
export const commands: Command[] = [];
