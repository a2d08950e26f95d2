/**
 * The state file: the panel kept across runs (rows, states, ids, identities, addresses, the
 * PRNG), written 0600 after every change and on close, with no password in it; another
 * simulator's file or version refused.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SNAPSHOT_FORMAT, startOpenVzSimulator } from "../../../src/sim/openvz/index";
import { PanelApi } from "./helpers";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hyperplan-openvz-state-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the OpenVZ simulator's state file", () => {
  it("keeps the panel across runs, without passwords, and goes on with the next ids", async () => {
    const file = join(dir, "nested", "panel.json");
    const first = await startOpenVzSimulator({ delays: "instant", stateFile: file, auth: "admin:Adm1n-secret" });
    const api = new PanelApi(first.url, "admin", "Adm1n-secret");
    const id = await api.create({ host_name: "kept.lan", ip_address: "auto", password: "r00t-secret", description: "kept", start_after_creation: 1 });
    await api.result("virtual_servers/stop", { id: 1 });
    await api.result("virtual_servers/delete", { id: 2 });
    // Written after the change (in the background, just after the answer), before close.
    let during: { format: string; virtualServers: Array<{ id: number }> } = { format: "", virtualServers: [] };
    for (let i = 0; i < 200; i++) {
      during = JSON.parse(await readFile(file, "utf8").catch(() => "{}")) as typeof during;
      if (during.virtualServers && !during.virtualServers.some((v) => v.id === 2)) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(during.format).toBe(SNAPSHOT_FORMAT);
    expect(during.virtualServers.map((v) => v.id)).toEqual([1, 3, id]);
    const before = await api.list("hardware_servers/virtual_servers", { id: 1 });
    await first.close();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, "utf8");
    expect(text).not.toContain("r00t-secret");
    expect(text).not.toContain("Adm1n-secret");

    const second = await startOpenVzSimulator({ delays: "instant", stateFile: file });
    try {
      const again = new PanelApi(second.url);
      expect(await again.list("hardware_servers/virtual_servers", { id: 1 })).toEqual(before);
      expect(await again.server(id)).toMatchObject({ host_name: "kept.lan", ip_address: "10.10.1.13", state: "running", description: "kept" });
      expect((await again.server(1)).state).toBe("stopped");
      expect(second.world.rootPasswordIs(id, "r00t-secret")).toBe(true);
      // Ids go on panel-wide, identities and addresses per node.
      const next = await again.create({ ip_address: "auto" });
      expect(await again.server(next)).toMatchObject({ id: id + 1, identity: 104, ip_address: "10.10.1.11" });
    } finally {
      await second.close();
    }
  });

  it("refuses a file of another simulator or version, naming what it expected", async () => {
    const file = join(dir, "other.json");
    await writeFile(file, JSON.stringify({ format: "hyperplan-sim-gandi", version: 1 }));
    await expect(startOpenVzSimulator({ stateFile: file })).rejects.toThrow('not a hyperplan OpenVZ Web Panel simulator state (expected format "hyperplan-sim-openvz")');
    await writeFile(file, JSON.stringify({ format: SNAPSHOT_FORMAT, version: 99 }));
    await expect(startOpenVzSimulator({ stateFile: file })).rejects.toThrow("simulator state version 99 is not supported");
    await writeFile(file, "{not json");
    await expect(startOpenVzSimulator({ stateFile: file })).rejects.toThrow("is not valid JSON");
  });
});
