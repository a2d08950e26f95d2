/**
 * Fault injection: calls that fail at once with a given error, operations that fail when they run
 * (a task ending in `failure` with the given error_info), answers that come late, connections
 * dropped before or after the call is performed, guests whose agent never reports. Probabilities
 * draw from the world's seeded PRNG, so a run with the same seed and calls fails the same way.
 */
import type { SeededRandom } from "../kit/random";

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

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

const globCache = new Map<string, RegExp>();

/** `*` matches any run of characters, `?` one character; everything else literally. */
export function globMatch(glob: string, value: string): boolean {
  let re = globCache.get(glob);
  if (!re) {
    let src = "";
    for (const ch of glob) {
      if (ch === "*") src += ".*";
      else if (ch === "?") src += ".";
      else src += ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
    }
    re = new RegExp(`^${src}$`, "s");
    globCache.set(glob, re);
  }
  return re.test(value);
}

export function validateFaultRule(rule: FaultRule): void {
  const bad = (why: string): never => {
    throw new TypeError(`invalid fault rule ${JSON.stringify(rule)}: ${why}`);
  };
  if (typeof rule !== "object" || rule === null || Array.isArray(rule)) bad("not an object");
  const p = (rule as { probability?: unknown }).probability;
  if (p !== undefined && (typeof p !== "number" || !(p >= 0 && p <= 1))) bad("probability must be between 0 and 1");
  const c = (rule as { count?: unknown }).count;
  if (c !== undefined && (typeof c !== "number" || !Number.isInteger(c) || c < 0)) bad("count must be a whole number >= 0");
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

export class FaultInjector {
  private rules: ActiveRule[] = [];

  constructor(
    private readonly random: () => SeededRandom,
    initial: readonly FaultRule[] = [],
  ) {
    for (const rule of initial) this.add(rule);
  }

  add(rule: FaultRule): void {
    validateFaultRule(rule);
    const count = "count" in rule && rule.count !== undefined ? rule.count : Number.POSITIVE_INFINITY;
    this.rules.push({ rule, remaining: count });
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => r.rule);
  }

  /** The transport faults of one call (delay, drop, reset-after), decided as it arrives. */
  forTransport(method: string): Omit<CallFaults, "error"> {
    const out = { delayMs: 0, drop: false, resetAfter: false };
    for (const active of this.rules) {
      const rule = active.rule;
      if (rule.type !== "delay" && rule.type !== "drop" && rule.type !== "reset-after") continue;
      if (active.remaining <= 0 || !globMatch(rule.method, method)) continue;
      if ((rule.type === "drop" && out.drop) || (rule.type === "reset-after" && out.resetAfter)) continue;
      if (!this.random().chance(rule.probability)) continue;
      active.remaining--;
      if (rule.type === "delay") out.delayMs += rule.ms;
      else if (rule.type === "drop") out.drop = true;
      else out.resetAfter = true;
    }
    return out;
  }

  /** The error a call of `method` fails with at once, if an `error` rule fires. */
  callError(method: string): string[] | null {
    for (const active of this.rules) {
      const rule = active.rule;
      if (rule.type !== "error" || active.remaining <= 0 || !globMatch(rule.method, method)) continue;
      if (!this.random().chance(rule.probability)) continue;
      active.remaining--;
      return [...rule.error];
    }
    return null;
  }

  /** The error the operation `method` on an object named `name` fails with when it runs, if a rule says so. */
  operationError(method: string, name: string): string[] | null {
    for (const active of this.rules) {
      const rule = active.rule;
      if (rule.type !== "task-failure" || active.remaining <= 0 || !globMatch(rule.method, method)) continue;
      if (!globMatch(rule.match ?? "*", name)) continue;
      if (!this.random().chance(rule.probability)) continue;
      active.remaining--;
      return [...rule.error];
    }
    return null;
  }

  /** Whether the guest agent of a VM named `name` never reports. */
  silentGuest(name: string): boolean {
    return this.rules.some((a) => a.rule.type === "no-guest-agent" && globMatch(a.rule.match, name));
  }
}

/** Fault rules from text: one JSON rule or a JSON array of rules, each checked. */
export function parseFaultRules(text: string): FaultRule[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`fault rules must be JSON (a rule or an array of rules): ${(error as Error).message}`);
  }
  const rules = (Array.isArray(value) ? value : [value]) as FaultRule[];
  for (const rule of rules) validateFaultRule(rule);
  return rules;
}
