import { describe, expect, it } from "vitest";
import { hasErrorCode } from "../../src/errors";
import { fingerprintLive, type LiveResource, type LiveState } from "../../src/diff/live-state";
import { buildPlan, type BuildPlanInput } from "../../src/planner/plan-builder";
import { PLAN_FORMAT_VERSION, parsePlan, serializePlan } from "../../src/core/plan";
import type { DesiredState, VirtualMachineSpec } from "../../src/resources/desired-state";
import { openNebulaDiffRules } from "../../src/providers/opennebula/diff-rules";
import { labStack, withAdded, withResource, withoutResource } from "../diff/fixtures";
import { liveOf } from "../diff/live-of";

const rules = openNebulaDiffRules;
const plan = (input: Partial<BuildPlanInput> & Pick<BuildPlanInput, "desired" | "live">) => buildPlan({ rules, mode: "plan", ...input });

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

function editLive(live: LiveState, address: string, edit: (r: LiveResource & { props: Record<string, unknown> }) => void): LiveState {
  const copy = JSON.parse(JSON.stringify(live)) as LiveState;
  edit(copy.resources.find((r) => r.address === address)! as LiveResource & { props: Record<string, unknown> });
  copy.fingerprint = fingerprintLive(copy.resources);
  return copy;
}

const base = labStack();
const baseLive = liveOf(base, { endpoint: "http://127.0.0.1:2633/RPC2" });

describe("buildPlan", () => {
  it("writes the document: version, stack, endpoint, live fingerprint, mode and summary", () => {
    const p = plan({ desired: withResource(base, "lab/db", (r) => (r.name = "database")), live: baseLive });
    expect(p).toMatchObject({
      formatVersion: PLAN_FORMAT_VERSION,
      stack: "lab",
      endpoint: "http://127.0.0.1:2633/RPC2",
      liveFingerprint: baseLive.fingerprint,
      mode: "plan",
      summary: { create: 0, update: 1, replace: 0, delete: 0 },
    });
    expect(parsePlan(serializePlan(p))).toEqual(JSON.parse(serializePlan(p)));
  });

  it("keeps noop changes, waiting for nothing, and never makes a change wait for one", () => {
    const p = plan({ desired: withResource(base, "lab/db", (r) => (r.name = "database")), live: baseLive });
    const noops = new Set(p.changes.filter((c) => c.action === "noop").map((c) => c.address));
    expect(noops.size).toBe(6);
    for (const c of p.changes) {
      if (c.action === "noop") expect(c.dependsOn).toEqual([]);
      for (const dep of c.dependsOn) expect(noops.has(dep)).toBe(false);
    }
    // listed in dependency order all the same: the template after the image it uses
    const order = p.changes.map((c) => c.address);
    expect(order.indexOf("lab/small")).toBeGreaterThan(order.indexOf("lab/os"));
  });

  it("limits the plan to the targets and what they depend on; a construct path covers what is below it", () => {
    const nested = withAdded(base, {
      address: "lab/tier/app",
      kind: "Image",
      name: "app",
      dependsOn: [],
      props: { type: "datablock", size: 10, persistent: false, attributes: {} },
    });
    const p = plan({ desired: nested, live: baseLive, targets: ["lab/tier"] });
    expect(p.changes.map((c) => [c.address, c.action])).toEqual([["lab/tier/app", "create"]]);
    const q = plan({ desired: base, live: baseLive, targets: ["lab/db"] });
    expect(q.changes.map((c) => c.address).sort()).toEqual(["lab/data", "lab/db", "lab/net", "lab/os", "lab/small", "lab/web-1", "lab/web-sg"]);
  });

  it("refuses to delete an object a VM outside the targets still uses", () => {
    const error = thrown(() => plan({ desired: withoutResource(withResource(base, "lab/db", (r) => ((r.props as VirtualMachineSpec).disks = [{ source: "image", image: { ref: "lab/os" } }])), "lab/data"), live: baseLive, targets: ["lab/data"] }));
    expect(hasErrorCode(error, "DELETE_BLOCKED")).toBe(true);
    expect(String(error)).toContain("add lab/db to the targets");
  });

  it("refuses to delete an object a VM the plan keeps still uses", () => {
    // the provider reports a use the declaration does not show
    const live = editLive(baseLive, "lab/web-1", (r) => (r.dependsOn = [...r.dependsOn, "lab/gone"]));
    live.resources.push({ ...live.resources.find((r) => r.address === "lab/data")!, address: "lab/gone", id: "900", name: "gone" });
    const error = thrown(() => plan({ desired: base, live }));
    expect(hasErrorCode(error, "DELETE_BLOCKED")).toBe(true);
    expect(String(error)).toContain("lab/web-1");
  });

  it("takes a name a deleted object frees only after the delete, and refuses one a kept object holds", () => {
    const renamed = withAdded(withoutResource(withoutResource(base, "lab/db"), "lab/data"), {
      address: "lab/pgdata",
      kind: "Image",
      name: "pgdata",
      dependsOn: [],
      props: { type: "datablock", size: 2048, persistent: true, attributes: {} },
    });
    const p = plan({ desired: renamed, live: baseLive });
    expect(p.changes.find((c) => c.address === "lab/pgdata")!.dependsOn).toEqual(["lab/data"]);
    const taken = withAdded(base, { ...renamed.resources.find((r) => r.address === "lab/pgdata")! });
    const error = thrown(() => plan({ desired: taken, live: baseLive }));
    expect(hasErrorCode(error, "CLAIM_CONFLICT")).toBe(true);
    expect(String(error)).toContain('the image name "pgdata"');
  });

  it("orders a rename into a name another rename frees", () => {
    const swapped = withResource(withResource(base, "lab/data", (r) => (r.name = "pgdata-old")), "lab/os", (r) => (r.name = "pgdata"));
    const p = plan({ desired: swapped, live: baseLive });
    expect(p.changes.find((c) => c.address === "lab/os")!.dependsOn).toEqual(["lab/data"]);
  });

  it("explains changes that cannot be ordered", () => {
    const swapped = withResource(withResource(base, "lab/data", (r) => (r.name = "debian-12")), "lab/os", (r) => (r.name = "pgdata"));
    const error = thrown(() => plan({ desired: swapped, live: baseLive }));
    expect(hasErrorCode(error, "PLAN_CYCLE")).toBe(true);
    expect(String(error)).toContain('lab/data waits for lab/os (the image name "debian-12" is freed by lab/os first)');
  });

  it("refuses a replacement order the user asks for when a claim forbids it", () => {
    const moved = withResource(base, "lab/db", (r) => ((r.props as VirtualMachineSpec).disks![0] = { source: "image", image: { ref: "lab/data" } }));
    const error = thrown(() => plan({ desired: moved, live: baseLive, replaceOrders: { "lab/db": "create-before-destroy" } }));
    expect(hasErrorCode(error, "REPLACE_ORDER")).toBe(true);
    expect(String(error)).toContain("the address 10.0.0.20 on lab/net");
  });

  it("refuses targets that match nothing", () => {
    expect(hasErrorCode(thrown(() => plan({ desired: base, live: baseLive, targets: ["lab/d"] })), "UNKNOWN_TARGET")).toBe(true);
  });

  it("refuses a live state of another stack", () => {
    expect(hasErrorCode(thrown(() => plan({ desired: { ...base, stack: "prod" } as DesiredState, live: baseLive })), "STACK_MISMATCH")).toBe(true);
  });

  describe("destroy mode", () => {
    it("deletes every live object in reverse dependency order, declared or not", () => {
      const p = plan({ desired: withoutResource(base, "lab/db"), live: baseLive, mode: "destroy" });
      expect(p.mode).toBe("destroy");
      expect(p.summary).toEqual({ create: 0, update: 0, replace: 0, delete: 7 });
      const order = p.changes.map((c) => c.address);
      expect(order.indexOf("lab/db")).toBeLessThan(order.indexOf("lab/data"));
      expect(order.indexOf("lab/web-1")).toBeLessThan(order.indexOf("lab/small"));
      expect(order.indexOf("lab/small")).toBeLessThan(order.indexOf("lab/os"));
    });

    it("deletes nothing for a target that is declared but not live", () => {
      const added = withAdded(base, { address: "lab/new", kind: "Image", name: "new", dependsOn: [], props: { type: "os", path: "/x", persistent: false, attributes: {} } });
      expect(plan({ desired: added, live: baseLive, mode: "destroy", targets: ["lab/new"] }).changes).toEqual([]);
    });
  });
});
