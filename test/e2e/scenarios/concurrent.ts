/**
 * Two applies of one stack at once (two CI jobs, one saved plan applied twice) make every object once:
 * the stack's lock, held in the cloud, lets one run at a time. Each round starts a fresh simulated
 * cloud whose VM pool reads are slowed, so both runs would read "nothing there yet" without the lock.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../support/cli-io";
import type { BackendFixture, RunningCloud } from "./fixture";
import { labFolder } from "./harness";

const ROUNDS = 3;

export function describeConcurrentApplies(fixture: BackendFixture): void {
  const { lab } = fixture;
  const all = lab.addresses.length;

  describe("two applies of one stack at once", () => {
    let dir: string;
    let cloud: RunningCloud | undefined;

    const run = (...argv: string[]) => runCli(argv, { cwd: dir, env: cloud!.env });
    const fresh = async () => {
      await cloud?.stop();
      cloud = await fixture.startHere({ dir, pace: "fast", slowVmReads: true });
    };

    beforeEach(() => {
      dir = labFolder(fixture, "concurrent");
    });
    afterEach(async () => {
      await cloud?.stop();
      cloud = undefined;
    });

    it("lets one run and refuses the other at once, naming the holder; every address has one object", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        await fresh();
        const [a, b] = await Promise.all([run("apply", "lab.ts", "--auto-approve"), run("apply", "lab.ts", "--auto-approve")]);
        expect([a.code, b.code].sort()).toEqual([0, 1]);
        const refused = a.code === 1 ? a : b;
        const holder = fixture.lockNamesHolder === false ? "a run that has not said who it is" : "\\S+ \\(pid \\d+, hyperplan apply\\)";
        expect(refused.err).toMatch(new RegExp(`another apply of stack "${lab.stack}" is running: its lock is held by ${holder}.* since `));
        expect(refused.err).toContain("Nothing was read or changed");
        expect(await cloud!.hand.owned()).toEqual(lab.addresses);
      }
    }, 60_000);

    it("with --lock-timeout, the second waits for the first and then finds nothing to do", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        await fresh();
        const [a, b] = await Promise.all([run("apply", "lab.ts", "--auto-approve", "--lock-timeout", "30s"), run("apply", "lab.ts", "--auto-approve", "--lock-timeout", "30s")]);
        expect([a.code, b.code]).toEqual([0, 0]);
        const outs = [a.out, b.out];
        expect(outs.filter((o) => o.includes(`Plan: ${all} to create`))).toHaveLength(1);
        expect(outs.filter((o) => o.includes("No changes."))).toHaveLength(1);
        expect([a.err, b.err].join("")).toMatch(new RegExp(`stack "${lab.stack}" is locked, held by .*; waiting up to 30s`));
        expect(await cloud!.hand.owned()).toEqual(lab.addresses);
      }
    }, 60_000);

    it("applies one saved plan once when it is applied twice at once", async () => {
      await fresh();
      expect((await run("plan", "lab.ts", "--out", "plan.json")).code).toBe(0);
      const [a, b] = await Promise.all([run("apply", "plan.json", "--lock-timeout", "30s"), run("apply", "plan.json", "--lock-timeout", "30s")]);
      expect([a.code, b.code].sort()).toEqual([0, 1]);
      const second = a.code === 1 ? a : b;
      expect(second.err).toMatch(/: refusing plan\.json: the saved plan has a create here, planning again gives no change; nothing was changed/);
      expect(await cloud!.hand.owned()).toEqual(lab.addresses);
    }, 60_000);
  });
}
