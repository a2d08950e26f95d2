import { describe, expect, it } from "vitest";
import { Lcm, VmState, World } from "../../../src/sim/opennebula/index";
import { resolveDelays } from "../../../src/sim/opennebula/delays";
import { SeededRandom } from "../../../src/sim/kit/random";
import { fakeClock, vmTemplate, withSim } from "./helpers";

describe("the world", () => {
  it("applies nothing until it is advanced, then every due step in time order", () => {
    const clock = fakeClock(10_000);
    const world = new World({ clock, delays: { schedulerPeriodMs: 1000, prologMs: 300, bootMs: 200 } });
    world.seedVms(1, { state: "HOLD", network: false, disk: false });
    const vm = world.vms.get(0);
    if (!vm) throw new Error("no VM");
    vm.state = VmState.PENDING;
    world.indexVm(vm);
    clock.advance(5_000);
    expect(vm.state).toBe(VmState.PENDING);
    world.advance();
    // Scheduler at 11,000 (next multiple of the period), prolog done at 11,300, boot done at 11,500.
    expect([vm.state, vm.lcmState]).toEqual([VmState.ACTIVE, Lcm.RUNNING]);
    expect(vm.history[0]?.stime).toBe(11);
    expect(vm.lastPoll).toBe(11);
    expect(world.queuedSteps).toBe(0);
  });

  it("ignores a queued step whose operation was superseded", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: { schedulerPeriodMs: 10, prologMs: 1000, bootMs: 1000, epilogMs: 10, shutdownMs: 10 } }, async (one, sim) => {
      const id = await one.id("one.vm.allocate", vmTemplate("short-lived", null, null));
      clock.advance(500);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.PROLOG]);
      await one.ok("one.vm.recover", id, 3);
      clock.advance(5_000);
      expect(await one.vmState(id)).toEqual([VmState.DONE, 0]);
      expect(sim.world.queuedSteps).toBe(0);
    });
  });

  it("draws the same random sequence from the same seed", () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const seq = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seq);
    expect(seq.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new SeededRandom(43).next()).not.toBe(seq[0]);
  });

  it("resolves delay presets and refuses unknown or negative settings", () => {
    expect(resolveDelays("instant").bootMs).toBe(0);
    expect(resolveDelays(undefined)).toEqual(resolveDelays("fast"));
    expect(resolveDelays({ bootMs: 5 }).bootMs).toBe(5);
    expect(() => resolveDelays({ bootMs: -1 })).toThrow(/bootMs/);
    expect(() => resolveDelays({ nope: 1 } as never)).toThrow(/unknown delay setting "nope"/);
  });

  it("seeds realistic VMs on the hosts and counts their capacity", () => {
    const world = new World({ delays: "instant" });
    const r = world.seedVms(10);
    expect(r).toMatchObject({ firstId: 0, lastId: 9 });
    const hosts = [...world.hosts.values()];
    expect(hosts.map((h) => h.vms.length)).toEqual([5, 5]);
    expect(hosts[0]?.cpuUsage).toBe(250);
    const img = r.imageId === null ? undefined : world.images.get(r.imageId);
    expect(img?.vms).toHaveLength(10);
    expect(world.liveVmIds).toHaveLength(10);
    const done = world.seedVms(3, { state: "DONE" });
    expect(done.firstId).toBe(10);
    expect(world.liveVmIds).toHaveLength(10);
  });
});
