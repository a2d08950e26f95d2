/**
 * Lifecycle controls in the diff and the planner, against the neutral backend: ignoreChanges,
 * replaceOnChanges, deleteBeforeReplace and protect decide over the backend's own table.
 */
import { describe, expect, it } from "vitest";
import { App, Stack, VirtualMachine, VirtualNetwork, type VirtualMachineProps } from "../../src/index";
import { buildPlan } from "../../src/planner/plan-builder";
import type { DesiredState } from "../../src/resources/desired-state";
import { analyseStack } from "../../src/resources/synthesis";
import { neutralProfile, neutralRules } from "../support/neutral-backend";
import { liveOf } from "./live-of";

function stack(memory: number, vcpu: number, controls: Partial<VirtualMachineProps> = {}, netControls = {}): DesiredState {
  const s = new Stack(new App(), "lab");
  const net = new VirtualNetwork(s, "net", { bridge: "br0", mtu: 1500, ...netControls });
  new VirtualMachine(s, "vm-1", { vcpu, memory, nics: [{ network: net }], ...controls });
  const analysis = analyseStack(s, { profile: neutralProfile });
  expect(analysis.issues).toEqual([]);
  return analysis.state!;
}

const live = liveOf(stack(512, 1));
const vm = (desired: DesiredState) => buildPlan({ desired, live, rules: neutralRules, mode: "plan" }).changes.find((c) => c.address === "lab/vm-1")!;

describe("lifecycle controls in the plan", () => {
  it("ignoreChanges leaves the covered differences out and lists them", () => {
    expect(vm(stack(1024, 1, { ignoreChanges: ["memory"] }))).toMatchObject({ action: "noop", ignored: ["memory"] });
    const both = vm(stack(1024, 1, { ignoreChanges: ["vcpu"] }));
    expect(both.action).toBe("update");
    expect(both.ignored).toBeUndefined();
    expect(stack(512, 1, { ignoreChanges: ["memory"] }).resources.find((r) => r.address === "lab/vm-1")!.props).not.toHaveProperty("ignoreChanges");
  });

  it("replaceOnChanges replaces where the backend would change in place, saying why", () => {
    const change = vm(stack(1024, 1, { replaceOnChanges: ["memory"] }));
    expect(change).toMatchObject({ action: "replace", forcedBy: ["memory"] });
    expect(change.diff[0]!.effects).toEqual(["replaceOnChanges names memory: the object is made again"]);
  });

  it("deleteBeforeReplace turns the replacement order around, as asked", () => {
    // VMs of a cloud that makes the new one first by default.
    const rules = { ...neutralRules, kinds: { ...neutralRules.kinds, VirtualMachine: { ...neutralRules.kinds.VirtualMachine!, replaceOrder: "create-before-destroy" as const } } };
    const order = (desired: DesiredState) => buildPlan({ desired, live, rules, mode: "plan" }).changes.find((c) => c.address === "lab/vm-1")!;
    expect(order(stack(512, 2))).toMatchObject({ action: "replace", replaceOrder: "create-before-destroy", replaceOrderSource: "kind-default" });
    expect(order(stack(512, 2, { deleteBeforeReplace: true }))).toMatchObject({ action: "replace", replaceOrder: "delete-before-create", replaceOrderSource: "user" });
  });

  it("protect refuses a replacement and a destroy, naming what forces it", () => {
    expect(() => vm(stack(512, 2, { protect: true }))).toThrow(/lab\/vm-1: is protected \(protect: true\), but this plan would replace it \(id \S+\): vcpu cannot change in place/);
    expect(() => buildPlan({ desired: stack(512, 1, {}, { protect: true }), live, rules: neutralRules, mode: "destroy" })).toThrow(/lab\/net: is protected \(protect: true\), but this destroy would delete it/);
    expect(buildPlan({ desired: stack(512, 1, {}, { protect: true }), live, rules: neutralRules, mode: "destroy", targets: ["lab/vm-1"] }).summary.delete).toBe(1);
  });
});
