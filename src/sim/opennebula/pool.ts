/**
 * One pool of objects of a kind: records by id, ids kept in ascending order (oned lists pools
 * `ORDER BY oid`), its own id sequence starting at 0, and each object's rendered document cached
 * already escaped for the XML-RPC `<string>`, so a page or a 10,000-VM listing is a join of
 * cached pieces and nothing is re-rendered until the object changes.
 */
export interface PoolObject {
  id: number;
  uid: number;
  gid: number;
  name: string;
}

/** Index of the first element >= value in an ascending array. */
export function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element > value in an ascending array. */
export function upperBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts into an ascending array (ids are usually appended, so this is O(1) in practice). */
export function sortedInsert(sorted: number[], value: number): void {
  const last = sorted[sorted.length - 1];
  if (last === undefined || last < value) {
    sorted.push(value);
    return;
  }
  const at = lowerBound(sorted, value);
  if (sorted[at] !== value) sorted.splice(at, 0, value);
}

export function sortedRemove(sorted: number[], value: number): void {
  const at = lowerBound(sorted, value);
  if (sorted[at] === value) sorted.splice(at, 1);
}

/** The id/pagination part of a pool info call (FACTS §4). */
export interface PoolWindow {
  start: number;
  end: number;
}

export class Pool<R extends PoolObject> {
  private readonly byId = new Map<number, R>();
  private readonly order: number[] = [];
  private readonly cache = new Map<number, Map<string, string>>();
  nextId = 0;

  get size(): number {
    return this.byId.size;
  }

  get(id: number): R | undefined {
    return this.byId.get(id);
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  /** Takes the next id of this kind's own sequence. */
  allocateId(): number {
    return this.nextId++;
  }

  insert(record: R): void {
    if (this.byId.has(record.id)) throw new Error(`duplicate id ${record.id}`);
    this.byId.set(record.id, record);
    sortedInsert(this.order, record.id);
    if (record.id >= this.nextId) this.nextId = record.id + 1;
  }

  remove(id: number): R | undefined {
    const record = this.byId.get(id);
    if (!record) return undefined;
    this.byId.delete(id);
    this.cache.delete(id);
    sortedRemove(this.order, id);
    return record;
  }

  /** Forgets the cached documents of an object after it changed. */
  touch(id: number): void {
    this.cache.delete(id);
  }

  touchAll(): void {
    this.cache.clear();
  }

  /** The cached escaped document `variant` of object `id`, rendering it once when missing. */
  cached(id: number, variant: string, render: () => string): string {
    let entry = this.cache.get(id);
    if (!entry) {
      entry = new Map();
      this.cache.set(id, entry);
    }
    let piece = entry.get(variant);
    if (piece === undefined) {
      piece = render();
      entry.set(variant, piece);
    }
    return piece;
  }

  /** All ids, ascending. The array is live: do not mutate it. */
  ids(): readonly number[] {
    return this.order;
  }

  *values(): IterableIterator<R> {
    for (const id of this.order) yield this.byId.get(id) as R;
  }

  /** Objects named `name` owned by `uid` (the UNIQUE(name,uid) check of image, vnet and secgroup pools). */
  findByName(name: string, uid: number): R | undefined {
    for (const r of this.byId.values()) if (r.name === name && r.uid === uid) return r;
    return undefined;
  }

  /**
   * Selects records as `PoolSQL::dump` does: an id range when `end >= -1`, otherwise a page of
   * `-end` rows starting at row offset `start`, always in id order. `source` may be a narrower
   * ascending id list (e.g. the VMs that are not DONE) so a page never scans the whole pool;
   * `accept` filters further (owner filters, exact states) and costs a scan only when given.
   */
  select(window: PoolWindow, accept?: (r: R) => boolean, source: readonly number[] = this.order): R[] {
    const out: R[] = [];
    if (window.end >= -1) {
      let from = 0;
      let to = source.length;
      if (window.start !== -1) {
        from = lowerBound(source, window.start);
        if (window.end !== -1) to = upperBound(source, window.end);
      }
      for (let i = from; i < to; i++) {
        const r = this.byId.get(source[i] as number) as R;
        if (!accept || accept(r)) out.push(r);
      }
      return out;
    }
    const offset = Math.max(0, window.start);
    const limit = -window.end;
    if (!accept) {
      for (let i = offset; i < source.length && out.length < limit; i++) out.push(this.byId.get(source[i] as number) as R);
      return out;
    }
    let skipped = 0;
    for (let i = 0; i < source.length && out.length < limit; i++) {
      const r = this.byId.get(source[i] as number) as R;
      if (!accept(r)) continue;
      if (skipped < offset) skipped++;
      else out.push(r);
    }
    return out;
  }
}
