/**
 * `--json` progress: one JSON object per event per line (NDJSON), the event's fields as the executor
 * emitted them, with `at` as an ISO 8601 time. Written as each event comes, so a consumer can follow
 * an apply live.
 */
import type { ApplyEvent } from "../../planner/events.js";
import type { ProgressOutput, ProgressRenderer } from "./progress-renderer.js";

export class JsonProgress implements ProgressRenderer {
  constructor(private readonly out: ProgressOutput) {}

  emit(event: ApplyEvent): void {
    this.out.write(`${JSON.stringify({ ...event, at: new Date(event.at).toISOString() })}\n`);
  }

  close(): void {}
}
