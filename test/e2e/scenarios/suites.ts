/**
 * The end-to-end scenarios, written once (`./lifecycle.ts`, `./drift.ts`, `./saved-plan.ts`,
 * `./concurrent.ts`, `./imports.ts`, `./crash.ts`), described for one backend's fixture. Each backend has one file
 * under `test/e2e/backends/` and one under `test/e2e/crash/` calling these, so the backends' scenarios
 * run side by side (`test/e2e/suites-complete.test.ts` checks that every fixture has both).
 */
import { describe } from "vitest";
import { describeConcurrentApplies } from "./concurrent";
import { describeCrashes } from "./crash";
import { describeDrift } from "./drift";
import { describeImports } from "./imports";
import type { BackendFixture } from "./fixture";
import { FIXTURES } from "./fixtures";
import { describeLifecycle } from "./lifecycle";
import { describeSavedPlans } from "./saved-plan";

function fixtureNamed(name: string): BackendFixture {
  const fixture = FIXTURES.find((f) => f.name === name);
  if (!fixture) throw new Error(`no end-to-end fixture for the backend ${name} (fixtures.ts lists ${FIXTURES.map((f) => f.name).join(", ")})`);
  return fixture;
}

/** The lab created from empty and planned clean, every kind of edit, replacements, destroy, drift, saved plans, two applies at once, adoption. */
export function describeScenarios(name: string): void {
  const fixture = fixtureNamed(name);
  describe(fixture.title, () => {
    describeLifecycle(fixture);
    describeDrift(fixture);
    describeSavedPlans(fixture);
    describeConcurrentApplies(fixture);
    describeImports(fixture);
  });
}

/** Apply killed with SIGKILL at several points (and a destroy killed halfway), then run again. */
export function describeCrashScenarios(name: string): void {
  const fixture = fixtureNamed(name);
  describe(fixture.title, () => describeCrashes(fixture));
}
