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
import type { ImportReading, LiveState } from "../../src/diff/live-state";

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

describe("importId in the plan", () => {
  // lab/vm-1 made outside the stack: read by its id, not among the stack's objects.
  const adopted = (state: ImportReading["state"] = "found"): LiveState => {
    const [vm1] = live.resources.filter((r) => r.address === "lab/vm-1");
    const rest = live.resources.filter((r) => r.address !== "lab/vm-1");
    const reading: ImportReading =
      state === "found" ? { address: "lab/vm-1", id: vm1!.id, state, live: vm1! } : state === "gone" ? { address: "lab/vm-1", id: vm1!.id, state } : { address: "lab/vm-1", id: vm1!.id, state, tag: { stack: "other", address: "other/vm", kind: "VirtualMachine" } };
    return { ...live, resources: rest, imports: [reading] };
  };
  const id = live.resources.find((r) => r.address === "lab/vm-1")!.id;
  const plan = (desired: DesiredState, from: LiveState = adopted()) => buildPlan({ desired, live: from, rules: neutralRules, mode: "plan" });

  it("adopts the object read by its id: an import and what differs, in one update, counted apart", () => {
    const built = plan(stack(1024, 1, { importId: id }));
    const change = built.changes.find((c) => c.address === "lab/vm-1")!;
    expect(change).toMatchObject({ action: "update", id, importId: id });
    expect(change.diff.map((d) => `${d.path} ${d.operation}`)).toEqual(["address import", expect.stringMatching(/^memory /)]);
    expect(change.reason).toMatch(new RegExp(`^import of virtual machine ${id}, which the stack did not own; `));
    expect(built.summary).toEqual({ create: 0, update: 1, replace: 0, delete: 0, import: 1 });
    // Matching otherwise, it is still an import: the tag has to be written.
    expect(plan(stack(512, 1, { importId: id })).changes.find((c) => c.address === "lab/vm-1")).toMatchObject({ action: "update", importId: id, diff: [{ path: "address", operation: "import" }] });
  });

  it("does nothing once the stack owns the object, and refuses another object at the address", () => {
    expect(plan(stack(512, 1, { importId: id }), live).changes.find((c) => c.address === "lab/vm-1")).toMatchObject({ action: "noop" });
    expect(() => plan(stack(512, 1, { importId: "999" }), live)).toThrow(/lab\/vm-1: adopts virtual machine 999 \(importId\), but the stack owns virtual machine \S+ at this address already/);
  });

  it("refuses an id with no object, another stack's object, an unread one and an import that would replace", () => {
    expect(() => plan(stack(512, 1, { importId: id }), adopted("gone"))).toThrow(new RegExp(`adopts virtual machine ${id} \\(importId\\), but \\S+ has no virtual machine with the id ${id}`));
    expect(() => plan(stack(512, 1, { importId: id }), adopted("tagged"))).toThrow(/carries the tag of stack "other" \(other\/vm\): an object another stack owns is never adopted/);
    expect(() => plan(stack(512, 1, { importId: "7" }))).toThrow(/adopts virtual machine 7 \(importId\), but the neutral provider did not read that object/);
    expect(() => plan(stack(512, 2, { importId: id }))).toThrow(/adopting it would replace it/);
    expect(() => plan(stack(512, 1, { importId: id }), { ...adopted(), resources: live.resources.filter((r) => r.address !== "lab/vm-1"), imports: [] })).toThrow(/did not read that object/);
  });

  it("is refused by validation beside moved, and twice for one object", () => {
    const s = new Stack(new App(), "lab");
    new VirtualMachine(s, "a", { vcpu: 1, memory: 512, importId: 4, moved: { from: "lab/old" } });
    new VirtualMachine(s, "b", { vcpu: 1, memory: 512, importId: "4" });
    const issues = analyseStack(s, { profile: neutralProfile }).issues.map((i) => `${i.address} ${i.path}: ${i.message}`);
    expect(issues).toEqual([
      "lab/a importId: is given with moved: a construct either keeps the stack's object from its former address (moved) or adopts one the stack does not own (importId), not both",
      "lab/b importId: adopts VirtualMachine 4, which lab/a adopts too: one object is one resource",
    ]);
  });
});
