/**
 * Typed records of the structs Gandi's hosting API returns, and their decoders.
 *
 * Field names are the API's own (`hostname`, `os_id`, `date_create`, `param_type`), so a record
 * reads like the wire and like the field an error names. The seed documents only
 * `operation_details` (FACTS §2.2); `vm_info`, `disk_info`, `os_list` and `hosting_account_info` are
 * undocumented past "the informations" (FACTS §2.4), so their records hold the fields the create and
 * update calls take (`vm_create(hostname, password, os_id, shares, cpu)`, `vm_update{shares, cpu,
 * vm_max_memory}`, `disk_create{size, name, fstype}`) plus id and state, which the client cannot do
 * without.
 *
 * Lenient about what a record carries besides (every extra field is ignored), strict about the fields
 * listed here: a listed field that is missing or of the wrong type fails the read with a
 * GandiProtocolError naming the method, the record and the field, except those marked optional.
 */
import { GandiProtocolError } from "./errors.js";
import {
  INVALID,
  absentMeans,
  dateTime,
  decodeInt,
  describeValue,
  id,
  ids,
  int,
  isStruct,
  oneOf,
  openEnum,
  optional,
  text,
  type Field,
  type Invalid,
  type WireValue,
} from "./field-types.js";

/** Operation states (seed `operation_list`; FACTS §2.2). `ALL` is a filter value only. */
export const OPERATION_STATES = ["PENDING", "RUN", "DONE", "ERROR", "CANCEL"] as const;
export type OperationState = (typeof OPERATION_STATES)[number];
/** The states after which an operation changes no more by itself (ERROR waits to be modified or cancelled). */
export const TERMINAL_OPERATION_STATES: ReadonlySet<OperationState> = new Set(["DONE", "CANCEL"]);
export const OPERATION_FILTER_STATES = ["ALL", ...OPERATION_STATES] as const;
export type OperationFilterState = (typeof OPERATION_FILTER_STATES)[number];

/** VM states known from the successor API (FACTS §2.4, evax/gandihosting); any other passes as it is. */
export const VM_STATES = ["being_created", "running", "halted", "paused", "locked", "legally_locked", "invalid", "deleted"] as const;
/** The file systems `disk_create` takes (seed). */
export const DISK_FSTYPES = ["ext3", "reiserfs", "xfs", "jfs"] as const;
export type DiskFsType = (typeof DISK_FSTYPES)[number];

export interface GandiVm {
  id: number;
  hostname: string;
  os_id: number;
  shares: number;
  cpu: number;
  state: (typeof VM_STATES)[number] | (string & {});
  /** MB the VM may be given without a reboot (`vm_update`'s spec), when the API tells. */
  vm_max_memory?: number;
  /** The ids of the disks attached, when the API lists them. */
  disks?: number[];
}

export interface GandiDisk {
  id: number;
  name: string;
  /** MB. */
  size: number;
  state: string;
  fstype?: DiskFsType | (string & {});
  /** The VM the disk is attached to; null when it is attached to none (absent, nil, false or 0). */
  vm_id: number | null;
}

export interface GandiOs {
  /** What `vm_create` takes as `os_id`. */
  id: number;
  name: string;
  /** The release (`12`), when the catalogue gives it. */
  version?: string;
  /** For people (`Debian 12 (bookworm) 64 bits`), when the catalogue gives it. */
  label?: string;
}

/** How a stack names an OS of the catalogue: its name and version (`Debian 12`), else its name. */
export function osDisplayName(os: GandiOs): string {
  return os.version !== undefined ? `${os.name} ${os.version}` : os.name;
}

export interface GandiHostingAccount {
  /** The shares of the account (seed: "number of shares, used shares, etc."). */
  shares: number;
  /** Shares given to VMs, when the API tells. */
  shares_used?: number;
  /** Shares left for new VMs, when the API tells. */
  shares_free?: number;
}

/** `param` of an operation (seed): always `param_type`, and the id of the object it names. */
export type GandiOperationParam =
  | { param_type: "vm"; vm_id: number; disk_id?: number }
  | { param_type: "disk"; disk_id: number; vm_id?: number }
  | { param_type: string & {}; vm_id?: number; disk_id?: number };

export interface GandiOperation {
  /** The operation's own id, the one its mutating call returned (FACTS §2.5). */
  uid: number;
  /** `vm_create`, `disk_attach` … */
  type: string;
  state: OperationState;
  date_create: Date;
  date_update: Date;
  param: GandiOperationParam;
  /** The error text of an operation in ERROR. */
  comment?: string;
}

export type FieldSpecs<R> = { readonly [K in keyof R]-?: Field<R[K]> };

/** vm_id of a disk: absent, nil, false or 0 mean "attached to no VM". */
const attachedVm: Field<number | null> = absentMeans(
  {
    expected: "a VM id, or nothing",
    optional: false,
    decode: (raw) => {
      if (raw === null || raw === false) return null;
      const n = decodeInt(raw);
      if (n === INVALID || n < 0) return INVALID;
      return n === 0 ? null : n;
    },
  },
  null,
);

const param: Field<GandiOperationParam> = {
  expected: "a struct with param_type and the vm_id or disk_id it names",
  optional: false,
  decode: (raw) => decodeParam(raw),
};

const VM: FieldSpecs<GandiVm> = {
  id,
  hostname: text,
  os_id: int,
  shares: int,
  cpu: int,
  state: openEnum(VM_STATES),
  vm_max_memory: optional(int),
  disks: optional(ids),
};

const DISK: FieldSpecs<GandiDisk> = {
  id,
  name: text,
  size: int,
  state: text,
  fstype: optional(openEnum(DISK_FSTYPES)),
  vm_id: attachedVm,
};

const OS: FieldSpecs<GandiOs> = { id, name: text, version: optional(text), label: optional(text) };

const HOSTING_ACCOUNT: FieldSpecs<GandiHostingAccount> = { shares: int, shares_used: optional(int), shares_free: optional(int) };

const OPERATION: FieldSpecs<GandiOperation> = {
  uid: id,
  type: text,
  state: oneOf(OPERATION_STATES),
  date_create: dateTime,
  date_update: dateTime,
  param,
  comment: optional(text),
};

/**
 * The typed record of `raw` by `specs`; `what` names it in errors (`vm 42`, `os_list item 3`). A
 * missing or ill-typed listed field throws a GandiProtocolError naming method, record and field.
 */
export function decodeStruct<R>(specs: FieldSpecs<R>, raw: WireValue, method: string, what: string): R {
  if (!isStruct(raw)) throw new GandiProtocolError(method, `${what}: expected a struct, got ${describeValue(raw)}`);
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(specs) as (keyof R & string)[]) {
    const spec = specs[name] as Field<unknown>;
    const value = raw[name];
    if (value === undefined) {
      if (spec.optional) {
        if (spec.absent !== undefined) out[name] = spec.absent.value;
        continue;
      }
      throw new GandiProtocolError(method, `${what}: the field ${name} is missing (expected ${spec.expected})`, { field: name });
    }
    const decoded = spec.decode(value);
    if (decoded === INVALID) throw new GandiProtocolError(method, `${what}: the field ${name} is ${describeValue(value)}, expected ${spec.expected}`, { field: name });
    out[name] = decoded;
  }
  return out as R;
}

export function decodeVm(raw: WireValue, method: string, vmId?: number): GandiVm {
  return decodeStruct(VM, raw, method, vmId === undefined ? "vm" : `vm ${vmId}`);
}

export function decodeDisk(raw: WireValue, method: string, diskId?: number): GandiDisk {
  return decodeStruct(DISK, raw, method, diskId === undefined ? "disk" : `disk ${diskId}`);
}

export function decodeOsList(raw: WireValue, method: string): GandiOs[] {
  if (!Array.isArray(raw)) throw new GandiProtocolError(method, `expected an array of OS images, got ${describeValue(raw)}`);
  return raw.map((item, i) => decodeStruct(OS, item, method, `OS image ${i}`));
}

export function decodeHostingAccount(raw: WireValue, method: string): GandiHostingAccount {
  return decodeStruct(HOSTING_ACCOUNT, raw, method, "the hosting account");
}

export function decodeOperation(raw: WireValue, method: string, opId?: number): GandiOperation {
  return decodeStruct(OPERATION, raw, method, opId === undefined ? "operation" : `operation ${opId}`);
}

/** An array of ids (`vm_list`, `disk_list`, `operation_list`). */
export function decodeIds(raw: WireValue, method: string): number[] {
  const out = ids.decode(raw);
  if (out === INVALID) throw new GandiProtocolError(method, `expected ${ids.expected}, got ${describeValue(raw)}`);
  return out;
}

/** The id a call returns (`vm_create` → VM id, `disk_create` → disk id, the others → an operation id). */
export function decodeId(raw: WireValue, method: string, what: string): number {
  const out = id.decode(raw);
  if (out === INVALID) throw new GandiProtocolError(method, `expected ${what} (${id.expected}), got ${describeValue(raw)}`);
  return out;
}

function decodeParam(raw: WireValue): GandiOperationParam | Invalid {
  if (!isStruct(raw) || typeof raw.param_type !== "string") return INVALID;
  const vmId = raw.vm_id === undefined ? undefined : id.decode(raw.vm_id);
  const diskId = raw.disk_id === undefined ? undefined : id.decode(raw.disk_id);
  if (vmId === INVALID || diskId === INVALID) return INVALID;
  // The seed: "vm: … A vm_id field is present. disk: … A disk_id field is present."
  if (raw.param_type === "vm" && vmId === undefined) return INVALID;
  if (raw.param_type === "disk" && diskId === undefined) return INVALID;
  return {
    param_type: raw.param_type,
    ...(vmId !== undefined ? { vm_id: vmId } : {}),
    ...(diskId !== undefined ? { disk_id: diskId } : {}),
  } as GandiOperationParam;
}
