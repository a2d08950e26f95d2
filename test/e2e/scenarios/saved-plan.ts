/**
 * A saved plan is a promise: `apply plan.json` carries it out while the cloud is as it was when the
 * plan was made, and refuses it, changing nothing, once the cloud has moved (by that very apply, or
 * by a hand).
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parsePlan } from "../../../src/core/plan";
import { DRIFT_NAMES, EDIT_NAMES, type BackendFixture } from "./fixture";
import { activeChanges, labAsCreated } from "./harness";

export function describeSavedPlans(fixture: BackendFixture): void {
  const { lab } = fixture;
  // The edit and the drift the tests make: memory if the backend has it, else the first it has.
  const editName = lab.edits.memoryChanged ? "memoryChanged" : EDIT_NAMES.find((n) => lab.edits[n]);
  const driftName = fixture.drifts.memoryChanged ? "memoryChanged" : DRIFT_NAMES.find((n) => fixture.drifts[n]);
  const edit = editName && lab.edits[editName];
  const drift = driftName && fixture.drifts[driftName];

  describe.concurrent("saved plans", () => {
    (edit ? it : it.skip)(`carries out a saved plan (${editName ?? "no edit"}), and refuses it once the cloud has moved on`, async () => {
      const here = await labAsCreated(fixture, "saved");
      const file = here.write("edited", edit!.edit);
      expect((await here.run("plan", file, "--out", "plan.json")).code).toBe(0);
      const saved = parsePlan(readFileSync(join(here.dir, "plan.json"), "utf8"));
      expect(saved.desired?.stack).toBe(lab.stack);
      expect(saved.summary).toEqual(edit!.plan);
      const applied = await here.run("apply", "plan.json");
      expect(applied.err).toBe("");
      expect(applied.code).toBe(0);
      expect(applied.out).toMatch(new RegExp(`${activeChanges(saved).length} done, 0 failed`));
      // The same plan again: the objects it was made from have changed (by the apply that carried it out).
      const stale = await here.run("apply", "plan.json");
      expect(stale.code).toBe(1);
      expect(stale.err).toContain("changed since the plan was made");
      expect((await here.run("plan", file, "--detailed-exitcode")).code).toBe(0);
    });

    (edit && drift ? it : it.skip)(`refuses a saved plan made stale by a change by hand (${driftName ?? "no drift"}), before changing anything`, async () => {
      const here = await labAsCreated(fixture, "stale");
      const file = here.write("edited", edit!.edit);
      expect((await here.run("plan", file, "--out", "plan.json")).code).toBe(0);
      await here.withCloud((hand) => drift!.make(hand));
      const moved = await here.planJson(file);
      const refused = await here.run("apply", "plan.json");
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/: refusing plan\.json: .*; nothing was changed\. .*changed since the plan was made/);
      // Nothing was changed: planning again gives exactly what it gave before the refused apply.
      expect((await here.planJson(file)).changes).toEqual(moved.changes);
      expect(await here.owned()).toEqual(lab.addresses);
    });
  });
}
