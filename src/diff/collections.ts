/**
 * Collections declared as a whole (disks, NICs, security group rules, address ranges): which declared
 * element is which live element, so that each difference is one attach, one detach or one in-place
 * change of an element, never a cascade of shifted positions.
 *
 * The matching rule, in order:
 * 1. The first element of each side is paired when `pinFirst` (a machine's first disk is its boot disk:
 *    it is changed, never detached and attached).
 * 2. As many declared elements as possible are paired with a live element equal to them in every
 *    compared field (a maximum matching, so a declared NIC that leaves its model to the backend does
 *    not take the live NIC another declared NIC names exactly). Removing the 2nd of 3 disks therefore
 *    leaves the 1st and 3rd paired: one detach.
 * 3. Still unpaired declared elements take the first unpaired live element with the same identity
 *    (a disk's image, a NIC's network): a disk that grew, a NIC whose security groups changed.
 * 4. With `positional`, what is left pairs up in order (a NIC moved to another network is one change of
 *    that NIC, shown as such).
 * 5. Declared elements left over are added, live ones removed.
 *
 * Apart from the first disk, the order of elements carries no meaning for the diff: backends append
 * hot-attached disks and NICs at the end, so a declaration that inserted one in the middle would
 * otherwise never match its live object. Declare `target` to pin a disk's device name.
 *
 * Paths: a paired or added element is named by its declared index (`disks[2]`), a removed one by its
 * live index, which is the index in the change's `before`.
 */
export interface Matching {
  /** [declared index, live index], in declared order. */
  pairs: [number, number][];
  added: number[];
  removed: number[];
}

export interface MatchOptions<T> {
  same: (desired: T, live: T) => boolean;
  identity: (element: T) => string | undefined;
  pinFirst?: boolean;
  positional?: boolean;
}

export function matchElements<T>(desired: readonly T[], live: readonly T[], options: MatchOptions<T>): Matching {
  const liveOf = new Map<number, number>();
  const usedLive = new Set<number>();
  const pair = (d: number, l: number) => {
    liveOf.set(d, l);
    usedLive.add(l);
  };
  if (options.pinFirst && desired.length > 0 && live.length > 0) pair(0, 0);

  const firstFree = (test: (l: number) => boolean): number | undefined => {
    for (let l = 0; l < live.length; l++) if (!usedLive.has(l) && test(l)) return l;
    return undefined;
  };
  maximumSamePairs(desired, live, options.same, liveOf, usedLive);
  for (let d = 0; d < desired.length; d++) {
    if (liveOf.has(d)) continue;
    const id = options.identity(desired[d]!);
    if (id === undefined) continue;
    const l = firstFree((i) => options.identity(live[i]!) === id);
    if (l !== undefined) pair(d, l);
  }
  if (options.positional) {
    for (let d = 0; d < desired.length; d++) {
      if (liveOf.has(d)) continue;
      const l = firstFree(() => true);
      if (l !== undefined) pair(d, l);
    }
  }
  const pairs: [number, number][] = [];
  const added: number[] = [];
  for (let d = 0; d < desired.length; d++) {
    const l = liveOf.get(d);
    if (l === undefined) added.push(d);
    else pairs.push([d, l]);
  }
  const removed: number[] = [];
  for (let l = 0; l < live.length; l++) if (!usedLive.has(l)) removed.push(l);
  return { pairs, added, removed };
}

/**
 * Kuhn's augmenting paths over the "equal in every compared field" relation: the largest set of
 * pairs, declared elements in order, each trying live elements in order, so the result is stable.
 * Collections are small (a machine's disks), so the cubic worst case does not matter.
 */
function maximumSamePairs<T>(
  desired: readonly T[],
  live: readonly T[],
  same: (d: T, l: T) => boolean,
  liveOf: Map<number, number>,
  usedLive: Set<number>,
): void {
  const fixedDesired = new Set(liveOf.keys());
  const fixedLive = new Set(usedLive);
  const candidates = desired.map((d, i) =>
    fixedDesired.has(i) ? [] : live.map((l, j) => j).filter((j) => !fixedLive.has(j) && same(d, live[j]!)),
  );
  const owner = new Map<number, number>();
  const tryPair = (d: number, seen: Set<number>): boolean => {
    for (const l of candidates[d]!) {
      if (seen.has(l)) continue;
      seen.add(l);
      const current = owner.get(l);
      if (current === undefined || tryPair(current, seen)) {
        owner.set(l, d);
        return true;
      }
    }
    return false;
  };
  for (let d = 0; d < desired.length; d++) if (candidates[d]!.length > 0) tryPair(d, new Set());
  for (const [l, d] of owner) {
    liveOf.set(d, l);
    usedLive.add(l);
  }
}
