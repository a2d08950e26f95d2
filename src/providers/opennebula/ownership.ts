/**
 * Ownership tags on OpenNebula objects (the words and their meaning: providers/kit/ownership.ts).
 *
 * The tag is written as attributes of the allocate (or instantiate) template:
 *
 *   HYPERPLAN_STACK   = "lab"
 *   HYPERPLAN_ADDRESS = "lab/web-1"
 *   HYPERPLAN_KIND    = "VirtualMachine"
 *
 * They live in the object's TEMPLATE (images, networks, security groups, VM templates) or, for VMs, in
 * USER_TEMPLATE, where oned moves attributes it does not know. oned copies a VM template's attributes
 * into every VM instantiated from it: the kind tells such a VM from the stack's own.
 */
import { escapeXml } from "../../xmlrpc/index.js";
import { parseSecretNames, readTag, secretNamesValue, tagPairs, TAG_SECRETS, TAG_STACK, type OwnershipTag } from "../kit/ownership.js";
import type { Template } from "./template-syntax.js";
import { templateGet } from "./template-syntax.js";

export type { OwnershipTag } from "../kit/ownership.js";

/** The attribute that records which context variables of `context` are secret; none when none is. */
export function secretNamesAttribute(context: { secretVars: Record<string, unknown> } | undefined): Template {
  const value = secretNamesValue(context);
  return value === undefined ? [] : [{ name: TAG_SECRETS, value }];
}

/** The secret context variable names an object's template records. */
export function readSecretNames(template: Template): Set<string> {
  return parseSecretNames(templateGet(template, TAG_SECRETS));
}

/** The attributes to put into the allocate (or instantiate) template of a new object. */
export function ownershipAttributes(tag: OwnershipTag): Template {
  return tagPairs(tag).map(([name, value]) => ({ name, value }));
}

/** The tag an object's template carries, if it carries a complete one. */
export function readOwnershipTag(template: Template): OwnershipTag | undefined {
  return readTag((key) => templateGet(template, key));
}

/**
 * A cheap test on one object's slice of a pool response, while it is still XML-escaped twice over
 * (once inside the pool document, once inside the XML-RPC string). It may say yes to an object that is
 * not the stack's (the parsed tag is checked afterwards) but never no to one that is. oned has printed
 * template values both entity-escaped and in CDATA sections, so both spellings are looked for.
 */
export function ownedSlicePredicate(stack: string): (escapedSlice: string | Buffer) => boolean {
  const open = escapeXml(`<${TAG_STACK}>`);
  const plain = `${open}${escapeXml(escapeXml(stack))}${escapeXml("</")}`;
  const cdata = `${open}${escapeXml(`<![CDATA[${stack}]]>`)}`;
  // A slice of a pool read is its UTF-8 bytes (pools.ts); the same spellings, encoded once.
  const plainBytes = Buffer.from(plain, "utf8");
  const cdataBytes = Buffer.from(cdata, "utf8");
  return (slice) => (typeof slice === "string" ? slice.includes(plain) || slice.includes(cdata) : slice.includes(plainBytes) || slice.includes(cdataBytes));
}

/**
 * The label every VM of a stack carries in its LABELS beside the user's own: `hyperplan/<stack>`
 * (Sunstone shows it as the label `<stack>` under `hyperplan`). It is the one ownership mark the short
 * bodies of `one.vmpool.info` carry (FACTS.md §4: their USER_TEMPLATE holds only LABELS and the
 * scheduler's attributes), so a plan finds the stack's VMs in a read a fraction of the whole pool's
 * size. It only points: the ownership tag read from the full body decides.
 */
export function ownershipLabel(stack: string): string {
  return `hyperplan/${stack}`;
}

/** A VM's LABELS value: the user's labels and the stack's ownership label, comma-separated. */
export function labelsValue(labels: readonly string[], stack: string): string {
  return [...labels.filter((l) => l !== ownershipLabel(stack)), ownershipLabel(stack)].join(",");
}

/** The labels of a LABELS value, without the ownership label of `stack`; whether that one was there. */
export function splitLabels(value: string | undefined, stack: string | undefined): { labels: string[]; owned: boolean } {
  const all = (value ?? "")
    .split(",")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const mark = stack === undefined ? undefined : ownershipLabel(stack);
  return { labels: all.filter((l) => l !== mark), owned: mark !== undefined && all.includes(mark) };
}
