/**
 * The command-line options every `hyperplan sim <backend>` takes, parsed the same way for each:
 * `--port N`, `--host ADDRESS`, `--auth USER:PASSWORD`, `--state FILE`, `--seed N`,
 * `--delays PRESET|JSON` and `--fault JSON` (repeatable), each as `--flag value` or `--flag=value`,
 * and `--help`/`-h` for a command whose arguments have a `help` field. A command brings its usage
 * error, its delay and fault parsers and the options it alone has.
 */
export interface CommonSimArgs<D, F> {
  port: number;
  host: string;
  auth: string;
  stateFile: string | undefined;
  seed: number;
  delays: D;
  faults: F[];
}

export interface SimArgParsing<A extends CommonSimArgs<unknown, unknown>> {
  /** The error a bad argument is refused with; its message names the argument. */
  usageError(message: string): Error;
  /** Reads `--delays`; a TypeError it throws is refused as `--delays: <message>`, any other error as it is. */
  parseDelays(text: string): A["delays"];
  /** Reads one `--fault`; a TypeError it throws is refused as `--fault: <message>`, any other error as it is. */
  parseFaultRules(text: string): A["faults"];
  /**
   * An option of this command alone: sets it on `args` and returns true, or returns false when
   * `flag` is none of its own. `value()` takes the option's value (inline or the next argument).
   */
  own?(flag: string, value: () => string, args: A): boolean;
}

/** Parses `argv` over `defaults` (which it fills in and returns); throws the command's usage error naming the bad argument. */
export function parseCommonSimArgs<A extends CommonSimArgs<unknown, unknown>>(argv: readonly string[], defaults: A, parsing: SimArgParsing<A>): A {
  const args = defaults;
  const { usageError } = parsing;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw usageError(`${flag} needs a value`);
      return v;
    };
    const parsed = <T>(read: (text: string) => T): T => {
      const v = value();
      try {
        return read(v);
      } catch (error) {
        if (error instanceof TypeError) throw usageError(`${flag}: ${error.message}`);
        throw error;
      }
    };
    switch (flag) {
      case "--port": {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 65535) throw usageError(`--port must be a number from 0 to 65535, got "${v}"`);
        args.port = Number(v);
        break;
      }
      case "--host": {
        const v = value();
        if (v.trim() === "") throw usageError("--host cannot be empty");
        args.host = v;
        break;
      }
      case "--auth": {
        const v = value();
        if (v.indexOf(":") <= 0) throw usageError(`--auth must be USER:PASSWORD, got "${v}"`);
        args.auth = v;
        break;
      }
      case "--state": {
        const v = value();
        if (v.trim() === "") throw usageError("--state needs a file name");
        args.stateFile = v;
        break;
      }
      case "--seed": {
        const v = value();
        if (!/^-?\d+$/.test(v)) throw usageError(`--seed must be a whole number, got "${v}"`);
        args.seed = Number(v);
        break;
      }
      case "--delays":
        args.delays = parsed((text) => parsing.parseDelays(text));
        break;
      case "--fault":
        args.faults.push(...parsed((text) => parsing.parseFaultRules(text)));
        break;
      case "--help":
      case "-h":
        if ("help" in args) {
          (args as A & { help: boolean }).help = true;
          break;
        }
        if (!parsing.own?.(flag, value, args)) throw usageError(`unknown option "${arg}"`);
        break;
      default:
        if (!parsing.own?.(flag, value, args)) throw usageError(`unknown option "${arg}"`);
    }
  }
  return args;
}

/** The options every simulator starts with, from its parsed arguments and the state file's path. */
export function commonStartOptions<D, F>(args: CommonSimArgs<D, F>, stateFile: string | undefined): { port: number; host: string; auth: string; seed: number; delays: D; faults?: F[]; stateFile?: string } {
  return {
    port: args.port,
    host: args.host,
    auth: args.auth,
    seed: args.seed,
    delays: args.delays,
    ...(args.faults.length > 0 ? { faults: args.faults } : {}),
    ...(stateFile !== undefined ? { stateFile } : {}),
  };
}

/** How a command says which delays it runs with: the preset, or `fast with <the overrides as JSON>`. */
export function describeDelays(delays: unknown): string {
  return typeof delays === "string" ? delays : `fast with ${JSON.stringify(delays)}`;
}
