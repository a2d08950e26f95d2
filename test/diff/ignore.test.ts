import { describe, expect, it } from "vitest";
import { ignoreCovers } from "../../src/diff/ignore";

describe("ignoreChanges patterns", () => {
  it("cover a path and everything below it, with * for one key or index", () => {
    expect(ignoreCovers("memory", "memory")).toBe(true);
    expect(ignoreCovers("nics", "nics[0].ip")).toBe(true);
    expect(ignoreCovers("context.vars.*", "context.vars.ROLE")).toBe(true);
    expect(ignoreCovers("disks[*].size", "disks[1].size")).toBe(true);
    expect(ignoreCovers("nics[0]", "nics[0].ip")).toBe(true);
  });

  it("cover nothing beside it", () => {
    expect(ignoreCovers("memory", "memoryMax")).toBe(false);
    expect(ignoreCovers("nics[0]", "nics[1].ip")).toBe(false);
    expect(ignoreCovers("context.vars.*", "context.hostname")).toBe(false);
    expect(ignoreCovers("disks[*].size", "disks[1]")).toBe(false);
    expect(ignoreCovers("vcpu", "cpu")).toBe(false);
  });
});
