/**
 * How a stack knows its objects on Gandi hosting, whose VMs and disks carry no free-form metadata
 * (FACTS §2.4: a VM is its hostname, OS, shares, CPUs, memory, disks; a disk its name, size, fstype):
 * by their names. A VM of the stack is named `<name>.<stack>` (a hostname of two labels, so the guest
 * sees a fully qualified name under the stack), a data disk likewise. The stack's objects are exactly
 * the VMs and disks whose names end in `.<stack>` and whose first label is a valid name.
 *
 * The guarantee and its limit: an object made outside hyperplan never carries such a name unless a
 * person gives it one, and then it is taken for the stack's (there is nothing else to tell them
 * apart by). Names are unique per hosting account (the simulator keeps them so, unverified against a
 * live endpoint), so two runs cannot make two objects of one name: the second create is refused.
 */

/** A DNS label: letters, digits and inner hyphens, 1 to 63 characters (RFC 1123). */
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Why `name` cannot be a Gandi VM's or disk's first label; undefined when it can. */
export function gandiNameProblem(name: string): string | undefined {
  if (!LABEL.test(name)) return `must be a host name label on Gandi (letters, digits and inner hyphens, at most 63 characters), got ${JSON.stringify(name)}`;
  return undefined;
}

/** The name a stack's object is given on Gandi. */
export function gandiName(stack: string, name: string): string {
  return `${name}.${stack}`;
}

/** The declared name an object of `stack` stands for, or undefined when the object is not the stack's. */
export function ownedName(stack: string, gandiObjectName: string): string | undefined {
  const suffix = `.${stack}`;
  if (!gandiObjectName.endsWith(suffix)) return undefined;
  const name = gandiObjectName.slice(0, -suffix.length);
  return LABEL.test(name) ? name : undefined;
}
