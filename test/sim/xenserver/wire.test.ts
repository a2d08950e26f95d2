import { describe, expect, it } from "vitest";
import { decodeResponse, encodeCall } from "../../../src/xmlrpc/index";
import { PASSWORD, USER, Xen, jsonCall, post, withSim } from "./helpers";

describe("the XML-RPC wire", () => {
  it("answers in xapi's compact style with Content-Type exactly text/xml, on / and any path but /jsonrpc", async () => {
    await withSim({}, async (xen, sim) => {
      for (const path of ["/", "/RPC2", "/xmlrpc", "/anything/else"]) {
        const reply = await post(sim.url, encodeCall("pool.get_all", [xen.session], { style: "xapi" }), path);
        expect(reply.status, path).toBe(200);
        expect(reply.contentType).toBe("text/xml");
        expect(reply.body.startsWith('<?xml version="1.0"?><methodResponse><params><param><value><struct><member><name>Status</name><value>Success</value></member><member><name>Value</name>')).toBe(true);
        expect(reply.body).not.toMatch(/>\s+</);
      }
    });
  });

  it("writes strings untyped, ints as untyped strings, floats as doubles, dates in xapi's form", async () => {
    await withSim({}, async (xen) => {
      const vm = await xen.byName("VM", "debian-12-cloud");
      const { reply } = await xen.raw("VM.get_record", [xen.session, vm]);
      expect(reply.body).toContain("<member><name>memory_static_max</name><value>2147483648</value></member>");
      expect(reply.body).toContain("<member><name>name_description</name><value>Debian 12 with cloud-init, ready to clone</value></member>");
      expect(reply.body).toContain("<member><name>HVM_shadow_multiplier</name><value><double>1</double></value></member>");
      expect(reply.body).toContain("<member><name>is_a_template</name><value><boolean>1</boolean></value></member>");
      expect(reply.body).toContain("<member><name>snapshot_time</name><value><dateTime.iso8601>19700101T00:00:00Z</dateTime.iso8601></value></member>");
      expect(reply.body).toContain("<member><name>PCI_bus</name><value></value></member>");
      expect(reply.body).toContain("<member><name>guest_metrics</name><value>OpaqueRef:NULL</value></member>");
      expect(reply.body).not.toContain("<string>");
      expect(reply.body).not.toContain("<i4>");
    });
  });

  it("wraps failures in Status/ErrorDescription, never a fault", async () => {
    await withSim({}, async (xen) => {
      const { reply, value } = await xen.raw("VM.get_record", [xen.session, "OpaqueRef:nope"]);
      expect(reply.body).not.toContain("<fault>");
      expect(value).toEqual({ Status: "Failure", ErrorDescription: ["HANDLE_INVALID", "VM", "OpaqueRef:nope"] });
    });
  });

  it("answers system.listMethods bare, without a session, listing every get_all_records", async () => {
    await withSim({}, async (xen) => {
      const { value } = await xen.raw("system.listMethods", []);
      expect(Array.isArray(value)).toBe(true);
      const names = value as string[];
      for (const cls of ["pool", "host", "SR", "network", "PIF", "VM", "VDI", "VBD", "VIF", "task", "VM_guest_metrics"]) expect(names).toContain(`${cls}.get_all_records`);
      expect(names).toContain("VM.start");
      expect(names).toContain("event.from");
      expect(names).not.toContain("session.get_all_records");
    });
  });

  it("refuses unknown methods and wrong arities with xapi's codes, counts as strings without the session", async () => {
    await withSim({}, async (xen) => {
      expect(await xen.fail("VM.frobnicate")).toEqual(["MESSAGE_METHOD_UNKNOWN", "VM.frobnicate"]);
      expect(await xen.fail("VM.start", "OpaqueRef:x")).toEqual(["MESSAGE_PARAMETER_COUNT_MISMATCH", "VM.start", "3", "1"]);
      expect((await xen.answer("VM.get_all")).ok).toBe(false);
      expect(await xen.answer("VM.get_all")).toEqual({ ok: false, error: ["MESSAGE_PARAMETER_COUNT_MISMATCH", "VM.get_all", "0", "-1"] });
      // xapi's generated dispatcher also answers the `_` spelling of a wire name.
      expect(((await xen.ok("VM_get_all")) as string[]).length).toBeGreaterThan(0);
    });
  });

  it("unmarshals arguments before it checks the session", async () => {
    await withSim({}, async (xen) => {
      const vm = await xen.byName("VM", "debian-12-cloud");
      const bad = await xen.answer("VM.set_VCPUs_max", "OpaqueRef:not-a-session", vm, "lots");
      expect(bad).toEqual({ ok: false, error: ["INTERNAL_ERROR", `Failure("Expected int64, got 'lots'")`] });
      expect(await xen.answer("VM.create", "OpaqueRef:not-a-session", { name_label: "x" })).toEqual({
        ok: false,
        error: ["INTERNAL_ERROR", 'Server_helpers.Dispatcher_FieldNotFound("name_description")'],
      });
      expect(await xen.answer("VM.get_all", "OpaqueRef:not-a-session")).toEqual({ ok: false, error: ["SESSION_INVALID", "OpaqueRef:not-a-session"] });
    });
  });

  it("takes ints as <int>, <i4>, <i8> or strings", async () => {
    await withSim({}, async (xen) => {
      const vm = await xen.byName("VM", "debian-12-cloud");
      for (const body of [
        `<?xml version="1.0"?><methodCall><methodName>VM.set_VCPUs_max</methodName><params><param><value>${xen.session}</value></param><param><value>${vm}</value></param><param><value><int>4</int></value></param></params></methodCall>`,
        `<?xml version="1.0"?><methodCall><methodName>VM.set_VCPUs_max</methodName><params><param><value>${xen.session}</value></param><param><value>${vm}</value></param><param><value><i4>5</i4></value></param></params></methodCall>`,
        `<?xml version="1.0"?><methodCall><methodName>VM.set_VCPUs_max</methodName><params><param><value>${xen.session}</value></param><param><value>${vm}</value></param><param><value><i8>6</i8></value></param></params></methodCall>`,
        `<?xml version="1.0"?><methodCall><methodName>VM.set_VCPUs_max</methodName><params><param><value>${xen.session}</value></param><param><value>${vm}</value></param><param><value>7</value></param></params></methodCall>`,
      ]) {
        const decoded = decodeResponse((await post(xen.url, body)).body);
        expect(decoded).toEqual({ fault: false, value: { Status: "Success", Value: "" } });
      }
      expect(await xen.ok("VM.get_VCPUs_max", vm)).toBe("7");
    });
  });

  it("answers an Async call of a message without an async form with xapi's Fault", async () => {
    await withSim({}, async (xen) => {
      const vm = await xen.byName("VM", "debian-12-cloud");
      expect(await xen.fail("Async.VM.get_record", vm)).toEqual(["Fault", "No async mode for this operation (rpc: VM.get_record)"]);
    });
  });

  it("answers a body that is no call with HTTP 500 and an HTML page, and other HTTP methods with 405", async () => {
    await withSim({}, async (_xen, sim) => {
      for (const [body, path, type] of [
        ["<methodCall><methodName>VM.get_all", "/", "text/xml"],
        ["not xml at all", "/", "text/xml"],
        ["{not json", "/jsonrpc", "application/json"],
        ['{"method":"VM.get_all","params":[],"id":null}', "/jsonrpc", "application/json"],
        ['{"params":[],"id":1}', "/jsonrpc", "application/json"],
      ] as const) {
        const reply = await post(sim.url, body, path, type);
        expect(reply.status, body).toBe(500);
        expect(reply.contentType).toBe("text/html");
        expect(reply.body).toContain("<html>");
      }
      expect((await post(sim.url, "", "/", "text/xml", "GET")).status).toBe(405);
    });
  });
});

describe("the JSON-RPC wire", () => {
  it("answers version 2.0 with result and no error member, Content-Type exactly application/json", async () => {
    await withSim({}, async (_xen, sim) => {
      const login = await jsonCall(sim.url, "session.login_with_password", [USER, PASSWORD]);
      expect(login.reply.contentType).toBe("application/json");
      expect(Object.keys(login.body).sort()).toEqual(["id", "jsonrpc", "result"]);
      expect(login.body).toMatchObject({ jsonrpc: "2.0", id: 7 });
      const session = login.body.result as string;
      const pools = await jsonCall(sim.url, "pool.get_all_records", [session]);
      const pool = Object.values(pools.body.result)[0] as Record<string, unknown>;
      expect(pool.name_label).toBe("sim-pool");
      const vms = await jsonCall(sim.url, "VM.get_all_records", [session]);
      const template = Object.values(vms.body.result as Record<string, Record<string, unknown>>).find((v) => v.name_label === "debian-12-cloud")!;
      expect(template.memory_static_max).toBe(2147483648);
      expect(template.HVM_shadow_multiplier).toBe(1);
      expect(template.snapshot_time).toBe("19700101T00:00:00Z");
    });
  });

  it("answers version 2.0 failures as {code: 1, message, data}", async () => {
    await withSim({}, async (xen, sim) => {
      const bad = await jsonCall(sim.url, "VM.get_record", [xen.session, "OpaqueRef:zzz"]);
      expect(bad.body).toEqual({ jsonrpc: "2.0", error: { code: 1, message: "HANDLE_INVALID", data: ["VM", "OpaqueRef:zzz"] }, id: 7 });
    });
  });

  it("answers version 1.0 with result, error and id", async () => {
    await withSim({}, async (xen, sim) => {
      const ok = await jsonCall(sim.url, "pool.get_all", [xen.session], "1.0", "a");
      expect(Object.keys(ok.body).sort()).toEqual(["error", "id", "result"]);
      expect(ok.body.error).toBeNull();
      expect(ok.body.id).toBe("a");
      const bad = await jsonCall(sim.url, "VM.get_record", [xen.session, "OpaqueRef:zzz"], "1.0", 3);
      expect(bad.body).toEqual({ result: null, error: ["HANDLE_INVALID", "VM", "OpaqueRef:zzz"], id: 3 });
    });
  });

  it("shares sessions with XML-RPC and answers system.listMethods bare", async () => {
    await withSim({}, async (xen, sim) => {
      const list = await jsonCall(sim.url, "system.listMethods", []);
      expect(list.body.result).toContain("VM.get_all_records");
      const xmlSession = new Xen(sim.url);
      xmlSession.session = (await jsonCall(sim.url, "session.login_with_password", [USER, PASSWORD])).body.result as string;
      expect((await xmlSession.ok("pool.get_all")).length).toBe(1);
      expect(xen.session).not.toBe(xmlSession.session);
    });
  });
});
