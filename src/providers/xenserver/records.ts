/**
 * Typed records of the XenAPI classes hyperplan reads (FACTS §1.5), and their decoders.
 *
 * Field names are xapi's own (`name_label`, `VCPUs_max`, `VBDs`): a record reads like the datamodel,
 * like `xe` output and like the field an error names, with no second vocabulary to map. Each record
 * type has a spec, one decoder per field by its declared type (field-types.ts); the spec's type
 * requires exactly the record's fields with their types, so the two cannot drift apart.
 *
 * A record keeps only the fields listed here; the others xapi sends (a VM has 90 and more) are
 * ignored. A listed field that is missing or of the wrong type fails the read with a
 * XenProtocolError naming the class, the ref and the field, except the fields marked optional, which
 * newer xapi versions added and older pools lack.
 */
import { XenProtocolError } from "./errors.js";
import {
  INVALID,
  bool,
  dateTime,
  describeValue,
  float,
  int,
  isStruct,
  nullableRef,
  oneOf,
  openEnum,
  optional,
  ref,
  refs,
  text,
  textMap,
  texts,
  type Field,
  type Ref,
  type WireValue,
} from "./field-types.js";

export const VM_POWER_STATES = ["Halted", "Paused", "Running", "Suspended"] as const;
export type VmPowerState = (typeof VM_POWER_STATES)[number];

export const TASK_STATUSES = ["pending", "success", "failure", "cancelling", "cancelled"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** What a VM does when its guest shuts down or reboots. */
export const ON_NORMAL_EXIT = ["destroy", "restart"] as const;
export const ON_CRASH = ["destroy", "coredump_and_destroy", "restart", "coredump_and_restart", "preserve", "rename_restart"] as const;
export const VDI_TYPES = ["system", "user", "ephemeral", "suspend", "crashdump", "ha_statefile", "metadata", "redo_log", "rrd", "pvs_cache", "cbt_metadata"] as const;
export const VBD_MODES = ["RO", "RW"] as const;
export const VBD_TYPES = ["CD", "Disk", "Floppy"] as const;
export const VIF_LOCKING_MODES = ["network_default", "locked", "unlocked", "disabled"] as const;
export const PIF_IP_MODES = ["None", "DHCP", "Static"] as const;
export const VM_DOMAIN_TYPES = ["hvm", "pv", "pv_in_pvh", "pvh", "unspecified"] as const;

export interface PoolRecord {
  uuid: string;
  name_label: string;
  name_description: string;
  /** The host every call must go to. */
  master: Ref<"host">;
  default_SR: Ref<"SR"> | null;
  other_config: Record<string, string>;
  tags: string[];
  ha_enabled: boolean;
}

export interface HostRecord {
  uuid: string;
  name_label: string;
  name_description: string;
  /** The management address (what HOST_IS_SLAVE names for the master). */
  address: string;
  hostname: string;
  enabled: boolean;
  API_version_major: number;
  API_version_minor: number;
  resident_VMs: Ref<"VM">[];
  PIFs: Ref<"PIF">[];
  PBDs: Ref<"PBD">[];
  /** `product_version`, `xapi`, `build_number` … */
  software_version: Record<string, string>;
  other_config: Record<string, string>;
  tags: string[];
}

export interface SrRecord {
  uuid: string;
  name_label: string;
  name_description: string;
  /** The storage driver (`lvm`, `ext`, `nfs`, `iso` …). */
  type: string;
  content_type: string;
  shared: boolean;
  /** Bytes. */
  physical_size: number;
  /** Bytes. */
  physical_utilisation: number;
  /** Bytes: the sum of the virtual sizes of its VDIs. */
  virtual_allocation: number;
  VDIs: Ref<"VDI">[];
  PBDs: Ref<"PBD">[];
  other_config: Record<string, string>;
  sm_config: Record<string, string>;
  tags: string[];
  allowed_operations: string[];
  current_operations: Record<string, string>;
}

export interface NetworkRecord {
  uuid: string;
  name_label: string;
  name_description: string;
  MTU: number;
  other_config: Record<string, string>;
  /** The host bridge (`xenbr0`), "" until xapi picks one. */
  bridge: string;
  managed: boolean;
  tags: string[];
  VIFs: Ref<"VIF">[];
  PIFs: Ref<"PIF">[];
}

export interface PifRecord {
  uuid: string;
  /** The host's interface (`eth0`). */
  device: string;
  network: Ref<"network">;
  host: Ref<"host">;
  MAC: string;
  MTU: number;
  /** -1 for an untagged interface. */
  VLAN: number;
  physical: boolean;
  currently_attached: boolean;
  management: boolean;
  ip_configuration_mode: (typeof PIF_IP_MODES)[number] | (string & {});
  IP: string;
  netmask: string;
  gateway: string;
  DNS: string;
  other_config: Record<string, string>;
}

export interface VmRecord {
  uuid: string;
  name_label: string;
  name_description: string;
  power_state: VmPowerState;
  is_a_template: boolean;
  is_default_template: boolean;
  is_a_snapshot: boolean;
  is_control_domain: boolean;
  /** Bytes, as every memory field. */
  memory_static_max: number;
  memory_static_min: number;
  memory_dynamic_max: number;
  memory_dynamic_min: number;
  memory_target: number;
  memory_overhead: number;
  VCPUs_max: number;
  VCPUs_at_startup: number;
  VCPUs_params: Record<string, string>;
  actions_after_shutdown: (typeof ON_NORMAL_EXIT)[number];
  actions_after_reboot: (typeof ON_NORMAL_EXIT)[number];
  actions_after_crash: (typeof ON_CRASH)[number];
  /** Free keys; hyperplan's ownership tags live here. */
  other_config: Record<string, string>;
  platform: Record<string, string>;
  HVM_boot_policy: string;
  HVM_boot_params: Record<string, string>;
  PV_bootloader: string;
  PV_kernel: string;
  PV_ramdisk: string;
  PV_args: string;
  VBDs: Ref<"VBD">[];
  VIFs: Ref<"VIF">[];
  resident_on: Ref<"host"> | null;
  affinity: Ref<"host"> | null;
  allowed_operations: string[];
  /** Task ref → operation in progress. */
  current_operations: Record<string, string>;
  /** Operation → reason it is blocked. */
  blocked_operations: Record<string, string>;
  tags: string[];
  xenstore_data: Record<string, string>;
  snapshots: Ref<"VM">[];
  parent: Ref<"VM"> | null;
  /** -1 unless the VM runs. */
  domid: number;
  metrics: Ref<"VM_metrics"> | null;
  /** OpaqueRef:NULL (null) until the guest agent reports. */
  guest_metrics: Ref<"VM_guest_metrics"> | null;
  suspend_SR: Ref<"SR"> | null;
  user_version: number;
  ha_restart_priority: string;
  /** Newer xapi only. */
  domain_type?: (typeof VM_DOMAIN_TYPES)[number] | (string & {});
}

export interface VdiRecord {
  uuid: string;
  name_label: string;
  name_description: string;
  SR: Ref<"SR">;
  /** Bytes the guest sees. */
  virtual_size: number;
  /** Bytes used on the SR. */
  physical_utilisation: number;
  type: (typeof VDI_TYPES)[number] | (string & {});
  sharable: boolean;
  read_only: boolean;
  other_config: Record<string, string>;
  sm_config: Record<string, string>;
  xenstore_data: Record<string, string>;
  tags: string[];
  VBDs: Ref<"VBD">[];
  location: string;
  managed: boolean;
  missing: boolean;
  is_a_snapshot: boolean;
  allowed_operations: string[];
  current_operations: Record<string, string>;
}

export interface VbdRecord {
  uuid: string;
  VM: Ref<"VM">;
  /** null for an empty CD drive. */
  VDI: Ref<"VDI"> | null;
  /** The device in the guest (`xvda`), "" until first plugged. */
  device: string;
  /** `"0"`, `"1"` … or `"autodetect"`. */
  userdevice: string;
  bootable: boolean;
  mode: (typeof VBD_MODES)[number];
  type: (typeof VBD_TYPES)[number];
  unpluggable: boolean;
  empty: boolean;
  other_config: Record<string, string>;
  currently_attached: boolean;
  qos_algorithm_type: string;
  qos_algorithm_params: Record<string, string>;
  status_code: number;
  status_detail: string;
  allowed_operations: string[];
  current_operations: Record<string, string>;
}

export interface VifRecord {
  uuid: string;
  /** `"0"`, `"1"` …: the guest's interface number. */
  device: string;
  network: Ref<"network">;
  VM: Ref<"VM">;
  MAC: string;
  MTU: number;
  other_config: Record<string, string>;
  currently_attached: boolean;
  MAC_autogenerated: boolean;
  qos_algorithm_type: string;
  qos_algorithm_params: Record<string, string>;
  locking_mode: (typeof VIF_LOCKING_MODES)[number] | (string & {});
  ipv4_allowed: string[];
  ipv6_allowed: string[];
  allowed_operations: string[];
  current_operations: Record<string, string>;
}

export interface TaskRecord {
  uuid: string;
  /** The call it carries out (`Async.VM.clone`). */
  name_label: string;
  name_description: string;
  created: Date;
  /** 19700101T00:00:00Z while it runs. */
  finished: Date;
  status: TaskStatus;
  /** 0 to 1. */
  progress: number;
  type: string;
  /** The XML-RPC value of the call's result, as text (`<value>OpaqueRef:…</value>`); "" until it succeeds. */
  result: string;
  /** `[code, params…]` of a failure. */
  error_info: string[];
  other_config: Record<string, string>;
  subtask_of: Ref<"task"> | null;
  subtasks: Ref<"task">[];
  resident_on: Ref<"host"> | null;
  allowed_operations: string[];
  backtrace?: string;
}

export interface VmGuestMetricsRecord {
  uuid: string;
  os_version: Record<string, string>;
  /** Newer xapi only. */
  PV_drivers_detected?: boolean;
  /** `"0/ip"`, `"0/ipv4/0"`, `"0/ipv6/0"` (VIF device / family / index) → address. */
  networks: Record<string, string>;
  last_updated: Date;
  other_config: Record<string, string>;
  live: boolean;
}

/** The record type of each class hyperplan reads, by its XenAPI name. */
export interface XenRecords {
  pool: PoolRecord;
  host: HostRecord;
  SR: SrRecord;
  network: NetworkRecord;
  PIF: PifRecord;
  VM: VmRecord;
  VDI: VdiRecord;
  VBD: VbdRecord;
  VIF: VifRecord;
  task: TaskRecord;
  VM_guest_metrics: VmGuestMetricsRecord;
}

export type XenClass = keyof XenRecords;

/** One decoder per field of R: no more, no fewer, each of the field's type. */
export type FieldSpecs<R> = { readonly [K in keyof R]-?: Field<R[K]> };

const names = { uuid: text, name_label: text, name_description: text } as const;
const operations = { allowed_operations: texts, current_operations: textMap } as const;

const POOL: FieldSpecs<PoolRecord> = {
  ...names,
  master: ref("host"),
  default_SR: nullableRef("SR"),
  other_config: textMap,
  tags: texts,
  ha_enabled: bool,
};

const HOST: FieldSpecs<HostRecord> = {
  ...names,
  address: text,
  hostname: text,
  enabled: bool,
  API_version_major: int,
  API_version_minor: int,
  resident_VMs: refs("VM"),
  PIFs: refs("PIF"),
  PBDs: refs("PBD"),
  software_version: textMap,
  other_config: textMap,
  tags: texts,
};

const SR: FieldSpecs<SrRecord> = {
  ...names,
  ...operations,
  type: text,
  content_type: text,
  shared: bool,
  physical_size: int,
  physical_utilisation: int,
  virtual_allocation: int,
  VDIs: refs("VDI"),
  PBDs: refs("PBD"),
  other_config: textMap,
  sm_config: textMap,
  tags: texts,
};

const NETWORK: FieldSpecs<NetworkRecord> = {
  ...names,
  MTU: int,
  other_config: textMap,
  bridge: text,
  managed: bool,
  tags: texts,
  VIFs: refs("VIF"),
  PIFs: refs("PIF"),
};

const PIF: FieldSpecs<PifRecord> = {
  uuid: text,
  device: text,
  network: ref("network"),
  host: ref("host"),
  MAC: text,
  MTU: int,
  VLAN: int,
  physical: bool,
  currently_attached: bool,
  management: bool,
  ip_configuration_mode: openEnum(PIF_IP_MODES),
  IP: text,
  netmask: text,
  gateway: text,
  DNS: text,
  other_config: textMap,
};

const VM: FieldSpecs<VmRecord> = {
  ...names,
  ...operations,
  // Records spell power states capitalised; error parameters spell them in lowercase (FACTS §1.7).
  power_state: oneOf(VM_POWER_STATES, { anyCase: true }),
  is_a_template: bool,
  is_default_template: bool,
  is_a_snapshot: bool,
  is_control_domain: bool,
  memory_static_max: int,
  memory_static_min: int,
  memory_dynamic_max: int,
  memory_dynamic_min: int,
  memory_target: int,
  memory_overhead: int,
  VCPUs_max: int,
  VCPUs_at_startup: int,
  VCPUs_params: textMap,
  actions_after_shutdown: oneOf(ON_NORMAL_EXIT),
  actions_after_reboot: oneOf(ON_NORMAL_EXIT),
  actions_after_crash: oneOf(ON_CRASH),
  other_config: textMap,
  platform: textMap,
  HVM_boot_policy: text,
  HVM_boot_params: textMap,
  PV_bootloader: text,
  PV_kernel: text,
  PV_ramdisk: text,
  PV_args: text,
  VBDs: refs("VBD"),
  VIFs: refs("VIF"),
  resident_on: nullableRef("host"),
  affinity: nullableRef("host"),
  blocked_operations: textMap,
  tags: texts,
  xenstore_data: textMap,
  snapshots: refs("VM"),
  parent: nullableRef("VM"),
  domid: int,
  metrics: nullableRef("VM_metrics"),
  guest_metrics: nullableRef("VM_guest_metrics"),
  suspend_SR: nullableRef("SR"),
  user_version: int,
  ha_restart_priority: text,
  domain_type: optional(openEnum(VM_DOMAIN_TYPES)),
};

const VDI: FieldSpecs<VdiRecord> = {
  ...names,
  ...operations,
  SR: ref("SR"),
  virtual_size: int,
  physical_utilisation: int,
  type: openEnum(VDI_TYPES),
  sharable: bool,
  read_only: bool,
  other_config: textMap,
  sm_config: textMap,
  xenstore_data: textMap,
  tags: texts,
  VBDs: refs("VBD"),
  location: text,
  managed: bool,
  missing: bool,
  is_a_snapshot: bool,
};

const VBD: FieldSpecs<VbdRecord> = {
  ...operations,
  uuid: text,
  VM: ref("VM"),
  VDI: nullableRef("VDI"),
  device: text,
  userdevice: text,
  bootable: bool,
  mode: oneOf(VBD_MODES),
  type: oneOf(VBD_TYPES),
  unpluggable: bool,
  empty: bool,
  other_config: textMap,
  currently_attached: bool,
  qos_algorithm_type: text,
  qos_algorithm_params: textMap,
  status_code: int,
  status_detail: text,
};

const VIF: FieldSpecs<VifRecord> = {
  ...operations,
  uuid: text,
  device: text,
  network: ref("network"),
  VM: ref("VM"),
  MAC: text,
  MTU: int,
  other_config: textMap,
  currently_attached: bool,
  MAC_autogenerated: bool,
  qos_algorithm_type: text,
  qos_algorithm_params: textMap,
  locking_mode: openEnum(VIF_LOCKING_MODES),
  ipv4_allowed: texts,
  ipv6_allowed: texts,
};

const TASK: FieldSpecs<TaskRecord> = {
  ...names,
  created: dateTime,
  finished: dateTime,
  status: oneOf(TASK_STATUSES),
  progress: float,
  type: text,
  result: text,
  error_info: texts,
  other_config: textMap,
  subtask_of: nullableRef("task"),
  subtasks: refs("task"),
  resident_on: nullableRef("host"),
  allowed_operations: texts,
  backtrace: optional(text),
};

const VM_GUEST_METRICS: FieldSpecs<VmGuestMetricsRecord> = {
  uuid: text,
  os_version: textMap,
  PV_drivers_detected: optional(bool),
  networks: textMap,
  last_updated: dateTime,
  other_config: textMap,
  live: bool,
};

const SPECS: { [C in XenClass]: FieldSpecs<XenRecords[C]> } = {
  pool: POOL,
  host: HOST,
  SR,
  network: NETWORK,
  PIF,
  VM,
  VDI,
  VBD,
  VIF,
  task: TASK,
  VM_guest_metrics: VM_GUEST_METRICS,
};

export const XEN_CLASSES = Object.keys(SPECS) as XenClass[];

export function isXenClass(name: string): name is XenClass {
  return Object.prototype.hasOwnProperty.call(SPECS, name);
}

/** The specs as arrays, walked once per record. */
const COMPILED = new Map<XenClass, [string, Field<unknown>][]>(XEN_CLASSES.map((cls) => [cls, Object.entries(SPECS[cls]) as [string, Field<unknown>][]]));

/**
 * The typed record of `raw`, an object of class `cls` read by `method`. Throws a XenProtocolError
 * naming class, ref and field when a field is missing or of the wrong type.
 */
export function decodeRecord<C extends XenClass>(cls: C, ref: string, raw: WireValue, method: string): XenRecords[C] {
  if (!isStruct(raw)) throw new XenProtocolError(method, `${cls} ${ref}: the record is ${describeValue(raw)}, not a struct`, { className: cls, ref });
  const out: Record<string, unknown> = {};
  for (const [name, field] of COMPILED.get(cls)!) {
    const value = raw[name];
    if (value === undefined) {
      if (field.optional) continue;
      throw new XenProtocolError(method, `${cls} ${ref}: the field ${name} is missing (expected ${field.expected})`, { className: cls, ref, field: name });
    }
    const decoded = field.decode(value);
    if (decoded === INVALID) {
      throw new XenProtocolError(method, `${cls} ${ref}: the field ${name} is ${describeValue(value)}, expected ${field.expected}`, { className: cls, ref, field: name });
    }
    out[name] = decoded;
  }
  return out as unknown as XenRecords[C];
}

/** `{ref: record}` as get_all_records returns it, decoded into a map by ref. */
export function decodeRecordMap<C extends XenClass>(cls: C, raw: WireValue, method: string): Map<Ref<C>, XenRecords[C]> {
  if (!isStruct(raw)) throw new XenProtocolError(method, `expected a map of ${cls} refs to records, got ${describeValue(raw)}`, { className: cls });
  const records = new Map<Ref<C>, XenRecords[C]>();
  for (const key in raw) {
    if (!key.startsWith("OpaqueRef:")) throw new XenProtocolError(method, `the key ${JSON.stringify(key.slice(0, 60))} of the ${cls} records is not an OpaqueRef`, { className: cls });
    records.set(key as Ref<C>, decodeRecord(cls, key, raw[key]!, method));
  }
  return records;
}
