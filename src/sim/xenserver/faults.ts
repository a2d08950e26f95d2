/**
 * Fault injection: calls that fail at once with a given error, operations that fail when they run
 * (a task ending in `failure` with the given error_info), answers that come late, connections
 * dropped before or after the call is performed, guests whose agent never reports. Probabilities
 * draw from the world's seeded PRNG, so a run with the same seed and calls fails the same way.
 */
import { checkFaultRuleBasics, FaultRuleSet, globMatch, invalidFaultRule, parseFaultRuleList } from "../kit/faults.js";
import type { SeededRandom } from "../kit/random.js";

export type FaultRule =
  /** The call fails at once with `error` (`[code, ...params]`), after its session is checked. `method` is a glob over wire names (`Async.VM.*`). */
  | { type: "error"; method: string; error: string[]; probability?: number; count?: number }
  /**
   * The operation `method` (`VM.start`, without `Async.`) fails with `error` when it runs, on objects
   * whose name_label matches `match` (default `*`): as the task's error_info when called `Async.`,
   * as the call's failure otherwise. Nothing it would have changed is changed.
   */
  | { type: "task-failure"; method: string; match?: string; error: string[]; probability?: number; count?: number }
  | { type: "delay"; method: string; ms: number; probability?: number; count?: number }
  /** The connection is destroyed before the call is performed. */
  | { type: "drop"; method: string; probability?: number; count?: number }
  /** The call is performed in full, then the connection is destroyed without the answer. */
  | { type: "reset-after"; method: string; probability?: number; count?: number }
  /** VMs whose name_label matches never get guest metrics (their guest agent never reports). */
  | { type: "no-guest-agent"; match: string };

export interface CallFaults {
  delayMs: number;
  drop: boolean;
  resetAfter: boolean;
  error: string[] | null;
}

export function validateFaultRule(rule: FaultRule): void {
  const bad = (why: string): never => invalidFaultRule(rule, why);
  checkFaultRuleBasics(rule, { refuseArrays: true });
  const errorList = (value: unknown) => {
    if (!Array.isArray(value) || value.length === 0 || !value.every((x) => typeof x === "string") || value[0] === "") {
      bad('error must be a non-empty array of strings, the code first (["SR_FULL", "1", "2"])');
    }
  };
  switch (rule.type) {
    case "error":
      if (typeof rule.method !== "string") bad("method must be a glob string");
      errorList(rule.error);
      return;
    case "task-failure":
      if (typeof rule.method !== "string") bad("method must be a glob string");
      if (rule.match !== undefined && typeof rule.match !== "string") bad("match must be a glob string");
      errorList(rule.error);
      return;
    case "delay":
      if (typeof rule.method !== "string") bad("method must be a glob string");
      if (typeof rule.ms !== "number" || !(rule.ms >= 0)) bad("ms must be a number >= 0");
      return;
    case "drop":
    case "reset-after":
      if (typeof rule.method !== "string") bad("method must be a glob string");
      return;
    case "no-guest-agent":
      if (typeof rule.match !== "string") bad("match must be a glob string");
      return;
    default:
      bad("unknown type (expected error, task-failure, delay, drop, reset-after or no-guest-agent)");
  }
}

export class FaultInjector extends FaultRuleSet<FaultRule> {
  constructor(random: () => SeededRandom, initial: readonly FaultRule[] = []) {
    super(random, validateFaultRule, initial);
  }

  /** The transport faults of one call (delay, drop, reset-after), decided as it arrives. */
  forTransport(method: string): Omit<CallFaults, "error"> {
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

  /** The error a call of `method` fails with at once, if an `error` rule fires. */
  callError(method: string): string[] | null {
    for (const rule of this.firing((r) => r.type === "error" && globMatch(r.method, method))) {
      if (rule.type === "error") return [...rule.error];
    }
    return null;
  }

  /** The error the operation `method` on an object named `name` fails with when it runs, if a rule says so. */
  operationError(method: string, name: string): string[] | null {
    for (const rule of this.firing((r) => r.type === "task-failure" && globMatch(r.method, method) && globMatch(r.match ?? "*", name))) {
      if (rule.type === "task-failure") return [...rule.error];
    }
    return null;
  }

  /** Whether the guest agent of a VM named `name` never reports. */
  silentGuest(name: string): boolean {
    return this.some((rule) => rule.type === "no-guest-agent" && globMatch(rule.match, name));
  }
}

/** Fault rules from text: one JSON rule or a JSON array of rules, each checked. */
export function parseFaultRules(text: string): FaultRule[] {
  return parseFaultRuleList(text, validateFaultRule);
}
