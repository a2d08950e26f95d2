import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, startXenServerSimulator } from "../../../src/sim/xenserver/index";
import { Xen, fakeClock, newVm } from "./helpers";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hyperplan-xensim-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the state file", () => {
  it("keeps the pool between runs, written atomically with mode 0600", async () => {
    const file = join(dir, "nested", "xen.json");
    const first = await startXenServerSimulator({ port: 0, delays: "instant", stateFile: file });
    const xen = new Xen(first.url);
    await xen.login();
    const vm = await newVm(xen, "kept");
    await xen.ok("VM.add_to_other_config", vm, "hyperplan-stack", "lab");
    const session = xen.session;
    await first.close();
    const saved = JSON.parse(await readFile(file, "utf8"));
    expect(saved).toMatchObject({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readdir(join(dir, "nested"))).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    const second = await startXenServerSimulator({ port: 0, delays: "instant", stateFile: file });
    try {
      const again = new Xen(second.url);
      again.session = session;
      expect(await again.ok("VM.get_other_config", vm)).toMatchObject({ "hyperplan-stack": "lab" });
      expect(await again.ok("VM.get_name_label", vm)).toBe("kept");
      // Event tokens go on from where they were.
      const batch = await again.ok("event.from", ["vm"], "", 0);
      expect(batch.events.some((e: any) => e.ref === vm)).toBe(true);
      await again.ok("VM.start", vm, false, false);
    } finally {
      await second.close();
    }
  });

  it("resumes a task that was running when it was saved", async () => {
    const file = join(dir, "xen.json");
    const clock = fakeClock();
    const first = await startXenServerSimulator({ port: 0, clock, delays: { preset: "instant", start: 10_000 }, stateFile: file });
    const xen = new Xen(first.url);
    await xen.login();
    const vm = await newVm(xen, "booting");
    const task = await xen.ok("Async.VM.start", vm, false, false);
    clock.advance(4_000);
    await first.close();
    const second = await startXenServerSimulator({ port: 0, clock, delays: { preset: "instant", start: 10_000 }, stateFile: file });
    try {
      const again = new Xen(second.url);
      again.session = xen.session;
      expect(await again.ok("task.get_status", task)).toBe("pending");
      clock.advance(6_000);
      expect(await again.ok("task.get_status", task)).toBe("success");
      expect(await again.ok("VM.get_power_state", vm)).toBe("Running");
    } finally {
      await second.close();
    }
  });

  it("refuses another format version, naming both", async () => {
    const file = join(dir, "xen.json");
    const first = await startXenServerSimulator({ port: 0, stateFile: file });
    await first.close();
    const saved = JSON.parse(await readFile(file, "utf8"));
    await writeFile(file, JSON.stringify({ ...saved, version: 99 }));
    await expect(startXenServerSimulator({ port: 0, stateFile: file })).rejects.toThrow(`simulator state version 99 is not supported (this simulator reads version ${SNAPSHOT_VERSION})`);
    await writeFile(file, JSON.stringify({ format: "something-else" }));
    await expect(startXenServerSimulator({ port: 0, stateFile: file })).rejects.toThrow(`not a hyperplan XenServer simulator state (expected format "${SNAPSHOT_FORMAT}")`);
    await writeFile(file, "{");
    await expect(startXenServerSimulator({ port: 0, stateFile: file })).rejects.toThrow("is not valid JSON");
  });

  it("same seed, same calls: same refs and uuids", async () => {
    const refs: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const sim = await startXenServerSimulator({ port: 0, seed: 42, delays: "instant" });
      try {
        const xen = new Xen(sim.url);
        await xen.login();
        const vm = await newVm(xen, "web-1");
        refs.push([vm, await xen.ok("VM.get_uuid", vm), (await xen.ok("VM.get_other_config", vm)).mac_seed]);
      } finally {
        await sim.close();
      }
    }
    expect(refs[0]).toEqual(refs[1]);
  });
});
