import { request } from "node:http";
import { decodeResponse, encodeCall, type XmlRpcValue } from "../../../src/xmlrpc/index";
import { startXenServerSimulator, type RunningXenServerSimulator, type XenServerSimulatorOptions } from "../../../src/sim/xenserver/index";

export const USER = "root";
export const PASSWORD = "xenserver";

/** A clock the test moves by hand. */
export function fakeClock(start = Date.UTC(2026, 0, 15, 9, 0, 0)): { now(): number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

export interface RawReply {
  status: number;
  contentType: string | undefined;
  body: string;
}

/** POSTs a raw body to `url` + `path`. */
export function post(url: string, body: string, path = "/", contentType = "text/xml", method = "POST"): Promise<RawReply> {
  const target = new URL(path, url);
  return new Promise((resolve, reject) => {
    const req = request(target, { method, headers: { "Content-Type": contentType } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"], body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

export type Answer = { ok: true; value: XmlRpcValue } | { ok: false; error: string[] };

/** A bare XML-RPC caller that unwraps xapi's Status/Value struct. */
export class Xen {
  session = "";

  constructor(
    readonly url: string,
    readonly path = "/",
  ) {}

  async raw(method: string, params: XmlRpcValue[]): Promise<{ reply: RawReply; value: XmlRpcValue }> {
    const reply = await post(this.url, encodeCall(method, params, { style: "xapi" }), this.path);
    if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.body}`);
    const decoded = decodeResponse(reply.body);
    if (decoded.fault) throw new Error(`fault ${decoded.code}: ${decoded.message}`);
    return { reply, value: decoded.value };
  }

  async answer(method: string, ...params: XmlRpcValue[]): Promise<Answer> {
    const { value } = await this.raw(method, params);
    const struct = value as { Status: string; Value?: XmlRpcValue; ErrorDescription?: string[] };
    if (struct.Status === "Success") return { ok: true, value: struct.Value as XmlRpcValue };
    return { ok: false, error: struct.ErrorDescription as string[] };
  }

  async login(user = USER, password = PASSWORD): Promise<string> {
    const a = await this.answer("session.login_with_password", user, password, "2.3", "hyperplan-test");
    if (!a.ok) throw new Error(`login failed: ${a.error.join(" ")}`);
    this.session = a.value as string;
    return this.session;
  }

  /** Calls with the session first and expects success. */
  async ok(method: string, ...params: XmlRpcValue[]): Promise<any> {
    const a = await this.answer(method, this.session, ...params);
    if (!a.ok) throw new Error(`${method} failed: ${a.error.join(" ")}`);
    return a.value;
  }

  /** Calls with the session first and expects a failure; returns its ErrorDescription. */
  async fail(method: string, ...params: XmlRpcValue[]): Promise<string[]> {
    const a = await this.answer(method, this.session, ...params);
    if (a.ok) throw new Error(`${method} unexpectedly succeeded: ${JSON.stringify(a.value)}`);
    return a.error;
  }

  /** The first object of `cls` named `name`. */
  async byName(cls: string, name: string): Promise<string> {
    const refs = (await this.ok(`${cls}.get_by_name_label`, name)) as string[];
    if (refs.length === 0) throw new Error(`no ${cls} named ${name}`);
    return refs[0] as string;
  }

  /** Waits for an Async task to leave pending (polling task.get_record) and returns its record. */
  async waitTask(task: string, timeoutMs = 10_000): Promise<Record<string, any>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await this.ok("task.get_record", task);
      if (record.status !== "pending" && record.status !== "cancelling") return record;
      if (Date.now() > deadline) throw new Error(`task ${task} still ${record.status}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

/** A JSON-RPC caller (v2 unless told v1). */
export async function jsonCall(url: string, method: string, params: unknown[], version: "1.0" | "2.0" = "2.0", id: unknown = 7): Promise<{ reply: RawReply; body: any }> {
  const request = version === "2.0" ? { jsonrpc: "2.0", method, params, id } : { method, params, id };
  const reply = await post(url, JSON.stringify(request), "/jsonrpc", "application/json");
  return { reply, body: reply.status === 200 ? JSON.parse(reply.body) : undefined };
}

export async function withSim<T>(options: XenServerSimulatorOptions, body: (xen: Xen, sim: RunningXenServerSimulator) => Promise<T>): Promise<T> {
  const sim = await startXenServerSimulator({ port: 0, delays: "instant", ...options });
  try {
    const xen = new Xen(sim.url);
    await xen.login();
    return await body(xen, sim);
  } finally {
    await sim.close();
  }
}

/** Clones the cloud template, makes it a VM and returns its ref. */
export async function newVm(xen: Xen, name: string, template = "debian-12-cloud"): Promise<string> {
  const tpl = await xen.byName("VM", template);
  const vm = (await xen.ok("VM.clone", tpl, name)) as string;
  await xen.ok("VM.set_is_a_template", vm, false);
  return vm;
}
