/**
 * The wire (seed 001, FACTS §2.1, §2.3): XML-RPC on /hosting/ and /xmlrpc/, faults with an int
 * faultCode, the unknown method, parameter counts and types, sessions and their 12 hours, the
 * server faults and transport faults a rule injects, call counts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { encodeCall } from "../../../src/xmlrpc/index";
import { startGandiSimulator, type RunningGandiSimulator } from "../../../src/sim/gandi/index";
import { Api, LOGIN, PASSWORD, fakeClock, post, started } from "./helpers";

let sim: RunningGandiSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("the Gandi hosting wire", () => {
  it("answers XML-RPC on /hosting/ and /xmlrpc/, text/xml, and nothing else", async () => {
    sim = await startGandiSimulator({ delays: "instant" });
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hosting\/$/);
    for (const path of ["/hosting/", "/xmlrpc/", "/hosting"]) {
      const reply = await post(sim.url, encodeCall("login", [LOGIN, PASSWORD]), path);
      expect(reply.status).toBe(200);
      expect(reply.contentType).toBe("text/xml");
      expect(reply.body).toMatch(/<methodResponse>\s*<params>\s*<param><value><string>[0-9a-f]{32}<\/string>/);
    }
    expect((await post(sim.url, encodeCall("login", [LOGIN, PASSWORD]), "/RPC2")).status).toBe(404);
    expect((await post(sim.url, "", "/hosting/", "GET")).status).toBe(405);
    const malformed = await post(sim.url, "<methodCall><methodName>login</methodName><params>");
    expect(malformed.status).toBe(200);
    expect(malformed.body).toContain("<name>faultCode</name>\r\n<value><i4>1</i4></value>");
    expect(malformed.body).toContain("malformed XML-RPC request");
  });

  it("answers an unknown method with faultCode 1, session or not (FACTS §2.3)", async () => {
    ({ sim } = await started());
    const api = new Api(sim.url);
    await api.login();
    const unknown = await api.fault("vm_frobnicate", 1);
    expect([unknown.code, unknown.faultString]).toEqual([1, 'Method "vm_frobnicate" is not supported']);
    // In the seed's contents, with no signature: not served.
    expect((await api.fault("vm_disk_link", 1, 2)).code).toBe(1);
    await expect(api.call("no_such_thing")).rejects.toMatchObject({ code: 1 });
  });

  it("refuses the wrong number of parameters and wrong types with cause 32 and 10 on the parameter's object", async () => {
    ({ sim } = await started());
    const api = new Api(sim.url);
    await api.login();
    const few = await api.fault("vm_info");
    expect([few.code, few.faultString]).toEqual([500032, "DataError: vm_info takes 2 parameters, got 1 [parameters: 1]"]);
    const many = await api.fault("vm_list", 1);
    expect([many.code, many.faultString]).toEqual([500010, "DataError: vm_list takes 1 parameters, got 2 [parameters: 2]"]);
    expect((await api.fault("operation_list", {}, 2)).faultString).toContain("operation_list takes 1 to 2 parameters, got 3");
    const cases: Array<[string, unknown[], number, string]> = [
      ["vm_info", ["9000"], 503010, "DataError: wrong type for vm_id, expected int [vm_id: 9000]"],
      ["disk_info", [true], 504010, "DataError: wrong type for disk_id, expected int [disk_id: true]"],
      ["operation_details", [[1]], 506010, "DataError: wrong type for opid, expected int [opid: array]"],
      ["hosting_account_product_add", ["shares", "4", "1m"], 502010, "DataError: wrong type for quantity, expected int [quantity: 4]"],
      ["vm_create", ["web", "secret-pw", "111", 1, 1, {}], 505010, "DataError: wrong type for os_id, expected int [os_id: 111]"],
      ["vm_create", ["web", 12345678, 111, 1, 1, {}], 500110, "DataError: wrong type for password, expected string [password: ******]"],
      ["disk_create", ["specs"], 504010, "DataError: wrong type for specs, expected struct [specs: specs]"],
      ["disk_create", [{ size: "2048", name: "d" }], 504010, "DataError: wrong type for size, expected int [size: 2048]"],
      ["vm_update", [9000, { shares: "2" }], 503010, "DataError: wrong type for shares, expected int [shares: 2]"],
      ["operation_list", [{ created_after: "20260101T00:00:00" }], 506010, "DataError: wrong type for created_after, expected dateTime.iso8601 [created_after: 20260101T00:00:00]"],
    ];
    for (const [method, params, code, text] of cases) {
      const fault = await api.fault(method, ...(params as never[]));
      expect([method, fault.code, fault.faultString]).toEqual([method, code, text]);
    }
    // A <double> is no int, even a whole one.
    const body = encodeCall("vm_info", [api.session, 0]).replace("<i4>0</i4>", "<double>9000.0</double>");
    expect((await post(sim.url, body)).body).toContain("<i4>503010</i4>");
  });

  it("logs in with the account's handle and password, with or without safe mode, and refuses others (FACTS §2.3)", async () => {
    sim = await startGandiSimulator({ delays: "instant", auth: "XY99-GANDI:pa:ss" });
    const api = new Api(sim.url);
    expect(await api.call("login", "XY99-GANDI", "pa:ss")).toMatch(/^[0-9a-f]{32}$/);
    expect(await api.call("login", "XY99-GANDI", "pa:ss", false)).toMatch(/^[0-9a-f]{32}$/);
    const refusals: Array<[unknown[], number, string]> = [
      [["XX000-Gandi", "pa:ss"], 500140, "DataError: account does not exist [login: XX000-Gandi]"],
      [["XY99-GANDI", "123456"], 500130, "DataError: invalid value for password [password: ******]"],
      [[42, "pa:ss"], 500110, "DataError: wrong type for login, expected string [login: 42]"],
      [["XY99-GANDI", "pa:ss", "yes"], 500110, "DataError: wrong type for safe, expected boolean [safe: yes]"],
      [["XY99-GANDI"], 500032, "DataError: login takes 2 to 3 parameters, got 1 [parameters: 1]"],
    ];
    for (const [params, code, text] of refusals) {
      await expect(api.call("login", ...(params as never[]))).rejects.toMatchObject({ code, faultString: text });
    }
  });

  it("takes a session for 12 hours of the clock, then refuses it as an unknown session (500140)", async () => {
    const clock = fakeClock();
    ({ sim } = await started({ clock }));
    const api = new Api(sim.url);
    await api.login();
    expect(await api.s("account_currency")).toBe("EUR");
    clock.advance(12 * 3_600_000 - 1000);
    expect(await api.s("vm_list")).toEqual([]);
    clock.advance(1000);
    const expired = await api.fault("vm_list");
    expect([expired.code, expired.faultString]).toEqual([500140, "DataError: session does not exist or has expired [session: ******]"]);
    await expect(api.call("vm_list", "0123456789abcdef0123456789abcdef")).rejects.toMatchObject({ code: 500140 });
    await expect(api.call("vm_list", 7)).rejects.toMatchObject({ code: 500110 });
    await api.login();
    expect(await api.s("vm_list")).toEqual([]);
  });

  it("fails calls a rule names with a server fault: 150000 by default, FACTS §2.3's texts, or any code and text", async () => {
    ({ sim } = await started());
    const api = new Api(sim.url);
    await api.login();
    sim.faults.add({ type: "error", method: "vm_list", count: 1 });
    sim.faults.add({ type: "error", method: "disk_*", code: 110020, count: 1 });
    sim.faults.add({ type: "error", method: "os_list", code: 503040, message: "DataError: VM does not exist [vm_id: 1]", count: 1 });
    const internal = await api.fault("vm_list");
    expect([internal.code, internal.faultString]).toEqual([150000, "ServerError: internal error (error has been logged and will be reported)"]);
    expect(await api.s("vm_list")).toEqual([]);
    const db = await api.fault("disk_create", { size: 1024, name: "d1" });
    expect([db.code, db.faultString]).toEqual([110020, "ServerError: database query failed"]);
    // Nothing was done.
    expect(await api.s("disk_list")).toEqual([]);
    expect((await api.fault("os_list")).code).toBe(503040);
    // The session comes first: a bad session is refused before any rule fires.
    sim.faults.add({ type: "error", method: "account_balance", code: 110040 });
    await expect(api.call("account_balance", "nope")).rejects.toMatchObject({ code: 500140 });
    await expect(api.s("account_balance")).rejects.toMatchObject({ code: 110040, faultString: "ServerError: database could not find object" });
    sim.faults.clear();
    sim.faults.add({ type: "error", method: "login", code: 110010, count: 1 });
    await expect(api.call("login", LOGIN, PASSWORD)).rejects.toMatchObject({ code: 110010, faultString: "ServerError: database connection lost" });
    expect(() => sim!.faults.add({ type: "error", method: "x", code: 1.5 } as never)).toThrow("code must be a whole number");
    expect(() => sim!.faults.add({ type: "bogus", method: "x" } as never)).toThrow("unknown type");
  });

  it("drops a call before it is performed, loses the answer of one performed, and answers late", async () => {
    ({ sim } = await started());
    const api = new Api(sim.url);
    await api.login();
    sim.faults.add({ type: "drop", method: "disk_create", count: 1 });
    await expect(api.s("disk_create", { size: 1024, name: "dropped" })).rejects.toThrow();
    expect(await api.s("disk_list")).toEqual([]);
    sim.faults.add({ type: "reset-after", method: "disk_create", count: 1 });
    await expect(api.s("disk_create", { size: 1024, name: "acted" })).rejects.toThrow();
    const disks = await api.s<number[]>("disk_list");
    expect(disks).toHaveLength(1);
    expect(await api.s("disk_info", disks[0]!)).toMatchObject({ name: "acted" });
    sim.faults.add({ type: "delay", method: "os_list", ms: 150, count: 1 });
    const start = Date.now();
    await api.s("os_list");
    expect(Date.now() - start).toBeGreaterThanOrEqual(140);
  });

  it("counts calls by method, faults included", async () => {
    const s = await started();
    sim = s.sim;
    const api = s.api;
    await api.s("vm_list");
    await api.s("vm_list");
    await api.fault("nope");
    expect(sim.callCounts()).toEqual({ login: 1, nope: 1, vm_list: 2 });
    sim.resetCallCounts();
    expect(sim.callCounts()).toEqual({});
  });
});
