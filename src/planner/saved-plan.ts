/**
 * A saved plan is a promise: `apply plan.json` plans again, from the declaration the file carries and
 * the live objects as they are now, and carries the plan out only when it is exactly the saved change
 * list. An edited, truncated or inconsistent file, or a cloud that moved, is refused before any call,
 * naming the first difference.
 *
 * What may differ without breaking the promise is what the plan only waits for: an object that was on
 * its way (a VM booting, an image copying) may have arrived, or be on its way now. The reason text is
 * for people and follows from the rest. Everything else — actions, ids, the live and declared values,
 * every attribute line, the order, the replacement order, the second phases — must be equal.
 */
import { canonicalJson, firstDifference } from "../resources/canonical-json.js";
import type { Plan, ResourceChange } from "../core/plan.js";

export interface PlanDifference {
  /** The change the difference is in, when it is in one. */
  address?: string;
  /** One line for a person; names paths, never values that could be secret. */
  summary: string;
}

/** The first way `fresh` differs from `saved`, or undefined when apply may carry out `saved`. */
export function planDifference(saved: Plan, fresh: Plan): PlanDifference | undefined {
  if (saved.stack !== fresh.stack) return { summary: `the saved plan is for stack "${saved.stack}", planning again gives stack "${fresh.stack}"` };
  if (saved.backend !== fresh.backend) return { summary: `the saved plan is for ${saved.backend}, this apply talks to ${fresh.backend}` };
  if (saved.mode !== fresh.mode) return { summary: `the saved plan is a ${saved.mode} plan, planning again gives a ${fresh.mode} plan` };
  for (const [what, a, b] of [
    ["targets", saved.targets ?? [], fresh.targets ?? []],
    ["replace", saved.replace ?? [], fresh.replace ?? []],
  ] as const) {
    if (canonicalJson(a) !== canonicalJson(b)) return { summary: `the saved plan's ${what} (${a.join(", ") || "none"}) differ from the ones planned again (${b.join(", ") || "none"})` };
  }
  const freshByAddress = new Map(fresh.changes.map((c) => [c.address, c]));
  const savedAddresses = new Set<string>();
  for (const s of saved.changes) {
    if (savedAddresses.has(s.address)) return { address: s.address, summary: "the saved plan has two changes for this address" };
    savedAddresses.add(s.address);
    const f = freshByAddress.get(s.address);
    if (!f) return { address: s.address, summary: `the saved plan has ${article(s.action)} ${s.action} that planning again does not give` };
    if (s.action !== f.action) {
      const says = (a: string) => (a === "noop" ? "no change" : `${article(a)} ${a}`);
      return { address: s.address, summary: `the saved plan has ${says(s.action)} here, planning again gives ${says(f.action)}` };
    }
    const path = changeDifference(s, f);
    if (path !== undefined) return { address: s.address, summary: `the saved ${s.action} differs from the change planned now at ${path}` };
  }
  for (const f of fresh.changes) {
    if (!savedAddresses.has(f.address)) {
      return { address: f.address, summary: `planning again gives ${article(f.action)} ${f.action} that the saved plan does not have (the file was cut short or edited, or the cloud changed)` };
    }
  }
  const order = (p: Plan) => p.changes.map((c) => c.address).join("\n");
  if (order(saved) !== order(fresh)) return { summary: "the saved plan lists its changes in another order than planning again gives" };
  return undefined;
}

/** The fields of a change that say what apply does, without what only waits or only explains. */
function decisive(change: ResourceChange): Record<string, unknown> {
  const { reason: _reason, arriving: _arriving, ...rest } = change;
  return rest;
}

/** The path of the first field where two changes differ, or undefined. */
function changeDifference(saved: ResourceChange, fresh: ResourceChange): string | undefined {
  return firstDifference(decisive(saved), decisive(fresh));
}

function article(action: string): string {
  return /^[aeiou]/.test(action) ? "an" : "a";
}
