/**
 * Gandi's faults (FACTS §2.3): a 6-digit integer `faultCode`, qualification (1 digit) · object
 * (3 digits) · cause (2 digits), with `ServerError: <text>` for qualification 1 and
 * `DataError: <text> [<element>: <value>]` for data faults, which every published example starts
 * with 5. An unknown method is the successor API's faultCode 1 `Method "x" is not supported`.
 * The object numbers other than 001 (authentication) are the simulator's choice (SPEC.md).
 */
import { XmlRpcDouble, XmlRpcI8 } from "../../xmlrpc/index.js";

/** A fault as it goes on the wire. */
export class GandiFault extends Error {
  override name = "GandiFault";
  constructor(
    readonly code: number,
    readonly faultString: string,
  ) {
    super(`${code} ${faultString}`);
  }
}

/** Data objects (the 3 middle digits). 001 is Net::DRI's authentication; the others are chosen. */
export const OBJ = {
  /** The request itself: the number of parameters. */
  request: 0,
  /** login, password, session (FACTS §2.3: 001 ≈ authentication, `500130 … [password: …]`). */
  auth: 1,
  account: 10,
  product: 20,
  vm: 30,
  disk: 40,
  os: 50,
  operation: 60,
} as const;

export type DataObject = (typeof OBJ)[keyof typeof OBJ];

/** Causes (the last 2 digits), as Net::DRI decodes them (FACTS §2.3). */
export const CAUSE = {
  type: 10,
  syntax: 20,
  value: 30,
  missing: 32,
  policy: 34,
  notFound: 40,
  exists: 41,
  notPermitted: 50,
  state: 60,
} as const;

export type Cause = (typeof CAUSE)[keyof typeof CAUSE];

export function dataCode(object: DataObject, cause: Cause): number {
  return 500000 + object * 100 + cause;
}

/** `DataError: <text> [<element>: <value>]`, code 5·object·cause. */
export function dataFault(object: DataObject, cause: Cause, text: string, element: string, value: unknown): GandiFault {
  return new GandiFault(dataCode(object, cause), `DataError: ${text} [${element}: ${showValue(value)}]`);
}

export function failData(object: DataObject, cause: Cause, text: string, element: string, value: unknown): never {
  throw dataFault(object, cause, text, element, value);
}

/** The server faults FACTS §2.3 quotes, by code. */
export const SERVER_FAULTS: Readonly<Record<number, string>> = {
  110010: "ServerError: database connection lost",
  110020: "ServerError: database query failed",
  110040: "ServerError: database could not find object",
  110042: "ServerError: database returned too many rows",
  150000: "ServerError: internal error (error has been logged and will be reported)",
};

export const INTERNAL_ERROR = 150000;

export function serverFault(code: number = INTERNAL_ERROR): GandiFault {
  return new GandiFault(code, SERVER_FAULTS[code] ?? "ServerError: internal error (error has been logged and will be reported)");
}

/** FACTS §2.3, successor API: faultCode 1. */
export function unsupportedMethod(method: string): GandiFault {
  return new GandiFault(1, `Method "${method}" is not supported`);
}

/** Anything thrown that is not a GandiFault is a simulator bug: answered as the internal server error. */
export function asGandiFault(error: unknown): GandiFault {
  return error instanceof GandiFault ? error : serverFault(INTERNAL_ERROR);
}

/** How a refused value shows between the brackets: strings as they are, other values as JSON-ish text. */
function showValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") {
    if (value instanceof XmlRpcDouble || value instanceof XmlRpcI8) return String(value.value);
    if (value instanceof Uint8Array) return "base64";
    return "struct";
  }
  return String(value);
}
