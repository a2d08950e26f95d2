/**
 * The errors of the OpenNebula client. Four shapes, each telling the retry policy whether it is worth
 * trying again (`transient`):
 * - OneApiError: oned answered `[false, message, code, objectId, …]`;
 * - XmlRpcFaultError: an XML-RPC `<fault>` (xmlrpc-c refuses a parameter of the wrong type with -501);
 * - OneProtocolError: a well-formed response of no known shape;
 * - TransportError (the provider kit's): the call did not get an answer (refused, reset, timeout,
 *   HTTP status, bad XML).
 *
 * None of them ever holds the session string: messages are built from the method, the server's words
 * and the endpoint with any userinfo removed; the request body is never attached.
 */
import { HyperplanError } from "../../errors.js";

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

/** oned refused the caller: the user and where the credentials were read, never the password. */
export class OneAuthError extends OneApiError {
  constructor(error: OneApiError, detail: string) {
    super(error.method, error.errorCode, error.serverMessage, error.objectId);
    Object.defineProperty(this, "message", { value: `${error.method} failed: AUTHENTICATION (${detail})` });
    Object.defineProperty(this, "detail", { value: detail });
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
