import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GandiClient } from "../../../src/providers/gandi/client";
import { GandiStackLocks, lockDiskName } from "../../../src/providers/gandi/stack-lock";
import { ownedName } from "../../../src/providers/gandi/naming";
import { startGandiSimulator } from "../../../src/sim/gandi/index";

type Sim = Awaited<ReturnType<typeof startGandiSimulator>>;
const HOLDER = { who: "ci@runner", host: "runner", pid: 1, command: "hyperplan apply", run: "r1" };

describe("the Gandi stack lock", () => {
  let sim: Sim;
  const clients: GandiClient[] = [];
  const locks = () => {
    const client = new GandiClient({ url: sim.url, login: "AA1234-GANDI", password: "gandi" });
    clients.push(client);
    return new GandiStackLocks(client);
  };
  beforeEach(async () => {
    sim = await startGandiSimulator({ port: 0, delays: "instant" });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await sim.close();
  });

  it("is taken by one run of two racing, released by it, then free", async () => {
    const [a, b] = [locks(), locks()];
    const [first, second] = await Promise.all([a.tryAcquire("shop"), b.tryAcquire("shop")]);
    expect([first.acquired, second.acquired].sort()).toEqual([false, true]);
    const loser = first.acquired ? second : first;
    expect(loser.acquired === false && loser.since > 0).toBe(true);
    expect(await a.inspect("shop")).toMatchObject({ held: true });
    const [winner, other] = first.acquired ? [a, b] : [b, a];
    await other.release("shop", HOLDER);
    expect((await a.inspect("shop")).held).toBe(true);
    await winner.release("shop", HOLDER);
    expect(await a.inspect("shop")).toEqual({ held: false });
    expect((await b.tryAcquire("shop")).acquired).toBe(true);
  });

  it("keeps stacks apart, is removed by forceRelease, and is never one of the stack's own disks", async () => {
    const a = locks();
    expect((await a.tryAcquire("shop")).acquired).toBe(true);
    expect((await a.tryAcquire("blog")).acquired).toBe(true);
    await locks().forceRelease("shop");
    expect((await a.inspect("shop")).held).toBe(false);
    expect((await a.inspect("blog")).held).toBe(true);
    expect(ownedName("shop", "Image", lockDiskName("shop"))).toBeUndefined();
  });
});
