/**
 * The apply executor: carries a Plan out through a provider.
 *
 * The plan's `dependsOn` already encodes the order of every action (a create after what it uses; the
 * delete of a VM before the delete of the image it used, since destroy order is create order
 * reversed), so the executor builds the change graph from it and walks it with bounded parallelism:
 * a change starts as soon as everything it depends on has finished, not in waves. Each change is one
 * `provider.start` and then one entry in the shared tracker, whose single loop polls every in-flight
 * operation in one call per tick.
 *
 * Before a change alters or deletes an existing object, the object's ownership tag is read from the
 * cloud and must name the plan's stack and the change's address (ownership-check.ts); otherwise the
 * change fails without a call.
 *
 * A failed change skips only its dependents; independent changes go on. An abort stops starting new
 * changes and reports the in-flight ones as interrupted. The executor reports everything through the
 * event sink and the returned ApplyResult, and throws only for programming errors (a cycle in the
 * plan, bad options, a renderer that threw).
 */
import type { DesiredState } from "../resources/desired-state.js";
import { isAttributeRef } from "../resources/desired-state.js";
import { HyperplanError, isHyperplanError } from "../errors.js";
import { systemClock, type Clock } from "../core/clock.js";
import type { Operation } from "../core/operation.js";
import type { ApplyProvider } from "./apply-provider.js";
import type { ApplyEvent, EventSink, OutputValue } from "./events.js";
import { nullSink } from "./events.js";
import { Graph, walkGraph } from "../graph.js";
import type { Plan, ResourceChange } from "../core/plan.js";
import { ownershipProblem, touchesExisting } from "./ownership-check.js";
import type { PollIntervalOptions } from "./tracker.js";
import { OperationTracker } from "./tracker.js";

export type { ApplyProvider } from "./apply-provider.js";

export const DEFAULT_PARALLELISM = 10;

export interface ApplyOptions {
  /** Changes in flight at once. Default: the provider's `defaultParallelism`, else DEFAULT_PARALLELISM (10). */
  parallelism?: number;
  clock?: Clock;
  /** Timeout in ms per resource kind; kinds not listed get `defaultTimeoutMs`. */
  timeouts?: Partial<Record<string, number>>;
  defaultTimeoutMs?: number;
  sink?: EventSink;
  /** Stops starting changes when aborted; in-flight ones end as interrupted. */
  signal?: AbortSignal;
  pollInterval?: Partial<PollIntervalOptions>;
  /** How long polls may fail with transient errors before the operations in flight fail (default 3 minutes). */
  retryTimeoutMs?: number;
  /** Consecutive transient poll failures tolerated before in-flight operations fail (default: no count limit). */
  maxPollFailures?: number;
  /** Which poll errors are transient. Default: the `transient` flag of the error or its causes. */
  isTransient?: (error: unknown) => boolean;
  /** Jitter source for poll retries; default Math.random. */
  random?: () => number;
  /** The stack's desired state: handed to `provider.start`, and the source of the stack's outputs. */
  desired?: DesiredState;
}

export type ChangeOutcome = "done" | "failed" | "skipped" | "interrupted";

/** A change that did not reach its declared state, with the backend's own code and message. */
export interface ApplyFailure {
  address: string;
  code: string;
  message: string;
  error: Error;
}

export interface ChangeResult {
  address: string;
  kind: string;
  action: ResourceChange["action"];
  outcome: ChangeOutcome;
  /** The backend id, when known. */
  id?: string;
  /** What the provider reported when the change finished (an IP, a port). */
  outputs?: Record<string, OutputValue>;
  /** For a failed change. */
  failure?: ApplyFailure;
  /** For a skipped change: why, for a person. */
  because?: string;
  /** The last backend state seen (failed and interrupted changes). */
  state?: string;
  /** From start to end, for changes that started. */
  durationMs?: number;
}

export interface ApplyCounts {
  /** Changes that touch the cloud (no-ops excluded). */
  total: number;
  done: number;
  failed: number;
  skipped: number;
  interrupted: number;
}

export interface ApplyResult {
  stack: string;
  /** One per change that touches the cloud, in plan order. */
  changes: ChangeResult[];
  /** The failures, in plan order. */
  errors: ApplyFailure[];
  /** The stack's outputs whose values are known. */
  outputs: Record<string, OutputValue>;
  /** Names of outputs whose values could not be known. */
  unknownOutputs: string[];
  counts: ApplyCounts;
  durationMs: number;
  /** True when the signal aborted the run. */
  interrupted: boolean;
  /** True when every change is done: what exit status 0 means. */
  ok: boolean;
}

export class ApplyOptionsError extends HyperplanError {
  constructor(summary: string) {
    super("APPLY_OPTIONS", summary);
  }
}

export class DuplicateChangeError extends HyperplanError {
  constructor(address: string) {
    super("DUPLICATE_CHANGE", "the plan has more than one change for this address", { address });
  }
}

/** The provider answered `start` with something that is not an operation for the change. */
export class ProviderContractError extends HyperplanError {
  constructor(address: string, summary: string) {
    super("PROVIDER_CONTRACT", summary, { address });
  }
}

/** A renderer or other sink threw: a programming error, raised once the apply itself is over. */
export class EventSinkError extends HyperplanError {
  constructor(cause: unknown) {
    super("EVENT_SINK", "the progress output failed while the apply ran; the apply itself went on to its end", { cause, detail: cause instanceof Error ? cause.message : String(cause) });
  }
}

/** The code and message a person sees for a failed change: the backend's own where it gave them. */
export function describeFailure(error: unknown): { code: string; message: string } {
  if (isHyperplanError(error)) {
    return { code: error.code, message: error.detail ? `${error.summary}: ${error.detail}` : error.summary };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === "string" || typeof code === "number" ? String(code) : "PROVIDER_ERROR", message: error.message };
  }
  return { code: "PROVIDER_ERROR", message: String(error) };
}

/** A change apply carries out or waits for: every action but noop, and a noop still arriving. */
function isWork(change: ResourceChange): boolean {
  return change.action !== "noop" || change.arriving !== undefined;
}

/** Marks, inside the walk, a change that ended without reaching its state: walkGraph then skips its dependents. */
const NOT_DONE = Symbol("not done");

/** The graph node of the second phase of a two-phase replacement (`finishAfter`). */
export function finishNode(address: string): string {
  return `${address}#finish`;
}

/**
 * Builds the change graph from the plan's own `dependsOn`. A two-phase replacement is two nodes: its
 * address (the new object) and `finishNode(address)` (the old one's delete), which waits for the
 * changes that move its users over.
 */
export function changeGraph(plan: Plan): Graph {
  const graph = new Graph();
  const seen = new Set<string>();
  for (const change of plan.changes) {
    if (seen.has(change.address)) throw new DuplicateChangeError(change.address);
    seen.add(change.address);
    graph.addNode(change.address);
    if (change.finishAfter) graph.addNode(finishNode(change.address));
  }
  for (const change of plan.changes) {
    for (const dependency of change.dependsOn) {
      // A dependency outside the plan is an object the plan does not touch: it is already in place,
      // so there is nothing to wait for. No-ops stay in the graph so that order through them holds.
      if (graph.has(dependency)) graph.addEdge(change.address, dependency);
    }
    if (change.finishAfter) {
      graph.addEdge(finishNode(change.address), change.address);
      for (const user of change.finishAfter) if (graph.has(user)) graph.addEdge(finishNode(change.address), user);
    }
  }
  return graph;
}

export async function applyPlan(plan: Plan, provider: ApplyProvider, options: ApplyOptions = {}): Promise<ApplyResult> {
  const parallelism = options.parallelism ?? provider.defaultParallelism ?? DEFAULT_PARALLELISM;
  if (!Number.isInteger(parallelism) || parallelism < 1) throw new ApplyOptionsError(`parallelism must be a whole number ≥ 1, not ${parallelism}`);
  const clock = options.clock ?? systemClock;
  const signal = options.signal;
  const graph = changeGraph(plan);
  graph.assertAcyclic();
  await provider.begin?.(plan);
  const tracker = new OperationTracker(provider, {
    clock,
    ...(options.pollInterval || provider.pollInterval ? { pollInterval: { ...provider.pollInterval, ...options.pollInterval } } : {}),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    ...(options.defaultTimeoutMs !== undefined ? { defaultTimeoutMs: options.defaultTimeoutMs } : {}),
    ...(options.maxPollFailures !== undefined ? { maxPollFailures: options.maxPollFailures } : {}),
    ...(options.retryTimeoutMs !== undefined ? { retryTimeoutMs: options.retryTimeoutMs } : {}),
    ...(options.isTransient ? { isTransient: options.isTransient } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(signal ? { signal } : {}),
    onProgress: (operation, status) =>
      emit({
        type: "change-progress",
        at: clock.now(),
        address: operation.address,
        state: status.state,
        step: operation.steps[operation.step] ?? `step ${operation.step + 1}`,
        stepIndex: operation.step,
        ...(status.detail === undefined ? {} : { detail: status.detail }),
      }),
    onPollRetry: ({ failures, limit, error, retryInMs, giveUpInMs }) =>
      emit({ type: "poll-retry", at: clock.now(), failures, ...(limit === undefined ? {} : { limit }), message: describeFailure(error).message, retryInMs, giveUpInMs }),
  });

  const sink = options.sink ?? nullSink;
  let sinkError: unknown;
  function emit(event: ApplyEvent): void {
    if (sinkError !== undefined) return;
    try {
      sink.emit(event);
    } catch (error) {
      sinkError = error;
    }
  }

  const changes = new Map(plan.changes.map((c) => [c.address, c]));
  const results = new Map<string, ChangeResult>();
  const toApply = plan.changes.filter(isWork);
  const applyStartedAt = clock.now();
  emit({ type: "apply-started", at: applyStartedAt, stack: plan.stack, total: toApply.length, parallelism });

  const record = (change: ResourceChange, fields: Omit<ChangeResult, "address" | "kind" | "action">): ChangeResult => {
    const result: ChangeResult = { address: change.address, kind: change.kind, action: change.action, ...fields };
    results.set(change.address, result);
    return result;
  };

  const fail = (change: ResourceChange, error: unknown, startedAt: number, state: string | undefined): void => {
    const { code, message } = describeFailure(error);
    const failure: ApplyFailure = { address: change.address, code, message, error: error instanceof Error ? error : new Error(String(error)) };
    const durationMs = clock.now() - startedAt;
    record(change, { outcome: "failed", failure, durationMs, ...(state === undefined ? {} : { state }) });
    emit({ type: "change-failed", at: clock.now(), address: change.address, action: change.action, code, message, durationMs });
  };

  const interrupt = (change: ResourceChange, startedAt: number, state: string | undefined): void => {
    const durationMs = clock.now() - startedAt;
    record(change, { outcome: "interrupted", durationMs, ...(state === undefined ? {} : { state }) });
    emit({ type: "change-interrupted", at: clock.now(), address: change.address, action: change.action, durationMs, ...(state === undefined ? {} : { state }) });
  };

  /** When the first phase of each two-phase replacement started. */
  const firstPhaseStart = new Map<string, number>();

  /**
   * A moved object (its tag rewritten to the new address, after the ownership check read the former
   * one) or an adopted one (the stack's tag written, after the check read none) first, then the rest
   * of its update, if any, as the provider carries updates out.
   */
  const retagThenStart = async (change: ResourceChange, startedAt: number): Promise<Operation> => {
    const importing = change.importId !== undefined;
    if (!provider.retag) {
      throw new ProviderContractError(change.address, importing ? `the plan imports ${change.kind} ${change.importId}, but the provider cannot write an object's tag` : `the plan moves it from ${change.movedFrom}, but the provider cannot rewrite an object's tag`);
    }
    const tag = (address: string) => ({ stack: plan.stack, address, kind: change.kind });
    await provider.retag(change.kind, change.id!, tag(importing ? "" : change.movedFrom!), tag(change.address));
    const step = importing ? "import" : "retag";
    const rest = change.diff.filter((d) => !(d.path === "address" && d.operation === step));
    if (rest.length > 0) return provider.start({ ...change, diff: rest }, options.desired);
    const state = importing ? "IMPORTED" : "MOVED";
    return { address: change.address, kind: change.kind, action: change.action, id: change.id!, steps: [step], step: 1, startedAt, data: {}, finished: { address: change.address, phase: "done", state, id: change.id! } };
  };

  const visit = async (node: string): Promise<void> => {
    const finishing = !changes.has(node);
    const address = finishing ? node.slice(0, -"#finish".length) : node;
    const change = changes.get(address)!;
    if (!isWork(change)) return;
    if (signal?.aborted) {
      skip(change, "the apply was interrupted");
      throw NOT_DONE;
    }
    const startedAt = finishing ? (firstPhaseStart.get(address) ?? clock.now()) : clock.now();
    const phase = change.finishAfter ? (finishing ? "finish" : "create") : undefined;
    let operation: Operation | undefined;
    try {
      // The object must carry the stack's tag for this address, read from it now, whatever the plan says.
      if (touchesExisting(change)) {
        const problem = ownershipProblem(plan.stack, change, await provider.readOwnership(change.kind, change.id!));
        if (problem) throw problem;
      }
      const retagged = (change.movedFrom !== undefined || change.importId !== undefined) && change.action === "update";
      operation = retagged ? await retagThenStart(change, startedAt) : await provider.start(phase ? { ...change, phase } : change, options.desired);
    } catch (error) {
      fail(change, error, startedAt, undefined);
      throw NOT_DONE;
    }
    if (operation?.address !== address || !Array.isArray(operation.steps)) {
      // The tracker and every event key on the address; an operation for another one would report
      // this change's progress under a wrong name.
      const got = operation?.address === undefined ? "no operation" : `an operation for ${operation.address}`;
      fail(change, new ProviderContractError(address, `the provider's start returned ${got}${Array.isArray(operation?.steps) ? "" : " without steps"}`), startedAt, undefined);
      throw NOT_DONE;
    }
    if (phase === "finish") emit({ type: "change-phase", at: clock.now(), address, phase: 2, of: 2, after: [...(change.finishAfter ?? [])], steps: [...operation.steps] });
    else emit({ type: "change-started", at: clock.now(), address, kind: change.kind, action: change.action, steps: [...operation.steps] });
    if (signal?.aborted) {
      interrupt(change, startedAt, undefined);
      throw NOT_DONE;
    }
    const outcome: Awaited<ReturnType<OperationTracker["track"]>> = operation.finished
      ? { phase: "done", state: operation.finished.state, outputs: operation.finished.outputs ?? {}, ...(operation.finished.id === undefined ? {} : { id: operation.finished.id }) }
      : await tracker.track(operation, startedAt);
    switch (outcome.phase) {
      case "done": {
        if (phase === "create") {
          // The new object is in place; the change is done when its second phase is.
          firstPhaseStart.set(address, startedAt);
          return;
        }
        const durationMs = clock.now() - startedAt;
        record(change, { outcome: "done", outputs: outcome.outputs, durationMs, ...(outcome.id === undefined ? {} : { id: outcome.id }) });
        emit({
          type: "change-done",
          at: clock.now(),
          address,
          action: change.action,
          outputs: outcome.outputs,
          durationMs,
          ...(outcome.id === undefined ? {} : { id: outcome.id }),
        });
        return;
      }
      case "failed":
        fail(change, outcome.error, startedAt, outcome.state);
        throw NOT_DONE;
      case "interrupted":
        interrupt(change, startedAt, outcome.state);
        throw NOT_DONE;
    }
  };

  const skip = (change: ResourceChange, because: string): void => {
    record(change, { outcome: "skipped", because });
    emit({ type: "change-skipped", at: clock.now(), address: change.address, action: change.action, because });
  };

  try {
    await walkGraph(graph, visit, {
      concurrency: parallelism,
      onSkip: (node, rootNode) => {
        const finishing = !changes.has(node);
        const change = changes.get(finishing ? node.slice(0, -"#finish".length) : node)!;
        if (!isWork(change) || results.has(change.address)) return;
        const root = changes.has(rootNode) ? rootNode : rootNode.slice(0, -"#finish".length);
        const rootOutcome = results.get(root)?.outcome;
        const cause = rootOutcome === "interrupted" ? `${root} was interrupted` : rootOutcome === "skipped" || rootOutcome === undefined ? "the apply was interrupted" : `${root} failed`;
        skip(change, finishing ? `${cause}: the new object exists, the old one is kept until its users have moved` : cause);
      },
    });
  } finally {
    tracker.dispose();
  }

  const ordered = toApply.map((c) => results.get(c.address)!);
  const counts: ApplyCounts = { total: ordered.length, done: 0, failed: 0, skipped: 0, interrupted: 0 };
  for (const r of ordered) counts[r.outcome]++;
  const { values, unknown } = stackOutputs(options.desired, changes, results);
  if (options.desired && Object.keys(options.desired.outputs).length > 0) emit({ type: "outputs", at: clock.now(), values, unknown });
  const durationMs = clock.now() - applyStartedAt;
  emit({ type: "apply-finished", at: clock.now(), done: counts.done, failed: counts.failed, skipped: counts.skipped, interrupted: counts.interrupted, durationMs });
  if (sinkError !== undefined) throw new EventSinkError(sinkError);
  return {
    stack: plan.stack,
    changes: ordered,
    errors: ordered.flatMap((r) => (r.failure ? [r.failure] : [])),
    outputs: values,
    unknownOutputs: unknown,
    counts,
    durationMs,
    interrupted: signal?.aborted === true,
    ok: counts.done === counts.total,
  };
}

/** Resolves the stack's declared outputs against what the apply produced and what it left untouched. */
function stackOutputs(
  desired: DesiredState | undefined,
  changes: Map<string, ResourceChange>,
  results: Map<string, ChangeResult>,
): { values: Record<string, OutputValue>; unknown: string[] } {
  const values: Record<string, OutputValue> = {};
  const unknown: string[] = [];
  if (!desired) return { values, unknown };
  for (const name of Object.keys(desired.outputs).sort()) {
    const value = desired.outputs[name]!.value;
    if (!isAttributeRef(value)) {
      values[name] = value;
      continue;
    }
    const resolved = attributeAfterApply(value.attr, changes.get(value.ref), results.get(value.ref));
    if (resolved === undefined) unknown.push(name);
    else values[name] = resolved;
  }
  return { values, unknown };
}

function attributeAfterApply(attr: string, change: ResourceChange | undefined, result: ChangeResult | undefined): OutputValue | undefined {
  if (!change) return undefined;
  const before = (): OutputValue | undefined => {
    if (attr === "id" && change.id !== undefined) return change.id;
    const v = change.values?.[attr] ?? change.before?.[attr];
    return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : undefined;
  };
  if (change.action === "noop") return before();
  if (result?.outcome !== "done") return undefined;
  const reported = result.outputs?.[attr] ?? (attr === "id" ? result.id : undefined);
  if (reported !== undefined) return reported;
  // An update keeps the object: an attribute it did not touch still has the value read before it.
  if (change.action === "update" && !change.diff.some((d) => d.path === attr || d.path.startsWith(`${attr}.`) || d.path.startsWith(`${attr}[`))) {
    return before();
  }
  return undefined;
}
