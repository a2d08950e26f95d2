/**
 * The end-to-end scenarios, written once (`./scenarios/`), for every backend in `FIXTURES`: the lab
 * created from empty and planned clean, every kind of edit, replacements, destroy, drift made by
 * hand, saved plans made stale, and two applies at once. The kill -9 scenarios run from
 * `crash.test.ts`, beside these.
 */
import { describe } from "vitest";
import { describeConcurrentApplies } from "./scenarios/concurrent";
import { describeDrift } from "./scenarios/drift";
import { FIXTURES } from "./scenarios/fixtures";
import { describeLifecycle } from "./scenarios/lifecycle";
import { describeSavedPlans } from "./scenarios/saved-plan";

for (const fixture of FIXTURES) {
  describe(fixture.title, () => {
    describeLifecycle(fixture);
    describeDrift(fixture);
    describeSavedPlans(fixture);
    describeConcurrentApplies(fixture);
  });
}
