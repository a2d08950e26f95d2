/**
 * The queue of a simulated world's pending steps: a binary min-heap ordered by the time a step is
 * due (`at`), then by the order it was queued in (`seq`), so steps due at the same time run in the
 * order they were scheduled.
 */
export interface Timed {
  at: number;
  seq: number;
}

export class TimedQueue<T extends Timed> {
  private heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): T | undefined {
    return this.heap[0];
  }

  push(item: T): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(h[i] as T, h[parent] as T)) break;
      [h[i], h[parent]] = [h[parent] as T, h[i] as T];
      i = parent;
    }
  }

  pop(): T | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && earlier(h[l] as T, h[m] as T)) m = l;
        if (r < h.length && earlier(h[r] as T, h[m] as T)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as T, h[i] as T];
        i = m;
      }
    }
    return top;
  }

  /** Every queued item in the order it will run. */
  toArray(): T[] {
    return [...this.heap].sort((a, b) => (earlier(a, b) ? -1 : 1));
  }
}

function earlier(a: Timed, b: Timed): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
