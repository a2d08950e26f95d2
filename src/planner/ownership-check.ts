/**
 * The ownership check the executor makes before every change that alters or deletes an existing
 * object: the object must carry the stack's tag, for the change's address and kind. The tag is read
 * from the object itself right before the first call (`Provider.readOwnership`), so neither an edited
 * plan, a stale id nor an object re-tagged by hand can turn a change onto something the stack does not
 * own. A leftover of an unfinished replacement (`<address>~replaced-<id>`) or a duplicate
 * (`<address>~duplicate-<id>`) carries its address's tag.
 */
import { HyperplanError } from "../errors.js";
import type { OwnershipReading } from "../core/operation.js";
import type { ResourceChange } from "../core/plan.js";

/** A change refused because its object is not the stack's. Nothing was called. */
export class NotOwnedError extends HyperplanError {
  constructor(address: string, summary: string) {
    super("NOT_OWNED", summary, { address });
  }
}

/** Suffixes of the addresses under which a plan deletes an object that is not its address's own. */
const EXTRA_OBJECT = /^(.*)~(replaced|duplicate)-(.+)$/;

/** The address the object of `change` carries in its tag. */
export function taggedAddress(change: Pick<ResourceChange, "address" | "id" | "movedFrom">): string {
  if (change.movedFrom !== undefined) return change.movedFrom;
  const m = EXTRA_OBJECT.exec(change.address);
  return m && m[3] === change.id ? m[1]! : change.address;
}

/** True for changes whose first call touches an object that exists already. */
export function touchesExisting(change: Pick<ResourceChange, "action" | "id">): boolean {
  return (change.action === "update" || change.action === "replace" || change.action === "delete") && change.id !== undefined;
}

/**
 * Why the change must not touch the object read, or undefined when it may. A delete of an object that
 * is gone already has nothing left to do and may go on (the provider finds it gone).
 */
export function ownershipProblem(stack: string, change: ResourceChange, reading: OwnershipReading): NotOwnedError | undefined {
  const what = `the live ${change.kind} id=${change.id}`;
  const advice = "it is left alone; nothing was changed. Plan again";
  if (change.importId !== undefined) return importProblem(stack, change, reading, what, advice);
  switch (reading.state) {
    case "gone":
      return change.action === "delete" ? undefined : new NotOwnedError(change.address, `${what} no longer exists; ${advice}`);
    case "untagged":
      return new NotOwnedError(change.address, `${what} carries no hyperplan ownership tag, so it is not stack "${stack}"'s: ${advice}`);
    case "tagged": {
      const { tag } = reading;
      const expected = taggedAddress(change);
      if (tag.stack === stack && tag.address === expected && tag.kind === change.kind) return undefined;
      return new NotOwnedError(
        change.address,
        `${what} carries the tag of ${tag.kind} ${tag.address} in stack "${tag.stack}", not of ${change.kind} ${expected} in stack "${stack}": ${advice}`,
      );
    }
  }
}

/**
 * An import adopts an object that carries no tag; one that carries this very change's tag was adopted
 * by an apply that stopped before the rest of its update, and the rest may go on.
 */
function importProblem(stack: string, change: ResourceChange, reading: OwnershipReading, what: string, advice: string): NotOwnedError | undefined {
  switch (reading.state) {
    case "gone":
      return new NotOwnedError(change.address, `${what} to import no longer exists; ${advice}`);
    case "untagged":
      return undefined;
    case "tagged": {
      const { tag } = reading;
      if (tag.stack === stack && tag.address === change.address && tag.kind === change.kind) return undefined;
      return new NotOwnedError(change.address, `${what} to import carries the tag of ${tag.kind} ${tag.address} in stack "${tag.stack}" now: an object a stack owns is never adopted; ${advice}`);
    }
  }
}
