/**
 * What the diff takes from the backend beside its rules: which undeclared fields the cloud fills by
 * itself (so they are left alone) and how a VM carries its template's props.
 */
import { describe, expect, it } from "vitest";
import { App, Stack, VirtualMachine, VirtualNetwork, VmTemplate } from "../../src/index";
import { diffStack } from "../../src/diff/diff-stack";
import { effectiveProps, type TemplateMerge } from "../../src/diff/effective";
import { hasErrorCode } from "../../src/errors";
import type { DesiredResource, DesiredState } from "../../src/resources/desired-state";
import { analyseStack } from "../../src/resources/synthesis";
import { neutralRules } from "../support/neutral-backend";
import { liveOf } from "./live-of";

function networkStack(): DesiredState {
  const s = new Stack(new App(), "lab");
  new VirtualNetwork(s, "net", { bridge: "br0", mtu: 1500 });
  return analyseStack(s).state!;
}

describe("the fields a backend fills", () => {
  it("leave an undeclared value the cloud chose alone, and only those", () => {
    const desired = networkStack();
    const live = liveOf(desired);
    const net = live.resources.find((r) => r.address === "lab/net")!;
    (net.props as unknown as Record<string, unknown>).driver = "ovs";
    (net.props as unknown as Record<string, unknown>).gateway = "10.0.0.1";
    const paths = (rules: typeof neutralRules) => diffStack(desired, live, rules).flatMap((c) => c.diff.map((d) => `${d.path} ${d.before ?? "∅"}→${d.after ?? "∅"}`));
    // The neutral cloud picks a driver itself; a gateway nobody declared is removed.
    expect(paths(neutralRules)).toEqual(["gateway 10.0.0.1→∅"]);
    // A backend that says it fills nothing: every undeclared value it reports is a difference.
    const { fields: _fills, ...saysNothing } = neutralRules;
    expect(paths(saysNothing)).toEqual(["driver ovs→∅", "gateway 10.0.0.1→∅"]);
  });
});

describe("a VM's template, merged as the backend says", () => {
  function vmAndTemplate(): { vm: DesiredResource; byAddress: Map<string, DesiredResource> } {
    const s = new Stack(new App(), "lab");
    const net = new VirtualNetwork(s, "net", { bridge: "br0" });
    const template = new VmTemplate(s, "small", {
      cpu: 1,
      memory: 512,
      nics: [{ network: net }],
      scheduling: { requirements: 'HYPERVISOR="kvm"', rank: "FREE_CPU" },
      attributes: { team: "infra", tier: "web" },
    });
    new VirtualMachine(s, "web", { template, memory: 1024, scheduling: { rank: "-RUNNING_VMS" }, attributes: { TIER: "db" } });
    const state = analyseStack(s).state!;
    const byAddress = new Map(state.resources.map((r) => [r.address, r]));
    return { vm: byAddress.get("lab/web")!, byAddress };
  }

  it("takes whole values, fields and keys by the backend's lists, with its key case", () => {
    const { vm, byAddress } = vmAndTemplate();
    const policy: TemplateMerge = { whole: ["memory", "nics"], fields: ["scheduling"], keys: ["attributes"] };
    const props = effectiveProps(vm, byAddress, { backend: "test", keyCase: "insensitive", templateMerge: policy });
    expect(props.memory).toBe(1024);
    expect(props.nics).toMatchObject([{ network: { ref: "lab/net" } }]);
    expect(props.scheduling).toEqual({ requirements: 'HYPERVISOR="kvm"', rank: "-RUNNING_VMS" });
    expect(props.attributes).toEqual({ team: "infra", TIER: "db" });
    // Not in any list: the VM's own (none given).
    expect(props.cpu).toBeUndefined();
    const exact = effectiveProps(vm, byAddress, { backend: "test", keyCase: "exact", templateMerge: policy });
    expect(exact.attributes).toEqual({ team: "infra", tier: "web", TIER: "db" });
    const wholeScheduling = effectiveProps(vm, byAddress, { backend: "test", keyCase: "exact", templateMerge: { whole: ["scheduling"], fields: [], keys: [] } });
    expect(wholeScheduling.scheduling).toEqual({ rank: "-RUNNING_VMS" });
  });

  it("is refused, naming the VM and the backend, when the backend gives no policy", () => {
    const { vm, byAddress } = vmAndTemplate();
    let error: unknown;
    try {
      effectiveProps(vm, byAddress, { backend: "test", keyCase: "exact" });
    } catch (e) {
      error = e;
    }
    expect(hasErrorCode(error, "TEMPLATE_MERGE")).toBe(true);
    expect(String((error as Error).message)).toContain("test");
    expect((error as { address?: string }).address).toBe("lab/web");
  });
});
