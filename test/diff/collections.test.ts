import { describe, expect, it } from "vitest";
import { matchElements } from "../../src/diff/collections";

type El = { id: string; size: number; model?: string };
const same = (d: El, l: El) => d.id === l.id && d.size === l.size && (d.model === undefined || d.model === l.model);
const identity = (e: El) => e.id;

describe("collection matching", () => {
  it("removing the middle one of three elements is one removal", () => {
    const live = [{ id: "a", size: 1 }, { id: "b", size: 1 }, { id: "c", size: 1 }];
    const desired = [live[0]!, live[2]!];
    expect(matchElements(desired, live, { same, identity, pinFirst: true })).toEqual({ pairs: [[0, 0], [1, 2]], added: [], removed: [1] });
  });

  it("pairs a changed element with the live one of the same identity", () => {
    const live = [{ id: "a", size: 1 }, { id: "b", size: 1 }];
    const desired = [{ id: "a", size: 1 }, { id: "b", size: 2 }];
    expect(matchElements(desired, live, { same, identity })).toEqual({ pairs: [[0, 0], [1, 1]], added: [], removed: [] });
  });

  it("ignores the order of elements after the first", () => {
    const live = [{ id: "a", size: 1 }, { id: "c", size: 1 }, { id: "b", size: 1 }];
    const desired = [{ id: "a", size: 1 }, { id: "b", size: 1 }, { id: "c", size: 1 }];
    const m = matchElements(desired, live, { same, identity, pinFirst: true });
    expect(m.added).toEqual([]);
    expect(m.removed).toEqual([]);
  });

  it("finds the largest set of exact pairs, so a loose element does not take a precise one's match", () => {
    const live = [{ id: "n", size: 1, model: "e1000" }, { id: "n", size: 1, model: "virtio" }];
    const desired = [{ id: "n", size: 1 }, { id: "n", size: 1, model: "e1000" }];
    expect(matchElements(desired, live, { same, identity })).toEqual({ pairs: [[0, 1], [1, 0]], added: [], removed: [] });
  });

  it("pins the first elements together even when they differ", () => {
    const m = matchElements([{ id: "x", size: 1 }], [{ id: "y", size: 1 }], { same, identity, pinFirst: true });
    expect(m.pairs).toEqual([[0, 0]]);
  });

  it("pairs what is left by position only when asked", () => {
    const desired = [{ id: "x", size: 1 }];
    const live = [{ id: "y", size: 1 }];
    expect(matchElements(desired, live, { same, identity }).pairs).toEqual([]);
    expect(matchElements(desired, live, { same, identity, positional: true }).pairs).toEqual([[0, 0]]);
  });
});
