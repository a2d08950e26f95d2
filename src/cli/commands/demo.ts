/**
 * `hyperplan demo [--backend NAME]`: what `npm run demo` runs. A backend's example stack
 * (`examples/stacks/`) applied on its embedded simulator, with the lifecycle delays a real cloud has,
 * so a fresh clone shows the whole path — plan, apply, every operation followed — with one command.
 * Its world stays beside the example (`examples/stacks/.hyperplan/simulator-<backend>.json`): run it again and
 * the plan is empty; `--destroy` removes what it made.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Command } from "../command.js";
import type { CliIo } from "../../core/command-io.js";
import { UsageError } from "../../core/command-io.js";
import { BACKENDS, DEFAULT_BACKEND, backendNamed } from "../../backends/registry.js";
import { applyCommand } from "./apply.js";

const usage = () => `Usage: hyperplan demo [--backend NAME] [apply options]

Applies a backend's example stack on its embedded simulator, with the delays a real cloud has (set
HYPERPLAN_SIM_DELAYS=fast for a second's run): \`hyperplan apply examples/stacks/<stack> --simulate
--auto-approve\`. Run it again: the plan is empty. \`hyperplan demo --destroy\` removes what it made.

Backends and their stacks: ${BACKENDS.map((b) => `${b.name} (${b.demoStack})`).join(", ")}; default ${DEFAULT_BACKEND.name}.
Any other option is apply's (\`hyperplan help apply\`).`;

/** The example stack of a backend, as the package ships it. */
export function demoStackFile(stack: string): string {
  return fileURLToPath(new URL(`../../../examples/stacks/${stack}`, import.meta.url));
}

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
  if (!backend) throw new UsageError(`no backend "${name}" (there are ${BACKENDS.map((b) => b.name).join(", ")})`);
  const file = demoStackFile(backend.demoStack);
  if (!existsSync(file)) throw new UsageError(`the example stack ${backend.demoStack} is not where this package keeps it (${file})`);
  const flags = ["--simulate", ...(rest.includes("--auto-approve") ? [] : ["--auto-approve"])];
  return applyCommand.run([file, ...flags, ...rest], io);
}

export const demoCommand: Command = {
  name: "demo",
  summary: "Apply a backend's example stack on its embedded simulator (what npm run demo runs)",
  usage: usage(),
  run: runDemo,
};
