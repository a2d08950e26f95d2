/**
 * Ownership tags, as every backend writes and reads them.
 *
 * hyperplan keeps no state file. Every object it creates carries, written by the very call that
 * creates it, which stack and address it is for and what kind it is, so an apply killed at any moment
 * leaves objects a rerun recognises. Where the tag lives is the backend's business (an OpenNebula
 * template attribute, a XenAPI `other_config` key …); the words, and what they mean, are shared:
 *
 *   HYPERPLAN_STACK    the stack                           "lab"
 *   HYPERPLAN_ADDRESS  the address in the stack            "lab/web-1"
 *   HYPERPLAN_KIND     the kind of the object              "VirtualMachine"
 *   HYPERPLAN_REPLACES on the new object of a replacement, the id of the object it replaces
 *   HYPERPLAN_SECRETS  the names of its secret context variables, comma-separated
 *
 * The kind guards against copies: a cloud that copies a template's attributes into every VM made
 * from it gives a VM someone starts by hand the template's stack and address, but not its kind.
 * The replaces mark tells, after a run stopped between a replacement's create and its delete, which of
 * the two objects carrying the address is the leftover. The secrets record lets a backend that cannot
 * tell a secret variable from a plain one read the value back as a secret and mask it everywhere.
 */
import type { OwnershipTag } from "../../core/operation.js";
import type { DesiredState, ResourceKind } from "../../resources/desired-state.js";

export type { OwnershipTag } from "../../core/operation.js";

export const TAG_STACK = "HYPERPLAN_STACK";
export const TAG_ADDRESS = "HYPERPLAN_ADDRESS";
export const TAG_KIND = "HYPERPLAN_KIND";
export const TAG_REPLACES = "HYPERPLAN_REPLACES";
export const TAG_SECRETS = "HYPERPLAN_SECRETS";

/** Every key hyperplan writes on an object: a backend hides them from the object's free attributes. */
export const TAG_KEYS: readonly string[] = [TAG_STACK, TAG_ADDRESS, TAG_KIND, TAG_REPLACES, TAG_SECRETS];

/** The key/value pairs of a tag, in the order they are written. */
export function tagPairs(tag: OwnershipTag): [string, string][] {
  return [
    [TAG_STACK, tag.stack],
    [TAG_ADDRESS, tag.address],
    [TAG_KIND, tag.kind],
  ];
}

/** The tag an object carries, read with the backend's `get`; undefined unless all three keys are there. */
export function readTag(get: (key: string) => string | undefined): OwnershipTag | undefined {
  const stack = get(TAG_STACK);
  const address = get(TAG_ADDRESS);
  const kind = get(TAG_KIND);
  if (stack === undefined || address === undefined || kind === undefined) return undefined;
  return { stack, address, kind };
}

/** The names of the secret variables of `context`, as the secrets record lists them. */
export function secretNames(context: { secretVars: Record<string, unknown> } | undefined): string[] {
  return Object.keys(context?.secretVars ?? {}).map((k) => k.toUpperCase()).sort();
}

/** The secrets record's value for `context`; undefined when no variable is secret (no record is written). */
export function secretNamesValue(context: { secretVars: Record<string, unknown> } | undefined): string | undefined {
  const names = secretNames(context);
  return names.length === 0 ? undefined : names.join(",");
}

/** The names a secrets record lists. */
export function parseSecretNames(value: string | undefined): Set<string> {
  return new Set((value ?? "").split(",").map((n) => n.trim()).filter((n) => n !== ""));
}

/** The address under which a plan deletes the old object of an unfinished replacement. */
export function leftoverAddress(address: string, id: string | number): string {
  return `${address}~replaced-${id}`;
}

/** One object of one kind, as a backend's pool read found it. */
export interface TaggedObject {
  id: string;
  tag: OwnershipTag | undefined;
  /** The object's replaces mark, when it carries one. */
  replaces?: string;
}

/**
 * The stack's objects among one kind's `objects`: those whose tag names `stack` and `kind`, each with
 * the address it stands for. When two carry one address and one replaces the other (a replacement
 * stopped between its create and its delete), the new one keeps the address and the old one is listed
 * under its leftover address, which no declaration claims, so the plan deletes it. Other duplicates
 * keep their address: the core decides between them (`indexLiveState`).
 */
export function ownedAddresses(stack: string, kind: string, objects: Iterable<TaggedObject>): Map<string, string> {
  const addresses = new Map<string, string>();
  const byAddress = new Map<string, TaggedObject[]>();
  for (const object of objects) {
    if (object.tag === undefined || object.tag.stack !== stack || object.tag.kind !== kind) continue;
    addresses.set(object.id, object.tag.address);
    const list = byAddress.get(object.tag.address) ?? [];
    list.push(object);
    byAddress.set(object.tag.address, list);
  }
  for (const [address, list] of byAddress) {
    if (list.length < 2) continue;
    for (const newer of list) {
      if (newer.replaces === undefined || !list.some((o) => o.id === newer.replaces)) continue;
      addresses.set(newer.replaces, leftoverAddress(address, newer.replaces));
    }
  }
  return addresses;
}

/** A declaration's `importId` whose address has no object yet: what a reader reads by that id. */
export interface PendingImport {
  address: string;
  kind: ResourceKind;
  id: string;
}

/**
 * The declarations' `importId`s a reader reads, one object each, by id: those whose address the stack
 * owns nothing at (an address with an object was imported already, or the diff says which conflict).
 */
export function pendingImports(desired: DesiredState | undefined, ownedAddresses: ReadonlySet<string>): PendingImport[] {
  const out: PendingImport[] = [];
  for (const r of desired?.resources ?? []) {
    const id = r.lifecycle?.importId;
    if (id !== undefined && !ownedAddresses.has(r.address)) out.push({ address: r.address, kind: r.kind, id });
  }
  return out;
}
