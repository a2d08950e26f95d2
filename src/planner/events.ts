/**
 * The apply event stream. The executor and the tracker emit these typed events to an `EventSink` and
 * never write to a terminal; the TTY view, the CI lines and the NDJSON output are three renderers of
 * this one stream.
 *
 * Every event carries `at`, milliseconds since the epoch read from the apply's injected Clock, so a
 * run on a fake clock renders the same bytes every time.
 */
import type { Action } from "../core/action.js";
import type { CallRetry } from "../core/retry.js";

/** A value a change or a stack publishes after apply (an IP, an id, a port). */
export type OutputValue = string | number | boolean;

export interface ApplyStartedEvent {
  type: "apply-started";
  at: number;
  stack: string;
  /** Changes that will touch the cloud (no-ops are not counted). */
  total: number;
  parallelism: number;
}

export interface ChangeStartedEvent {
  type: "change-started";
  at: number;
  address: string;
  kind: string;
  action: Action;
  /** The provider's names for the steps of this change (`allocate`, `wait RUNNING` …). */
  steps: string[];
}

/**
 * The second phase of a two-phase replacement starts: the new object is in place and its users have
 * moved to it, so the old object is deleted now (and the new one given its name).
 */
export interface ChangePhaseEvent {
  type: "change-phase";
  at: number;
  address: string;
  /** `2/2`: which phase of how many. */
  phase: number;
  of: number;
  /** The users that moved over before this phase. */
  after: string[];
  /** The provider's names for this phase's steps. */
  steps: string[];
}

/** The backend state of an in-flight change moved (state, step or detail differ from the last event). */
export interface ChangeProgressEvent {
  type: "change-progress";
  at: number;
  address: string;
  /** The backend's own state name (`PENDING`, `BOOT`, `LOCKED`). */
  state: string;
  /** The name of the step in progress. */
  step: string;
  stepIndex: number;
  /** What the backend says about it, e.g. the scheduler's reason a VM is still pending. */
  detail?: string;
}

export interface ChangeDoneEvent {
  type: "change-done";
  at: number;
  address: string;
  action: Action;
  /** The backend id of the object, when the provider reported one. */
  id?: string;
  outputs: Record<string, OutputValue>;
  durationMs: number;
}

export interface ChangeFailedEvent {
  type: "change-failed";
  at: number;
  address: string;
  action: Action;
  /** The error code: the backend's own when it gave one, else hyperplan's. */
  code: string;
  /** The backend's own message, verbatim where there is one. */
  message: string;
  durationMs: number;
}

export interface ChangeSkippedEvent {
  type: "change-skipped";
  at: number;
  address: string;
  action: Action;
  /** Why, for a person: `lab/img failed`, `the apply was interrupted`. */
  because: string;
}

/** A change that had started when the apply was interrupted: its object may be half way. */
export interface ChangeInterruptedEvent {
  type: "change-interrupted";
  at: number;
  address: string;
  action: Action;
  /** The last backend state seen, when one was. */
  state?: string;
  durationMs: number;
}

/** A poll of the in-flight operations failed with a transient error and will be retried. */
export interface PollRetryEvent {
  type: "poll-retry";
  at: number;
  /** Consecutive failed polls so far. */
  failures: number;
  /** Consecutive failures after which the in-flight operations fail, when the count is limited. */
  limit?: number;
  message: string;
  retryInMs: number;
  /** How long polls may go on failing before the operations in flight fail. */
  giveUpInMs: number;
}

/** A call failed on a lost or busy cloud (refused, reset, a 5xx, INTERNAL, LOCKED) and will be sent again. */
export interface CallRetryEvent extends CallRetry {
  type: "call-retry";
  at: number;
}

export interface OutputsEvent {
  type: "outputs";
  at: number;
  values: Record<string, OutputValue>;
  /** Outputs whose value could not be known (their resource failed, or the backend did not report it). */
  unknown: string[];
}

export interface ApplyFinishedEvent {
  type: "apply-finished";
  at: number;
  done: number;
  failed: number;
  skipped: number;
  interrupted: number;
  durationMs: number;
}

export type ApplyEvent =
  | ApplyStartedEvent
  | ChangeStartedEvent
  | ChangePhaseEvent
  | ChangeProgressEvent
  | ChangeDoneEvent
  | ChangeFailedEvent
  | ChangeSkippedEvent
  | ChangeInterruptedEvent
  | PollRetryEvent
  | CallRetryEvent
  | OutputsEvent
  | ApplyFinishedEvent;

export type ApplyEventType = ApplyEvent["type"];

/** Where the core sends its events. Renderers, recorders and tees implement it. */
export interface EventSink {
  emit(event: ApplyEvent): void;
}

/** A sink that drops everything (an apply run for its result only). */
export const nullSink: EventSink = { emit: () => {} };

/** Sends each event to every sink, in order. */
export function teeSink(...sinks: EventSink[]): EventSink {
  return { emit: (event) => sinks.forEach((sink) => sink.emit(event)) };
}

/** A sink that keeps every event (tests, and replaying a run into several renderers). */
export class RecordingSink implements EventSink {
  readonly events: ApplyEvent[] = [];
  emit(event: ApplyEvent): void {
    this.events.push(event);
  }
  ofType<T extends ApplyEventType>(type: T): Extract<ApplyEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<ApplyEvent, { type: T }> => e.type === type);
  }
}

/** `2026-11-24T10:00:01Z`: an event time as CI lines print it (second precision, UTC). */
export function formatEventTime(at: number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `850ms`, `12s`, `1m05s`, `2h03m`: a duration as progress views print it. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}
