/**
 * The plan as Markdown for a pull request, against the neutral backend: a create, an update, a
 * replacement and a delete, the summary first and deletes and replacements before the rest; a long
 * group folded.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { App, Stack, VirtualMachine, VirtualNetwork } from "../../src/index";
import { buildPlan } from "../../src/planner/plan-builder";
import { maskSecrets, type DesiredState } from "../../src/resources/desired-state";
import { analyseStack } from "../../src/resources/synthesis";
import { renderPlanMarkdown } from "../../src/cli/render/plan-markdown";
import { neutralProfile, neutralRules } from "../support/neutral-backend";
import { liveOf } from "../diff/live-of";
import { expectGolden } from "../resources/golden";

const HERE = fileURLToPath(new URL(".", import.meta.url));

function stack(vms: { name: string; memory: number; vcpu: number }[]): DesiredState {
  const s = new Stack(new App(), "lab");
  const net = new VirtualNetwork(s, "net", { bridge: "br0", mtu: 1500 });
  for (const vm of vms) new VirtualMachine(s, vm.name, { vcpu: vm.vcpu, memory: vm.memory, nics: [{ network: net }] });
  const analysis = analyseStack(s, { profile: neutralProfile });
  expect(analysis.issues).toEqual([]);
  return analysis.state!;
}

describe("plan --format markdown", () => {
  it("puts the summary first, and deletes and replacements before the rest", () => {
    const live = liveOf(stack([{ name: "a", memory: 512, vcpu: 1 }, { name: "b", memory: 512, vcpu: 1 }, { name: "gone", memory: 512, vcpu: 1 }]));
    const desired = stack([{ name: "a", memory: 1024, vcpu: 1 }, { name: "b", memory: 512, vcpu: 2 }, { name: "new", memory: 512, vcpu: 1 }]);
    const markdown = renderPlanMarkdown(maskSecrets(buildPlan({ desired, live: { ...live, endpoint: "neutral test cloud" }, rules: neutralRules, mode: "plan" })));
    expect(markdown.split("\n")[2]).toBe("**Plan: 1 to create, 1 to update, 1 to replace, 1 to delete.**");
    expect(markdown.indexOf("#### Delete")).toBeLessThan(markdown.indexOf("#### Replace"));
    expect(markdown.indexOf("#### Replace")).toBeLessThan(markdown.indexOf("#### Create"));
    expectGolden(HERE, "plan-markdown", { "plan.md": markdown });
  });

  it("folds a long group", () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ name: `vm-${i}`, memory: 512, vcpu: 1 }));
    const live = { ...liveOf(stack([])), endpoint: "neutral test cloud" };
    const markdown = renderPlanMarkdown(buildPlan({ desired: stack(many), live, rules: neutralRules, mode: "plan" }));
    expect(markdown).toContain("#### Create (12)\n\n<details><summary>12 changes</summary>");
  });
});
