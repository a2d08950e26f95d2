import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OwpClient } from "../../../src/providers/openvz/client";
import { OwpCredentials } from "../../../src/providers/openvz/config";
import { lockLogin, OpenVzStackLocks } from "../../../src/providers/openvz/stack-lock";
import { currentHolder } from "../../../src/planner/stack-lock";
import { startOpenVzSimulator } from "../../../src/sim/openvz/index";

type Sim = Awaited<ReturnType<typeof startOpenVzSimulator>>;

describe("the OpenVZ stack lock (a panel user whose login is unique)", () => {
  let sim: Sim;
  const clients: OwpClient[] = [];
  const locks = () => {
    const client = new OwpClient({ url: sim.url, credentials: new OwpCredentials("admin", "admin") });
    clients.push(client);
    return { locks: new OpenVzStackLocks(client), client };
  };
  beforeEach(async () => {
    sim = await startOpenVzSimulator({ port: 0, delays: "instant" });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await sim.close();
  });

  it("is taken by one of two racing runs, names its holder to the other, is released by it, then free", async () => {
    const [a, b] = [locks(), locks()];
    const holderA = currentHolder({ USER: "ci" }, "hyperplan apply");
    const holderB = currentHolder({ USER: "dev" }, "hyperplan apply");
    const [ra, rb] = await Promise.all([a.locks.tryAcquire("shop", holderA), b.locks.tryAcquire("shop", holderB)]);
    expect([ra.acquired, rb.acquired].sort()).toEqual([false, true]);
    const [winner, loser, winnerHolder] = ra.acquired ? [a, rb, holderA] : [b, ra, holderB];
    expect(loser.acquired === false && loser.holder?.run).toBe(winnerHolder.run);
    const state = await a.locks.inspect("shop");
    expect(state.held && state.holder?.who).toBe(winnerHolder.who);
    // The lock user has no role: it can do nothing on the panel.
    expect((await a.client.users()).find((u) => u.login === lockLogin("shop"))).toBeDefined();
    await winner.locks.release("shop", winnerHolder);
    expect((await a.locks.inspect("shop")).held).toBe(false);
    expect((await a.client.users()).map((u) => u.login)).not.toContain(lockLogin("shop"));
  });

  it("keeps stacks apart and is removed by forceRelease whoever holds it", async () => {
    const a = locks();
    const holder = currentHolder({}, "hyperplan apply");
    expect((await a.locks.tryAcquire("shop", holder)).acquired).toBe(true);
    expect((await a.locks.tryAcquire("blog", holder)).acquired).toBe(true);
    await locks().locks.forceRelease("shop");
    expect((await a.locks.inspect("shop")).held).toBe(false);
    expect((await a.locks.inspect("blog")).held).toBe(true);
  });

  it("waits, once taken, for the containers a killed run left being made, so the apply's read finds them", async () => {
    await sim.close();
    sim = await startOpenVzSimulator({ port: 0, delays: { create: 400 } });
    const killedRun = locks().client;
    // A create in flight from a run that is gone: nobody waits for its answer.
    const inFlight = killedRun.createVirtualServer({ hardware_server_id: 1, host_name: "orphan", orig_os_template: "debian-11-x86_64", orig_server_template: "vps.basic", description: "hyperplan shop orphan" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { locks: next, client } = locks();
    expect((await next.tryAcquire("shop", currentHolder({}, "hyperplan apply"))).acquired).toBe(true);
    expect((await client.virtualServersOf(1)).map((vs) => vs.description)).toContain("hyperplan shop orphan");
    await inFlight;
  });

  it("refuses a stack name too long for a panel login, saying how long it may be", () => {
    expect(() => lockLogin("x".repeat(34))).toThrow(/at most 33 characters/);
    expect(lockLogin("CI-Builders")).toBe("hplock-ci-builders");
  });
});
