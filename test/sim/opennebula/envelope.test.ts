import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { decodeResponse, encodeCall } from "../../../src/xmlrpc/index";
import { callRaw, post, withSim } from "./helpers";

describe("envelope, authentication and parameters", () => {
  it("answers success as [true, value, 0] with ids as <i4> and documents as one escaped <string>", async () => {
    await withSim({ delays: "instant" }, async (_one, sim) => {
      const template = '<TEMPLATE><NAME>t</NAME><CPU><![CDATA[1]]></CPU><DESCRIPTION>a &lt;b&gt; &amp; "c" ]]&gt; d</DESCRIPTION></TEMPLATE>';
      const alloc = await callRaw(sim.url, "one.template.allocate", [template]);
      if (alloc.fault) throw new Error("fault");
      expect(alloc.reply.raw).toEqual([true, 0, 0]);
      expect(alloc.body).toContain("<value><i4>0</i4></value>");
      const info = await callRaw(sim.url, "one.template.info", [0]);
      if (info.fault || !info.reply.ok) throw new Error("template.info failed");
      expect(info.reply.raw).toHaveLength(3);
      expect(info.body).toMatch(/<value><string>&lt;VMTEMPLATE&gt;/);
      expect(info.body).not.toContain("<![CDATA[");
      expect(info.reply.value).toContain("<CPU><![CDATA[1]]></CPU>");
      expect(info.reply.value).toContain('<DESCRIPTION>a &lt;b&gt; &amp; "c" ]]&gt; d</DESCRIPTION>');
    });
  });

  it("refuses a template it cannot parse with INTERNAL and the parser's words", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const r = await one.fail("one.template.allocate", 'NAME = "t" CPU = [');
      expect(r.code).toBe(0x2000);
      expect(r.message).toMatch(/^\[one\.template\.allocate\] Parse error: /);
    });
  });

  it("answers failures as the 5-element array ending in an <i8>", async () => {
    await withSim({ delays: "instant" }, async (_one, sim) => {
      const r = await callRaw(sim.url, "one.vm.info", [7]);
      if (r.fault) throw new Error("fault");
      expect(r.reply.raw).toEqual([false, "[one.vm.info] Error getting virtual machine [7].", 0x400, 7, 0]);
      expect(r.body).toMatch(/<value><i8>0<\/i8><\/value>/);
    });
  });

  it("refuses a wrong session with AUTHENTICATION, before looking at the other parameters", async () => {
    await withSim({ delays: "instant", auth: "admin:s3cret:x" }, async (_one, sim) => {
      const wrong = await callRaw(sim.url, "one.vm.info", ["not-an-int"], "oneadmin:opennebula");
      if (wrong.fault) throw new Error("fault");
      expect(wrong.reply.raw).toEqual([false, "[one.vm.info] User couldn't be authenticated, aborting call.", 0x100, -1, 0]);
      const right = await callRaw(sim.url, "one.system.version", [], "admin:s3cret:x");
      if (right.fault) throw new Error("fault");
      expect(right.reply.raw).toEqual([true, "7.4.0", 0]);
    });
  });

  it("raises xmlrpc-c faults for wrong types and missing parameters, and ignores extra ones", async () => {
    await withSim({ delays: "instant" }, async (_one, sim) => {
      expect(await callRaw(sim.url, "one.vm.info", ["7"])).toEqual({ fault: true, code: -501, message: "Parameter that is supposed to be integer is not" });
      expect(await callRaw(sim.url, "one.vm.allocate", ['NAME="x"', "yes"])).toEqual({ fault: true, code: -501, message: "Parameter that is supposed to be boolean is not" });
      expect(await callRaw(sim.url, "one.vm.allocate", [5])).toEqual({ fault: true, code: -501, message: "Parameter that is supposed to be a string is not" });
      expect(await callRaw(sim.url, "one.imagepool.info", [-2, -1])).toEqual({ fault: true, code: -501, message: "Not enough parameters" });
      const noSession = await post(sim.url, encodeCall("one.system.version", []));
      expect(decodeResponse(noSession.body)).toEqual({ fault: true, code: -501, message: "Not enough parameters" });
      const extra = await callRaw(sim.url, "one.imagepool.info", [-2, -1, -1, -1]);
      expect(extra.fault).toBe(false);
    });
  });

  it("answers an unknown method with xmlrpc-c's -506 fault and malformed XML with -503", async () => {
    await withSim({ delays: "instant" }, async (_one, sim) => {
      expect(await callRaw(sim.url, "one.vm.explode", [1])).toEqual({ fault: true, code: -506, message: "Method 'one.vm.explode' not defined" });
      const bad = await post(sim.url, "<methodCall><methodName>one.vm.info</methodName><params><param><value><int>x</int>");
      const decoded = decodeResponse(bad.body);
      expect(decoded.fault).toBe(true);
      if (decoded.fault) {
        expect(decoded.code).toBe(-503);
        expect(decoded.message).toMatch(/^Call XML not a proper XML-RPC call\. {2}/);
      }
    });
  });

  it("serves POST on /RPC2 only, with a content length, as xmlrpc-c's Abyss server does", async () => {
    await withSim({ delays: "instant" }, async (_one, sim) => {
      const get = await post(sim.url, "", "GET");
      expect(get).toEqual({ status: 405, body: "POST is the only HTTP method this server understands\n" });
      expect((await post(sim.url.replace("/RPC2", "/other"), "")).status).toBe(404);
      expect((await post(sim.url, "", "OPTIONS")).status).toBe(200);
      expect((await post(sim.url, "")).status).toBe(400);
      const chunked = await new Promise<number>((resolve, reject) => {
        const req = request(sim.url, { method: "POST", headers: { "Transfer-Encoding": "chunked" } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.write(encodeCall("one.system.version", ["oneadmin:opennebula"]));
        req.end();
      });
      expect(chunked).toBe(411);
    });
  });

  it("counts calls by method and resets the counts", async () => {
    await withSim({ delays: "instant" }, async (one, sim) => {
      await one.ok("one.system.version");
      await one.ok("one.system.version");
      await one.fail("one.vm.info", 3);
      expect(sim.callCounts()).toEqual({ "one.system.version": 2, "one.vm.info": 1 });
      sim.resetCallCounts();
      expect(sim.callCounts()).toEqual({});
    });
  });

  it("serves one.system.config as an OPENNEBULA_CONFIGURATION document", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const doc = await one.doc("one.system.config");
      expect(doc).toMatch(/^<OPENNEBULA_CONFIGURATION><API_LIST_ORDER><!\[CDATA\[ASC\]\]><\/API_LIST_ORDER>/);
      expect(doc).toContain("<KEEPALIVE_TIMEOUT><![CDATA[15]]></KEEPALIVE_TIMEOUT>");
    });
  });

  it("is understood by Python's own xmlrpc.client", async () => {
    const { spawnSync, execFile } = await import("node:child_process");
    const probe = spawnSync("python3", ["-c", "print(1)"]);
    if (probe.status !== 0) {
      console.warn("python3 is not available: skipping the Python client check");
      return;
    }
    await withSim({ delays: "instant" }, async (_one, sim) => {
      const script = `
import sys, xmlrpc.client
s = xmlrpc.client.ServerProxy(sys.argv[1])
print(s.one.system.version("oneadmin:opennebula"))
print(s.one.vm.info("oneadmin:opennebula", 42))
r = s.one.vm.allocate("oneadmin:opennebula", 'NAME="py"\\nCPU="1"\\nMEMORY="64"', False)
print(r)
x = s.one.vm.allocate("oneadmin:opennebula", '<TEMPLATE><NAME><![CDATA[pyx]]></NAME><CPU><![CDATA[1]]></CPU><MEMORY><![CDATA[64]]></MEMORY></TEMPLATE>')
print(x)
p = s.one.vmpool.info("oneadmin:opennebula", -2, -1, -1, -1)
print(p[0], p[1].count("<VM>"))
`;
      // Asynchronous: the simulator answering Python runs in this very process.
      const out = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
        execFile("python3", ["-c", script, sim.url], { encoding: "utf8", timeout: 20_000 }, (error, stdout, stderr) => {
          if (error) reject(new Error(`${error.message}\n${stderr}`));
          else resolve({ stdout, stderr });
        });
      });
      expect(out.stderr).toBe("");
      const lines = out.stdout.trim().split("\n");
      expect(lines[0]).toBe("[True, '7.4.0', 0]");
      expect(lines[1]).toBe("[False, '[one.vm.info] Error getting virtual machine [42].', 1024, 42, 0]");
      expect(lines[2]).toBe("[True, 0, 0]");
      expect(lines[3]).toBe("[True, 1, 0]");
      expect(lines[4]).toBe("True 2");
    });
  });
});
