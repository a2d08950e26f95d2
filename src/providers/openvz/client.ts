/**
 * A client of the OpenVZ Web Panel's remote API (seed 004, FACTS §3): `POST /api/<controller>/<action>`
 * with the parameters form-encoded, HTTP Basic auth on every call (no sessions), XML answers.
 *
 * The panel's lifecycle calls are synchronous: the HTTP call runs vzctl on the hardware server and
 * answers when it is done (FACTS §3.3), a create or a reinstall in minutes. Each call has a timeout for
 * its kind (`OWP_TIMEOUTS`). A call that changes something is never sent twice by this client: when its
 * answer is lost, the caller decides (a create looks its container up by the stack's mark first).
 * Reads may be sent again on a fresh socket (the kit's transport).
 *
 * Parameters go in the body, never in the URL, so a password is never part of a logged URL; errors
 * are built from the call's name and the panel's words only.
 */
import { Transport, TransportError } from "../kit/http-transport.js";
import type { OpenVzConfig, OwpCredentials } from "./config.js";
import { OwpApiError, OwpAuthError, OwpCallFailed, OwpValidationError, type FieldProblem } from "./errors.js";
import { hardwareServerOf, OwpProtocolError, templateOf, userOf, virtualServerOf, type OwpHardwareServer, type OwpTemplate, type OwpUser, type OwpVirtualServer } from "./records.js";
import { child, parseXml, XmlSyntaxError, type XmlElement } from "./xml.js";

export type CallKind = "read" | "create" | "change" | "power";

/**
 * How long each kind of call may take (ms). A create runs `vzctl create` (an OS template unpacked)
 * and a reinstall destroys and creates again: half an hour. Changes, starts, stops and deletes run
 * one or a few vzctl commands: ten minutes. Reads touch only the panel's database: a minute.
 */
export const OWP_TIMEOUTS: Readonly<Record<CallKind, number>> = { read: 60_000, create: 30 * 60_000, change: 10 * 60_000, power: 10 * 60_000 };

export interface OwpClientOptions {
  /** The panel's base URL, ending in `/`. */
  url: string;
  credentials: OwpCredentials;
  ca?: string;
  rejectUnauthorized?: boolean;
  timeouts?: Partial<Record<CallKind, number>>;
}

/** A create's or update's parameters, as the panel's form names them. */
export type OwpParams = Record<string, string | number | boolean | undefined>;

export class OwpClient {
  readonly endpoint: string;
  readonly user: string;
  private readonly transport: Transport;
  private readonly base: URL;
  private readonly timeouts: Record<CallKind, number>;
  private readonly counts = new Map<string, number>();

  constructor(options: OwpClientOptions) {
    this.endpoint = options.url;
    this.user = options.credentials.user;
    this.base = new URL(options.url);
    this.timeouts = { ...OWP_TIMEOUTS, ...(options.timeouts ?? {}) };
    this.transport = new Transport({
      endpoint: options.url,
      server: "the panel",
      contentType: "application/x-www-form-urlencoded",
      headers: { Authorization: options.credentials.basicAuth(), Accept: "application/xml" },
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      ...(options.rejectUnauthorized !== undefined ? { rejectUnauthorized: options.rejectUnauthorized } : {}),
      timeoutMs: this.timeouts.read,
    });
  }

  static fromConfig(config: OpenVzConfig, extra: { ca?: string; timeouts?: Partial<Record<CallKind, number>> } = {}): OwpClient {
    return new OwpClient({ url: config.url, credentials: config.credentials, rejectUnauthorized: config.rejectUnauthorized, ...extra });
  }

  /** Calls made so far, by `<controller>/<action>`. */
  callCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** How long a call of this kind may take, for a progress line. */
  timeoutOf(kind: CallKind): number {
    return this.timeouts[kind];
  }

  /** The answer's text, for readers that cut it before decoding (reader.ts). */
  async text(controller: string, action: string, params: OwpParams, kind: CallKind): Promise<string> {
    const call = `${controller}/${action}`;
    this.counts.set(call, (this.counts.get(call) ?? 0) + 1);
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) body.set(k, typeof v === "boolean" ? (v ? "1" : "0") : String(v));
    try {
      return await this.transport.post(call, body.toString(), kind === "read", { path: `${this.base.pathname}api/${call}`, timeoutMs: this.timeouts[kind] });
    } catch (error) {
      if (error instanceof TransportError && error.status === 401) throw new OwpAuthError(this.endpoint, this.user);
      throw error;
    }
  }

  /** One call; its answer's root element, with `<error>` and refusals thrown as typed errors. */
  async call(controller: string, action: string, params: OwpParams, kind: CallKind): Promise<XmlElement> {
    const call = `${controller}/${action}`;
    return answerOf(call, await this.text(controller, action, params, kind));
  }

  // Reads --------------------------------------------------------------------------------------

  async hardwareServers(): Promise<OwpHardwareServer[]> {
    return listOf(await this.call("hardware_servers", "list", {}, "read"), "hardware_servers", "hardware_server").map(hardwareServerOf);
  }

  async osTemplates(hardwareServerId: number): Promise<OwpTemplate[]> {
    return listOf(await this.call("hardware_servers", "os_templates", { id: hardwareServerId }, "read"), "os_templates", "os_template").map(templateOf);
  }

  async serverTemplates(hardwareServerId: number): Promise<OwpTemplate[]> {
    return listOf(await this.call("hardware_servers", "server_templates", { id: hardwareServerId }, "read"), "server_templates", "server_template").map(templateOf);
  }

  async virtualServersOf(hardwareServerId: number): Promise<OwpVirtualServer[]> {
    return listOf(await this.call("hardware_servers", "virtual_servers", { id: hardwareServerId }, "read"), "virtual_servers", "virtual_server").map(virtualServerOf);
  }

  async virtualServer(id: number): Promise<OwpVirtualServer> {
    const root = await this.call("virtual_servers", "get", { id }, "read");
    if (root.name !== "virtual_server") throw new OwpProtocolError(`virtual_servers/get answered <${root.name}>, not <virtual_server>`);
    return virtualServerOf(root);
  }

  async users(): Promise<OwpUser[]> {
    return listOf(await this.call("users", "list", {}, "read"), "users", "user").map(userOf);
  }

  // Writes -------------------------------------------------------------------------------------

  /** `virtual_servers/create`: the new container's id, once vzctl made it. */
  async createVirtualServer(params: OwpParams): Promise<number> {
    return idOf("virtual_servers/create", await this.call("virtual_servers", "create", params, "create"));
  }

  async updateVirtualServer(id: number, params: OwpParams): Promise<void> {
    await this.call("virtual_servers", "update", { ...params, id }, "change");
  }

  async start(id: number): Promise<void> {
    await this.call("virtual_servers", "start", { id }, "power");
  }

  async stop(id: number): Promise<void> {
    await this.call("virtual_servers", "stop", { id }, "power");
  }

  async restart(id: number): Promise<void> {
    await this.call("virtual_servers", "restart", { id }, "power");
  }

  async deleteVirtualServer(id: number): Promise<void> {
    await this.call("virtual_servers", "delete", { id }, "power");
  }

  /** `virtual_servers/reinstall`: the container made again from `osTemplate` (its own when absent), identity and IPs kept. */
  async reinstall(id: number, password: string, osTemplate?: string): Promise<void> {
    await this.call("virtual_servers", "reinstall", { id, password, ...(osTemplate !== undefined ? { orig_os_template: osTemplate } : {}) }, "create");
  }

  async createUser(params: OwpParams): Promise<number> {
    return idOf("users/create", await this.call("users", "create", params, "change"));
  }

  async deleteUser(id: number): Promise<void> {
    await this.call("users", "delete", { id }, "change");
  }

  close(): Promise<void> {
    this.transport.close();
    return Promise.resolve();
  }
}

/** The root of an answer, or the typed error it stands for (FACTS §3.2, §3.4). */
export function answerOf(call: string, text: string): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw new OwpProtocolError(`${call} answered something that is not XML (${error.message})`);
    throw error;
  }
  if (root.name === "error") {
    const code = child(root, "code")?.text.trim() ?? "unknown_error";
    const message = child(root, "message")?.text.trim() ?? "";
    const details = child(root, "details");
    throw new OwpApiError(call, code, message, details === undefined ? undefined : details.text.trim() || undefined);
  }
  if (root.name === "result") {
    const status = child(root, "status")?.text.trim();
    if (status === "true") return root;
    if (status !== "false") throw new OwpProtocolError(`${call} answered a <result> whose status is ${JSON.stringify(status)}`);
    const problems: FieldProblem[] = (child(root, "details")?.children ?? [])
      .filter((d) => d.name === "detail")
      .map((d) => ({ field: child(d, "field")?.text.trim() ?? "?", error: child(d, "error")?.text.trim() ?? "" }));
    if (problems.length > 0) throw new OwpValidationError(call, problems);
    throw new OwpCallFailed(call);
  }
  return root;
}

function listOf(root: XmlElement, list: string, item: string): XmlElement[] {
  if (root.name !== list) throw new OwpProtocolError(`expected <${list}>, the panel answered <${root.name}>`);
  return root.children.filter((c) => c.name === item);
}

function idOf(call: string, result: XmlElement): number {
  const id = child(child(result, "details") ?? result, "id");
  const text = id?.text.trim() ?? "";
  if (!/^\d+$/.test(text)) throw new OwpProtocolError(`${call} succeeded without the new object's id`);
  return Number(text);
}
