import { describe, expect, it } from "vitest";
import { encodeCall } from "../../../src/xmlrpc/index";
import { createTask, succeedTask } from "../../../src/sim/xenserver/tasks";
import { fakeClock, newVm, post, withSim } from "./helpers";

describe("tasks", () => {
  it("go pending → progress → success with the XML-RPC value of the result, by the injected clock", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: { preset: "instant", clone: 2_000 } }, async (xen) => {
      const tpl = await xen.byName("VM", "debian-12-cloud");
      const task = await xen.ok("Async.VM.clone", tpl, "web-1");
      const pending = await xen.ok("task.get_record", task);
      expect(pending).toMatchObject({ name_label: "Async.VM.clone", status: "pending", progress: 0, result: "", error_info: [], allowed_operations: ["cancel"] });
      expect(Object.values(await xen.ok("VM.get_current_operations", tpl))).toEqual(["clone"]);
      clock.advance(1_000);
      expect(await xen.ok("task.get_progress", task)).toBe(0.5);
      clock.advance(1_000);
      const done = await xen.ok("task.get_record", task);
      expect(done.status).toBe("success");
      expect(done.progress).toBe(1);
      expect(done.result).toMatch(/^<value>OpaqueRef:[0-9a-f-]{36}<\/value>$/);
      const vm = /<value>(.*)<\/value>/.exec(done.result)![1] as string;
      expect(await xen.ok("VM.get_name_label", vm)).toBe("web-1");
      expect(done.finished.getTime()).toBe(pending.created.getTime() + 2_000);
      expect(await xen.ok("VM.get_current_operations", tpl)).toEqual({});
      await xen.ok("task.destroy", task);
      expect(await xen.fail("task.get_record", task)).toEqual(["HANDLE_INVALID", "task", task]);
    });
  });

  it("of a void method end with result <value></value>", async () => {
    await withSim({}, async (xen) => {
      const vm = await newVm(xen, "web-1");
      const task = await xen.ok("Async.VM.start", vm, false, false);
      expect((await xen.waitTask(task)).result).toBe("<value></value>");
    });
  });

  it("fail with error_info [code, params…] and change nothing", async () => {
    await withSim({}, async (xen) => {
      const vm = await newVm(xen, "web-1");
      await xen.ok("VM.start", vm, false, false);
      const task = await xen.ok("Async.VM.start", vm, false, false);
      const record = await xen.waitTask(task);
      expect(record).toMatchObject({ status: "failure", error_info: ["VM_BAD_POWER_STATE", vm, "halted", "running"] });
      const bad = await xen.ok("Async.VM.clean_shutdown", "OpaqueRef:gone");
      expect((await xen.waitTask(bad)).error_info).toEqual(["HANDLE_INVALID", "VM", "OpaqueRef:gone"]);
    });
  });

  it("are cancelled through cancelling: error_info TASK_CANCELLED, the operation not done", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: { preset: "instant", start: 10_000, cancel: 100 } }, async (xen) => {
      const vm = await newVm(xen, "web-1");
      const task = await xen.ok("Async.VM.start", vm, false, false);
      await xen.ok("task.cancel", task);
      expect(await xen.ok("task.get_status", task)).toBe("cancelling");
      clock.advance(100);
      expect(await xen.ok("task.get_record", task)).toMatchObject({ status: "cancelled", error_info: ["TASK_CANCELLED", task] });
      clock.advance(10_000);
      expect(await xen.ok("VM.get_power_state", vm)).toBe("Halted");
      expect(await xen.ok("VM.get_current_operations", vm)).toEqual({});
      expect((await xen.fail("task.cancel", task))[0]).toBe("OPERATION_NOT_ALLOWED");
    });
  });

  it("end cancelled, not done, when the operation falls due while the cancel is under way", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: { preset: "instant", start: 100, cancel: 1_000 } }, async (xen) => {
      const vm = await newVm(xen, "web-1");
      const task = await xen.ok("Async.VM.start", vm, false, false);
      await xen.ok("task.cancel", task);
      clock.advance(100);
      expect(await xen.ok("task.get_status", task)).toBe("cancelling");
      expect(await xen.ok("VM.get_power_state", vm)).toBe("Halted");
      clock.advance(1_000);
      expect(await xen.ok("task.get_record", task)).toMatchObject({ status: "cancelled", error_info: ["TASK_CANCELLED", task] });
      expect(await xen.ok("VM.get_power_state", vm)).toBe("Halted");
      expect(await xen.ok("VM.get_current_operations", vm)).toEqual({});
    });
  });

  it("pass through their states observably even with instant delays", async () => {
    await withSim({ delays: "instant" }, async (xen) => {
      const tpl = await xen.byName("VM", "debian-12-cloud");
      const before = (await xen.ok("event.from", ["task"], "", 0)).token as string;
      const task = await xen.ok("Async.VM.clone", tpl, "web-1");
      const added = await xen.ok("event.from", ["task"], before, 0);
      // The answer to the Async call is given before its task runs: the next call sees it finished.
      expect(added.events.map((e: any) => [e.operation, e.snapshot?.status])).toEqual([["add", "success"]]);
      const task2 = await xen.ok("task.create", "mine", "");
      expect(await xen.ok("task.get_status", task2)).toBe("pending");
      expect(await xen.ok("task.get_name_label", task)).toBe("Async.VM.clone");
    });
  });

  it("can be created by a client (task.create) and are collected past 1,000 finished", async () => {
    await withSim({}, async (xen, sim) => {
      const mine = await xen.ok("task.create", "mine", "made by the client");
      expect(await xen.ok("task.get_record", mine)).toMatchObject({ name_label: "mine", name_description: "made by the client", status: "pending" });
      const vm = await newVm(xen, "web-1");
      const first = await xen.ok("Async.VM.get_allowed_VIF_devices", vm);
      await xen.waitTask(first);
      // 999 more finished tasks, made inside the world rather than over HTTP to keep the test fast.
      for (let i = 0; i < 999; i++) succeedTask(sim.world, createTask(sim.world, "filler", "", false).ref, "<value></value>");
      expect(sim.world.table("task").rows.size).toBe(1_001);
      const last = await xen.ok("Async.VM.get_allowed_VIF_devices", vm);
      await xen.waitTask(last);
      expect(sim.world.table("task").rows.size).toBe(1_001);
      expect(await xen.fail("task.get_record", first)).toEqual(["HANDLE_INVALID", "task", first]);
      expect(await xen.ok("task.get_status", mine)).toBe("pending");
    });
  });
});

describe("event.from", () => {
  it("returns an add per object for the token \"\", with lower-case classes, full snapshots and <i4> counts", async () => {
    await withSim({}, async (xen) => {
      const { reply } = await xen.raw("event.from", [xen.session, ["VM", "pool"], "", 1.0]);
      expect(reply.body).toMatch(/<member><name>valid_ref_counts<\/name><value><struct><member><name>pool<\/name><value><i4>1<\/i4><\/value><\/member><member><name>vm<\/name><value><i4>5<\/i4><\/value><\/member><\/struct><\/value><\/member>/);
      const batch = await xen.ok("event.from", ["VM", "pool"], "", 1.0);
      expect(batch.token).toMatch(/^\d{20},\d{20}$/);
      expect(batch.events).toHaveLength(6);
      for (const event of batch.events) {
        expect(Object.keys(event).sort()).toEqual(["class", "id", "operation", "ref", "snapshot", "timestamp"]);
        expect(event.operation).toBe("add");
        expect(["vm", "pool"]).toContain(event.class);
        expect(typeof event.id).toBe("string");
      }
      const vm = batch.events.find((e: any) => e.class === "vm");
      expect(vm.snapshot).toEqual(await xen.ok("VM.get_record", vm.ref));
    });
  });

  it("coalesces changes per object, reports adds, mods and dels (no snapshot) after a token", async () => {
    await withSim({}, async (xen) => {
      const start = (await xen.ok("event.from", ["vm"], "", 0)).token;
      const vm = await newVm(xen, "web-1");
      const second = (await xen.ok("event.from", ["vm"], start, 1)) as Record<string, any>;
      expect(second.events.map((e: any) => [e.operation, e.ref])).toEqual([["add", vm]]);
      expect(second.events[0].snapshot.is_a_template).toBe(false);
      await xen.ok("VM.set_name_label", vm, "a");
      await xen.ok("VM.set_name_label", vm, "b");
      const third = await xen.ok("event.from", ["vm"], second.token, 1);
      expect(third.events.map((e: any) => [e.operation, e.snapshot.name_label])).toEqual([["mod", "b"]]);
      await xen.ok("VM.destroy", vm);
      const fourth = await xen.ok("event.from", ["vm"], third.token, 1);
      expect(fourth.events).toEqual([expect.objectContaining({ operation: "del", ref: vm, class: "vm" })]);
      expect(fourth.events[0].snapshot).toBeUndefined();
      expect(fourth.token > third.token).toBe(true);
    });
  });

  it("matches classes whatever their case, * and class/ref, and skips objects born and gone since the token", async () => {
    await withSim({}, async (xen) => {
      const start = (await xen.ok("event.from", ["*"], "", 0)).token;
      const a = await newVm(xen, "a");
      const b = await newVm(xen, "b");
      const gone = await newVm(xen, "gone");
      await xen.ok("VM.destroy", gone);
      const one = await xen.ok("event.from", [`vm/${b}`], start, 1);
      expect(one.events.map((e: any) => e.ref)).toEqual([b]);
      const vms = await xen.ok("event.from", ["Vm"], start, 1);
      expect(vms.events.map((e: any) => e.ref)).toEqual([a, b]);
      const all = await xen.ok("event.from", ["*"], start, 1);
      expect(new Set(all.events.map((e: any) => e.class))).toEqual(new Set(["vm", "vm_metrics", "vbd", "vdi", "sr", "task"].filter((c) => all.events.some((e: any) => e.class === c))));
      expect(all.events.some((e: any) => e.ref === gone)).toBe(false);
      expect(Object.keys(all.valid_ref_counts)).toEqual(expect.arrayContaining(["vm", "task", "pool", "host", "vm_guest_metrics"]));
    });
  });

  it("waits for its timeout when nothing changes, then answers no events and a token", async () => {
    await withSim({}, async (xen) => {
      const token = (await xen.ok("event.from", ["vm"], "", 0)).token;
      const quiet = await xen.ok("event.from", ["vm"], token, 0.05);
      expect(quiet.events).toEqual([]);
      expect(quiet.token).toBe(token);
    });
  });

  it("wakes as soon as a matching change is made through another session", async () => {
    await withSim({}, async (xen, sim) => {
      const vm = await newVm(xen, "web-1");
      const token = (await xen.ok("event.from", ["vm"], "", 0)).token;
      const waiting = xen.ok("event.from", ["vm"], token, 30);
      const other = new (xen.constructor as typeof import("./helpers").Xen)(sim.url);
      await other.login();
      await other.ok("VM.set_name_description", vm, "changed elsewhere");
      const woke = await waiting;
      expect(woke.events.map((e: any) => [e.ref, e.snapshot.name_description])).toEqual([[vm, "changed elsewhere"]]);
    });
  });

  it("wakes when a watched task finishes on its own, and answers SESSION_INVALID to a waiter whose session logs out", async () => {
    await withSim({ delays: { preset: "instant", start: 30 } }, async (xen, sim) => {
      const vm = await newVm(xen, "web-1");
      const token = (await xen.ok("event.from", ["task"], "", 0)).token;
      const task = await xen.ok("Async.VM.start", vm, false, false);
      let seen: any[] = [];
      let at = token;
      while (!seen.some((e) => e.ref === task && e.snapshot?.status === "success")) {
        const batch = await xen.ok("event.from", ["task"], at, 30);
        seen = batch.events;
        at = batch.token;
      }
      const other = new (xen.constructor as typeof import("./helpers").Xen)(sim.url);
      await other.login();
      const waiting = other.answer("event.from", other.session, ["vm"], at, 30);
      await other.ok("pool.get_all");
      const logout = new (xen.constructor as typeof import("./helpers").Xen)(sim.url);
      logout.session = other.session;
      await logout.ok("session.logout");
      expect(await waiting).toEqual({ ok: false, error: ["SESSION_INVALID", other.session] });
    });
  });

  it("refuses a malformed token: EVENT_FROM_TOKEN_PARSE_FAILURE [token]", async () => {
    await withSim({}, async (xen) => {
      expect(await xen.fail("event.from", ["vm"], "12", 1)).toEqual(["EVENT_FROM_TOKEN_PARSE_FAILURE", "12"]);
      expect(await xen.fail("event.from", ["vm"], "a,b", 1)).toEqual(["EVENT_FROM_TOKEN_PARSE_FAILURE", "a,b"]);
      expect(await xen.fail("event.from", ["vm/a/b"], "", 1)).toEqual(["EVENT_SUBSCRIPTION_PARSE_FAILURE", "vm/a/b"]);
    });
  });

  it("event.inject forces a mod and answers the token just before it", async () => {
    await withSim({}, async (xen) => {
      const pool = (await xen.ok("pool.get_all"))[0];
      const token = await xen.ok("event.inject", "pool", pool);
      expect(token).toMatch(/^\d{20},\d{20}$/);
      const batch = await xen.ok("event.from", ["pool"], token, 1);
      expect(batch.events.map((e: any) => [e.operation, e.ref])).toEqual([["mod", pool]]);
      expect(await xen.fail("event.inject", "pool", "OpaqueRef:nope")).toEqual(["HANDLE_INVALID", "pool", "OpaqueRef:nope"]);
    });
  });

  it("has the legacy register/next/unregister", async () => {
    await withSim({}, async (xen) => {
      expect(await xen.fail("event.next")).toEqual(["SESSION_NOT_REGISTERED", xen.session]);
      await xen.ok("event.register", ["vm"]);
      const vm = await newVm(xen, "web-1");
      const events = await xen.ok("event.next");
      expect(events.some((e: any) => e.ref === vm && e.operation === "add")).toBe(true);
      await xen.ok("event.unregister", ["vm"]);
    });
  });

  it("answers in JSON-RPC with the same shape", async () => {
    await withSim({}, async (xen, sim) => {
      const reply = await post(sim.url, JSON.stringify({ jsonrpc: "2.0", method: "event.from", params: [xen.session, ["pool"], "", 1.0], id: 1 }), "/jsonrpc", "application/json");
      const body = JSON.parse(reply.body);
      expect(body.result.valid_ref_counts).toEqual({ pool: 1 });
      expect(body.result.events[0]).toMatchObject({ class: "pool", operation: "add", timestamp: "0.0" });
      expect(typeof body.result.events[0].id).toBe("string");
      const xml = await post(sim.url, encodeCall("event.from", [xen.session, ["pool"], "", 1.0], { style: "xapi" }));
      expect(xml.body).toContain("<member><name>timestamp</name><value>0.0</value></member>");
    });
  });
});
