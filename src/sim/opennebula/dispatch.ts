/**
 * Serving one XML-RPC call as oned does: xmlrpc-c decodes it (a malformed call or an unknown
 * method is an XML-RPC `<fault>`), the session is authenticated, parameters are read by index
 * with xmlrpc-c's type checks, and the result goes back in oned's envelope: `[true, value, 0]`
 * on success, `[false, "[method] message", code, objectId, <i8>0]` on failure (FACTS §2).
 */
import { XmlRpcI8, decodeCall, encodeFault, encodeResponse, type XmlRpcValue } from "../../xmlrpc/index.js";
import { isHyperplanError } from "../../errors.js";
import type { MethodContext, MethodTable } from "./context.js";
import {
  ErrorCode,
  OBJECT_NAMES,
  OneFailure,
  XMLRPC_NO_SUCH_METHOD_ERROR,
  XMLRPC_PARSE_ERROR,
  XmlRpcFault,
  type ObjectKind,
} from "./failure.js";
import type { CallFaults } from "./faults.js";
import { documentMethods } from "./document.js";
import { imageMethods } from "./image.js";
import { infrastructureMethods } from "./infrastructure.js";
import { Params } from "./params.js";
import { secgroupMethods } from "./secgroup.js";
import { systemMethods } from "./system.js";
import { templateMethods } from "./template.js";
import { vmMethods } from "./vm.js";
import { vnetMethods } from "./vnet.js";
import type { World } from "./world.js";

export const METHODS: MethodTable = {
  ...systemMethods,
  ...vmMethods,
  ...templateMethods,
  ...imageMethods,
  ...vnetMethods,
  ...secgroupMethods,
  ...documentMethods,
  ...infrastructureMethods,
};

export interface Account {
  user: string;
  password: string;
}

/** Splits "user:password" at the first colon (a password may contain colons). */
export function parseAccount(auth: string): Account {
  const at = auth.indexOf(":");
  if (at <= 0) throw new TypeError(`auth must be "user:password", got ${JSON.stringify(auth)}`);
  return { user: auth.slice(0, at), password: auth.slice(at + 1) };
}

export interface DispatchResult {
  /** The XML-RPC response body. */
  body: string;
  /** The method name, or null when the call could not be decoded. */
  method: string | null;
  /** True when the call succeeded and may have changed the world. */
  mutated: boolean;
}

function envelopeFailure(method: string, failure: OneFailure): string {
  return encodeResponse([false, `[${method}] ${failure.oneMessage}`, failure.code, failure.objectId, new XmlRpcI8(0)]);
}

/** The object a method acts on, for messages such as "The resource … is locked." */
function objectKindOf(method: string): ObjectKind | null {
  const kind = method.split(".")[1] ?? "";
  const map: Record<string, ObjectKind> = {
    vm: "vm",
    vmpool: "vm",
    template: "template",
    templatepool: "template",
    image: "image",
    imagepool: "image",
    vn: "vnet",
    vnpool: "vnet",
    secgroup: "secgroup",
    secgrouppool: "secgroup",
    document: "document",
    documentpool: "document",
    datastore: "datastore",
    datastorepool: "datastore",
    host: "host",
    hostpool: "host",
    cluster: "cluster",
    clusterpool: "cluster",
  };
  return map[kind] ?? null;
}

function injectedFailure(method: string, params: readonly XmlRpcValue[], error: NonNullable<CallFaults["error"]>): OneFailure {
  const target = params[1];
  const id = method.split(".")[1]?.endsWith("pool") ? -1 : typeof target === "number" && Number.isInteger(target) ? target : -1;
  if (error.code === "LOCKED") {
    const kind = objectKindOf(method);
    const what = kind ? OBJECT_NAMES[kind] : "object";
    return new OneFailure(ErrorCode.LOCKED, error.message ?? `The resource ${what} is locked.${id !== -1 ? ` [${id}].` : ""}`, id);
  }
  return new OneFailure(ErrorCode.INTERNAL, error.message ?? "Internal error", id);
}

/**
 * Serves one call. `faults` are the call-level faults already decided by the server (delays and
 * drops happen there; an injected error answers here, after authentication, like an oned error).
 */
export function dispatch(world: World, account: Account, xml: string, faults: CallFaults | null = null): DispatchResult {
  let method: string;
  let params: XmlRpcValue[];
  try {
    ({ method, params } = decodeCall(xml, { preserveTypes: true }));
  } catch (error) {
    const detail = isHyperplanError(error) ? error.message : String(error);
    return { body: encodeFault(XMLRPC_PARSE_ERROR, `Call XML not a proper XML-RPC call.  ${detail}`), method: null, mutated: false };
  }
  if (method === "system.listMethods") {
    return { body: encodeResponse(["system.listMethods", ...Object.keys(METHODS)].sort()), method, mutated: false };
  }
  const spec = METHODS[method];
  if (!spec) return { body: encodeFault(XMLRPC_NO_SUCH_METHOD_ERROR, `Method '${method}' not defined`), method, mutated: false };
  const p = new Params(params);
  try {
    const session = p.str(0);
    const at = session.indexOf(":");
    if (at < 0 || session.slice(0, at) !== account.user || session.slice(at + 1) !== account.password) {
      throw new OneFailure(ErrorCode.AUTHENTICATION, "User couldn't be authenticated, aborting call.", -1);
    }
    world.advance();
    if (faults?.error) throw injectedFailure(method, params, faults.error);
    const ctx: MethodContext = { world, method };
    const value = spec.run(ctx, p);
    if (spec.mutates) world.changed();
    return { body: encodeResponse([true, value, 0]), method, mutated: spec.mutates };
  } catch (error) {
    if (error instanceof XmlRpcFault) return { body: encodeFault(error.faultCode, error.faultString), method, mutated: false };
    if (error instanceof OneFailure) return { body: envelopeFailure(method, error), method, mutated: false };
    // A bug in the simulator must still answer like oned would: an INTERNAL error, never a dropped call.
    const message = error instanceof Error ? error.message : String(error);
    return { body: envelopeFailure(method, new OneFailure(ErrorCode.INTERNAL, `Internal error: ${message}`, -1)), method, mutated: false };
  }
}
