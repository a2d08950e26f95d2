/**
 * A small seeded PRNG (mulberry32). Its whole state is one 32-bit integer, so the world snapshot
 * carries it and a reloaded simulator keeps drawing the same sequence.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** True with the given probability (1 when undefined). */
  chance(probability: number | undefined): boolean {
    if (probability === undefined || probability >= 1) return true;
    if (probability <= 0) return false;
    return this.next() < probability;
  }

  get seed(): number {
    return this.state;
  }

  set seed(value: number) {
    this.state = value >>> 0;
  }
}
