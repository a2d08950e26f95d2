/**
 * Fault injection: objects that end in a failure state, method calls that fail with INTERNAL or
 * LOCKED, answer late, or lose their connection before or after they are performed. Probabilities draw from the world's seeded PRNG,
 * so a run with the same seed and calls fails the same way.
 */
import { checkFaultRuleBasics, FaultRuleSet, globMatch, globToRegExp, invalidFaultRule, parseFaultRuleList } from "../kit/faults.js";
import type { SeededRandom } from "../kit/random.js";

export { globMatch, globToRegExp };

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

export function validateFaultRule(rule: FaultRule): void {
  const fail = (why: string): never => invalidFaultRule(rule, why);
  checkFaultRuleBasics(rule, { refuseArrays: false });
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

export class FaultInjector extends FaultRuleSet<FaultRule> {
  constructor(random: () => SeededRandom, initial: readonly FaultRule[] = []) {
    super(random, validateFaultRule, initial);
  }

  /** Decides the call-level faults for one call of `method`; counts are consumed only when a rule fires. */
  forCall(method: string): CallFaults {
    const out: CallFaults = { delayMs: 0, drop: false, resetAfter: false, error: null };
    const fired = this.firing((rule) => {
      if (rule.type === "fail-state" || rule.type === "fail-hotplug") return false;
      if (!globMatch(rule.method, method)) return false;
      if (rule.type === "drop" && out.drop) return false;
      if (rule.type === "reset-after" && out.resetAfter) return false;
      return !(rule.type === "error" && out.error);
    });
    for (const rule of fired) {
      if (rule.type === "delay") out.delayMs += rule.ms;
      else if (rule.type === "drop") out.drop = true;
      else if (rule.type === "reset-after") out.resetAfter = true;
      else if (rule.type === "error") out.error = { code: rule.code, message: rule.message };
    }
    return out;
  }

  /** The message a hot-plug step of the VM named `name` fails with, if a rule says it fails. */
  hotplugFailureFor(name: string): string | null {
    for (const rule of this.firing((r) => r.type === "fail-hotplug" && globMatch(r.match, name), false)) {
      if (rule.type === "fail-hotplug") return rule.message ?? "the hypervisor driver failed";
    }
    return null;
  }

  /** The failure an object of `kind` named `name` meets, decided once when its driver step starts. */
  failureFor(kind: "vm" | "image" | "vnet", name: string): { state: string; message: string | undefined } | null {
    for (const rule of this.firing((r) => r.type === "fail-state" && r.kind === kind && globMatch(r.match, name), false)) {
      if (rule.type === "fail-state") return { state: rule.state, message: rule.message };
    }
    return null;
  }
}

/**
 * Fault rules from text (a command-line flag, an environment variable): one JSON rule or a JSON
 * array of rules, each checked. Throws a TypeError that says what is wrong.
 */
export function parseFaultRules(text: string): FaultRule[] {
  return parseFaultRuleList(text, validateFaultRule);
}
