/** Every backend's fixture has its scenario files, so no backend's scenarios are left out of a run. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BACKENDS } from "../../src/backends/registry";
import { FIXTURES } from "./scenarios/fixtures";

const here = dirname(fileURLToPath(import.meta.url));

describe("the end-to-end scenarios", () => {
  it("run for every backend of the registry, in a file of their own and a crash file of their own", () => {
    expect(FIXTURES.map((f) => f.name).sort()).toEqual(BACKENDS.map((b) => b.name).sort());
    for (const { name } of FIXTURES) {
      for (const [folder, call] of [["backends", "describeScenarios"], ["crash", "describeCrashScenarios"]] as const) {
        const file = join(here, folder, `${name}.test.ts`);
        expect(existsSync(file), `${folder}/${name}.test.ts`).toBe(true);
        expect(readFileSync(file, "utf8")).toContain(`${call}("${name}")`);
      }
    }
  });
});
