import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { encodeCall } from "../../../src/xmlrpc/index";
import { startXenServerSimulator } from "../../../src/sim/xenserver/index";
import { Xen } from "./helpers";

/** POSTs and returns the body as bytes, without building a string of it. */
function postBytes(url: string, body: string, path: string, type: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method: "POST", headers: { "Content-Type": type } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(Buffer.concat(chunks as Uint8Array[])));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function count(haystack: Buffer, needle: string): number {
  let n = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) n++;
  return n;
}

describe("scale", () => {
  it("answers VM.get_all_records of 5,000 seeded VMs over both wires from cached records", async () => {
    const sim = await startXenServerSimulator({ port: 0, delays: "instant" });
    try {
      let t = performance.now();
      const seeded = sim.seedVms(5_000, { otherConfig: { "hyperplan-stack": "bench" } });
      const seedMs = performance.now() - t;
      expect(seeded.refs).toHaveLength(5_000);
      const xen = new Xen(sim.url);
      await xen.login();
      const xmlCall = encodeCall("VM.get_all_records", [xen.session], { style: "xapi" });
      const jsonCall = JSON.stringify({ jsonrpc: "2.0", method: "VM.get_all_records", params: [xen.session], id: 1 });
      const timings: string[] = [];
      let xml = Buffer.alloc(0);
      for (const label of ["xml first", "xml cached"]) {
        t = performance.now();
        xml = await postBytes(sim.url, xmlCall, "/", "text/xml");
        timings.push(`${label} ${(performance.now() - t).toFixed(0)} ms`);
      }
      // 5,005 VMs: the seeded ones, two control domains, three templates.
      expect(count(xml, "<member><name>power_state</name>")).toBe(5_005);
      expect(count(xml, "<member><name>hyperplan-stack</name><value>bench</value></member>")).toBe(5_000);
      let json = Buffer.alloc(0);
      for (const label of ["json first", "json cached"]) {
        t = performance.now();
        json = await postBytes(sim.url, jsonCall, "/jsonrpc", "application/json");
        timings.push(`${label} ${(performance.now() - t).toFixed(0)} ms`);
      }
      const records = JSON.parse(json.toString("utf8")).result as Record<string, Record<string, unknown>>;
      expect(Object.keys(records)).toHaveLength(5_005);
      const first = records[seeded.refs[0] as string] as Record<string, any>;
      expect(first).toMatchObject({ power_state: "Running", VCPUs_max: 2 });
      expect(first.VBDs).toHaveLength(1);
      expect(first.VIFs).toHaveLength(1);
      const gm = await xen.ok("VM_guest_metrics.get_networks", first.guest_metrics);
      expect(gm["0/ip"]).toMatch(/^10\./);
      // A change invalidates one cached record only.
      await xen.ok("VM.set_name_label", seeded.refs[0] as string, "renamed");
      const again = await postBytes(sim.url, xmlCall, "/", "text/xml");
      expect(count(again, "<value>renamed</value>")).toBe(1);
      console.log(`5,000 VMs seeded in ${seedMs.toFixed(0)} ms; VM.get_all_records ${(xml.length / 1e6).toFixed(1)} MB XML, ${(json.length / 1e6).toFixed(1)} MB JSON; ${timings.join(", ")} (HTTP included)`);
    } finally {
      await sim.close();
    }
  }, 120_000);
});
