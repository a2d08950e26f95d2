/**
 * Fidelity with a client nobody here wrote: the npm `xen-api` package (Vates, used by Xen
 * Orchestra), unmodified, over both of its transports.
 */
import { createClient } from "xen-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startXenServerSimulator, type RunningXenServerSimulator } from "../../../src/sim/xenserver/index";
import { PASSWORD, USER, Xen } from "./helpers";

interface XapiObject {
  $type: string;
  $ref: string;
  name_label?: string;
  name_description?: string;
  [field: string]: unknown;
}

interface XapiClient {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  readonly status: string;
  readonly pool: XapiObject;
  readonly objectsFetched: Promise<void>;
  readonly objects: { all: Record<string, XapiObject> };
  getObject(idOrRef: string, fallback?: unknown): XapiObject | undefined;
  call(method: string, ...args: unknown[]): Promise<any>;
  callAsync(method: string, ...args: unknown[]): Promise<any>;
}

let sim: RunningXenServerSimulator;
beforeAll(async () => {
  sim = await startXenServerSimulator({ port: 0, delays: "fast" });
});
afterAll(async () => {
  await sim.close();
});

function client(transport: "xml-rpc" | "json-rpc", url = `http://127.0.0.1:${sim.port}`): XapiClient {
  return createClient({ url, auth: { user: USER, password: PASSWORD }, allowUnauthorized: true, transport, debounce: 20, callTimeout: 10_000 }) as unknown as XapiClient;
}

async function until<T>(get: () => T | undefined, what: string): Promise<T> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    const value = get();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.each(["xml-rpc", "json-rpc"] as const)("the xen-api client over %s", (transport) => {
  it("connects, fetches every object, calls, follows tasks, sees other sessions' changes and disconnects", async () => {
    const xapi = client(transport);
    await xapi.connect();
    expect(xapi.status).toBe("connected");
    expect(xapi.pool.name_label).toBe("sim-pool");
    await xapi.objectsFetched;
    const all = Object.values(xapi.objects.all);
    for (const type of ["pool", "host", "SR", "network", "PIF", "VM", "VDI", "VBD"]) expect(all.some((o) => o.$type === type), type).toBe(true);
    const template = all.find((o) => o.$type === "VM" && o.name_label === "debian-12-cloud") as XapiObject;

    const record = await xapi.call("VM.get_record", template.$ref);
    expect(record.name_label).toBe("debian-12-cloud");
    expect(String(record.memory_static_max)).toBe(String(2 * 1024 ** 3));

    // callAsync: Async.VM.clone, the task followed through event.from, its result parsed, the task destroyed.
    const vm = await xapi.callAsync("VM.clone", template.$ref, `xo-${transport}`);
    expect(vm).toMatch(/^OpaqueRef:/);
    const cloned = await until(() => xapi.getObject(vm, undefined), "the clone in the cache");
    expect(cloned.name_label).toBe(`xo-${transport}`);
    await xapi.call("VM.set_is_a_template", vm, false);

    // A task that fails rejects with the task's error_info as XapiError.
    const TiB = 1024 ** 4;
    await xapi.call("VM.set_memory_limits", vm, TiB, TiB, TiB, TiB);
    const failure = await xapi.callAsync("VM.start", vm, false, false).then(
      () => null,
      (error: { code: string; params: string[] }) => error,
    );
    expect(failure?.code).toBe("HOST_NOT_ENOUGH_FREE_MEMORY");
    expect(failure?.params).toHaveLength(2);

    // An error of a plain call.
    const invalid = await xapi.call("VM.get_record", "OpaqueRef:zzz").then(
      () => null,
      (error: { code: string; params: string[] }) => error,
    );
    expect(invalid).toMatchObject({ code: "HANDLE_INVALID", params: ["VM", "OpaqueRef:zzz"] });

    // A change made through another session reaches the client's cache through events.
    const other = new Xen(sim.url);
    await other.login();
    await other.ok("VM.set_name_description", vm, `changed behind ${transport}`);
    await until(() => (xapi.getObject(vm)?.name_description === `changed behind ${transport}` ? true : undefined), "the event");

    // The tasks it made are gone: callAsync destroys them.
    await until(() => (Object.values(xapi.objects.all).some((o) => o.$type === "task") ? undefined : true), "the tasks' deletion");
    await xapi.disconnect();
    expect(xapi.status).toBe("disconnected");
  });
});

describe("the xen-api client against the pool slave", () => {
  it("follows HOST_IS_SLAVE to the master's address, keeping its port", async () => {
    const xapi = createClient({ url: (sim.slaveUrl as string).replace(/\/$/, ""), auth: { user: USER, password: PASSWORD }, allowUnauthorized: true, transport: "xml-rpc", watchEvents: false }) as unknown as XapiClient;
    await xapi.connect();
    expect(xapi.pool.name_label).toBe("sim-pool");
    await xapi.disconnect();
  });

  it("reports refused credentials as SESSION_AUTHENTICATION_FAILED", async () => {
    const xapi = createClient({ url: sim.url, auth: { user: USER, password: "wrong" }, allowUnauthorized: true, transport: "json-rpc", watchEvents: false }) as unknown as XapiClient;
    await expect(xapi.connect()).rejects.toMatchObject({ code: "SESSION_AUTHENTICATION_FAILED", params: [USER, "Authentication failure"] });
  });
});
