import { request } from "node:http";
import { decodeResponse, encodeCall, type XmlRpcValue, type XmlRpcStruct } from "../../../src/xmlrpc/index";
import { startGandiSimulator, type GandiSimulatorOptions, type RunningGandiSimulator } from "../../../src/sim/gandi/index";

export const LOGIN = "AA1234-GANDI";
export const PASSWORD = "gandi";

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

/** Fixed, jitter-free delays: 1 s in the queue, then 5 s per VM operation and 2 s per disk or product one. */
export const STEADY = { preset: "fast", jitter: 0, queue: 1000, vmCreate: 5000, vmUpdate: 5000, vmDelete: 5000, vmStart: 5000, vmStop: 5000, vmReboot: 5000, diskCreate: 2000, diskDelete: 2000, diskAttach: 2000, diskDetach: 2000, product: 2000 } as const;

export interface RawReply {
  status: number;
  contentType: string | undefined;
  body: string;
}

/** POSTs a raw body to `path` of the simulator's origin. */
export function post(url: string, body: string, path = "/hosting/", method = "POST"): Promise<RawReply> {
  const target = new URL(path, url);
  return new Promise((resolve, reject) => {
    const req = request(target, { method, headers: { "Content-Type": "text/xml" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"], body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

export class Fault extends Error {
  constructor(
    readonly code: number,
    readonly faultString: string,
  ) {
    super(`${code} ${faultString}`);
  }
}

/** A bare XML-RPC caller: `call` answers the value or throws a Fault. */
export class Api {
  session = "";

  constructor(
    readonly url: string,
    readonly path = "/hosting/",
  ) {}

  async raw(method: string, params: XmlRpcValue[]): Promise<{ fault: false; value: XmlRpcValue } | { fault: true; code: number; message: string }> {
    const reply = await post(this.url, encodeCall(method, params), this.path);
    if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.body}`);
    return decodeResponse(reply.body);
  }

  async call<T = XmlRpcValue>(method: string, ...params: XmlRpcValue[]): Promise<T> {
    const answer = await this.raw(method, params);
    if (answer.fault) throw new Fault(answer.code, answer.message);
    return answer.value as T;
  }

  /** Calls with the session first. */
  s<T = XmlRpcValue>(method: string, ...params: XmlRpcValue[]): Promise<T> {
    return this.call<T>(method, this.session, ...params);
  }

  /** The fault a session call fails with (fails the test when it succeeds). */
  async fault(method: string, ...params: XmlRpcValue[]): Promise<Fault> {
    try {
      await this.s(method, ...params);
    } catch (error) {
      if (error instanceof Fault) return error;
      throw error;
    }
    throw new Error(`${method} succeeded`);
  }

  async login(login = LOGIN, password = PASSWORD): Promise<string> {
    this.session = await this.call<string>("login", login, password);
    return this.session;
  }

  op(id: number): Promise<XmlRpcStruct> {
    return this.s<XmlRpcStruct>("operation_details", id);
  }
}

/** A simulator and a logged-in caller. */
export async function started(options: GandiSimulatorOptions = {}): Promise<{ sim: RunningGandiSimulator; api: Api }> {
  const sim = await startGandiSimulator({ delays: "instant", ...options });
  const api = new Api(sim.url);
  await api.login();
  return { sim, api };
}
