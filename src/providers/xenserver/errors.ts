/**
 * The errors of the XenAPI client, each telling the retry policy whether another attempt makes sense
 * (`transient`):
 * - XenApiError: xapi refused the call or a task failed, with its ErrorDescription: the code
 *   (`HANDLE_INVALID`, `VM_BAD_POWER_STATE` …) and its string parameters;
 * - XenProtocolError: an answer of no known shape, or a record lacking a field hyperplan relies on;
 * - XenClientClosedError: a call after `close()`;
 * - TransportError (the provider kit's): no usable answer (refused, reset, timeout, HTTP status,
 *   a body that is not XML-RPC or JSON).
 *
 * No message, parameter or cause ever holds the password or a session ref: the client builds every
 * error through its redaction (SESSION_INVALID names the session it refused, for one).
 */
import { HyperplanError } from "../../errors.js";

/** Brands XenApiError, so it is recognised across two copies of this module. */
export const XENAPI_ERROR = Symbol.for("hyperplan.xenapi.error");

/**
 * The codes a later attempt can get past without anyone changing anything: another operation holds
 * the object for now (FACTS §1.4, `OTHER_OPERATION_IN_PROGRESS [class, object, op, op_ref]`). Every
 * other refusal (bad power state, bad handle, a full SR, bad credentials) is the answer for good, or
 * needs a change first; INTERNAL_ERROR is xapi's catch-all for exceptions such as a missing field, not
 * a passing fault, so it is not retried either.
 */
export const TRANSIENT_XENAPI_CODES: ReadonlySet<string> = new Set(["OTHER_OPERATION_IN_PROGRESS"]);

export class XenApiError extends HyperplanError {
  readonly [XENAPI_ERROR] = true;
  /** The XenAPI call that failed (`VM.start`, `Async.VM.clone`). */
  readonly method: string;
  /** xapi's parameters of the code, as strings (`["VM", "OpaqueRef:…"]` for HANDLE_INVALID). */
  readonly params: readonly string[];
  /** The task that carried the failure, for an asynchronous call. */
  readonly task: string | undefined;
  readonly transient: boolean;

  /** `code` is xapi's own (it becomes this error's `code`); params come already redacted. */
  constructor(method: string, code: string, params: readonly string[], options: { task?: string; address?: string } = {}) {
    super(code, `${method} failed: ${code}`, { detail: describeFailure(code, params), ...(options.address !== undefined ? { address: options.address } : {}) });
    this.method = method;
    this.params = Object.freeze([...params]);
    this.task = options.task;
    this.transient = TRANSIENT_XENAPI_CODES.has(code);
  }
}

/** `HANDLE_INVALID("VM", "OpaqueRef:…")`: the ErrorDescription as one readable line. */
export function describeFailure(code: string, params: readonly string[]): string {
  return params.length === 0 ? code : `${code}(${params.map((p) => JSON.stringify(p)).join(", ")})`;
}

/** True for a XenApiError, optionally of one of `codes`, whichever copy of this module made it. */
export function isXenApiError(value: unknown, ...codes: string[]): value is XenApiError {
  if (typeof value !== "object" || value === null || (value as Record<symbol, unknown>)[XENAPI_ERROR] !== true) return false;
  return codes.length === 0 || codes.includes((value as XenApiError).code);
}

export interface XenProtocolErrorOptions {
  /** The XenAPI class of the record that was being read (`VM`). */
  className?: string;
  ref?: string;
  field?: string;
  detail?: string;
}

/** A well-formed answer hyperplan cannot use: no known shape, or a record without a field it relies on. */
export class XenProtocolError extends HyperplanError {
  readonly method: string;
  readonly className: string | undefined;
  readonly ref: string | undefined;
  readonly field: string | undefined;
  readonly transient = false;

  constructor(method: string, summary: string, options: XenProtocolErrorOptions = {}) {
    super("XENAPI_PROTOCOL", `${method}: ${summary}`, options.detail === undefined ? {} : { detail: options.detail });
    this.method = method;
    this.className = options.className;
    this.ref = options.ref;
    this.field = options.field;
  }
}

/** A call made after the client was closed (or while it closes, on Ctrl-C). */
export class XenClientClosedError extends HyperplanError {
  readonly method: string;
  readonly transient = false;
  constructor(method: string) {
    super("XENAPI_CLOSED", `${method}: the XenAPI client is closed`);
    this.method = method;
  }
}
