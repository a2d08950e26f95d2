/**
 * How a stack knows its objects on Gandi hosting, whose VMs and disks carry no free-form metadata
 * (FACTS §2.4: a VM is its hostname, OS, shares, CPUs, memory, disks; a disk its name, size, fstype):
 * by their names, which carry a mark only hyperplan writes.
 *
 * A stack's object declared `web-1` in stack `shop` is named `web-1.shop-<mark>` (a VM's hostname, a
 * disk's name): the guest's short hostname is the declared name, and `<mark>` is six characters of a
 * digest of the stack, the kind and the declared name. An object is the stack's exactly when its name
 * is that, mark included.
 *
 * A name a person writes (`web-1.shop`, or the pattern copied from another object, `web-3.shop-k2x9qa`)
 * lacks the mark, or carries one that is not this object's: it is never taken for the stack's. When
 * it reads as the name of something the stack declares (`web-1.shop`, `web-1.shop-<other>`) it is a
 * look-alike, which the plan reports as a name taken by an object the stack does not own, with its
 * id, and refuses to create beside it.
 *
 * The limit: the mark is computed from what the stack declares, not from a secret, so an object made
 * by hand under the exact name hyperplan would give it (or left by a copy of the stack under the same
 * stack name on the same account) is the stack's. Nothing else on a hosting object can tell them apart.
 */
import { createHash } from "node:crypto";

/** A DNS label: letters, digits and inner hyphens, 1 to 63 characters (RFC 1123). */
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const MARK = /^[a-z2-7]{6}$/;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

export type GandiKind = "VirtualMachine" | "Image";

/** Why `name` cannot be a Gandi VM's or disk's first label; undefined when it can. */
export function gandiNameProblem(name: string): string | undefined {
  if (!LABEL.test(name)) return `must be a host name label on Gandi (letters, digits and inner hyphens, at most 63 characters), got ${JSON.stringify(name)}`;
  return undefined;
}

/** The six-character mark of a stack's object: the first 30 bits of SHA-256 over stack, kind and name, in base32. */
export function ownershipMark(stack: string, kind: GandiKind, name: string): string {
  const digest = createHash("sha256").update(`hyperplan\n${stack}\n${kind}\n${name}`).digest();
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 6) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === 6) break;
    value &= (1 << bits) - 1;
  }
  return out;
}

/** The name a stack's object is given on Gandi. */
export function gandiName(stack: string, kind: GandiKind, name: string): string {
  return `${name}.${stack}-${ownershipMark(stack, kind, name)}`;
}

/**
 * What an object's name says of it for `stack`: the stack's object of that declared name (`owned`), a
 * name that reads as one of the stack's without being it (`lookalike`), or nothing to do with it.
 */
export type NameReading = { state: "owned"; name: string } | { state: "lookalike"; name: string } | undefined;

export function readName(stack: string, kind: GandiKind, objectName: string): NameReading {
  const dot = objectName.indexOf(".");
  if (dot < 0) return undefined;
  const name = objectName.slice(0, dot);
  if (!LABEL.test(name)) return undefined;
  const rest = objectName.slice(dot + 1);
  if (rest === stack) return { state: "lookalike", name };
  if (!rest.startsWith(`${stack}-`)) return undefined;
  const mark = rest.slice(stack.length + 1);
  if (!MARK.test(mark)) return undefined;
  return mark === ownershipMark(stack, kind, name) ? { state: "owned", name } : { state: "lookalike", name };
}

/**
 * The address of the stack's object of `kind` named `name`: the declared resource of that kind and name
 * wherever its construct sits (names are unique per kind in a Gandi stack), else `<stack>/<name>` (an
 * object no longer declared, which the plan deletes).
 */
export function addressOfName(stack: string, kind: string, name: string, declared: Iterable<{ address: string; kind: string; name: string }>): string {
  for (const r of declared) if (r.kind === kind && r.name === name) return r.address;
  return `${stack}/${name}`;
}

/** The declared name an object of `stack` stands for, or undefined when the object is not the stack's. */
export function ownedName(stack: string, kind: GandiKind, objectName: string): string | undefined {
  const reading = readName(stack, kind, objectName);
  return reading?.state === "owned" ? reading.name : undefined;
}
