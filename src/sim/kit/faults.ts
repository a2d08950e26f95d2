/**
 * The mechanics of fault rules, with no cloud in them: glob matching of method and object names,
 * the checks every rule shares (an object, a probability between 0 and 1, a whole count), rules
 * read from JSON text, and a rule set that decides which rules fire: a rule fires only while its
 * count lasts (unlimited without one), and a probability is drawn from the world's seeded PRNG, so
 * a run with the same seed and calls fails the same way. What a rule does is the simulator's.
 */
import type { SeededRandom } from "./random.js";

const globCache = new Map<string, RegExp>();

/** `*` matches any run of characters, `?` one character; everything else literally. */
export function globToRegExp(glob: string): RegExp {
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
  return re;
}

export function globMatch(glob: string, value: string): boolean {
  return globToRegExp(glob).test(value);
}

/** The TypeError a rule that cannot be used is refused with: `invalid fault rule <JSON>: <why>`. */
export function invalidFaultRule(rule: unknown, why: string): never {
  throw new TypeError(`invalid fault rule ${JSON.stringify(rule)}: ${why}`);
}

/**
 * Checks what any rule may carry: it is an object (an array counts as one unless `refuseArrays`),
 * its `probability` is between 0 and 1 and its `count` a whole number >= 0 when given.
 */
export function checkFaultRuleBasics(rule: unknown, options: { refuseArrays: boolean }): void {
  if (typeof rule !== "object" || rule === null || (options.refuseArrays && Array.isArray(rule))) invalidFaultRule(rule, "not an object");
  const p = (rule as { probability?: unknown }).probability;
  if (p !== undefined && (typeof p !== "number" || !(p >= 0 && p <= 1))) invalidFaultRule(rule, "probability must be between 0 and 1");
  const c = (rule as { count?: unknown }).count;
  if (c !== undefined && (typeof c !== "number" || !Number.isInteger(c) || c < 0)) invalidFaultRule(rule, "count must be a whole number >= 0");
}

/** Fault rules from text (a command-line flag, an environment variable): one JSON rule or a JSON array of rules, each checked by `validate`. */
export function parseFaultRuleList<R>(text: string, validate: (rule: R) => void): R[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`fault rules must be JSON (a rule or an array of rules): ${(error as Error).message}`);
  }
  const rules = (Array.isArray(value) ? value : [value]) as R[];
  for (const rule of rules) validate(rule);
  return rules;
}

interface ActiveRule<R> {
  rule: R;
  remaining: number;
}

/** The rules in force, in the order they were added, each with what is left of its count. */
export class FaultRuleSet<R extends object> {
  private rules: ActiveRule<R>[] = [];

  constructor(
    private readonly random: () => SeededRandom,
    private readonly validate: (rule: R) => void,
    initial: readonly R[] = [],
  ) {
    for (const rule of initial) this.add(rule);
  }

  add(rule: R): void {
    this.validate(rule);
    const count = (rule as { count?: number }).count;
    this.rules.push({ rule, remaining: count !== undefined ? count : Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.rules = [];
  }

  list(): R[] {
    return this.rules.map((r) => r.rule);
  }

  /**
   * The rules that fire now, in order: each that `applies` (asked as the walk reaches it, so it may
   * look at what fired before) and whose probability draw succeeds. A `counted` walk passes over
   * rules whose count is spent and uses up one of a rule's count as it fires; an uncounted one
   * neither looks at counts nor uses them.
   */
  *firing(applies: (rule: R) => boolean, counted = true): Generator<R> {
    for (const active of this.rules) {
      if (counted && active.remaining <= 0) continue;
      if (!applies(active.rule)) continue;
      if (!this.random().chance((active.rule as { probability?: number }).probability)) continue;
      if (counted) active.remaining--;
      yield active.rule;
    }
  }

  /** Whether any rule matches `test`, drawing nothing and using up no count. */
  some(test: (rule: R) => boolean): boolean {
    return this.rules.some((a) => test(a.rule));
  }
}
