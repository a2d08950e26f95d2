import { describe, expect, it } from "vitest";
import { parseApplyArgs } from "../../src/cli/commands/apply";
import { parseDuration } from "../../src/cli/plan-args";

describe("apply arguments", () => {
  it("default to the backend's parallelism, no timeouts, no targets, asking for confirmation", () => {
    expect(parseApplyArgs([])).toEqual({
      file: undefined,
      stack: undefined,
      simulate: false,
      autoApprove: false,
      destroy: false,
      targets: [],
      replace: [],
      retryTimeoutMs: 180_000,
      lockTimeoutMs: 0,
      parallelism: undefined,
      timeouts: {},
      json: false,
      color: undefined,
    });
  });

  it("read every option", () => {
    expect(
      parseApplyArgs(["plan.json", "--simulate", "--auto-approve", "--parallelism", "4", "--timeout", "VirtualMachine=20m", "--timeout", "Image=1.5h", "--json", "--no-color"]),
    ).toMatchObject({ file: "plan.json", simulate: true, autoApprove: true, parallelism: 4, timeouts: { VirtualMachine: 1_200_000, Image: 5_400_000 }, json: true, color: false });
    expect(parseApplyArgs(["--destroy", "--target", "lab/b", "--target", "lab/a", "--target", "lab/b"])).toMatchObject({ destroy: true, targets: ["lab/a", "lab/b"] });
  });

  it("name what is wrong", () => {
    expect(() => parseApplyArgs(["a.ts", "b.ts"])).toThrow("expected at most one stack file or plan file");
    expect(() => parseApplyArgs(["--parallelism", "2.5"])).toThrow("--parallelism needs a whole number ≥ 1");
    expect(() => parseApplyArgs(["--timeout", "VirtualMachine"])).toThrow("--timeout needs KIND=TIME");
    expect(() => parseApplyArgs(["--timeout", "VirtualMachine=0s"])).toThrow("needs a duration like 90s, 20m or 2h");
    expect(() => parseApplyArgs(["--target", "web"])).toThrow("--target needs a resource address like lab/web-1");
    expect(() => parseApplyArgs(["--color", "--no-color"])).toThrow("contradict");
    expect(() => parseApplyArgs(["--yes"])).toThrow();
  });

  it("reads durations in ms, s, m and h", () => {
    expect(parseDuration("1500ms")).toBe(1500);
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("20m")).toBe(1_200_000);
    expect(parseDuration("2h")).toBe(7_200_000);
    expect(parseDuration("0.5s")).toBe(500);
    for (const bad of ["", "10", "5 min", "-3s", "0m", "1d"]) expect(parseDuration(bad)).toBeUndefined();
  });
});
