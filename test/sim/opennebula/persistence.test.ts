import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Lcm, SNAPSHOT_VERSION, VmState, World, startOneSimulator } from "../../../src/sim/opennebula/index";
import { IMAGE_TEMPLATE, NET_TEMPLATE, One, fakeClock, vmTemplate } from "./helpers";

const DELAYS = { schedulerPeriodMs: 100, prologMs: 1000, bootMs: 1000, shutdownMs: 100, epilogMs: 100, hotplugMs: 100, imageCopyMs: 100, imageDeleteMs: 100, vnetCreateMs: 100, vnetDeleteMs: 100 };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hyperplan-sim-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("condition not met");
}

describe("the state file", () => {
  it("survives a stop mid-boot and resumes the boot when loaded again", async () => {
    const file = join(dir, "one.json");
    const clock = fakeClock();
    const first = await startOneSimulator({ port: 0, clock, delays: DELAYS, stateFile: file });
    const one = new One(first);
    const img = await one.id("one.image.allocate", IMAGE_TEMPLATE, 1);
    const net = await one.id("one.vn.allocate", NET_TEMPLATE, -1);
    clock.advance(200);
    const vm = await one.id("one.vm.allocate", vmTemplate("web-1", img, net));
    clock.advance(1000);
    expect(await one.vmState(vm)).toEqual([VmState.ACTIVE, Lcm.PROLOG]);
    await first.close();

    const saved = JSON.parse(await readFile(file, "utf8"));
    expect(saved).toMatchObject({ format: "hyperplan-sim-opennebula", version: SNAPSHOT_VERSION });
    expect(saved.queue.length).toBeGreaterThan(0);
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    clock.advance(5000);
    const second = await startOneSimulator({ port: 0, clock, delays: DELAYS, stateFile: file });
    try {
      const again = new One(second);
      expect(await again.vmState(vm)).toEqual([VmState.ACTIVE, Lcm.RUNNING]);
      expect((await again.vm(vm)).TEMPLATE.NIC[0].IP).toBe("192.168.150.100");
      expect(await again.id("one.vm.allocate", vmTemplate("web-2", img, net))).toBe(vm + 1);
      expect((await again.vm(vm + 1)).TEMPLATE.NIC[0].IP).toBe("192.168.150.101");
    } finally {
      await second.close();
    }
  });

  it("is written after every change, so another process sees the same pools", async () => {
    const file = join(dir, "live.json");
    const sim = await startOneSimulator({ port: 0, delays: "instant", stateFile: file });
    try {
      const one = new One(sim);
      await one.id("one.template.allocate", 'NAME="t1"\nCPU="1"');
      await waitFor(async () => JSON.parse(await readFile(file, "utf8")).pools.templates.records.length === 1);
      await one.ok("one.template.rename", 0, "t2");
      await waitFor(async () => JSON.parse(await readFile(file, "utf8")).pools.templates.records[0].name === "t2");
    } finally {
      await sim.close();
    }
  });

  it("keeps time moving forward when reloaded under a clock that is behind", async () => {
    const clock = fakeClock(1_000_000_000_000);
    const world = new World({ clock, delays: DELAYS });
    world.advance();
    const later = fakeClock(0);
    const copy = World.fromSnapshot(JSON.parse(JSON.stringify(world.snapshot())), { clock: later, delays: DELAYS });
    expect(copy.clockNow()).toBe(1_000_000_000_000);
    later.advance(10);
    expect(copy.clockNow()).toBe(1_000_000_000_010);
  });

  it("refuses a state file of another version or a damaged one, naming the file", async () => {
    const file = join(dir, "old.json");
    await writeFile(file, JSON.stringify({ format: "hyperplan-sim-opennebula", version: 99 }));
    await expect(startOneSimulator({ port: 0, stateFile: file })).rejects.toThrow(
      `simulator state version 99 is not supported (this simulator reads version ${SNAPSHOT_VERSION})`,
    );
    await writeFile(file, "{ not json");
    await expect(startOneSimulator({ port: 0, stateFile: file })).rejects.toThrow(`the simulator state file ${file} is not valid JSON`);
    await writeFile(file, JSON.stringify({ format: "hyperplan-sim-opennebula", version: SNAPSHOT_VERSION, pools: {} , queue: [] }));
    await expect(startOneSimulator({ port: 0, stateFile: file })).rejects.toThrow('pool "vms" is missing or malformed');
  });

  it("round-trips a world through its snapshot", () => {
    const world = new World({ delays: "instant", seed: 5 });
    world.seedVms(20);
    const copy = World.fromSnapshot(JSON.parse(JSON.stringify(world.snapshot())), { delays: "instant" });
    expect(JSON.stringify(copy.snapshot().pools)).toBe(JSON.stringify(world.snapshot().pools));
    expect(copy.liveVmIds).toEqual(world.liveVmIds);
    expect(copy.random.seed).toBe(world.random.seed);
  });

  it("keeps documents and locks across a restart, and loads a file written before documents existed", async () => {
    const file = join(dir, "locks.json");
    const first = await startOneSimulator({ port: 0, delays: "instant", stateFile: file });
    let lockXml: string;
    try {
      const one = new One(first);
      const doc = await one.id("one.document.allocate", 'NAME="stack-lock"\nRUN="r-1"', 1207);
      await one.ok("one.document.lock", doc, 2);
      const vm = await one.id("one.vm.allocate", vmTemplate("web-1", null, null), true);
      await one.ok("one.vm.lock", vm, 1);
      lockXml = /<LOCK>.*<\/LOCK>/.exec(await one.doc("one.document.info", doc))![0];
    } finally {
      await first.close();
    }
    const saved = JSON.parse(await readFile(file, "utf8"));
    expect(saved.version).toBe(SNAPSHOT_VERSION);
    expect(saved.pools.documents.records).toHaveLength(1);

    const second = await startOneSimulator({ port: 0, delays: "instant", stateFile: file });
    try {
      const again = new One(second);
      expect(/<LOCK>.*<\/LOCK>/.exec(await again.doc("one.document.info", 0))![0]).toBe(lockXml);
      expect((await again.fail("one.document.update", 0, 'RUN="r-2"')).code).toBe(0x200);
      expect((await again.fail("one.vm.action", "release", 0)).message).toBe("[one.vm.action] User [0] : VM is locked. [0].");
      expect(await again.id("one.document.allocate", 'NAME="next"', 1207)).toBe(1);
    } finally {
      await second.close();
    }

    // A file saved before the document pool was added (same version, no "documents"): an empty pool.
    delete saved.pools.documents;
    await writeFile(file, JSON.stringify(saved));
    const third = await startOneSimulator({ port: 0, delays: "instant", stateFile: file });
    try {
      const old = new One(third);
      expect(await old.doc("one.documentpool.info", -2, -1, -1, 1207)).toBe("<DOCUMENT_POOL></DOCUMENT_POOL>");
      expect(await old.id("one.document.allocate", 'NAME="first"', 1207)).toBe(0);
    } finally {
      await third.close();
    }
  });
});
