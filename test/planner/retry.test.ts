import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { HyperplanError } from "../../src/errors";
import { backoffCap, backoffDelay, isTransientError, withRetry } from "../../src/core/retry";
import { FakeClock, permanentError, transientError } from "../support/fake-provider";

/** A function that fails with the given errors, one per call, then returns "ok". */
function flaky(errors: Error[]) {
  let calls = 0;
  const fn = async (attempt: number) => {
    calls++;
    expect(attempt).toBe(calls);
    const error = errors[calls - 1];
    if (error) throw error;
    return "ok";
  };
  return { fn, calls: () => calls };
}

describe("withRetry", () => {
  it("retries transient errors with exponential backoff capped at maxMs", async () => {
    const clock = new FakeClock();
    const { fn, calls } = flaky([transientError(), transientError(), transientError(), transientError()]);
    const retries: number[] = [];
    const t0 = clock.now();
    // random() just under 1 takes each delay to the top of its range: floor(0.999… × cap) = cap - 1.
    const result = await clock.run(
      withRetry(fn, { clock, baseMs: 100, maxMs: 500, maxAttempts: 6, random: () => 0.999999, onRetry: (i) => retries.push(i.delayMs) }),
    );
    expect(result).toBe("ok");
    expect(calls()).toBe(5);
    expect(retries).toEqual([99, 199, 399, 499]);
    expect(clock.sleeps).toEqual(retries);
    expect(clock.now() - t0).toBe(99 + 199 + 399 + 499);
  });

  it("draws each delay with full jitter: the injected random scales the cap", async () => {
    const clock = new FakeClock();
    const { fn } = flaky([transientError(), transientError(), transientError()]);
    const draws = [0, 0.5, 0.25];
    const delays: number[] = [];
    await clock.run(withRetry(fn, { clock, baseMs: 200, maxMs: 10_000, random: () => draws.shift()!, onRetry: (i) => delays.push(i.delayMs) }));
    expect(delays).toEqual([0, 200, 200]);
  });

  it("keeps every delay within [0, cap) for any attempt and any random draw", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 100_000 }), (retry, r, base, extra) => {
        const max = base + extra;
        const cap = backoffCap(retry, base, max);
        const delay = backoffDelay(retry, base, max, () => r);
        expect(cap).toBeLessThanOrEqual(max);
        expect(cap).toBe(Math.min(max, base * 2 ** (retry - 1)));
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(Math.max(0, cap - 1));
        expect(Number.isInteger(delay)).toBe(true);
      }),
    );
  });

  it("does not retry authentication, authorisation or parameter errors", async () => {
    const clock = new FakeClock();
    const auth = permanentError();
    const { fn, calls } = flaky([auth]);
    await expect(clock.run(withRetry(fn, { clock, random: () => 0.5 }))).rejects.toBe(auth);
    expect(calls()).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("does not retry an error that says nothing about being transient", async () => {
    const clock = new FakeClock();
    const plain = new Error("[one.vm.allocate] Error parsing template: syntax error");
    const { fn, calls } = flaky([plain]);
    await expect(clock.run(withRetry(fn, { clock }))).rejects.toBe(plain);
    expect(calls()).toBe(1);
  });

  it("rethrows the last error unchanged once maxAttempts attempts failed", async () => {
    const clock = new FakeClock();
    const errors = [transientError("reset 1"), transientError("reset 2"), transientError("reset 3")];
    const { fn, calls } = flaky(errors);
    await expect(clock.run(withRetry(fn, { clock, maxAttempts: 3, random: () => 0 }))).rejects.toBe(errors[2]);
    expect(calls()).toBe(3);
  });

  it("uses a caller's classifier instead of the transient flag", async () => {
    const clock = new FakeClock();
    const locked = Object.assign(new Error("[one.image.delete] Image is locked"), { code: "LOCKED" });
    const { fn, calls } = flaky([locked, locked]);
    const result = await clock.run(withRetry(fn, { clock, random: () => 0, isTransient: (e) => (e as { code?: string }).code === "LOCKED" }));
    expect(result).toBe("ok");
    expect(calls()).toBe(3);
  });

  it("stops waiting when aborted and rethrows the error it was retrying", async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const error = transientError();
    const { fn, calls } = flaky([error, error, error]);
    const run = withRetry(fn, { clock, baseMs: 1000, random: () => 0.5, signal: controller.signal, onRetry: () => controller.abort() });
    await expect(clock.run(run)).rejects.toBe(error);
    expect(calls()).toBe(1);
  });

  it("refuses options that cannot work", async () => {
    const clock = new FakeClock();
    await expect(withRetry(async () => 1, { clock, maxAttempts: 0 })).rejects.toThrow("maxAttempts must be a whole number ≥ 1, not 0");
    await expect(withRetry(async () => 1, { clock, baseMs: 500, maxMs: 100 })).rejects.toThrow("maxMs must be finite and ≥ baseMs (500), not 100");
    expect(() => backoffDelay(1, 100, 1000, () => 1)).toThrow("random() returned 1; it must be in [0, 1)");
  });
});

describe("isTransientError", () => {
  it("reads the transient flag the wire clients set", () => {
    expect(isTransientError(transientError())).toBe(true);
    expect(isTransientError(permanentError())).toBe(false);
    expect(isTransientError(new Error("plain"))).toBe(false);
    expect(isTransientError("not an error")).toBe(false);
    expect(isTransientError(undefined)).toBe(false);
  });

  it("looks down the cause chain, and the outermost error that says either way decides", () => {
    const wrapped = new HyperplanError("PROVIDER", "could not read the VM pool", { cause: transientError() });
    expect(isTransientError(wrapped)).toBe(true);
    const overridden = Object.assign(new HyperplanError("PROVIDER", "gave up", { cause: transientError() }), { transient: false });
    expect(isTransientError(overridden)).toBe(false);
  });
});

describe("withRetry and time", () => {
  it("wakes from a backoff the moment the signal aborts, without waiting the delay out", async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const error = transientError();
    const { fn, calls } = flaky([error, error]);
    void clock.sleep(100).then(() => controller.abort());
    const t0 = clock.now();
    await expect(clock.run(withRetry(fn, { clock, baseMs: 10_000, maxMs: 10_000, random: () => 0.5, signal: controller.signal }))).rejects.toBe(error);
    expect(calls()).toBe(1);
    expect(clock.now() - t0).toBe(100);
  });
});
