/**
 * Two applies of one stack at once (two CI jobs, one saved plan applied twice) make every object once:
 * the stack's lock, held in the cloud, lets one run at a time. Each round starts a fresh simulated
 * cloud whose VM pool reads are slowed, so both runs would read "nothing there yet" without the lock.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { OneClient } from "../../src/providers/opennebula/client";
import { readOwned } from "../../src/providers/opennebula/reader";
import { OpenNebulaStackLocks } from "../../src/providers/opennebula/stack-lock";
import { currentHolder } from "../../src/planner/stack-lock";
import { parseDocumentPool } from "../../src/providers/opennebula/records";
import { startOneSimulator, type RunningOneSimulator } from "../../src/sim/opennebula/index";
import { oneEnv, runCli } from "../support/cli-io";

const examples = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "stacks");
const DECLARED = ["lab/debian-12", "lab/lab-1", "lab/lab-2", "lab/lab-3", "lab/lab-net", "lab/lab-scratch", "lab/lab-small", "lab/lab-ssh"];
const ROUNDS = 3;

describe("two applies of one stack at once", () => {
  let dir: string;
  let sim: RunningOneSimulator;
  let client: OneClient;

  const run = (...argv: string[]) => runCli(argv, { cwd: dir, env: oneEnv(sim.url, dir) });
  const owned = async () => {
    const { owned: objects, addresses } = await readOwned(client, "lab");
    return Object.entries(objects)
      .flatMap(([kind, records]) => (records as { id: number }[]).map((r) => addresses.get(`${kind}#${r.id}`)!))
      .sort();
  };
  const fresh = async () => {
    await client?.close();
    await sim?.close();
    sim = await startOneSimulator({ port: 0, delays: "fast", faults: [{ type: "delay", method: "one.vmpool.infoextended", ms: 150 }] });
    client = new OneClient({ endpoint: sim.url, session: "oneadmin:opennebula" });
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "hyperplan-concurrent-"));
    copyFileSync(join(examples, "lab.ts"), join(dir, "lab.ts"));
    writeFileSync(join(dir, "one_auth"), "oneadmin:opennebula\n");
  });
  afterEach(async () => {
    await client.close();
    await sim.close();
  });

  it("lets one run and refuses the other at once, naming the holder; every address has one object", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await fresh();
      const [a, b] = await Promise.all([run("apply", "lab.ts", "--auto-approve"), run("apply", "lab.ts", "--auto-approve")]);
      expect([a.code, b.code].sort()).toEqual([0, 1]);
      const refused = a.code === 1 ? a : b;
      expect(refused.err).toMatch(/another apply of stack "lab" is running: its lock is held by \S+ \(pid \d+, hyperplan apply\) since /);
      expect(refused.err).toContain("Nothing was read or changed");
      expect(await owned()).toEqual(DECLARED);
    }
  }, 60_000);

  it("with --lock-timeout, the second waits for the first and then finds nothing to do", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await fresh();
      const [a, b] = await Promise.all([run("apply", "lab.ts", "--auto-approve", "--lock-timeout", "30s"), run("apply", "lab.ts", "--auto-approve", "--lock-timeout", "30s")]);
      expect([a.code, b.code]).toEqual([0, 0]);
      const outs = [a.out, b.out];
      expect(outs.filter((o) => o.includes("Plan: 8 to create"))).toHaveLength(1);
      expect(outs.filter((o) => o.includes("No changes."))).toHaveLength(1);
      expect([a.err, b.err].join("")).toMatch(/stack "lab" is locked, held by .*; waiting up to 30s/);
      expect(await owned()).toEqual(DECLARED);
    }
  }, 60_000);

  it("applies one saved plan once when it is applied twice at once", async () => {
    await fresh();
    expect((await run("plan", "lab.ts", "--out", "plan.json")).code).toBe(0);
    const [a, b] = await Promise.all([run("apply", "plan.json", "--lock-timeout", "30s"), run("apply", "plan.json", "--lock-timeout", "30s")]);
    expect([a.code, b.code].sort()).toEqual([0, 1]);
    const second = a.code === 1 ? a : b;
    expect(second.err).toMatch(/: refusing plan\.json: the saved plan has a create here, planning again gives no change; nothing was changed/);
    expect(await owned()).toEqual(DECLARED);
  }, 60_000);

  it("unlock says who holds the lock, asks (refusing without a terminal), and removes it with --force", async () => {
    await fresh();
    const retrier = { run: <T>(_call: string, fn: (attempt: number) => Promise<T>) => fn(1) };
    const locks = new OpenNebulaStackLocks(client, retrier);
    expect((await run("unlock", "lab")).out).toContain('Stack "lab" is not locked on OpenNebula');
    const holder = { ...currentHolder({}, "hyperplan apply"), who: "ci@runner-9", host: "runner-9", pid: 77 };
    expect((await locks.tryAcquire("lab", holder)).acquired).toBe(true);
    const asked = await run("unlock", "lab");
    expect(asked.out).toMatch(/The lock of stack "lab" on OpenNebula \S+ is held by ci@runner-9 \(pid 77, hyperplan apply\) since /);
    expect(asked.err).toContain("pass --force once you are sure no apply of this stack runs");
    expect(asked.code).toBe(1);
    expect((await run("apply", "lab.ts", "--auto-approve")).err).toContain("held by ci@runner-9 (pid 77, hyperplan apply)");
    const forced = await run("unlock", "lab", "--force");
    expect(forced.out).toContain('Removed the lock of stack "lab".');
    expect(await locks.inspect("lab")).toEqual({ held: false });
    // The run that held it finds its lock gone and leaves the new holder's alone.
    expect((await locks.tryAcquire("lab", currentHolder({}, "other"))).acquired).toBe(true);
    await locks.release("lab", holder);
    expect((await locks.inspect("lab")).held).toBe(true);
  });

  it("keeps one lock document per stack when two first runs make one each", async () => {
    await fresh();
    const retrier = { run: <T>(_call: string, fn: (attempt: number) => Promise<T>) => fn(1) };
    for (let round = 0; round < 5; round++) {
      const locks = [new OpenNebulaStackLocks(client, retrier), new OpenNebulaStackLocks(client, retrier)];
      const holders = [currentHolder({}, "test"), currentHolder({}, "test")];
      const stack = `race-${round}`;
      const attempts = await Promise.all(locks.map((l, i) => l.tryAcquire(stack, holders[i]!)));
      expect(attempts.filter((x) => x.acquired)).toHaveLength(1);
      const docs = parseDocumentPool(String(await client.call("one.documentpool.info", -2, -1, -1, 7300))).filter((d) => d.name === `hyperplan-lock-${stack}`);
      expect(docs).toHaveLength(1);
      const winner = attempts.findIndex((x) => x.acquired);
      const loser = attempts[1 - winner]!;
      expect(loser.acquired === false && loser.holder?.run).toBe(holders[winner]!.run);
      await locks[winner]!.release(stack, holders[winner]!);
      expect(await locks[1 - winner]!.inspect(stack)).toEqual({ held: false });
    }
  });
});
