/**
 * What a benchmark scenario is: a name, the parameters it ran with and the figures it measured.
 * `npm run bench` runs every scenario in one process with fixed seeds and prints a table;
 * `-- --json` prints one JSON document `{ machine, scenarios: [{ name, params, metrics }] }`.
 */
import v8 from "node:v8";
import vm from "node:vm";

// A full collection on demand, without starting node with --expose-gc.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

/**
 * Collects the garbage earlier runs left: one `hyperplan plan` is a process of its own and never
 * carries another plan's heap, so neither should a measured run.
 */
export function collectGarbage(): void {
  gc();
}

export type Metrics = Record<string, number | string | Record<string, number>>;

export interface ScenarioResult {
  name: string;
  params: Record<string, number | string | boolean>;
  metrics: Metrics;
}

export interface ScenarioOptions {
  /** Tiny sizes: proves the scenario still runs (the test suite's smoke run). */
  smoke: boolean;
}

export interface Scenario {
  name: string;
  /** What it measures, in one line, for the table. */
  summary: string;
  run(options: ScenarioOptions): Promise<ScenarioResult[]>;
}

/** Wall-clock milliseconds of `fn`. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * Runs `fn` `runs` times and reports the median wall time, every run's time and the median run's
 * value: one run of a few seconds on a 2-core machine can be a garbage collection away from the next.
 */
export async function medianOf<T>(runs: number, fn: () => Promise<T>): Promise<{ ms: number; value: T; runsMs: number[] }> {
  const results: { ms: number; value: T }[] = [];
  for (let i = 0; i < runs; i++) {
    collectGarbage();
    results.push(await timed(fn));
  }
  const sorted = [...results].sort((a, b) => a.ms - b.ms);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return { ms: median.ms, value: median.value, runsMs: results.map((r) => round(r.ms, 0)) };
}

/** A bound on an apply's wall time: the longest chain of latencies, or the total work over the parallelism. */
export interface ApplyBound {
  criticalPathMs: number;
  totalWorkMs: number;
  boundMs: number;
}

/**
 * An apply's wall time against its bound from the latencies it measured and against the one from the
 * configured latencies (`model`: nothing the client adds counts): the figures every apply scenario reports.
 */
export function boundMetrics(wallMs: number, bound: ApplyBound, model: ApplyBound): Record<string, number> {
  return {
    wallMs: round(wallMs, 0),
    criticalPathMs: round(bound.criticalPathMs, 0),
    totalWorkMs: round(bound.totalWorkMs, 0),
    boundMs: round(bound.boundMs, 0),
    efficiency: round(bound.boundMs / wallMs, 2),
    modelCriticalPathMs: round(model.criticalPathMs, 0),
    modelTotalWorkMs: round(model.totalWorkMs, 0),
    modelBoundMs: round(model.boundMs, 0),
    modelEfficiency: round(model.boundMs / wallMs, 2),
  };
}
