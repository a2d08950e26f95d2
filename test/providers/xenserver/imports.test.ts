/**
 * XenServer's reader and `importId`: each declaration adopting an object has that one object read by
 * its id (an OpaqueRef, or a uuid through get_by_uuid), never a scan, and reported in LiveState.imports
 * as found (mapped exactly as the stack's own object at that address would be), gone (no object of
 * that kind) or tagged (a stack's tag on it); the found objects are not the stack's yet, are not
 * strangers bearing a declared name, and count in the fingerprint.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { App, Image, Stack, VirtualMachine, VirtualNetwork } from "../../../src/index";
import { analyseStack } from "../../../src/resources/synthesis";
import type { DesiredState } from "../../../src/resources/desired-state";
import type { ImportReading, LiveState } from "../../../src/diff/live-state";
import { XenApiClient } from "../../../src/providers/xenserver/client";
import { createXenServerProvider, type XenServerProvider } from "../../../src/providers/xenserver/provider";
import { xenServerProfile } from "../../../src/providers/xenserver/profile";
import { buildPlan } from "../../../src/planner/plan-builder";
import { applyPlan } from "../../../src/planner/executor";
import { startXenServerSimulator, type RunningXenServerSimulator } from "../../../src/sim/xenserver/index";

const OWNERSHIP_KEYS = ["HYPERPLAN_STACK", "HYPERPLAN_ADDRESS", "HYPERPLAN_KIND"];

/** The stack: a network, a base image every VM gets a copy of, and VMs on the network; `imports` by address. */
function lab(imports: Record<string, string> = {}, vms = ["vm-1", "vm-2"]): DesiredState {
  const s = new Stack(new App(), "imp", { provider: { xenserver: {} } });
  const importId = (name: string) => (imports[`imp/${name}`] !== undefined ? { importId: imports[`imp/${name}`] } : {});
  const net = new VirtualNetwork(s, "net", { description: "the lab network", ...importId("net") });
  const base = new Image(s, "base", { type: "os", raw: { xenserver: { copyOf: "debian-12-cloud base" } } });
  for (const name of vms) {
    new VirtualMachine(s, name, {
      vcpu: 1,
      memory: 512,
      labels: ["imp"],
      disks: [{ image: base }],
      nics: [{ network: net }],
      raw: { xenserver: { template: "debian-12-cloud" } },
      ...importId(name),
    });
  }
  const analysis = analyseStack(s, { profile: xenServerProfile });
  if (!analysis.state) throw new Error(analysis.issues.map((i) => `${i.address}: ${i.path}: ${i.message}`).join("\n"));
  return analysis.state;
}

const fastPolls = { pollInterval: { initialMs: 5, maxMs: 20, factor: 1.5 } };

describe("XenServer import readings (importId)", () => {
  let sim: RunningXenServerSimulator;
  let provider: XenServerProvider;
  /** A client of its own: what a person changes with xe. */
  let hand: XenApiClient;

  beforeEach(async () => {
    sim = await startXenServerSimulator({ port: 0, delays: "instant", slaveHost: false });
    provider = createXenServerProvider({ client: new XenApiClient({ url: sim.url, username: "root", password: "xenserver" }) });
    hand = new XenApiClient({ url: sim.url, username: "root", password: "xenserver", originator: "by-hand" });
    const desired = lab();
    const plan = buildPlan({ desired, live: await provider.read("imp", desired), rules: provider.rules, mode: "plan" });
    expect((await applyPlan(plan, provider, { desired, ...fastPolls })).errors).toEqual([]);
  });
  afterEach(async () => {
    await hand.close();
    await provider.close();
    await sim.close();
  });

  const read = (desired: DesiredState): Promise<LiveState> => provider.read("imp", desired);
  const at = (live: LiveState, address: string) => live.resources.find((r) => r.address === address);
  const untag = async (cls: string, ref: string) => {
    for (const key of OWNERSHIP_KEYS) await hand.call(`${cls}.remove_from_other_config`, ref, key);
  };

  it("finds an untagged VM by its ref, mapped exactly as the stack's own at that address, apart from the stack's objects", async () => {
    const owned = await read(lab());
    const before = at(owned, "imp/vm-2")!;
    await untag("VM", before.id);

    sim.resetCallCounts();
    const live = await read(lab({ "imp/vm-2": before.id }));
    expect(live.imports).toEqual([{ address: "imp/vm-2", id: before.id, state: "found", live: before }]);
    // Its disk (its copy of the stack's image) and NIC read as references to the stack's objects.
    expect(before.props).toMatchObject({ disks: [{ source: "image", image: { ref: "imp/base" } }], nics: [{ network: { ref: "imp/net" } }] });
    expect(at(live, "imp/vm-2")).toBeUndefined();
    expect(live.resources.map((r) => r.address).sort()).toEqual(["imp/base", "imp/net", "imp/vm-1"]);
    // It bears a declared name, but it is the one being adopted: no stranger.
    expect(live.foreign?.map((f) => f.id) ?? []).not.toContain(before.id);
    // The fingerprint covers it: the same read without it differs.
    const without = await read(lab());
    expect(without.imports).toBeUndefined();
    expect(without.foreign?.map((f) => f.id)).toContain(before.id);
    expect(live.fingerprint).not.toBe(without.fingerprint);
    expect(live.fingerprint).toBe(owned.fingerprint);

    // One pool read per class, then that VM alone by its ref.
    const calls = sim.callCounts();
    for (const cls of ["SR", "network", "VDI", "VM", "VBD", "VIF", "VM_guest_metrics"]) expect(calls[`${cls}.get_all_records`]).toBe(2);
    expect(calls["VM.get_record"]).toBe(1);
    expect(calls["VM.get_by_uuid"]).toBeUndefined();
  });

  it("finds it by its uuid too, reported under the ref the reader gives the stack's VMs", async () => {
    const before = at(await read(lab()), "imp/vm-2")!;
    await untag("VM", before.id);
    const uuid = (await hand.call("VM.get_uuid", before.id)) as string;
    const live = await read(lab({ "imp/vm-2": uuid }));
    expect(live.imports).toEqual([{ address: "imp/vm-2", id: uuid, state: "found", live: before }]);
  });

  it("reads what the pool read left out for a VM of an undeclared name: its VBDs, VDIs, VIFs and guest metrics, by ref", async () => {
    const before = at(await read(lab()), "imp/vm-2")!;
    await untag("VM", before.id);
    await hand.call("VM.set_name_label", before.id, "made-by-hand");
    sim.resetCallCounts();
    const live = await read(lab({ "imp/vm-2": before.id }));
    expect(live.imports).toEqual([{ address: "imp/vm-2", id: before.id, state: "found", live: { ...before, name: "made-by-hand" } }]);
    const calls = sim.callCounts();
    for (const cls of ["VM", "VBD", "VIF", "VM_guest_metrics"]) expect(calls[`${cls}.get_record`], cls).toBeGreaterThan(0);
    // Its own copy of the image carries the stack's tag (VmDisk): the pool read kept it, it is not read again.
    expect(calls["VDI.get_record"]).toBeUndefined();
  });

  it("reads adopted objects together: a VM's NIC on a network adopted with it reads as that network's address", async () => {
    const owned = await read(lab());
    const net = at(owned, "imp/net")!;
    const vm = at(owned, "imp/vm-2")!;
    await untag("network", net.id);
    await untag("VM", vm.id);
    const live = await read(lab({ "imp/net": net.id, "imp/vm-2": vm.id }));
    const found = new Map((live.imports ?? []).map((r) => [r.address, r]));
    expect(found.get("imp/net")).toEqual({ address: "imp/net", id: net.id, state: "found", live: net });
    expect(found.get("imp/vm-2")).toEqual({ address: "imp/vm-2", id: vm.id, state: "found", live: vm });
    // The stack's own VM on that network refers to it by address as well.
    expect(at(live, "imp/vm-1")).toEqual(at(owned, "imp/vm-1"));
    expect(live.resources.map((r) => r.address).sort()).toEqual(["imp/base", "imp/vm-1"]);
  });

  it("reads gone for an id no object of the kind has: a missing ref or uuid, a malformed id, another class's object, a template", async () => {
    const owned = await read(lab());
    const image = at(owned, "imp/base")!;
    const template = ((await hand.call("VM.get_by_name_label", "debian-12-cloud")) as string[])[0]!;
    const ids = ["OpaqueRef:00000000-0000-4000-8000-000000004242", "00000000-0000-4000-8000-000000004242", "4242", "OpaqueRef:NULL", image.id, template];
    for (const id of ids) {
      const live = await read(lab({ "imp/vm-3": id }, ["vm-1", "vm-2", "vm-3"]));
      expect(live.imports, id).toEqual([{ address: "imp/vm-3", id, state: "gone" }]);
      expect(live.resources.map((r) => r.address).sort()).toEqual(["imp/base", "imp/net", "imp/vm-1", "imp/vm-2"]);
    }
  });

  it("reads tagged for an object that carries a stack's tag: this stack's at another address, another stack's", async () => {
    const owned = await read(lab());
    const vm1 = at(owned, "imp/vm-1")!;
    const own = await read(lab({ "imp/vm-3": vm1.id }, ["vm-1", "vm-2", "vm-3"]));
    expect(own.imports).toEqual([{ address: "imp/vm-3", id: vm1.id, state: "tagged", tag: { stack: "imp", address: "imp/vm-1", kind: "VirtualMachine" } }]);
    expect(at(own, "imp/vm-1")).toEqual(vm1);

    const vm2 = at(owned, "imp/vm-2")!;
    for (const [key, value] of [["HYPERPLAN_STACK", "other"], ["HYPERPLAN_ADDRESS", "other/web"]] as const) {
      await hand.call("VM.remove_from_other_config", vm2.id, key);
      await hand.call("VM.add_to_other_config", vm2.id, key, value);
    }
    const other = await read(lab({ "imp/vm-2": vm2.id }));
    expect(other.imports).toEqual<ImportReading[]>([{ address: "imp/vm-2", id: vm2.id, state: "tagged", tag: { stack: "other", address: "other/web", kind: "VirtualMachine" } }]);
  });

  it("reads nothing when the address has its object already, and an adopted VM is updated in place, keeping its ref", async () => {
    const before = at(await read(lab()), "imp/vm-2")!;
    await untag("VM", before.id);
    const desired = lab({ "imp/vm-2": before.id });
    const plan = buildPlan({ desired, live: await read(desired), rules: provider.rules, mode: "plan" });
    expect(plan.changes.filter((c) => c.action !== "noop").map((c) => `${c.action} ${c.address} ${c.importId}`)).toEqual([`update imp/vm-2 ${before.id}`]);
    expect((await applyPlan(plan, provider, { desired, ...fastPolls })).errors).toEqual([]);

    const after = await read(desired);
    expect(after.imports).toBeUndefined();
    expect(at(after, "imp/vm-2")).toEqual(before);
  });

  it("adopts a VM named by its uuid (as xe shows it), and the importId left in the stack plans clean afterwards", async () => {
    const before = (await provider.read("imp", lab())).resources.find((r) => r.address === "imp/vm-2")!;
    for (const key of OWNERSHIP_KEYS) await hand.call("VM.remove_from_other_config", before.id, key);
    const uuid = (await hand.call("VM.get_uuid", before.id)) as string;
    const desired = lab({ "imp/vm-2": uuid });
    const plan = buildPlan({ desired, live: await provider.read("imp", desired), rules: provider.rules, mode: "plan" });
    // The change names the VM by the ref xapi's calls take.
    expect(plan.changes.filter((c) => c.action !== "noop").map((c) => `${c.action} ${c.address} ${c.importId}`)).toEqual([`update imp/vm-2 ${before.id}`]);
    expect((await applyPlan(plan, provider, { desired, ...fastPolls })).errors).toEqual([]);
    const again = buildPlan({ desired, live: await provider.read("imp", desired), rules: provider.rules, mode: "plan" });
    expect(again.changes.filter((c) => c.action !== "noop")).toEqual([]);
    expect(again.changes.find((c) => c.address === "imp/vm-2")!.id).toBe(before.id);
  });

  it("reads a VM's tag by its uuid as by its ref, and a uuid no VM has as gone", async () => {
    const vm = (await provider.read("imp", lab())).resources.find((r) => r.address === "imp/vm-1")!;
    const uuid = (await hand.call("VM.get_uuid", vm.id)) as string;
    const plan = buildPlan({ desired: lab(), live: await provider.read("imp", lab()), rules: provider.rules, mode: "plan" });
    await provider.begin?.(plan);
    expect(await provider.readOwnership("VirtualMachine", uuid)).toEqual({ state: "tagged", tag: { stack: "imp", address: "imp/vm-1", kind: "VirtualMachine" } });
    expect(await provider.readOwnership("VirtualMachine", "00000000-0000-4000-8000-000000004242")).toEqual({ state: "gone" });
  });
});
