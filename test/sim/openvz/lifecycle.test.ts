/**
 * Virtual servers from create to delete (FACTS §3.3, §3.4; owp app/models/virtual_server.rb):
 * template limits preloaded then overridden, Rails typecasting, identities and `auto` addresses,
 * every validation failure reported together, vzctl failures as internal_error quoting the
 * command (and a failed create leaving nothing), states, reinstall.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RunningOpenVzSimulator } from "../../../src/sim/openvz/index";
import { started, type PanelApi } from "./helpers";

let sim: RunningOpenVzSimulator;
afterEach(async () => {
  await sim?.close();
});

async function setup(options: Parameters<typeof started>[0] = {}): Promise<PanelApi> {
  const s = await started(options);
  sim = s.sim;
  return s.api;
}

const commands = () => sim.world.vzctlLog.map((e) => e.command);
/** What a create on node 1 needs besides the attributes under test. */
const BASE = { hardware_server_id: 1, orig_os_template: "centos-7-x86_64", orig_server_template: "vps.basic" };

describe("creating a virtual server", () => {
  it("preloads the server template's limits, stays stopped, takes max(identity)+1 on its node and the first free pool address for auto", async () => {
    const api = await setup();
    const r = await api.result("virtual_servers/create", { hardware_server_id: 1, orig_os_template: "centos-7-x86_64", orig_server_template: "vps.basic", ip_address: "auto", host_name: "web1.lan", password: "s3cret-pw" }, "POST");
    expect(r).toEqual({ status: true, id: 4 });
    expect(await api.server(4)).toEqual({
      cpu_limit: null, cpu_units: 1000, cpus: 1, daily_backup: false, description: null, diskspace: 10240, expiration_date: null,
      hardware_server_id: 1, host_name: "web1.lan", id: 4, identity: 103, ip_address: "10.10.1.13", memory: 512, nameserver: "8.8.8.8",
      orig_os_template: "centos-7-x86_64", orig_server_template: "vps.basic", search_domain: "lan", start_on_boot: true, state: "stopped", user_id: 0, vswap: 0,
    });
    expect(commands()).toEqual([
      "vzctl create 103 --ostemplate centos-7-x86_64 --config vps.basic",
      "vzctl set 103 --applyconfig vps.basic --save",
      "vzctl set 103 --hostname web1.lan --save",
      "vzctl set 103 --userpasswd root:******",
      "vzctl set 103 --nameserver 8.8.8.8 --save",
      "vzctl set 103 --searchdomain lan --save",
      "vzctl set 103 --cpuunits 1000 --save",
      "vzctl set 103 --cpus 1 --save",
      "vzctl set 103 --ipadd 10.10.1.13 --save",
      "vzctl set 103 --privvmpages 131072 --save",
      "vzctl set 103 --physpages unlimited --save",
      "vzctl set 103 --diskspace 10485760 --save",
    ]);
    // The password is kept as a digest only and never answered.
    expect(sim.world.rootPasswordIs(4, "s3cret-pw")).toBe(true);
    expect(JSON.stringify(sim.world.snapshot())).not.toContain("s3cret-pw");
    expect((await api.raw("virtual_servers/get", { id: 4 })).body).not.toContain("s3cret");
    // Node 2: its own identities and pool.
    const other = await api.create({ hardware_server_id: 2, orig_os_template: "debian-12-x86_64", ip_address: "auto" });
    expect(await api.server(other)).toMatchObject({ id: 5, identity: 102, ip_address: "10.10.2.11", hardware_server_id: 2 });
  });

  it("lets the request's parameters override the template, typecast as Rails does (memory=abc is 0, unlimited)", async () => {
    const api = await setup();
    const id = await api.create({ orig_server_template: "vps.large", memory: "abc", cpus: "2cores", cpu_limit: "", start_on_boot: "yes", daily_backup: "t", expiration_date: "31.12.2031", ip_address: "10.10.1.40" });
    expect(await api.server(id)).toMatchObject({ memory: 0, cpus: 2, cpu_limit: null, cpu_units: 2000, diskspace: 51200, vswap: 1024, nameserver: "8.8.8.8 8.8.4.4", start_on_boot: false, daily_backup: true, expiration_date: "2031-12-31" });
    // vSwap on node 1: memory goes as --ram; 0 is unlimited.
    expect(commands()).toContain("vzctl set 103 --ram 0M --save");
    expect(commands()).toContain("vzctl set 103 --swap 1024M --save");
    expect(commands()).toContain("vzctl set 103 --onboot no --save");
    const bad = await api.create({ expiration_date: "2031-02-30", ip_address: "10.10.1.41" });
    expect((await api.server(bad)).expiration_date).toBeNull();
    // Without a template nothing is preloaded: the schema's defaults.
    const plain = await api.create({ orig_server_template: "vps.basic", memory: "", diskspace: "0", ip_address: "10.10.1.42" });
    expect(await api.server(plain)).toMatchObject({ memory: null, diskspace: 0 });
  });

  it("starts it after creation when start_after_creation is sent, whatever its value (a Ruby string is true)", async () => {
    const api = await setup();
    expect((await api.server(await api.create({ start_after_creation: 1 }))).state).toBe("running");
    expect((await api.server(await api.create({ start_after_creation: 0 }))).state).toBe("running");
    expect((await api.server(await api.create({}))).state).toBe("stopped");
  });

  it("takes an identity given, unique per hardware server only", async () => {
    const api = await setup();
    expect(await api.result("virtual_servers/create", { hardware_server_id: 2, identity: 102, orig_os_template: "debian-11-x86_64", orig_server_template: "vps.basic" })).toEqual({ status: true, id: 4 });
    expect((await api.server(4)).identity).toBe(102);
    const taken = await api.result("virtual_servers/create", { hardware_server_id: 2, identity: 101, orig_os_template: "debian-11-x86_64", orig_server_template: "vps.basic" });
    expect(taken).toEqual({ status: false, errors: [["identity", "Such identity belongs to the other server."]] });
    // Node 1 has 101 too; 102 there is the db server's.
    expect((await api.result("virtual_servers/create", { hardware_server_id: 1, identity: 102, orig_os_template: "centos-7-x86_64", orig_server_template: "vps.basic" })).errors).toEqual([["identity", "Such identity belongs to the other server."]]);
  });

  it("reports every validation failure together, an attribute's messages together, in the model's order", async () => {
    const api = await setup();
    const r = await api.result("virtual_servers/create", {
      hardware_server_id: 1,
      identity: 101,
      ip_address: "10.10.1.10",
      password: "a",
      password_confirmation: "b",
      nameserver: "dns.example",
      search_domain: " lan",
      host_name: "web_1",
      description: "web #1",
    });
    expect(r).toEqual({
      status: false,
      errors: [
        ["ip_address", "IP address was assigned already to the other server."],
        ["ip_address", "IP address not found in available IP pools."],
        ["identity", "Such identity belongs to the other server."],
        ["password", "Password and confirmation are not equal."],
        ["nameserver", "DNS server IP address is invalid."],
        ["search_domain", "Search domains are invalid."],
        ["host_name", "Hostname is invalid."],
        ["description", "Description contains invalid characters."],
      ],
    });
    // Nothing ran on the node.
    expect(commands()).toEqual([]);
    expect((await api.result("virtual_servers/create", { ...BASE, ip_address: "10.10.1.300" })).errors).toEqual([["ip_address", "Incorrect IP address."]]);
    expect((await api.result("virtual_servers/create", { ...BASE, ip_address: "not an ip" })).errors).toEqual([
      ["ip_address", "Incorrect IP address."],
      ["ip_address", "Incorrect IP address."],
    ]);
  });

  it("refuses addresses outside the node's pools, takes several inside them and IPv4 with a mask", async () => {
    const api = await setup();
    expect((await api.result("virtual_servers/create", { ...BASE, ip_address: "10.10.2.50" })).errors).toEqual([["ip_address", "IP address not found in available IP pools."]]);
    expect((await api.result("virtual_servers/create", { ...BASE, ip_address: "10.10.1.50 192.168.0.5" })).errors).toEqual([["ip_address", "IP address not found in available IP pools."]]);
    expect((await api.result("virtual_servers/create", { ...BASE, ip_address: "fd00::5" })).errors).toEqual([["ip_address", "IP address not found in available IP pools."]]);
    const id = await api.create({ ip_address: "10.10.1.50 10.10.1.51/24" });
    expect((await api.server(id)).ip_address).toBe("10.10.1.50 10.10.1.51/24");
    expect(commands()).toContain("vzctl set 103 --ipadd 10.10.1.50 --ipadd 10.10.1.51/24 --save");
  });

  it("fails inside vzctl as internal_error quoting the command and its output, and leaves no container and no record", async () => {
    const api = await setup();
    // An OS template node 2 does not have.
    expect(await api.error("virtual_servers/create", { hardware_server_id: 2, orig_os_template: "centos-7-x86_64", orig_server_template: "vps.basic" })).toEqual({
      code: "internal_error",
      message: "Internal error.",
      details: "Command 'vzctl create 102 --ostemplate centos-7-x86_64 --config vps.basic' execution failed with code 91\nOutput: Cached OS template /vz/template/cache/centos-7-x86_64.tar.gz not found",
    });
    expect((await api.error("virtual_servers/create", { ...BASE, orig_server_template: "vps.huge" })).details).toBe(
      "Command 'vzctl create 103 --ostemplate centos-7-x86_64 --config vps.huge' execution failed with code 82\nOutput: Sample config /etc/vz/conf/ve-vps.huge.conf-sample not found: No such file or directory",
    );
    expect((await api.error("virtual_servers/create", { hardware_server_id: 1 })).details).toBe(
      "Command 'vzctl create 103 --ostemplate  --config ' execution failed with code 20\nOutput: vzctl: option '--ostemplate' requires an argument",
    );
    // No such hardware server: the model's Ruby fails before any vzctl.
    expect(await api.error("virtual_servers/create", { hardware_server_id: 7, orig_os_template: "centos-7-x86_64", orig_server_template: "vps.basic" })).toEqual({
      code: "internal_error",
      message: "Internal error.",
      details: "undefined method `rpc_client' for nil:NilClass",
    });
    expect((await api.error("virtual_servers/create", { orig_os_template: "centos-7-x86_64" })).details).toContain("undefined method `rpc_client'");
    // With an address to check against the pools, the pools' check fails first.
    expect((await api.error("virtual_servers/create", { hardware_server_id: 7, ip_address: "10.10.1.60" })).details).toBe("undefined method `free_ips' for nil:NilClass");
    // A vzctl set failing after vzctl create: the container is destroyed again.
    expect((await api.error("virtual_servers/create", { ...BASE, memory: -5 })).details).toBe("Command 'vzctl set 103 --privvmpages -1280 --save' execution failed with code 21\nOutput: Bad parameter for --privvmpages: -1280");
    expect(commands().slice(-2)).toEqual(["vzctl set 103 --privvmpages -1280 --save", "vzctl destroy 103"]);
    expect([...sim.world.virtualServers.keys()]).toEqual([1, 2, 3]);
    expect(await api.create({})).toBe(4);
  });
});

describe("updating, starting, stopping, reinstalling and deleting", () => {
  it("updates attributes with vzctl set, keeps a blank host name, typecasts, and answers the id", async () => {
    const api = await setup();
    const id = await api.create({ host_name: "web1.lan", ip_address: "10.10.1.20" });
    sim.world.vzctlLog.length = 0;
    expect(await api.result("virtual_servers/update", { id, host_name: "", memory: "abc", cpus: 2, ip_address: "10.10.1.21 10.10.1.20", description: "web one" }, "POST")).toEqual({ status: true, id });
    expect(await api.server(id)).toMatchObject({ host_name: "web1.lan", memory: 0, cpus: 2, ip_address: "10.10.1.21 10.10.1.20", description: "web one" });
    expect(commands()).toEqual([
      "vzctl set 103 --cpus 2 --save",
      "vzctl set 103 --description web\\ one --save",
      "vzctl set 103 --ipdel all --save",
      "vzctl set 103 --ipadd 10.10.1.21 --ipadd 10.10.1.20 --save",
      "vzctl set 103 --privvmpages unlimited --save",
      "vzctl set 103 --physpages unlimited --save",
    ]);
    // Another server's address is refused; a password is set and checked against its confirmation.
    expect((await api.result("virtual_servers/update", { id, ip_address: "10.10.1.10" })).errors).toEqual([
      ["ip_address", "IP address was assigned already to the other server."],
      ["ip_address", "IP address not found in available IP pools."],
    ]);
    expect((await api.result("virtual_servers/update", { id, password: "x", password_confirmation: "y" })).errors).toEqual([["password", "Password and confirmation are not equal."]]);
    expect((await api.result("virtual_servers/update", { id, password: "n3w-pw", password_confirmation: "n3w-pw" })).status).toBe(true);
    expect(sim.world.rootPasswordIs(id, "n3w-pw")).toBe(true);
    // Nothing to change: no vzctl, the id answered.
    sim.world.vzctlLog.length = 0;
    expect(await api.result("virtual_servers/update", { id, cpus: 2, orig_os_template: "debian-11-x86_64" })).toEqual({ status: true, id });
    expect(commands()).toEqual([]);
    expect((await api.server(id)).orig_os_template).toBe("debian-11-x86_64");
    expect((await api.error("virtual_servers/update", { id: 999, cpus: 1 })).code).toBe("object_not_found");
    expect((await api.error("virtual_servers/update", { id, identity: 200 })).code).toBe("internal_error");
  });

  it("starts, stops and restarts; start when running and stop when stopped answer true without vzctl", async () => {
    const api = await setup();
    const id = await api.create({});
    expect(await api.result("virtual_servers/start", { id })).toEqual({ status: true });
    expect((await api.server(id)).state).toBe("running");
    sim.world.vzctlLog.length = 0;
    expect(await api.result("virtual_servers/start", { id })).toEqual({ status: true });
    expect(commands()).toEqual([]);
    expect(await api.result("virtual_servers/stop", { id }, "POST")).toEqual({ status: true });
    expect((await api.server(id)).state).toBe("stopped");
    expect(await api.result("virtual_servers/stop", { id })).toEqual({ status: true });
    expect(await api.result("virtual_servers/restart", { id })).toEqual({ status: true });
    expect((await api.server(id)).state).toBe("running");
    expect(commands()).toEqual(["vzctl stop 103", "vzctl restart 103"]);
    for (const action of ["start", "stop", "restart", "delete", "reinstall"]) expect((await api.error(`virtual_servers/${action}`, { id: 404 })).code).toBe("object_not_found");
  });

  it("reinstalls with the same identity, addresses and settings, optionally another OS template, running again if it was", async () => {
    const api = await setup();
    const id = await api.create({ ip_address: "auto", host_name: "re.lan", start_after_creation: 1 });
    const before = await api.server(id);
    sim.world.vzctlLog.length = 0;
    expect(await api.result("virtual_servers/reinstall", { id, password: "fresh-pw", orig_os_template: "ubuntu-22.04-x86_64" })).toEqual({ status: true });
    expect(await api.server(id)).toEqual({ ...before, orig_os_template: "ubuntu-22.04-x86_64" });
    expect(sim.world.rootPasswordIs(id, "fresh-pw")).toBe(true);
    expect(commands()).toEqual(["vzctl stop 103", "vzctl destroy 103", "vzctl create 103  --ostemplate ubuntu-22.04-x86_64  --config tmp.template", "vzctl set 103 --userpasswd root:******", "vzctl start 103"]);
    // Stopped stays stopped; the same template is no change.
    await api.result("virtual_servers/stop", { id });
    expect(await api.result("virtual_servers/reinstall", { id, password: "pw2", orig_os_template: "ubuntu-22.04-x86_64" })).toEqual({ status: true });
    expect((await api.server(id)).state).toBe("stopped");
    // No password: the panel's `error_occured`, shown as unknown_error.
    expect(await api.error("virtual_servers/reinstall", { id })).toEqual({ code: "unknown_error", message: "Unknown error." });
    // A template the node lacks: internal_error, nothing changed.
    expect((await api.error("virtual_servers/reinstall", { id, password: "pw3", orig_os_template: "debian-12-x86_64" })).details).toBe(
      "Command 'vzctl create 103  --ostemplate debian-12-x86_64  --config tmp.template' execution failed with code 91\nOutput: Cached OS template /vz/template/cache/debian-12-x86_64.tar.gz not found",
    );
    expect((await api.server(id)).orig_os_template).toBe("ubuntu-22.04-x86_64");
  });

  it("deletes: stop, vzctl destroy, the row gone and its address free again", async () => {
    const api = await setup();
    const id = await api.create({ ip_address: "auto", start_after_creation: 1 });
    expect((await api.server(id)).ip_address).toBe("10.10.1.13");
    sim.world.vzctlLog.length = 0;
    expect(await api.result("virtual_servers/delete", { id }, "POST")).toEqual({ status: true });
    expect(commands()).toEqual(["vzctl stop 103", "vzctl destroy 103"]);
    expect((await api.error("virtual_servers/get", { id })).code).toBe("object_not_found");
    const again = await api.create({ ip_address: "auto" });
    expect(await api.server(again)).toMatchObject({ id: 5, identity: 103, ip_address: "10.10.1.13" });
  });
});
