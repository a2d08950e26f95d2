import { describe, expect, it } from "vitest";
import { hasErrorCode } from "../../src/errors";
import type { Operation, OperationStatus } from "../../src/core/operation";
import type { TrackOutcome, TrackerOptions } from "../../src/planner/tracker";
import { OperationTimeoutError, OperationTracker, PollFailedError } from "../../src/planner/tracker";
import type { FakeScript } from "../support/fake-provider";
import { FakeClock, FakeProvider, fakePlan, permanentError, transientError } from "../support/fake-provider";

function setup(scripts: Record<string, FakeScript> | ((c: { address: string }) => FakeScript), options: Partial<TrackerOptions> = {}) {
  const clock = new FakeClock();
  const provider = new FakeProvider(clock, scripts);
  const progress: string[] = [];
  const retries: number[] = [];
  const tracker = new OperationTracker(provider, {
    clock,
    random: () => 0.5,
    onProgress: (op, s) => progress.push(`${op.address} ${s.state}${s.detail ? ` ${s.detail}` : ""}`),
    onPollRetry: (i) => retries.push(i.retryInMs),
    ...options,
  });
  const start = async (address: string, kind = "VirtualMachine") => {
    const [change] = fakePlan([{ address, kind }]).changes;
    return provider.start(change!, undefined);
  };
  const track = async (address: string, kind?: string) => tracker.track(await start(address, kind));
  return { clock, provider, tracker, progress, retries, start, track };
}

/** Gaps between successive polls, in ms. */
function gaps(provider: FakeProvider): number[] {
  return provider.polls.slice(1).map((p, i) => p.at - provider.polls[i]!.at);
}

describe("OperationTracker", () => {
  it("makes one poll call per tick for 1,000 in-flight operations, and the calls per second stay bounded", async () => {
    const { clock, provider, tracker, start } = setup(() => ({ ticks: 8, states: ["PENDING", "PROLOG", "BOOT"] }));
    const ops = await Promise.all(Array.from({ length: 1000 }, (_, i) => start(`lab/vm-${String(i).padStart(4, "0")}`)));
    const t0 = clock.now();
    const outcomes = await clock.run(Promise.all(ops.map((op) => tracker.track(op))));
    expect(outcomes.every((o) => o.phase === "done")).toBe(true);
    // Every operation needs 8 polls; all 1,000 ride on the same 8 calls.
    expect(provider.pollCalls).toBe(8);
    for (const poll of provider.polls) expect(poll.addresses).toHaveLength(1000);
    const seconds = (clock.now() - t0) / 1000;
    expect(provider.pollCalls / seconds).toBeLessThanOrEqual(1000 / 200);
    expect(tracker.inFlight).toBe(0);
  });

  it("never polls twice within initialMs, however operations join", async () => {
    const { clock, provider, track } = setup(() => ({ ticks: 3 }));
    const runs: Promise<TrackOutcome>[] = [];
    // An operation joins every 50 ms for two seconds.
    const joiner = (async () => {
      for (let i = 0; i < 40; i++) {
        runs.push(track(`lab/vm-${i}`));
        await clock.sleep(50);
      }
    })();
    await clock.run(joiner.then(() => Promise.all(runs)));
    expect(Math.min(...gaps(provider))).toBeGreaterThanOrEqual(200);
  });

  it("backs off while nothing changes, up to maxMs", async () => {
    const { clock, provider, track } = setup({ "lab/vm": { stuck: true, states: ["PENDING"] } }, { defaultTimeoutMs: 60_000 });
    await clock.run(track("lab/vm"));
    const g = gaps(provider);
    // First poll after 200 ms sees PENDING (a move); then nothing moves: ×1.5 each tick, capped at 5 s.
    expect(provider.polls[0]!.at - provider.timings.get("lab/vm")!.startedAt).toBe(200);
    expect(g.slice(0, 9)).toEqual([200, 300, 450, 675, 1012.5, 1518.75, 2278.125, 3417.1875, 5000]);
    expect(g.slice(9, -1).every((x) => x === 5000)).toBe(true);
  });

  it("snaps back to the short interval when a state moves", async () => {
    // States: PENDING ×6, then BOOT: the gap after the move returns to 200 ms.
    const states = ["PENDING", "PENDING", "PENDING", "PENDING", "PENDING", "PENDING", "BOOT", "BOOT"];
    const { clock, provider, track, progress } = setup({ "lab/vm": { ticks: 9, states } });
    await clock.run(track("lab/vm"));
    expect(gaps(provider)).toEqual([200, 300, 450, 675, 1012.5, 1518.75, 200, 300]);
    expect(progress).toEqual(["lab/vm PENDING", "lab/vm BOOT"]);
  });

  it("snaps back when a new operation joins during a long backoff", async () => {
    const { clock, provider, tracker, track } = setup({ "lab/slow": { stuck: true, states: ["PENDING"] }, "lab/late": { ticks: 1 } }, { defaultTimeoutMs: 60_000 });
    const slow = track("lab/slow");
    await clock.advance(17_000);
    expect(gaps(provider).at(-1)).toBe(5000);
    expect(tracker.intervalMs).toBe(5000);
    const lastPoll = provider.polls.at(-1)!.at;
    const joinedAt = clock.now();
    const late = track("lab/late");
    const outcome = await clock.run(late);
    expect(outcome.phase).toBe("done");
    const next = provider.polls.find((p) => p.at > lastPoll)!;
    expect(next.addresses).toEqual(["lab/slow", "lab/late"]);
    // Without the join the next poll would have come 5 s after the last one; it came 200 ms after the join.
    expect(lastPoll + 5000 - joinedAt).toBeGreaterThan(2000);
    expect(next.at - joinedAt).toBe(200);
    await clock.run(slow);
  });

  it("times an operation out per kind, quoting the last state and the backend's detail", async () => {
    const detail = "Cannot dispatch VM: No host with enough capacity to deploy the VM";
    const { clock, track } = setup(
      { "lab/vm": { stuck: true, states: ["PENDING"], detail, steps: ["allocate", "wait RUNNING"] }, "lab/img": { ticks: 2 } },
      { timeouts: { VirtualMachine: 60_000 }, defaultTimeoutMs: 3_600_000 },
    );
    const t0 = clock.now();
    const [vm, img] = await clock.run(Promise.all([track("lab/vm"), track("lab/img", "Image")]));
    expect(img.phase).toBe("done");
    expect(vm.phase).toBe("failed");
    const error = (vm as Extract<TrackOutcome, { phase: "failed" }>).error;
    expect(error).toBeInstanceOf(OperationTimeoutError);
    expect(error.message).toBe(`lab/vm: timed out after 1m00s at step "wait RUNNING"; last state PENDING (${detail})`);
    expect((vm as { state?: string }).state).toBe("PENDING");
    // The deadline itself brings a tick: the timeout lands on time, not at the next 5 s poll.
    expect(clock.now() - t0).toBe(60_000);
  });

  it("says so when an operation timed out before any state was read", async () => {
    const { clock, provider, track } = setup({ "lab/vm": { stuck: true } }, { defaultTimeoutMs: 1_000, maxPollFailures: 100 });
    provider.failNextPolls(...Array.from({ length: 50 }, () => transientError()));
    const outcome = await clock.run(track("lab/vm"));
    expect(outcome.phase).toBe("failed");
    expect((outcome as { error: Error }).error.message).toBe('lab/vm: timed out after 1s at step "apply"; no state was read');
  });

  it("tolerates a transient poll error: the next tick retries and the operation finishes", async () => {
    const { clock, provider, track, retries } = setup({ "lab/vm": { ticks: 2 } });
    provider.failNextPolls(transientError("read ECONNRESET"));
    const outcome = await clock.run(track("lab/vm"));
    expect(outcome.phase).toBe("done");
    expect(provider.pollCalls).toBe(3);
    // Jittered backoff with random 0.5: half of the 200 ms cap, but never sooner than initialMs.
    expect(retries).toEqual([200]);
  });

  it("fails the in-flight operations with the cause after maxPollFailures transient failures in a row", async () => {
    const { clock, provider, track, retries } = setup({ "lab/a": { ticks: 5 }, "lab/b": { ticks: 5 } }, { maxPollFailures: 3 });
    const cause = transientError("connect ECONNREFUSED 127.0.0.1:2633");
    provider.failNextPolls(cause, cause, cause);
    const outcomes = await clock.run(Promise.all([track("lab/a"), track("lab/b")]));
    expect(provider.pollCalls).toBe(3);
    expect(retries).toEqual([200, 200]);
    for (const [i, outcome] of outcomes.entries()) {
      expect(outcome.phase).toBe("failed");
      const error = (outcome as { error: Error }).error;
      expect(error).toBeInstanceOf(PollFailedError);
      expect(error.cause).toBe(cause);
      expect(error.message).toBe(`lab/${"ab"[i]}: lost track of the operation: 3 polls in a row failed over 400ms (connect ECONNREFUSED 127.0.0.1:2633)`);
    }
  });

  it("rides out a cloud that stops answering for less than retryTimeoutMs, and fails the operations once it stays away longer", async () => {
    const outage = (failures: number, retryTimeoutMs: number) => {
      const { clock, provider, track } = setup({ "lab/vm": { ticks: 2 } }, { retryTimeoutMs, pollInterval: { initialMs: 1_000, maxMs: 10_000 } });
      provider.failNextPolls(...Array.from({ length: failures }, () => transientError("connect ECONNREFUSED 127.0.0.1:2633")));
      return clock.run(track("lab/vm"));
    };
    // Twelve refused polls with backoff capped at 10 s take about a minute: within three minutes, done.
    expect((await outage(12, 180_000)).phase).toBe("done");
    const lost = await outage(1_000, 60_000);
    expect(lost.phase).toBe("failed");
    expect((lost as { error: Error }).error.message).toMatch(/^lab\/vm: lost track of the operation: \d+ polls in a row failed over \d+s \(connect ECONNREFUSED/);
  });

  it("resets the count of failed polls after a poll succeeds", async () => {
    const { clock, provider, track } = setup({ "lab/vm": { ticks: 4 } }, { maxPollFailures: 2 });
    provider.failNextPolls(transientError());
    const first = track("lab/vm");
    await clock.advance(450);
    provider.failNextPolls(transientError());
    expect((await clock.run(first)).phase).toBe("done");
  });

  it("fails the in-flight operations at once on a poll error that retrying cannot fix", async () => {
    const { clock, provider, track, retries } = setup({ "lab/vm": { ticks: 5 } });
    const cause = permanentError();
    provider.failNextPolls(cause);
    const outcome = await clock.run(track("lab/vm"));
    expect(provider.pollCalls).toBe(1);
    expect(retries).toEqual([]);
    expect(outcome.phase).toBe("failed");
    const error = (outcome as { error: Error }).error;
    expect(hasErrorCode(error, "POLL_FAILED")).toBe(true);
    expect(error.message).toContain("User couldn't be authenticated");
  });

  it("reports done with the provider's id and outputs, and failed with the backend's own error", async () => {
    const { clock, track } = setup({
      "lab/web": { ticks: 2, id: "42", outputs: { ip: "10.0.0.5" } },
      "lab/db": { ticks: 2, fail: { message: "[one.vm.deploy] Error deploying virtual machine", code: "ACTION", state: "BOOT_FAILURE" } },
    });
    const [web, db] = await clock.run(Promise.all([track("lab/web"), track("lab/db")]));
    expect(web).toEqual({ phase: "done", state: "DONE", id: "42", outputs: { ip: "10.0.0.5" } });
    expect(db.phase).toBe("failed");
    expect((db as { state: string }).state).toBe("BOOT_FAILURE");
    expect((db as { error: Error }).error.message).toBe("[one.vm.deploy] Error deploying virtual machine");
  });

  it("fails an operation the provider returned no status for, instead of waiting for its timeout", async () => {
    const clock = new FakeClock();
    const poller = { poll: async (ops: Operation[]): Promise<OperationStatus[]> => ops.filter((o) => o.address !== "lab/lost").map((o) => ({ address: o.address, phase: "done", state: "DONE" })) };
    const tracker = new OperationTracker(poller, { clock });
    const op = (address: string): Operation => ({ address, kind: "Image", action: "create", steps: ["allocate"], step: 0, startedAt: clock.now(), data: {} });
    const [kept, lost] = await clock.run(Promise.all([tracker.track(op("lab/kept")), tracker.track(op("lab/lost"))]));
    expect(kept.phase).toBe("done");
    expect(lost.phase).toBe("failed");
    expect((lost as { error: Error }).error.message).toBe("lab/lost: the provider's poll returned no status for this operation");
  });

  it("treats a poll that returns something other than a list as a failed poll", async () => {
    const clock = new FakeClock();
    const tracker = new OperationTracker({ poll: async () => ({ oops: true }) as unknown as OperationStatus[] }, { clock });
    const outcome = await clock.run(tracker.track({ address: "lab/x", kind: "Image", action: "create", steps: ["a"], step: 0, startedAt: 0, data: {} }));
    expect(outcome.phase).toBe("failed");
    expect((outcome as { error: Error }).error.message).toBe(
      "lab/x: lost track of the operation: polling failed with an error that retrying cannot fix (the provider's poll returned an object instead of a list of statuses)",
    );
  });

  it("reports every tracked operation as interrupted, with its last state, the moment the signal aborts", async () => {
    const controller = new AbortController();
    const { clock, provider, track } = setup({ "lab/a": { stuck: true, states: ["BOOT"] }, "lab/b": { stuck: true } }, { signal: controller.signal });
    const runs = Promise.all([track("lab/a"), track("lab/b")]);
    await clock.advance(1_000);
    const polls = provider.pollCalls;
    controller.abort();
    const outcomes = await clock.run(runs);
    expect(outcomes).toEqual([
      { phase: "interrupted", state: "BOOT" },
      { phase: "interrupted", state: "RUNNING" },
    ]);
    await clock.advance(10_000);
    expect(provider.pollCalls).toBe(polls);
  });

  it("refuses to track two operations for one address, and bad options", async () => {
    const { tracker, start } = setup({ "lab/a": { stuck: true } });
    const op = await start("lab/a");
    void tracker.track(op);
    expect(() => tracker.track(op)).toThrow("lab/a: an operation for this address is already being tracked");
    const clock = new FakeClock();
    const poller = { poll: async () => [] };
    expect(() => new OperationTracker(poller, { clock, pollInterval: { initialMs: 0 } })).toThrow("pollInterval.initialMs must be a finite number > 0, not 0");
    expect(() => new OperationTracker(poller, { clock, pollInterval: { initialMs: 500, maxMs: 100 } })).toThrow("pollInterval.maxMs (100) must be ≥ initialMs (500)");
    expect(() => new OperationTracker(poller, { clock, pollInterval: { factor: 0.5 } })).toThrow("pollInterval.factor must be a finite number ≥ 1, not 0.5");
    expect(() => new OperationTracker(poller, { clock, timeouts: { Image: -1 } })).toThrow("the timeout of Image must be a finite number > 0, not -1");
    expect(() => new OperationTracker(poller, { clock, maxPollFailures: 0 })).toThrow("maxPollFailures must be a whole number ≥ 1, not 0");
  });
});
