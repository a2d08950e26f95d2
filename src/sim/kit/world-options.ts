/**
 * What every simulated world is made with, whatever cloud it stands for: the clock it reads, the
 * seed of its PRNG, its delays and its fault rules (each simulator brings the types of the last
 * two), and picking those out of a simulator's start options.
 */
export interface Clock {
  now(): number;
}

export interface CommonWorldOptions<D, F> {
  seed?: number;
  delays?: D;
  clock?: Clock;
  faults?: F[];
}

/** The seed, delays, clock and faults `options` gives, leaving out those it does not. */
export function commonWorldOptions<D, F>(options: CommonWorldOptions<D, F>): CommonWorldOptions<D, F> {
  return {
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.delays !== undefined ? { delays: options.delays } : {}),
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
    ...(options.faults !== undefined ? { faults: options.faults } : {}),
  };
}
