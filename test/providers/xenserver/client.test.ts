import { afterEach, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import {
  TransportError,
  XenApiClient,
  XenApiError,
  XenClientClosedError,
  XenProtocolError,
  isXenApiError,
  resolveXenServerConfig,
  XenServerConfigError,
  type XenTransportKind,
} from "../../../src/providers/xenserver/index";
import { startFakeXapi, type FakeXapi, type XapiRoute } from "../../support/xapi-wire";
import { REF } from "./fixtures";

const PASSWORD = "s3cr3t-Xen-Password";
const SESSION = "OpaqueRef:5e55104e-0000-4000-8000-5ec7e75e5510";
const SESSION_2 = "OpaqueRef:5e55104e-0000-4000-8000-5ec7e75e5520";
const LOGIN = "session.login_with_password";

const fakes: FakeXapi[] = [];
const clients: XenApiClient[] = [];
const servers: http.Server[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const f of fakes.splice(0)) await f.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function fake(routes: Record<string, XapiRoute>, options: { jsonVersion?: 1 | 2 } = {}): Promise<FakeXapi> {
  const f = await startFakeXapi({ [LOGIN]: { value: SESSION }, "session.logout": { value: "" }, ...routes }, options);
  fakes.push(f);
  return f;
}

function client(url: string, transport: XenTransportKind, extra: { onWarning?: (m: string) => void } = {}): XenApiClient {
  const c = new XenApiClient({ url, username: "root", password: PASSWORD, transport, ...extra });
  clients.push(c);
  return c;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

/** Every way an error can be shown, with the secrets looked for in each. */
function leaks(value: unknown): string[] {
  const views = [String(value), (value as Error).stack ?? "", JSON.stringify(value) ?? "", inspect(value, { depth: 10, showHidden: true })];
  let cause = (value as Error).cause;
  while (cause) {
    views.push(String(cause), inspect(cause, { depth: 10 }));
    cause = (cause as Error).cause;
  }
  return views.filter((v) => v.includes("s3cr3t") || v.includes("5ec7e75e55"));
}

const WIRES: XenTransportKind[] = ["json-rpc", "xml-rpc"];

/** Whether this machine has an IPv6 loopback to stand a master on. */
const IPV6_LOOPBACK = await new Promise<boolean>((resolve) => {
  const probe = http.createServer();
  probe.once("error", () => resolve(false));
  probe.listen(0, "::1", () => probe.close(() => resolve(true)));
});

describe.each(WIRES)("XenApiClient sessions over %s", (wire) => {
  it("logs in with user, password, API version and originator, then prepends the session to every call", async () => {
    const f = await fake({ "VM.get_by_uuid": { value: REF.vm } });
    const c = client(f.url, wire);
    expect(await c.call("VM.get_by_uuid", "8f3ad1a4")).toBe(REF.vm);
    expect(f.requests.map((r) => [r.method, r.params])).toEqual([
      [LOGIN, ["root", PASSWORD, "2.3", "hyperplan"]],
      ["VM.get_by_uuid", [SESSION, "8f3ad1a4"]],
    ]);
    expect(f.requests.every((r) => r.path === (wire === "json-rpc" ? "/jsonrpc" : "/"))).toBe(true);
    if (wire === "json-rpc") {
      const body = JSON.parse(f.requests[1]!.body) as Record<string, unknown>;
      expect(body).toMatchObject({ jsonrpc: "2.0", method: "VM.get_by_uuid" });
      expect(typeof body.id).toBe("number");
    }
  });

  it("logs in once for calls that start together", async () => {
    const f = await fake({ "VM.get_all": { value: [REF.vm] } });
    const c = client(f.url, wire);
    await Promise.all([c.call("VM.get_all"), c.call("VM.get_all"), c.call("VM.get_all")]);
    expect(f.methods().filter((m) => m === LOGIN)).toHaveLength(1);
  });

  it("logs in again once on SESSION_INVALID and sends the call again with the new session", async () => {
    const f = await fake({ [LOGIN]: [{ value: SESSION }, { value: SESSION_2 }], "VM.get_all": [{ failure: ["SESSION_INVALID", SESSION] }, { value: [REF.vm] }] });
    const c = client(f.url, wire);
    expect(await c.call("VM.get_all")).toEqual([REF.vm]);
    expect(f.requests.map((r) => [r.method, r.params[0]])).toEqual([
      [LOGIN, "root"],
      ["VM.get_all", SESSION],
      [LOGIN, "root"],
      ["VM.get_all", SESSION_2],
    ]);
  });

  it("gives up on a second SESSION_INVALID, naming no session", async () => {
    const f = await fake({ [LOGIN]: [{ value: SESSION }, { value: SESSION_2 }], "VM.get_all": [{ failure: ["SESSION_INVALID", SESSION] }, { failure: ["SESSION_INVALID", SESSION_2] }] });
    const c = client(f.url, wire);
    const error = await failure(c.call("VM.get_all"));
    expect(isXenApiError(error, "SESSION_INVALID")).toBe(true);
    expect((error as XenApiError).params).toEqual(["(session)"]);
    expect(leaks(error)).toEqual([]);
    expect(f.methods()).toEqual([LOGIN, "VM.get_all", LOGIN, "VM.get_all"]);
  });

  it("reports a refused login with xapi's code and never the password", async () => {
    const f = await fake({ [LOGIN]: { failure: ["SESSION_AUTHENTICATION_FAILED", "root", "Authentication failure"] } });
    const error = await failure(client(f.url, wire).connect());
    expect(error).toBeInstanceOf(XenApiError);
    expect([(error as XenApiError).code, (error as XenApiError).params, (error as XenApiError).transient]).toEqual(["SESSION_AUTHENTICATION_FAILED", ["root", "Authentication failure"], false]);
    expect(error.message).toBe('session.login_with_password failed: SESSION_AUTHENTICATION_FAILED (SESSION_AUTHENTICATION_FAILED("root", "Authentication failure"))');
    expect(leaks(error)).toEqual([]);
  });

  it("blanks the password and session wherever xapi quotes them", async () => {
    const f = await fake({ "VM.start": { failure: ["INTERNAL_ERROR", `Failure("bad ${PASSWORD} near ${SESSION}")`] } });
    const error = await failure(client(f.url, wire).call("VM.start", REF.vm, false, false));
    expect((error as XenApiError).params).toEqual(['Failure("bad (password) near (session)")']);
    expect(leaks(error)).toEqual([]);
  });

  it("logs out at close, once however many times close is called, and refuses calls after it", async () => {
    const f = await fake({ "VM.get_all": { value: [] } });
    const c = client(f.url, wire);
    await c.call("VM.get_all");
    await Promise.all([c.close(), c.close(), c.close()]);
    await c.close();
    expect(f.requests.map((r) => [r.method, r.params])).toEqual([
      [LOGIN, ["root", PASSWORD, "2.3", "hyperplan"]],
      ["VM.get_all", [SESSION]],
      ["session.logout", [SESSION]],
    ]);
    expect(await failure(c.call("VM.get_all"))).toBeInstanceOf(XenClientClosedError);
  });

  it("waits for a login in flight before logging out (Ctrl-C during the first call)", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const f = await fake({ [LOGIN]: { wait: held, then: { value: SESSION } }, "VM.get_all": { value: [] } });
    const c = client(f.url, wire);
    const first = c.call("VM.get_all").catch((e: unknown) => e);
    while (f.requests.length === 0) await new Promise((r) => setImmediate(r));
    const closing = c.close();
    release();
    await closing;
    expect(await first).toBeInstanceOf(XenClientClosedError);
    expect(f.methods()).toEqual([LOGIN, "session.logout"]);
  });

  it("does not log out a session it never had, and tells a failed logout to onWarning", async () => {
    const idle = await fake({});
    await client(idle.url, wire).close();
    expect(idle.methods()).toEqual([]);
    const warnings: string[] = [];
    const f = await fake({ "session.logout": { failure: ["SESSION_INVALID", SESSION] }, "VM.get_all": { value: [] } });
    const c = client(f.url, wire, { onWarning: (m) => warnings.push(m) });
    await c.call("VM.get_all");
    await c.close();
    expect(warnings).toEqual(['session.logout failed: session.logout failed: SESSION_INVALID (SESSION_INVALID("(session)"))']);
  });

  it("refuses session calls through call(): the client owns its session", async () => {
    const f = await fake({});
    expect(await failure(client(f.url, wire).call("session.logout"))).toBeInstanceOf(XenProtocolError);
    expect(f.methods()).toEqual([]);
  });
});

describe.each(WIRES)("XenApiClient errors over %s", (wire) => {
  it("types xapi's failures with code, params and whether a retry makes sense", async () => {
    const f = await fake({
      "VM.get_record": { failure: ["HANDLE_INVALID", "VM", "OpaqueRef:nope"] },
      "VM.start": { failure: ["VM_BAD_POWER_STATE", REF.vm, "halted", "running"] },
      "VM.clean_shutdown": { failure: ["OTHER_OPERATION_IN_PROGRESS", "VM", REF.vm, "clean_reboot", REF.task] },
      "SR.scan": { failure: ["SR_FULL", "2199023255552", "1099511627776"] },
    });
    const c = client(f.url, wire);
    const handle = (await failure(c.call("VM.get_record", "OpaqueRef:nope"))) as XenApiError;
    expect(handle).toBeInstanceOf(XenApiError);
    expect([handle.code, handle.params, handle.method, handle.transient]).toEqual(["HANDLE_INVALID", ["VM", "OpaqueRef:nope"], "VM.get_record", false]);
    expect(handle.message).toBe('VM.get_record failed: HANDLE_INVALID (HANDLE_INVALID("VM", "OpaqueRef:nope"))');
    const power = (await failure(c.call("VM.start", REF.vm, false, false))) as XenApiError;
    expect([power.code, power.params]).toEqual(["VM_BAD_POWER_STATE", [REF.vm, "halted", "running"]]);
    const busy = (await failure(c.call("VM.clean_shutdown", REF.vm))) as XenApiError;
    expect([busy.code, busy.transient]).toEqual(["OTHER_OPERATION_IN_PROGRESS", true]);
    expect(((await failure(c.call("SR.scan", REF.sr))) as XenApiError).params).toEqual(["2199023255552", "1099511627776"]);
  });

  it("answers system.listMethods, which xapi does not wrap, without a session", async () => {
    const f = await fake({ "system.listMethods": { value: ["VM.get_all_records", "event.from"] } });
    expect(await client(f.url, wire).callWithoutSession("system.listMethods")).toEqual(["VM.get_all_records", "event.from"]);
    expect(f.requests.map((r) => [r.method, r.params])).toEqual([["system.listMethods", []]]);
  });

  it("says an HTTP error status and a body of no known shape are transport failures", async () => {
    const f = await fake({
      "host.get_all": { body: "<html><body>Internal error</body></html>", status: 500, contentType: "text/html" },
      "VM.get_all": { body: wire === "json-rpc" ? `{"result": ["${SESSION}"` : `<?xml version="1.0"?><methodResponse><params><param><value>${SESSION}</value>` },
    });
    const c = client(f.url, wire);
    const status = (await failure(c.call("host.get_all"))) as TransportError;
    expect([status.reason, status.status, status.transient]).toEqual(["http-status", 500, true]);
    const broken = (await failure(c.call("VM.get_all"))) as TransportError;
    expect(broken).toBeInstanceOf(TransportError);
    expect(broken.reason).toBe("malformed");
    expect(leaks(broken)).toEqual([]);
  });

  it("says a well-formed answer of no known shape is a protocol error", async () => {
    const body =
      wire === "json-rpc"
        ? '{"jsonrpc":"2.0","id":2}'
        : '<?xml version="1.0"?><methodResponse><params><param><value><struct><member><name>Status</name><value>Maybe</value></member></struct></value></param></params></methodResponse>';
    const f = await fake({ "VM.get_all": { body } });
    const error = await failure(client(f.url, wire).call("VM.get_all"));
    expect(error).toBeInstanceOf(XenProtocolError);
  });

  it("does not take a login answer that is not a session ref", async () => {
    const f = await fake({ [LOGIN]: { value: "" } });
    const error = await failure(client(f.url, wire).connect());
    expect(error).toBeInstanceOf(XenProtocolError);
    expect(error.message).toContain("not a session ref");
  });
});

describe.each(WIRES)("XenApiClient.indexAllRecords over %s", (wire) => {
  const records = {
    [REF.vm]: { uuid: "a", name_label: "web-1", other_config: { HYPERPLAN_STACK: "lab" }, VBDs: [] },
    "OpaqueRef:00000000-0000-4000-8000-00000000beef": { uuid: "b", name_label: "theirs", other_config: {}, VBDs: [] },
  };

  it("answers an index that decodes only the records kept, with the same values as a whole read", async () => {
    const f = await fake({ "VM.get_all_records": { value: records } });
    const c = client(f.url, wire);
    const index = await c.indexAllRecords("VM", ["name_label", "other_config"]);
    expect(index.size).toBe(2);
    const kept = index.select((_ref, r) => r.entry("other_config", "HYPERPLAN_STACK") === "lab");
    expect(Object.fromEntries(kept)).toEqual({ [REF.vm]: records[REF.vm] });
    expect(f.requests.map((r) => [r.method, r.params])).toEqual([
      [LOGIN, ["root", PASSWORD, "2.3", "hyperplan"]],
      ["VM.get_all_records", [SESSION]],
    ]);
  });

  it("logs in again on SESSION_INVALID and says an API error as a call does", async () => {
    const f = await fake({
      [LOGIN]: [{ value: SESSION }, { value: SESSION_2 }],
      "VM.get_all_records": [{ failure: ["SESSION_INVALID", SESSION] }, { value: records }],
      "VDI.get_all_records": { failure: ["PERMISSION_DENIED", "VDI.get_all_records"] },
    });
    const c = client(f.url, wire);
    expect((await c.indexAllRecords("VM", ["name_label"])).size).toBe(2);
    const error = await failure(c.indexAllRecords("VDI", ["name_label"]));
    expect(isXenApiError(error, "PERMISSION_DENIED")).toBe(true);
  });

  it("refuses an answer that is not a map of records, and one that is not JSON or XML-RPC", async () => {
    const f = await fake({
      "VM.get_all_records": { value: ["OpaqueRef:a"] },
      "VDI.get_all_records": { body: wire === "json-rpc" ? '{"jsonrpc":"2.0","result":{"OpaqueRef:a":{"name_label":"x"}' : "<?xml version=\"1.0\"?><methodResponse><params>" },
    });
    const c = client(f.url, wire);
    const shape = await failure(c.indexAllRecords("VM", ["name_label"]));
    expect(shape).toBeInstanceOf(XenProtocolError);
    expect(shape.message).toContain("expected a map of refs to records");
    const broken = (await failure(c.indexAllRecords("VDI", ["name_label"]))) as TransportError;
    expect(broken).toBeInstanceOf(TransportError);
    expect(broken.reason).toBe("malformed");
    expect(leaks(broken)).toEqual([]);
  });
});

describe("XenApiClient.indexAllRecords over json-rpc, at the bytes", () => {
  it("refuses more after the response object, and an answer to another request", async () => {
    const f = await fake({
      "VM.get_all_records": { body: '{"jsonrpc":"2.0","result":{},"id":2} {"x":1}' },
      "VDI.get_all_records": { body: '{"jsonrpc":"2.0","result":{},"id":99}' },
    });
    const c = client(f.url, "json-rpc");
    expect(((await failure(c.indexAllRecords("VM", ["name_label"]))) as TransportError).reason).toBe("malformed");
    expect((await failure(c.indexAllRecords("VDI", ["name_label"]))).message).toContain("answers request 99");
  });

  it("reads a JSON-RPC 1.0 answer, its error null and its result before or after the rest", async () => {
    const f = await fake({ "VM.get_all_records": { body: `{"error":null,"id":2,"result":{"${REF.vm}":{"name_label":"web-1"}}}` } });
    const index = await client(f.url, "json-rpc").indexAllRecords("VM", ["name_label"]);
    expect([...index.select((_ref, r) => r.text("name_label") === "web-1").keys()]).toEqual([REF.vm]);
  });
});

describe("XenApiClient wire details", () => {
  it("reads JSON-RPC 1.0 answers: {result, error: null} and error: [CODE, params…]", async () => {
    const f = await fake({ "VM.get_all": { value: [REF.vm] }, "VM.destroy": { failure: ["VM_BAD_POWER_STATE", REF.vm, "halted", "running"] } }, { jsonVersion: 1 });
    const c = client(f.url, "json-rpc");
    expect(await c.call("VM.get_all")).toEqual([REF.vm]);
    expect(((await failure(c.call("VM.destroy", REF.vm))) as XenApiError).params).toEqual([REF.vm, "halted", "running"]);
    expect(f.requests[0]!.body).not.toContain("null,");
  });

  it("sends JSON-RPC parameters with xapi's types: 64-bit ints as numbers, dates as xapi's text, structs as objects", async () => {
    const f = await fake({ "VDI.create": { value: REF.vdi } });
    const record = {
      name_label: "data",
      SR: REF.sr,
      virtual_size: 2n * 1024n ** 4n,
      type: "user",
      sharable: false,
      other_config: { HYPERPLAN_STACK: "lab" },
      tags: [],
      created: new Date("2026-04-12T08:15:00.250Z"),
    };
    expect(await client(f.url, "json-rpc").call("VDI.create", record)).toBe(REF.vdi);
    expect(f.requests[1]!.body).toMatch(
      /^\{"jsonrpc":"2\.0","method":"VDI\.create","params":\["OpaqueRef:[^"]+",\{"name_label":"data","SR":"OpaqueRef:[^"]+","virtual_size":2199023255552,"type":"user","sharable":false,"other_config":\{"HYPERPLAN_STACK":"lab"\},"tags":\[\],"created":"20260412T08:15:00Z"\}\],"id":2\}$/,
    );
  });

  it("posts XML-RPC to the base URL and JSON-RPC to jsonrpc below it, a base without its final slash included", async () => {
    const f = await fake({ "VM.get_all": { value: [] } });
    await client(`${f.url}pool-a`, "json-rpc").call("VM.get_all");
    await client(`${f.url}pool-a`, "xml-rpc").call("VM.get_all");
    expect(f.requests.map((r) => [r.wire, r.path])).toEqual([
      ["json-rpc", "/pool-a/jsonrpc"],
      ["json-rpc", "/pool-a/jsonrpc"],
      ["xml-rpc", "/pool-a/"],
      ["xml-rpc", "/pool-a/"],
    ]);
  });

  it("tells the JSON-RPC layer's own refusal from an API error", async () => {
    const f = await fake({ "VM.get_all": { body: '{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":2}' } });
    const error = (await failure(client(f.url, "json-rpc").call("VM.get_all"))) as XenProtocolError;
    expect(error).toBeInstanceOf(XenProtocolError);
    expect(error.message).toContain("-32601: Method not found");
  });

  it("refuses an XML-RPC fault, which xapi never sends for API errors", async () => {
    const fault =
      '<?xml version="1.0"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>-1</int></value></member><member><name>faultString</name><value>boom</value></member></struct></value></fault></methodResponse>';
    const f = await fake({ "VM.get_all": { body: fault } });
    const error = await failure(client(f.url, "xml-rpc").call("VM.get_all"));
    expect(error).toBeInstanceOf(XenProtocolError);
    expect(error.message).toContain("fault -1: boom");
  });

  it("reads xapi's compact XML as it stands, ints as untyped text", async () => {
    const body =
      '<?xml version="1.0"?><methodResponse><params><param><value><struct><member><name>Status</name><value>Success</value></member>' +
      "<member><name>Value</name><value>4294967296</value></member></struct></value></param></params></methodResponse>";
    const f = await fake({ "VM.get_memory_static_max": { body } });
    expect(await client(f.url, "xml-rpc").call("VM.get_memory_static_max", REF.vm)).toBe("4294967296");
  });
});

describe.each(WIRES)("HOST_IS_SLAVE over %s", (wire) => {
  /**
   * A member on 127.0.0.1 and the master it names on 127.0.0.2 at the same port (HOST_IS_SLAVE means:
   * same scheme and port, FACTS §1.3). The master's answers come from a fake on a port of its own,
   * relayed from 127.0.0.2.
   */
  async function pool(memberRoutes: Record<string, XapiRoute>, masterHost = "127.0.0.2"): Promise<{ member: FakeXapi; master: FakeXapi }> {
    const master = await fake({ "VM.get_all": { value: [REF.vm] } });
    const member = await fake(memberRoutes);
    const port = Number(new URL(member.url).port);
    const relay = http.createServer((req, res) => {
      const forward = http.request({ host: "127.0.0.1", port: Number(new URL(master.url).port), path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(forward);
    });
    servers.push(relay);
    await new Promise<void>((resolve, reject) => {
      relay.once("error", reject);
      relay.listen(port, masterHost, resolve);
    });
    expect((relay.address() as AddressInfo).port).toBe(port);
    return { member, master };
  }

  it("follows a login refused by a member to the master it names, same scheme and port", async () => {
    const { member, master } = await pool({ [LOGIN]: { failure: ["HOST_IS_SLAVE", "127.0.0.2"] } });
    const c = client(member.url, wire);
    expect(await c.call("VM.get_all")).toEqual([REF.vm]);
    expect(member.methods()).toEqual([LOGIN]);
    expect(master.methods()).toEqual([LOGIN, "VM.get_all"]);
    expect(c.url).toBe(member.url.replace("127.0.0.1", "127.0.0.2"));
    await c.close();
    expect(master.methods()).toEqual([LOGIN, "VM.get_all", "session.logout"]);
  });

  it("moves to the new master when a call meets HOST_IS_SLAVE after a failover, and logs in there", async () => {
    const { member, master } = await pool({ "VM.get_all": { failure: ["HOST_IS_SLAVE", "127.0.0.2"] } });
    const c = client(member.url, wire);
    expect(await c.call("VM.get_all")).toEqual([REF.vm]);
    expect(member.methods()).toEqual([LOGIN, "VM.get_all"]);
    expect(master.requests.map((r) => [r.method, r.params[0]])).toEqual([
      [LOGIN, "root"],
      ["VM.get_all", SESSION],
    ]);
  });

  it.runIf(IPV6_LOOPBACK)("brackets a master's IPv6 address in the URL", async () => {
    const { member, master } = await pool({ [LOGIN]: { failure: ["HOST_IS_SLAVE", "::1"] } }, "::1");
    const c = client(member.url, wire);
    expect(await c.call("VM.get_all")).toEqual([REF.vm]);
    expect(c.url).toBe(member.url.replace("127.0.0.1", "[::1]"));
    expect(master.methods()).toEqual([LOGIN, "VM.get_all"]);
  });

  it("stops after three moves between hosts that keep naming another master", async () => {
    const f = await fake({ [LOGIN]: { failure: ["HOST_IS_SLAVE", "127.0.0.1"] } });
    const error = (await failure(client(f.url, wire).connect())) as XenApiError;
    expect([error.code, error.params]).toEqual(["HOST_IS_SLAVE", ["127.0.0.1"]]);
    expect(f.methods()).toEqual([LOGIN, LOGIN, LOGIN, LOGIN]);
  });
});

describe("XenApiClient options", () => {
  it("refuses an event wait that would not fit in the call timeout", () => {
    expect(() => new XenApiClient({ url: "http://127.0.0.1:9/", username: "root", password: PASSWORD, eventTimeoutSeconds: 60, timeoutMs: 30_000 })).toThrow(
      "an event.from wait of 60 s does not fit in a call timeout of 30 s (leave 5 s between them)",
    );
    expect(() => new XenApiClient({ url: "http://127.0.0.1:9/", username: "root", password: PASSWORD, eventTimeoutSeconds: 0 })).toThrow(XenServerConfigError);
  });
});

describe("XenApiClient secrets", () => {
  it("keeps password and session out of JSON, inspect and its fields", async () => {
    const f = await fake({ "VM.get_all": { value: [] } });
    const c = client(f.url, "json-rpc");
    await c.call("VM.get_all");
    expect(leaks(c)).toEqual([]);
    expect(JSON.stringify(c)).toBe('{"transport":"json-rpc"}');
    expect(c.redact(`${PASSWORD} ${SESSION}`)).toBe("(password) (session)");
  });

  it("is made from a resolved configuration without the password showing anywhere", async () => {
    const f = await fake({ "VM.get_all": { value: [] } });
    const config = resolveXenServerConfig({ env: { XENSERVER_HOST: f.url, XENSERVER_USER: "root", XENSERVER_PASSWORD: PASSWORD } });
    const c = XenApiClient.fromConfig(config, { transport: "xml-rpc" });
    clients.push(c);
    await c.call("VM.get_all");
    expect(f.requests[0]!.params).toEqual(["root", PASSWORD, "2.3", "hyperplan"]);
    expect(leaks(c)).toEqual([]);
  });
});
