import { existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main";
import { demoStackFile } from "../../src/cli/commands/demo";
import { BACKENDS } from "../../src/backends/registry";
import { captureIo } from "../support/cli-io";

describe("hyperplan demo", () => {
  it("is what npm run demo runs: a backend's example stack applied on its simulator, then an empty plan, then removed", async () => {
    const world = join(dirname(demoStackFile("openvz-ci.ts")), ".hyperplan", "simulator-openvz.json");
    const existed = existsSync(world);
    const env = { HYPERPLAN_SIM_DELAYS: "instant", NO_COLOR: "1" };
    try {
      const io = captureIo({ env });
      expect(await main(["demo", "--backend", "openvz"], io)).toBe(0);
      expect(io.out()).toMatch(/^Reading OpenVZ Web Panel simulator http:\/\/127\.0\.0\.1:\d+\/ \(embedded; world in /);
      expect(io.out()).toMatch(/apply finished in \S+: 6 done, 0 failed, 0 skipped/);
      const again = captureIo({ env });
      expect(await main(["demo", "--backend=openvz"], again)).toBe(0);
      expect(again.out()).toContain("No changes.");
      const gone = captureIo({ env });
      expect(await main(["demo", "--backend", "openvz", "--destroy"], gone)).toBe(0);
      expect(gone.out()).toContain("Plan: 0 to create, 0 to update, 0 to replace, 6 to delete.");
    } finally {
      if (!existed) rmSync(world, { force: true });
    }
  });

  it("names the backends there are when asked for another", async () => {
    const io = captureIo();
    expect(await main(["demo", "--backend", "vmware"], io)).toBe(2);
    expect(io.err()).toContain(`no backend "vmware" (there are ${BACKENDS.map((b) => b.name).join(", ")})`);
  });
});
