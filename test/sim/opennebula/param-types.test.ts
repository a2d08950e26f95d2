import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import { startOneSimulator, type RunningOneSimulator } from "../../../src/sim/opennebula/index";
import { decodeResponse, decodeCall, XmlRpcDouble, XmlRpcI8 } from "../../../src/xmlrpc/index";

function post(url: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers: { "Content-Length": Buffer.byteLength(body) } }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve(text));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const call = (idValue: string) =>
  `<?xml version="1.0"?><methodCall><methodName>one.vm.info</methodName><params>` +
  `<param><value><string>oneadmin:opennebula</string></value></param><param><value>${idValue}</value></param></params></methodCall>`;

describe("parameter types as xmlrpc-c checks them", () => {
  let sim: RunningOneSimulator;
  beforeAll(async () => {
    sim = await startOneSimulator({ port: 0, delays: "instant" });
  });
  afterAll(() => sim.close());

  it("refuses an <i8> or a whole <double> where oned reads an integer (fault -501)", async () => {
    for (const value of ["<i8>0</i8>", "<double>0</double>"]) {
      const reply = decodeResponse(await post(sim.url, call(value)));
      expect(reply).toEqual({ fault: true, code: -501, message: "Parameter that is supposed to be integer is not" });
    }
  });

  it("answers an <i4> or <int> id as oned does", async () => {
    for (const value of ["<i4>99</i4>", "<int>99</int>"]) {
      const reply = decodeResponse(await post(sim.url, call(value)));
      expect(reply.fault).toBe(false);
      expect((reply as { value: unknown[] }).value.slice(0, 3)).toEqual([false, "[one.vm.info] Error getting virtual machine [99].", 0x400]);
    }
  });

  it("keeps <i8> and <double> apart from <i4> when asked to preserve types", () => {
    const { params } = decodeCall(call("<i8>5</i8>").replace("</params>", "<param><value><double>2</double></value></param></params>"), { preserveTypes: true });
    expect(params[1]).toEqual(new XmlRpcI8(5));
    expect(params[2]).toEqual(new XmlRpcDouble(2));
  });
});
