/**
 * A fixed latency on every call, given at start: the `delay` fault rule on the method glob `*`
 * (SPEC.md "Faults"), as the benchmarks charge a remote API's round trip. Each call starts that much
 * later, and calls in flight together wait side by side, not one after another (the latency is not
 * a hardware server's vzctl queue).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RunningOpenVzSimulator } from "../../../src/sim/openvz/index";
import { started } from "./helpers";

let sim: RunningOpenVzSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("a latency on every call", () => {
  it("answers each call that much later, calls in flight together side by side", async () => {
    const s = await started({ faults: [{ type: "delay", method: "*", ms: 300 }] });
    sim = s.sim;
    const t0 = performance.now();
    const lists = await Promise.all(Array.from({ length: 10 }, () => s.api.list("hardware_servers/virtual_servers", { id: 1 })));
    const elapsed = performance.now() - t0;
    expect(lists.map((l) => l.length)).toEqual(Array.from({ length: 10 }, () => 2));
    expect(elapsed).toBeGreaterThanOrEqual(290);
    // Ten calls one after another would take 3,000 ms (the margin is for a loaded machine).
    expect(elapsed).toBeLessThan(2000);
    const t1 = performance.now();
    await s.api.server(1);
    expect(performance.now() - t1).toBeGreaterThanOrEqual(290);
    expect(sim.callCounts()).toEqual({ "hardware_servers/virtual_servers": 10, "virtual_servers/get": 1 });
  });
});
