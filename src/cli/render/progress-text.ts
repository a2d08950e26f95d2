/**
 * Wording the three progress views share, so the TTY view, the CI lines and a person reading either
 * see the same sentences for the same events.
 */
import type { ApplyFinishedEvent, CallRetryEvent, ChangePhaseEvent, OutputValue, PollRetryEvent } from "../../planner/events.js";
import { formatDuration } from "../../planner/events.js";
import type { Action } from "../../core/action.js";
import { assertNever } from "../../errors.js";

/** How a change is named in progress lines: its action, or `arrival` for a kept object apply waits for. */
export function actionName(action: Action): string {
  return action === "noop" ? "arrival" : action;
}

/** `created`, `updated` …: what a finished change did. */
export function pastTense(action: Action): string {
  switch (action) {
    case "create":
      return "created";
    case "update":
      return "updated";
    case "replace":
      return "replaced";
    case "delete":
      return "deleted";
    case "noop":
      return "arrived";
    default:
      return assertNever(action, "action");
  }
}

/** `apply finished in 42s: 3 done, 1 failed, 1 skipped` (interrupted only when there were any). */
export function finishedSentence(event: ApplyFinishedEvent): string {
  const parts = [`${event.done} done`, `${event.failed} failed`, `${event.skipped} skipped`];
  if (event.interrupted > 0) parts.push(`${event.interrupted} interrupted`);
  return `apply finished in ${formatDuration(event.durationMs)}: ${parts.join(", ")}`;
}

/** `id=42 ip=10.0.0.5`: a change's id and outputs, keys sorted, id first. */
export function outputPairs(outputs: Record<string, OutputValue>, id?: string): string {
  const pairs = Object.keys(outputs)
    .filter((k) => k !== "id")
    .sort()
    .map((k) => `${k}=${String(outputs[k])}`);
  const shownId = id ?? (outputs.id === undefined ? undefined : String(outputs.id));
  return [...(shownId === undefined ? [] : [`id=${shownId}`]), ...pairs].join(" ");
}

/** `step 2/3 resize memory`, for changes of more than one step; empty otherwise. */
export function stepLabel(step: string, stepIndex: number, steps: number): string {
  return steps > 1 ? `step ${stepIndex + 1}/${steps} ${step}` : "";
}

/** Joins the non-empty fields of a line with two spaces, the column gap of every progress view. */
export function fields(...parts: (string | undefined)[]): string {
  return parts.filter((p): p is string => p !== undefined && p !== "").join("  ");
}

/** Said after an interrupted apply: the cloud kept working on what had started. */
export const INTERRUPTED_ADVICE = "interrupted changes may have left objects part-way; run plan again to see where they stand";

/** What is being retried and for how long: the same words in every view (the TTY view, CI lines, plan's stderr). */
export function retrySentence(event: Pick<PollRetryEvent, "type" | "failures" | "limit" | "retryInMs" | "giveUpInMs"> | Omit<CallRetryEvent, "at" | "message">): string {
  const when = `retrying in ${formatDuration(event.retryInMs)}, giving up in ${formatDuration(Math.max(0, event.giveUpInMs))}`;
  if (event.type === "poll-retry") return `poll failed (${event.failures}${event.limit === undefined ? " in a row" : `/${event.limit}`}), ${when}`;
  return `${event.address === undefined ? "" : `${event.address}: `}${event.call} failed (attempt ${event.attempt}), ${when}`;
}

/** `phase 2/2: lab/web-1 moved to the new object; the old one goes: delete → wait deleted` */
export function phaseSentence(event: ChangePhaseEvent): string {
  const moved = event.after.length > 0 ? `${event.after.join(", ")} moved to the new object; ` : "";
  return `phase ${event.phase}/${event.of}: ${moved}the old one goes: ${event.steps.join(" → ")}`;
}
