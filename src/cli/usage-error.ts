import { HyperplanError } from "../errors";

/** Bad command-line input: printed with the command's usage, exit status 2. */
export class UsageError extends HyperplanError {
  constructor(summary: string) {
    super("USAGE", summary);
  }
}
