/**
 * The Gandi hosting API client: one session per run, every call with the session first, typed
 * records, and a resend policy that never makes a write happen twice.
 *
 * Session (FACTS §2.1): the first call logs in with `login(login, password)`; calls that start
 * together share that one login. A session lasts 12 h and the API has no call to refresh it or to log
 * out, so `close()` only closes the sockets. A call refused because its session is no longer good
 * (errors.ts `isSessionFault`: a data fault naming the `session` element, or one on object 001,
 * authentication, naming no element)
 * logs in again and is sent once more: the session is the first thing the API checks, so the refused
 * call did nothing. The same refusal a second time is the caller's error.
 *
 * Resending (the kit's TransportError says whether the server may have acted): a call whose request
 * never reached the server (refused, no such host, TLS) is sent once more, whatever it does; one that
 * may have reached it (a reset, a timeout, a broken answer) is sent once more only when it is a read
 * (READ_METHODS) or the login. A write is then left to its caller, who looks for its effect first.
 * Anything past that one resend (backoff, the retry timeout) is the Retrier's, above this client.
 *
 * The password, the session ids and the root passwords given to vm_create live in private fields
 * only, out of reach of JSON.stringify and util.inspect, and every text of the server an error or a
 * record quotes goes through `redact` first (a DataError quotes the value it refused:
 * `[password: 123456]`).
 */
import { hasErrorCode } from "../../errors.js";
import { decodeResponse, encodeCall, type XmlRpcParseError, type XmlRpcStruct, type XmlRpcValue } from "../../xmlrpc/index.js";
import { Transport, TransportError, printableEndpoint } from "../kit/http-transport.js";
import { GandiConfigError, parseEndpoint, type GandiConfig } from "./config.js";
import { GandiClientClosedError, GandiProtocolError, faultError, isGandiFault, isSessionFault } from "./errors.js";
import { describeValue, type WireValue } from "./field-types.js";
import {
  decodeDisk,
  decodeHostingAccount,
  decodeId,
  decodeIds,
  decodeOperation,
  decodeOsList,
  decodeVm,
  type DiskFsType,
  type GandiDisk,
  type GandiHostingAccount,
  type GandiOperation,
  type GandiOs,
  type GandiVm,
  type OperationFilterState,
} from "./records.js";

/**
 * The calls that only read, so sending one twice is harmless: the seed's getters and lists. Every
 * other method of the API creates an operation or an object (`vm_create`, `disk_attach`,
 * `hosting_account_product_add`, `vm_disk_link` …) or cancels one.
 */
export const READ_METHODS: ReadonlySet<string> = new Set([
  "vm_list",
  "vm_info",
  "vm_disk_list",
  "disk_list",
  "disk_info",
  "os_list",
  "hosting_account_info",
  "account_currency",
  "account_balance",
  "operation_list",
  "operation_details",
]);

/** True for a call that may be sent again after its answer was lost. */
export function isReadCall(method: string): boolean {
  return READ_METHODS.has(method);
}

/** One more attempt after a transport failure the policy allows (see the top of this file). */
const RESENDS = 1;

/** The wire under the client: the kit's Transport, or a wrapper of it. */
export interface GandiTransport {
  post(method: string, body: string, idempotent: boolean): Promise<string>;
  close(): void;
}

export interface GandiClientOptions {
  /** The endpoint calls are POSTed to (`https://api.gandi.net/hosting/`), or a bare host name. */
  url: string;
  login: string;
  password: string;
  /** PEM certificate authority of the endpoint's TLS certificate. */
  ca?: string | Buffer;
  /** False accepts any certificate; an explicit opt-out. */
  rejectUnauthorized?: boolean;
  /** Per call, from sending to the last byte (default: the kit's, 120 s). */
  timeoutMs?: number;
  maxSockets?: number;
  /** Makes the wire from the endpoint (default: the kit's Transport). */
  transport?: (endpoint: string) => GandiTransport;
}

/** `vm_create`'s parameters after the session (seed): the root password is sent, never kept in a record. */
export interface GandiVmCreate {
  hostname: string;
  /** The root (or user) account's password. */
  password: string;
  os_id: number;
  shares: number;
  cpu: number;
  /** Creates a user account of this name (`specs.login`). */
  login?: string;
}

/** `vm_update`'s specs (seed): only what is given changes. */
export interface GandiVmUpdate {
  shares?: number;
  cpu?: number;
  /** MB the VM may be given without a reboot. */
  vm_max_memory?: number;
}

/** `disk_create`'s specs (seed). */
export interface GandiDiskCreate {
  /** MB. */
  size: number;
  name: string;
  fstype: DiskFsType;
}

/** `operation_list`'s filter (seed): every field narrows the list. */
export interface GandiOperationFilter {
  type?: string;
  state?: OperationFilterState;
  created_after?: Date;
  created_before?: Date;
  updated_after?: Date;
  updated_before?: Date;
}

type Answer = { ok: true; value: WireValue } | { ok: false; code: number; text: string };

/** Sockets to the endpoint: the plan reads every object's info ten at a time (reader.ts). */
const GANDI_SOCKETS = 10;

export class GandiClient {
  /** The endpoint as messages print it (no user or password). */
  readonly endpoint: string;
  readonly #login: string;
  readonly #password: string;
  readonly #transport: GandiTransport;
  #session: string | undefined;
  #loggingIn: Promise<string> | undefined;
  /** Every secret this client sent or was given (sessions, root passwords), so none is ever quoted back. */
  readonly #secrets = new Set<string>();
  #closed = false;

  constructor(options: GandiClientOptions) {
    const url = parseEndpoint(options.url, "the Gandi client's url");
    url.username = "";
    url.password = "";
    this.endpoint = printableEndpoint(url.toString());
    this.#login = options.login;
    this.#password = options.password;
    if (options.login === "") throw new GandiConfigError("the Gandi client needs an account handle to log in with");
    this.#transport = options.transport
      ? options.transport(url.toString())
      : new Transport({
          endpoint: url.toString(),
          server: "the Gandi API",
          contentType: "text/xml",
          ...(options.ca !== undefined ? { ca: options.ca } : {}),
          ...(options.rejectUnauthorized !== undefined ? { rejectUnauthorized: options.rejectUnauthorized } : {}),
          ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
          // As many sockets as the reader has calls in flight (the transport's default is 8).
          maxSockets: options.maxSockets ?? GANDI_SOCKETS,
        });
  }

  /** A client for a resolved configuration (settings or environment); `ca` is the CA file's text. */
  static fromConfig(config: GandiConfig, options: Omit<GandiClientOptions, "url" | "login" | "password" | "rejectUnauthorized"> = {}): GandiClient {
    return new GandiClient({
      ...options,
      url: config.url,
      login: config.credentials.login,
      password: config.credentials.reveal(),
      rejectUnauthorized: config.rejectUnauthorized,
    });
  }

  /** Logs in now rather than at the first call (a login failure then comes first). */
  async connect(): Promise<void> {
    await this.#currentSession("login");
  }

  /** Calls `method` with the session first; resolves with its value as the codec decoded it. */
  async call(method: string, ...params: XmlRpcValue[]): Promise<WireValue> {
    if (method === "login") throw new GandiProtocolError(method, "the client logs in by itself; login is not made through call()");
    let renewed = false;
    for (;;) {
      const session = await this.#currentSession(method);
      if (this.#closed) throw new GandiClientClosedError(method);
      const answer = await this.#send(method, [session, ...params]);
      if (answer.ok) return answer.value;
      const error = faultError(method, answer.code, this.redact(answer.text));
      if (isGandiFault(error) && isSessionFault(error) && !renewed) {
        renewed = true;
        this.#forget(session);
        continue;
      }
      throw error;
    }
  }

  // Reads.

  /** `vm_list`: the ids of the account's VMs. */
  async vmList(): Promise<number[]> {
    return decodeIds(await this.call("vm_list"), "vm_list");
  }

  async vmInfo(vmId: number): Promise<GandiVm> {
    return decodeVm(await this.call("vm_info", checkId("vm_info", "vm_id", vmId)), "vm_info", vmId);
  }

  /** `disk_list`: the ids of the account's disks. */
  async diskList(): Promise<number[]> {
    return decodeIds(await this.call("disk_list"), "disk_list");
  }

  async diskInfo(diskId: number): Promise<GandiDisk> {
    return decodeDisk(await this.call("disk_info", checkId("disk_info", "disk_id", diskId)), "disk_info", diskId);
  }

  /** `os_list`: the OS images a VM can be created from. */
  async osList(): Promise<GandiOs[]> {
    return decodeOsList(await this.call("os_list"), "os_list");
  }

  async hostingAccountInfo(): Promise<GandiHostingAccount> {
    return decodeHostingAccount(await this.call("hosting_account_info"), "hosting_account_info");
  }

  /** `operation_list`: the ids of the last 300 operations matching `filter` (seed). */
  async operationList(filter: GandiOperationFilter = {}): Promise<number[]> {
    const wire: XmlRpcStruct = {};
    for (const [key, value] of Object.entries(filter) as [keyof GandiOperationFilter, string | Date | undefined][]) {
      if (value === undefined) continue;
      // Whole seconds: the API's dates are `YYYYMMDDTHH:MM:SS` (FACTS §2.5), with no fraction.
      wire[key] = value instanceof Date ? new Date(Math.floor(value.getTime() / 1000) * 1000) : value;
    }
    const params = Object.keys(wire).length === 0 ? [] : [wire];
    return decodeIds(await this.call("operation_list", ...params), "operation_list");
  }

  /** `operation_details`; an ERROR operation's `comment` comes redacted. */
  async operationDetails(opId: number): Promise<GandiOperation> {
    const op = decodeOperation(await this.call("operation_details", checkId("operation_details", "opid", opId)), "operation_details", opId);
    return op.comment === undefined ? op : { ...op, comment: this.redact(op.comment) };
  }

  // Writes: each creates an operation and returns its id, except the creates, which return the new object's id.

  /** `vm_create`: the new VM's id (its `vm_create` operation is queued; operation_list finds it). */
  async vmCreate(spec: GandiVmCreate): Promise<number> {
    const method = "vm_create";
    if (spec.password !== "") this.#secrets.add(spec.password);
    const specs: XmlRpcStruct = spec.login === undefined ? {} : { login: spec.login };
    const value = await this.call(method, spec.hostname, spec.password, int(method, "os_id", spec.os_id), int(method, "shares", spec.shares), int(method, "cpu", spec.cpu), specs);
    return decodeId(value, method, "the new VM's id");
  }

  async vmUpdate(vmId: number, spec: GandiVmUpdate): Promise<number> {
    const method = "vm_update";
    const specs: XmlRpcStruct = {};
    if (spec.shares !== undefined) specs.shares = int(method, "shares", spec.shares);
    if (spec.cpu !== undefined) specs.cpu = int(method, "cpu", spec.cpu);
    if (spec.vm_max_memory !== undefined) specs.vm_max_memory = int(method, "vm_max_memory", spec.vm_max_memory);
    return decodeId(await this.call(method, checkId(method, "vm_id", vmId), specs), method, "an operation id");
  }

  async vmStart(vmId: number): Promise<number> {
    return this.#vmOperation("vm_start", vmId);
  }

  async vmStop(vmId: number): Promise<number> {
    return this.#vmOperation("vm_stop", vmId);
  }

  async vmReboot(vmId: number): Promise<number> {
    return this.#vmOperation("vm_reboot", vmId);
  }

  /** `vm_delete`: the VM must be stopped (seed). */
  async vmDelete(vmId: number): Promise<number> {
    return this.#vmOperation("vm_delete", vmId);
  }

  /** `disk_create`: the new disk's id. */
  async diskCreate(spec: GandiDiskCreate): Promise<number> {
    const method = "disk_create";
    const value = await this.call(method, { size: int(method, "size", spec.size), name: spec.name, fstype: spec.fstype });
    return decodeId(value, method, "the new disk's id");
  }

  async diskAttach(diskId: number, vmId: number): Promise<number> {
    const method = "disk_attach";
    return decodeId(await this.call(method, checkId(method, "disk_id", diskId), checkId(method, "vm_id", vmId)), method, "an operation id");
  }

  async diskDetach(diskId: number, vmId: number): Promise<number> {
    const method = "disk_detach";
    return decodeId(await this.call(method, checkId(method, "disk_id", diskId), checkId(method, "vm_id", vmId)), method, "an operation id");
  }

  async diskDelete(diskId: number): Promise<number> {
    const method = "disk_delete";
    return decodeId(await this.call(method, checkId(method, "disk_id", diskId)), method, "an operation id");
  }

  /** `operation_cancel`: true when the API cancelled it (seed: "will return True"). */
  async operationCancel(opId: number): Promise<boolean> {
    const method = "operation_cancel";
    const value = await this.call(method, checkId(method, "opid", opId));
    if (typeof value !== "boolean") throw new GandiProtocolError(method, `expected a boolean, got ${describeValue(value)}`);
    return value;
  }

  /**
   * Closes the sockets; later calls fail with GandiClientClosedError. There is no logout to send
   * (FACTS §2.1): the session expires by itself. Safe to call more than once.
   */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#session = undefined;
      this.#transport.close();
    }
    return Promise.resolve();
  }

  /** `text` with the password, every session id and every root password of this client blanked out. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join("(hidden)");
    if (this.#password !== "") out = out.split(this.#password).join("(password)");
    // The value a DataError quotes for a secret element, in whatever form the server wrote it.
    return out.replace(/\[(password|session)(\s*:\s*)[^\]]*\]/gi, "[$1$2(hidden)]");
  }

  async #vmOperation(method: string, vmId: number): Promise<number> {
    return decodeId(await this.call(method, checkId(method, "vm_id", vmId)), method, "an operation id");
  }

  #currentSession(method: string): Promise<string> {
    if (this.#closed) return Promise.reject(new GandiClientClosedError(method));
    if (this.#session !== undefined) return Promise.resolve(this.#session);
    // Calls that start together share one login.
    this.#loggingIn ??= this.#logIn().finally(() => {
      this.#loggingIn = undefined;
    });
    return this.#loggingIn;
  }

  async #logIn(): Promise<string> {
    const method = "login";
    // Safe mode left at its default: the hosting API documents no `su` (FACTS §2.1).
    const answer = await this.#send(method, [this.#login, this.#password]);
    if (!answer.ok) throw faultError(method, answer.code, this.redact(answer.text));
    // Whatever came back is not quoted: it may be a session in a form not recognised.
    if (typeof answer.value !== "string" || answer.value === "") throw new GandiProtocolError(method, "the login's answer is not a session id (a non-empty string)");
    this.#secrets.add(answer.value);
    if (this.#closed) throw new GandiClientClosedError(method);
    this.#session = answer.value;
    return answer.value;
  }

  #forget(session: string): void {
    if (this.#session === session) this.#session = undefined;
  }

  /**
   * One call on the wire, resent once when the transport failure allows it: always when the request
   * never reached the server, and after it may have, only for a read or the login (a second login
   * costs at most a session that expires unused).
   */
  async #send(method: string, params: readonly XmlRpcValue[]): Promise<Answer> {
    const body = encodeCall(method, params);
    const repeatable = method === "login" || isReadCall(method);
    for (let attempt = 0; ; attempt++) {
      try {
        return this.#decode(method, await this.#transport.post(method, body, repeatable));
      } catch (error) {
        if (attempt < RESENDS && !this.#closed && isTransportError(error) && (!error.mayHaveActed || repeatable)) continue;
        throw error;
      }
    }
  }

  /** An answer's text as a value or a fault; a text that is not XML-RPC is the transport's "malformed". */
  #decode(method: string, text: string): Answer {
    let decoded;
    try {
      decoded = decodeResponse(text);
    } catch (error) {
      if (!hasErrorCode(error, "XMLRPC_PARSE")) throw error;
      // Said without the parse error's excerpt of the document, which may hold a session id.
      const parse = error as XmlRpcParseError;
      throw new TransportError(method, this.endpoint, "malformed", `the response is not valid XML-RPC (${this.redact(parse.problem)} at byte ${parse.offset})`);
    }
    return decoded.fault ? { ok: false, code: decoded.code, text: decoded.message } : { ok: true, value: decoded.value };
  }
}

function isTransportError(error: unknown): error is TransportError {
  return hasErrorCode(error, "TRANSPORT") && typeof (error as TransportError).mayHaveActed === "boolean";
}

/** An id parameter: a positive integer, as the API's `int` parameters take it. */
function checkId(method: string, name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${method}: ${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** An `int` parameter (shares, cpu, sizes): a whole number, so the codec sends `<int>`, not `<double>`. */
function int(method: string, name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${method}: ${name} must be a whole number, got ${String(value)}`);
  return value;
}
