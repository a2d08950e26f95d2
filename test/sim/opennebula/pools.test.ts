import { describe, expect, it } from "vitest";
import { Pool } from "../../../src/sim/opennebula/pool";
import { parseDoc, vmTemplate, withSim } from "./helpers";

function pool(n: number): Pool<{ id: number; uid: number; gid: number; name: string }> {
  const p = new Pool<{ id: number; uid: number; gid: number; name: string }>();
  for (let i = 0; i < n; i++) p.insert({ id: p.allocateId(), uid: i % 3 === 0 ? 1 : 0, gid: 0, name: `o${i}` });
  return p;
}

const ids = (rows: { id: number }[]) => rows.map((r) => r.id);

describe("pool selection (PoolSQL::dump semantics)", () => {
  it("selects id ranges when end >= -1", () => {
    const p = pool(10);
    expect(ids(p.select({ start: -1, end: -1 }))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(ids(p.select({ start: 3, end: -1 }))).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(ids(p.select({ start: 3, end: 5 }))).toEqual([3, 4, 5]);
    expect(ids(p.select({ start: 0, end: 0 }))).toEqual([0]);
    expect(ids(p.select({ start: 20, end: 30 }))).toEqual([]);
  });

  it("pages by row offset and size when end < -1, in id order, and stops at an empty page", () => {
    const p = pool(10);
    p.remove(4);
    expect(ids(p.select({ start: 0, end: -3 }))).toEqual([0, 1, 2]);
    expect(ids(p.select({ start: 3, end: -3 }))).toEqual([3, 5, 6]);
    expect(ids(p.select({ start: 6, end: -3 }))).toEqual([7, 8, 9]);
    expect(ids(p.select({ start: 9, end: -3 }))).toEqual([]);
    expect(ids(p.select({ start: 0, end: -3 }, (r) => r.uid === 0))).toEqual([1, 2, 5]);
    expect(ids(p.select({ start: 3, end: -3 }, (r) => r.uid === 0))).toEqual([7, 8]);
  });

  it("keeps its own id sequence and never reuses a removed id", () => {
    const p = pool(3);
    p.remove(2);
    expect(p.allocateId()).toBe(3);
  });
});

describe("pool info methods", () => {
  it("filter by owner, reject a bad filter flag and page through VMs", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      for (let i = 0; i < 5; i++) await one.id("one.vm.allocate", vmTemplate(`vm-${i}`, null, null), true);
      await one.ok("one.vm.chown", 3, 1, 1);
      const names = async (...params: number[]) =>
        ((parseDoc(await one.doc("one.vmpool.info", ...params)).VM_POOL.VM ?? []) as { ID: string }[]).map((v) => Number(v.ID));
      expect(await names(-2, -1, -1, -1)).toEqual([0, 1, 2, 3, 4]);
      expect(await names(-3, -1, -1, -1)).toEqual([0, 1, 2, 4]);
      expect(await names(-1, -1, -1, -1)).toEqual([0, 1, 2, 4]);
      expect(await names(1, -1, -1, -1)).toEqual([3]);
      expect(await names(-4, -1, -1, -1)).toEqual([0, 1, 2, 4]);
      expect(await names(-2, 1, 3, -1)).toEqual([1, 2, 3]);
      expect(await names(-2, 0, -2, -1)).toEqual([0, 1]);
      expect(await names(-2, 2, -2, -1)).toEqual([2, 3]);
      expect(await names(-2, 4, -2, -1)).toEqual([4]);
      expect(await names(-2, 6, -2, -1)).toEqual([]);
      expect((await one.fail("one.vmpool.info", -5, -1, -1, -1)).message).toBe("[one.vmpool.info] Incorrect filter_flag.");
      expect((await one.fail("one.vmpool.info", -2, -1, -1, -1, "NAME=vm-1")).message).toBe(
        "[one.vmpool.info] JSON query search is not supported by the SQL backend",
      );
      expect(await one.doc("one.vmpool.info", -2, 10, 20, -1)).toBe("<VM_POOL></VM_POOL>");
    });
  });

  it("answer the JSON query as a MySQL-backed oned: KEY=VALUE terms, LIKE '%VALUE%' without case, before the page window", async () => {
    await withSim({ delays: "instant", database: "mysql" }, async (one) => {
      for (const [name, team] of [["web-1", "Web"], ["web-2", "webshop"], ["db-1", "db"], ["web-3", undefined]] as const) {
        await one.id("one.vm.allocate", vmTemplate(name, null, null, team === undefined ? "" : `TEAM = "${team}"`));
      }
      const ids = async (...params: (number | string)[]) =>
        ((parseDoc(await one.doc("one.vmpool.infoextended", ...params)).VM_POOL.VM ?? []) as { ID: string }[]).map((v) => Number(v.ID));
      expect(await ids(-2, -1, -1, -1, "VM.USER_TEMPLATE.TEAM=web")).toEqual([0, 1]);
      expect(await ids(-2, -1, -1, -1, "VM.USER_TEMPLATE.TEAM=web&VM.NAME=web-2")).toEqual([1]);
      expect(await ids(-2, -1, -1, -1, "VM.USER_TEMPLATE.NOPE=web")).toEqual([]);
      expect(await ids(-2, -1, -1, -1, "webshop")).toEqual([1]);
      // An id range applies as ever; a page window counts the rows the query kept.
      expect(await ids(-2, 1, -1, -1, "VM.NAME=web")).toEqual([1, 3]);
      expect(await ids(-2, 1, -2, -1, "VM.NAME=web")).toEqual([1, 3]);
      expect(await ids(-2, 0, -2, -1, "VM.NAME=web")).toEqual([0, 1]);
      expect(await ids(-2, -1, -1, -1, "")).toEqual([0, 1, 2, 3]);
    });
  });

  it("filter VMs by state, DONE ones only with -2 or 6", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const a = await one.id("one.vm.allocate", vmTemplate("a", null, null));
      const b = await one.id("one.vm.allocate", vmTemplate("b", null, null), true);
      await one.ok("one.vm.action", "terminate-hard", a);
      const count = async (state: number) => ((parseDoc(await one.doc("one.vmpool.info", -2, -1, -1, state)).VM_POOL.VM ?? []) as unknown[]).length;
      expect(await count(-1)).toBe(1);
      expect(await count(-2)).toBe(2);
      expect(await count(6)).toBe(1);
      expect(await count(2)).toBe(1);
      expect(await count(3)).toBe(0);
      expect((await one.fail("one.vmpool.info", -2, -1, -1, 12)).message).toBe("[one.vmpool.info] Incorrect state filter 12");
      expect((await one.fail("one.vmpool.info", -2, -1, -1, -3)).code).toBe(0x1000);
      expect(b).toBe(1);
    });
  });

  it("return the short body from vmpool.info and the full one from infoextended and infoset", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      await one.id("one.vm.allocate", vmTemplate("a", null, null, 'DESCRIPTION="hidden in short"\nSCHED_RANK="FREE_CPU"'));
      await one.id("one.vm.allocate", vmTemplate("b", null, null));
      await one.id("one.vm.allocate", vmTemplate("c", null, null));
      const short = parseDoc(await one.doc("one.vmpool.info", -2, -1, -1, -1)).VM_POOL.VM[0];
      expect(short.PERMISSIONS).toBeUndefined();
      expect(short.PREV_STATE).toBeUndefined();
      expect(short.USER_TEMPLATE).toEqual({ LABELS: "hyperplan", SCHED_RANK: "FREE_CPU" });
      expect(Object.keys(short.TEMPLATE)).toEqual(["CPU", "MEMORY", "VCPU", "GRAPHICS"]);
      const ext = parseDoc(await one.doc("one.vmpool.infoextended", -2, -1, -1, -1)).VM_POOL.VM[0];
      expect(ext.PERMISSIONS).toBeDefined();
      expect(ext.USER_TEMPLATE.DESCRIPTION).toBe("hidden in short");
      expect(ext.TEMPLATE.CONTEXT).toBeDefined();
      const set = parseDoc(await one.doc("one.vmpool.infoset", "2, 0,99", true)).VM_POOL.VM;
      expect(set.map((v: { ID: string }) => v.ID)).toEqual(["0", "2"]);
      expect(set[0].USER_TEMPLATE.DESCRIPTION).toBe("hidden in short");
      const shortSet = parseDoc(await one.doc("one.vmpool.infoset", "1", false)).VM_POOL.VM;
      expect(shortSet[0].PERMISSIONS).toBeUndefined();
      expect(await one.doc("one.vmpool.infoset", "", true)).toBe("<VM_POOL></VM_POOL>");
    });
  });

  it("keep only the last HISTORY record in the extended body and every record in vm.info", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const id = await one.id("one.vm.allocate", vmTemplate("h", null, null));
      await one.ok("one.vm.action", "poweroff", id);
      await one.ok("one.vm.action", "resume", id);
      await one.ok("one.vm.info", id);
      expect((await one.vm(id)).HISTORY_RECORDS.HISTORY).toHaveLength(2);
      const ext = parseDoc(await one.doc("one.vmpool.infoextended", -2, -1, -1, -1)).VM_POOL.VM[0];
      expect(ext.HISTORY_RECORDS.HISTORY).toHaveLength(1);
      expect(ext.HISTORY_RECORDS.HISTORY[0].SEQ).toBe("1");
    });
  });

  it("re-render a cached document after its object changes", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const id = await one.id("one.vm.allocate", vmTemplate("before", null, null), true);
      expect(parseDoc(await one.doc("one.vmpool.info", -2, -1, -1, -1)).VM_POOL.VM[0].NAME).toBe("before");
      await one.ok("one.vm.rename", id, "after");
      expect(parseDoc(await one.doc("one.vmpool.info", -2, -1, -1, -1)).VM_POOL.VM[0].NAME).toBe("after");
      await one.ok("one.vm.update", id, 'LABELS="x,y"', 1);
      expect(parseDoc(await one.doc("one.vmpool.info", -2, -1, -1, -1)).VM_POOL.VM[0].USER_TEMPLATE.LABELS).toBe("x,y");
    });
  });
});
