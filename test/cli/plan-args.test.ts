import { describe, expect, it } from "vitest";
import { parsePlanArgs, parseShowArgs, useColor } from "../../src/cli/plan-args";
import { hasErrorCode } from "../../src/errors";

const usage = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(hasErrorCode(error, "USAGE")).toBe(true);
    return (error as Error).message;
  }
  throw new Error("expected a usage error");
};

describe("plan arguments", () => {
  it("default to the stack file search, the configured cloud and the text view", () => {
    expect(parsePlanArgs([])).toEqual({
      file: undefined,
      stack: undefined,
      simulate: false,
      json: false,
      out: undefined,
      detailedExitCode: false,
      destroy: false,
      format: "text",
      targets: [],
      replace: [],
      retryTimeoutMs: 180_000,
      color: undefined,
    });
  });

  it("read every option, targets repeated, deduplicated and sorted", () => {
    expect(
      parsePlanArgs(["lab.ts", "--stack", "lab", "--simulate", "--json", "--out", "p.json", "--detailed-exitcode", "--target", "lab/web-2", "--target", "lab/web-1", "--target", "lab/web-2", "--replace", "lab/db", "--retry-timeout", "10m", "--no-color"]),
    ).toEqual({
      file: "lab.ts",
      stack: "lab",
      simulate: true,
      json: true,
      out: "p.json",
      detailedExitCode: true,
      destroy: false,
      format: "json",
      targets: ["lab/web-1", "lab/web-2"],
      replace: ["lab/db"],
      retryTimeoutMs: 600_000,
      color: false,
    });
  });

  it("refuse what they cannot mean, saying what was wrong", () => {
    expect(usage(() => parsePlanArgs(["a.ts", "b.ts"]))).toContain("at most one stack file");
    expect(usage(() => parsePlanArgs(["--target", "web-1"]))).toContain("address like lab/web-1");
    expect(usage(() => parsePlanArgs(["--stack", " "]))).toContain("--stack needs a stack name");
    expect(usage(() => parsePlanArgs(["--out", ""]))).toContain("--out needs a file name");
    expect(usage(() => parsePlanArgs(["--color", "--no-color"]))).toContain("contradict");
    expect(usage(() => parsePlanArgs(["--frobnicate"]))).toContain("frobnicate");
  });
});

describe("show arguments", () => {
  it("need exactly one plan file", () => {
    expect(parseShowArgs(["plan.json", "--json"])).toEqual({ file: "plan.json", json: true, color: undefined });
    expect(usage(() => parseShowArgs([]))).toContain("exactly one saved plan file");
    expect(usage(() => parseShowArgs(["a", "b"]))).toContain("exactly one saved plan file");
  });
});

describe("useColor", () => {
  it("colours a terminal unless NO_COLOR is set or a flag says otherwise", () => {
    expect(useColor(undefined, true, {})).toBe(true);
    expect(useColor(undefined, true, { NO_COLOR: "1" })).toBe(false);
    expect(useColor(undefined, false, {})).toBe(false);
    expect(useColor(true, false, {})).toBe(true);
    expect(useColor(false, true, {})).toBe(false);
  });
});
