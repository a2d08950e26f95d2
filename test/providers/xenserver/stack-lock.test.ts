/**
 * The XenServer stack lock against the XenServer simulator, through a real XenApiClient on both
 * wires: a key per stack in the pool's other_config, taken with add_to_other_config as a
 * test-and-set (MAP_DUPLICATE_KEY for the second taker), its holder written in the same call.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { currentHolder, describeLock, type LockHolder } from "../../../src/planner/stack-lock";
import { startXenServerSimulator, type RunningXenServerSimulator } from "../../../src/sim/xenserver/index";
import { XenApiClient } from "../../../src/providers/xenserver/client";
import { XenServerStackLocks, lockKey } from "../../../src/providers/xenserver/stack-lock";
import { TransportError } from "../../../src/providers/kit/http-transport";
import type { XenTransportKind } from "../../../src/providers/xenserver/wire";
import type { Ref } from "../../../src/providers/xenserver/field-types";

const T0 = Date.UTC(2026, 11, 5, 10, 0, 0);

function holder(who: string, extra: Partial<LockHolder> = {}): LockHolder {
  return { ...currentHolder({}, "hyperplan apply"), who: `${who}@runner-9`, host: "runner-9", pid: 77, ...extra };
}

describe.each<XenTransportKind>(["json-rpc", "xml-rpc"])("the XenServer stack lock over %s", (transport) => {
  let sim: RunningXenServerSimulator;
  const clients: XenApiClient[] = [];
  const connect = () => {
    const client = new XenApiClient({ url: sim.url, username: "root", password: "xenserver", transport, eventTimeoutSeconds: 2 });
    clients.push(client);
    return client;
  };
  let client: XenApiClient;
  let locks: XenServerStackLocks;
  const poolRef = async () => [...(await client.getAllRecords("pool")).keys()][0] as Ref<"pool">;
  const otherConfig = async () => (await client.getRecord("pool", await poolRef())).other_config;

  beforeEach(async () => {
    sim = await startXenServerSimulator({ port: 0, delays: "instant" });
    client = connect();
    locks = new XenServerStackLocks(client, { now: () => T0 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await sim.close();
  });

  it("takes a free lock, and refuses a second taker naming the first holder and since when", async () => {
    const alice = holder("alice", { job: "https://ci.example.org/jobs/99" });
    const bob = holder("bob");
    expect(await locks.tryAcquire("lab", alice)).toEqual({ acquired: true });
    const later = new XenServerStackLocks(connect(), { now: () => T0 + 60_000 });
    expect(await later.tryAcquire("lab", bob)).toEqual({ acquired: false, since: T0, holder: alice });
    // The same run asking again holds it already.
    expect(await locks.tryAcquire("lab", alice)).toEqual({ acquired: true });
    const state = await later.inspect("lab");
    expect(state).toEqual({ held: true, since: T0, holder: alice });
    expect(describeLock(state as Extract<typeof state, { held: true }>, T0 + 250_000)).toBe(
      `held by alice@runner-9 (pid 77, hyperplan apply, https://ci.example.org/jobs/99) since 2026-12-05T10:00:00Z, 4m10s ago`,
    );
  });

  it("lets exactly one of two runs racing for the lock take it, round after round", async () => {
    const racers = [new XenServerStackLocks(connect()), new XenServerStackLocks(connect())];
    for (let round = 0; round < 8; round++) {
      const holders = [holder("a"), holder("b")];
      const attempts = await Promise.all(racers.map((l, i) => l.tryAcquire("race", holders[i]!)));
      expect(attempts.filter((a) => a.acquired)).toHaveLength(1);
      const winner = attempts.findIndex((a) => a.acquired);
      const loser = attempts[1 - winner]!;
      expect(loser.acquired === false && loser.holder).toEqual(holders[winner]);
      await racers[1 - winner]!.release("race", holders[1 - winner]!);
      expect((await locks.inspect("race")).held).toBe(true);
      await racers[winner]!.release("race", holders[winner]!);
      expect(await locks.inspect("race")).toEqual({ held: false });
    }
  });

  it("is released only by its holder; then it is free and can be taken again", async () => {
    const alice = holder("alice");
    const bob = holder("bob");
    expect(await locks.inspect("lab")).toEqual({ held: false });
    await locks.release("lab", alice); // nothing held: nothing to do
    expect((await locks.tryAcquire("lab", alice)).acquired).toBe(true);
    await locks.release("lab", bob);
    expect(await locks.inspect("lab")).toEqual({ held: true, since: T0, holder: alice });
    await locks.release("lab", alice);
    expect(await locks.inspect("lab")).toEqual({ held: false });
    expect(lockKey("lab") in (await otherConfig())).toBe(false);
    expect(await locks.tryAcquire("lab", bob)).toEqual({ acquired: true });
    expect(await locks.inspect("lab")).toEqual({ held: true, since: T0, holder: bob });
  });

  it("is removed by forceRelease whoever holds it, and a forceRelease of a free lock is no error", async () => {
    const alice = holder("alice");
    await locks.forceRelease("lab");
    expect((await locks.tryAcquire("lab", alice)).acquired).toBe(true);
    await locks.forceRelease("lab");
    expect(await locks.inspect("lab")).toEqual({ held: false });
    await locks.forceRelease("lab");
    // The run that held it finds its lock gone and leaves the next holder's alone.
    const bob = holder("bob");
    expect((await locks.tryAcquire("lab", bob)).acquired).toBe(true);
    await locks.release("lab", alice);
    expect(await locks.inspect("lab")).toEqual({ held: true, since: T0, holder: bob });
  });

  it("is the key hyperplan-lock/<stack> of the pool's other_config, holding the holder and since, beside the pool's other keys", async () => {
    const pool = await poolRef();
    await client.call("pool.add_to_other_config", pool, "admin-note", "keep");
    const alice = holder("alice", { job: "https://ci.example.org/jobs/7" });
    await locks.tryAcquire("web", alice);
    const config = await otherConfig();
    expect(Object.keys(config).filter((k) => k.startsWith("hyperplan-lock/"))).toEqual(["hyperplan-lock/web"]);
    expect(JSON.parse(config["hyperplan-lock/web"]!)).toEqual({ ...alice, since: T0 });
    expect(config["admin-note"]).toBe("keep");
    await locks.release("web", alice);
    expect(await otherConfig()).toMatchObject({ "admin-note": "keep" });
  });

  it("keeps the locks of two stacks apart", async () => {
    const alice = holder("alice");
    const bob = holder("bob");
    expect((await locks.tryAcquire("lab", alice)).acquired).toBe(true);
    expect((await locks.tryAcquire("prod", bob)).acquired).toBe(true);
    expect((await locks.tryAcquire("lab", bob)).acquired).toBe(false);
    await locks.release("lab", alice);
    expect(await locks.inspect("lab")).toEqual({ held: false });
    expect(await locks.inspect("prod")).toEqual({ held: true, since: T0, holder: bob });
    await locks.forceRelease("lab");
    expect((await locks.inspect("prod")).held).toBe(true);
  });

  it("knows it took the lock when the add's answer is lost after xapi made it, and others are refused", async () => {
    const alice = holder("alice");
    sim.faults.add({ type: "reset-after", method: "pool.add_to_other_config", count: 1 });
    sim.resetCallCounts();
    expect(await locks.tryAcquire("lab", alice)).toEqual({ acquired: true });
    // The add was sent once; the lock was read to see whose it is.
    expect(sim.callCounts()["pool.add_to_other_config"]).toBe(1);
    expect(sim.callCounts()["pool.get_other_config"]).toBe(1);
    expect(await new XenServerStackLocks(connect()).tryAcquire("lab", holder("bob"))).toEqual({ acquired: false, since: T0, holder: alice });
  });

  it("sends the add again when it is lost before xapi made it, after reading the lock free", async () => {
    const alice = holder("alice");
    sim.faults.add({ type: "drop", method: "pool.add_to_other_config", count: 1 });
    sim.resetCallCounts();
    expect(await locks.tryAcquire("lab", alice)).toEqual({ acquired: true });
    expect(sim.callCounts()["pool.add_to_other_config"]).toBe(2);
    expect(await locks.inspect("lab")).toEqual({ held: true, since: T0, holder: alice });
  });

  it("sends the add again at once when it surely never reached xapi", async () => {
    const alice = holder("alice");
    let refusals = 1;
    const flaky = {
      call: (method: string, ...params: Parameters<XenApiClient["call"]>[1][]) => {
        if (method === "pool.add_to_other_config" && refusals-- > 0) return Promise.reject(new TransportError(method, sim.url, "refused", "connection refused"));
        return client.call(method, ...params);
      },
    } as unknown as XenApiClient;
    sim.resetCallCounts();
    expect(await new XenServerStackLocks(flaky, { now: () => T0 }).tryAcquire("lab", alice)).toEqual({ acquired: true });
    expect(sim.callCounts()["pool.get_other_config"] ?? 0).toBe(0);
    expect(await locks.inspect("lab")).toEqual({ held: true, since: T0, holder: alice });
  });

  it("counts a value written by hand as held, by no one it can name, without failing", async () => {
    await client.call("pool.add_to_other_config", await poolRef(), lockKey("lab"), "locked by Bob, do not apply {");
    await client.call("pool.add_to_other_config", await poolRef(), lockKey("half"), JSON.stringify({ who: "x", since: T0 }));
    const alice = holder("alice");
    expect(await locks.tryAcquire("lab", alice)).toEqual({ acquired: false, since: 0 });
    const state = await locks.inspect("lab");
    expect(state).toEqual({ held: true, since: 0 });
    expect(describeLock(state as Extract<typeof state, { held: true }>, T0)).toMatch(/^held by a run that has not said who it is/);
    expect(await locks.inspect("half")).toEqual({ held: true, since: T0 });
    await locks.release("lab", alice);
    expect((await locks.inspect("lab")).held).toBe(true);
    await locks.forceRelease("lab");
    expect(await locks.tryAcquire("lab", alice)).toEqual({ acquired: true });
  });
});
