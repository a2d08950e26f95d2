/**
 * Reads a call's parameters the way oned's handlers do through xmlrpc-c's `paramList`: by
 * index, with a type check that raises xmlrpc-c's own fault (code -501) on a wrong type or a
 * missing parameter, never an error array. Trailing extra parameters are simply never read.
 */
import type { XmlRpcValue } from "../../xmlrpc/index.js";
import { XmlRpcFault, XMLRPC_TYPE_ERROR } from "./failure.js";

// Messages of xmlrpc-c's `paramList::get*` (src/cpp/param_list.cpp).
const NOT_ENOUGH = "Not enough parameters";

function isInt(v: XmlRpcValue | undefined): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

export class Params {
  constructor(private readonly values: readonly XmlRpcValue[]) {}

  get length(): number {
    return this.values.length;
  }

  has(index: number): boolean {
    return index < this.values.length;
  }

  /** `getInt`: an `<i4>`/`<int>` in the 32-bit range. */
  int(index: number): number {
    if (index >= this.values.length) throw new XmlRpcFault(XMLRPC_TYPE_ERROR, NOT_ENOUGH);
    const v = this.values[index];
    // <i8> and <double> arrive as XmlRpcI8/XmlRpcDouble (decoded with preserveTypes): not TYPE_INT.
    if (!isInt(v) || v < -2147483648 || v > 2147483647 || Object.is(v, -0)) {
      throw new XmlRpcFault(XMLRPC_TYPE_ERROR, "Parameter that is supposed to be integer is not");
    }
    return v;
  }

  str(index: number): string {
    if (index >= this.values.length) throw new XmlRpcFault(XMLRPC_TYPE_ERROR, NOT_ENOUGH);
    const v = this.values[index];
    if (typeof v === "string") return v;
    throw new XmlRpcFault(XMLRPC_TYPE_ERROR, "Parameter that is supposed to be a string is not");
  }

  bool(index: number): boolean {
    if (index >= this.values.length) throw new XmlRpcFault(XMLRPC_TYPE_ERROR, NOT_ENOUGH);
    const v = this.values[index];
    if (typeof v !== "boolean") throw new XmlRpcFault(XMLRPC_TYPE_ERROR, "Parameter that is supposed to be boolean is not");
    return v;
  }

  /** An optional int: oned reads it only when `paramList.size() > index`, type-checked when present. */
  optInt(index: number, fallback: number): number {
    return this.has(index) ? this.int(index) : fallback;
  }

  optBool(index: number, fallback: boolean): boolean {
    return this.has(index) ? this.bool(index) : fallback;
  }

  optStr(index: number, fallback: string): string {
    return this.has(index) ? this.str(index) : fallback;
  }
}
