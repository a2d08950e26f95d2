/**
 * The simulators' seeded PRNG (mulberry32). Its whole state is one 32-bit integer, so a world
 * snapshot carries it and a reloaded simulator goes on drawing the same sequence. Every random
 * choice a simulator makes (identifiers, jitter, fault probabilities) draws from one of these.
 */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

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

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with the given probability (always when undefined). */
  chance(probability: number | undefined): boolean {
    if (probability === undefined || probability >= 1) return true;
    if (probability <= 0) return false;
    return this.next() < probability;
  }

  /** A version-4 UUID (RFC 4122 layout) from the sequence. */
  uuid(): string {
    let hex = "";
    for (let i = 0; i < 4; i++) {
      const word = Math.floor(this.next() * 0x1_0000_0000);
      hex += HEX[(word >>> 24) & 0xff]! + HEX[(word >>> 16) & 0xff]! + HEX[(word >>> 8) & 0xff]! + HEX[word & 0xff]!;
    }
    const variant = "89ab"[parseInt(hex[16] as string, 16) & 0x3] as string;
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  get seed(): number {
    return this.state;
  }

  set seed(value: number) {
    this.state = value >>> 0;
  }
}
