/**
 * The lab's life with `--simulate`: planned and created from empty, a second plan with nothing to do,
 * every kind of edit the backend carries out applied on its own and planned clean afterwards, a
 * replacement forced by an edit and by `--replace`, and a destroy that leaves nothing the stack owns
 * and everything it does not.
 */
import { describe, expect, it } from "vitest";
import { parsePlan } from "../../../src/core/plan";
import { EDIT_NAMES, type BackendFixture, type PlanCounts } from "./fixture";
import { activeChanges, createdLab, idAt, labAsCreated, labFolder, SimulatedLab, summaryLine } from "./harness";

const none: PlanCounts = { create: 0, update: 0, replace: 0, delete: 0 };

export function describeLifecycle(fixture: BackendFixture): void {
  const { lab } = fixture;
  const all = lab.addresses.length;
  const done = (n: number) => new RegExp(`apply finished in \\S+: ${n} done, 0 failed, 0 skipped`);

  describe("create, update, replace, destroy", () => {
    it("plans the lab from empty: everything created, dependencies first, the simulator named on the first line", async () => {
      const empty = new SimulatedLab(fixture, labFolder(fixture, "empty"));
      expect((await empty.run("plan", "lab.ts", "--destroy")).out).toContain(`Nothing to destroy: stack "${lab.stack}" owns no objects there.`);
      const planned = await empty.run("plan", "lab.ts");
      expect(planned.err).toBe("");
      expect(planned.code).toBe(0);
      expect(planned.out.split("\n")[0]).toMatch(fixture.simulate.firstLine);
      const order = [...planned.out.matchAll(/^\s+\+ (\S+) /gm)].map((m) => m[1]!);
      expect([...order].sort()).toEqual(lab.addresses);
      for (const [needed, user] of lab.dependencies) expect(order.indexOf(needed), `${needed} before ${user}`).toBeLessThan(order.indexOf(user));
      expect(planned.out).toContain(summaryLine({ ...none, create: all }));
      // The plan document says the same, and --detailed-exitcode says there is work.
      const json = await empty.run("plan", "lab.ts", "--json", "--detailed-exitcode");
      expect(json.code).toBe(2);
      const plan = parsePlan(json.out);
      expect(plan.summary).toEqual({ ...none, create: all });
      expect(plan.stack).toBe(lab.stack);
      expect(plan.backend).toBe(fixture.name);
    });

    it("applies the lab from empty, each object once, and a second plan has no changes", async () => {
      const { applied } = await createdLab(fixture);
      expect(applied.err).toBe("");
      expect(applied.code).toBe(0);
      expect(applied.out).toContain(summaryLine({ ...none, create: all }));
      expect(applied.out).toMatch(done(all));
      const here = await labAsCreated(fixture, "noop");
      expect(await here.owned()).toEqual(lab.addresses);
      const again = await here.run("plan", "lab.ts", "--detailed-exitcode");
      expect(again.out).toContain("No changes.");
      expect(again.code).toBe(0);
    });

    (lab.output ? it : it.skip)(`publishes the output ${lab.output?.name ?? "(none declared)"} once applied`, async () => {
      const output = lab.output!;
      const { applied } = await createdLab(fixture);
      const value = new RegExp(`output ${output.name} = (\\S+)`).exec(applied.out)?.[1];
      expect(value).toMatch(output.value);
      const here = await labAsCreated(fixture, "output");
      expect(await here.run("output", "lab.ts", "--json")).toMatchObject({ code: 0, out: `${JSON.stringify({ values: { [output.name]: value }, unknown: [] })}\n` });
      expect(await here.run("output", "lab.ts", output.name)).toMatchObject({ code: 0, out: `${value}\n` });
    });

    // Each edit starts from the lab as created, in a folder of its own: they run side by side.
    describe.concurrent("each kind of edit, applied as planned, then the plan is clean", () => {
      for (const name of EDIT_NAMES) {
        const edit = lab.edits[name];
        if (!edit) {
          it.skip(`${name}: not an edit the ${fixture.title} fixture carries out`, () => {});
          continue;
        }
        it(`${name}: ${edit.what}`, async () => {
          const here = await labAsCreated(fixture, name);
          const file = here.write(name, edit.edit);
          const planned = await here.planJson(file);
          expect(planned.summary).toEqual(edit.plan);
          const applied = await here.run("apply", file, "--auto-approve");
          expect(applied.err).toBe("");
          expect(applied.code).toBe(0);
          expect(applied.out).toContain(summaryLine(edit.plan));
          for (const fragment of edit.says) expect(applied.out).toContain(fragment);
          expect(applied.out).toMatch(done(activeChanges(planned).length));
          expect((await here.run("plan", file, "--detailed-exitcode")).code).toBe(0);
          // Exactly the declared objects, each once; what was updated is the same object, what was replaced a new one.
          const expected = [...lab.addresses.filter((a) => !edit.removes?.includes(a)), ...(edit.adds ?? [])].sort();
          expect(await here.owned()).toEqual(expected);
          const after = await here.planJson(file);
          for (const change of planned.changes) {
            if (change.action === "update") expect(idAt(after, change.address), change.address).toBe(change.id);
            if (change.action === "replace") expect(idAt(after, change.address), change.address).not.toBe(change.id);
          }
        });
      }
    });

    (lab.forcedReplace ? it : it.skip)("replaces an object with --replace, saying so, and plans clean afterwards", async () => {
      const { address, says } = lab.forcedReplace!;
      const here = await labAsCreated(fixture, "replace");
      const before = await here.planJson();
      const planned = await here.run("plan", "lab.ts", "--replace", address);
      for (const pattern of says) expect(planned.out).toMatch(pattern);
      expect(planned.out).toContain(summaryLine({ ...none, replace: 1 }));
      expect((await here.run("plan", "lab.ts", "--replace", `${lab.stack}/nope`)).err).toContain(`--replace ${lab.stack}/nope: matches no declared or live resource of the stack`);
      const applied = await here.run("apply", "lab.ts", "--auto-approve", "--replace", address);
      expect(applied.err).toBe("");
      expect(applied.code).toBe(0);
      const after = await here.planJson();
      expect(activeChanges(after)).toEqual([]);
      expect(idAt(after, address)).not.toBe(idAt(before, address));
      expect(await here.owned()).toEqual(lab.addresses);
    });

    it("destroys everything the stack owns, users first, and leaves an object of a declared name it does not own", async () => {
      const here = await labAsCreated(fixture, "destroy");
      const foreign = await here.withCloud((hand) => hand.makeForeign());
      const planned = parsePlan((await here.run("plan", "lab.ts", "--destroy", "--json")).out);
      expect(planned.mode).toBe("destroy");
      expect(planned.changes.every((c) => c.action === "delete")).toBe(true);
      const order = planned.changes.map((c) => c.address);
      expect([...order].sort()).toEqual(lab.addresses);
      for (const [needed, user] of lab.dependencies) expect(order.indexOf(user), `${user} before ${needed}`).toBeLessThan(order.indexOf(needed));
      // As terraform destroy: it asks first, and nobody can answer without a terminal.
      const unconfirmed = await here.run("destroy", "lab.ts");
      expect(unconfirmed.code).toBe(1);
      expect(unconfirmed.err).toContain("pass --auto-approve");
      const destroyed = await here.run("destroy", "lab.ts", "--auto-approve");
      expect(destroyed.err).toBe("");
      expect(destroyed.code).toBe(0);
      expect(destroyed.out).toContain(summaryLine({ ...none, delete: all }));
      expect(destroyed.out).toMatch(done(all));
      const [owned, lives] = await here.withCloud(async (hand) => [await hand.owned(), await hand.exists(foreign)] as const);
      expect(owned).toEqual([]);
      expect(lives, `${foreign.label} was touched`).toBe(true);
      expect((await here.planJson()).summary).toEqual({ ...none, create: all });
      const again = await here.run("destroy", "lab.ts", "--auto-approve");
      expect(again.code).toBe(0);
      expect(again.out).toContain(`Nothing to destroy: stack "${lab.stack}" owns no objects there.`);
    });
  });
}
