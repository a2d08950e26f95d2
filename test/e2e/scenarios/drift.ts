/**
 * Drift made by hand: each change the backend's cloud can be given outside hyperplan, made through
 * the simulator's own wire by a client that is not hyperplan's, on the lab as created. The plan shows
 * exactly that change, apply brings the lab back, and the plan after it is clean; an object the stack
 * does not own, under one of the lab's names, is never planned for.
 */
import { describe, expect, it } from "vitest";
import { DRIFT_NAMES, type BackendFixture } from "./fixture";
import { activeChanges, labAsCreated, summaryLine } from "./harness";

export function describeDrift(fixture: BackendFixture): void {
  const { lab } = fixture;

  describe.concurrent("drift made by hand, planned and converged", () => {
    for (const name of DRIFT_NAMES) {
      const drift = fixture.drifts[name];
      if (!drift) {
        it.skip(`${name}: not a drift the ${fixture.title} fixture makes`, () => {});
        continue;
      }
      it(`${name}: ${drift.what}`, async () => {
        const here = await labAsCreated(fixture, `drift-${name}`);
        await here.withCloud((hand) => drift.make(hand));
        const planned = await here.run("plan", "lab.ts", "--detailed-exitcode");
        expect(planned.err).toBe("");
        expect(planned.code).toBe(2);
        expect(planned.out).toContain(summaryLine(drift.plan));
        for (const fragment of drift.says) expect(planned.out).toContain(fragment);
        const applied = await here.run("apply", "lab.ts", "--auto-approve");
        expect(applied.err).toBe("");
        expect(applied.code).toBe(0);
        const changes = drift.plan.create + drift.plan.update + drift.plan.replace + drift.plan.delete;
        expect(applied.out).toMatch(new RegExp(`apply finished in \\S+: ${changes} done, 0 failed, 0 skipped`));
        expect((await here.run("plan", "lab.ts", "--detailed-exitcode")).code).toBe(0);
        expect(await here.owned()).toEqual(lab.addresses);
      });
    }

    it("never plans for an object it does not own, even under one of the lab's names", async () => {
      const here = await labAsCreated(fixture, "drift-foreign");
      const foreign = await here.withCloud((hand) => hand.makeForeign());
      const plan = await here.planJson();
      expect(activeChanges(plan)).toEqual([]);
      expect(plan.changes.map((c) => c.address).sort()).toEqual(lab.addresses);
      expect((await here.run("apply", "lab.ts", "--auto-approve")).code).toBe(0);
      expect(await here.withCloud((hand) => hand.exists(foreign)), `${foreign.label} was touched`).toBe(true);
    });
  });
}
