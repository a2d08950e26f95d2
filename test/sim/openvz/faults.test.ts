/**
 * Fault rules (SPEC.md "Faults"): vzctl failing on the node per action and host name, errors
 * answered at once, late answers, connections dropped before acting or after, each with count
 * and probability from the seeded PRNG; rules checked as they are added.
 */
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { parseFaultRules, startOpenVzSimulator, type RunningOpenVzSimulator } from "../../../src/sim/openvz/index";
import { PanelApi, started } from "./helpers";

let sim: RunningOpenVzSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** A GET whose outcome is an answer or the connection closed without one. */
function rawGet(url: string): Promise<{ closed: true } | { closed: false; status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(url, { headers: { Authorization: `Basic ${Buffer.from("admin:admin").toString("base64")}`, Connection: "close" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ closed: false, status: res.statusCode ?? 0, body }));
      res.on("error", () => resolve({ closed: true }));
    });
    req.on("error", () => resolve({ closed: true }));
    req.end();
  });
}

describe("injected faults", () => {
  it("fails vzctl create as internal_error quoting the command, leaving no container and no record", async () => {
    let api: PanelApi;
    ({ sim, api } = await started({ faults: [{ type: "vzctl", action: "create", match: "web*", code: 46, output: "Not enough disk space", count: 1 }] }));
    const base = { hardware_server_id: 1, orig_os_template: "centos-7-x86_64", orig_server_template: "vps.basic" };
    // Another host name is not matched.
    const other = await api.create({ host_name: "db9.lan" });
    expect(await api.error("virtual_servers/create", { ...base, host_name: "web1.lan" })).toEqual({
      code: "internal_error",
      message: "Internal error.",
      details: "Command 'vzctl create 104 --ostemplate centos-7-x86_64 --config vps.basic' execution failed with code 46\nOutput: Not enough disk space",
    });
    expect([...sim.world.virtualServers.keys()]).toEqual([1, 2, 3, other]);
    // count 1: spent.
    expect(await api.create({ host_name: "web1.lan" })).toBe(other + 1);
  });

  it("fails update, delete and reinstall as internal_error with nothing changed, start/stop/restart as status false", async () => {
    let api: PanelApi;
    ({ sim, api } = await started());
    const id = await api.create({ host_name: "app.lan", start_after_creation: 1 });
    sim.faults.add({ type: "vzctl", action: "update" });
    expect(await api.error("virtual_servers/update", { id, cpus: 3, host_name: "app2.lan" })).toEqual({
      code: "internal_error",
      message: "Internal error.",
      details: "Command 'vzctl set 103 --hostname app2.lan --save' execution failed with code 3\nOutput: vzctl failed (injected fault)",
    });
    // A root password never shows, even in a failed command.
    expect((await api.error("virtual_servers/update", { id, password: "hunter2" })).details).toBe("Command 'vzctl set 103 --userpasswd root:******' execution failed with code 3\nOutput: vzctl failed (injected fault)");
    // An update that runs no vzctl is not hit.
    expect((await api.result("virtual_servers/update", { id, expiration_date: "2031-01-01" })).status).toBe(true);
    expect(await api.server(id)).toMatchObject({ cpus: 1, host_name: "app.lan", expiration_date: "2031-01-01" });
    expect(sim.world.rootPasswordIs(id, "hunter2")).toBe(false);
    sim.faults.clear();

    // faults.add checks the rule: a glob that names no action is refused.
    expect(() => sim?.faults.add({ type: "vzctl", action: "{delete,reinstall}" })).toThrow("matches none of");
    sim.faults.add({ type: "vzctl", action: "re*" });
    sim.faults.add({ type: "vzctl", action: "delete" });
    expect((await api.error("virtual_servers/delete", { id })).details).toBe("Command 'vzctl destroy 103' execution failed with code 3\nOutput: vzctl failed (injected fault)");
    expect((await api.error("virtual_servers/reinstall", { id, password: "pw", orig_os_template: "debian-11-x86_64" })).details).toBe(
      "Command 'vzctl destroy 103' execution failed with code 3\nOutput: vzctl failed (injected fault)",
    );
    expect(await api.server(id)).toMatchObject({ state: "running", orig_os_template: "centos-7-x86_64" });
    // restart matches re*: false, nothing changed.
    expect(await api.result("virtual_servers/restart", { id })).toEqual({ status: false });
    sim.faults.clear();
    sim.faults.add({ type: "vzctl", action: "st*", match: "app.lan" });
    expect(await api.result("virtual_servers/stop", { id })).toEqual({ status: false });
    expect((await api.server(id)).state).toBe("running");
    // start when running runs no vzctl: true.
    expect(await api.result("virtual_servers/start", { id })).toEqual({ status: true });
    sim.faults.clear();
    expect(await api.result("virtual_servers/delete", { id })).toEqual({ status: true });
  });

  it("answers an error rule's code at once, a code the panel does not whitelist as unknown_error", async () => {
    let api: PanelApi;
    ({ sim, api } = await started({ faults: [{ type: "error", method: "virtual_servers/get", count: 1 }] }));
    expect(await api.error("virtual_servers/get", { id: 1 })).toEqual({ code: "internal_error", message: "Internal error.", details: "injected fault" });
    expect((await api.server(1)).id).toBe(1);
    sim.faults.add({ type: "error", method: "hardware_servers/*", code: "access_denied", count: 1 });
    expect(await api.error("hardware_servers/list")).toEqual({ code: "access_denied", message: "Access denied." });
    sim.faults.add({ type: "error", method: "virtual_servers/create", code: "object_not_valid", count: 1 });
    expect(await api.error("virtual_servers/create", { hardware_server_id: 1 })).toEqual({ code: "unknown_error", message: "Unknown error." });
    expect(sim.world.vzctlLog).toEqual([]);
  });

  it("delays answers, drops connections before acting and resets them after acting", async () => {
    let api: PanelApi;
    ({ sim, api } = await started());
    sim.faults.add({ type: "delay", method: "tasks/list", ms: 150, count: 1 });
    const t0 = performance.now();
    await api.list("tasks/list");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);

    sim.faults.add({ type: "drop", method: "virtual_servers/create", count: 1 });
    const create = `${sim.url}api/virtual_servers/create?hardware_server_id=1&orig_os_template=centos-7-x86_64&orig_server_template=vps.basic`;
    expect(await rawGet(create)).toEqual({ closed: true });
    expect(sim.world.virtualServers.size).toBe(3);

    sim.faults.add({ type: "reset-after", method: "virtual_servers/create", count: 1 });
    expect(await rawGet(create)).toEqual({ closed: true });
    expect(sim.world.virtualServers.size).toBe(4);
    const after = await rawGet(create);
    expect(after.closed === false && after.body).toContain('<id type="integer">5</id>');
    expect(sim.callCounts()["virtual_servers/create"]).toBe(3);
  });

  it("fires a rule with a probability the same way for the same seed", async () => {
    const outcomes = async (seed: number) => {
      const s = await startOpenVzSimulator({ delays: "instant", seed, faults: [{ type: "error", method: "virtual_servers/get", probability: 0.5 }] });
      const api = new PanelApi(s.url);
      const out: string[] = [];
      for (let i = 0; i < 16; i++) out.push((await api.call("virtual_servers/get", { id: 1 })).name);
      await s.close();
      return out;
    };
    const first = await outcomes(7);
    expect(first).toContain("error");
    expect(first).toContain("virtual_server");
    expect(await outcomes(7)).toEqual(first);
  });

  it("refuses rules it cannot use, naming why", () => {
    expect(parseFaultRules('{"type":"vzctl","action":"create","match":"web*","code":46}')).toEqual([{ type: "vzctl", action: "create", match: "web*", code: 46 }]);
    expect(parseFaultRules('[{"type":"drop","method":"*"},{"type":"delay","method":"tasks/list","ms":5}]')).toHaveLength(2);
    for (const [text, why] of [
      ['{"type":"vzctl","action":"migrate"}', 'action "migrate" matches none of create, update, start, stop, restart, delete, reinstall'],
      ['{"type":"vzctl","action":"create","code":0}', "code must be a whole number from 1 to 255"],
      ['{"type":"error","method":"x","code":"Bad Code"}', "code must be an error code"],
      ['{"type":"delay","method":"x"}', "ms must be a number >= 0"],
      ['{"type":"drop"}', "method must be a glob string"],
      ['{"type":"crash","method":"x"}', "unknown type"],
      ['{"type":"drop","method":"x","probability":2}', "probability must be between 0 and 1"],
      ['{"type":"drop","method":"x","count":1.5}', "count must be a whole number"],
      ["{", "fault rules must be JSON"],
    ]) {
      expect(() => parseFaultRules(text as string)).toThrow(why as string);
    }
  });
});
