/**
 * What a plan does to one resource. A closed union: every switch over it ends in `assertNever`.
 */
import { assertNever } from "../errors.js";

export const ACTIONS = ["create", "update", "replace", "delete", "noop"] as const;
export type Action = (typeof ACTIONS)[number];

/** How an attribute change can be carried out, from least to most disruptive. */
export const IMPACTS = ["in-place", "in-place-with-power-cycle", "replace"] as const;
export type Impact = (typeof IMPACTS)[number];

/** The order of a replacement, and where that order came from. */
export type ReplaceOrder = "create-before-destroy" | "delete-before-create";
export type ReplaceOrderSource = "kind-default" | "user" | "dependency";

export function isAction(value: unknown): value is Action {
  return typeof value === "string" && (ACTIONS as readonly string[]).includes(value);
}

export function isReplace(action: Action): boolean {
  return action === "replace";
}

/** True for actions that change the cloud. */
export function isChange(action: Action): boolean {
  switch (action) {
    case "create":
    case "update":
    case "replace":
    case "delete":
      return true;
    case "noop":
      return false;
    default:
      return assertNever(action, "action");
  }
}

/** The worse of two impacts (Pulumi's worst-of rule: a resource's action is its worst attribute). */
export function worstImpact(a: Impact, b: Impact): Impact {
  return IMPACTS.indexOf(a) >= IMPACTS.indexOf(b) ? a : b;
}

/** The symbol renderers put before a change, as Terraform users know them. */
export function actionSymbol(action: Action): string {
  switch (action) {
    case "create":
      return "+";
    case "update":
      return "~";
    case "replace":
      return "-/+";
    case "delete":
      return "-";
    case "noop":
      return " ";
    default:
      return assertNever(action, "action");
  }
}
