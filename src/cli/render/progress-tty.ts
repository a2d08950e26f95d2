/**
 * The live terminal view of an apply. Finished changes scroll up as permanent lines; below them a
 * block is redrawn in place with ANSI cursor moves: an overall bar with the running, waiting, done,
 * failed and skipped counts, then each running object with its backend state and elapsed time
 * (`lab/web-1  BOOT  12s`). Redraws happen at most every `minRedrawMs` (10 a second by default);
 * events in between are folded into the next one. At the end the block is replaced by a summary that
 * repeats the failures, so they need no scrolling back to find.
 */
import type { Clock } from "../../core/clock.js";
import type { Action } from "../../core/action.js";
import type { ApplyEvent, OutputsEvent } from "../../planner/events.js";
import { formatDuration } from "../../planner/events.js";
import { assertNever } from "../../errors.js";
import type { ProgressOutput, ProgressRenderer } from "./progress-renderer.js";
import { INTERRUPTED_ADVICE, actionName, fields, retrySentence, finishedSentence, outputPairs, pastTense, phaseSentence, stepLabel } from "./progress-text.js";

/** A repeating timer; the default is the process's own, unref'd so it never keeps Node alive. */
export interface RefreshTimer {
  start(callback: () => void, everyMs: number): () => void;
}

export const processRefreshTimer: RefreshTimer = {
  start(callback, everyMs) {
    const handle = setInterval(callback, everyMs);
    handle.unref?.();
    return () => clearInterval(handle);
  },
};

export interface TtyProgressOptions {
  out: ProgressOutput;
  clock: Clock;
  color?: boolean;
  /** Terminal width: lines are cut to fit so that a wrapped line never throws the cursor moves off. */
  columns?: number;
  /** Running objects listed at most; the rest are counted on one line. Default 15. */
  maxRunningRows?: number;
  /** Least time between two redraws. Default 100 ms. */
  minRedrawMs?: number;
  /** Redraws elapsed times while no event comes; false for none (tests call `refresh()`). */
  refresh?: RefreshTimer | false;
}

const ESC = "\x1b[";
const PAINT = { green: "32", red: "31", yellow: "33", magenta: "35", cyan: "36", dim: "2" } as const;
const BAR_WIDTH = 24;

interface Running {
  action: Action;
  startedAt: number;
  steps: number;
  state?: string;
  step?: string;
  stepIndex: number;
  detail?: string;
}

export class TtyProgress implements ProgressRenderer {
  private readonly out: ProgressOutput;
  private readonly clock: Clock;
  private readonly color: boolean;
  private readonly columns: number | undefined;
  private readonly maxRunningRows: number;
  private readonly minRedrawMs: number;
  private readonly stopTimer: (() => void) | undefined;

  private stack = "";
  private total = 0;
  private startedAt: number | undefined;
  private readonly running = new Map<string, Running>();
  private readonly counts = { done: 0, failed: 0, skipped: 0, interrupted: 0 };
  private readonly failures: string[] = [];
  private outputs: OutputsEvent | undefined;
  /** Permanent lines waiting for the next redraw. */
  private pending: string[] = [];
  private blockLines = 0;
  private lastDrawAt = Number.NEGATIVE_INFINITY;
  private dirty = false;
  private closed = false;

  constructor(options: TtyProgressOptions) {
    this.out = options.out;
    this.clock = options.clock;
    this.color = options.color ?? true;
    this.columns = options.columns;
    this.maxRunningRows = options.maxRunningRows ?? 15;
    this.minRedrawMs = options.minRedrawMs ?? 100;
    const timer = options.refresh === undefined ? processRefreshTimer : options.refresh;
    this.stopTimer = timer === false ? undefined : timer.start(() => this.refresh(), this.minRedrawMs);
  }

  emit(event: ApplyEvent): void {
    if (this.closed) return;
    switch (event.type) {
      case "apply-started":
        this.stack = event.stack;
        this.total = event.total;
        this.startedAt = event.at;
        this.pending.push(`Applying ${event.stack}: ${event.total} ${event.total === 1 ? "change" : "changes"}, up to ${event.parallelism} at a time`);
        break;
      case "change-started":
        this.running.set(event.address, { action: event.action, startedAt: event.at, steps: event.steps.length, stepIndex: 0, ...(event.steps[0] ? { step: event.steps[0] } : {}) });
        break;
      case "change-phase": {
        const r = this.running.get(event.address);
        if (r) {
          r.steps = event.steps.length;
          r.stepIndex = 0;
          if (event.steps[0]) r.step = event.steps[0];
        }
        this.pending.push(this.paint("yellow", "~") + " " + fields(event.address, phaseSentence(event)));
        break;
      }
      case "change-progress": {
        const r = this.running.get(event.address);
        if (r) {
          r.state = event.state;
          r.step = event.step;
          r.stepIndex = event.stepIndex;
          if (event.detail === undefined) delete r.detail;
          else r.detail = event.detail;
        }
        break;
      }
      case "change-done":
        this.running.delete(event.address);
        this.counts.done++;
        this.pending.push(this.paint("green", "✓") + " " + fields(event.address, `${pastTense(event.action)} in ${formatDuration(event.durationMs)}`, outputPairs(event.outputs, event.id)));
        break;
      case "change-failed": {
        this.running.delete(event.address);
        this.counts.failed++;
        const text = fields(event.address, `[${event.code}] ${event.message}`);
        this.failures.push(text);
        this.pending.push(this.paint("red", "✗") + " " + fields(event.address, `${actionName(event.action)} failed after ${formatDuration(event.durationMs)}`, `[${event.code}] ${event.message}`));
        break;
      }
      case "change-skipped":
        this.counts.skipped++;
        this.pending.push(this.paint("yellow", "-") + " " + fields(event.address, `skipped: ${event.because}`));
        break;
      case "change-interrupted":
        this.running.delete(event.address);
        this.counts.interrupted++;
        this.pending.push(this.paint("magenta", "!") + " " + fields(event.address, `interrupted after ${formatDuration(event.durationMs)}`, event.state === undefined ? undefined : `last state ${event.state}`));
        break;
      case "poll-retry":
      case "call-retry":
        this.pending.push(this.paint("yellow", "~") + " " + fields(retrySentence(event), event.message));
        break;
      case "outputs":
        this.outputs = event;
        break;
      case "apply-finished":
        this.finish(event);
        return;
      default:
        assertNever(event, "apply event");
    }
    this.dirty = true;
    if (this.clock.now() - this.lastDrawAt >= this.minRedrawMs) this.draw();
  }

  /**
   * Redraws when events are waiting, or when a second has passed so the elapsed times move. Called
   * by the refresh timer; tests call it directly.
   */
  refresh(): void {
    if (this.closed || this.startedAt === undefined) return;
    const now = this.clock.now();
    if (now - this.lastDrawAt < this.minRedrawMs) return;
    const secondTurned = Math.floor(now / 1000) !== Math.floor(this.lastDrawAt / 1000);
    if (this.dirty || (secondTurned && this.running.size > 0)) this.draw();
  }

  close(): void {
    if (this.closed) return;
    if (this.dirty) this.draw();
    this.closed = true;
    this.stopTimer?.();
  }

  private draw(): void {
    const block = this.block();
    this.out.write(this.erase() + this.pending.map((l) => `${this.fit(l)}\n`).join("") + block.map((l) => `${this.fit(l)}\n`).join(""));
    this.pending = [];
    this.blockLines = block.length;
    this.lastDrawAt = this.clock.now();
    this.dirty = false;
  }

  /** Moves to the first line of the drawn block and clears from there down. */
  private erase(): string {
    return this.blockLines > 0 ? `${ESC}${this.blockLines}A\r${ESC}J` : "";
  }

  private block(): string[] {
    const now = this.clock.now();
    const c = this.counts;
    const finished = c.done + c.failed + c.skipped + c.interrupted;
    const waiting = Math.max(0, this.total - finished - this.running.size);
    const filled = this.total === 0 ? BAR_WIDTH : Math.round((finished / this.total) * BAR_WIDTH);
    const bar = `[${this.paint("green", "#".repeat(filled))}${"-".repeat(BAR_WIDTH - filled)}]`;
    const counts = [
      `running ${this.running.size}`,
      `waiting ${waiting}`,
      `done ${c.done}`,
      c.failed > 0 ? this.paint("red", `failed ${c.failed}`) : `failed 0`,
      `skipped ${c.skipped}`,
    ].join("  ");
    const lines = [`${bar} ${finished}/${this.total}  ${counts}  ${elapsed(now - (this.startedAt ?? now))}`];
    const rows = [...this.running.entries()];
    const shown = rows.slice(0, this.maxRunningRows);
    const width = Math.min(40, Math.max(0, ...shown.map(([a]) => a.length)));
    const stateWidth = Math.max(0, ...shown.map(([, r]) => (r.state ?? r.step ?? "").length));
    for (const [address, r] of shown) {
      const state = r.state ?? r.step ?? "starting";
      lines.push(
        "  " +
          fields(
            address.padEnd(width),
            this.paint("cyan", state.padEnd(stateWidth)),
            elapsed(now - r.startedAt).padStart(5),
            stepLabel(r.step ?? "", r.stepIndex, r.steps),
            r.detail === undefined ? undefined : this.paint("dim", r.detail),
          ),
      );
    }
    if (rows.length > shown.length) lines.push(`  … and ${rows.length - shown.length} more running`);
    return lines;
  }

  private finish(event: Extract<ApplyEvent, { type: "apply-finished" }>): void {
    const summary: string[] = [];
    const sentence = finishedSentence(event);
    summary.push(this.paint(event.failed > 0 || event.interrupted > 0 ? "red" : "green", sentence.charAt(0).toUpperCase() + sentence.slice(1)));
    if (event.interrupted > 0) summary.push(INTERRUPTED_ADVICE.charAt(0).toUpperCase() + INTERRUPTED_ADVICE.slice(1) + ".");
    if (this.failures.length > 0) {
      summary.push("Failed:");
      for (const f of this.failures) summary.push(`  ${f}`);
    }
    if (this.outputs && (Object.keys(this.outputs.values).length > 0 || this.outputs.unknown.length > 0)) {
      summary.push("Outputs:");
      for (const name of Object.keys(this.outputs.values).sort()) summary.push(`  ${name} = ${String(this.outputs.values[name])}`);
      for (const name of this.outputs.unknown) summary.push(`  ${name}: not known after this apply`);
    }
    this.out.write(this.erase() + [...this.pending, ...summary].map((l) => `${this.fit(l)}\n`).join(""));
    this.pending = [];
    this.blockLines = 0;
    this.dirty = false;
    this.closed = true;
    this.stopTimer?.();
  }

  private paint(color: keyof typeof PAINT, text: string): string {
    return this.color && text !== "" ? `${ESC}${PAINT[color]}m${text}${ESC}0m` : text;
  }

  /** Cuts a line to the terminal width, counting only printed characters (not colour codes). */
  private fit(line: string): string {
    if (this.columns === undefined) return line;
    // One column spare: writing into the last column makes some terminals wrap early.
    const max = Math.max(1, this.columns - 1);
    if ([...line.replace(COLOR_CODE, "")].length <= max) return line;
    let visible = 0;
    let out = "";
    for (const part of line.split(COLOR_SPLIT)) {
      if (COLOR_CODE_ONE.test(part)) {
        out += part;
        continue;
      }
      for (const ch of part) {
        if (visible === max - 1) return `${out}…${this.color ? `${ESC}0m` : ""}`;
        out += ch;
        visible++;
      }
    }
    return out;
  }
}

const COLOR_CODE = /\x1b\[[0-9;]*m/g;
const COLOR_CODE_ONE = /^\x1b\[[0-9;]*m$/;
const COLOR_SPLIT = /(\x1b\[[0-9;]*m)/;

/** `12s`, `1m05s`: elapsed time of a running object, whole seconds. */
function elapsed(ms: number): string {
  return ms < 60_000 ? `${Math.floor(Math.max(0, ms) / 1000)}s` : formatDuration(ms);
}
