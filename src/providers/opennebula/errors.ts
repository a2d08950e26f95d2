/**
 * The errors of the OpenNebula client. Four shapes, each telling the retry policy whether it is worth
 * trying again (`transient`):
 * - OneApiError: oned answered `[false, message, code, objectId, …]`;
 * - XmlRpcFaultError: an XML-RPC `<fault>` (xmlrpc-c refuses a parameter of the wrong type with -501);
 * - OneProtocolError: a well-formed response of no known shape;
 * - OneTransportError: the call did not get an answer (refused, reset, timeout, HTTP status, bad XML).
 *
 * None of them ever holds the session string: messages are built from the method, the server's words
 * and the endpoint with any userinfo removed; the request body is never attached.
 */
import { HyperplanError } from "../../errors";

/** oned's error codes (`include/Request.h` ErrorCode; the API reference's table). */
export const ONE_ERROR_CODES = {
  AUTHENTICATION: 0x100,
  AUTHORIZATION: 0x200,
  NO_EXISTS: 0x400,
  ACTION: 0x800,
  XML_RPC_API: 0x1000,
  INTERNAL: 0x2000,
  ALLOCATE: 0x4000,
  LOCKED: 0x8000,
  REPLICATION: 0x10000,
} as const;

export type OneErrorCodeName = keyof typeof ONE_ERROR_CODES;

export function oneErrorCodeName(code: number): OneErrorCodeName | `0x${string}` {
  for (const [name, value] of Object.entries(ONE_ERROR_CODES)) if (value === code) return name as OneErrorCodeName;
  return `0x${code.toString(16)}`;
}

/** INTERNAL (a database hiccup) and LOCKED (someone holds the object) pass; the rest do not. */
const TRANSIENT_CODES = new Set<number>([ONE_ERROR_CODES.INTERNAL, ONE_ERROR_CODES.LOCKED]);

export class OneApiError extends HyperplanError {
  readonly method: string;
  readonly errorCode: number;
  readonly codeName: string;
  /** The server's message, verbatim (`[one.vm.info] Error getting virtual machine [7].`). */
  readonly serverMessage: string;
  /** The object that caused the error, or -1. */
  readonly objectId: number;
  readonly transient: boolean;

  constructor(method: string, errorCode: number, serverMessage: string, objectId: number) {
    const codeName = oneErrorCodeName(errorCode);
    super("ONE_API", `${method} failed: ${codeName}`, { detail: `${codeName}: ${serverMessage}` });
    this.method = method;
    this.errorCode = errorCode;
    this.codeName = codeName;
    this.serverMessage = serverMessage;
    this.objectId = objectId;
    this.transient = TRANSIENT_CODES.has(errorCode);
  }
}

export class XmlRpcFaultError extends HyperplanError {
  readonly method: string;
  readonly faultCode: number;
  readonly faultString: string;
  readonly transient = false;

  constructor(method: string, faultCode: number, faultString: string) {
    super("XMLRPC_FAULT", `${method} was refused by the XML-RPC layer`, { detail: `fault ${faultCode}: ${faultString}` });
    this.method = method;
    this.faultCode = faultCode;
    this.faultString = faultString;
  }
}

export class OneProtocolError extends HyperplanError {
  readonly method: string;
  readonly transient = false;
  constructor(method: string, summary: string) {
    super("ONE_PROTOCOL", `${method}: ${summary}`);
    this.method = method;
  }
}

export type TransportFailure = "refused" | "reset" | "timeout" | "http-status" | "malformed" | "tls" | "dns" | "other";

/** Failures where the request never reached oned: sending the call again cannot make it twice. */
const NOT_DELIVERED = new Set<TransportFailure>(["refused", "dns", "tls"]);

export class OneTransportError extends HyperplanError {
  readonly method: string;
  readonly reason: TransportFailure;
  readonly endpoint: string;
  readonly status: number | undefined;
  readonly transient: boolean;
  /**
   * False when the request surely never reached oned (refused, no such host, TLS); true when oned may
   * have received it and acted (a reset, a timeout, a broken answer): such a call is sent again only
   * if repeating it is harmless or its effect was looked for first.
   */
  readonly mayHaveActed: boolean;
  /** True when oned did not answer at all (refused, reset, timeout, HTTP 5xx): waited out for the retry timeout. */
  readonly unreachable: boolean;

  constructor(method: string, endpoint: string, reason: TransportFailure, summary: string, options: { status?: number; cause?: unknown } = {}) {
    // The cause is a Node socket error or parse error: neither ever saw the request body.
    super("ONE_TRANSPORT", `${method} to ${endpoint}: ${summary}`, options.cause === undefined ? {} : { cause: options.cause });
    this.method = method;
    this.reason = reason;
    this.endpoint = endpoint;
    this.status = options.status;
    this.transient =
      reason === "refused" || reason === "reset" || reason === "timeout" || (reason === "http-status" && (options.status ?? 0) >= 500);
    this.mayHaveActed = !NOT_DELIVERED.has(reason);
    this.unreachable = this.transient;
  }
}

/** The endpoint as it may be printed: without `user:password@`. */
export function printableEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    url.username = "";
    url.password = "";
    return url.toString();
  } catch {
    return endpoint.replace(/\/\/[^/@]*@/, "//");
  }
}
