/**
 * The state file: a world saved mid-operation is loaded by the next run, which finishes the
 * operation; sessions, ids, balance and the PRNG carry over; another simulator's file is refused.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startGandiSimulator, SNAPSHOT_FORMAT } from "../../../src/sim/gandi/index";
import { Api, STEADY, fakeClock } from "./helpers";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hyperplan-gandi-state-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the Gandi simulator's state file", () => {
  it("keeps the account across runs and finishes an operation a run left in flight", async () => {
    const file = join(dir, "gandi.json");
    const clock = fakeClock();
    const first = await startGandiSimulator({ clock, delays: STEADY, stateFile: file });
    const api = new Api(first.url);
    await api.login();
    const vm = await api.s<number>("vm_create", "kept", "secret-pw", 112, 2, 1, {});
    await api.s("hosting_account_product_add", "disk", 10240, "1m");
    await first.close();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(file, "utf8")) as { format: string; operations: unknown[] };
    expect(saved.format).toBe(SNAPSHOT_FORMAT);
    expect(JSON.stringify(saved)).not.toContain("secret-pw");

    const second = await startGandiSimulator({ clock, delays: STEADY, stateFile: file });
    try {
      const again = new Api(second.url);
      // The session of the first run is still good.
      again.session = api.session;
      expect(await again.s("vm_info", vm)).toMatchObject({ state: "being_created", hostname: "kept" });
      clock.advance(60_000);
      expect(await again.s("vm_info", vm)).toMatchObject({ state: "running" });
      expect(await again.s("hosting_account_info")).toMatchObject({ shares_used: 2, disk: 10240 });
      expect(await again.s("account_balance")).toBe(490);
      // Ids go on where they stopped.
      expect(await again.s("disk_create", { size: 1024, name: "next" })).toBe(19001);
    } finally {
      await second.close();
    }
  });

  it("refuses a file of another simulator, naming what it expected", async () => {
    const file = join(dir, "other.json");
    await writeFile(file, JSON.stringify({ format: "hyperplan-sim-xenserver", version: 1 }));
    await expect(startGandiSimulator({ stateFile: file })).rejects.toThrow('not a hyperplan Gandi simulator state (expected format "hyperplan-sim-gandi")');
    await writeFile(file, JSON.stringify({ format: SNAPSHOT_FORMAT, version: 99 }));
    await expect(startGandiSimulator({ stateFile: file })).rejects.toThrow("simulator state version 99 is not supported");
  });
});
