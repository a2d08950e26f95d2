/**
 * `hyperplan demo` on OpenNebula: starts the simulator in-process and reads its pools through the
 * real client, so a fresh clone shows the whole wire path working with one command.
 */
import { parseArgs } from "node:util";
import type { CliIo } from "../../core/command-io";
import { UsageError } from "../../core/command-io";
import { OneClient, readPool } from "../../providers/opennebula/index";
import { startOneSimulator } from "../../sim/opennebula/index";

export interface DemoArgs {
  seed: number;
}

export function parseDemoArgs(argv: string[]): DemoArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { seed: { type: "string" } }, allowPositionals: false, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const seed = parsed.values.seed === undefined ? 1 : Number(parsed.values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got ${parsed.values.seed}`);
  return { seed };
}

export const DEMO_USAGE = `Usage: hyperplan demo [--seed N]

Starts the embedded OpenNebula simulator on a free loopback port and lists its pools through
hyperplan's OpenNebula client.`;

export async function runDemo(argv: string[], io: CliIo): Promise<number> {
  const args = parseDemoArgs(argv);
  const sim = await startOneSimulator({ port: 0, seed: args.seed, delays: "instant" });
  const client = new OneClient({ endpoint: sim.url, session: "oneadmin:opennebula" });
  try {
    io.stdout.write(`OpenNebula simulator listening on ${sim.url}\n\n`);
    const version = await client.call("one.system.version");
    io.stdout.write(`one.system.version: ${String(version)}\n\n`);
    const kinds = ["cluster", "host", "datastore", "vnet", "image", "template", "secgroup", "vm"] as const;
    for (const kind of kinds) {
      const { records } = await readPool(client, kind);
      io.stdout.write(`${kind} pool: ${records.length} object(s)\n`);
      for (const record of records as Array<{ id: number; name: string }>) io.stdout.write(`  ${String(record.id).padStart(4)}  ${record.name}\n`);
    }
    io.stdout.write(`\nCalls served: ${JSON.stringify(sim.callCounts())}\n`);
    return 0;
  } finally {
    await client.close();
    await sim.close();
  }
}
