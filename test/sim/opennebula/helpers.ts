import { request } from "node:http";
import { XMLParser } from "fast-xml-parser";
import { decodeResponse, encodeCall, type XmlRpcValue } from "../../../src/xmlrpc/index";
import { startOneSimulator, type OneSimulatorOptions, type RunningOneSimulator } from "../../../src/sim/opennebula/index";

export const SESSION = "oneadmin:opennebula";

/** A clock the test moves by hand. */
export function fakeClock(start = Date.UTC(2026, 0, 15, 9, 0, 0)): { now(): number; advance(ms: number): void; set(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    set: (ms: number) => {
      t = ms;
    },
  };
}

/** POSTs a raw body and returns status and body text. */
export function post(url: string, body: string, method = "POST"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { "Content-Type": "text/xml" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

export type Reply = { ok: true; value: XmlRpcValue; raw: XmlRpcValue[] } | { ok: false; message: string; code: number; id: number; raw: XmlRpcValue[] };

/** Calls a method with the session prepended and decodes oned's envelope. */
export async function callRaw(url: string, method: string, params: XmlRpcValue[], session = SESSION): Promise<{ fault: true; code: number; message: string } | { fault: false; reply: Reply; body: string }> {
  const res = await post(url, encodeCall(method, [session, ...params]));
  const decoded = decodeResponse(res.body);
  if (decoded.fault) return { fault: true, code: decoded.code, message: decoded.message };
  const arr = decoded.value as XmlRpcValue[];
  if (arr[0] === true) return { fault: false, reply: { ok: true, value: arr[1] as XmlRpcValue, raw: arr }, body: res.body };
  return { fault: false, reply: { ok: false, message: arr[1] as string, code: arr[2] as number, id: arr[3] as number, raw: arr }, body: res.body };
}

export class One {
  constructor(readonly sim: RunningOneSimulator) {}

  async reply(method: string, ...params: XmlRpcValue[]): Promise<Reply> {
    const r = await callRaw(this.sim.url, method, params);
    if (r.fault) throw new Error(`unexpected fault ${r.code}: ${r.message}`);
    return r.reply;
  }

  /** Calls and expects success. */
  async ok(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue> {
    const r = await this.reply(method, ...params);
    if (!r.ok) throw new Error(`${method} failed: ${r.message} (code ${r.code})`);
    return r.value;
  }

  /** Calls and expects an error in oned's envelope. */
  async fail(method: string, ...params: XmlRpcValue[]): Promise<{ message: string; code: number; id: number }> {
    const r = await this.reply(method, ...params);
    if (r.ok) throw new Error(`${method} unexpectedly succeeded: ${String(r.value)}`);
    return r;
  }

  async id(method: string, ...params: XmlRpcValue[]): Promise<number> {
    return (await this.ok(method, ...params)) as number;
  }

  async doc(method: string, ...params: XmlRpcValue[]): Promise<string> {
    return (await this.ok(method, ...params)) as string;
  }

  async vm(id: number): Promise<Record<string, any>> {
    return parseDoc(await this.doc("one.vm.info", id)).VM[0];
  }

  async vmState(id: number): Promise<[number, number]> {
    const vm = await this.vm(id);
    return [Number(vm.STATE), Number(vm.LCM_STATE)];
  }

  async image(id: number): Promise<Record<string, any>> {
    return parseDoc(await this.doc("one.image.info", id)).IMAGE[0];
  }

  async vnet(id: number): Promise<Record<string, any>> {
    return parseDoc(await this.doc("one.vn.info", id)).VNET[0];
  }
}

const OBJECTS = new Set(["VM", "IMAGE", "VNET", "VMTEMPLATE", "SECURITY_GROUP", "DOCUMENT", "HOST", "DATASTORE", "CLUSTER"]);
const REPEATED = new Set(["DISK", "NIC", "NIC_ALIAS", "HISTORY", "AR", "LEASE", "RULE", "SECURITY_GROUP_RULE", "PCI"]);
const ID_LISTS = new Set(["VMS", "UPDATED_VMS", "OUTDATED_VMS", "UPDATING_VMS", "ERROR_VMS", "CLUSTERS", "HOSTS", "DATASTORES", "VNETS", "IMAGES", "VROUTERS", "CLONES", "APP_CLONES", "SCHED_ACTIONS", "BACKUP_IDS"]);

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name, jpath) => {
    const path = String(jpath).split(".");
    const parent = path[path.length - 2];
    if (OBJECTS.has(name)) return path.length === 1 || (parent !== undefined && parent.endsWith("_POOL"));
    if (name === "ID") return parent !== undefined && ID_LISTS.has(parent);
    return REPEATED.has(name) && parent === "TEMPLATE" ? true : name === "HISTORY" || name === "AR" || name === "LEASE";
  },
});

/** Parses a returned document; repeated elements (VM, DISK, NIC, ID …) are arrays. */
export function parseDoc(xml: string): Record<string, any> {
  return parser.parse(xml) as Record<string, any>;
}

export async function withSim<T>(options: OneSimulatorOptions, body: (one: One, sim: RunningOneSimulator) => Promise<T>): Promise<T> {
  const sim = await startOneSimulator({ port: 0, ...options });
  try {
    return await body(new One(sim), sim);
  } finally {
    await sim.close();
  }
}

export const IMAGE_TEMPLATE = 'NAME = "base"\nPATH = "/var/tmp/base.qcow2"\nFORMAT = "qcow2"\nDEV_PREFIX = "vd"';
export const NET_TEMPLATE = 'NAME = "lan"\nVN_MAD = "bridge"\nBRIDGE = "br0"\nGATEWAY = "192.168.150.1"\nNETWORK_MASK = "255.255.255.0"\nDNS = "192.168.150.2"\nAR = [ TYPE = "IP4", IP = "192.168.150.100", SIZE = "10" ]';

/** A VM template using image `imageId` and network `netId`. */
export function vmTemplate(name: string, imageId: number | null, netId: number | null, extra = ""): string {
  const lines = [`NAME = "${name}"`, 'CPU = "1"', 'MEMORY = "512"', 'VCPU = "2"'];
  if (imageId !== null) lines.push(`DISK = [ IMAGE_ID = "${imageId}" ]`);
  if (netId !== null) lines.push(`NIC = [ NETWORK_ID = "${netId}" ]`);
  lines.push('CONTEXT = [ NETWORK = "YES", SSH_PUBLIC_KEY = "ssh-ed25519 AAAA test" ]');
  lines.push('GRAPHICS = [ TYPE = "VNC", LISTEN = "0.0.0.0" ]');
  lines.push('LABELS = "hyperplan"');
  lines.push('HYPERPLAN_STACK = "lab"');
  if (extra) lines.push(extra);
  return lines.join("\n");
}
