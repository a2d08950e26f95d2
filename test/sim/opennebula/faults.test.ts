import { describe, expect, it } from "vitest";
import { encodeCall } from "../../../src/xmlrpc/index";
import { VnetState } from "../../../src/sim/opennebula/index";
import { globMatch, parseFaultRules } from "../../../src/sim/opennebula/faults";
import { NET_TEMPLATE, SESSION, parseDoc, post, vmTemplate, withSim } from "./helpers";

describe("fault injection", () => {
  it("matches names and methods with globs", () => {
    expect(globMatch("web-*", "web-1")).toBe(true);
    expect(globMatch("web-*", "db-1")).toBe(false);
    expect(globMatch("one.vm.*", "one.vm.allocate")).toBe(true);
    expect(globMatch("one.vm.*", "one.vmpool.info")).toBe(false);
    expect(globMatch("one.?m.info", "one.vm.info")).toBe(true);
    expect(globMatch("*", "anything")).toBe(true);
  });

  it("fails the next N matching calls with INTERNAL or LOCKED in oned's envelope", async () => {
    await withSim({ delays: "instant", faults: [{ type: "error", method: "one.vm.*", code: "INTERNAL", count: 2, message: "database is busy" }] }, async (one, sim) => {
      expect(await one.fail("one.vm.allocate", vmTemplate("a", null, null))).toMatchObject({ code: 0x2000, id: -1, message: "[one.vm.allocate] database is busy" });
      expect((await one.fail("one.vm.info", 0)).code).toBe(0x2000);
      expect(await one.id("one.vm.allocate", vmTemplate("a", null, null))).toBe(0);
      sim.faults.add({ type: "error", method: "one.vm.action", code: "LOCKED", count: 1 });
      expect(await one.fail("one.vm.action", "poweroff", 0)).toMatchObject({ code: 0x8000, id: -1 });
      await one.ok("one.vm.info", 0);
      sim.faults.add({ type: "error", method: "one.image.info", code: "LOCKED" });
      expect(await one.fail("one.image.info", 3)).toMatchObject({ code: 0x8000, id: 3, message: "[one.image.info] The resource image is locked. [3]." });
      sim.faults.clear();
      expect((await one.fail("one.image.info", 3)).code).toBe(0x400);
    });
  });

  it("draws probabilities from the seeded PRNG, so a seed replays the same failures", async () => {
    const outcomes = async (seed: number) =>
      withSim({ delays: "instant", seed, faults: [{ type: "error", method: "one.system.version", code: "INTERNAL", probability: 0.5 }] }, async (one) => {
        const out: boolean[] = [];
        for (let i = 0; i < 24; i++) out.push((await one.reply("one.system.version")).ok);
        return out;
      });
    const a = await outcomes(7);
    expect(await outcomes(7)).toEqual(a);
    expect(a).toContain(true);
    expect(a).toContain(false);
    expect(await outcomes(8)).not.toEqual(a);
  });

  it("answers slowly or drops the connection without an answer", async () => {
    await withSim({ delays: "instant" }, async (one, sim) => {
      sim.faults.add({ type: "delay", method: "one.system.version", ms: 80, count: 1 });
      const started = Date.now();
      await one.ok("one.system.version");
      expect(Date.now() - started).toBeGreaterThanOrEqual(75);
      sim.faults.add({ type: "drop", method: "one.vm.allocate", count: 1 });
      await expect(post(sim.url, encodeCall("one.vm.allocate", [SESSION, vmTemplate("x", null, null)]))).rejects.toThrow(/socket hang up|ECONNRESET/);
      expect(await one.id("one.vm.allocate", vmTemplate("x", null, null))).toBe(0);
      expect(sim.callCounts()["one.vm.allocate"]).toBe(2);
    });
  });

  it("reset-after: performs the call, then destroys the connection without the answer", async () => {
    await withSim({ delays: "instant", faults: [{ type: "reset-after", method: "one.vm.allocate", count: 1 }] }, async (one, sim) => {
      // A raw HTTP client: the request went out, the answer never comes back.
      await expect(post(sim.url, encodeCall("one.vm.allocate", [SESSION, vmTemplate("lost-answer", null, null)]))).rejects.toThrow(/socket hang up|ECONNRESET/);
      // oned acted all the same: the VM exists and the next call sees it.
      const vm = await one.vm(0);
      expect(vm.NAME).toBe("lost-answer");
      expect(await one.id("one.vm.allocate", vmTemplate("second", null, null))).toBe(1);
      expect(sim.callCounts()["one.vm.allocate"]).toBe(2);
      // A failed call (here an unknown image) changes nothing and still loses its answer.
      sim.faults.add({ type: "reset-after", method: "one.image.delete" });
      await expect(post(sim.url, encodeCall("one.image.delete", [SESSION, 7]))).rejects.toThrow(/socket hang up|ECONNRESET/);
      sim.faults.clear();
      expect((await one.fail("one.image.delete", 7)).code).toBe(0x400);
    });
  });

  it("reset-after: a lock taken before the connection broke is there, and a test-and-set retry is refused", async () => {
    await withSim({ delays: "instant" }, async (one, sim) => {
      const doc = await one.id("one.document.allocate", 'NAME="lock"', 1207);
      sim.faults.add({ type: "reset-after", method: "one.document.lock", count: 1 });
      await expect(post(sim.url, encodeCall("one.document.lock", [SESSION, doc, 4, true]))).rejects.toThrow(/socket hang up|ECONNRESET/);
      expect((await one.fail("one.document.lock", doc, 4, true)).code).toBe(0x800);
      expect(parseDoc(await one.doc("one.document.info", doc)).DOCUMENT[0].LOCK.LOCKED).toBe("1");
    });
  });

  it("leaves a matching network in ERROR with the driver's message", async () => {
    await withSim({ delays: "instant", faults: [{ type: "fail-state", kind: "vnet", match: "lan", state: "ERROR" }] }, async (one) => {
      const net = await one.id("one.vn.allocate", NET_TEMPLATE, -1);
      const vn = await one.vnet(net);
      expect(Number(vn.STATE)).toBe(VnetState.ERROR);
      expect(vn.TEMPLATE.ERROR).toContain("Error creating virtual network");
      await one.ok("one.vn.recover", net, 1);
      expect(Number((await one.vnet(net)).STATE)).toBe(VnetState.READY);
    });
  });

  it("refuses malformed rules", async () => {
    await withSim({ delays: "instant" }, async (_one, sim) => {
      expect(() => sim.faults.add({ type: "error", method: "*", code: "OOPS" as "INTERNAL" })).toThrow(/INTERNAL or LOCKED/);
      expect(() => sim.faults.add({ type: "drop", method: "*", probability: 2 })).toThrow(/probability/);
      expect(() => sim.faults.add({ type: "fail-state", kind: "vm", match: "*", state: "ERROR" as "BOOT_FAILURE" })).toThrow(/BOOT_FAILURE or PROLOG_FAILURE/);
      expect(() => sim.faults.add({ type: "reset-after", method: 3 as unknown as string })).toThrow(/method must be a glob string/);
      expect(() => sim.faults.add({ type: "reset-after", method: "*", count: -1 })).toThrow(/count must be a whole number/);
      expect(() => parseFaultRules('{"type":"reset-after","method":"one.vm.*","probability":0.5,"count":2}')).not.toThrow();
    });
  });
});
