/**
 * Fault injection: vzctl runs that fail on a hardware server, calls answered with an error at
 * once, answers that come late, connections dropped before the call acts or after it acted (the
 * answer lost). Probabilities draw from the world's seeded PRNG, so a run with the same seed and
 * calls fails the same way. The mechanics are the kit's (`../kit/faults.ts`).
 */
import { checkFaultRuleBasics, FaultRuleSet, globMatch, invalidFaultRule, parseFaultRuleList } from "../kit/faults.js";
import type { SeededRandom } from "../kit/random.js";
import { PanelError } from "./failure.js";

/** The virtual-server actions that run vzctl, which a `vzctl` rule names. */
export const VZCTL_ACTIONS = ["create", "update", "start", "stop", "restart", "delete", "reinstall"] as const;
export type VzctlAction = (typeof VZCTL_ACTIONS)[number];

export type FaultRule =
  /**
   * vzctl fails on the hardware server for the actions `action` matches (a glob over
   * create|update|start|stop|restart|delete|reinstall) on containers whose host name matches
   * `match` (default `*`, a container without one included), exiting `code` (default 3) with
   * `output` (default `vzctl failed (injected fault)`). create/update/delete/reinstall answer
   * internal_error with the command in `<details>` and change nothing; start/stop/restart answer
   * `<status>false</status>`. A call that runs no vzctl (start when running) is not hit.
   */
  | { type: "vzctl"; action: string; match?: string; code?: number; output?: string; probability?: number; count?: number }
  /**
   * Calls `method` matches (a glob over `<controller>/<action>`, `virtual_servers/*`) are answered
   * at once, after authentication, with the error `code` (default `internal_error`; a code the
   * panel does not whitelist shows as `unknown_error`), internal_error with `details` (default
   * `injected fault`). Nothing is done.
   */
  | { type: "error"; method: string; code?: string; details?: string; probability?: number; count?: number }
  /** The answer comes `ms` later (the delays of several rules add up). */
  | { type: "delay"; method: string; ms: number; probability?: number; count?: number }
  /** The connection is destroyed before the call acts. */
  | { type: "drop"; method: string; probability?: number; count?: number }
  /** The call acts in full, then the connection is destroyed without an answer. */
  | { type: "reset-after"; method: string; probability?: number; count?: number };

export const DEFAULT_VZCTL_EXIT_CODE = 3;
export const DEFAULT_VZCTL_OUTPUT = "vzctl failed (injected fault)";

export function validateFaultRule(rule: FaultRule): void {
  const bad = (why: string): never => invalidFaultRule(rule, why);
  checkFaultRuleBasics(rule, { refuseArrays: true });
  switch (rule.type) {
    case "vzctl":
      if (typeof rule.action !== "string") bad("action must be a glob string over create, update, start, stop, restart, delete, reinstall");
      if (!VZCTL_ACTIONS.some((a) => globMatch(rule.action, a))) bad(`action "${rule.action}" matches none of ${VZCTL_ACTIONS.join(", ")}`);
      if (rule.match !== undefined && typeof rule.match !== "string") bad("match must be a glob string");
      if (rule.code !== undefined && (typeof rule.code !== "number" || !Number.isInteger(rule.code) || rule.code < 1 || rule.code > 255)) bad("code must be a whole number from 1 to 255 (an exit code)");
      if (rule.output !== undefined && typeof rule.output !== "string") bad("output must be a string");
      return;
    case "error":
      if (typeof rule.method !== "string") bad("method must be a glob string over <controller>/<action>");
      if (rule.code !== undefined && (typeof rule.code !== "string" || !/^[a-z_.]+$/.test(rule.code))) bad("code must be an error code such as internal_error, object_not_found or access_denied");
      if (rule.details !== undefined && typeof rule.details !== "string") bad("details must be a string");
      return;
    case "delay":
      if (typeof rule.method !== "string") bad("method must be a glob string over <controller>/<action>");
      if (typeof rule.ms !== "number" || !(rule.ms >= 0) || !Number.isFinite(rule.ms)) bad("ms must be a number >= 0");
      return;
    case "drop":
    case "reset-after":
      if (typeof rule.method !== "string") bad("method must be a glob string over <controller>/<action>");
      return;
    default:
      bad("unknown type (expected vzctl, error, delay, drop or reset-after)");
  }
}

export interface TransportFaults {
  delayMs: number;
  drop: boolean;
  resetAfter: boolean;
}

export class FaultInjector extends FaultRuleSet<FaultRule> {
  constructor(random: () => SeededRandom, initial: readonly FaultRule[] = []) {
    super(random, validateFaultRule, initial);
  }

  /** The transport faults of one call (`method` = `<controller>/<action>`), decided as it arrives. */
  forTransport(method: string): TransportFaults {
    const out: TransportFaults = { delayMs: 0, drop: false, resetAfter: false };
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

  /** The error a call is answered with at once, if an `error` rule fires. */
  callError(method: string): PanelError | null {
    for (const rule of this.firing((r) => r.type === "error" && globMatch(r.method, method))) {
      if (rule.type === "error") return new PanelError(rule.code ?? "internal_error", rule.details ?? "injected fault");
    }
    return null;
  }

  /** The exit code and output vzctl fails with for `action` on a container named `hostName`, if a `vzctl` rule fires. */
  vzctlFailure(action: VzctlAction, hostName: string | null): { code: number; output: string } | null {
    const applies = (r: FaultRule) => r.type === "vzctl" && globMatch(r.action, action) && (r.match === undefined || globMatch(r.match, hostName ?? ""));
    for (const rule of this.firing(applies)) {
      if (rule.type === "vzctl") return { code: rule.code ?? DEFAULT_VZCTL_EXIT_CODE, output: rule.output ?? DEFAULT_VZCTL_OUTPUT };
    }
    return null;
  }
}

/** Fault rules from text: one JSON rule or a JSON array of rules, each checked (a TypeError says what is wrong). */
export function parseFaultRules(text: string): FaultRule[] {
  return parseFaultRuleList(text, validateFaultRule);
}
