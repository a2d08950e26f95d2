/**
 * CI progress: one timestamped line per event, nothing redrawn, so a log viewer shows the apply as it
 * went (`2026-11-24T10:00:01Z lab/web-1  BOOT`).
 */
import type { ApplyEvent } from "../../planner/events.js";
import { formatDuration, formatEventTime } from "../../planner/events.js";
import { assertNever } from "../../errors.js";
import type { ProgressOutput, ProgressRenderer } from "./progress-renderer.js";
import { INTERRUPTED_ADVICE, actionName, fields, finishedSentence, outputPairs, pastTense, phaseSentence, retrySentence, stepLabel } from "./progress-text.js";

export class LinesProgress implements ProgressRenderer {
  /** Steps per change, to say `step 2/3` only where a change has several. */
  private readonly steps = new Map<string, number>();

  constructor(private readonly out: ProgressOutput) {}

  emit(event: ApplyEvent): void {
    for (const line of this.lines(event)) this.out.write(`${formatEventTime(event.at)} ${line}\n`);
  }

  close(): void {}

  private lines(event: ApplyEvent): string[] {
    switch (event.type) {
      case "apply-started":
        return [`apply ${event.stack}: ${event.total} ${event.total === 1 ? "change" : "changes"}, up to ${event.parallelism} at a time`];
      case "change-started":
        this.steps.set(event.address, event.steps.length);
        return [fields(event.address, actionName(event.action), event.steps.length > 0 ? `started: ${event.steps.join(" → ")}` : "started")];
      case "change-phase":
        this.steps.set(event.address, event.steps.length);
        return [fields(event.address, "PHASE", phaseSentence(event))];
      case "change-progress":
        return [fields(event.address, event.state, stepLabel(event.step, event.stepIndex, this.steps.get(event.address) ?? 1), event.detail)];
      case "change-done":
        return [fields(event.address, "DONE", `${pastTense(event.action)} in ${formatDuration(event.durationMs)}`, outputPairs(event.outputs, event.id))];
      case "change-failed":
        return [fields(event.address, "FAILED", `${actionName(event.action)} failed after ${formatDuration(event.durationMs)}`, `[${event.code}] ${event.message}`)];
      case "change-skipped":
        return [fields(event.address, "SKIPPED", `${actionName(event.action)} not started: ${event.because}`)];
      case "change-interrupted":
        return [fields(event.address, "INTERRUPTED", `${actionName(event.action)} left after ${formatDuration(event.durationMs)}`, event.state === undefined ? undefined : `last state ${event.state}`)];
      case "poll-retry":
      case "call-retry":
        return [fields("RETRY", retrySentence(event), event.message)];
      case "outputs":
        return [
          ...Object.keys(event.values)
            .sort()
            .map((name) => `output ${name} = ${String(event.values[name])}`),
          ...event.unknown.map((name) => `output ${name}: not known after this apply`),
        ];
      case "apply-finished":
        return [finishedSentence(event), ...(event.interrupted > 0 ? [INTERRUPTED_ADVICE] : [])];
      default:
        return assertNever(event, "apply event");
    }
  }
}
