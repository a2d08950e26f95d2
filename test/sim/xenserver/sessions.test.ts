import { describe, expect, it } from "vitest";
import { startXenServerSimulator } from "../../../src/sim/xenserver/index";
import { openSession } from "../../../src/sim/xenserver/session";
import { PASSWORD, USER, Xen, fakeClock, jsonCall, withSim } from "./helpers";

describe("sessions", () => {
  it("log in with 2, 3 or 4 parameters and more are ignored, as xapi's defaulted parameters allow", async () => {
    await withSim({}, async (xen) => {
      for (const params of [[USER, PASSWORD], [USER, PASSWORD, "2.3"], [USER, PASSWORD, "2.3", "my-app"], [USER, PASSWORD, "2.3", "my-app", "extra"]]) {
        const a = await xen.answer("session.login_with_password", ...params);
        expect(a.ok, JSON.stringify(params)).toBe(true);
        expect((a as { value: string }).value).toMatch(/^OpaqueRef:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      }
      expect(await xen.answer("session.login_with_password", USER)).toEqual({ ok: false, error: ["MESSAGE_PARAMETER_COUNT_MISMATCH", "session.login_with_password", "2", "1"] });
    });
  });

  it("record who logged in: originator, local superuser, this_host the master", async () => {
    await withSim({}, async (xen, sim) => {
      const record = await xen.ok("session.get_record", xen.session);
      expect(record).toMatchObject({ originator: "hyperplan-test", is_local_superuser: true, this_host: sim.world.masterRef, this_user: "OpaqueRef:NULL", auth_user_name: "root" });
    });
  });

  it("refuse wrong credentials with SESSION_AUTHENTICATION_FAILED after the preset's pause", async () => {
    await withSim({ delays: { loginFailure: 30 } }, async (xen) => {
      expect(await xen.answer("session.login_with_password", USER, "wrong")).toEqual({ ok: false, error: ["SESSION_AUTHENTICATION_FAILED", USER, "Authentication failure"] });
      expect(await xen.answer("session.login_with_password", "admin", PASSWORD)).toEqual({ ok: false, error: ["SESSION_AUTHENTICATION_FAILED", "admin", "Authentication failure"] });
    });
  });

  it("end with session.logout: the ref is SESSION_INVALID afterwards", async () => {
    await withSim({}, async (xen) => {
      const ref = xen.session;
      expect(await xen.ok("session.logout")).toBe("");
      expect(await xen.fail("VM.get_all")).toEqual(["SESSION_INVALID", ref]);
      expect(await xen.fail("session.logout")).toEqual(["SESSION_INVALID", ref]);
    });
  });

  it("expire after 24 hours idle", async () => {
    const clock = fakeClock();
    await withSim({ clock }, async (xen) => {
      clock.advance(23 * 3600_000);
      await xen.ok("pool.get_all");
      clock.advance(23 * 3600_000);
      await xen.ok("pool.get_all");
      clock.advance(24 * 3600_000 + 1000);
      expect(await xen.fail("pool.get_all")).toEqual(["SESSION_INVALID", xen.session]);
    });
  });

  it("keep at most 500 per originator, the least recently active going first", async () => {
    const clock = fakeClock();
    await withSim({ clock }, async (xen, sim) => {
      const first = xen.session;
      await xen.ok("pool.get_all");
      clock.advance(1_000);
      const other = await xen.answer("session.login_with_password", USER, PASSWORD, "2.3", "another-app");
      // 499 more sessions of the same originator, opened inside the world to keep the test fast, all
      // active after the first: 500 of them live together, the 501st login ends the first.
      for (let i = 0; i < 499; i++) openSession(sim.world, USER, "hyperplan-test");
      expect(sim.world.get("session", first)).toBeDefined();
      await xen.answer("session.login_with_password", USER, PASSWORD, "2.3", "hyperplan-test");
      expect(await xen.fail("pool.get_all")).toEqual(["SESSION_INVALID", first]);
      xen.session = (other as { value: string }).value;
      await xen.ok("pool.get_all");
    });
  });
});

describe("the pool slave", () => {
  it("answers login and every session call with HOST_IS_SLAVE naming the master's address", async () => {
    await withSim({}, async (xen, sim) => {
      expect(sim.slaveUrl).toBe(`http://127.0.0.2:${sim.port}/`);
      const slave = new Xen(sim.slaveUrl as string);
      expect(await slave.answer("session.login_with_password", USER, PASSWORD)).toEqual({ ok: false, error: ["HOST_IS_SLAVE", "127.0.0.1"] });
      expect(await slave.answer("session.login_with_password", USER, "wrong")).toEqual({ ok: false, error: ["HOST_IS_SLAVE", "127.0.0.1"] });
      slave.session = xen.session;
      expect(await slave.fail("VM.get_all_records")).toEqual(["HOST_IS_SLAVE", "127.0.0.1"]);
      expect(await slave.fail("event.from", ["*"], "", 1)).toEqual(["HOST_IS_SLAVE", "127.0.0.1"]);
      // Before the session check: unknown methods and bad arities are answered as on the master.
      expect(await slave.fail("VM.frobnicate")).toEqual(["MESSAGE_METHOD_UNKNOWN", "VM.frobnicate"]);
      const listed = await slave.raw("system.listMethods", []);
      expect(listed.value).toContain("VM.get_all_records");
      const json = await jsonCall(sim.slaveUrl as string, "session.login_with_password", [USER, PASSWORD]);
      expect(json.body.error).toEqual({ code: 1, message: "HOST_IS_SLAVE", data: ["127.0.0.1"] });
      const hosts = await xen.ok("host.get_all_records");
      expect(Object.values(hosts).map((h: any) => h.address).sort()).toEqual(["127.0.0.1", "127.0.0.2"]);
    });
  });

  it("can be left out", async () => {
    const sim = await startXenServerSimulator({ port: 0, slaveHost: false });
    try {
      expect(sim.slaveUrl).toBeNull();
      const xen = new Xen(sim.url);
      await xen.login();
    } finally {
      await sim.close();
    }
  });
});
