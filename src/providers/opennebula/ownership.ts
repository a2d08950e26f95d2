/**
 * Ownership tags: how an OpenNebula object says which stack and address it belongs to.
 *
 * hyperplan keeps no state file. Every object it creates carries three attributes written by the very
 * call that creates it (allocate / instantiate), so an apply killed at any moment leaves objects that a
 * rerun recognises:
 *
 *   HYPERPLAN_STACK   = "lab"
 *   HYPERPLAN_ADDRESS = "lab/web-1"
 *   HYPERPLAN_KIND    = "VirtualMachine"
 *
 * They live in the object's TEMPLATE (images, networks, security groups, VM templates) or, for VMs, in
 * USER_TEMPLATE, where oned moves attributes it does not know.
 *
 * HYPERPLAN_KIND guards against inheritance: oned copies a VM template's attributes into every VM
 * instantiated from it, so a VM someone starts by hand from a hyperplan template carries that template's
 * stack and address. Its kind says VmTemplate, so it is not taken for one of the stack's VMs.
 */
import { escapeXml } from "../../xmlrpc/index";
import type { Template } from "./template-syntax";
import { templateGet } from "./template-syntax";

export const TAG_STACK = "HYPERPLAN_STACK";
export const TAG_ADDRESS = "HYPERPLAN_ADDRESS";
export const TAG_KIND = "HYPERPLAN_KIND";
/**
 * On the new object of a replacement: the id of the object it replaces. A run stopped between the
 * create and the delete leaves both carrying the address; this says which one is the leftover.
 */
export const TAG_REPLACES = "HYPERPLAN_REPLACES";

/**
 * Beside the tags on a VM (USER_TEMPLATE) or a VM template: the names of its context variables that
 * are secret, comma-separated. oned cannot tell a secret variable from a plain one, so without it a
 * plan would print the value read back from CONTEXT (a removed secret's line, the live state of
 * `plan --json`); with it the value is read back as a secret and masked everywhere.
 */
export const TAG_SECRETS = "HYPERPLAN_SECRETS";

/** The names of the secret variables of `context`, as the record lists them. */
export function secretNames(context: { secretVars: Record<string, unknown> } | undefined): string[] {
  return Object.keys(context?.secretVars ?? {}).map((k) => k.toUpperCase()).sort();
}

/** The attribute that records which context variables of `context` are secret; none when none is. */
export function secretNamesAttribute(context: { secretVars: Record<string, unknown> } | undefined): Template {
  const names = secretNames(context);
  return names.length === 0 ? [] : [{ name: TAG_SECRETS, value: names.join(",") }];
}

/** The secret context variable names an object's template records. */
export function readSecretNames(template: Template): Set<string> {
  return new Set((templateGet(template, TAG_SECRETS) ?? "").split(",").map((n) => n.trim()).filter((n) => n !== ""));
}

export interface OwnershipTag {
  stack: string;
  address: string;
  kind: string;
}

/** The attributes to put into the allocate (or instantiate) template of a new object. */
export function ownershipAttributes(tag: OwnershipTag): Template {
  return [
    { name: TAG_STACK, value: tag.stack },
    { name: TAG_ADDRESS, value: tag.address },
    { name: TAG_KIND, value: tag.kind },
  ];
}

/** The tag an object's template carries, if it carries a complete one. */
export function readOwnershipTag(template: Template): OwnershipTag | undefined {
  const stack = templateGet(template, TAG_STACK);
  const address = templateGet(template, TAG_ADDRESS);
  const kind = templateGet(template, TAG_KIND);
  if (stack === undefined || address === undefined || kind === undefined) return undefined;
  return { stack, address, kind };
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
