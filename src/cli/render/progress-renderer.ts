/**
 * The one interface of the apply progress views, and the choice between them.
 *
 * All three views render the same event stream from the executor: a live TTY view, one timestamped
 * line per event for CI logs, and NDJSON for machines. The command picks one from its options (is
 * stdout a terminal, was `--json` given); the core never looks at the terminal.
 */
import type { Clock } from "../../core/clock.js";
import type { EventSink } from "../../planner/events.js";
import { JsonProgress } from "./progress-json.js";
import { LinesProgress } from "./progress-lines.js";
import type { RefreshTimer } from "./progress-tty.js";
import { TtyProgress } from "./progress-tty.js";

export interface ProgressRenderer extends EventSink {
  /** Writes whatever is still buffered and stops any refresh timer. Safe to call twice. */
  close(): void;
}

/** Where a view writes. */
export interface ProgressOutput {
  write(text: string): unknown;
}

export type ProgressMode = "tty" | "lines" | "json";

/** `--json` wins; otherwise a terminal gets the live view and anything else (CI, a pipe) gets lines. */
export function chooseProgressMode(options: { json?: boolean; isTTY?: boolean; env?: Record<string, string | undefined> }): ProgressMode {
  if (options.json) return "json";
  // A terminal that cannot move its cursor shows the live view as garbage; give it lines.
  if (options.isTTY && options.env?.TERM !== "dumb") return "tty";
  return "lines";
}

export interface ProgressRendererOptions {
  out: ProgressOutput;
  clock: Clock;
  /** TTY only: ANSI colours. Default true. */
  color?: boolean;
  /** TTY only: the terminal width; longer lines are cut so the redraw stays aligned. */
  columns?: number;
  /** TTY only: the timer that redraws elapsed times between events; false for none. */
  refresh?: RefreshTimer | false;
}

export function createProgressRenderer(mode: ProgressMode, options: ProgressRendererOptions): ProgressRenderer {
  switch (mode) {
    case "json":
      return new JsonProgress(options.out);
    case "lines":
      return new LinesProgress(options.out);
    case "tty":
      return new TtyProgress({
        out: options.out,
        clock: options.clock,
        ...(options.color === undefined ? {} : { color: options.color }),
        ...(options.columns === undefined ? {} : { columns: options.columns }),
        ...(options.refresh === undefined ? {} : { refresh: options.refresh }),
      });
  }
}
