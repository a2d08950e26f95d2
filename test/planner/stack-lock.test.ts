import { describe, expect, it } from "vitest";
import { hostname } from "node:os";
import { acquireStackLock, currentHolder, describeLock, type LockAttempt, type LockHolder, type StackLocks } from "../../src/planner/stack-lock";
import { FakeClock } from "../support/fake-provider";

/** A lock held by `holder` until `freeAt` on the fake clock. */
function lockedUntil(clock: FakeClock, holder: LockHolder, since: number, freeAt: number): StackLocks & { attempts: number } {
  return {
    attempts: 0,
    async tryAcquire(): Promise<LockAttempt> {
      this.attempts++;
      return clock.now() >= freeAt ? { acquired: true } : { acquired: false, since, holder };
    },
    release: async () => undefined,
    inspect: async () => ({ held: false }),
    forceRelease: async () => undefined,
  };
}

const other: LockHolder = { who: "ci@runner-7", host: "runner-7", pid: 4242, command: "hyperplan apply", job: "https://ci.example.org/jobs/99", run: "r-1" };

describe("the stack lock", () => {
  it("names who holds it, since when, and the CI job", () => {
    const since = Date.UTC(2026, 11, 5, 10, 0, 0);
    expect(describeLock({ held: true, since, holder: other }, since + 250_000)).toBe(
      "held by ci@runner-7 (pid 4242, hyperplan apply, https://ci.example.org/jobs/99) since 2026-12-05T10:00:00Z, 4m10s ago",
    );
    expect(describeLock({ held: true, since }, since)).toMatch(/^held by a run that has not said who it is/);
  });

  it("says when the run that holds it is gone from this machine", () => {
    const here = { ...other, host: hostname() };
    expect(describeLock({ held: true, since: 0, holder: here }, 1_000, () => false)).toMatch(/that process no longer runs on this machine/);
    expect(describeLock({ held: true, since: 0, holder: here }, 1_000, () => true)).not.toMatch(/no longer runs/);
  });

  it("fails at once by default, naming the holder and how to remove a lock left behind", async () => {
    const clock = new FakeClock();
    const locks = lockedUntil(clock, other, clock.now(), Number.POSITIVE_INFINITY);
    await expect(acquireStackLock(locks, "lab", currentHolder({}, "hyperplan apply"), { clock, timeoutMs: 0 })).rejects.toThrow(
      /^lab: another apply of stack "lab" is running: its lock is held by ci@runner-7 .*Nothing was read or changed.*`hyperplan unlock lab`/,
    );
    expect(locks.attempts).toBe(1);
  });

  it("waits up to the lock timeout, telling once, and takes the lock when it is released", async () => {
    const clock = new FakeClock();
    const told: string[] = [];
    const locks = lockedUntil(clock, other, clock.now(), clock.now() + 7_000);
    const held = await clock.run(acquireStackLock(locks, "lab", currentHolder({}, "hyperplan apply"), { clock, timeoutMs: 60_000, onWait: (t) => told.push(t) }));
    expect(held).toBeDefined();
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/^stack "lab" is locked, held by ci@runner-7 .*; waiting up to 1m00s$/);
    expect(locks.attempts).toBe(5);
  });

  it("gives up waiting at the timeout", async () => {
    const clock = new FakeClock();
    const locks = lockedUntil(clock, other, clock.now(), Number.POSITIVE_INFINITY);
    await expect(clock.run(acquireStackLock(locks, "lab", currentHolder({}, "hyperplan apply"), { clock, timeoutMs: 10_000 }))).rejects.toThrow(/\(waited 10s\)/);
  });

  it("describes this process with its CI job", () => {
    const h = currentHolder({ USER: "ci", GITHUB_REPOSITORY: "acme/infra", GITHUB_RUN_ID: "12" }, "hyperplan apply");
    expect(h).toMatchObject({ who: `ci@${hostname()}`, pid: process.pid, job: "https://github.com/acme/infra/actions/runs/12" });
    expect(h.run).not.toBe(currentHolder({}, "x").run);
  });
});
