/**
 * How a stack knows its containers on the panel: by the mark in their `description`
 * (FACTS §3.3: a free column every virtual server has, settable by create and update).
 *
 * A container of the stack `ci` declared at `ci/builders/b-1` carries the description
 * `hyperplan ci builders b-1`: the word `hyperplan`, the stack, then the address's path below the stack,
 * one segment a word. The panel accepts only letters, digits, dots, hyphens and spaces in descriptions
 * when it saves them into the container's config (owp app/models/virtual_server.rb,
 * `validates_format_of :description … if AppConfig.vzctl.save_descriptions`), so a stack or construct id
 * with any other character cannot be marked: `markOf` says so, naming it.
 *
 * With `save_descriptions` off the panel skips that check and keeps the description in its database
 * all the same (the same model file: `description` is an ordinary column, assigned on create and
 * update); only `vzctl set --description` is skipped. The mark then lives in the panel's database
 * alone: a panel database restored from an older backup, or rebuilt by a sync of a hardware server, loses
 * it, and the containers are no longer the stack's (never touched, a plan makes them again beside them).
 */
import { HyperplanError } from "../../errors.js";

const WORD = /^[A-Za-z0-9.-]+$/;

export class MarkError extends HyperplanError {
  constructor(address: string, summary: string) {
    super("OPENVZ_MARK", summary, { address });
  }
}

/** The description that marks the container at `address` as the stack's. */
export function markOf(stack: string, address: string): string {
  const path = address.slice(stack.length + 1).split("/");
  for (const word of [stack, ...path]) {
    if (!WORD.test(word)) {
      throw new MarkError(address, `${JSON.stringify(word)} cannot be part of a container's description on the panel (letters, digits, dots and hyphens only), and the description is how the stack knows its containers: rename the ${word === stack ? "stack" : "construct"}`);
    }
  }
  return ["hyperplan", stack, ...path].join(" ");
}

/** The address a description marks for `stack`, or undefined when the container is not the stack's. */
export function addressOfMark(stack: string, description: string | null): string | undefined {
  if (description === null) return undefined;
  const words = description.split(" ");
  if (words.length < 3 || words[0] !== "hyperplan" || words[1] !== stack) return undefined;
  const path = words.slice(2);
  if (!path.every((w) => WORD.test(w))) return undefined;
  return `${stack}/${path.join("/")}`;
}

/**
 * The stack and address a description's mark names, whichever stack it is (another stack's too), or
 * undefined when the description carries no complete mark. Only containers carry marks.
 */
export function markedFor(description: string | null): { stack: string; address: string } | undefined {
  const stack = description?.split(" ")[1];
  if (stack === undefined || !WORD.test(stack)) return undefined;
  const address = addressOfMark(stack, description);
  return address === undefined ? undefined : { stack, address };
}
