/**
 * oned's request error codes (`include/Request.h` ErrorCode) and the failure a method handler
 * raises. The dispatcher turns a OneFailure into oned's 5-element error array
 * `[false, "[method] message", code, objectId, <i8>0]` (FACTS §2).
 */
export const ErrorCode = {
  SUCCESS: 0x0,
  AUTHENTICATION: 0x100,
  AUTHORIZATION: 0x200,
  NO_EXISTS: 0x400,
  ACTION: 0x800,
  RPC_API: 0x1000,
  INTERNAL: 0x2000,
  ALLOCATE: 0x4000,
  LOCKED: 0x8000,
  REPLICATION: 0x10000,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;

/** A method failed the way oned reports it: inside the result array, not as an XML-RPC fault. */
export class OneFailure extends Error {
  constructor(
    readonly code: number,
    /** The message without the `[method] ` prefix, which the dispatcher adds. */
    readonly oneMessage: string,
    /** resp_id: the object that caused the error, or -1. */
    readonly objectId: number = -1,
  ) {
    super(oneMessage);
    this.name = "OneFailure";
  }
}

/** A wrong parameter type or count: xmlrpc-c answers with an XML-RPC `<fault>` instead of the array. */
export class XmlRpcFault extends Error {
  constructor(
    readonly faultCode: number,
    readonly faultString: string,
  ) {
    super(faultString);
    this.name = "XmlRpcFault";
  }
}

// xmlrpc-c fault codes (xmlrpc-c/base.h): XMLRPC_TYPE_ERROR -501, XMLRPC_PARSE_ERROR -503,
// XMLRPC_NO_SUCH_METHOD_ERROR -506 ("Method '%s' not defined", src/registry.c).
export const XMLRPC_TYPE_ERROR = -501;
export const XMLRPC_PARSE_ERROR = -503;
export const XMLRPC_NO_SUCH_METHOD_ERROR = -506;

/**
 * Object names as `src/rm/RequestLogger.cc` prints them in messages ("Error getting virtual machine [7].").
 */
export type ObjectKind = "vm" | "image" | "vnet" | "template" | "secgroup" | "document" | "datastore" | "host" | "cluster" | "user" | "group";

export const OBJECT_NAMES: Record<ObjectKind, string> = {
  vm: "virtual machine",
  image: "image",
  vnet: "virtual network",
  template: "virtual machine template",
  secgroup: "security group",
  document: "document",
  datastore: "datastore",
  host: "host",
  cluster: "cluster",
  user: "user",
  group: "group",
};

/**
 * `PoolObjectSQL::type_to_str` (`include/PoolObjectSQL.h`), used in chown collisions and in the
 * authorization messages of locked objects ("VM is locked. [3]").
 */
export const OBJECT_TYPE_STR: Record<ObjectKind, string> = {
  vm: "VM",
  image: "IMAGE",
  vnet: "NET",
  template: "TEMPLATE",
  secgroup: "SECGROUP",
  document: "DOCUMENT",
  datastore: "DATASTORE",
  host: "HOST",
  cluster: "CLUSTER",
  user: "USER",
  group: "GROUP",
};

/** NO_EXISTS as oned words it: `Error getting <object> [<id>].` */
export function notFound(kind: ObjectKind, id: number): OneFailure {
  return new OneFailure(ErrorCode.NO_EXISTS, `Error getting ${OBJECT_NAMES[kind]} [${id}].`, id);
}

/** ACTION with a free-form oned message. */
export function actionError(message: string, id = -1): OneFailure {
  return new OneFailure(ErrorCode.ACTION, message, id);
}

/** ALLOCATE: `Error allocating a new <object>. <reason>` */
export function allocateError(kind: ObjectKind, reason: string): OneFailure {
  return new OneFailure(ErrorCode.ALLOCATE, `Error allocating a new ${OBJECT_NAMES[kind]}. ${reason}`, -1);
}

export function internalError(message: string, id = -1): OneFailure {
  return new OneFailure(ErrorCode.INTERNAL, message, id);
}

export function apiError(message: string, id = -1): OneFailure {
  return new OneFailure(ErrorCode.RPC_API, message, id);
}

/** A refused delete: `Cannot delete <object>. <reason>` (ACTION, `RequestManagerDelete`). */
export function deleteError(kind: ObjectKind, reason: string, id: number): OneFailure {
  return new OneFailure(ErrorCode.ACTION, `Cannot delete ${OBJECT_NAMES[kind]}. ${reason}`, id);
}
