/**
 * The laws of the diff: a faithful live state has no diff; the plan is a valid order; arbitrary live
 * input never crashes the diff (it is either diffed or refused with a hyperplan error).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isHyperplanError } from "../../src/errors";
import { fingerprintLive, type LiveResource, type LiveState } from "../../src/diff/live-state";
import { buildPlan } from "../../src/planner/plan-builder";
import type { Plan } from "../../src/core/plan";
import type { DesiredState } from "../../src/resources/desired-state";
import type { DiffRules } from "../../src/diff/rules";
import { openNebulaDiffRules } from "../../src/providers/opennebula/diff-rules";
import { desiredStateArb as everyKindArb, keepKinds, noiseArb } from "./arbitraries";
import { liveOf } from "./live-of";
import { neutralRules } from "../support/neutral-backend";

const RUNS = 150;

/**
 * The laws that hold whatever the backend are checked against OpenNebula's rules and against the
 * neutral test backend's (two kinds, its own operations), on declarations of the kinds each supports.
 */
const BACKENDS: [string, DiffRules, fc.Arbitrary<DesiredState>][] = [
  ["opennebula", openNebulaDiffRules, everyKindArb],
  ["neutral", neutralRules, everyKindArb.map((d) => keepKinds(d, ["VirtualNetwork", "VirtualMachine"]))],
];

const desiredStateArb = everyKindArb;

function plan(desired: DesiredState, live: LiveState, mode: "plan" | "destroy" = "plan", rules: DiffRules = openNebulaDiffRules): Plan {
  return buildPlan({ desired, live, rules, mode });
}

function changed(p: Plan): string[] {
  return p.changes.filter((c) => c.action !== "noop").map((c) => `${c.action} ${c.address}: ${JSON.stringify(c.diff)}`);
}

function expectValidOrder(p: Plan): void {
  const seen = new Set<string>();
  for (const c of p.changes) {
    for (const dep of c.dependsOn) expect(seen.has(dep), `${c.address} waits for ${dep}, which comes later`).toBe(true);
    seen.add(c.address);
  }
}

describe("diff laws that read the faithful provider's spelling (OpenNebula)", () => {
  it("finds no difference between a declaration and the live state a faithful provider reports", () => {
    fc.assert(
      fc.property(desiredStateArb, noiseArb, (desired, noise) => {
        expect(changed(plan(desired, liveOf(desired, { noise })))).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it("shows a rename of any resource as a name line, and nothing else", () => {
    fc.assert(
      fc.property(
        desiredStateArb.filter((d) => d.resources.length > 0),
        fc.nat(),
        (desired, pick) => {
          const live = liveOf(desired);
          const renamed = JSON.parse(JSON.stringify(desired)) as DesiredState;
          const target = renamed.resources[pick % renamed.resources.length]!;
          target.name = `${target.name}-renamed`;
          const p = plan(renamed, live);
          const changes = p.changes.filter((c) => c.action !== "noop");
          expect(changes.map((c) => c.address)).toEqual([target.address]);
          expect(changes[0]!.diff.map((d) => d.path)).toEqual(["name"]);
          expect(changes[0]!.action).toBe("update");
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe.each(BACKENDS)("diff laws on any backend (%s)", (_name, backendRules, arb) => {
  const planOn = (desired: DesiredState, live: LiveState, mode: "plan" | "destroy" = "plan") => plan(desired, live, mode, backendRules);

  it("creates everything, each after what it references, when nothing is live", () => {
    fc.assert(
      fc.property(arb, (desired) => {
        const p = planOn(desired, { stack: "lab", endpoint: "e", resources: [], fingerprint: fingerprintLive([]) });
        expect(p.changes.every((c) => c.action === "create")).toBe(true);
        expect(p.changes.map((c) => c.address).sort()).toEqual(desired.resources.map((r) => r.address).sort());
        expectValidOrder(p);
        for (const c of p.changes) {
          const declared = desired.resources.find((r) => r.address === c.address)!;
          // What it declares, plus what it inherits from its template (a VM uses the template's images).
          expect(c.dependsOn).toEqual(expect.arrayContaining(declared.dependsOn));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("destroys every live object, users before what they use", () => {
    fc.assert(
      fc.property(arb, (desired) => {
        const live = liveOf(desired);
        const p = planOn(desired, live, "destroy");
        expect(p.changes.every((c) => c.action === "delete")).toBe(true);
        expect(p.changes).toHaveLength(live.resources.length);
        const position = new Map(p.changes.map((c, i) => [c.address, i]));
        for (const r of live.resources) for (const used of r.dependsOn) expect(position.get(r.address)!).toBeLessThan(position.get(used)!);
      }),
      { numRuns: RUNS },
    );
  });

  it("is deterministic", () => {
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        const live = liveOf(b);
        const outcome = () => {
          try {
            return JSON.stringify(planOn(a, live));
          } catch (error) {
            return `error: ${String(error)}`;
          }
        };
        expect(outcome()).toBe(outcome());
      }),
      { numRuns: 50 },
    );
  });

  it("plans any declaration against the live state of any other, in a valid order, or refuses with a hyperplan error", () => {
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        let p: Plan;
        try {
          p = planOn(a, liveOf(b));
        } catch (error) {
          expect(isHyperplanError(error), String(error)).toBe(true);
          return;
        }
        expectValidOrder(p);
        expect(p.changes.map((c) => c.address).sort()).toEqual([...new Set([...a.resources, ...b.resources].map((r) => r.address))].sort());
      }),
      { numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Malformed live input

const junk = fc.anything({ maxDepth: 3, withNullPrototype: false });

/** Replaces a random part of one live resource with junk. */
function corrupt(resource: LiveResource, where: number, value: unknown, key: number): LiveResource {
  const r = JSON.parse(JSON.stringify(resource)) as Record<string, unknown>;
  const props = (typeof r.props === "object" && r.props !== null && !Array.isArray(r.props) ? r.props : {}) as Record<string, unknown>;
  const keys = Object.keys(props);
  switch (where % 9) {
    case 0:
      r.props = value;
      break;
    case 1:
      if (keys.length > 0) props[keys[key % keys.length]!] = value;
      break;
    case 2: {
      const list = keys.map((k) => props[k]).filter(Array.isArray);
      const target = list[key % Math.max(1, list.length)];
      if (target && target.length > 0) target[key % target.length] = value;
      break;
    }
    case 3:
      r.status = value;
      break;
    case 4:
      r.dependsOn = value;
      break;
    case 5:
      r.values = value;
      break;
    case 6:
      r.aliases = value;
      break;
    case 7:
      r.name = value;
      break;
    default:
      r.id = value;
  }
  return r as unknown as LiveResource;
}

describe.each(BACKENDS)("malformed live input (%s)", (_name, backendRules, arb) => {
  const planOn = (desired: DesiredState, live: LiveState, mode: "plan" | "destroy" = "plan") => plan(desired, live, mode, backendRules);

  it("never crashes the diff: it plans, or refuses with a hyperplan error", () => {
    fc.assert(
      fc.property(
        arb,
        arb,
        fc.array(fc.tuple(fc.nat(), fc.nat(), junk, fc.nat()), { minLength: 1, maxLength: 4 }),
        (desired, other, corruptions) => {
          const live = liveOf(other);
          if (live.resources.length === 0) return;
          for (const [which, where, value, key] of corruptions) {
            const i = which % live.resources.length;
            live.resources[i] = corrupt(live.resources[i]!, where, value, key);
          }
          try {
            const p = planOn(desired, live);
            JSON.stringify(p);
          } catch (error) {
            expect(isHyperplanError(error), String((error as Error)?.stack ?? error)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses a live state whose envelope is unusable with a hyperplan error", () => {
    fc.assert(
      fc.property(arb, junk, (desired, value) => {
        try {
          planOn(desired, { stack: "lab", endpoint: "e", fingerprint: "f", resources: value } as unknown as LiveState);
        } catch (error) {
          expect(isHyperplanError(error), String(error)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});
