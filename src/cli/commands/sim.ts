/**
 * `hyperplan sim <backend> …`: runs a backend's simulator as a standalone server (each backend's own
 * options); without a backend, lists the backends that have one.
 */
import type { Command } from "../command.js";
import type { CliIo } from "../../core/command-io.js";
import { UsageError } from "../../core/command-io.js";
import { SIMULATORS, simulatorNamed } from "../../backends/registry.js";

const names = () => SIMULATORS.map((s) => s.name).join(", ");

const usage = () => `Usage: hyperplan sim <backend> [options]

Runs a simulated cloud on loopback that speaks the backend's real API, for demos and tests.
Backends: ${names()}.

${SIMULATORS.map((s) => s.usage).join("\n\n")}`;

async function runSim(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stdout.write(`Simulators: ${SIMULATORS.map((s) => `${s.name} (${s.title})`).join(", ")}. Run \`hyperplan sim <backend> --help\` for one's options.\n`);
    return 2;
  }
  const simulator = simulatorNamed(name);
  if (!simulator) throw new UsageError(`unknown backend "${name}" (known: ${names()})`);
  return simulator.run(rest, io);
}

export const simCommand: Command = {
  name: "sim",
  summary: "Run a simulated cloud (OpenNebula, XenServer, Gandi hosting, OpenVZ Web Panel) for demos and tests",
  usage: usage(),
  run: runSim,
};
