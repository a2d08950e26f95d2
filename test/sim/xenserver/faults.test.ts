import { describe, expect, it } from "vitest";
import { parseFaultRules } from "../../../src/sim/xenserver/index";
import { fakeClock, newVm, withSim } from "./helpers";

describe("fault rules", () => {
  it("error: calls of a method fail at once with the given ErrorDescription, count times", async () => {
    await withSim({ faults: [{ type: "error", method: "VM.get_all", error: ["INTERNAL_ERROR", "injected"], count: 1 }] }, async (xen) => {
      expect(await xen.fail("VM.get_all")).toEqual(["INTERNAL_ERROR", "injected"]);
      expect((await xen.ok("VM.get_all")).length).toBeGreaterThan(0);
    });
  });

  it("error: is decided after the session check", async () => {
    await withSim({ faults: [{ type: "error", method: "*", error: ["INTERNAL_ERROR", "injected"] }] }, async (xen) => {
      expect(await xen.answer("pool.get_all", "OpaqueRef:bogus")).toEqual({ ok: false, error: ["SESSION_INVALID", "OpaqueRef:bogus"] });
    });
  });

  it("task-failure: an Async operation's task fails with the error, on the objects named like match, nothing changed", async () => {
    const faults = [{ type: "task-failure" as const, method: "VM.start", match: "web-*", error: ["HOST_NOT_ENOUGH_FREE_MEMORY", "1", "0"] }];
    await withSim({ faults }, async (xen) => {
      const web = await newVm(xen, "web-1");
      const db = await newVm(xen, "db-1");
      const task = await xen.ok("Async.VM.start", web, false, false);
      expect(await xen.waitTask(task)).toMatchObject({ status: "failure", error_info: ["HOST_NOT_ENOUGH_FREE_MEMORY", "1", "0"] });
      expect(await xen.ok("VM.get_power_state", web)).toBe("Halted");
      expect(await xen.fail("VM.start", web, false, false)).toEqual(["HOST_NOT_ENOUGH_FREE_MEMORY", "1", "0"]);
      await xen.ok("VM.start", db, false, false);
    });
  });

  it("drop: the connection is destroyed before the call is performed; reset-after: after", async () => {
    await withSim({ faults: [{ type: "drop", method: "VM.set_name_label", count: 1 }, { type: "reset-after", method: "VM.set_name_description", count: 1 }] }, async (xen) => {
      const vm = await newVm(xen, "web-1");
      await expect(xen.ok("VM.set_name_label", vm, "renamed")).rejects.toThrow(/socket hang up|ECONNRESET/);
      expect(await xen.ok("VM.get_name_label", vm)).toBe("web-1");
      await expect(xen.ok("VM.set_name_description", vm, "described")).rejects.toThrow(/socket hang up|ECONNRESET/);
      expect(await xen.ok("VM.get_name_description", vm)).toBe("described");
    });
  });

  it("delay: the answer comes late but comes", async () => {
    await withSim({ faults: [{ type: "delay", method: "pool.get_all", ms: 20, count: 1 }] }, async (xen) => {
      expect(await xen.ok("pool.get_all")).toHaveLength(1);
    });
  });

  it("no-guest-agent: the VM boots but never reports addresses", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: { preset: "instant", guestAgent: 1_000 }, faults: [{ type: "no-guest-agent", match: "silent-*" }] }, async (xen) => {
      const silent = await newVm(xen, "silent-1");
      const chatty = await newVm(xen, "chatty-1");
      await xen.ok("VM.start", silent, false, false);
      await xen.ok("VM.start", chatty, false, false);
      clock.advance(60_000);
      expect(await xen.ok("VM.get_guest_metrics", silent)).toBe("OpaqueRef:NULL");
      expect(await xen.ok("VM.get_guest_metrics", chatty)).not.toBe("OpaqueRef:NULL");
    });
  });

  it("are added and cleared on the running simulator, and counted with every call", async () => {
    await withSim({}, async (xen, sim) => {
      sim.faults.add({ type: "error", method: "pool.*", error: ["INTERNAL_ERROR", "x"] });
      expect(await xen.fail("pool.get_all")).toEqual(["INTERNAL_ERROR", "x"]);
      sim.faults.clear();
      await xen.ok("pool.get_all");
      expect(sim.callCounts()["pool.get_all"]).toBe(2);
      sim.resetCallCounts();
      expect(sim.callCounts()).toEqual({});
    });
  });

  it("are read from JSON and checked", () => {
    expect(parseFaultRules('[{"type":"drop","method":"VM.*"},{"type":"no-guest-agent","match":"x"}]')).toHaveLength(2);
    expect(() => parseFaultRules("{")).toThrow("fault rules must be JSON");
    expect(() => parseFaultRules('{"type":"error","method":"x","error":[]}')).toThrow("error must be a non-empty array of strings");
    expect(() => parseFaultRules('{"type":"drop","method":"x","probability":2}')).toThrow("probability must be between 0 and 1");
    expect(() => parseFaultRules('{"type":"explode"}')).toThrow("unknown type");
  });
});
