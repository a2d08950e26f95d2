/**
 * Crash safety: `kill -9` of apply at several points, then a second apply, converges with no duplicate
 * and no orphan. The cloud (the simulator) runs in its own process, as a real one would, and outlives
 * the killed apply; the apply that is killed runs in a process of its own, the commands after it in
 * the test's process.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { runCli } from "../../support/cli-io";
import type { ApplyEvent, BackendFixture, RunningCloud } from "./fixture";
import { applyProcess, events, labFolder } from "./harness";

export function describeCrashes(fixture: BackendFixture): void {
  const { lab } = fixture;

  describe("apply killed with SIGKILL, then run again", () => {
    let dir: string;
    let cloud: RunningCloud;

    const start = async (slowVmDeletes = false) => {
      cloud = await fixture.startProcess({ dir, stateFile: join(dir, "world.json"), pace: "fast", slowVmDeletes });
    };
    const run = (...argv: string[]) => runCli(argv, { cwd: dir, env: cloud.env });
    const killedApply = (killWhen: (event: ApplyEvent, seen: ApplyEvent[]) => boolean, ...args: string[]) => applyProcess({ cwd: dir, env: cloud.env, args }, killWhen);

    beforeEach(async () => {
      dir = labFolder(fixture, "crash");
      await start();
    }, 30_000);
    afterEach(async () => {
      await cloud.stop();
    });

    const killPoints: [string, (event: ApplyEvent, seen: ApplyEvent[]) => boolean][] = [
      ["while the first creates are in flight", (e) => e.type === "change-started"],
      [`once half the objects are ready (${Math.floor(lab.addresses.length / 2)})`, (e, seen) => e.type === "change-done" && seen.filter((x) => x.type === "change-done").length === Math.floor(lab.addresses.length / 2)],
      [`while ${lab.vms[1]} is being created`, (e) => e.type === "change-started" && e.address === lab.vms[1]],
    ];

    it.each(killPoints)("converges when killed %s", async (_, killWhen) => {
      const killed = await killedApply(killWhen);
      expect(killed.signal).toBe("SIGKILL");
      // The killed run left the stack's lock: the next apply says whose, and that its process is gone.
      const locked = await run("apply", "lab.ts", "--auto-approve");
      expect(locked.code).toBe(1);
      expect(locked.err).toMatch(
        fixture.lockNamesHolder === false
          ? new RegExp(`another apply of stack "${lab.stack}" is running: its lock is held by a run that has not said who it is`)
          : new RegExp(`another apply of stack "${lab.stack}" is running: its lock is held by \\S+ \\(pid ${killed.pid}, hyperplan apply\\) since .*that process no longer runs on this machine`),
      );
      expect(locked.err).toContain(`hyperplan unlock ${lab.stack}`);
      const unlocked = await run("unlock", lab.stack, "lab.ts", "--force");
      expect(unlocked.out).toContain(`Removed the lock of stack "${lab.stack}".`);
      expect(unlocked.code).toBe(0);
      const rerun = await run("apply", "lab.ts", "--auto-approve", "--json");
      expect(rerun.err).toBe("");
      expect(events(rerun).at(-1)).toMatchObject({ type: "apply-finished", failed: 0, skipped: 0 });
      expect(rerun.code).toBe(0);
      // Every declared address once: no duplicate, no orphan.
      expect(await cloud.hand.owned()).toEqual(lab.addresses);
      const again = await run("apply", "lab.ts", "--auto-approve", "--json");
      expect(again.code).toBe(0);
      expect(events(again).filter((e) => e.type === "change-started")).toEqual([]);
    }, 60_000);

    const destroyKill = fixture.destroyKill;
    (destroyKill ? it : it.skip)(`converges on the first rerun of a destroy killed ${destroyKill?.what ?? "(no kill point given)"}`, async () => {
      expect((await run("apply", "lab.ts", "--auto-approve")).code).toBe(0);
      // The same world, with deletes long enough to kill the destroy in the middle of them.
      await cloud.stop();
      await start(true);
      const killed = await killedApply(destroyKill!.when, "--destroy");
      expect(killed.signal).toBe("SIGKILL");
      expect((await run("unlock", lab.stack, "lab.ts", "--force")).code).toBe(0);
      const rerun = await run("apply", "lab.ts", "--auto-approve", "--destroy", "--json");
      expect(rerun.err).toBe("");
      expect(events(rerun).filter((e) => e.type === "change-failed")).toEqual([]);
      expect(events(rerun).at(-1)).toMatchObject({ type: "apply-finished", failed: 0, skipped: 0 });
      expect(rerun.code).toBe(0);
      expect(await cloud.hand.owned()).toEqual([]);
    }, 60_000);
  });
}
