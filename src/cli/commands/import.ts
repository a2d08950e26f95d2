/**
 * `hyperplan import ADDRESS ID [stack.ts]`: adopts an object made outside the stack (or one whose tags
 * were removed by hand) into a declared resource, as `terraform import` does: under the stack's lock,
 * the object must exist, be of the declared kind's pool, carry no other stack's tag, and the address
 * must have no object yet; then its ownership tag is written (the backend's `retag`) and nothing else
 * changes. The next plan compares it with its declaration and updates it like any other object.
 */
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import type { CliIo } from "../../core/command-io.js";
import { UsageError } from "../../core/command-io.js";
import { HyperplanError } from "../../errors.js";
import { connectCloud } from "../cloud.js";
import { STACK_FILE_HELP } from "../stack-args.js";
import { loadDesired, planWith } from "./plan.js";
import { acquireStackLock, currentHolder, type HeldLock } from "../../planner/stack-lock.js";
import { systemClock } from "../../core/clock.js";

const USAGE = `Usage: hyperplan import ADDRESS ID [stack.ts] [options]

Adopts the object ID (the cloud's id: an OpenNebula id, a XenServer OpaqueRef or uuid, a panel
container id) into the resource declared at ADDRESS: the object must be of that resource's kind, carry
no other stack's tag, and ADDRESS must have no object yet. Its ownership tag is written, nothing else is
changed; \`hyperplan plan\` then shows how it differs from its declaration. Gandi hosting cannot adopt
an object: its names carry the stack's mark and cannot be changed.

Options:
  --stack NAME          the stack when the file declares several
  --simulate            use the stack backend's embedded simulator

It takes the stack's lock, and fails at once when another apply holds it.

${STACK_FILE_HELP}`;

export class ImportError extends HyperplanError {
  constructor(address: string, summary: string) {
    super("IMPORT", summary, { address });
  }
}

async function runImport(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { stack: { type: "string" }, simulate: { type: "boolean" } } });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [address, id, file, ...extra] = parsed.positionals;
  if (address === undefined || id === undefined) throw new UsageError("import needs an ADDRESS and the object's ID");
  if (extra.length > 0) throw new UsageError(`expected ADDRESS ID [stack.ts], got ${parsed.positionals.join(" ")}`);
  const loaded = await loadDesired({ file, stack: parsed.values.stack }, io);
  if (typeof loaded === "number") return loaded;
  const { desired } = loaded;
  const declared = desired.resources.find((r) => r.address === address);
  if (!declared) {
    throw new ImportError(address, `is not declared in stack "${desired.stack}" (it declares ${desired.resources.map((r) => r.address).join(", ") || "nothing"}): declare the resource first, then import its object`);
  }
  const cloud = await connectCloud({ stack: desired.stack, settings: loaded.stack.providerSettings, stackFile: loaded.file, simulate: parsed.values.simulate === true, io });
  let lock: HeldLock | undefined;
  try {
    const { provider } = cloud;
    if (provider.rules.cannotMove !== undefined || !provider.retag) {
      throw new ImportError(address, `cannot be adopted on ${cloud.label}: ${provider.rules.cannotMove ?? "the backend cannot write an object's ownership tag after it is made"}`);
    }
    lock = await acquireStackLock(provider.locks, desired.stack, currentHolder(io.env, "hyperplan import"), { clock: systemClock, timeoutMs: 0 });
    const plan = await planWith(cloud, desired, "plan", { targets: [], replace: [] });
    const existing = plan.changes.find((c) => c.address === address && c.action !== "create");
    if (existing?.id === id) {
      io.stdout.write(`${address} is already ${declared.kind} ${id}: nothing to import.\n`);
      return 0;
    }
    if (existing) throw new ImportError(address, `has an object already (${declared.kind} ${existing.id}): a resource stands for one object`);
    await provider.begin?.(plan);
    const reading = await provider.readOwnership(declared.kind, id);
    if (reading.state === "gone") throw new ImportError(address, `there is no ${declared.kind} with the id ${id} on ${cloud.label}`);
    if (reading.state === "tagged") {
      const { tag } = reading;
      const whose = tag.stack === desired.stack ? `this stack's object at ${tag.address}: rename with \`moved: { from: "${tag.address}" }\` instead` : `stack "${tag.stack}"'s (${tag.address})`;
      throw new ImportError(address, `${declared.kind} ${id} is ${whose}; nothing was changed`);
    }
    const tag = { stack: desired.stack, address, kind: declared.kind };
    await provider.retag(declared.kind, id, { ...tag, address: "" }, tag);
    io.stdout.write(`Imported ${declared.kind} ${id} as ${address} on ${cloud.label}: its ownership tag is written, nothing else changed.\n\`hyperplan plan\` shows how it differs from its declaration.\n`);
    return 0;
  } finally {
    if (lock) await lock.release().catch(() => undefined);
    await cloud.close();
  }
}

export const importCommand: Command = {
  name: "import",
  summary: "Adopt an existing object into a declared resource (writes its ownership tag)",
  usage: USAGE,
  run: runImport,
};
