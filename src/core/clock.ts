/**
 * Time, injected: every wait and timestamp of the core goes through a Clock, so tests run on a fake one.
 */

/** Milliseconds since the epoch; injected so tests run on a fake clock. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
