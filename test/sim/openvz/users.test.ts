/**
 * The users API (the seed's "Users"; owp app/controllers/api/users_controller.rb and
 * app/models/user.rb): superadmins list, get, create, update, enable, disable and delete panel
 * users; logins are lower-cased and unique in any case; restful_authentication's password checks
 * and the model's login and e-mail checks are reported together; users made through the API log
 * in with their password while enabled, are kept in the state file with the password as a digest
 * only, and get ids after the accounts given at start.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SNAPSHOT_VERSION, startOpenVzSimulator, type RunningOpenVzSimulator } from "../../../src/sim/openvz/index";
import { PanelApi, record, started } from "./helpers";

let sim: RunningOpenVzSimulator | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hyperplan-openvz-users-"));
});
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** The seed's example time, `2011-01-19T16:26:26Z`. */
const SEED_TIME = Date.UTC(2011, 0, 19, 16, 26, 26);
const clock = { now: () => SEED_TIME };

async function setup(options: Parameters<typeof started>[0] = {}): Promise<PanelApi> {
  const s = await started({ clock, users: [{ login: "bob", password: "bob-pw" }], ...options });
  sim = s.sim;
  return s.api;
}

async function users(api: PanelApi) {
  return api.list("users/list");
}

describe("the users API", () => {
  it("creates a user and shows it in list and get as the seed does, without any password field", async () => {
    const api = await setup();
    const created = await api.result("users/create", { login: "John", password: "j0hn-secret", role_id: 2, contact_name: "John", email: "john@example.com" }, "POST");
    // After the accounts given at start (admin 1, bob 2).
    expect(created).toEqual({ status: true, id: 3 });
    expect(await users(api)).toEqual([
      { contact_name: null, created_at: "2011-01-19T16:26:26Z", email: null, enabled: true, id: 1, login: "admin", role_id: 1 },
      { contact_name: null, created_at: "2011-01-19T16:26:26Z", email: null, enabled: true, id: 2, login: "bob", role_id: 2 },
      { contact_name: "John", created_at: "2011-01-19T16:26:26Z", email: "john@example.com", enabled: true, id: 3, login: "john", role_id: 2 },
    ]);
    const get = await api.raw("users/get", { id: 3 });
    expect(get.body).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<user>",
        "  <contact_name>John</contact_name>",
        '  <created_at type="datetime">2011-01-19T16:26:26Z</created_at>',
        "  <email>john@example.com</email>",
        '  <enabled type="boolean">true</enabled>',
        '  <id type="integer">3</id>',
        "  <login>john</login>",
        '  <role_id type="integer">2</role_id>',
        "</user>",
        "",
      ].join("\n"),
    );
    const list = (await api.raw("users/list")).body;
    for (const body of [get.body, list]) {
      for (const hidden of ["password", "salt", "remember_token", "updated_at", "j0hn-secret"]) expect(body).not.toContain(hidden);
    }
    expect(sim?.world.userPasswordIs(3, "j0hn-secret")).toBe(true);
    expect(JSON.stringify(sim?.world.snapshot())).not.toContain("j0hn-secret");
    // Without role_id, contact_name or email: NULL; enabled by default.
    const plain = await api.result("users/create", { login: "plain", password: "plain-pw" });
    expect(record(await api.call("users/get", { id: plain.id as number }))).toEqual({ contact_name: null, created_at: "2011-01-19T16:26:26Z", email: null, enabled: true, id: 4, login: "plain", role_id: null });
    // The controller's methods.
    expect((await api.call("users")).children.map((c) => c.name)).toEqual(["create", "delete", "disable", "enable", "get", "list", "update"]);
  });

  it("refuses a login taken in any case, and reports every failed check together, password first", async () => {
    const api = await setup();
    expect((await api.result("users/create", { login: "john", password: "j0hn-secret" })).status).toBe(true);
    for (const login of ["john", "JOHN", "John", "ADMIN", "Bob"]) {
      expect(await api.result("users/create", { login, password: "another-pw" }, "POST")).toEqual({ status: false, errors: [["login", "has already been taken"]] });
    }
    // A bad login and a short password, both reported, in the order the model checks them.
    expect(await api.result("users/create", { login: "j d!", password: "abc" })).toEqual({
      status: false,
      errors: [
        ["password", "is too short (minimum is 6 characters)"],
        ["login", "use only letters, numbers, and .-_@ please."],
      ],
    });
    // Nothing sent: each attribute's messages together, attributes in the order they first failed.
    expect(await api.result("users/create")).toEqual({
      status: false,
      errors: [
        ["password", "can't be blank"],
        ["password", "is too short (minimum is 6 characters)"],
        ["password_confirmation", "can't be blank"],
        ["login", "can't be blank"],
        ["login", "is too short (minimum is 2 characters)"],
        ["login", "use only letters, numbers, and .-_@ please."],
      ],
    });
    expect(await api.result("users/create", { login: "x".repeat(41), password: "p".repeat(41), email: "nobody" })).toEqual({
      status: false,
      errors: [
        ["password", "is too long (maximum is 40 characters)"],
        ["login", "is too long (maximum is 40 characters)"],
        ["email", "is invalid"],
      ],
    });
    // The login pattern wants two characters too.
    expect(await api.result("users/create", { login: "j", password: "123456" })).toEqual({
      status: false,
      errors: [
        ["login", "is too short (minimum is 2 characters)"],
        ["login", "use only letters, numbers, and .-_@ please."],
      ],
    });
    expect(await api.result("users/create", { login: ".dot", password: "123456" })).toEqual({ status: false, errors: [["login", "use only letters, numbers, and .-_@ please."]] });
    // A confirmation the caller sends is replaced by the password.
    expect((await api.result("users/create", { login: "m.e-1_x@lan", password: "123456", password_confirmation: "other", email: "" })).status).toBe(true);
    // Nothing refused was made.
    expect((await users(api)).map((u) => u.login)).toEqual(["admin", "bob", "john", "m.e-1_x@lan"]);
  });

  it("deletes a user (the login can then be made again, with a new id) but never admin", async () => {
    const api = await setup();
    const first = await api.result("users/create", { login: "temp", password: "temp-pw" });
    expect(await api.result("users/delete", { id: first.id as number })).toEqual({ status: true });
    expect(await api.error("users/get", { id: first.id as number })).toEqual({ code: "object_not_found", message: "Object not found." });
    const again = await api.result("users/create", { login: "TEMP", password: "temp-pw2" });
    expect(again).toEqual({ status: true, id: (first.id as number) + 1 });
    // before_destroy keeps admin, and delete still answers true.
    expect(await api.result("users/delete", { id: 1 })).toEqual({ status: true });
    expect((await users(api)).map((u) => [u.id, u.login])).toEqual([
      [1, "admin"],
      [2, "bob"],
      [4, "temp"],
    ]);
    expect(await api.result("users/delete", { id: 2 })).toEqual({ status: true });
    expect((await api.as("bob", "bob-pw").raw("virtual_servers/own_servers")).status).toBe(401);
  });

  it("updates, disables and enables a user; a disabled user cannot log in", async () => {
    const api = await setup();
    const { id } = await api.result("users/create", { login: "carol", password: "carol-pw" });
    const carol = api.as("carol", "carol-pw");
    expect((await carol.raw("virtual_servers/own_servers")).status).toBe(200);
    expect(await api.result("users/update", { id: id as number, password: "abc" })).toEqual({ status: false, errors: [["password", "is too short (minimum is 6 characters)"]] });
    expect(await api.result("users/update", { id: id as number, login: "BOB" })).toEqual({ status: false, errors: [["login", "has already been taken"]] });
    // No password sent (or a blank one): the password stays.
    expect(await api.result("users/update", { id: id as number, contact_name: "Carol C.", email: "carol@example.com", password: "" }, "POST")).toEqual({ status: true, id });
    expect(record(await api.call("users/get", { id: id as number }))).toMatchObject({ contact_name: "Carol C.", email: "carol@example.com", login: "carol" });
    expect((await carol.raw("virtual_servers/own_servers")).status).toBe(200);

    expect(await api.result("users/disable", { id: id as number })).toEqual({ status: true });
    expect((await api.list("users/list")).find((u) => u.id === id)?.enabled).toBe(false);
    const refused = await carol.raw("virtual_servers/own_servers");
    expect(refused.status).toBe(401);
    expect(refused.body).toBe("HTTP Basic: Access denied.\n");
    expect(await api.result("users/enable", { id: id as number })).toEqual({ status: true });
    expect((await carol.raw("virtual_servers/own_servers")).status).toBe(200);

    expect(await api.result("users/update", { id: id as number, password: "carol-pw2", login: "Caroline" })).toEqual({ status: true, id });
    expect((await carol.raw("virtual_servers/own_servers")).status).toBe(401);
    expect((await api.as("CAROLINE", "carol-pw2").raw("virtual_servers/own_servers")).status).toBe(200);
    // enabled is assignable too, and the accounts given at start can be changed for the run.
    expect(await api.result("users/update", { id: 2, enabled: 0 })).toEqual({ status: true, id: 2 });
    expect((await api.as("bob", "bob-pw").raw("virtual_servers/own_servers")).status).toBe(401);
  });

  it("is for superadmins only, and answers object_not_found for an unknown id", async () => {
    const api = await setup();
    const bob = api.as("bob", "bob-pw");
    const denied = { code: "access_denied", message: "Access denied." };
    for (const [path, params] of [
      ["users/list", {}],
      ["users/get", { id: 1 }],
      ["users/get", { id: 999 }],
      ["users/create", { login: "eve", password: "eve-secret" }],
      ["users/update", { id: 2, role_id: 1 }],
      ["users/delete", { id: 1 }],
      ["users/enable", { id: 2 }],
      ["users/disable", { id: 1 }],
      ["users", {}],
      ["users/frobnicate", {}],
    ] as const) {
      expect([path, await bob.error(path, params)]).toEqual([path, denied]);
    }
    expect((await users(api)).map((u) => [u.login, u.role_id, u.enabled])).toEqual([
      ["admin", 1, true],
      ["bob", 2, true],
    ]);
    const notFound = { code: "object_not_found", message: "Object not found." };
    for (const action of ["get", "delete", "update", "enable", "disable"]) {
      for (const id of [999, "abc", ""]) expect([action, id, await api.error(`users/${action}`, { id, password: "secret-pw" })]).toEqual([action, id, notFound]);
      expect(await api.error(`users/${action}`)).toEqual(notFound);
    }
  });

  it("lets a created superadmin do everything and an ordinary user only its own servers", async () => {
    const api = await setup();
    const ops = await api.result("users/create", { login: "ops", password: "ops-secret", role_id: 1 });
    const dave = await api.result("users/create", { login: "dave", password: "dave-secret", role_id: 2 });
    const opsApi = api.as("Ops", "ops-secret");
    const daveApi = api.as("dave", "dave-secret");
    expect((await opsApi.list("hardware_servers/list")).length).toBe(2);
    expect((await opsApi.list("users/list")).map((u) => u.id)).toEqual([1, 2, ops.id, dave.id]);
    expect(await daveApi.error("hardware_servers/list")).toEqual({ code: "access_denied", message: "Access denied." });
    expect(await daveApi.error("users/list")).toEqual({ code: "access_denied", message: "Access denied." });
    // The provisioning scenario: a user, then a server it owns.
    const server = await opsApi.create({ user_id: dave.id as number, host_name: "dave.lan" });
    expect((await daveApi.list("virtual_servers/own_servers")).map((v) => v.id)).toEqual([server]);
    expect((await daveApi.server(server)).host_name).toBe("dave.lan");
    expect((await api.as("dave", "wrong-secret").raw("virtual_servers/own_servers")).status).toBe(401);
    // Promoted to superadmin by update.
    expect(await api.result("users/update", { id: dave.id as number, role_id: 1 })).toEqual({ status: true, id: dave.id });
    expect((await daveApi.list("hardware_servers/list")).length).toBe(2);
  });

  it("keeps API-made users in the state file (passwords as digests only), after the accounts given at start", async () => {
    const file = join(dir, "panel.json");
    sim = await startOpenVzSimulator({ delays: "instant", clock, stateFile: file, users: [{ login: "bob", password: "bob-pw" }] });
    const api = new PanelApi(sim.url);
    const { id } = await api.result("users/create", { login: "kept", password: "k3pt-secret", email: "kept@example.com", role_id: 2 });
    expect(id).toBe(3);
    const gone = await api.result("users/create", { login: "gone", password: "g0ne-secret" });
    await api.result("users/delete", { id: gone.id as number });
    await api.result("users/disable", { id: 2 });
    const before = await users(api);
    await sim.close();
    const text = await readFile(file, "utf8");
    for (const secret of ["k3pt-secret", "g0ne-secret", "bob-pw"]) expect(text).not.toContain(secret);
    const saved = JSON.parse(text) as { version: number; users: Array<{ id: number; login: string; passwordDigest: string }>; nextIds: { user: number } };
    expect(saved.version).toBe(SNAPSHOT_VERSION);
    // Only the API-made user: the accounts given at start come from each run's options.
    expect(saved.users.map((u) => [u.id, u.login])).toEqual([[3, "kept"]]);
    expect(saved.users[0]?.passwordDigest).toMatch(/^sha256\$[0-9a-f]{16}\$[0-9a-f]{64}$/);

    sim = await startOpenVzSimulator({ delays: "instant", clock, stateFile: file, users: [{ login: "bob", password: "bob-pw" }] });
    const again = new PanelApi(sim.url);
    // bob is enabled again (its disabling lasted for that run); kept is back as it was.
    expect(await users(again)).toEqual(before.map((u) => (u.id === 2 ? { ...u, enabled: true } : u)));
    expect((await again.as("kept", "k3pt-secret").raw("virtual_servers/own_servers")).status).toBe(200);
    // Ids go on after every earlier API-made user, deleted ones too.
    expect(await again.result("users/create", { login: "next", password: "n3xt-secret" })).toEqual({ status: true, id: 5 });
    await sim.close();
    sim = undefined;

    // More accounts at start than ids left below the kept users, or a kept login given at start: refused.
    await expect(startOpenVzSimulator({ stateFile: file, users: [{ login: "bob", password: "x" }, { login: "carol", password: "x" }] })).rejects.toThrow(
      'its user 3 ("kept") has an id the accounts given at start take (1..3)',
    );
    await expect(startOpenVzSimulator({ stateFile: file, users: [{ login: "KEPT", password: "x" }] })).rejects.toThrow('its user 3 has the login "kept" of an account given at start');
    // Fewer accounts: API-made ids stay, new ones go on after them.
    sim = await startOpenVzSimulator({ delays: "instant", stateFile: file });
    const fewer = new PanelApi(sim.url);
    expect((await users(fewer)).map((u) => u.id)).toEqual([1, 3, 5]);
    expect((await fewer.result("users/create", { login: "later", password: "l4ter-secret" })).id).toBe(6);
  });

  it("loads a version-1 state file, written before users were kept, with none", async () => {
    const file = join(dir, "v1.json");
    const old = await startOpenVzSimulator({ delays: "instant" });
    const snapshot = old.world.snapshot() as unknown as Record<string, unknown>;
    await old.close();
    const { users: _users, ...rest } = snapshot;
    const { user: _user, ...nextIds } = snapshot.nextIds as Record<string, number>;
    await writeFile(file, JSON.stringify({ ...rest, version: 1, nextIds }));
    sim = await startOpenVzSimulator({ delays: "instant", stateFile: file, users: [{ login: "bob", password: "bob-pw" }] });
    const api = new PanelApi(sim.url);
    expect((await users(api)).map((u) => u.login)).toEqual(["admin", "bob"]);
    expect(await api.result("users/create", { login: "new", password: "n3w-secret" })).toEqual({ status: true, id: 3 });
    expect((await api.list("hardware_servers/virtual_servers", { id: 1 })).length).toBe(2);
  });
});
