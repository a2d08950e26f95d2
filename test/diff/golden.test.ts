/**
 * Golden plans: for every case of golden-cases.ts, the stored inputs and the stored plan (or error)
 * must equal what the code produces now. UPDATE_GOLDEN=1 rewrites them; a missing file fails.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isHyperplanError } from "../../src/errors";
import { buildPlan } from "../../src/planner/plan-builder";
import { serializePlan } from "../../src/core/plan";
import { sortKeys } from "../../src/resources/canonical-json";
import { openNebulaDiffRules } from "../../src/providers/opennebula/diff-rules";
import { GOLDEN_CASES } from "./golden-cases";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "__golden__");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

const json = (value: unknown) => `${JSON.stringify(sortKeys(value), null, 2)}\n`;

function expectFile(dir: string, name: string, actual: string): void {
  const file = join(dir, name);
  if (UPDATE) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`golden file ${file} is missing; run the tests with UPDATE_GOLDEN=1 to write it`);
  expect(actual, `golden ${file}`).toBe(readFileSync(file, "utf8"));
}

function outcome(c: (typeof GOLDEN_CASES)[number]): { file: string; text: string } {
  try {
    const plan = buildPlan({ desired: c.desired, live: c.live, rules: openNebulaDiffRules, mode: c.options?.mode ?? "plan", ...c.options });
    return { file: "plan.json", text: serializePlan(plan) };
  } catch (error) {
    if (!isHyperplanError(error)) throw error;
    return { file: "error.json", text: json({ code: error.code, address: error.address, summary: error.summary }) };
  }
}

describe("golden plans", () => {
  for (const c of GOLDEN_CASES) {
    it(`${c.name}`, () => {
      const dir = join(ROOT, c.name);
      if (UPDATE) rmSync(dir, { recursive: true, force: true });
      expectFile(dir, "desired.json", json(c.desired));
      expectFile(dir, "live.json", json(c.live));
      if (c.options) expectFile(dir, "options.json", json(c.options));
      const result = outcome(c);
      expectFile(dir, result.file, result.text);
      const other = result.file === "plan.json" ? "error.json" : "plan.json";
      expect(existsSync(join(dir, other)), `${c.name} also has a stale ${other}`).toBe(false);
    });
  }

  it("has no golden directory without a case", () => {
    const names = new Set(GOLDEN_CASES.map((c) => c.name));
    expect(names.size).toBe(GOLDEN_CASES.length);
    const stray = existsSync(ROOT) ? readdirSync(ROOT).filter((d) => !names.has(d)) : [];
    if (UPDATE) for (const d of stray) rmSync(join(ROOT, d), { recursive: true, force: true });
    else expect(stray).toEqual([]);
  });
});
