/**
 * The panel reader's import readings (`importId`) against the panel's simulator: a container without
 * a mark is read by its id alone and mapped exactly as the stack's own container at the declaration's
 * address (found), an id the panel has no container for is gone, a container carrying any stack's mark
 * is tagged; the looked-up kinds are never adopted.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { App, Image, Stack, VirtualMachine, VirtualNetwork, VmTemplate } from "../../../src/index";
import { analyseStack } from "../../../src/resources/synthesis";
import { buildPlan } from "../../../src/planner/plan-builder";
import { applyPlan } from "../../../src/planner/executor";
import type { DesiredState } from "../../../src/resources/desired-state";
import { OwpClient } from "../../../src/providers/openvz/client";
import { OwpCredentials } from "../../../src/providers/openvz/config";
import { OpenVzOperations } from "../../../src/providers/openvz/operations";
import { openVzProfile } from "../../../src/providers/openvz/profile";
import { OpenVzProvider } from "../../../src/providers/openvz/provider";
import { startOpenVzSimulator } from "../../../src/sim/openvz/index";

type Sim = Awaited<ReturnType<typeof startOpenVzSimulator>>;

/** Two build containers; `importId` on build-2 when given. */
function ci(importId?: string): DesiredState {
  const s = new Stack(new App(), "ci");
  const os = new Image(s, "debian-11-x86_64", { type: "os", persistent: false });
  const basic = new VmTemplate(s, "vps.basic", {});
  const net = new VirtualNetwork(s, "venet", { addressRanges: [{ type: "ipv4", start: "10.10.1.20", size: 50 }] });
  for (let i = 1; i <= 2; i++) {
    new VirtualMachine(s, `build-${i}`, {
      ...(i === 2 && importId !== undefined ? { importId } : {}),
      template: basic,
      vcpu: 2,
      memory: 1024,
      disks: [{ image: os, size: 10240 }],
      nics: [{ network: net }],
      context: { password: "r00t-pw" },
      raw: { openvz: { hardwareServer: "node1.lan", cpuUnits: 1000 } },
    });
  }
  const analysis = analyseStack(s, { profile: openVzProfile });
  if (!analysis.state) throw new Error(analysis.issues.map((i) => `${i.address}: ${i.path}: ${i.message}`).join("\n"));
  return analysis.state;
}

const fastPolls = { pollInterval: { initialMs: 5, maxMs: 50, factor: 1.5 } };

describe("OpenVZ import readings", () => {
  let sim: Sim;
  let client: OwpClient;
  let provider: OpenVzProvider;
  let hand: OwpClient;
  beforeEach(async () => {
    sim = await startOpenVzSimulator({ port: 0, delays: "fast" });
    const connect = () => new OwpClient({ url: sim.url, credentials: new OwpCredentials("admin", "admin") });
    client = connect();
    provider = new OpenVzProvider({ client });
    hand = connect();
    // The stack's two containers, made by an apply.
    const desired = ci();
    const result = await applyPlan(buildPlan({ desired, live: await provider.read("ci", desired), rules: provider.rules, mode: "plan" }), provider, { desired, ...fastPolls });
    expect(result.errors).toEqual([]);
  });
  afterEach(async () => {
    await provider.close();
    await hand.close();
    await sim.close();
  });

  const idOf = async (hostName: string) => (await hand.virtualServersOf(1)).find((vs) => vs.hostName === hostName && (vs.description ?? "").startsWith("hyperplan ci "))!.id;
  const gets = () => client.callCounts()["virtual_servers/get"] ?? 0;

  it("reads a container without a mark by its id, mapped exactly as the stack's own at that address, and set apart", async () => {
    const owned = await provider.read("ci", ci());
    const build2 = owned.resources.find((r) => r.address === "ci/build-2")!;
    await hand.updateVirtualServer(Number(build2.id), { description: "build server" });

    const before = gets();
    const live = await provider.read("ci", ci(build2.id));
    expect(gets() - before).toBe(1);
    expect(live.imports).toEqual([{ address: "ci/build-2", id: build2.id, state: "found", live: build2 }]);
    // Not the stack's yet, and no stranger bearing a declared name either.
    expect(live.resources.map((r) => r.address)).not.toContain("ci/build-2");
    expect(live.foreign).toBeUndefined();
    // The fingerprint covers it, as when the stack owned it.
    expect(live.fingerprint).toBe(owned.fingerprint);
    // Without importId it is a stranger named build-2.
    expect((await provider.read("ci", ci())).foreign).toEqual([expect.objectContaining({ kind: "VirtualMachine", id: build2.id, name: "build-2" })]);

    // The plan imports it; apply writes the mark and it is the stack's again, the same container.
    const desired = ci(build2.id);
    const plan = buildPlan({ desired, live, rules: provider.rules, mode: "plan" });
    expect(plan.changes.filter((c) => c.action !== "noop").map((c) => `${c.action} ${c.address} ${c.importId}`)).toEqual([`update ci/build-2 ${build2.id}`]);
    expect((await applyPlan(plan, provider, { desired, ...fastPolls })).errors).toEqual([]);
    expect((await hand.virtualServer(Number(build2.id))).description).toBe("hyperplan ci build-2");
    const after = await provider.read("ci", desired);
    expect(after.imports).toBeUndefined();
    expect(after.resources.find((r) => r.address === "ci/build-2")).toEqual(build2);
  });

  it("reads no container the panel has not, nor an id that is not one, as gone", async () => {
    await hand.updateVirtualServer(await idOf("build-2"), { description: "" });
    const before = gets();
    for (const id of ["4242", "0", "007", "abc", "5abc", "-1"]) {
      const live = await provider.read("ci", ci(id));
      expect(live.imports, id).toEqual([{ address: "ci/build-2", id, state: "gone" }]);
    }
    // Only the well-formed id was asked of the panel.
    expect(gets() - before).toBe(1);
  });

  it("reads a container that carries a mark, this stack's or another's, as tagged", async () => {
    const build1 = await idOf("build-1");
    await hand.updateVirtualServer(await idOf("build-2"), { description: "build server" });
    expect((await provider.read("ci", ci(String(build1)))).imports).toEqual([{ address: "ci/build-2", id: String(build1), state: "tagged", tag: { stack: "ci", address: "ci/build-1", kind: "VirtualMachine" } }]);

    const other = await hand.createVirtualServer({ hardware_server_id: 1, host_name: "web-1", orig_os_template: "debian-11-x86_64", orig_server_template: "vps.basic", description: "hyperplan other web tier-1" });
    expect((await provider.read("ci", ci(String(other)))).imports).toEqual([{ address: "ci/build-2", id: String(other), state: "tagged", tag: { stack: "other", address: "other/web/tier-1", kind: "VirtualMachine" } }]);
    // Apply's ownership check reads another stack's mark too, so an import never takes it over.
    const operations = new OpenVzOperations(client, "ci", undefined);
    expect(await operations.readOwnership("VirtualMachine", String(other))).toEqual({ state: "tagged", tag: { stack: "other", address: "other/web/tier-1", kind: "VirtualMachine" } });
  });

  it("reads nothing when the stack owns a container at the address already", async () => {
    const before = gets();
    const build2 = await idOf("build-2");
    const live = await provider.read("ci", ci(String(build2)));
    expect(live.imports).toBeUndefined();
    expect(gets()).toBe(before);
    expect(buildPlan({ desired: ci(String(build2)), live, rules: provider.rules, mode: "plan" }).changes.filter((c) => c.action !== "noop")).toEqual([]);
  });

  it("refuses importId on the panel's looked-up objects, which no stack owns, and reads none", () => {
    const s = new Stack(new App(), "ci");
    new Image(s, "debian-11-x86_64", { type: "os", persistent: false, importId: "2" });
    new VmTemplate(s, "vps.basic", { importId: "1" });
    new VirtualNetwork(s, "venet", { importId: "venet" });
    const analysis = analyseStack(s, { profile: openVzProfile });
    expect(analysis.issues.map((i) => `${i.address} ${i.path}: ${i.message}`)).toEqual([
      expect.stringMatching(/^ci\/debian-11-x86_64 importId: cannot adopt an OS template on OpenVZ: it is the panel's own, looked up by its name and never owned by a stack/),
      expect.stringMatching(/^ci\/venet importId: cannot adopt the venet on OpenVZ/),
      expect.stringMatching(/^ci\/vps\.basic importId: cannot adopt a server template on OpenVZ/),
    ]);
  });

  it("leaves a looked-up kind's importId unread when it reaches the reader all the same", async () => {
    const s = new Stack(new App(), "ci");
    new Image(s, "debian-11-x86_64", { type: "os", persistent: false, importId: "2" });
    const desired = analyseStack(s).state!;
    const before = gets();
    const live = await provider.read("ci-empty", desired);
    expect(live.imports).toBeUndefined();
    expect(gets()).toBe(before);
  });
});
