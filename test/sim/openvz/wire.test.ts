/**
 * The wire (FACTS §3.1, §3.2; the seed): `/api/<controller>/<action>` by GET or POST, HTTP Basic
 * on every call, XML with the declaration and two-space indent, errors as HTTP 200 `<error>` with
 * the whitelisted codes, `<methods>` for a controller's index, unknown actions and controllers as
 * internal_error, text escaped, calls counted by `<controller>/<action>`.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_AUTH, DEFAULT_PORT, startOpenVzSimulator, type RunningOpenVzSimulator } from "../../../src/sim/openvz/index";
import { PanelApi, started } from "./helpers";

let sim: RunningOpenVzSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("the OpenVZ Web Panel wire", () => {
  it("defaults to the panel's port and admin:admin, and prints its base URL with a trailing slash", async () => {
    expect(DEFAULT_PORT).toBe(3000);
    expect(DEFAULT_AUTH).toBe("admin:admin");
    sim = await startOpenVzSimulator({ delays: "instant" });
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}/`);
  });

  it("answers XML exactly in the seed's shape: declaration, two-space indent, typed leaves, nil", async () => {
    let api: PanelApi;
    ({ sim, api } = await started());
    const reply = await api.raw("hardware_servers/get", { id: 1 });
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toBe("application/xml; charset=utf-8");
    expect(reply.body).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<hardware_server>",
        '  <daemon_port type="integer">7767</daemon_port>',
        "  <default_os_template>centos-7-x86_64</default_os_template>",
        "  <default_server_template>vps.basic</default_server_template>",
        "  <description></description>",
        "  <host>node1.lan</host>",
        '  <id type="integer">1</id>',
        '  <use_ssl type="boolean">false</use_ssl>',
        '  <vswap type="boolean">true</vswap>',
        "</hardware_server>",
        "",
      ].join("\n"),
    );
    const vs = (await api.raw("virtual_servers/get", { id: 2 })).body;
    expect(vs).toContain('  <cpu_limit type="integer">200</cpu_limit>\n');
    expect(vs).toContain('  <description nil="true"></description>\n');
    expect(vs).toContain('  <expiration_date type="date">2030-12-31</expiration_date>\n');
    expect(vs).toContain('  <identity type="integer">102</identity>\n');
    expect(vs).toContain("  <ip_address>10.10.1.11 10.10.1.12</ip_address>\n");
    expect(vs).toContain('  <start_on_boot type="boolean">false</start_on_boot>\n');
    const names = [...vs.matchAll(/^ {2}<([a-z_]+)/gm)].map((m) => m[1]);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual([
      "cpu_limit", "cpu_units", "cpus", "daily_backup", "description", "diskspace", "expiration_date", "hardware_server_id", "host_name", "id",
      "identity", "ip_address", "memory", "nameserver", "orig_os_template", "orig_server_template", "search_domain", "start_on_boot", "state", "user_id", "vswap",
    ]);
    // An empty list is a self-closed array element.
    expect((await api.raw("virtual_servers/own_servers")).body).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<virtual_servers type="array"/>\n');
  });

  it("asks for HTTP Basic on every call: 401 with realm \"Web Password\" without or with bad credentials", async () => {
    let api: PanelApi;
    ({ sim, api } = await started({ auth: "Root:s3:cret" }));
    for (const reply of [
      await api.raw("hardware_servers/list", {}, "GET", false),
      await api.as("root", "wrong").raw("hardware_servers/list"),
      await api.as("nobody", "s3:cret").raw("virtual_servers/get", { id: 1 }),
      await api.as("root", "").raw("tasks/list"),
      await api.raw("frob/list", {}, "GET", false),
    ]) {
      expect(reply.status).toBe(401);
      expect(reply.headers.get("www-authenticate")).toBe('Basic realm="Web Password"');
      expect(reply.body).toBe("HTTP Basic: Access denied.\n");
    }
    // Logins compare lower-cased (User#login= downcases), passwords exactly; a password may hold colons.
    expect((await api.as("ROOT", "s3:cret").raw("hardware_servers/list")).status).toBe(200);
    expect((await api.as("root", "S3:cret").raw("hardware_servers/list")).status).toBe(401);
  });

  it("takes parameters from the query string or a form body, by GET or POST; the query string wins", async () => {
    let api: PanelApi;
    ({ sim, api } = await started());
    const byGet = await api.call("virtual_servers/get", { id: 3 });
    const byPost = await api.call("virtual_servers/get", { id: 3 }, "POST");
    expect(byPost).toEqual(byGet);
    const both = await fetch(`${sim.url}api/virtual_servers/get?id=1`, {
      method: "POST",
      headers: { Authorization: `Basic ${Buffer.from("admin:admin").toString("base64")}`, "Content-Type": "application/x-www-form-urlencoded" },
      body: "id=2",
    });
    expect(await both.text()).toContain("<host_name>mail.example.lan</host_name>");
    expect((await fetch(`${sim.url}api/virtual_servers/get?id=1`, { method: "PUT" })).status).toBe(405);
    expect((await fetch(`${sim.url}virtual_servers/get?id=1`)).status).toBe(404);
  });

  it("lists a controller's actions at /api/<controller> as <methods>", async () => {
    let api: PanelApi;
    ({ sim, api } = await started());
    const methods = await api.call("virtual_servers");
    expect(methods.name).toBe("methods");
    expect(methods.children.map((c) => [c.name, c.text])).toEqual(
      ["create", "delete", "get", "get_by_host", "own_servers", "reinstall", "restart", "start", "stop", "update"].map((n) => [n, ""]),
    );
    expect((await api.raw("virtual_servers/")).body).toContain("  <get_by_host></get_by_host>\n");
    expect((await api.call("hardware_servers")).children.map((c) => c.name)).toEqual(["get", "list", "os_templates", "server_templates", "sync", "virtual_servers"]);
    expect((await api.call("tasks")).children.map((c) => c.name)).toEqual(["list"]);
  });

  it("answers an unknown action or controller with internal_error and Rails' message in details", async () => {
    let api: PanelApi;
    ({ sim, api } = await started());
    expect(await api.error("virtual_servers/frobnicate")).toEqual({
      code: "internal_error",
      message: "Internal error.",
      details: "No action responded to frobnicate. Actions: create, delete, get, get_by_host, index, own_servers, reinstall, restart, start, stop, and update",
    });
    expect(await api.error("roles/list")).toEqual({ code: "internal_error", message: "Internal error.", details: 'No route matches "/api/roles/list" with {:method=>:get}' });
    expect((await api.raw("roles/list")).body).toContain("{:method=&gt;:get}");
    expect((await api.error("frob/x", {}, "POST")).details).toBe('No route matches "/api/frob/x" with {:method=>:post}');
  });

  it("answers object_not_found and access_denied as the seed shows them, HTTP 200", async () => {
    let api: PanelApi;
    ({ sim, api } = await started({ users: [{ login: "bob", password: "pw" }] }));
    const notFound = await api.raw("virtual_servers/get", { id: 10000 });
    expect(notFound.status).toBe(200);
    expect(notFound.body).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <code>object_not_found</code>\n  <message>Object not found.</message>\n</error>\n');
    for (const id of ["abc", "", "5abc"]) expect((await api.error("virtual_servers/get", { id })).code).toBe("object_not_found");
    expect((await api.server(Number("1"))).id).toBe(1);
    expect(await api.error("virtual_servers/get")).toEqual({ code: "object_not_found", message: "Object not found." });
    const denied = await api.as("bob", "pw").raw("hardware_servers/list");
    expect(denied.body).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <code>access_denied</code>\n  <message>Access denied.</message>\n</error>\n');
  });

  it("escapes text as Builder does: markup as entities, non-ASCII as character references", async () => {
    let api: PanelApi;
    ({ sim, api } = await started({ descriptions: false }));
    const id = await api.create({ description: 'Café <b> & "q"', host_name: "esc.lan" });
    const body = (await api.raw("virtual_servers/get", { id })).body;
    expect(body).toContain('<description>Caf&#233; &lt;b&gt; &amp; "q"</description>');
    expect((await api.server(id)).description).toBe('Café <b> & "q"');
  });

  it("counts calls by <controller>/<action>, unknown ones and refused ones included, and resets the counts", async () => {
    let api: PanelApi;
    ({ sim, api } = await started());
    await api.call("hardware_servers/list");
    await api.call("hardware_servers/list");
    await api.call("virtual_servers");
    await api.raw("virtual_servers/get", { id: 1 }, "GET", false);
    await api.call("frob/x");
    expect(sim.callCounts()).toEqual({ "frob/x": 1, "hardware_servers/list": 2, "virtual_servers/get": 1, "virtual_servers/index": 1 });
    sim.resetCallCounts();
    expect(sim.callCounts()).toEqual({});
  });
});
