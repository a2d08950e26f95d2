import { afterEach, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { Transport } from "../../../src/providers/kit/http-transport";
import {
  GandiClient,
  GandiClientClosedError,
  GandiDataFault,
  GandiProtocolError,
  GandiServerFault,
  GandiUnknownMethodError,
  READ_METHODS,
  TransportError,
  isGandiDataFault,
  isGandiFault,
  isGandiUnknownMethod,
  resolveGandiConfig,
  type GandiCauseName,
  type GandiTransport,
} from "../../../src/providers/gandi/index";
import { date, startFakeGandi, type FakeGandi, type GandiRoute } from "../../support/gandi-wire";

const LOGIN = "AA1234-GANDI";
const PASSWORD = "s3cr3t-Gandi-Password";
const SESSION = "5e55104e-a0c1-4d2e-9f3a-5ec7e75e5510";
const SESSION_2 = "5e55104e-a0c1-4d2e-9f3a-5ec7e75e5520";
const ROOT_PASSWORD = "r00t-s3cr3t-pw";

/** The fault of a call whose session is no longer good: object 001, authentication (FACTS §2.3). */
const EXPIRED: [number, string] = [500140, `DataError: session does not exist [session: ${SESSION}]`];

const fakes: FakeGandi[] = [];
const clients: GandiClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const f of fakes.splice(0)) await f.close();
});

async function fake(routes: Record<string, GandiRoute>): Promise<FakeGandi> {
  const f = await startFakeGandi({ login: { value: SESSION }, ...routes });
  fakes.push(f);
  return f;
}

function client(url: string, transport?: (endpoint: string) => GandiTransport): GandiClient {
  const c = new GandiClient({ url, login: LOGIN, password: PASSWORD, ...(transport ? { transport } : {}) });
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

describe("GandiClient sessions", () => {
  it("logs in with login and password, then sends the session first in every call", async () => {
    const f = await fake({ vm_list: { value: [1234, 1235] }, vm_start: { value: 5001 } });
    const c = client(f.url);
    expect(await c.vmList()).toEqual([1234, 1235]);
    expect(await c.vmStart(1234)).toBe(5001);
    expect(f.methods()).toEqual(["login", "vm_list", "vm_start"]);
    expect(f.requests[0]!.params).toEqual([LOGIN, PASSWORD]);
    expect(f.requests[1]!.params).toEqual([SESSION]);
    expect(f.requests[2]!.params).toEqual([SESSION, 1234]);
  });

  it("logs in once for calls that start together", async () => {
    let release!: () => void;
    const wait = new Promise<void>((r) => (release = r));
    const f = await fake({ login: { wait, then: { value: SESSION } }, vm_info: { value: { id: 1, hostname: "a", os_id: 1, shares: 1, cpu: 1, state: "running" } }, disk_list: { value: [] } });
    const c = client(f.url);
    const calls = Promise.all([c.vmInfo(1), c.vmInfo(1), c.diskList(), c.vmList().catch((e: unknown) => e)]);
    await new Promise((r) => setTimeout(r, 50));
    release();
    const [a, b, disks, unknown] = await calls;
    expect([a.hostname, b.hostname, disks]).toEqual(["a", "a", []]);
    expect(isGandiUnknownMethod(unknown)).toBe(true);
    expect(f.count("login")).toBe(1);
    expect(f.requests.filter((r) => r.method !== "login").every((r) => r.params[0] === SESSION)).toBe(true);
  });

  it("logs in again and sends the call once more when the session has expired", async () => {
    const f = await fake({ login: [{ value: SESSION }, { value: SESSION_2 }], vm_list: [{ value: [1] }, { fault: EXPIRED }, { value: [1, 2] }] });
    const c = client(f.url);
    expect(await c.vmList()).toEqual([1]);
    expect(await c.vmList()).toEqual([1, 2]);
    expect(f.methods()).toEqual(["login", "vm_list", "vm_list", "login", "vm_list"]);
    expect(f.requests[4]!.params).toEqual([SESSION_2]);
  });

  it("renews the session for a write too, as a refused session did nothing", async () => {
    const f = await fake({ login: [{ value: SESSION }, { value: SESSION_2 }], vm_stop: [{ fault: [503130, `DataError: invalid value for session [session: ${SESSION}]`] }, { value: 5002 }] });
    const c = client(f.url);
    expect(await c.vmStop(7)).toBe(5002);
    expect(f.methods()).toEqual(["login", "vm_stop", "login", "vm_stop"]);
  });

  it("renews the session once, not twice: a second refusal is thrown, without the session in it", async () => {
    const f = await fake({ login: [{ value: SESSION }, { value: SESSION_2 }], vm_list: { fault: EXPIRED } });
    const c = client(f.url);
    const error = await failure(c.vmList());
    expect(f.methods()).toEqual(["login", "vm_list", "login", "vm_list"]);
    expect(error).toBeInstanceOf(GandiDataFault);
    expect((error as GandiDataFault).object).toBe(1);
    expect((error as GandiDataFault).text).toBe("DataError: session does not exist [session: (hidden)]");
    expect(leaks(error)).toEqual([]);
  });

  it("renews the session for an authentication fault that names no element", async () => {
    const f = await fake({ login: [{ value: SESSION }, { value: SESSION_2 }], disk_list: [{ fault: [500100, "DataError: not authenticated"] }, { value: [9] }] });
    expect(await client(f.url).diskList()).toEqual([9]);
    expect(f.methods()).toEqual(["login", "disk_list", "login", "disk_list"]);
  });

  it("does not renew the session for an authentication fault about vm_create's root password", async () => {
    const f = await fake({ vm_create: { fault: [500130, `DataError: invalid value for password [password: ${ROOT_PASSWORD}]`] } });
    const error = await failure(client(f.url).vmCreate({ hostname: "web1", password: ROOT_PASSWORD, os_id: 111, shares: 1, cpu: 1 }));
    expect(f.methods()).toEqual(["login", "vm_create"]);
    expect(f.requests[1]!.params[6]).toEqual({});
    expect([(error as GandiDataFault).object, (error as GandiDataFault).element, (error as GandiDataFault).text]).toEqual([1, "password", "DataError: invalid value for password [password: (hidden)]"]);
    expect(leaks(error)).toEqual([]);
  });

  it("does not renew the session for a data fault about something else", async () => {
    const f = await fake({ vm_info: { fault: [510240, "DataError: vm does not exist [vm_id: 99]"] } });
    const c = client(f.url);
    expect(isGandiDataFault(await failure(c.vmInfo(99)), "not-found")).toBe(true);
    expect(f.methods()).toEqual(["login", "vm_info"]);
  });

  it("throws a refused login with the password blanked out wherever the text quotes it", async () => {
    const f = await fake({ login: { fault: [500130, `DataError: invalid value for password ${PASSWORD} [password: ${PASSWORD}]`] } });
    const c = client(f.url);
    const error = await failure(c.vmList());
    expect(error).toBeInstanceOf(GandiDataFault);
    expect((error as GandiDataFault).causeName).toBe("invalid-value");
    expect((error as GandiDataFault).element).toBe("password");
    expect((error as GandiDataFault).text).toBe("DataError: invalid value for password (password) [password: (hidden)]");
    expect(error.message).toBe("login failed: an invalid value (fault 500130: DataError: invalid value for password (password) [password: (hidden)])");
    expect(leaks(error)).toEqual([]);
    expect(f.methods()).toEqual(["login"]);
  });

  it("blanks out a root password vm_create sent when a fault quotes it", async () => {
    const f = await fake({ vm_create: { fault: [505231, `DataError: password too simple [password: ${ROOT_PASSWORD}] (was ${ROOT_PASSWORD})`] } });
    const c = client(f.url);
    const error = await failure(c.vmCreate({ hostname: "web1", password: ROOT_PASSWORD, os_id: 111, shares: 4, cpu: 1, login: "gandi" }));
    expect(f.requests[1]!.params).toEqual([SESSION, "web1", ROOT_PASSWORD, 111, 4, 1, { login: "gandi" }]);
    expect((error as GandiDataFault).causeName).toBe("value-policy");
    expect(leaks(error)).toEqual([]);
  });

  it("keeps the password and the session out of inspect and JSON of the client", async () => {
    const f = await fake({ vm_list: { value: [] } });
    const c = client(f.url);
    await c.vmList();
    for (const view of [inspect(c, { depth: 10, showHidden: true }), JSON.stringify(c)]) {
      expect(view).not.toContain("s3cr3t");
      expect(view).not.toContain("5ec7e75e55");
    }
  });

  it("refuses a login answer that is not a session id, without quoting it", async () => {
    const f = await fake({ login: { value: 42 } });
    const error = await failure(client(f.url).vmList());
    expect(error).toBeInstanceOf(GandiProtocolError);
    expect(error.message).toBe("login: the login's answer is not a session id (a non-empty string)");
  });

  it("refuses calls after close(), and close() may be called twice", async () => {
    const f = await fake({ vm_list: { value: [] } });
    const c = client(f.url);
    await c.vmList();
    await c.close();
    await c.close();
    expect(await failure(c.vmList())).toBeInstanceOf(GandiClientClosedError);
    expect(f.methods()).toEqual(["login", "vm_list"]);
  });

  it("builds from a resolved config", async () => {
    const f = await fake({ vm_list: { value: [3] } });
    const config = resolveGandiConfig({ env: { GANDI_URL: f.url, GANDI_LOGIN: LOGIN, GANDI_PASSWORD: PASSWORD } });
    const c = GandiClient.fromConfig(config);
    clients.push(c);
    expect(await c.vmList()).toEqual([3]);
    expect(c.endpoint).toBe(f.url);
  });
});

describe("GandiClient calls", () => {
  it("sends each write with the seed's signature and returns the id it answers", async () => {
    const f = await fake({
      vm_create: { value: 1234 },
      vm_update: { value: 5001 },
      vm_start: { value: 5002 },
      vm_stop: { value: 5003 },
      vm_reboot: { value: 5004 },
      vm_delete: { value: 5005 },
      disk_create: { value: 1928 },
      disk_attach: { value: 5006 },
      disk_detach: { value: 5007 },
      disk_delete: { value: 5008 },
      operation_cancel: { value: true },
    });
    const c = client(f.url);
    expect(await c.vmCreate({ hostname: "vmtest1", password: ROOT_PASSWORD, os_id: 111, shares: 4, cpu: 1 })).toBe(1234);
    expect(await c.vmUpdate(1234, { shares: 5, vm_max_memory: 2048 })).toBe(5001);
    expect([await c.vmStart(1234), await c.vmStop(1234), await c.vmReboot(1234), await c.vmDelete(1234)]).toEqual([5002, 5003, 5004, 5005]);
    expect(await c.diskCreate({ size: 2048, name: "disk2GB", fstype: "ext3" })).toBe(1928);
    expect([await c.diskAttach(1928, 1234), await c.diskDetach(1928, 1234), await c.diskDelete(1928)]).toEqual([5006, 5007, 5008]);
    expect(await c.operationCancel(5001)).toBe(true);
    expect(f.requests.slice(1).map((r) => [r.method, ...r.params.slice(1)])).toEqual([
      ["vm_create", "vmtest1", ROOT_PASSWORD, 111, 4, 1, {}],
      ["vm_update", 1234, { shares: 5, vm_max_memory: 2048 }],
      ["vm_start", 1234],
      ["vm_stop", 1234],
      ["vm_reboot", 1234],
      ["vm_delete", 1234],
      ["disk_create", { size: 2048, name: "disk2GB", fstype: "ext3" }],
      ["disk_attach", 1928, 1234],
      ["disk_detach", 1928, 1234],
      ["disk_delete", 1928],
      ["operation_cancel", 5001],
    ]);
  });

  it("sends operation_list's filter with whole-second dates, and no filter when none is given", async () => {
    const f = await fake({ operation_list: { value: [5001, 5002] } });
    const c = client(f.url);
    expect(await c.operationList()).toEqual([5001, 5002]);
    expect(await c.operationList({ type: "vm_create", state: "ALL", updated_after: new Date("2011-03-24T15:49:50.750Z") })).toEqual([5001, 5002]);
    expect(f.requests[1]!.params).toEqual([SESSION]);
    expect(f.requests[2]!.params).toEqual([SESSION, { type: "vm_create", state: "ALL", updated_after: new Date("2011-03-24T15:49:50Z") }]);
  });

  it("reads records through the wire, and refuses one without a field it needs, naming method and field", async () => {
    const f = await fake({
      os_list: { value: [{ id: 111, name: "Debian 5" }] },
      hosting_account_info: { value: { shares: 10, shares_used: 4 } },
      vm_info: { value: { id: 1234, os_id: 111, shares: 4, cpu: 1, state: "running" } },
    });
    const c = client(f.url);
    expect(await c.osList()).toEqual([{ id: 111, name: "Debian 5" }]);
    expect(await c.hostingAccountInfo()).toEqual({ shares: 10, shares_used: 4 });
    const error = await failure(c.vmInfo(1234));
    expect(error).toBeInstanceOf(GandiProtocolError);
    expect([error.message, (error as GandiProtocolError).field]).toEqual(["vm_info: vm 1234: the field hostname is missing (expected a string)", "hostname"]);
  });

  it("blanks out the secrets an ERROR operation's comment quotes", async () => {
    const f = await fake({
      vm_create: { value: 1234 },
      operation_details: {
        value: { uid: 5001, type: "vm_create", state: "ERROR", date_create: date("20110324T15:49:50"), date_update: date("20110324T15:50:10"), param: { param_type: "vm", vm_id: 1234 }, comment: `password ${ROOT_PASSWORD} refused` },
      },
    });
    const c = client(f.url);
    await c.vmCreate({ hostname: "web1", password: ROOT_PASSWORD, os_id: 111, shares: 1, cpu: 1 });
    expect((await c.operationDetails(5001)).comment).toBe("password (hidden) refused");
  });
});

describe("GandiClient faults", () => {
  /** One data fault per cause digit pair (FACTS §2.3), on object 102, as the API's text would word it. */
  const DATA: [code: number, cause: GandiCauseName, text: string][] = [
    [510200, "generic", "DataError: vm_start failed [vm_id: 7]"],
    [510210, "type", "DataError: invalid type for vm_id [vm_id: abc]"],
    [510220, "syntax", "DataError: invalid syntax for hostname [hostname: -x-]"],
    [510230, "invalid-value", "DataError: invalid value for shares [shares: 0]"],
    [510231, "value-policy", "DataError: shares not allowed by policy [shares: 999]"],
    [510232, "missing-parameter", "DataError: missing parameter [vm_id: ]"],
    [510233, "data-policy", "DataError: refused by data-management policy [vm_id: 7]"],
    [510234, "value-policy", "DataError: not enough free shares [shares: 64]"],
    [510240, "not-found", "DataError: vm does not exist [vm_id: 7]"],
    [510241, "already-exists", "DataError: hostname already exists [hostname: web1]"],
    [510250, "not-permitted", "DataError: not permitted [vm_id: 7]"],
    [510260, "wrong-state", "DataError: vm must be stopped [vm_id: 7]"],
    [510299, "unknown", "DataError: something new [vm_id: 7]"],
  ];

  it.each(DATA)("decodes data fault %i as cause %s", async (code, cause, text) => {
    const f = await fake({ vm_delete: { fault: [code, text] } });
    const error = (await failure(client(f.url).vmDelete(7))) as GandiDataFault;
    expect(error).toBeInstanceOf(GandiDataFault);
    expect(isGandiFault(error, cause)).toBe(true);
    expect([error.code, error.faultCode, error.qualification, error.object, error.causeCode, error.causeName, error.text, error.transient]).toEqual([
      String(code),
      code,
      "data",
      102,
      code % 100,
      cause,
      text,
      false,
    ]);
    expect(error.method).toBe("vm_delete");
    expect(error.message).toContain(`vm_delete failed: `);
    expect(error.message).toContain(`(fault ${code}: ${text})`);
    // A refused write is not sent again.
    expect(f.count("vm_delete")).toBe(1);
  });

  /** The server faults FACTS §2.3 lists, and which are worth another attempt. */
  const SERVER: [code: number, cause: GandiCauseName, transient: boolean, text: string][] = [
    [110010, "connection-lost", true, "ServerError: database connection lost"],
    [110020, "query-failed", true, "ServerError: database query failed"],
    [110040, "object-not-found", false, "ServerError: database could not find object"],
    [110042, "too-many-rows", false, "ServerError: database returned too many rows"],
    [150000, "internal-error", true, "ServerError: internal error (error has been logged and will be reported)"],
    [150010, "unknown", false, "ServerError: something else"],
  ];

  it.each(SERVER)("decodes server fault %i as %s (transient: %s)", async (code, cause, transient, text) => {
    const f = await fake({ vm_info: { fault: [code, text] } });
    const error = (await failure(client(f.url).vmInfo(7))) as GandiServerFault;
    expect(error).toBeInstanceOf(GandiServerFault);
    expect([error.qualification, error.object, error.objectName, error.causeName, error.transient, error.text]).toEqual([
      "server",
      Math.floor(code / 100) % 1000,
      code < 150000 ? "database" : "application",
      cause,
      transient,
      text,
    ]);
    expect(isGandiFault(error)).toBe(true);
    expect(isGandiDataFault(error)).toBe(false);
    // A server fault is the answer: the client does not send the call again (the retry policy may).
    expect(f.count("vm_info")).toBe(1);
  });

  it("decodes faultCode 1 as an unknown method", async () => {
    const f = await fake({});
    const error = await failure(client(f.url).osList());
    expect(error).toBeInstanceOf(GandiUnknownMethodError);
    expect(isGandiUnknownMethod(error)).toBe(true);
    expect(isGandiFault(error)).toBe(false);
    expect(error.message).toBe('os_list: the Gandi API does not support this method (fault 1: Method "os_list" is not supported)');
    expect((error as GandiUnknownMethodError).transient).toBe(false);
  });

  it("refuses a fault code of no known format as a protocol error", async () => {
    const f = await fake({ vm_list: { fault: [42, "something"] } });
    const error = await failure(client(f.url).vmList());
    expect(error).toBeInstanceOf(GandiProtocolError);
    expect(error.message).toContain("a fault whose code 42 is not of the 6-digit Gandi format");
  });
});

/** The kit's Transport to `endpoint`, behind a wrapper that fails the listed posts first and counts every post. */
function scripted(failures: Record<string, TransportError["reason"][]>, posts: string[]): (endpoint: string) => GandiTransport {
  return (endpoint) => {
    const real = new Transport({ endpoint, server: "the Gandi API" });
    return {
      post: async (method, body, idempotent) => {
        posts.push(method);
        const next = failures[method]?.shift();
        if (next !== undefined) throw new TransportError(method, endpoint, next, `scripted ${next}`);
        return real.post(method, body, idempotent);
      },
      close: () => real.close(),
    };
  };
}

describe("GandiClient resending", () => {
  it("lists the reads: the getters and lists of the seed, no call that creates or cancels", () => {
    expect([...READ_METHODS].sort()).toEqual(
      ["account_balance", "account_currency", "disk_info", "disk_list", "hosting_account_info", "operation_details", "operation_list", "os_list", "vm_disk_list", "vm_info", "vm_list"].sort(),
    );
  });

  it("sends a write once more when the request never reached the server", async () => {
    const f = await fake({ vm_start: { value: 5001 } });
    const posts: string[] = [];
    const c = client(f.url, scripted({ vm_start: ["refused"] }, posts));
    expect(await c.vmStart(7)).toBe(5001);
    expect(posts).toEqual(["login", "vm_start", "vm_start"]);
    expect(f.count("vm_start")).toBe(1);
  });

  it("sends a write that may have reached the server only once, and says so", async () => {
    const f = await fake({ vm_start: { drop: true } });
    const error = await failure(client(f.url).vmStart(7));
    expect(error).toBeInstanceOf(TransportError);
    expect([(error as TransportError).reason, (error as TransportError).mayHaveActed]).toEqual(["reset", true]);
    expect(f.count("vm_start")).toBe(1);
  });

  it("sends a read once more after it may have reached the server, and not twice", async () => {
    const f = await fake({ vm_list: [{ drop: true }, { value: [1] }], disk_list: { drop: true } });
    const c = client(f.url);
    expect(await c.vmList()).toEqual([1]);
    expect(f.count("vm_list")).toBe(2);
    const error = await failure(c.diskList());
    expect((error as TransportError).mayHaveActed).toBe(true);
    expect(f.count("disk_list")).toBe(2);
  });

  it("does not resend a write after an answer that is not XML-RPC, and resends a read", async () => {
    const f = await fake({ disk_create: { body: "<html>busy</html>" }, disk_info: [{ body: "<html>busy</html>" }, { value: { id: 9, name: "data", size: 1024, state: "created" } }] });
    const c = client(f.url);
    const error = await failure(c.diskCreate({ size: 1024, name: "data", fstype: "ext3" }));
    expect([(error as TransportError).reason, (error as TransportError).mayHaveActed]).toEqual(["malformed", true]);
    expect(f.count("disk_create")).toBe(1);
    expect((await c.diskInfo(9)).name).toBe("data");
    expect(f.count("disk_info")).toBe(2);
  });

  it("gives up on a server that refuses connections after one more attempt, for a write too", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const posts: string[] = [];
    const c = client(`http://127.0.0.1:${port}/hosting/`, scripted({}, posts));
    const error = await failure(c.vmStart(7));
    expect([(error as TransportError).reason, (error as TransportError).mayHaveActed, (error as TransportError).unreachable]).toEqual(["refused", false, true]);
    // The login is what met the refusal: sent twice, and nothing after it.
    expect(posts).toEqual(["login", "login"]);
    expect(leaks(error)).toEqual([]);
  });
});
