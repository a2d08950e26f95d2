/**
 * Fault injection: calls that fail at once with a given fault, operations that end in ERROR with
 * a comment, answers that come late, connections dropped before the call is performed or after it
 * was (the answer lost). Probabilities draw from the world's seeded PRNG, so a run with the same
 * seed and calls fails the same way. The mechanics are the kit's (`../kit/faults.ts`).
 */
import { checkFaultRuleBasics, FaultRuleSet, globMatch, invalidFaultRule, parseFaultRuleList } from "../kit/faults.js";
import type { SeededRandom } from "../kit/random.js";
import { GandiFault, serverFault, SERVER_FAULTS } from "./failure.js";

export type FaultRule =
  /**
   * The call (`method`, a glob over method names, `login` included) fails at once, after its
   * session is checked, with `code` (default 150000) and `message` (default the server text FACTS
   * §2.3 gives for the code). Nothing is done.
   */
  | { type: "error"; method: string; code?: number; message?: string; probability?: number; count?: number }
  /**
   * Operations of type `method` (a glob: `vm_create`, `disk_*`) on objects whose name matches `match`
   * (default `*`: a VM's hostname, a disk's name, either for disk_attach/detach, a product's name)
   * end in ERROR with `comment` instead of DONE; nothing they would have changed is changed.
   */
  | { type: "op-error"; method: string; match?: string; comment?: string; probability?: number; count?: number }
  | { type: "delay"; method: string; ms: number; probability?: number; count?: number }
  /** The connection is destroyed before the call is performed. */
  | { type: "drop"; method: string; probability?: number; count?: number }
  /** The call is performed in full, then the connection is destroyed without the answer. */
  | { type: "reset-after"; method: string; probability?: number; count?: number };

export const DEFAULT_OP_ERROR_COMMENT = "the operation failed on the hosting platform";

export function validateFaultRule(rule: FaultRule): void {
  const bad = (why: string): never => invalidFaultRule(rule, why);
  checkFaultRuleBasics(rule, { refuseArrays: true });
  if (typeof rule.method !== "string") bad("method must be a glob string");
  switch (rule.type) {
    case "error":
      if (rule.code !== undefined && (typeof rule.code !== "number" || !Number.isInteger(rule.code) || rule.code < 1 || rule.code > 2147483647)) bad("code must be a whole number from 1 (e.g. 110020 or 503040)");
      if (rule.message !== undefined && typeof rule.message !== "string") bad("message must be a string");
      return;
    case "op-error":
      if (rule.match !== undefined && typeof rule.match !== "string") bad("match must be a glob string");
      if (rule.comment !== undefined && typeof rule.comment !== "string") bad("comment must be a string");
      return;
    case "delay":
      if (typeof rule.ms !== "number" || !(rule.ms >= 0)) bad("ms must be a number >= 0");
      return;
    case "drop":
    case "reset-after":
      return;
    default:
      bad("unknown type (expected error, op-error, delay, drop or reset-after)");
  }
}

export class FaultInjector extends FaultRuleSet<FaultRule> {
  constructor(random: () => SeededRandom, initial: readonly FaultRule[] = []) {
    super(random, validateFaultRule, initial);
  }

  /** The transport faults of one call, decided as it arrives. */
  forTransport(method: string): { delayMs: number; drop: boolean; resetAfter: boolean } {
    const out = { delayMs: 0, drop: false, resetAfter: false };
    const fired = this.firing((rule) => {
      if (rule.type !== "delay" && rule.type !== "drop" && rule.type !== "reset-after") return false;
      if (!globMatch(rule.method, method)) return false;
      return !((rule.type === "drop" && out.drop) || (rule.type === "reset-after" && out.resetAfter));
    });
    for (const rule of fired) {
      if (rule.type === "delay") out.delayMs += rule.ms;
      else if (rule.type === "drop") out.drop = true;
      else out.resetAfter = true;
    }
    return out;
  }

  /** The fault a call of `method` fails with at once, if an `error` rule fires. */
  callFault(method: string): GandiFault | null {
    for (const rule of this.firing((r) => r.type === "error" && globMatch(r.method, method))) {
      if (rule.type !== "error") continue;
      const code = rule.code ?? 150000;
      if (rule.message !== undefined) return new GandiFault(code, rule.message);
      if (SERVER_FAULTS[code] !== undefined || String(code).startsWith("1")) return serverFault(code);
      return new GandiFault(code, "DataError: injected fault [method: " + method + "]");
    }
    return null;
  }

  /** The comment an operation of `type` on objects named `names` ends in ERROR with, if a rule says so. */
  operationError(type: string, names: readonly string[]): string | null {
    const matches = (glob: string) => names.some((n) => globMatch(glob, n));
    for (const rule of this.firing((r) => r.type === "op-error" && globMatch(r.method, type) && (r.match === undefined || matches(r.match)))) {
      if (rule.type === "op-error") return rule.comment ?? DEFAULT_OP_ERROR_COMMENT;
    }
    return null;
  }
}

/** Fault rules from text: one JSON rule or a JSON array of rules, each checked. */
export function parseFaultRules(text: string): FaultRule[] {
  return parseFaultRuleList(text, validateFaultRule);
}
