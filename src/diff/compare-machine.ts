/**
 * Comparing machines (VmTemplate, and a VirtualMachine with its template folded in): capacity, disks,
 * NICs, context, console, OS and scheduling.
 */
import { matchElements } from "./collections.js";
import type { DiffCollector } from "./compare.js";
import { joinIndex, joinKey } from "./rules.js";
import { NORMALISERS, asArray, asRecord, canonicalSshKey, isPlainObject, refAddress } from "./values.js";

export function compareMachine(c: DiffCollector, desired: Record<string, unknown>, live: Record<string, unknown>): void {
  const tables = c.env.fields;
  c.fields("", desired, live, tables.capacity);
  if (desired.disks !== undefined) compareDisks(c, asArray(desired.disks), asArray(live.disks));
  if (desired.nics !== undefined) compareNics(c, asArray(desired.nics), asArray(live.nics));
  compareContext(c, desired.context, live.context);
  compareGraphics(c, desired.graphics, live.graphics);
  if (isPlainObject(desired.os)) {
    const d = desired.os;
    const l = asRecord(live.os);
    c.fields("os", d, l, tables.os);
    c.list("os.boot", d.boot, l.boot, NORMALISERS.lower, tables.fills("os", "boot") ? "backend" : "none");
  }
  if (isPlainObject(desired.scheduling)) c.fields("scheduling", desired.scheduling, asRecord(live.scheduling), tables.scheduling);
}

// ---------------------------------------------------------------------------------------------
// Disks

function diskSource(disk: unknown): string {
  const d = asRecord(disk);
  if (typeof d.source === "string") return d.source.toLowerCase();
  return d.image !== undefined ? "image" : "volatile";
}

function diskIdentity(disk: unknown): string {
  const d = asRecord(disk);
  return diskSource(disk) === "image" ? `image:${refAddress(d.image) ?? "?"}` : `volatile:${String(NORMALISERS.lower(d.type))}`;
}

/** The differences inside one paired disk, as lines under `base`. */
function diskLines(c: DiffCollector, base: string, desired: unknown, live: unknown): DiffCollector {
  const scratch = c.scratch();
  if (diskSource(desired) !== diskSource(live)) {
    scratch.line(base, live, desired);
    return scratch;
  }
  scratch.fields(base, asRecord(desired), asRecord(live), diskSource(desired) === "image" ? c.env.fields.imageDisk : c.env.fields.volatileDisk);
  return scratch;
}

function compareDisks(c: DiffCollector, desired: unknown[], live: unknown[]): void {
  if (c.env.mode === "create") {
    desired.forEach((disk, i) => c.line(joinIndex("disks", i), undefined, disk));
    return;
  }
  const matching = matchElements(desired, live, {
    same: (d, l) => diskLines(c, "disks[0]", d, l).diffs.length === 0,
    identity: diskIdentity,
    pinFirst: true,
  });
  for (const [d, l] of matching.pairs) elementLines(c, diskLines(c, joinIndex("disks", d), desired[d], live[l]), desired[d], live[l], l);
  for (const d of matching.added) c.line(joinIndex("disks", d), undefined, desired[d]);
  for (const l of matching.removed) c.line(joinIndex("disks", l), live[l], undefined);
}

/** Copies an element's lines into the collector, each knowing its element and the element's other changes. */
function elementLines(c: DiffCollector, scratch: DiffCollector, desired: unknown, live: unknown, liveIndex: number): void {
  const changedKeys = scratch.diffs.map((x) => x.path.slice(x.path.lastIndexOf(".") + 1));
  for (const diff of scratch.diffs) c.diffs.push({ ...diff, element: { before: live, after: desired, changedKeys, liveIndex } });
}

// ---------------------------------------------------------------------------------------------
// NICs

function nicLines(c: DiffCollector, base: string, desired: unknown, live: unknown): DiffCollector {
  const scratch = c.scratch();
  const d = asRecord(desired);
  const l = asRecord(live);
  scratch.fields(base, d, l, c.env.fields.nic);
  const groups = (value: unknown, mark: boolean) =>
    JSON.stringify(
      [...new Set(asArray(value).map((g) => refAddress(g) ?? JSON.stringify(g)))]
        .map((a) => (mark && c.env.renewed(a) ? `${a}#renewed` : a))
        .sort(),
    );
  if (groups(d.securityGroups, true) !== groups(l.securityGroups, false)) {
    const held = new Set(asArray(l.securityGroups).map(refAddress));
    const renewed = asArray(d.securityGroups)
      .map(refAddress)
      .filter((a): a is string => a !== undefined && held.has(a) && c.env.renewed(a));
    scratch.push({ path: joinKey(base, "securityGroups"), change: "modify", before: l.securityGroups ?? [], after: d.securityGroups ?? [], renewed });
  }
  return scratch;
}

function compareNics(c: DiffCollector, desired: unknown[], live: unknown[]): void {
  if (c.env.mode === "create") {
    desired.forEach((nic, i) => c.line(joinIndex("nics", i), undefined, nic));
    return;
  }
  const matching = matchElements(desired, live, {
    same: (d, l) => nicLines(c, "nics[0]", d, l).diffs.length === 0,
    identity: (nic) => {
      const address = refAddress(asRecord(nic).network);
      return address === undefined ? undefined : `network:${address}`;
    },
    positional: true,
  });
  for (const [d, l] of matching.pairs) elementLines(c, nicLines(c, joinIndex("nics", d), desired[d], live[l]), desired[d], live[l], l);
  for (const d of matching.added) c.line(joinIndex("nics", d), undefined, desired[d]);
  for (const l of matching.removed) c.line(joinIndex("nics", l), live[l], undefined);
}

// ---------------------------------------------------------------------------------------------
// Context, console

function carriesSecret(context: Record<string, unknown>): boolean {
  return (
    context.password !== undefined ||
    Object.keys(asRecord(context.secretVars)).length > 0 ||
    Object.keys(asRecord(context.vars)).length > 0
  );
}

function compareContext(c: DiffCollector, desired: unknown, live: unknown): void {
  const l = c.env.mode === "create" ? undefined : live;
  if (!isPlainObject(desired)) {
    // No declared context means none: a live one is removed.
    if (isPlainObject(l)) c.line("context", l, undefined, { sensitive: carriesSecret(l) });
    return;
  }
  if (c.env.mode === "update" && !isPlainObject(l)) {
    // A context declared for an object that has none is one change, not one per field: the backend
    // may not be able to add a whole section in place (OpenNebula's updateconf cannot).
    c.line("context", undefined, desired, { sensitive: carriesSecret(desired) });
    return;
  }
  const lr = asRecord(l);
  c.fields("context", desired, lr, c.env.fields.context);
  c.set("context.sshKeys", desired.sshKeys, lr.sshKeys, canonicalSshKey);
  c.variables("context", desired.vars, desired.secretVars, lr.vars, lr.secretVars);
}

function compareGraphics(c: DiffCollector, desired: unknown, live: unknown): void {
  const l = c.env.mode === "create" ? undefined : live;
  if (!isPlainObject(desired)) {
    if (isPlainObject(l)) c.line("graphics", l, undefined, { sensitive: l.password !== undefined });
    return;
  }
  c.fields("graphics", desired, asRecord(l), c.env.fields.graphics);
}
