/**
 * A bare caller of the simulated panel for its own tests: `fetch` with HTTP Basic auth and a small
 * XML reader written here (neither hyperplan's OpenVZ client nor its parser).
 */
import { startOpenVzSimulator, type OpenVzSimulatorOptions, type RunningOpenVzSimulator } from "../../../src/sim/openvz/index";

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith("#x")) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name] ?? whole;
  });
}

/** Parses a whole document (the declaration skipped); throws on anything malformed. */
export function parseXml(doc: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`bad XML at ${i}: ${why}\n${doc}`);
  };
  const skipSpace = () => {
    while (i < doc.length && /\s/.test(doc[i] as string)) i++;
  };
  if (doc.startsWith("<?xml")) {
    i = doc.indexOf("?>") + 2;
    if (i < 2) fail("unterminated declaration");
  }
  const element = (): XmlElement => {
    skipSpace();
    if (doc[i] !== "<") fail("expected <");
    i++;
    const name = /^[A-Za-z_][\w.-]*/.exec(doc.slice(i))?.[0] ?? fail("expected a name");
    i += name.length;
    const attrs: Record<string, string> = {};
    for (;;) {
      skipSpace();
      if (doc.startsWith("/>", i)) {
        i += 2;
        return { name, attrs, children: [], text: "" };
      }
      if (doc[i] === ">") {
        i++;
        break;
      }
      const m = /^([\w:-]+)="([^"]*)"/.exec(doc.slice(i)) ?? fail("bad attribute");
      attrs[m[1] as string] = decodeEntities(m[2] as string);
      i += m[0].length;
    }
    const children: XmlElement[] = [];
    let text = "";
    for (;;) {
      if (doc.startsWith(`</${name}>`, i)) {
        i += name.length + 3;
        return { name, attrs, children, text: children.length > 0 ? "" : decodeEntities(text) };
      }
      if (i >= doc.length) fail(`unterminated <${name}>`);
      if (doc[i] === "<") {
        if (doc[i + 1] === "/") fail(`mismatched close inside <${name}>`);
        children.push(element());
      } else {
        text += doc[i];
        i++;
      }
    }
  };
  const root = element();
  skipSpace();
  if (i !== doc.length) fail("content after the root");
  return root;
}

export type Value = string | number | boolean | null;

/** A leaf's value as its `type` and `nil` say. */
export function leafValue(el: XmlElement): Value {
  if (el.attrs.nil === "true") return null;
  if (el.attrs.type === "integer") return Number(el.text);
  if (el.attrs.type === "boolean") return el.text === "true";
  return el.text;
}

/** A row element (`<virtual_server>…`) as an object of its leaves. */
export function record(el: XmlElement): Record<string, Value> {
  return Object.fromEntries(el.children.map((c) => [c.name, leafValue(c)]));
}

export function child(el: XmlElement, name: string): XmlElement {
  const found = el.children.find((c) => c.name === name);
  if (!found) throw new Error(`no <${name}> in <${el.name}>`);
  return found;
}

export interface Reply {
  status: number;
  headers: Headers;
  body: string;
  xml: XmlElement | null;
}

/** A caller logged in as one account. */
export class PanelApi {
  constructor(
    readonly url: string,
    readonly login = "admin",
    readonly password = "admin",
  ) {}

  as(login: string, password: string): PanelApi {
    return new PanelApi(this.url, login, password);
  }

  /** GETs `api/<path>` with `params` in the query string, or POSTs them form-encoded. */
  async raw(path: string, params: Record<string, string | number> = {}, method: "GET" | "POST" = "GET", auth = true): Promise<Reply> {
    const search = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
    const headers: Record<string, string> = auth ? { Authorization: `Basic ${Buffer.from(`${this.login}:${this.password}`).toString("base64")}` } : {};
    const target = `${this.url}api/${path}`;
    const res =
      method === "GET"
        ? await fetch(`${target}${search.size > 0 ? `?${search}` : ""}`, { headers })
        : await fetch(target, { method: "POST", headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" }, body: search.toString() });
    const body = await res.text();
    return { status: res.status, headers: res.headers, body, xml: res.status === 200 && body.startsWith("<?xml") ? parseXml(body) : null };
  }

  /** The answer's root element (HTTP 200 required). */
  async call(path: string, params: Record<string, string | number> = {}, method: "GET" | "POST" = "GET"): Promise<XmlElement> {
    const reply = await this.raw(path, params, method);
    if (reply.status !== 200 || !reply.xml) throw new Error(`HTTP ${reply.status}: ${reply.body}`);
    return reply.xml;
  }

  /** A `<result>`: its status, the id of a save, the validation errors. */
  async result(path: string, params: Record<string, string | number> = {}, method: "GET" | "POST" = "GET"): Promise<{ status: boolean; id?: number; errors?: Array<[string, string]> }> {
    const root = await this.call(path, params, method);
    if (root.name !== "result") throw new Error(`expected <result>, got ${render(root)}`);
    const status = leafValue(child(root, "status")) as boolean;
    const details = root.children.find((c) => c.name === "details");
    if (!details) return { status };
    if (details.attrs.type === "array") return { status, errors: details.children.map((d) => [child(d, "field").text, child(d, "error").text]) };
    return { status, id: leafValue(child(details, "id")) as number };
  }

  /** An `<error>`: code, message and details (undefined when absent). */
  async error(path: string, params: Record<string, string | number> = {}, method: "GET" | "POST" = "GET"): Promise<{ code: string; message: string; details?: string }> {
    const root = await this.call(path, params, method);
    if (root.name !== "error") throw new Error(`expected <error>, got ${render(root)}`);
    const details = root.children.find((c) => c.name === "details");
    return { code: child(root, "code").text, message: child(root, "message").text, ...(details ? { details: details.text } : {}) };
  }

  async server(id: number): Promise<Record<string, Value>> {
    const root = await this.call("virtual_servers/get", { id });
    if (root.name !== "virtual_server") throw new Error(`expected <virtual_server>, got ${render(root)}`);
    return record(root);
  }

  async list(path: string, params: Record<string, string | number> = {}): Promise<Array<Record<string, Value>>> {
    const root = await this.call(path, params);
    if (root.attrs.type !== "array") throw new Error(`expected an array, got ${render(root)}`);
    return root.children.map(record);
  }

  /** Creates on node 1 from vps.basic and centos-7 unless `params` say otherwise; the new id. */
  async create(params: Record<string, string | number> = {}): Promise<number> {
    const r = await this.result("virtual_servers/create", { hardware_server_id: 1, orig_os_template: "centos-7-x86_64", orig_server_template: "vps.basic", ...params }, "POST");
    if (!r.status || r.id === undefined) throw new Error(`create failed: ${JSON.stringify(r)}`);
    return r.id;
  }
}

function render(el: XmlElement): string {
  return `<${el.name}>${el.text}${el.children.map((c) => c.name).join(",")}`;
}

/** A simulator (instant delays unless said) and a superadmin caller. */
export async function started(options: OpenVzSimulatorOptions = {}): Promise<{ sim: RunningOpenVzSimulator; api: PanelApi }> {
  const sim = await startOpenVzSimulator({ delays: "instant", ...options });
  return { sim, api: new PanelApi(sim.url) };
}
