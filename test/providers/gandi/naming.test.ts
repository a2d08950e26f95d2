import { describe, expect, it } from "vitest";
import { gandiName, gandiNameProblem, ownedName } from "../../../src/providers/gandi/naming";

describe("Gandi names", () => {
  it("are <name>.<stack>, and only names of that form are the stack's", () => {
    expect(gandiName("shop", "web-1")).toBe("web-1.shop");
    expect(ownedName("shop", "web-1.shop")).toBe("web-1");
    expect(ownedName("shop", "web-1.shopping")).toBeUndefined();
    expect(ownedName("shop", "web-1")).toBeUndefined();
    expect(ownedName("shop", "a.b.shop")).toBeUndefined();
    expect(ownedName("shop", ".shop")).toBeUndefined();
    expect(ownedName("shop", "web-1.other")).toBeUndefined();
  });

  it("take host name labels only", () => {
    expect(gandiNameProblem("web-1")).toBeUndefined();
    expect(gandiNameProblem("web_1")).toMatch(/must be a host name label on Gandi/);
    expect(gandiNameProblem("-web")).toMatch(/host name label/);
    expect(gandiNameProblem("a".repeat(64))).toMatch(/at most 63 characters/);
  });
});
