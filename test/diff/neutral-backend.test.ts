/**
 * The diff and the planner against a backend that is not OpenNebula (test/support/neutral-backend.ts):
 * its kinds, its rules and its operation names decide everything; nothing of OpenNebula shows through.
 */
import { describe, expect, it } from "vitest";
import { App, Stack, VirtualMachine, VirtualNetwork } from "../../src/index";
import { diffStack } from "../../src/diff/diff-stack";
import { buildPlan } from "../../src/planner/plan-builder";
import { hasErrorCode } from "../../src/errors";
import type { DesiredState } from "../../src/resources/desired-state";
import { analyseStack } from "../../src/resources/synthesis";
import { neutralProfile, neutralRules } from "../support/neutral-backend";
import { liveOf } from "./live-of";

function stack(edit: { memory?: number; vcpu?: number; mtu?: number; secondNic?: boolean; vms?: number } = {}): DesiredState {
  const app = new App();
  const s = new Stack(app, "lab");
  const net = new VirtualNetwork(s, "net", { bridge: "br0", mtu: edit.mtu ?? 1500 });
  for (let i = 1; i <= (edit.vms ?? 2); i++) {
    new VirtualMachine(s, `vm-${i}`, {
      vcpu: edit.vcpu ?? 1,
      memory: edit.memory ?? 512,
      nics: edit.secondNic && i === 1 ? [{ network: net }, { network: net }] : [{ network: net }],
    });
  }
  const analysis = analyseStack(s, { profile: neutralProfile });
  expect(analysis.issues).toEqual([]);
  return analysis.state!;
}

const plan = (desired: DesiredState, live = liveOf(stack()), mode: "plan" | "destroy" = "plan") => buildPlan({ desired, live, rules: neutralRules, mode });
const brief = (p: ReturnType<typeof plan>) => p.changes.filter((c) => c.action !== "noop").map((c) => `${c.action} ${c.address} [${c.diff.map((d) => `${d.path}:${d.operation}`).join(" ")}]`);

describe("the core against a neutral backend", () => {
  it("records the backend, and finds nothing to do for what a faithful provider reports", () => {
    const desired = stack();
    expect(desired.backend).toBe("neutral");
    const p = plan(desired, liveOf(desired));
    expect(p.backend).toBe("neutral");
    expect(brief(p)).toEqual([]);
    expect(diffStack(desired, liveOf(desired), neutralRules).every((c) => c.action === "noop")).toBe(true);
  });

  it("creates networks before the VMs on them, with the backend's own operation names", () => {
    const p = plan(stack(), { ...liveOf(stack()), resources: [] });
    expect(p.changes.map((c) => `${c.action} ${c.address}`)).toEqual(["create lab/net", "create lab/vm-1", "create lab/vm-2"]);
    expect(p.changes[1]!.reason).toBe("declared, no live object: created through neutral.create-vm");
    expect(p.changes[1]!.dependsOn).toEqual(["lab/net"]);
  });

  it("classifies each attribute by the backend's table: in place, with a power cycle, or a replacement in its order", () => {
    expect(brief(plan(stack({ memory: 1024 })))).toEqual(["update lab/vm-1 [memory:neutral.set-memory]", "update lab/vm-2 [memory:neutral.set-memory]"]);
    expect(brief(plan(stack({ mtu: 9000 })))).toEqual(["update lab/net [mtu:neutral.set-mtu]"]);
    expect(brief(plan(stack({ secondNic: true })))).toEqual(["update lab/vm-1 [nics[1]:neutral.plug]"]);
    const replaced = plan(stack({ vcpu: 2 })).changes.find((c) => c.address === "lab/vm-1")!;
    expect(replaced).toMatchObject({ action: "replace", forcedBy: ["vcpu"], replaceOrder: "delete-before-create", replaceOrderSource: "kind-default" });
    expect(replaced.diff[0]!.effects).toEqual(["no rule says how vcpu changes in place, so the object is replaced"]);
  });

  it("deletes users before what they use, as the backend's deleteBlockedBy requires", () => {
    const p = plan(stack(), liveOf(stack()), "destroy");
    const order = p.changes.map((c) => c.address);
    expect(order.indexOf("lab/net")).toBeGreaterThan(order.indexOf("lab/vm-1"));
    expect(p.changes.find((c) => c.address === "lab/net")!.dependsOn).toEqual(["lab/vm-1", "lab/vm-2"]);
    expect(p.changes.find((c) => c.address === "lab/vm-1")!.reason).toBe("destroy: deleted through neutral.delete-vm");
  });

  it("keeps the oldest of two objects with one address and deletes the other", () => {
    const live = liveOf(stack());
    const vm = live.resources.find((r) => r.address === "lab/vm-2")!;
    const p = plan(stack(), { ...live, resources: [...live.resources, { ...vm, id: `${vm.id}9` }] });
    expect(brief(p)).toEqual([`delete lab/vm-2~duplicate-${vm.id}9 []`]);
  });

  it("refuses a kind the backend has no rules for, naming the backend", () => {
    const desired = stack();
    const withImage = { ...desired, resources: [...desired.resources, { address: "lab/img", kind: "Image", name: "img", props: { type: "os", persistent: false, attributes: {} }, dependsOn: [] }] } as DesiredState;
    let error: unknown;
    try {
      plan(withImage);
    } catch (e) {
      error = e;
    }
    expect(hasErrorCode(error, "KIND_UNSUPPORTED")).toBe(true);
    expect(String(error)).toContain("lab/img: Image is not supported on neutral");
  });

  it("validates a stack against the backend's profile: an OpenNebula-only property is refused by name", () => {
    const app = new App();
    const s = new Stack(app, "lab");
    new VirtualMachine(s, "vm", { memory: 512, cpu: 0.5, graphics: { type: "vnc" } });
    const issues = analyseStack(s, { profile: neutralProfile }).issues.map((i) => `${i.address}: ${i.path}: ${i.message}`);
    expect(issues).toEqual(["lab/vm: cpu: not supported on neutral", "lab/vm: graphics: not supported on neutral"]);
  });
});
