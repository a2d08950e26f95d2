/**
 * New records as xapi fills them: every field of the class at its zero value (`OpaqueRef:NULL`,
 * the epoch, empty maps and sets), the runtime fields a new object starts with, then what the
 * caller gives. One builder per class the simulator creates objects of.
 */
import { HOST_METRICS, NULL_REF, TASK, VBD, VDI, VIF, VM, VM_GUEST_METRICS, VM_METRICS, blankRecord, classNamed, type StoredRecord } from "./datamodel.js";
import { allowedOperations, memoryOverhead } from "./vm-rules.js";
import type { Row, World } from "./world.js";

export function vmRecord(world: World, values: StoredRecord): StoredRecord {
  const record = blankRecord(VM, {
    uuid: world.newUuid(),
    power_state: "Halted",
    user_version: 1,
    actions_after_softreboot: "soft_reboot",
    actions_after_shutdown: "destroy",
    actions_after_reboot: "restart",
    actions_after_crash: "restart",
    domid: -1,
    domarch: "",
    HVM_shadow_multiplier: 1,
    HVM_boot_policy: "BIOS order",
    HVM_boot_params: { order: "cdn" },
    platform: {},
    xenstore_data: {},
    hardware_platform_version: 0,
    domain_type: "hvm",
    secureboot_certificates_state: "unknown",
    ...values,
  });
  record.memory_overhead = memoryOverhead(record);
  record.allowed_operations = allowedOperations(record);
  return record;
}

/** A VM_metrics row for a new VM (xapi gives every VM one). */
export function insertVmMetrics(world: World, values: StoredRecord = {}): Row {
  return world.insert(VM_METRICS.name, blankRecord(VM_METRICS, { uuid: world.newUuid(), install_time: world.nowMs(), last_updated: world.nowMs(), current_domain_type: "unspecified", ...values }));
}

export function vmGuestMetricsRecord(world: World, values: StoredRecord): StoredRecord {
  return blankRecord(VM_GUEST_METRICS, { uuid: world.newUuid(), last_updated: world.nowMs(), live: true, can_use_hotplug_vbd: "yes", can_use_hotplug_vif: "yes", ...values });
}

export function vdiRecord(world: World, values: StoredRecord): StoredRecord {
  const uuid = world.newUuid();
  return blankRecord(VDI, {
    uuid,
    allowed_operations: ["clone", "copy", "destroy", "resize", "resize_online", "snapshot", "update", "forget", "generate_config"],
    location: uuid,
    managed: true,
    on_boot: "persist",
    metadata_of_pool: NULL_REF,
    ...values,
  });
}

export function vbdRecord(world: World, values: StoredRecord): StoredRecord {
  return blankRecord(VBD, {
    uuid: world.newUuid(),
    allowed_operations: ["attach"],
    unpluggable: true,
    qos_supported_algorithms: [],
    ...values,
  });
}

export function vifRecord(world: World, values: StoredRecord): StoredRecord {
  return blankRecord(VIF, {
    uuid: world.newUuid(),
    allowed_operations: ["attach"],
    locking_mode: "network_default",
    ipv4_configuration_mode: "None",
    ipv6_configuration_mode: "None",
    ...values,
  });
}

export function taskRecord(world: World, label: string, description: string, cancellable: boolean): StoredRecord {
  return blankRecord(TASK, {
    uuid: world.newUuid(),
    name_label: label,
    name_description: description,
    allowed_operations: cancellable ? ["cancel"] : [],
    created: world.nowMs(),
    finished: 0,
    status: "pending",
    resident_on: world.masterRef,
    progress: 0,
    type: "<none/>",
    result: "",
    error_info: [],
    backtrace: "()",
  });
}

export function hostMetricsRecord(world: World, total: number, free: number): StoredRecord {
  return blankRecord(HOST_METRICS, { uuid: world.newUuid(), memory_total: total, memory_free: free, live: true, last_updated: world.nowMs() });
}

/** A record of any class: zero values, a fresh uuid, then `values`. */
export function plainRecord(world: World, cls: string, values: StoredRecord): StoredRecord {
  const spec = classNamed(cls);
  if (!spec) throw new Error(`no class ${cls}`);
  return blankRecord(spec, { uuid: world.newUuid(), ...values });
}
