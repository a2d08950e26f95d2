/**
 * Fault injection: objects that end in a failure state, method calls that fail with INTERNAL or
 * LOCKED, answer late, or lose their connection before or after they are performed. Probabilities draw from the world's seeded PRNG,
 * so a run with the same seed and calls fails the same way.
 */
import type { SeededRandom } from "../kit/random";

export type FaultRule =
  | { type: "fail-state"; kind: "vm"; match: string; state: "BOOT_FAILURE" | "PROLOG_FAILURE"; probability?: number; message?: string }
  | { type: "fail-state"; kind: "image" | "vnet"; match: string; state: "ERROR"; probability?: number; message?: string }
  /** A hot-plug driver step (disk or NIC attach/detach, disk resize, live resize) fails on VMs named like `match`. */
  | { type: "fail-hotplug"; match: string; probability?: number; message?: string }
  | { type: "error"; method: string; code: "INTERNAL" | "LOCKED"; probability?: number; count?: number; message?: string }
  | { type: "delay"; method: string; ms: number; probability?: number; count?: number }
  | { type: "drop"; method: string; probability?: number; count?: number }
  /**
   * The call is served in full (the world changes) and then the connection is destroyed without the
   * answer, as when the network breaks after oned acted.
   */
  | { type: "reset-after"; method: string; probability?: number; count?: number };

/** What the faults decide for one call. */
export interface CallFaults {
  delayMs: number;
  drop: boolean;
  /** Serve the call, then destroy the connection instead of answering. */
  resetAfter: boolean;
  error: { code: "INTERNAL" | "LOCKED"; message: string | undefined } | null;
}

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

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

export function validateFaultRule(rule: FaultRule): void {
  const fail = (why: string): never => {
    throw new TypeError(`invalid fault rule ${JSON.stringify(rule)}: ${why}`);
  };
  if (typeof rule !== "object" || rule === null) fail("not an object");
  const p = (rule as { probability?: unknown }).probability;
  if (p !== undefined && (typeof p !== "number" || !(p >= 0 && p <= 1))) fail("probability must be between 0 and 1");
  const c = (rule as { count?: unknown }).count;
  if (c !== undefined && (typeof c !== "number" || !Number.isInteger(c) || c < 0)) fail("count must be a whole number >= 0");
  switch (rule.type) {
    case "fail-state":
      if (typeof rule.match !== "string") fail("match must be a glob string");
      if (rule.kind === "vm") {
        if (rule.state !== "BOOT_FAILURE" && rule.state !== "PROLOG_FAILURE") fail("a VM fails in BOOT_FAILURE or PROLOG_FAILURE");
      } else if (rule.kind === "image" || rule.kind === "vnet") {
        if (rule.state !== "ERROR") fail("images and networks fail in ERROR");
      } else {
        fail("kind must be vm, image or vnet");
      }
      return;
    case "fail-hotplug":
      if (typeof rule.match !== "string") fail("match must be a glob string");
      return;
    case "error":
      if (typeof rule.method !== "string") fail("method must be a glob string");
      if (rule.code !== "INTERNAL" && rule.code !== "LOCKED") fail("code must be INTERNAL or LOCKED");
      return;
    case "delay":
      if (typeof rule.method !== "string") fail("method must be a glob string");
      if (typeof rule.ms !== "number" || !(rule.ms >= 0)) fail("ms must be a number >= 0");
      return;
    case "drop":
    case "reset-after":
      if (typeof rule.method !== "string") fail("method must be a glob string");
      return;
    default:
      fail("unknown type");
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

  /** Decides the call-level faults for one call of `method`; counts are consumed only when a rule fires. */
  forCall(method: string): CallFaults {
    const out: CallFaults = { delayMs: 0, drop: false, resetAfter: false, error: null };
    for (const active of this.rules) {
      const rule = active.rule;
      if (rule.type === "fail-state" || rule.type === "fail-hotplug" || active.remaining <= 0) continue;
      if (!globMatch(rule.method, method)) continue;
      if (rule.type === "drop" && out.drop) continue;
      if (rule.type === "reset-after" && out.resetAfter) continue;
      if (rule.type === "error" && out.error) continue;
      if (!this.random().chance(rule.probability)) continue;
      active.remaining--;
      if (rule.type === "delay") out.delayMs += rule.ms;
      else if (rule.type === "drop") out.drop = true;
      else if (rule.type === "reset-after") out.resetAfter = true;
      else out.error = { code: rule.code, message: rule.message };
    }
    return out;
  }

  /** The message a hot-plug step of the VM named `name` fails with, if a rule says it fails. */
  hotplugFailureFor(name: string): string | null {
    for (const active of this.rules) {
      const rule = active.rule;
      if (rule.type !== "fail-hotplug" || !globMatch(rule.match, name)) continue;
      if (!this.random().chance(rule.probability)) continue;
      return rule.message ?? "the hypervisor driver failed";
    }
    return null;
  }

  /** The failure an object of `kind` named `name` meets, decided once when its driver step starts. */
  failureFor(kind: "vm" | "image" | "vnet", name: string): { state: string; message: string | undefined } | null {
    for (const active of this.rules) {
      const rule = active.rule;
      if (rule.type !== "fail-state" || rule.kind !== kind) continue;
      if (!globMatch(rule.match, name)) continue;
      if (!this.random().chance(rule.probability)) continue;
      return { state: rule.state, message: rule.message };
    }
    return null;
  }
}

/**
 * Fault rules from text (a command-line flag, an environment variable): one JSON rule or a JSON
 * array of rules, each checked. Throws a TypeError that says what is wrong.
 */
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
