/**
 * A fixed latency on every call, given at start: the `delay` fault rule on the method glob `*`
 * (SPEC.md "Faults"), as the benchmarks charge a remote API's round trip. Each call answers that
 * much later, login included, and calls in flight together wait side by side, not one after another.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RunningGandiSimulator } from "../../../src/sim/gandi/index";
import { started } from "./helpers";

let sim: RunningGandiSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("a latency on every call", () => {
  it("answers each call that much later, calls in flight together side by side", async () => {
    const t0 = performance.now();
    const s = await started({ faults: [{ type: "delay", method: "*", ms: 300 }] });
    sim = s.sim;
    // login is late too.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    const t1 = performance.now();
    const answers = await Promise.all(Array.from({ length: 10 }, () => s.api.s<number[]>("vm_list")));
    const elapsed = performance.now() - t1;
    expect(answers).toEqual(Array.from({ length: 10 }, () => []));
    expect(elapsed).toBeGreaterThanOrEqual(290);
    // Ten calls one after another would take 3,000 ms (the margin is for a loaded machine).
    expect(elapsed).toBeLessThan(2000);
    expect(sim.callCounts()).toEqual({ login: 1, vm_list: 10 });
  });
});
