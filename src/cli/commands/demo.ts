/**
 * `hyperplan demo [--backend NAME]`: a backend's simulator in-process, read through the real client, so
 * a fresh clone shows the whole wire path working with one command.
 */
import type { Command } from "../command";
import type { CliIo } from "../../core/command-io";
import { UsageError } from "../../core/command-io";
import { BACKENDS, DEFAULT_BACKEND, backendNamed } from "../../backends/registry";

const usage = () => `Usage: hyperplan demo [--backend NAME] [options]

Backends with a demo: ${BACKENDS.filter((b) => b.demo).map((b) => b.name).join(", ")} (default ${DEFAULT_BACKEND.name}).

${BACKENDS.flatMap((b) => (b.demo ? [b.demo.usage] : [])).join("\n\n")}`;

async function runDemo(argv: string[], io: CliIo): Promise<number> {
  const at = argv.findIndex((a) => a === "--backend" || a.startsWith("--backend="));
  let name = DEFAULT_BACKEND.name;
  const rest = [...argv];
  if (at >= 0) {
    const arg = argv[at]!;
    const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[at + 1];
    if (value === undefined) throw new UsageError("--backend needs a backend name");
    name = value;
    rest.splice(at, arg.includes("=") ? 1 : 2);
  }
  const backend = backendNamed(name);
  if (!backend?.demo) throw new UsageError(`no demo for backend "${name}"`);
  return backend.demo.run(rest, io);
}

export const demoCommand: Command = {
  name: "demo",
  summary: "Run hyperplan against a backend's embedded simulator",
  usage: usage(),
  run: runDemo,
};
