/**
 * How a `hyperplan sim <backend>` command runs, the same for every simulator: arguments parsed (a
 * usage error answered with the usage on stderr, exit 2), `--help`, the simulator started (exit 1
 * when it cannot), its endpoint URL printed on stdout once it listens, a line for people on stderr,
 * then served until the process is asked to stop, and closed (its state file saved).
 */
import { resolve } from "node:path";

export interface SimCommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Resolves with the signal's name when the process is asked to stop (SIGINT/SIGTERM). */
  stopSignal: Promise<string>;
  cwd?: string;
}

export interface SimCommandSpec<A extends { help: boolean; stateFile: string | undefined }, S extends { url: string; close(): Promise<void> }> {
  /** `xenserver`, as in `hyperplan sim xenserver`. */
  name: string;
  /** For people: `XenServer simulator`. */
  title: string;
  usage: string;
  parse(argv: readonly string[]): A;
  isUsageError(error: unknown): boolean;
  /** Starts the simulator; `stateFile` is the argument resolved against the working directory. */
  start(args: A, stateFile: string | undefined): Promise<S>;
  /** What the listening line says between the parentheses. */
  listening(sim: S, args: A, stateFile: string | undefined): string;
}

export async function runSimCommand<A extends { help: boolean; stateFile: string | undefined }, S extends { url: string; close(): Promise<void> }>(
  spec: SimCommandSpec<A, S>,
  argv: readonly string[],
  io: SimCommandIo,
): Promise<number> {
  let args: A;
  try {
    args = spec.parse(argv);
  } catch (error) {
    if (!spec.isUsageError(error)) throw error;
    io.stderr.write(`hyperplan sim ${spec.name}: ${(error as Error).message}\n\n${spec.usage}\n`);
    return 2;
  }
  if (args.help) {
    io.stdout.write(`${spec.usage}\n`);
    return 0;
  }
  const stateFile = args.stateFile === undefined ? undefined : resolve(io.cwd ?? process.cwd(), args.stateFile);
  let sim: S;
  try {
    sim = await spec.start(args, stateFile);
  } catch (error) {
    io.stderr.write(`hyperplan sim ${spec.name}: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  io.stdout.write(`${sim.url}\n`);
  io.stderr.write(`${spec.title} listening (${spec.listening(sim, args, stateFile)}); Ctrl-C stops it.\n`);
  const signal = await io.stopSignal;
  await sim.close();
  io.stderr.write(`${spec.title} stopped (${signal})${stateFile ? `; state saved to ${stateFile}` : ""}.\n`);
  return 0;
}
