/**
 * The simulated XenAPI's classes: every field with its type, its qualifier and, for the fields a
 * constructor may leave out, its default. The implicit messages (getters, setters, map and set
 * helpers, get_record, get_all_records …) and the records' wire form are derived from these tables
 * alone, as xapi derives them from its datamodel (`ocaml/idl/datamodel*.ml`; field lists and
 * defaults per FACTS §1.5 and the xenapi.json dump it cites).
 */

export type FieldType =
  | { readonly kind: "string" }
  | { readonly kind: "int" }
  /** Only valid_ref_counts travels as int32 (`<i4>`); no record field has this type. */
  | { readonly kind: "int32" }
  | { readonly kind: "float" }
  | { readonly kind: "bool" }
  | { readonly kind: "datetime" }
  | { readonly kind: "enum"; readonly name: string; readonly values: readonly string[] }
  | { readonly kind: "ref"; readonly cls: string }
  | { readonly kind: "set"; readonly of: FieldType }
  | { readonly kind: "map"; readonly key: FieldType; readonly value: FieldType };

/**
 * `RO`: runtime, read only (no setter, not in a constructor record). `C`: set by the constructor
 * record and then read only (`StaticRO`). `RW`: constructor record and implicit `set_<field>`.
 */
export type Qualifier = "RO" | "C" | "RW";

/** A stored value: datetimes are milliseconds since the epoch, refs and enums strings. */
export type Stored = string | number | boolean | Stored[] | { [key: string]: Stored };
export type StoredRecord = Record<string, Stored>;

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  readonly qualifier: Qualifier;
  /** The value a constructor record may leave out; absent = the field is required there. */
  readonly default?: Stored;
}

export interface ClassSpec {
  /** The API's own spelling (`VM`, `VDI`, `host`, `VM_guest_metrics`). */
  readonly name: string;
  readonly fields: readonly FieldSpec[];
  readonly byName: ReadonlyMap<string, FieldSpec>;
  /** Has `<Class>.create(record)` and `<Class>.destroy(self)` built from the field table. */
  readonly ctor: boolean;
  /** Stored in the world's tables, listed with get_all/get_all_records and seen by events. */
  readonly table: boolean;
}

export const NULL_REF = "OpaqueRef:NULL";

const S: FieldType = { kind: "string" };
const I: FieldType = { kind: "int" };
const F: FieldType = { kind: "float" };
const B: FieldType = { kind: "bool" };
const D: FieldType = { kind: "datetime" };
const ref = (cls: string): FieldType => ({ kind: "ref", cls });
const set = (of: FieldType): FieldType => ({ kind: "set", of });
const map = (key: FieldType, value: FieldType): FieldType => ({ kind: "map", key, value });
const en = (name: string, values: readonly string[]): FieldType => ({ kind: "enum", name, values });
const SS = map(S, S);

export const VM_POWER_STATES = ["Halted", "Paused", "Running", "Suspended"] as const;
export type VmPowerState = (typeof VM_POWER_STATES)[number];

export const VM_OPERATIONS = [
  "snapshot", "clone", "copy", "create_template", "revert", "checkpoint", "snapshot_with_quiesce", "provision",
  "start", "start_on", "pause", "unpause", "clean_shutdown", "clean_reboot", "hard_shutdown", "power_state_reset",
  "hard_reboot", "suspend", "csvm", "resume", "resume_on", "pool_migrate", "migrate_send", "get_boot_record",
  "send_sysrq", "send_trigger", "query_services", "shutdown", "call_plugin", "changing_memory_live",
  "awaiting_memory_live", "changing_dynamic_range", "changing_static_range", "changing_memory_limits",
  "changing_shadow_memory", "changing_shadow_memory_live", "changing_VCPUs", "changing_VCPUs_live", "changing_NVRAM",
  "assert_operation_valid", "data_source_op", "update_allowed_operations", "make_into_template", "import", "export",
  "metadata_export", "reverting", "destroy", "create_vtpm",
] as const;

const vmOperations = en("vm_operations", VM_OPERATIONS);
const vdiOperations = en("vdi_operations", [
  "clone", "copy", "resize", "resize_online", "snapshot", "mirror", "destroy", "forget", "update", "force_unlock",
  "generate_config", "enable_cbt", "disable_cbt", "data_destroy", "list_changed_blocks", "set_on_boot", "blocked",
]);
export const VDI_TYPES = [
  "system", "user", "ephemeral", "suspend", "crashdump", "ha_statefile", "metadata", "redo_log", "rrd", "pvs_cache", "cbt_metadata",
] as const;
const vbdOperations = en("vbd_operations", ["attach", "eject", "insert", "plug", "unplug", "unplug_force", "pause", "unpause"]);
const vifOperations = en("vif_operations", ["attach", "plug", "unplug"]);
const storageOperations = en("storage_operations", [
  "scan", "destroy", "forget", "plug", "unplug", "update", "vdi_create", "vdi_introduce", "vdi_destroy", "vdi_resize",
  "vdi_clone", "vdi_snapshot", "vdi_mirror", "vdi_enable_cbt", "vdi_disable_cbt", "vdi_data_destroy",
  "vdi_list_changed_blocks", "vdi_set_on_boot", "pbd_create", "pbd_destroy",
]);
export const TASK_STATUSES = ["pending", "success", "failure", "cancelling", "cancelled"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
const tristate = en("tristate_type", ["yes", "no", "unspecified"]);
const ipMode = en("ip_configuration_mode", ["None", "DHCP", "Static"]);

/** Field table shorthands: runtime read-only, constructor-only, read-write. */
const ro = (name: string, type: FieldType): FieldSpec => ({ name, type, qualifier: "RO" });
const c = (name: string, type: FieldType, ...def: [Stored?]): FieldSpec =>
  def.length > 0 ? { name, type, qualifier: "C", default: def[0] as Stored } : { name, type, qualifier: "C" };
const rw = (name: string, type: FieldType, ...def: [Stored?]): FieldSpec =>
  def.length > 0 ? { name, type, qualifier: "RW", default: def[0] as Stored } : { name, type, qualifier: "RW" };

const uuid = ro("uuid", S);

function cls(name: string, fields: FieldSpec[], options: { ctor?: boolean; table?: boolean } = {}): ClassSpec {
  return {
    name,
    fields,
    byName: new Map(fields.map((f) => [f.name, f])),
    ctor: options.ctor ?? false,
    table: options.table ?? true,
  };
}

export const POOL = cls("pool", [
  uuid,
  rw("name_label", S),
  rw("name_description", S),
  ro("master", ref("host")),
  rw("default_SR", ref("SR")),
  rw("suspend_image_SR", ref("SR")),
  rw("crash_dump_SR", ref("SR")),
  rw("other_config", SS),
  ro("ha_enabled", B),
  ro("ha_configuration", SS),
  ro("ha_statefiles", set(S)),
  ro("ha_host_failures_to_tolerate", I),
  ro("ha_plan_exists_for", I),
  rw("ha_allow_overcommit", B),
  ro("ha_overcommitted", B),
  ro("blobs", map(S, ref("blob"))),
  rw("tags", set(S)),
  rw("gui_config", SS),
  rw("health_check_config", SS),
  ro("wlb_url", S),
  ro("wlb_username", S),
  rw("wlb_enabled", B),
  rw("wlb_verify_cert", B),
  ro("redo_log_enabled", B),
  ro("redo_log_vdi", ref("VDI")),
  ro("vswitch_controller", S),
  ro("restrictions", SS),
  ro("metadata_VDIs", set(ref("VDI"))),
  ro("ha_cluster_stack", S),
  ro("allowed_operations", set(en("pool_allowed_operations", ["ha_enable", "ha_disable", "cluster_create", "designate_new_master"]))),
  ro("current_operations", map(S, en("pool_allowed_operations", ["ha_enable", "ha_disable", "cluster_create", "designate_new_master"]))),
  ro("guest_agent_config", SS),
  ro("cpu_info", SS),
  rw("policy_no_vendor_device", B),
  rw("live_patching_disabled", B),
  ro("igmp_snooping_enabled", B),
  ro("uefi_certificates", S),
  ro("tls_verification_enabled", B),
  ro("repositories", set(ref("Repository"))),
  ro("client_certificate_auth_enabled", B),
  ro("client_certificate_auth_name", S),
  rw("migration_compression", B),
  rw("coordinator_bias", B),
  ro("last_update_sync", D),
  ro("update_sync_enabled", B),
]);

export const HOST = cls("host", [
  uuid,
  rw("name_label", S),
  rw("name_description", S),
  ro("memory_overhead", I),
  ro("allowed_operations", set(en("host_allowed_operations", ["provision", "evacuate", "shutdown", "reboot", "power_on", "vm_start", "vm_resume", "vm_migrate", "apply_updates", "enable"]))),
  ro("current_operations", map(S, en("host_allowed_operations", ["provision", "evacuate", "shutdown", "reboot", "power_on", "vm_start", "vm_resume", "vm_migrate", "apply_updates", "enable"]))),
  ro("API_version_major", I),
  ro("API_version_minor", I),
  ro("API_version_vendor", S),
  ro("API_version_vendor_implementation", SS),
  ro("enabled", B),
  ro("software_version", SS),
  rw("other_config", SS),
  ro("capabilities", set(S)),
  ro("cpu_configuration", SS),
  ro("sched_policy", S),
  ro("supported_bootloaders", set(S)),
  ro("resident_VMs", set(ref("VM"))),
  rw("logging", SS),
  ro("PIFs", set(ref("PIF"))),
  rw("suspend_image_sr", ref("SR")),
  rw("crash_dump_sr", ref("SR")),
  ro("crashdumps", set(ref("host_crashdump"))),
  ro("patches", set(ref("host_patch"))),
  ro("updates", set(ref("pool_update"))),
  ro("PBDs", set(ref("PBD"))),
  ro("host_CPUs", set(ref("host_cpu"))),
  ro("cpu_info", SS),
  rw("hostname", S),
  rw("address", S),
  ro("metrics", ref("host_metrics")),
  ro("license_params", SS),
  ro("ha_statefiles", set(S)),
  ro("ha_network_peers", set(S)),
  ro("blobs", map(S, ref("blob"))),
  rw("tags", set(S)),
  ro("external_auth_type", S),
  ro("external_auth_service_name", S),
  ro("external_auth_configuration", SS),
  ro("edition", S),
  ro("license_server", SS),
  ro("bios_strings", SS),
  ro("power_on_mode", S),
  ro("power_on_config", SS),
  ro("local_cache_sr", ref("SR")),
  ro("chipset_info", SS),
  ro("PCIs", set(ref("PCI"))),
  ro("PGPUs", set(ref("PGPU"))),
  ro("PUSBs", set(ref("PUSB"))),
  ro("ssl_legacy", B),
  rw("guest_VCPUs_params", SS),
  ro("display", en("host_display", ["enabled", "disable_on_reboot", "disabled", "enable_on_reboot"])),
  ro("virtual_hardware_platform_versions", set(I)),
  ro("control_domain", ref("VM")),
  ro("updates_requiring_reboot", set(ref("pool_update"))),
  ro("features", set(ref("Feature"))),
  ro("iscsi_iqn", S),
  ro("multipathing", B),
  ro("uefi_certificates", S),
  ro("certificates", set(ref("Certificate"))),
  ro("editions", set(S)),
  ro("tls_verification_enabled", B),
  ro("last_software_update", D),
  ro("https_only", B),
]);

export const HOST_METRICS = cls("host_metrics", [
  uuid,
  ro("memory_total", I),
  ro("memory_free", I),
  ro("live", B),
  ro("last_updated", D),
  rw("other_config", SS),
]);

export const SR = cls("SR", [
  uuid,
  rw("name_label", S),
  rw("name_description", S),
  ro("allowed_operations", set(storageOperations)),
  ro("current_operations", map(S, storageOperations)),
  ro("VDIs", set(ref("VDI"))),
  ro("PBDs", set(ref("PBD"))),
  ro("virtual_allocation", I),
  ro("physical_utilisation", I),
  ro("physical_size", I),
  ro("type", S),
  ro("content_type", S),
  ro("shared", B),
  rw("other_config", SS),
  rw("tags", set(S)),
  ro("sm_config", SS),
  ro("blobs", map(S, ref("blob"))),
  ro("local_cache_enabled", B),
  ro("introduced_by", ref("DR_task")),
  ro("clustered", B),
  ro("is_tools_sr", B),
]);

export const PBD = cls("PBD", [
  uuid,
  ro("host", ref("host")),
  ro("SR", ref("SR")),
  ro("device_config", SS),
  ro("currently_attached", B),
  rw("other_config", SS),
]);

export const NETWORK = cls(
  "network",
  [
    uuid,
    rw("name_label", S),
    rw("name_description", S),
    ro("allowed_operations", set(en("network_operations", ["attaching"]))),
    ro("current_operations", map(S, en("network_operations", ["attaching"]))),
    ro("VIFs", set(ref("VIF"))),
    ro("PIFs", set(ref("PIF"))),
    rw("MTU", I, 1500),
    rw("other_config", SS),
    c("bridge", S, ""),
    c("managed", B, true),
    ro("blobs", map(S, ref("blob"))),
    rw("tags", set(S), []),
    ro("default_locking_mode", en("network_default_locking_mode", ["unlocked", "disabled"])),
    ro("assigned_ips", map(ref("VIF"), S)),
    ro("purpose", set(en("network_purpose", ["nbd", "insecure_nbd"]))),
  ],
  { ctor: true },
);

export const PIF = cls("PIF", [
  uuid,
  ro("device", S),
  ro("network", ref("network")),
  ro("host", ref("host")),
  ro("MAC", S),
  ro("MTU", I),
  ro("VLAN", I),
  ro("metrics", ref("PIF_metrics")),
  ro("physical", B),
  ro("currently_attached", B),
  ro("ip_configuration_mode", ipMode),
  ro("IP", S),
  ro("netmask", S),
  ro("gateway", S),
  ro("DNS", S),
  ro("bond_slave_of", ref("Bond")),
  ro("bond_master_of", set(ref("Bond"))),
  ro("VLAN_master_of", ref("VLAN")),
  ro("VLAN_slave_of", set(ref("VLAN"))),
  ro("management", B),
  rw("other_config", SS),
  ro("disallow_unplug", B),
  ro("ipv6_configuration_mode", en("ipv6_configuration_mode", ["None", "DHCP", "Static", "Autoconf"])),
  ro("IPv6", set(S)),
  ro("ipv6_gateway", S),
  ro("primary_address_type", en("primary_address_type", ["IPv4", "IPv6"])),
  ro("managed", B),
  ro("properties", SS),
  ro("capabilities", set(S)),
]);

export const VM = cls(
  "VM",
  [
    uuid,
    ro("allowed_operations", set(vmOperations)),
    ro("current_operations", map(S, vmOperations)),
    rw("name_label", S),
    rw("name_description", S),
    ro("power_state", en("vm_power_state", VM_POWER_STATES)),
    rw("user_version", I, 1),
    rw("is_a_template", B),
    ro("is_default_template", B),
    ro("suspend_VDI", ref("VDI")),
    ro("resident_on", ref("host")),
    ro("scheduled_to_be_resident_on", ref("host")),
    rw("affinity", ref("host"), NULL_REF),
    ro("memory_overhead", I),
    c("memory_target", I, 0),
    c("memory_static_max", I),
    c("memory_dynamic_max", I),
    c("memory_dynamic_min", I),
    c("memory_static_min", I),
    rw("VCPUs_params", SS),
    c("VCPUs_max", I),
    c("VCPUs_at_startup", I),
    rw("actions_after_softreboot", en("on_softreboot_behavior", ["soft_reboot", "destroy", "restart", "preserve"]), "soft_reboot"),
    rw("actions_after_shutdown", en("on_normal_exit", ["destroy", "restart"])),
    rw("actions_after_reboot", en("on_normal_exit", ["destroy", "restart"])),
    c("actions_after_crash", en("on_crash_behaviour", ["destroy", "coredump_and_destroy", "restart", "coredump_and_restart", "preserve", "rename_restart"])),
    ro("consoles", set(ref("console"))),
    ro("VIFs", set(ref("VIF"))),
    ro("VBDs", set(ref("VBD"))),
    ro("VUSBs", set(ref("VUSB"))),
    ro("crash_dumps", set(ref("crashdump"))),
    ro("VTPMs", set(ref("VTPM"))),
    rw("PV_bootloader", S),
    rw("PV_kernel", S),
    rw("PV_ramdisk", S),
    rw("PV_args", S),
    rw("PV_bootloader_args", S),
    rw("PV_legacy_args", S),
    rw("HVM_boot_policy", S),
    rw("HVM_boot_params", SS),
    ro("HVM_shadow_multiplier", F),
    rw("platform", SS),
    rw("PCI_bus", S, ""),
    rw("other_config", SS),
    ro("domid", I),
    ro("domarch", S),
    ro("last_boot_CPU_flags", SS),
    ro("is_control_domain", B),
    ro("metrics", ref("VM_metrics")),
    ro("guest_metrics", ref("VM_guest_metrics")),
    ro("last_booted_record", S),
    rw("recommendations", S, ""),
    rw("xenstore_data", SS, {}),
    ro("ha_always_run", B),
    c("ha_restart_priority", S, ""),
    ro("is_a_snapshot", B),
    ro("snapshot_of", ref("VM")),
    ro("snapshots", set(ref("VM"))),
    ro("snapshot_time", D),
    ro("transportable_snapshot_id", S),
    ro("blobs", map(S, ref("blob"))),
    rw("tags", set(S), []),
    rw("blocked_operations", map(vmOperations, S), {}),
    ro("snapshot_info", SS),
    ro("snapshot_metadata", S),
    ro("parent", ref("VM")),
    ro("children", set(ref("VM"))),
    ro("bios_strings", SS),
    ro("protection_policy", ref("VMPP")),
    ro("is_snapshot_from_vmpp", B),
    ro("snapshot_schedule", ref("VMSS")),
    ro("is_vmss_snapshot", B),
    ro("appliance", ref("VM_appliance")),
    ro("start_delay", I),
    ro("shutdown_delay", I),
    ro("order", I),
    ro("VGPUs", set(ref("VGPU"))),
    ro("attached_PCIs", set(ref("PCI"))),
    rw("suspend_SR", ref("SR"), NULL_REF),
    ro("version", I),
    ro("generation_id", S),
    ro("hardware_platform_version", I),
    c("has_vendor_device", B, false),
    ro("requires_reboot", B),
    c("reference_label", S, ""),
    c("domain_type", en("domain_type", ["hvm", "pv", "pv_in_pvh", "pvh", "unspecified"]), "unspecified"),
    c("NVRAM", SS, {}),
    ro("pending_guidances", set(en("update_guidances", ["reboot_host", "reboot_host_on_livepatch_failure", "restart_toolstack", "restart_device_model", "restart_vm"]))),
    ro("recommended_guidances", set(en("update_guidances", ["reboot_host", "reboot_host_on_livepatch_failure", "restart_toolstack", "restart_device_model", "restart_vm"]))),
    ro("groups", set(ref("VM_group"))),
    ro("secureboot_certificates_state", en("secureboot_certificates_state", ["unknown", "ready", "not_ready"])),
  ],
  { ctor: true },
);

export const VM_METRICS = cls("VM_metrics", [
  uuid,
  ro("memory_actual", I),
  ro("VCPUs_number", I),
  ro("VCPUs_utilisation", map(I, F)),
  ro("VCPUs_CPU", map(I, I)),
  ro("VCPUs_params", SS),
  ro("VCPUs_flags", map(I, set(S))),
  ro("state", set(S)),
  ro("start_time", D),
  ro("install_time", D),
  ro("last_updated", D),
  rw("other_config", SS),
  ro("hvm", B),
  ro("nested_virt", B),
  ro("nomigrate", B),
  ro("current_domain_type", en("domain_type", ["hvm", "pv", "pv_in_pvh", "pvh", "unspecified"])),
]);

export const VM_GUEST_METRICS = cls("VM_guest_metrics", [
  uuid,
  ro("os_version", SS),
  ro("netbios_name", SS),
  ro("PV_drivers_version", SS),
  ro("PV_drivers_up_to_date", B),
  ro("memory", SS),
  ro("disks", SS),
  ro("networks", SS),
  ro("other", SS),
  ro("last_updated", D),
  rw("other_config", SS),
  ro("live", B),
  ro("can_use_hotplug_vbd", tristate),
  ro("can_use_hotplug_vif", tristate),
  ro("PV_drivers_detected", B),
  ro("services", SS),
]);

export const VDI = cls(
  "VDI",
  [
    uuid,
    rw("name_label", S),
    rw("name_description", S),
    ro("allowed_operations", set(vdiOperations)),
    ro("current_operations", map(S, vdiOperations)),
    c("SR", ref("SR")),
    ro("VBDs", set(ref("VBD"))),
    ro("crash_dumps", set(ref("crashdump"))),
    c("virtual_size", I),
    ro("physical_utilisation", I),
    c("type", en("vdi_type", VDI_TYPES)),
    c("sharable", B),
    c("read_only", B),
    rw("other_config", SS),
    ro("storage_lock", B),
    ro("location", S),
    ro("managed", B),
    ro("missing", B),
    ro("parent", ref("VDI")),
    c("xenstore_data", SS, {}),
    c("sm_config", SS, {}),
    ro("is_a_snapshot", B),
    ro("snapshot_of", ref("VDI")),
    ro("snapshots", set(ref("VDI"))),
    ro("snapshot_time", D),
    rw("tags", set(S), []),
    ro("allow_caching", B),
    ro("on_boot", en("on_boot", ["reset", "persist"])),
    ro("metadata_of_pool", ref("pool")),
    ro("metadata_latest", B),
    ro("is_tools_iso", B),
    ro("cbt_enabled", B),
  ],
  { ctor: true },
);

export const VBD = cls(
  "VBD",
  [
    uuid,
    ro("allowed_operations", set(vbdOperations)),
    ro("current_operations", map(S, vbdOperations)),
    c("VM", ref("VM")),
    c("VDI", ref("VDI")),
    ro("device", S),
    rw("userdevice", S),
    rw("bootable", B),
    c("mode", en("vbd_mode", ["RO", "RW"])),
    rw("type", en("vbd_type", ["CD", "Disk", "Floppy"])),
    rw("unpluggable", B, true),
    ro("storage_lock", B),
    c("empty", B),
    rw("other_config", SS),
    ro("currently_attached", B),
    ro("status_code", I),
    ro("status_detail", S),
    ro("runtime_properties", SS),
    rw("qos_algorithm_type", S),
    rw("qos_algorithm_params", SS),
    ro("qos_supported_algorithms", set(S)),
    ro("metrics", ref("VBD_metrics")),
  ],
  { ctor: true },
);

export const VIF = cls(
  "VIF",
  [
    uuid,
    ro("allowed_operations", set(vifOperations)),
    ro("current_operations", map(S, vifOperations)),
    c("device", S),
    c("network", ref("network")),
    c("VM", ref("VM")),
    c("MAC", S),
    c("MTU", I),
    rw("other_config", SS),
    ro("currently_attached", B),
    ro("status_code", I),
    ro("status_detail", S),
    ro("runtime_properties", SS),
    rw("qos_algorithm_type", S),
    rw("qos_algorithm_params", SS),
    ro("qos_supported_algorithms", set(S)),
    ro("metrics", ref("VIF_metrics")),
    ro("MAC_autogenerated", B),
    c("locking_mode", en("vif_locking_mode", ["network_default", "locked", "unlocked", "disabled"]), "network_default"),
    c("ipv4_allowed", set(S), []),
    c("ipv6_allowed", set(S), []),
    ro("ipv4_configuration_mode", en("vif_ipv4_configuration_mode", ["None", "Static"])),
    ro("ipv4_addresses", set(S)),
    ro("ipv4_gateway", S),
    ro("ipv6_configuration_mode", en("vif_ipv6_configuration_mode", ["None", "Static"])),
    ro("ipv6_addresses", set(S)),
    ro("ipv6_gateway", S),
  ],
  { ctor: true },
);

export const TASK = cls("task", [
  uuid,
  ro("name_label", S),
  ro("name_description", S),
  ro("allowed_operations", set(en("task_allowed_operations", ["cancel", "destroy"]))),
  ro("current_operations", map(S, en("task_allowed_operations", ["cancel", "destroy"]))),
  ro("created", D),
  ro("finished", D),
  ro("status", en("task_status_type", TASK_STATUSES)),
  ro("resident_on", ref("host")),
  ro("progress", F),
  ro("type", S),
  ro("result", S),
  ro("error_info", set(S)),
  rw("other_config", SS),
  ro("subtask_of", ref("task")),
  ro("subtasks", set(ref("task"))),
  ro("backtrace", S),
]);

/** Sessions live beside the tables: no get_all, no events (a session is not a watched object). */
export const SESSION = cls(
  "session",
  [
    uuid,
    ro("this_host", ref("host")),
    ro("this_user", ref("user")),
    ro("last_active", D),
    ro("pool", B),
    rw("other_config", SS),
    ro("is_local_superuser", B),
    ro("subject", ref("subject")),
    ro("validation_time", D),
    ro("auth_user_sid", S),
    ro("auth_user_name", S),
    ro("rbac_permissions", set(S)),
    ro("tasks", set(ref("task"))),
    ro("parent", ref("session")),
    ro("originator", S),
    ro("client_certificate", B),
  ],
  { table: false },
);

/** Every class the simulator serves, tables first in the order system.listMethods lists them. */
export const CLASSES: readonly ClassSpec[] = [POOL, HOST, HOST_METRICS, SR, PBD, NETWORK, PIF, VM, VM_METRICS, VM_GUEST_METRICS, VDI, VBD, VIF, TASK, SESSION];

export const TABLE_CLASSES: readonly ClassSpec[] = CLASSES.filter((c) => c.table);

const BY_NAME = new Map(CLASSES.map((c) => [c.name, c]));
const BY_LOWER = new Map(CLASSES.map((c) => [c.name.toLowerCase(), c]));

export function classNamed(name: string): ClassSpec | undefined {
  return BY_NAME.get(name);
}

/** Classes by their lower-case name, as events and subscriptions spell them. */
export function classByLowerName(name: string): ClassSpec | undefined {
  return BY_LOWER.get(name.toLowerCase());
}

/**
 * The one-to-many pairs xapi keeps in step by itself: setting the "many" side's reference (a
 * VBD's VM) adds the object to the "one" side's set (the VM's VBDs), as xapi's database does for
 * fields declared as each other's inverse (`ocaml/idl/datamodel.ml` relations).
 */
export const RELATIONS: ReadonlyArray<{ many: string; field: string; one: string; set: string }> = [
  { many: "VBD", field: "VM", one: "VM", set: "VBDs" },
  { many: "VBD", field: "VDI", one: "VDI", set: "VBDs" },
  { many: "VIF", field: "VM", one: "VM", set: "VIFs" },
  { many: "VIF", field: "network", one: "network", set: "VIFs" },
  { many: "VDI", field: "SR", one: "SR", set: "VDIs" },
  { many: "PBD", field: "SR", one: "SR", set: "PBDs" },
  { many: "PBD", field: "host", one: "host", set: "PBDs" },
  { many: "PIF", field: "network", one: "network", set: "PIFs" },
  { many: "PIF", field: "host", one: "host", set: "PIFs" },
  { many: "VM", field: "resident_on", one: "host", set: "resident_VMs" },
  { many: "VM", field: "snapshot_of", one: "VM", set: "snapshots" },
  { many: "VM", field: "parent", one: "VM", set: "children" },
  { many: "task", field: "subtask_of", one: "task", set: "subtasks" },
];

/** The value a field holds when nothing set it: xapi's zero values (`OpaqueRef:NULL` for refs, the epoch for dates). */
export function zeroValue(type: FieldType): Stored {
  switch (type.kind) {
    case "string":
      return "";
    case "int":
    case "int32":
    case "float":
    case "datetime":
      return 0;
    case "bool":
      return false;
    case "enum":
      return type.values[0] as string;
    case "ref":
      return NULL_REF;
    case "set":
      return [];
    case "map":
      return {};
  }
}

const zeroRecords = new Map<ClassSpec, StoredRecord>();

/**
 * A record of `spec` with every field at its zero value, then `values` over it. Built by spreading
 * one zero record per class, which keeps V8's fast properties (an object grown field by field past
 * a few dozen keys turns into a slower dictionary). The zero record's empty maps and sets are
 * shared: stored values are replaced, never changed in place.
 */
export function blankRecord(spec: ClassSpec, values: StoredRecord = {}): StoredRecord {
  let zero = zeroRecords.get(spec);
  if (!zero) {
    const built: StoredRecord = {};
    for (const field of spec.fields) built[field.name] = zeroValue(field.type);
    zero = { ...built };
    zeroRecords.set(spec, zero);
  }
  return { ...zero, ...values };
}
