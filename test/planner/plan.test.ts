import { describe, expect, it } from "vitest";
import { PLAN_FORMAT_VERSION, makeChange, parsePlan, serializePlan, summarize, type Plan, type ResourceChange } from "../../src/core/plan";
import { actionSymbol, isChange, worstImpact } from "../../src/core/action";
import { hasErrorCode } from "../../src/errors";

const base: ResourceChange = { address: "lab/web-1", kind: "VirtualMachine", action: "create", after: { name: "web-1" }, diff: [], dependsOn: [], reason: "" };

function plan(changes: ResourceChange[]): Plan {
  return { formatVersion: PLAN_FORMAT_VERSION, stack: "lab", backend: "opennebula", endpoint: "http://x/RPC2", liveFingerprint: "sha256:0", mode: "plan", changes, summary: summarize(changes) };
}

describe("makeChange", () => {
  it("refuses shapes that cannot exist, naming the address", () => {
    const cases: [Partial<ResourceChange>, string][] = [
      [{ action: "create", before: {} }, "a create cannot have a before state"],
      [{ action: "delete", after: {}, before: {} }, "a delete cannot have an after state"],
      [{ action: "delete", after: undefined }, "a delete needs a before state"],
      [{ action: "update", before: {} }, "an update needs at least one attribute diff"],
      [{ action: "replace", before: {}, diff: [{ path: "image", impact: "replace", operation: "replace" }] }, "a replace needs the attributes that force it"],
      [{ action: "noop", before: {}, diff: [{ path: "memory", impact: "in-place", operation: "one.vm.resize" }] }, "a noop cannot have attribute diffs"],
    ];
    for (const [patch, message] of cases) {
      try {
        makeChange({ ...base, ...patch });
        throw new Error(`accepted ${JSON.stringify(patch)}`);
      } catch (error) {
        expect(hasErrorCode(error, "CHANGE_SHAPE")).toBe(true);
        expect((error as Error).message).toContain(`lab/web-1: ${message}`);
      }
    }
  });

  it("sorts and deduplicates what a change waits for", () => {
    expect(makeChange({ ...base, dependsOn: ["lab/b", "lab/a", "lab/b"] }).dependsOn).toEqual(["lab/a", "lab/b"]);
  });
});

describe("the plan document", () => {
  it("round-trips through its JSON with stable key order", () => {
    const doc = plan([makeChange(base)]);
    const text = serializePlan(doc);
    expect(serializePlan(parsePlan(text))).toBe(text);
    expect(text.indexOf('"changes"')).toBeLessThan(text.indexOf('"endpoint"'));
  });

  it("refuses another format version, naming both", () => {
    const text = JSON.stringify({ ...plan([]), formatVersion: 1 });
    expect(() => parsePlan(text, "old.json")).toThrow(`old.json has plan format version 1; this hyperplan reads version ${PLAN_FORMAT_VERSION}: make the plan again`);
  });

  it("refuses what is not a plan", () => {
    expect(() => parsePlan("{", "p.json")).toThrow("p.json is not JSON");
    expect(() => parsePlan("[]", "p.json")).toThrow("plan format version");
    expect(() => parsePlan(JSON.stringify({ ...plan([]), mode: "yolo" }), "p.json")).toThrow('unknown mode "yolo"');
    expect(() => parsePlan(JSON.stringify({ ...plan([]), changes: [{ address: "x", action: "explode" }] }), "p.json")).toThrow("change #0 is malformed");
  });

  it("counts what a plan does, leaving noops out", () => {
    const noop = makeChange({ ...base, action: "noop", before: {}, after: {} });
    expect(summarize([makeChange(base), noop])).toEqual({ create: 1, update: 0, replace: 0, delete: 0 });
  });
});

describe("actions and impacts", () => {
  it("name their symbols and take the worst impact", () => {
    expect(["create", "update", "replace", "delete", "noop"].map((a) => actionSymbol(a as never))).toEqual(["+", "~", "-/+", "-", " "]);
    expect(isChange("noop")).toBe(false);
    expect(worstImpact("in-place", "replace")).toBe("replace");
    expect(worstImpact("in-place-with-power-cycle", "in-place")).toBe("in-place-with-power-cycle");
  });
});
