import { describe, expect, it } from "vitest";
import { classify, joinKey, matchPath, pathSegments, type AttributeContext, type KindRules } from "../../src/diff/rules";

describe("path patterns", () => {
  it("splits paths into names, indexes and quoted keys", () => {
    expect(pathSegments("disks[2].size")).toEqual(["disks", "[2]", "size"]);
    expect(pathSegments('attributes["odd.key"].x')).toEqual(["attributes", "odd.key", "x"]);
    expect(pathSegments("name")).toEqual(["name"]);
  });

  it("quotes keys that do not read as names", () => {
    expect(joinKey("attributes", "TEAM")).toBe("attributes.TEAM");
    expect(joinKey("attributes", "a.b")).toBe('attributes["a.b"]');
    expect(pathSegments(joinKey("attributes", 'we"ird'))).toEqual(["attributes", 'we"ird']);
  });

  it.each([
    ["memory", "memory", true],
    ["memory", "memory.x", false],
    ["disks[*].size", "disks[3].size", true],
    ["disks[*].size", "disks.size", false],
    ["disks[0].size", "disks[1].size", false],
    ["disks[*]", "disks[1]", true],
    ["disks[*]", "disks[1].size", false],
    ["attributes.*", "attributes.TEAM", true],
    ["attributes.*", "attributes[0]", false],
    ["context.**", "context.vars.DB", true],
    ["context.**", "context", false],
    ["**", "anything[2].at.all", true],
  ])("%s matches %s: %s", (pattern, path, expected) => {
    expect(matchPath(pattern, path)).toBe(expected);
  });
});

describe("classification", () => {
  const ctx = (path: string, change: AttributeContext["change"] = "modify"): AttributeContext =>
    ({ path, change, before: 1, after: 2, status: { state: "RUNNING", healthy: true }, renewed: false }) as AttributeContext;
  const rules: KindRules = {
    attributes: [
      { path: "disks[*]", when: "add", impact: "in-place", operation: "attach" },
      { path: "disks[*]", when: "remove", impact: "in-place", operation: "detach", effects: ["gone"] },
      { path: "memory", impact: (c) => (c.status.state === "RUNNING" ? "in-place-with-power-cycle" : "in-place"), operation: "resize" },
      { path: "memory", impact: "replace", operation: "never reached" },
    ],
    replaceOrder: "create-before-destroy",
    createOperation: "create",
    deleteOperation: "delete",
    deleteBlockedBy: [],
  };

  it("takes the first matching rule, honouring the kind of change", () => {
    expect(classify(rules, ctx("disks[1]", "add"))).toEqual({ impact: "in-place", operation: "attach", effects: [] });
    expect(classify(rules, ctx("disks[1]", "remove"))).toEqual({ impact: "in-place", operation: "detach", effects: ["gone"] });
    expect(classify(rules, ctx("memory")).impact).toBe("in-place-with-power-cycle");
  });

  it("replaces when no rule says how an attribute changes in place", () => {
    const result = classify(rules, ctx("disks[1]", "modify"));
    expect(result.impact).toBe("replace");
    expect(result.effects[0]).toContain("disks[1]");
  });
});
