/**
 * The errors of the Gandi hosting client, each telling the retry policy whether another attempt makes
 * sense (`transient`):
 * - GandiFault (GandiServerFault, GandiDataFault): the API refused the call with an XML-RPC fault
 *   whose 6-digit code says qualification · object · cause (FACTS §2.3);
 * - GandiUnknownMethodError: faultCode 1, `Method "x" is not supported` (FACTS §2.3);
 * - GandiProtocolError: an answer of no known shape (a fault code of no known format, a record
 *   lacking a field hyperplan relies on);
 * - GandiClientClosedError: a call after `close()`;
 * - TransportError (the provider kit's): no usable answer (refused, reset, timeout, HTTP status,
 *   a body that is not XML-RPC).
 *
 * No message or field ever holds the password or a session id: the client redacts every text of the
 * server before an error is built from it (a DataError quotes the refused element's value,
 * `[password: 123456]`).
 */
import { HyperplanError } from "../../errors.js";

/** Brands GandiFault, so it is recognised across two copies of this module. */
export const GANDI_FAULT = Symbol.for("hyperplan.gandi.fault");
/** Brands GandiUnknownMethodError. */
export const GANDI_UNKNOWN_METHOD = Symbol.for("hyperplan.gandi.unknown-method");

/** The first digit: 1 is the server's own failure; every other digit (5 in all published examples) is data. */
export type GandiQualification = "server" | "data";

/**
 * A data fault's cause (its last two digits), as Net::DRI decodes them (FACTS §2.3): the API checks
 * type, then syntax and value, then existence, then privileges, finally state.
 */
export const DATA_CAUSES = {
  0: "generic",
  10: "type",
  20: "syntax",
  30: "invalid-value",
  31: "value-policy",
  32: "missing-parameter",
  33: "data-policy",
  34: "value-policy",
  40: "not-found",
  41: "already-exists",
  50: "not-permitted",
  60: "wrong-state",
} as const satisfies Record<number, string>;
export type GandiDataCause = (typeof DATA_CAUSES)[keyof typeof DATA_CAUSES];

/** A server fault's object and cause (FACTS §2.3: object 100 database, 500 application). */
export const SERVER_CAUSES = {
  100_10: "connection-lost",
  100_20: "query-failed",
  100_40: "object-not-found",
  100_42: "too-many-rows",
  500_00: "internal-error",
} as const satisfies Record<number, string>;
export type GandiServerCause = (typeof SERVER_CAUSES)[keyof typeof SERVER_CAUSES];

/** `unknown`: a cause this table does not hold (the fault is still a fault of its qualification). */
export type GandiCauseName = GandiDataCause | GandiServerCause | "unknown";

/**
 * The objects of a data fault that are known by number (Net::DRI; the hosting page's list was not
 * recoverable): the others are named only by the `[element: value]` of the text.
 */
export const DATA_OBJECTS: Readonly<Record<number, string>> = { 1: "authentication", 2: "authorization" };
export const SERVER_OBJECTS: Readonly<Record<number, string>> = { 100: "database", 500: "application" };

/**
 * The faults a later attempt can get past without anyone changing anything: the database connection
 * lost (110010), a database query that failed (110020), an internal error (150000). Every data fault is
 * the answer for good, or needs a change first; so are the server's "could not find object" and "too
 * many rows", which say something about the data.
 */
export const TRANSIENT_GANDI_FAULTS: ReadonlySet<number> = new Set([110010, 110020, 150000]);

const CAUSE_WORDS: Record<GandiCauseName, string> = {
  generic: "refused",
  type: "a parameter of the wrong type",
  syntax: "a parameter of the wrong syntax",
  "invalid-value": "an invalid value",
  "value-policy": "a value against policy",
  "missing-parameter": "a required parameter is missing",
  "data-policy": "refused by data-management policy",
  "not-found": "the object does not exist",
  "already-exists": "the object already exists",
  "not-permitted": "not permitted",
  "wrong-state": "the object is in the wrong state for this",
  "connection-lost": "the server lost its database connection",
  "query-failed": "a database query failed on the server",
  "object-not-found": "the server's database could not find the object",
  "too-many-rows": "the server's database returned too many rows",
  "internal-error": "internal server error",
  unknown: "refused",
};

/** Gandi's fault, decoded from its 6-digit code. `code` (the error code) is the digits as text. */
export class GandiFault extends HyperplanError {
  readonly [GANDI_FAULT] = true;
  /** The call that was refused (`vm_delete`). */
  readonly method: string;
  /** The XML-RPC faultCode (`510260`). */
  readonly faultCode: number;
  readonly qualification: GandiQualification;
  /** The 3 middle digits: what the fault is about (`1` authentication …). */
  readonly object: number;
  /** The object's name when it is known by number (`authentication`, `database`). */
  readonly objectName: string | undefined;
  /**
   * The last 2 digits. Not named `cause`: that is Error's own chain to the error underneath, which
   * describeError and the retry policy walk.
   */
  readonly causeCode: number;
  readonly causeName: GandiCauseName;
  /** The server's faultString, with the password and session ids blanked out. */
  readonly text: string;
  /** The element a DataError names in its `[element: value]` (`password`, `vm_id`), when it names one. */
  readonly element: string | undefined;
  readonly transient: boolean;

  /** `text` comes already redacted. */
  constructor(method: string, faultCode: number, text: string) {
    const parts = splitFaultCode(faultCode);
    if (parts === undefined) throw new RangeError(`${faultCode} is not a 6-digit Gandi fault code`);
    const causeName = causeNameOf(parts);
    super(String(faultCode), `${method} failed: ${CAUSE_WORDS[causeName]}`, { detail: `fault ${faultCode}: ${text}` });
    this.method = method;
    this.faultCode = faultCode;
    this.qualification = parts.qualification;
    this.object = parts.object;
    this.objectName = (parts.qualification === "server" ? SERVER_OBJECTS : DATA_OBJECTS)[parts.object];
    this.causeCode = parts.cause;
    this.causeName = causeName;
    this.text = text;
    this.element = elementOf(text);
    this.transient = TRANSIENT_GANDI_FAULTS.has(faultCode);
  }
}

/** Qualification 1: the server failed while processing the call. */
export class GandiServerFault extends GandiFault {}

/** Any other qualification: the call's input (or the state of its object) was refused. */
export class GandiDataFault extends GandiFault {}

/** faultCode 1: the server knows no such method (FACTS §2.3). */
export class GandiUnknownMethodError extends HyperplanError {
  readonly [GANDI_UNKNOWN_METHOD] = true;
  readonly method: string;
  readonly faultCode = 1;
  readonly text: string;
  readonly transient = false;

  constructor(method: string, text: string) {
    super("GANDI_UNKNOWN_METHOD", `${method}: the Gandi API does not support this method`, { detail: `fault 1: ${text}` });
    this.method = method;
    this.text = text;
  }
}

export interface GandiProtocolErrorOptions {
  /** The field of a record that was missing or of the wrong type. */
  field?: string;
  detail?: string;
}

/** A well-formed answer hyperplan cannot use: no known shape, or a record without a field it relies on. */
export class GandiProtocolError extends HyperplanError {
  readonly method: string;
  readonly field: string | undefined;
  readonly transient = false;

  constructor(method: string, summary: string, options: GandiProtocolErrorOptions = {}) {
    super("GANDI_PROTOCOL", `${method}: ${summary}`, options.detail === undefined ? {} : { detail: options.detail });
    this.method = method;
    this.field = options.field;
  }
}

/** A call made after the client was closed. */
export class GandiClientClosedError extends HyperplanError {
  readonly method: string;
  readonly transient = false;
  constructor(method: string) {
    super("GANDI_CLOSED", `${method}: the Gandi client is closed`);
    this.method = method;
  }
}

/**
 * The error for a fault `method` got: a GandiServerFault or GandiDataFault for a 6-digit code, a
 * GandiUnknownMethodError for code 1, a GandiProtocolError for any other code. `text` comes redacted.
 */
export function faultError(method: string, faultCode: number, text: string): GandiFault | GandiUnknownMethodError | GandiProtocolError {
  if (faultCode === 1) return new GandiUnknownMethodError(method, text);
  const parts = splitFaultCode(faultCode);
  if (parts === undefined) return new GandiProtocolError(method, `a fault whose code ${faultCode} is not of the 6-digit Gandi format`, { detail: `fault ${faultCode}: ${text}` });
  return parts.qualification === "server" ? new GandiServerFault(method, faultCode, text) : new GandiDataFault(method, faultCode, text);
}

/** The three parts of a 6-digit code; undefined for any other number. */
export function splitFaultCode(faultCode: number): { qualification: GandiQualification; object: number; cause: number } | undefined {
  if (!Number.isInteger(faultCode) || faultCode < 100000 || faultCode > 999999) return undefined;
  // FACTS §2.3: "starts with 1 → server, otherwise data".
  const qualification: GandiQualification = Math.floor(faultCode / 100000) === 1 ? "server" : "data";
  return { qualification, object: Math.floor(faultCode / 100) % 1000, cause: faultCode % 100 };
}

function causeNameOf(parts: { qualification: GandiQualification; object: number; cause: number }): GandiCauseName {
  if (parts.qualification === "server") return (SERVER_CAUSES as Record<number, GandiServerCause>)[parts.object * 100 + parts.cause] ?? "unknown";
  return (DATA_CAUSES as Record<number, GandiDataCause>)[parts.cause] ?? "unknown";
}

/** `DataError: invalid value for password [password: 123456]` → `password` (the last bracket's element). */
function elementOf(text: string): string | undefined {
  const match = /\[([A-Za-z_][A-Za-z0-9_.-]*)\s*:[^\]]*\]\s*$/.exec(text);
  return match?.[1];
}

/** True for a GandiFault, optionally of one of `causes`, whichever copy of this module made it. */
export function isGandiFault(value: unknown, ...causes: GandiCauseName[]): value is GandiFault {
  if (typeof value !== "object" || value === null || (value as Record<symbol, unknown>)[GANDI_FAULT] !== true) return false;
  return causes.length === 0 || causes.includes((value as GandiFault).causeName);
}

/** True for a data fault (qualification other than 1), optionally of one of `causes`. */
export function isGandiDataFault(value: unknown, ...causes: GandiDataCause[]): value is GandiDataFault {
  return isGandiFault(value, ...causes) && value.qualification === "data";
}

export function isGandiUnknownMethod(value: unknown): value is GandiUnknownMethodError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[GANDI_UNKNOWN_METHOD] === true;
}

/**
 * The fault a call made with an expired (or otherwise refused) session gets. The hosting API names
 * no such fault (sessions last 12 h, FACTS §2.1), so it is read from the fault's structure: a data
 * fault whose text names the `session` element (`[session: …]`), or a data fault on object 001,
 * authentication (Net::DRI's decoding, FACTS §2.3), that names no element at all. An authentication
 * fault naming another element is about that parameter (vm_create's root `password`), not the session.
 * A session fault comes first in the API's validation order, before the call did anything.
 */
export function isSessionFault(fault: GandiFault): boolean {
  if (fault.qualification !== "data") return false;
  return fault.element === "session" || (fault.object === 1 && fault.element === undefined);
}
