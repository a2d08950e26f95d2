/**
 * OpenNebula's stack lock, held in the cloud as a document of its own: `hyperplan unlock` names its
 * holder and removes it, and two first runs make one lock document between them. Two applies started
 * together, for every backend, are in `scenarios/concurrent.ts`.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { OneClient } from "../../src/providers/opennebula/client";
import { OpenNebulaStackLocks } from "../../src/providers/opennebula/stack-lock";
import { currentHolder } from "../../src/planner/stack-lock";
import { parseDocumentPool } from "../../src/providers/opennebula/records";
import { startOneSimulator, type RunningOneSimulator } from "../../src/sim/opennebula/index";
import { oneEnv, runCli } from "../support/cli-io";

const examples = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "stacks");

describe("the stack lock on OpenNebula", () => {
  let dir: string;
  let sim: RunningOneSimulator;
  let client: OneClient;

  const run = (...argv: string[]) => runCli(argv, { cwd: dir, env: oneEnv(sim.url, dir) });
  const fresh = async () => {
    await client?.close();
    await sim?.close();
    sim = await startOneSimulator({ port: 0, delays: "fast" });
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
