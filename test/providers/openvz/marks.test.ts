import { describe, expect, it } from "vitest";
import { addressOfMark, markOf } from "../../../src/providers/openvz/marks";

describe("the stack's mark in a container's description", () => {
  it("is hyperplan, the stack and the address's path, word by word, and reads back to the address", () => {
    expect(markOf("ci", "ci/build-1")).toBe("hyperplan ci build-1");
    expect(markOf("ci", "ci/builders/b.1")).toBe("hyperplan ci builders b.1");
    expect(addressOfMark("ci", "hyperplan ci builders b.1")).toBe("ci/builders/b.1");
  });

  it("is never read into another description, another stack's, or one a person wrote around it", () => {
    for (const d of [null, "", "ci build-1", "hyperplan ci", "hyperplan other build-1", "Hyperplan ci build-1", "hyperplan ci build-1 (do not touch)", "hyperplan  ci build-1"]) {
      expect(addressOfMark("ci", d), String(d)).toBeUndefined();
    }
  });

  it("refuses ids the panel's descriptions cannot carry, naming them", () => {
    expect(() => markOf("ci", "ci/build_1")).toThrow(/"build_1" cannot be part of a container's description on the panel/);
    expect(() => markOf("my_ci", "my_ci/b")).toThrow(/rename the stack/);
  });
});
