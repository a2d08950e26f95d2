/**
 * `hyperplan state list` and `hyperplan state show ADDRESS`: what the stack owns, read straight from
 * the cloud with the same reads as a plan. There is no state file to inspect or refresh: the objects
 * carry their ownership marks, so the cloud is the state.
 */
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import type { CliIo } from "../../core/command-io.js";
import { UsageError } from "../../core/command-io.js";
import { connectCloud } from "../cloud.js";
import { STACK_FILE_HELP } from "../stack-args.js";
import { loadDesired } from "./plan.js";
import { maskSecrets } from "../../resources/desired-state.js";
import { indexLiveState, liveStatusOf, type LiveResource } from "../../diff/live-state.js";

const USAGE = `Usage: hyperplan state list [stack.ts] [options]
       hyperplan state show ADDRESS [stack.ts] [options]

Reads, straight from the cloud, what the stack owns (the same reads as a plan: there is no state file,
so nothing to refresh).

  list                  every live object the stack owns: address, kind, id and status; one the
                        declaration no longer has is marked "not declared" (the next plan deletes it)
  show ADDRESS          one of them: its id, name, status and live attributes as hyperplan maps them,
                        secrets masked

Options:
  --stack NAME          the stack when the file declares several
  --simulate            read the embedded simulator's world (.hyperplan/simulator-<backend>.json beside the stack file)
  --json                print JSON (list: an array; show: the object)

${STACK_FILE_HELP}`;

interface Listed {
  address: string;
  kind: string;
  id: string;
  status: string;
  declared: boolean;
}

async function runState(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { stack: { type: "string" }, simulate: { type: "boolean" }, json: { type: "boolean" } } });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [action, ...rest] = parsed.positionals;
  if (action !== "list" && action !== "show") throw new UsageError(`expected list or show, got ${action === undefined ? "nothing" : JSON.stringify(action)}`);
  const address = action === "show" ? rest.shift() : undefined;
  if (action === "show" && address === undefined) throw new UsageError("state show needs an ADDRESS (hyperplan state list shows them)");
  if (rest.length > 1) throw new UsageError(`expected at most one stack file, got ${rest.join(" ")}`);
  const loaded = await loadDesired({ file: rest[0], stack: parsed.values.stack }, io);
  if (typeof loaded === "number") return loaded;
  const { desired } = loaded;
  const cloud = await connectCloud({ stack: desired.stack, settings: loaded.stack.providerSettings, stackFile: loaded.file, simulate: parsed.values.simulate === true, io });
  let live: Map<string, LiveResource>;
  try {
    live = indexLiveState(await cloud.provider.read(desired.stack, desired));
  } finally {
    await cloud.close();
  }
  const declared = new Set(desired.resources.map((r) => r.address));

  if (action === "list") {
    const listed: Listed[] = [...live.values()]
      .map((r) => ({ address: r.address, kind: r.kind, id: String(r.id), status: liveStatusOf(r).state, declared: declared.has(r.address) }))
      .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    if (parsed.values.json) {
      io.stdout.write(`${JSON.stringify(listed)}\n`);
      return 0;
    }
    io.stdout.write(`Reading ${cloud.label}\n`);
    if (listed.length === 0) {
      io.stdout.write(`Stack ${desired.stack} owns no objects there.\n`);
      return 0;
    }
    const rows = [["ADDRESS", "KIND", "ID", "STATUS"], ...listed.map((l) => [l.address, l.kind, l.id, l.declared ? l.status : `${l.status} (not declared)`])];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const row of rows) io.stdout.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")}\n`);
    return 0;
  }

  const found = live.get(address!);
  if (!found) {
    const owned = [...live.keys()].sort();
    io.stderr.write(`hyperplan state: stack "${desired.stack}" owns no live object at ${address}${owned.length > 0 ? ` (it owns ${owned.join(", ")})` : " (it owns none)"}\n`);
    return 1;
  }
  const shown = maskSecrets({
    address: found.address,
    kind: found.kind,
    id: String(found.id),
    name: found.name,
    status: liveStatusOf(found),
    declared: declared.has(found.address),
    dependsOn: [...found.dependsOn].sort(),
    ...(found.values ? { values: found.values } : {}),
    props: found.props,
  });
  io.stdout.write(parsed.values.json ? `${JSON.stringify(shown)}\n` : `${JSON.stringify(shown, null, 2)}\n`);
  return 0;
}

export const stateCommand: Command = {
  name: "state",
  summary: "List what the stack owns, or show one object, read from the cloud",
  usage: USAGE,
  run: runState,
};
