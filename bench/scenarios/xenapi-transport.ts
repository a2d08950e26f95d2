/**
 * xenapi-transport: which of xapi's two wires reads a pool faster, end to end — from the socket to
 * typed VM records — for the same pool of realistic VMs (every field of a current xapi VM record,
 * FACTS.md §1.5, with tags, maps and refs of varying length), through `XenApiClient.getAllRecords`.
 *
 * The server is a plain loopback HTTP server answering with bodies rendered once beforehand, the way
 * xapi renders them (FACTS §1.2): compact XML-RPC with strings and 64-bit ints as untyped
 * `<value>text</value>`, and JSON-RPC 2.0 with ints as numbers. Serving a ready buffer costs the
 * client's process next to nothing, so the figures are the client's: transfer, parse, decode.
 * The XenServer simulator will serve this pool later; until then this stands in for it.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { XenApiClient, type XenTransportKind } from "../../src/providers/xenserver/index";
import { collectGarbage, medianOf, round, timed, type Metrics, type Scenario, type ScenarioResult } from "../scenario";

const SESSION = "OpaqueRef:be9c0b3e-5e55-4e0a-9c1d-0000000000b3";

// ---------------------------------------------------------------------------------------------
// A pool of VMs, as xapi holds and renders them.

/** A value with its datamodel type, rendered per wire: an int is text in XML-RPC, a number in JSON. */
type Datum = string | boolean | { int: number } | { float: number } | { date: string } | Datum[] | { [key: string]: Datum };

const isTyped = (v: object, key: "int" | "float" | "date"): boolean => Object.keys(v).length === 1 && key in v;

function xml(value: Datum): string {
  if (typeof value === "string") return `<value>${escape(value)}</value>`;
  if (typeof value === "boolean") return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
  if (Array.isArray(value)) return `<value><array><data>${value.map(xml).join("")}</data></array></value>`;
  if (isTyped(value, "int")) return `<value>${(value as { int: number }).int}</value>`;
  if (isTyped(value, "float")) return `<value><double>${(value as { float: number }).float}</double></value>`;
  if (isTyped(value, "date")) return `<value><dateTime.iso8601>${(value as { date: string }).date}</dateTime.iso8601></value>`;
  let out = "<value><struct>";
  for (const [k, v] of Object.entries(value)) out += `<member><name>${escape(k)}</name>${xml(v)}</member>`;
  return `${out}</struct></value>`;
}

function json(value: Datum): string {
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(json).join(",")}]`;
  if (isTyped(value, "int")) return String((value as { int: number }).int);
  if (isTyped(value, "float")) return String((value as { float: number }).float);
  if (isTyped(value, "date")) return JSON.stringify((value as { date: string }).date);
  return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${json(v)}`).join(",")}}`;
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A small deterministic generator (mulberry32), so every run serves the same pool. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuid(next: () => number): string {
  const hex = () => Math.floor(next() * 0x100000000).toString(16).padStart(8, "0");
  const a = hex() + hex() + hex() + hex();
  return `${a.slice(0, 8)}-${a.slice(8, 12)}-4${a.slice(13, 16)}-8${a.slice(17, 20)}-${a.slice(20, 32)}`;
}

const ref = (next: () => number) => `OpaqueRef:${uuid(next)}`;
const NULL = "OpaqueRef:NULL";
const MiB = 1024 ** 2;
const HOSTS = ["OpaqueRef:1b5e4a0e-0000-4000-8000-000000000001", "OpaqueRef:1b5e4a0e-0000-4000-8000-000000000002", "OpaqueRef:1b5e4a0e-0000-4000-8000-000000000003"];

/** One VM record with every field a current xapi sends (datamodel_vm.ml), values varied by VM. */
function vmRecord(i: number, next: () => number): Datum {
  const running = next() < 0.7;
  const memory = [512, 1024, 2048, 4096, 8192, 16384][Math.floor(next() * 6)]! * MiB;
  const vcpus = [1, 2, 4, 8][Math.floor(next() * 4)]!;
  const owned = next() < 0.3;
  const name = owned ? `lab-web-${i}` : `vm-${i.toString(36)}-${Math.floor(next() * 1e6)}`;
  const refs = (n: number) => Array.from({ length: n }, () => ref(next));
  return {
    uuid: uuid(next),
    allowed_operations: running ? ["changing_dynamic_range", "clean_shutdown", "clean_reboot", "hard_shutdown", "hard_reboot", "suspend", "pause", "snapshot", "checkpoint"] : ["start", "start_on", "clone", "copy", "export", "destroy", "snapshot", "changing_memory_limits", "changing_VCPUs"],
    current_operations: {},
    name_label: name,
    name_description: next() < 0.5 ? "" : `Service ${i} for team ${Math.floor(next() * 40)} <managed> & monitored`,
    power_state: running ? "Running" : "Halted",
    user_version: { int: 1 },
    is_a_template: false,
    is_default_template: false,
    suspend_VDI: NULL,
    resident_on: running ? HOSTS[i % HOSTS.length]! : NULL,
    scheduled_to_be_resident_on: NULL,
    affinity: next() < 0.2 ? HOSTS[0]! : NULL,
    memory_overhead: { int: 11 * MiB + Math.floor(next() * 4) * MiB },
    memory_target: { int: running ? memory : 0 },
    memory_static_max: { int: memory },
    memory_dynamic_max: { int: memory },
    memory_dynamic_min: { int: memory / 2 },
    memory_static_min: { int: 256 * MiB },
    VCPUs_params: { weight: "256", cap: "0" },
    VCPUs_max: { int: vcpus },
    VCPUs_at_startup: { int: vcpus },
    actions_after_softreboot: "soft_reboot",
    actions_after_shutdown: "destroy",
    actions_after_reboot: "restart",
    actions_after_crash: "restart",
    consoles: running ? refs(1) : [],
    VIFs: refs(1 + Math.floor(next() * 2)),
    VBDs: refs(2 + Math.floor(next() * 2)),
    VUSBs: [],
    crash_dumps: [],
    VTPMs: [],
    PV_bootloader: "",
    PV_kernel: "",
    PV_ramdisk: "",
    PV_args: "",
    PV_bootloader_args: "",
    PV_legacy_args: "",
    HVM_boot_policy: "BIOS order",
    HVM_boot_params: { order: "cdn", firmware: "bios" },
    HVM_shadow_multiplier: { float: 1 },
    platform: { "device-model": "qemu-upstream-compat", viridian: "false", acpi: "1", apic: "true", pae: "true", nx: "true", hpet: "true", vga: "std", videoram: "8", timeoffset: "0" },
    PCI_bus: "",
    other_config: owned
      ? { HYPERPLAN_STACK: "lab", HYPERPLAN_ADDRESS: `lab/web-${i}`, HYPERPLAN_KIND: "VirtualMachine", base_template_name: "Debian Bookworm 12", mac_seed: uuid(next), install_methods: "cdrom,nfs,http,ftp", import_task: NULL }
      : { base_template_name: "Ubuntu Jammy Jellyfish 22.04", mac_seed: uuid(next), install_methods: "cdrom,nfs,http,ftp", "xo:resource:namespace": "default" },
    domid: { int: running ? 10 + i : -1 },
    domarch: running ? "x64" : "",
    last_boot_CPU_flags: running ? { vendor: "AuthenticAMD", features: "1fcbfbff-f6f83203-2e500800-040001f3-0000000f-f1bf07a9-00405f4e-00000000-711ed005-10000010" } : {},
    is_control_domain: false,
    metrics: ref(next),
    guest_metrics: running ? ref(next) : NULL,
    last_booted_record: "",
    recommendations: '<restrictions><restriction field="memory-static-max" max="1649267441664"/><restriction field="vcpus-max" max="32"/><restriction property="number-of-vbds" max="255"/><restriction property="number-of-vifs" max="7"/></restrictions>',
    xenstore_data: { "vm-data": "", "vm-data/mmio-hole-size": "268435456" },
    ha_always_run: false,
    ha_restart_priority: "",
    is_a_snapshot: false,
    snapshot_of: NULL,
    snapshots: next() < 0.1 ? refs(1) : [],
    snapshot_time: { date: "19700101T00:00:00Z" },
    transportable_snapshot_id: "",
    blobs: {},
    tags: owned ? ["hyperplan", `tier:${i % 3}`] : next() < 0.3 ? ["legacy"] : [],
    blocked_operations: {},
    snapshot_info: {},
    snapshot_metadata: "",
    parent: NULL,
    children: [],
    bios_strings: { "bios-vendor": "Xen", "bios-version": "", "system-manufacturer": "Xen", "system-product-name": "HVM domU", "system-version": "", "system-serial-number": "", "baseboard-manufacturer": "", "hp-rombios": "", "oem-1": "Xen", "oem-2": "MS_VM_CERT/SHA1/bdbeb6e0a816d43fa6d3fe8aaef04c2bad9d3e3d" },
    protection_policy: NULL,
    is_snapshot_from_vmpp: false,
    snapshot_schedule: NULL,
    is_vmss_snapshot: false,
    appliance: NULL,
    start_delay: { int: 0 },
    shutdown_delay: { int: 0 },
    order: { int: 0 },
    VGPUs: [],
    attached_PCIs: [],
    suspend_SR: NULL,
    version: { int: 0 },
    generation_id: "",
    hardware_platform_version: { int: 0 },
    has_vendor_device: false,
    requires_reboot: false,
    reference_label: "debian-12",
    domain_type: "hvm",
    NVRAM: {},
    pending_guidances: [],
    recommended_guidances: [],
    groups: [],
  };
}

interface Bodies {
  vms: number;
  /** The whole XML-RPC response. */
  xml: Buffer;
  /** The JSON-RPC response after `{"jsonrpc":"2.0","id":<id>,"result":` and before its closing `}`. */
  jsonResult: Buffer;
}

export function renderPool(vms: number): Bodies {
  const next = random(vms);
  const xmlParts: Buffer[] = [Buffer.from('<?xml version="1.0"?><methodResponse><params><param><value><struct><member><name>Status</name><value>Success</value></member><member><name>Value</name><value><struct>')];
  const jsonParts: Buffer[] = [Buffer.from("{")];
  let xmlChunk = "";
  let jsonChunk = "";
  for (let i = 0; i < vms; i++) {
    const key = ref(next);
    const record = vmRecord(i, next);
    xmlChunk += `<member><name>${key}</name>${xml(record)}</member>`;
    jsonChunk += `${i === 0 ? "" : ","}${JSON.stringify(key)}:${json(record)}`;
    if (i % 500 === 499) {
      xmlParts.push(Buffer.from(xmlChunk));
      jsonParts.push(Buffer.from(jsonChunk));
      xmlChunk = jsonChunk = "";
    }
  }
  xmlParts.push(Buffer.from(`${xmlChunk}</struct></value></member></struct></value></param></params></methodResponse>`));
  jsonParts.push(Buffer.from(`${jsonChunk}}`));
  return { vms, xml: Buffer.concat(xmlParts as unknown as Uint8Array[]), jsonResult: Buffer.concat(jsonParts as unknown as Uint8Array[]) };
}

// ---------------------------------------------------------------------------------------------
// The server: the answers xapi would give, ready beforehand.

const XML_LOGIN = `<?xml version="1.0"?><methodResponse><params><param><value><struct><member><name>Status</name><value>Success</value></member><member><name>Value</name><value>${SESSION}</value></member></struct></value></param></params></methodResponse>`;
const XML_VOID = '<?xml version="1.0"?><methodResponse><params><param><value><struct><member><name>Status</name><value>Success</value></member><member><name>Value</name><value></value></member></struct></value></param></params></methodResponse>';

async function servePool(bodies: Bodies): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks as unknown as Uint8Array[]).toString("utf8");
      if (req.url === "/jsonrpc") {
        const { method, id } = JSON.parse(body) as { method: string; id: number };
        const head = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":`;
        res.setHeader("Content-Type", "application/json");
        if (method === "VM.get_all_records") {
          res.setHeader("Content-Length", Buffer.byteLength(head) + bodies.jsonResult.length + 1);
          res.write(head);
          res.write(bodies.jsonResult);
          res.end("}");
        } else {
          res.end(`${head}${method === "session.login_with_password" ? JSON.stringify(SESSION) : '""'}}`);
        }
        return;
      }
      const method = /<methodName>([^<]*)<\/methodName>/.exec(body)?.[1];
      res.setHeader("Content-Type", "text/xml");
      res.end(method === "VM.get_all_records" ? bodies.xml : method === "session.login_with_password" ? XML_LOGIN : XML_VOID);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The bytes of the response, fetched and thrown away: what the loopback alone costs. */
function rawTransfer(url: string, transport: XenTransportKind): Promise<number> {
  const body = transport === "json-rpc" ? JSON.stringify({ jsonrpc: "2.0", method: "VM.get_all_records", params: [SESSION], id: 1 }) : `<?xml version="1.0"?><methodCall><methodName>VM.get_all_records</methodName><params><param><value>${SESSION}</value></param></params></methodCall>`;
  const target = transport === "json-rpc" ? `${url}jsonrpc` : url;
  return new Promise((resolve, reject) => {
    const request = http.request(target, { method: "POST", headers: { "Content-Type": transport === "json-rpc" ? "application/json" : "text/xml", "Content-Length": Buffer.byteLength(body) } }, (response) => {
      let bytes = 0;
      response.on("data", (chunk: Buffer) => (bytes += chunk.length));
      response.on("end", () => resolve(bytes));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
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
  const client = new XenApiClient({ url, username: "root", password: "bench", transport, timeoutMs: 600_000 });
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
    if (read.value !== vms) throw new Error(`${transport}: read ${read.value} VMs of ${vms}`);
    return { mb: transfer.value / 1e6, wallMs: read.ms, runsMs: read.runsMs, cpuMs: (cpu.user + cpu.system) / 1000 / runs, transferMs: transfer.ms, records: read.value };
  } finally {
    await client.close();
  }
}

async function onePool(vms: number, runs: number): Promise<ScenarioResult> {
  collectGarbage();
  const bodies = renderPool(vms);
  const server = await servePool(bodies);
  try {
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
