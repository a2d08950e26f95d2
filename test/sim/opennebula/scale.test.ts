import { describe, expect, it } from "vitest";
import { decodeResponse, encodeCall, EscapedString } from "../../../src/xmlrpc/index";
import { SESSION, post, withSim } from "./helpers";

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) n++;
  return n;
}

describe("scale", () => {
  it("answers a page of a 100,000-VM pool from cached pieces", async () => {
    await withSim({ delays: "instant" }, async (_one, sim) => {
      let t = performance.now();
      const seeded = sim.world.seedVms(100_000, { network: false });
      const seedMs = performance.now() - t;
      expect(seeded).toMatchObject({ firstId: 0, lastId: 99_999 });
      const timings: string[] = [];
      for (const offset of [0, 50_000, 99_900]) {
        t = performance.now();
        const res = await post(sim.url, encodeCall("one.vmpool.info", [SESSION, -2, offset, -200, -1]));
        timings.push(`offset ${offset}: ${(performance.now() - t).toFixed(1)} ms`);
        const decoded = decodeResponse(res.body, { keepEscaped: true });
        if (decoded.fault) throw new Error(decoded.message);
        const doc = (decoded.value as [boolean, EscapedString])[1].raw;
        const expected = Math.min(200, 100_000 - offset);
        expect(count(doc, "&lt;VM&gt;")).toBe(expected);
        expect(doc).toContain(`&lt;VM&gt;&lt;ID&gt;${offset}&lt;/ID&gt;`);
        expect(doc).toContain(`&lt;ID&gt;${offset + expected - 1}&lt;/ID&gt;`);
      }
      console.log(`100,000 VMs seeded in ${seedMs.toFixed(0)} ms; 200-VM pages: ${timings.join(", ")}`);
    });
  }, 120_000);

  it("serves a 10,000-VM extended pool of realistic bodies", async () => {
    await withSim({ delays: "instant" }, async (_one, sim) => {
      sim.world.seedVms(10_000, { userTemplate: { HYPERPLAN_STACK: "bench", HYPERPLAN_ADDRESS: "bench/app" } });
      const call = encodeCall("one.vmpool.infoextended", [SESSION, -2, -1, -1, -1]);
      const times: number[] = [];
      let body = "";
      for (let i = 0; i < 2; i++) {
        const t = performance.now();
        body = (await post(sim.url, call)).body;
        times.push(performance.now() - t);
      }
      expect(count(body, "&lt;VM&gt;&lt;ID&gt;")).toBe(10_000);
      expect(body.length).toBeGreaterThan(50_000_000);
      expect(body.length).toBeLessThan(110_000_000);
      console.log(`10,000-VM infoextended: ${(body.length / 1e6).toFixed(1)} MB; first ${times[0]?.toFixed(0)} ms (renders), then ${times[1]?.toFixed(0)} ms (cached), HTTP included`);
    });
  }, 120_000);
});
