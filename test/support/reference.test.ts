import { describe, expect, it } from "vitest";
import { decideReference, REFERENCE_ROOT, referencePath } from "./reference";

describe("tests that need ../shared/reference", () => {
  const xsd = referencePath("opennebula/xsd");

  it("run when the reference is there, in CI or not", () => {
    expect(decideReference(xsd, "XSD checks", { exists: true, ci: false })).toEqual({ kind: "run" });
    expect(decideReference(xsd, "XSD checks", { exists: true, ci: true })).toEqual({ kind: "run" });
  });

  it("are skipped with one line saying why in a clean clone", () => {
    const decision = decideReference(xsd, "XSD checks", { exists: false, ci: false });
    expect(decision).toEqual({
      kind: "skip",
      message: "skipped XSD checks: ../shared/reference/opennebula/xsd is not beside the checkout (a clean clone); CI runs it",
    });
  });

  it("fail naming the missing path when CI=true", () => {
    const decision = decideReference(xsd, "XSD checks", { exists: false, ci: true });
    expect(decision.kind).toBe("fail");
    expect(decision.kind === "fail" && decision.message).toContain("../shared/reference/opennebula/xsd is missing");
    expect(decision.kind === "fail" && decision.message).toContain(xsd);
  });

  it("look beside the checkout, not inside it", () => {
    expect(REFERENCE_ROOT.endsWith("/shared/reference")).toBe(true);
    expect(xsd).toBe(`${REFERENCE_ROOT}/opennebula/xsd`);
  });
});
