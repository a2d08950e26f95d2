/**
 * pool-read: reading a VM pool end to end — from the socket to typed records of the stack's own
 * objects — for pools of realistic VMs (5–8 KB each, as oned prints them) where the stack owns 10%.
 * Beside it, the same read through the `xmlrpc` package and fast-xml-parser (parse everything, then
 * filter), and the raw loopback transfer of the same response, the limit a read can approach.
 * The simulator serves from a process of its own (sim-process.ts), as oned would.
 */
import http from "node:http";
import { createRequire } from "node:module";
import { XMLParser } from "fast-xml-parser";
import { encodeCall } from "../../src/xmlrpc/index";
import { OneClient, readPool } from "../../src/providers/opennebula/index";
import { ownedSlicePredicate } from "../../src/providers/opennebula/ownership";
import { collectGarbage, round, timed, type Scenario, type ScenarioResult } from "../scenario";
import { startSimProcess } from "../sim-process";

const SESSION = "oneadmin:opennebula";
const STACK = "bench";

interface XmlRpcClient {
  methodCall(method: string, params: unknown[], cb: (error: unknown, value: unknown) => void): void;
}

async function onePool(vms: number, baseline: boolean): Promise<ScenarioResult> {
  const sim = await startSimProcess({ port: 0, delays: "instant", seed: 1 });
  const owned = Math.round(vms / 10);
  await sim.seedVms(vms - owned, { namePrefix: "other" });
  await sim.seedVms(owned, { namePrefix: "mine", userTemplate: { HYPERPLAN_STACK: STACK, HYPERPLAN_ADDRESS: `${STACK}/vm`, HYPERPLAN_KIND: "VirtualMachine" } });
  const client = new OneClient({ endpoint: sim.url, session: SESSION });
  const params = [-2, 0, -(vms + 1), -1];
  try {
    // Warm-up: the simulator renders and caches every VM body on the first read.
    await readPool(client, "vm", { pageSize: vms + 1, keep: () => false });

    const transfer = await timed(() => rawTransfer(sim.url, encodeCall("one.vmpool.infoextended", [SESSION, ...params])));
    collectGarbage();
    const cpuBefore = process.cpuUsage();
    const ours = await timed(() => readPool(client, "vm", { pageSize: vms + 1, keep: ownedSlicePredicate(STACK) }));
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const bytes = transfer.value;
    const mb = bytes / 1e6;
    const metrics: ScenarioResult["metrics"] = {
      responseMB: round(mb, 1),
      bytesPerVm: Math.round(bytes / vms),
      ownedRecords: ours.value.records.length,
      transferMs: round(transfer.ms, 0),
      transferMbPerSec: round(mb / (transfer.ms / 1000), 0),
      wallMs: round(ours.ms, 0),
      mbPerSec: round(mb / (ours.ms / 1000), 1),
      // The client's own work: what the read would approach against an infinitely fast server.
      clientCpuMs: round(cpuMs, 0),
      clientCpuMbPerSec: round(mb / (cpuMs / 1000), 1),
      parsedMB: round(ours.value.stats.parsedBytes / 1e6, 1),
    };
    if (baseline) {
      collectGarbage();
      const base = await timed(() => xmlrpcPackageRead(sim.url, params));
      metrics.baselineWallMs = round(base.ms, 0);
      metrics.baselineMbPerSec = round(mb / (base.ms / 1000), 1);
      metrics.baselineOwnedRecords = base.value;
      metrics.speedup = round(base.ms / ours.ms, 1);
    }
    return { name: "pool-read", params: { vms, ownedShare: 0.1, baseline }, metrics };
  } finally {
    await client.close();
    await sim.close();
  }
}

/** Sends the call and counts the response bytes without looking at them. */
function rawTransfer(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: "POST", headers: { "Content-Type": "text/xml", "Content-Length": Buffer.byteLength(body) } }, (response) => {
      let bytes = 0;
      response.on("data", (chunk: Buffer) => (bytes += chunk.length));
      response.on("end", () => resolve(bytes));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}

/** The generic way: the `xmlrpc` package decodes the response, fast-xml-parser parses the whole pool. */
async function xmlrpcPackageRead(url: string, params: number[]): Promise<number> {
  const require = createRequire(import.meta.url);
  const xmlrpc = require("xmlrpc") as { createClient(options: { url: string }): XmlRpcClient };
  const client = xmlrpc.createClient({ url });
  const result = await new Promise<unknown>((resolve, reject) =>
    client.methodCall("one.vmpool.infoextended", [SESSION, ...params], (error, value) => (error ? reject(error) : resolve(value))),
  );
  const xml = (result as [boolean, string])[1];
  const doc = new XMLParser({ ignoreAttributes: true, parseTagValue: false, isArray: (name) => name === "VM" }).parse(xml) as {
    VM_POOL: { VM?: Array<{ USER_TEMPLATE?: { HYPERPLAN_STACK?: string } }> };
  };
  return (doc.VM_POOL.VM ?? []).filter((vm) => vm.USER_TEMPLATE?.HYPERPLAN_STACK === STACK).length;
}

export const poolRead: Scenario = {
  name: "pool-read",
  summary: "VM pool read, socket to typed records of the stack's 10%",
  async run({ smoke }) {
    if (smoke) return [await onePool(50, true)];
    return [await onePool(1000, true), await onePool(10000, true)];
  },
};
