import { describe, expect, it } from "vitest";
import { formatTable, runBenchmarks, SCENARIOS } from "../../bench/benchmarks";

// Benchmarks are not part of the test suite; this smoke run with tiny sizes keeps their code from rotting.
describe("benchmark smoke run", () => {
  it("runs every scenario at tiny sizes and reports its figures", async () => {
    const results = await runBenchmarks({ smoke: true });
    expect(new Set(results.map((r) => r.name))).toEqual(new Set(SCENARIOS.map((s) => s.name)));
    for (const r of results) expect(Object.keys(r.metrics).length).toBeGreaterThan(0);
    const poolRead = results.find((r) => r.name === "pool-read")!;
    expect(poolRead.metrics.ownedRecords).toBe(poolRead.metrics.baselineOwnedRecords);
    // Both ways of planning find exactly the drift the scenario made.
    for (const plan of results.filter((r) => r.name === "plan-scale")) {
      expect(plan.metrics.updatesFound).toBe(plan.metrics.driftedVms);
      expect(plan.metrics.baselineUpdatesFound).toBe(plan.metrics.driftedVms);
    }
    expect(formatTable(results)).toContain("pool-read");
  }, 120_000);
});
