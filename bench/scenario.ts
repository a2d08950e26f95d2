/**
 * What a benchmark scenario is: a name, the parameters it ran with and the figures it measured.
 * `npm run bench` runs every scenario in one process with fixed seeds and prints a table;
 * `-- --json` prints one JSON document `{ machine, scenarios: [{ name, params, metrics }] }`.
 */
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
