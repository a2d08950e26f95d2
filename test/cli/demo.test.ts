import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main";
import { parseDemoArgs } from "../../src/backends/opennebula/demo";
import { captureIo } from "../support/cli-io";

describe("hyperplan demo", () => {
  it("starts the simulator and lists its seeded pools through the client, one call per pool", async () => {
    const io = captureIo();
    expect(await main(["demo"], io)).toBe(0);
    const out = io.out();
    expect(out).toMatch(/^OpenNebula simulator listening on http:\/\/127\.0\.0\.1:\d+\/RPC2\n/);
    expect(out).toContain("one.system.version: 7.4.0");
    expect(out).toContain("datastore pool: 3 object(s)");
    expect(out).toContain("cluster pool: 1 object(s)");
    const counts = JSON.parse(out.slice(out.indexOf("Calls served: ") + "Calls served: ".length)) as Record<string, number>;
    expect(Object.values(counts).every((n) => n === 1)).toBe(true);
    expect(counts["one.vmpool.infoextended"]).toBe(1);
  });

  it("takes only an integer seed", () => {
    expect(parseDemoArgs(["--seed", "7"])).toEqual({ seed: 7 });
    expect(() => parseDemoArgs(["--seed", "x"])).toThrow("--seed must be an integer");
    expect(() => parseDemoArgs(["extra"])).toThrow();
  });
});
