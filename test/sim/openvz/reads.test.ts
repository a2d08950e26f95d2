/**
 * The reads (the seed's methods; FACTS §3.5): hardware servers, their virtual servers, OS and
 * server templates, sync; virtual_servers get, get_by_host, own_servers; tasks/list. The fresh
 * world: two nodes, templates, pools and three containers that belong to nobody.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RunningOpenVzSimulator } from "../../../src/sim/openvz/index";
import { record, started, type PanelApi } from "./helpers";

let sim: RunningOpenVzSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function setup(): Promise<PanelApi> {
  const s = await started();
  sim = s.sim;
  return s.api;
}

describe("the panel's reads", () => {
  it("lists the two hardware servers and gets each by id", async () => {
    const api = await setup();
    const list = await api.list("hardware_servers/list");
    expect(list).toEqual([
      { daemon_port: 7767, default_os_template: "centos-7-x86_64", default_server_template: "vps.basic", description: "", host: "node1.lan", id: 1, use_ssl: false, vswap: true },
      { daemon_port: 7767, default_os_template: "debian-11-x86_64", default_server_template: "vps.basic", description: "second rack", host: "node2.lan", id: 2, use_ssl: true, vswap: false },
    ]);
    expect(record(await api.call("hardware_servers/get", { id: 2 }))).toEqual(list[1]);
    expect((await api.error("hardware_servers/get", { id: 3 })).code).toBe("object_not_found");
    expect((await api.error("hardware_servers/os_templates")).code).toBe("object_not_found");
  });

  it("lists each node's OS templates with sizes and server templates, without hardware_server_id", async () => {
    const api = await setup();
    expect(await api.list("hardware_servers/os_templates", { id: 1 })).toEqual([
      { id: 1, name: "centos-7-x86_64", size: 214 },
      { id: 2, name: "debian-11-x86_64", size: 131 },
      { id: 3, name: "ubuntu-22.04-x86_64", size: 156 },
    ]);
    expect((await api.list("hardware_servers/os_templates", { id: 2 })).map((t) => t.name)).toEqual(["debian-11-x86_64", "debian-12-x86_64", "ubuntu-22.04-x86_64"]);
    expect(await api.list("hardware_servers/server_templates", { id: 2 })).toEqual([
      { id: 3, name: "vps.basic" },
      { id: 4, name: "vps.large" },
    ]);
  });

  it("lists a node's virtual servers: the pre-existing ones belong to no panel user, ids panel-wide, identities per node", async () => {
    const api = await setup();
    const node1 = await api.list("hardware_servers/virtual_servers", { id: 1 });
    expect(node1.map((v) => [v.id, v.identity, v.host_name, v.state, v.user_id, v.description])).toEqual([
      [1, 101, "mail.example.lan", "running", 0, "mail relay"],
      [2, 102, "db.example.lan", "stopped", 0, null],
    ]);
    const node2 = await api.list("hardware_servers/virtual_servers", { id: 2 });
    expect(node2.map((v) => [v.id, v.identity, v.host_name, v.description, v.search_domain])).toEqual([[3, 101, "ldap.lan", "", null]]);
    expect(node2[0]).toEqual(await api.server(3));
  });

  it("gets a virtual server by host name, the first by id; without host, one without a host name", async () => {
    const api = await setup();
    expect(record(await api.call("virtual_servers/get_by_host", { host: "ldap.lan" })).id).toBe(3);
    expect((await api.error("virtual_servers/get_by_host", { host: "LDAP.lan" })).code).toBe("object_not_found");
    expect((await api.error("virtual_servers/get_by_host")).code).toBe("object_not_found");
    const id = await api.create({ ip_address: "10.10.1.20" });
    expect(record(await api.call("virtual_servers/get_by_host")).id).toBe(id);
  });

  it("lists own_servers: the servers whose user_id is the caller's, a superadmin's too", async () => {
    const api = await setup();
    expect(await api.list("virtual_servers/own_servers")).toEqual([]);
    const mine = await api.create({ user_id: 1 });
    await api.create({ user_id: 0 });
    expect((await api.list("virtual_servers/own_servers")).map((v) => v.id)).toEqual([mine]);
  });

  it("lists tasks newest first: the two template installs; lifecycle calls add none", async () => {
    const api = await setup();
    const expected = [
      { description: "os_templates.install", id: 2, status: 0, t_description: "OS templates installation on the server node2.lan." },
      { description: "os_templates.install", id: 1, status: 0, t_description: "OS templates installation on the server node1.lan." },
    ];
    expect(await api.list("tasks/list")).toEqual(expected);
    const id = await api.create({});
    await api.result("virtual_servers/start", { id });
    await api.result("virtual_servers/delete", { id });
    expect(await api.list("tasks/list")).toEqual(expected);
  });

  it("syncs a node: each row's state becomes what the node says", async () => {
    const api = await setup();
    // update takes `state` (attr_accessible) and writes it without vzctl.
    expect((await api.result("virtual_servers/update", { id: 1, state: "stopped" })).status).toBe(true);
    expect((await api.server(1)).state).toBe("stopped");
    expect(await api.result("hardware_servers/sync", { id: 1 })).toEqual({ status: true });
    expect((await api.server(1)).state).toBe("running");
    expect((await api.error("hardware_servers/sync", { id: 9 })).code).toBe("object_not_found");
  });
});
