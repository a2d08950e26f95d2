import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { analyseStack } from "../../../src/resources/synthesis";
import { OneClient } from "../../../src/providers/opennebula/client";
import { createOpenNebulaReader, readOwned, type JsonSearch, type OpenNebulaReader } from "../../../src/providers/opennebula/reader";
import { serializeTemplate } from "../../../src/providers/opennebula/template-syntax";
import { ownershipAttributes } from "../../../src/providers/opennebula/ownership";
import { buildPlan } from "../../../src/planner/plan-builder";
import { startOneSimulator, type RunningOneSimulator } from "../../../src/sim/opennebula/index";
import type { DesiredState } from "../../../src/resources/desired-state";
import { writeDesired } from "../../support/one-writer";
import lab from "../../../examples/stacks/lab";
import webApp from "../../../examples/stacks/web-app";

const SESSION = "oneadmin:opennebula";

function desiredOf(app: { stacks: Parameters<typeof analyseStack>[0][] }): DesiredState {
  const analysis = analyseStack(app.stacks[0]!);
  if (!analysis.state) throw new Error(JSON.stringify(analysis.issues));
  return analysis.state;
}

describe("OpenNebula reader", () => {
  let sim: RunningOneSimulator;
  let client: OneClient;
  let reader: OpenNebulaReader;

  beforeEach(async () => {
    sim = await startOneSimulator({ port: 0, delays: "instant" });
    client = new OneClient({ endpoint: sim.url, session: SESSION });
    reader = createOpenNebulaReader({ endpoint: sim.url, session: SESSION });
  });
  afterEach(async () => {
    await reader.close();
    await client.close();
    await sim.close();
  });

  const settle = () => client.call("one.system.version");

  it.each([
    ["lab", lab],
    ["web-app", webApp],
  ])("reads back what apply writes for the %s example as no change", async (_name, app) => {
    const desired = desiredOf(app as never);
    await writeDesired(client, desired);
    await settle();
    const live = await reader.read(desired.stack, desired);
    expect(live.resources.map((r) => r.address)).toEqual(desired.resources.map((r) => r.address));
    const plan = buildPlan({ desired, live, rules: reader.rules, mode: "plan" });
    const changes = plan.changes.filter((c) => c.action !== "noop");
    expect(changes.map((c) => ({ address: c.address, action: c.action, diff: c.diff.map((d) => `${d.path}: ${JSON.stringify(d.before)} → ${JSON.stringify(d.after)}`) }))).toEqual([]);
  });

  it("reads each kind with one paged pool call, the VMs through their label, and never an info call per object", async () => {
    const desired = desiredOf(lab as never);
    await writeDesired(client, desired);
    sim.resetCallCounts();
    await reader.read(desired.stack, desired);
    // The first read asks oned to search the VM pool; a SQLite-backed oned cannot, and says so once.
    expect(sim.callCounts()["one.vmpool.infoextended"]).toBe(1);
    expect(reader.search.supported).toBe(false);
    sim.resetCallCounts();
    await reader.read(desired.stack, desired);
    // The short bodies find the labelled VMs, read in full by id; the stack's document says how many it had.
    expect(sim.callCounts()).toEqual({
      "one.documentpool.info": 1,
      "one.imagepool.info": 1,
      "one.secgrouppool.info": 1,
      "one.templatepool.info": 1,
      "one.vmpool.info": 1,
      "one.vmpool.infoset": 1,
      "one.vnpool.info": 1,
    });
    expect(reader.lastVmRead).toBe("label");
  });

  it("lets a MySQL-backed oned search the VM pool: only the stack's VMs travel, the live state is the same", async () => {
    const mysql = await startOneSimulator({ port: 0, delays: "instant", database: "mysql" });
    const mysqlClient = new OneClient({ endpoint: mysql.url, session: SESSION });
    const mysqlReader = createOpenNebulaReader({ endpoint: mysql.url, session: SESSION });
    try {
      const desired = desiredOf(lab as never);
      for (const c of [client, mysqlClient]) {
        await writeDesired(c, desired);
        // Someone else's VMs, and one whose stack name merely contains "lab".
        for (let i = 0; i < 20; i++) await c.call("one.vm.allocate", serializeTemplate([{ name: "NAME", value: `other-${i}` }, { name: "CPU", value: "1" }, { name: "MEMORY", value: "64" }]));
        await c.call(
          "one.vm.allocate",
          serializeTemplate([{ name: "NAME", value: "x" }, { name: "CPU", value: "1" }, { name: "MEMORY", value: "64" }, ...ownershipAttributes({ stack: "lab2", address: "lab2/x", kind: "VirtualMachine" })]),
        );
        await c.call("one.system.version");
      }
      const viaSqlite = await reader.read(desired.stack, desired);
      mysql.resetCallCounts();
      const viaMysql = await mysqlReader.read(desired.stack, desired);
      expect(mysqlReader.search.supported).toBe(true);
      expect(mysql.callCounts()["one.vmpool.infoextended"]).toBe(1);
      expect(viaMysql.resources.map((r) => r.address)).toEqual(viaSqlite.resources.map((r) => r.address));
      expect(mysqlReader.lastStats.vm!.slices).toBe(4);
      expect(mysqlReader.lastVmRead).toBe("search");
      // SQLite: the 24 short bodies, then the 3 labelled VMs in full.
      expect(reader.lastStats.vm!.slices).toBe(27);
      expect(reader.lastVmRead).toBe("label");
      expect(mysqlReader.lastStats.vm!.responseBytes).toBeLessThan(reader.lastStats.vm!.responseBytes);
    } finally {
      await mysqlReader.close();
      await mysqlClient.close();
      await mysql.close();
    }
  });

  it("never takes untagged objects, other stacks' objects, or objects inheriting a template's tag", async () => {
    const desired = desiredOf(lab as never);
    const ids = await writeDesired(client, desired);
    // Same names, no tag; and the same address claimed by another stack.
    await client.call("one.vn.allocate", serializeTemplate([{ name: "NAME", value: "lab-net-copy" }, { name: "VN_MAD", value: "bridge" }]), -1);
    await client.call(
      "one.vm.allocate",
      serializeTemplate([{ name: "NAME", value: "lab-1" }, { name: "CPU", value: "1" }, { name: "MEMORY", value: "64" }, ...ownershipAttributes({ stack: "other", address: "lab/lab-1", kind: "VirtualMachine" })]),
    );
    // A VM someone started by hand from the stack's template inherits the template's tag (kind VmTemplate).
    await client.call("one.template.instantiate", ids.get("lab/lab-small")!, "by-hand", false, "", false);
    await settle();
    const live = await reader.read(desired.stack, desired);
    expect(live.resources.filter((r) => r.kind === "VirtualMachine").map((r) => r.name)).toEqual(["lab-1", "lab-2", "lab-3"]);
    expect(live.resources).toHaveLength(desired.resources.length);
  });

  it("shows a change made by hand as exactly that drift, and a deleted object as a create", async () => {
    const desired = desiredOf(lab as never);
    const ids = await writeDesired(client, desired);
    await settle();
    await client.call("one.vm.resize", ids.get("lab/lab-2")!, "MEMORY = 2048", false);
    await client.call("one.vm.rename", ids.get("lab/lab-3")!, "renamed-by-hand");
    await client.call("one.image.update", ids.get("lab/lab-scratch")!, 'DESCRIPTION = "edited in Sunstone"', 1);
    await client.call("one.vm.action", "terminate-hard", ids.get("lab/lab-1")!);
    await settle();
    const live = await reader.read(desired.stack, desired);
    const plan = buildPlan({ desired, live, rules: reader.rules, mode: "plan" });
    const changes = plan.changes.filter((c) => c.action !== "noop").map((c) => [c.address, c.action, c.diff.map((d) => d.path).join(",")]);
    expect(changes).toEqual([
      ["lab/lab-scratch", "update", "description"],
      ["lab/lab-1", "create", expect.any(String)],
      ["lab/lab-2", "update", "memory"],
      ["lab/lab-3", "update", "name"],
    ]);
  });

  it("does not trust a search that finds none of the stack's VMs when the whole pool has some", async () => {
    const desired = desiredOf(lab as never);
    await writeDesired(client, desired);
    await settle();
    // An oned whose search answers (MySQL) but matches nothing: the query path means something else there.
    const blind = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop === "callEscapedBytes") {
          return (method: string, ...params: unknown[]) =>
            params.length === 5 ? Promise.resolve(Buffer.from("&lt;VM_POOL&gt;&lt;/VM_POOL&gt;")) : (target.callEscapedBytes as (...a: unknown[]) => Promise<unknown>).call(target, method, ...params);
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const search: JsonSearch = {};
    const first = await readOwned(blind, desired.stack, undefined, search);
    expect(first.owned.VirtualMachine.map((vm) => vm.name).sort()).toEqual(["lab-1", "lab-2", "lab-3"]);
    expect(search.supported).toBe(false);
  });
});
