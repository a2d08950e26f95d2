import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderPlanText, formatValue } from "../../src/cli/render/plan-text";
import { parsePlan, serializePlan } from "../../src/core/plan";
import { maskSecrets } from "../../src/resources/desired-state";
import { expectGolden } from "../resources/golden";

const here = dirname(fileURLToPath(import.meta.url));
const diffGolden = join(here, "..", "diff", "__golden__");
const cases = readdirSync(diffGolden).filter((c) => existsSync(join(diffGolden, c, "plan.json")));

describe("plan text renderer", () => {
  // The diff's golden plans cover every kind and every action; their text views are golden too.
  it.each(cases)("renders the %s plan", (name) => {
    const plan = parsePlan(readFileSync(join(diffGolden, name, "plan.json"), "utf8"), name);
    expectGolden(here, join("plan-text", name), { "plan.txt": renderPlanText(maskSecrets(plan)) });
  });

  it("renders a saved plan exactly as the plan it was saved from", () => {
    const plan = parsePlan(readFileSync(join(diffGolden, "create-all", "plan.json"), "utf8"));
    expect(renderPlanText(parsePlan(serializePlan(plan)))).toBe(renderPlanText(plan));
  });

  it("never prints a secret value", () => {
    const plan = parsePlan(readFileSync(join(diffGolden, "vm-secret-change", "plan.json"), "utf8"));
    const secrets = JSON.stringify(plan).match(/"secret":"([^"]+)"/g) ?? [];
    expect(secrets.length).toBeGreaterThan(0);
    const text = renderPlanText(maskSecrets(plan));
    for (const s of secrets) expect(text).not.toContain(JSON.parse(`{${s}}`).secret);
  });

  it("marks values known only after apply and colours by action on a terminal", () => {
    expect(formatValue({ unknown: true })).toBe("(known after apply)");
    expect(formatValue("x", true)).toBe("(sensitive)");
    const plan = parsePlan(readFileSync(join(diffGolden, "create-all", "plan.json"), "utf8"));
    expect(renderPlanText(plan, { color: true })).toContain("\x1b[32m");
  });
});
