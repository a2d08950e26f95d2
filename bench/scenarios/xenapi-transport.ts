/**
 * xenapi-transport: which of xapi's two wires reads a pool faster, end to end — from the socket to
 * typed VM records — for the same pool, through `XenApiClient.getAllRecords("VM")`.
 *
 * The pool is the XenServer simulator's, in a process of its own (sim-process.ts), as xapi runs on
 * another machine: N VMs seeded with a disk and a NIC each, every VM record with every field the
 * simulator's datamodel gives it, rendered the way xapi renders them (FACTS §1.2): compact XML-RPC
 * with strings and 64-bit ints as untyped `<value>text</value>`, JSON-RPC with ints as numbers. The
 * figures are the client's: transfer, parse, decode. The faster wire is the client's default
 * (`DEFAULT_XEN_TRANSPORT`).
 */
import http from "node:http";
import { resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { XenApiClient, type XenTransportKind } from "../../src/providers/xenserver/index";
import { collectGarbage, medianOf, round, timed, type Metrics, type Scenario, type ScenarioResult } from "../scenario";
import { startXenSimProcess } from "../sim-process";

const USER = "root";
const PASSWORD = "xenserver";

function post(url: string, body: string, contentType: string, keep: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: "POST", headers: { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) } }, (response) => {
      response.on("data", keep);
      response.on("end", resolve);
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}

/** The bytes of the VM pool's response, fetched and thrown away: what the loopback alone costs. */
async function rawTransfer(url: string, transport: XenTransportKind): Promise<number> {
  let login = "";
  await post(`${url}jsonrpc`, JSON.stringify({ jsonrpc: "2.0", method: "session.login_with_password", params: [USER, PASSWORD], id: 1 }), "application/json", (c) => (login += c.toString()));
  const session = (JSON.parse(login) as { result: string }).result;
  const body =
    transport === "json-rpc"
      ? JSON.stringify({ jsonrpc: "2.0", method: "VM.get_all_records", params: [session], id: 2 })
      : `<?xml version="1.0"?><methodCall><methodName>VM.get_all_records</methodName><params><param><value>${session}</value></param></params></methodCall>`;
  let bytes = 0;
  await post(transport === "json-rpc" ? `${url}jsonrpc` : url, body, transport === "json-rpc" ? "application/json" : "text/xml", (c) => (bytes += c.length));
  await post(`${url}jsonrpc`, JSON.stringify({ jsonrpc: "2.0", method: "session.logout", params: [session], id: 3 }), "application/json", () => undefined);
  return bytes;
}

// ---------------------------------------------------------------------------------------------

interface WireFigures {
  mb: number;
  wallMs: number;
  runsMs: number[];
  cpuMs: number;
  transferMs: number;
  records: number;
}

async function readThrough(url: string, transport: XenTransportKind, vms: number, runs: number): Promise<WireFigures> {
  const client = new XenApiClient({ url, username: USER, password: PASSWORD, transport, timeoutMs: 600_000 });
  try {
    await client.connect();
    const transfer = await timed(() => rawTransfer(url, transport));
    // One read to warm up the JIT and the socket pool; a big pool's first run is its own warm-up
    // (the median of the runs leaves it out).
    if (vms <= 5000) await client.getAllRecords("VM");
    collectGarbage();
    const cpuBefore = process.cpuUsage();
    const read = await medianOf(runs, async () => (await client.getAllRecords("VM")).size);
    const cpu = process.cpuUsage(cpuBefore);
    if (read.value < vms) throw new Error(`${transport}: read ${read.value} VMs, fewer than the ${vms} seeded`);
    return { mb: transfer.value / 1e6, wallMs: read.ms, runsMs: read.runsMs, cpuMs: (cpu.user + cpu.system) / 1000 / runs, transferMs: transfer.ms, records: read.value };
  } finally {
    await client.close();
  }
}

async function onePool(vms: number, runs: number): Promise<ScenarioResult> {
  collectGarbage();
  const server = await startXenSimProcess({ port: 0, delays: "instant", seed: 1, slaveHost: false });
  try {
    await server.seedVms(vms);
    // JSON-RPC first, then XML-RPC, each on a client of its own; the server and its bodies are shared.
    const figures: Record<XenTransportKind, WireFigures> = {
      "json-rpc": await readThrough(server.url, "json-rpc", vms, runs),
      "xml-rpc": await readThrough(server.url, "xml-rpc", vms, runs),
    };
    const json = figures["json-rpc"];
    const xmlF = figures["xml-rpc"];
    const faster: XenTransportKind = json.wallMs <= xmlF.wallMs ? "json-rpc" : "xml-rpc";
    const metrics: Metrics = {
      jsonResponseMB: round(json.mb, 1),
      xmlResponseMB: round(xmlF.mb, 1),
      jsonBytesPerVm: Math.round((json.mb * 1e6) / vms),
      xmlBytesPerVm: Math.round((xmlF.mb * 1e6) / vms),
      jsonWallMs: round(json.wallMs, 0),
      xmlWallMs: round(xmlF.wallMs, 0),
      jsonMbPerSec: round(json.mb / (json.wallMs / 1000), 1),
      xmlMbPerSec: round(xmlF.mb / (xmlF.wallMs / 1000), 1),
      jsonVmsPerSec: Math.round(vms / (json.wallMs / 1000)),
      xmlVmsPerSec: Math.round(vms / (xmlF.wallMs / 1000)),
      jsonCpuMsPerRead: round(json.cpuMs, 0),
      xmlCpuMsPerRead: round(xmlF.cpuMs, 0),
      jsonTransferMs: round(json.transferMs, 0),
      xmlTransferMs: round(xmlF.transferMs, 0),
      jsonRunsMs: json.runsMs.join(" "),
      xmlRunsMs: xmlF.runsMs.join(" "),
      faster,
      speedup: round(Math.max(json.wallMs, xmlF.wallMs) / Math.min(json.wallMs, xmlF.wallMs), 2),
    };
    return { name: "xenapi-transport", params: { vms, runs }, metrics };
  } finally {
    await server.close();
  }
}

export const xenapiTransport: Scenario = {
  name: "xenapi-transport",
  summary: "a pool's VM records, socket to typed records, through JSON-RPC and XML-RPC",
  async run({ smoke }) {
    if (smoke) return [await onePool(100, 1)];
    return [await onePool(1000, 5), await onePool(50_000, 3)];
  },
};

/** `npx tsx bench/scenarios/xenapi-transport.ts [--smoke]`: runs the scenario alone and prints its figures. */
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolvePath(process.argv[1])).href) {
  const results = await xenapiTransport.run({ smoke: process.argv.includes("--smoke") });
  for (const r of results) {
    process.stdout.write(`${r.name}  ${Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(" ")}\n`);
    for (const [k, v] of Object.entries(r.metrics)) process.stdout.write(`  ${k.padEnd(20)} ${String(v)}\n`);
    const m = r.metrics;
    process.stdout.write(`  → ${m.faster} is faster, ${m.speedup}× (${r.params.vms} VMs)\n\n`);
  }
}
