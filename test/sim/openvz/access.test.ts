/**
 * Who may do what (FACTS §3.2; owp api/virtual_servers_controller.rb, api/hardware_servers_controller.rb):
 * a user who is not superadmin is refused create, update, delete, get_by_host, every
 * hardware_servers method and tasks with access_denied, sees only the servers whose user_id is
 * theirs, and gets object_not_found for any other.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startOpenVzSimulator, type RunningOpenVzSimulator } from "../../../src/sim/openvz/index";
import { PanelApi, started } from "./helpers";

let sim: RunningOpenVzSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("panel accounts", () => {
  it("refuses a user who is not superadmin the superadmin methods, before looking anything up", async () => {
    const s = await started({ users: [{ login: "bob", password: "bob-pw" }] });
    sim = s.sim;
    const bob = s.api.as("bob", "bob-pw");
    const denied = { code: "access_denied", message: "Access denied." };
    for (const [path, params] of [
      ["virtual_servers/create", { hardware_server_id: 1, orig_os_template: "centos-7-x86_64", orig_server_template: "vps.basic" }],
      ["virtual_servers/update", { id: 1, cpus: 2 }],
      ["virtual_servers/update", { id: 999 }],
      ["virtual_servers/delete", { id: 1 }],
      ["virtual_servers/get_by_host", { host: "ldap.lan" }],
      ["hardware_servers/list", {}],
      ["hardware_servers/get", { id: 1 }],
      ["hardware_servers/virtual_servers", { id: 1 }],
      ["hardware_servers/sync", { id: 1 }],
      ["hardware_servers", {}],
      ["hardware_servers/frobnicate", {}],
      ["tasks/list", {}],
    ] as const) {
      expect([path, await bob.error(path, params)]).toEqual([path, denied]);
    }
    // The before filter is per action: virtual_servers' index and unknown actions are not superadmin-only.
    expect((await bob.call("virtual_servers")).name).toBe("methods");
    expect((await bob.error("virtual_servers/frobnicate")).code).toBe("internal_error");
  });

  it("lets a user see and control only the servers whose user_id is theirs", async () => {
    const s = await started({ users: [{ login: "bob", password: "bob-pw" }, { login: "carol", password: "carol-pw" }] });
    sim = s.sim;
    const { api } = s;
    const bob = api.as("bob", "bob-pw");
    const carol = api.as("carol", "carol-pw");
    const bobs = await api.create({ user_id: 2, host_name: "bob.lan" });
    const carols = await api.create({ user_id: 3, ip_address: "10.10.1.30" });
    expect((await bob.list("virtual_servers/own_servers")).map((v) => [v.id, v.user_id])).toEqual([[bobs, 2]]);
    expect((await carol.list("virtual_servers/own_servers")).map((v) => v.id)).toEqual([carols]);
    expect((await bob.server(bobs)).host_name).toBe("bob.lan");
    expect(await bob.result("virtual_servers/start", { id: bobs })).toEqual({ status: true });
    expect(await bob.result("virtual_servers/restart", { id: bobs })).toEqual({ status: true });
    expect(await bob.result("virtual_servers/stop", { id: bobs })).toEqual({ status: true });
    expect(await bob.result("virtual_servers/reinstall", { id: bobs, password: "pw" })).toEqual({ status: true });
    const notFound = { code: "object_not_found", message: "Object not found." };
    for (const action of ["get", "start", "stop", "restart", "reinstall"]) {
      expect(await bob.error(`virtual_servers/${action}`, { id: carols, password: "x" })).toEqual(notFound);
      // The pre-existing servers belong to no panel user.
      expect(await bob.error(`virtual_servers/${action}`, { id: 1, password: "x" })).toEqual(notFound);
    }
    // The superadmin controls everything, and its own_servers are only those with its id.
    expect((await api.server(carols)).user_id).toBe(3);
    expect(await api.list("virtual_servers/own_servers")).toEqual([]);
  });

  it("makes further superadmins when asked and refuses a login given twice", async () => {
    sim = await startOpenVzSimulator({ delays: "instant", auth: "root:pw", users: [{ login: "ops", password: "ops-pw", superadmin: true }] });
    const ops = new PanelApi(sim.url, "ops", "ops-pw");
    expect((await ops.list("hardware_servers/list")).length).toBe(2);
    await expect(startOpenVzSimulator({ users: [{ login: "Root", password: "x" }], auth: "root:pw" })).rejects.toThrow('user "root" is given twice');
  });
});
