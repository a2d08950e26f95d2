/**
 * The pool a new simulator starts with: one pool of two hosts (the master and a slave, each with
 * its control domain, memory metrics, local LVM storage and a PIF on eth0), the pool-wide network
 * on `xenbr0`, the host-internal management network, a shared ISO library and the tools SR, two
 * default templates that carry their disks as an other_config `disks` entry ("Debian Bookworm 12",
 * "Other install media") and a custom template "debian-12-cloud" that carries a VBD to a base VDI.
 * Sizes are finite so that VM.start can fail HOST_NOT_ENOUGH_FREE_MEMORY and VDI.create SR_FULL.
 */
import { NULL_REF, type StoredRecord } from "./datamodel.js";
import { hostMetricsRecord, insertVmMetrics, plainRecord, vbdRecord, vmRecord } from "./records.js";
import { insertVdi, refreshSrUsage } from "./storage.js";
import { allowedOperations, hostMemoryFree, macFromSeed } from "./vm-rules.js";
import type { World } from "./world.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Each host's RAM, its control domain's share, and each local SR's size. */
export const HOST_MEMORY = 64 * GiB;
export const CONTROL_DOMAIN_MEMORY = 4 * GiB;
export const LOCAL_SR_SIZE = 512 * GiB;
export const BASE_VDI_SIZE = 10 * GiB;

export interface SeedAddresses {
  master: string;
  slave: string;
}

const SOFTWARE_VERSION = {
  product_version: "8.4.0",
  product_version_text: "8.4",
  product_version_text_short: "8.4",
  platform_name: "XCP",
  platform_version: "3.4.0",
  product_brand: "XenServer",
  build_number: "hyperplan-sim",
  xapi: "24.19",
  xapi_build: "24.19.2",
  xen: "4.17.5-3",
  linux: "4.19.0+1",
  network_backend: "openvswitch",
  db_schema: "5.775",
};

function seedHost(world: World, name: string, address: string): { host: string; localSr: string } {
  const metrics = world.insert("host_metrics", hostMetricsRecord(world, HOST_MEMORY, HOST_MEMORY));
  const hostRef = world.newRef();
  world.insert(
    "host",
    plainRecord(world, "host", {
      name_label: name,
      name_description: "Default install",
      memory_overhead: 0,
      allowed_operations: ["vm_start", "vm_resume", "vm_migrate", "provision", "evacuate", "reboot", "shutdown"],
      API_version_major: 2,
      API_version_minor: 21,
      API_version_vendor: "XenSource",
      enabled: true,
      software_version: { ...SOFTWARE_VERSION, hostname: name, date: "2024-09-01" },
      capabilities: ["xen-3.0-x86_64", "hvm-3.0-x86_32", "hvm-3.0-x86_32p", "hvm-3.0-x86_64"],
      cpu_configuration: {},
      sched_policy: "credit",
      supported_bootloaders: ["pygrub", "eliloader"],
      cpu_info: { cpu_count: "16", socket_count: "1", vendor: "GenuineIntel", speed: "2394.374", modelname: "Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz", family: "6", model: "85", stepping: "7" },
      hostname: name,
      address,
      metrics: metrics.ref,
      license_params: { sku_type: "trial", expiry: "20301231T00:00:00Z" },
      edition: "trial",
      power_on_mode: "",
      display: "enabled",
      virtual_hardware_platform_versions: [0, 1, 2],
      iscsi_iqn: `iqn.2024-09.com.example:${name}`,
      editions: ["trial", "standard", "premium"],
      https_only: false,
    }),
    hostRef,
  );
  // The control domain: running from the host's boot, holding its share of the RAM.
  const dom0Metrics = insertVmMetrics(world, { memory_actual: CONTROL_DOMAIN_MEMORY, VCPUs_number: 4, state: ["running"], start_time: world.nowMs(), current_domain_type: "pv" });
  const dom0 = world.insert(
    "VM",
    vmRecord(world, {
      name_label: `Control domain on host: ${name}`,
      name_description: "The domain which manages physical devices and manages other domains",
      power_state: "Running",
      is_control_domain: true,
      resident_on: hostRef,
      domid: 0,
      memory_static_min: CONTROL_DOMAIN_MEMORY,
      memory_static_max: CONTROL_DOMAIN_MEMORY,
      memory_dynamic_min: CONTROL_DOMAIN_MEMORY,
      memory_dynamic_max: CONTROL_DOMAIN_MEMORY,
      memory_target: CONTROL_DOMAIN_MEMORY,
      VCPUs_max: 4,
      VCPUs_at_startup: 4,
      domain_type: "pv",
      HVM_boot_policy: "",
      HVM_boot_params: {},
      metrics: dom0Metrics.ref,
      other_config: { storage_driver_domain: "" },
    }),
  );
  world.update("VM", dom0.ref, { memory_overhead: 0, allowed_operations: allowedOperations(dom0.record) });
  world.update("host", hostRef, { control_domain: dom0.ref });
  const localSr = world.insert(
    "SR",
    plainRecord(world, "SR", {
      name_label: "Local storage",
      name_description: "",
      allowed_operations: ["vdi_create", "vdi_destroy", "vdi_resize", "vdi_clone", "vdi_snapshot", "scan", "update", "plug", "unplug", "forget", "destroy"],
      physical_size: LOCAL_SR_SIZE,
      type: "lvm",
      content_type: "user",
      shared: false,
      other_config: { "i18n-key": "local-storage" },
      sm_config: { allocation: "thick", devserial: `scsi-${name}`, multipathable: "false" },
    }),
  );
  world.insert("PBD", plainRecord(world, "PBD", { host: hostRef, SR: localSr.ref, device_config: { device: "/dev/sda3" }, currently_attached: true }));
  world.update("host_metrics", metrics.ref, { memory_free: hostMemoryFree(world, world.must("host", hostRef)) });
  return { host: hostRef, localSr: localSr.ref };
}

const DEBIAN_PLATFORM = { viridian: "false", acpi: "1", apic: "true", pae: "true", nx: "true", timeoffset: "0", "device-model": "qemu-upstream-compat", secureboot: "false" };

function defaultTemplate(world: World, name: string, description: string, memory: number, disks: string, extra: StoredRecord = {}): void {
  const metrics = insertVmMetrics(world);
  world.insert(
    "VM",
    vmRecord(world, {
      name_label: name,
      name_description: description,
      is_a_template: true,
      is_default_template: true,
      memory_static_min: 512 * MiB,
      memory_static_max: memory,
      memory_dynamic_min: memory,
      memory_dynamic_max: memory,
      VCPUs_max: 1,
      VCPUs_at_startup: 1,
      platform: DEBIAN_PLATFORM,
      HVM_boot_params: { order: "cdn", firmware: "bios" },
      recommendations:
        '<restrictions><restriction field="memory-static-max" max="1649267441664"/><restriction field="vcpus-max" max="32"/><restriction property="number-of-vbds" max="255"/><restriction property="number-of-vifs" max="7"/></restrictions>',
      other_config: { default_template: "true", linux_template: "true", "install-methods": "cdrom,nfs,http,ftp", disks },
      metrics: metrics.ref,
      ...extra,
    }),
  );
}

/** Seeds the pool into an empty world. */
export function seedPool(world: World, addresses: SeedAddresses): void {
  const master = seedHost(world, "sim-master", addresses.master);
  const slave = seedHost(world, "sim-slave", addresses.slave);
  world.masterRef = master.host;
  world.slaveRef = slave.host;

  const isoSr = world.insert(
    "SR",
    plainRecord(world, "SR", {
      name_label: "ISO library",
      name_description: "NFS ISO library",
      allowed_operations: ["scan", "update", "plug", "unplug", "forget", "destroy"],
      physical_size: 2 * 1024 * GiB,
      type: "iso",
      content_type: "iso",
      shared: true,
      sm_config: {},
    }),
  );
  const toolsSr = world.insert(
    "SR",
    plainRecord(world, "SR", {
      name_label: "XenServer Tools",
      name_description: "XenServer Tools ISOs",
      allowed_operations: ["scan"],
      physical_size: 0,
      type: "iso",
      content_type: "iso",
      shared: true,
      is_tools_sr: true,
      other_config: { xenserver_tools_sr: "true", "i18n-key": "xenserver-tools" },
    }),
  );
  for (const host of [master.host, slave.host]) {
    world.insert("PBD", plainRecord(world, "PBD", { host, SR: isoSr.ref, device_config: { location: "nfs.example:/isos" }, currently_attached: true }));
    world.insert("PBD", plainRecord(world, "PBD", { host, SR: toolsSr.ref, device_config: { location: "/opt/xensource/packages/iso", legacy_mode: "true" }, currently_attached: true }));
  }
  const iso = (name: string, size: number, tools = false) =>
    insertVdi(world, { name_label: name, name_description: "", SR: tools ? toolsSr.ref : isoSr.ref, virtual_size: size, physical_utilisation: size, type: "user", sharable: false, read_only: true, other_config: {}, location: name, is_tools_iso: tools });
  iso("debian-12.7.0-amd64-netinst.iso", 661 * MiB);
  iso("guest-tools.iso", 70 * MiB, true);

  const pool = world.insert(
    "pool",
    plainRecord(world, "pool", {
      name_label: "sim-pool",
      name_description: "",
      master: master.host,
      default_SR: master.localSr,
      suspend_image_SR: master.localSr,
      crash_dump_SR: master.localSr,
      other_config: { memory_ratio_hvm: "0.25", memory_ratio_pv: "0.25" },
      restrictions: { restrict_dmc: "false", restrict_vlan: "false", restrict_pool_size: "false" },
      cpu_info: { cpu_count: "32", socket_count: "2", vendor: "GenuineIntel" },
      allowed_operations: ["ha_enable", "cluster_create"],
      wlb_verify_cert: false,
      tls_verification_enabled: true,
      migration_compression: false,
      coordinator_bias: true,
    }),
  );
  world.poolRef = pool.ref;

  const network = world.insert(
    "network",
    plainRecord(world, "network", {
      name_label: "Pool-wide network associated with eth0",
      name_description: "",
      MTU: 1500,
      bridge: "xenbr0",
      managed: true,
      default_locking_mode: "unlocked",
      other_config: {},
    }),
  );
  world.insert(
    "network",
    plainRecord(world, "network", {
      name_label: "Host internal management network",
      name_description: "Network on which guests will be assigned a private link-local IP address which can be used to talk XenAPI",
      MTU: 1500,
      bridge: "xenapi",
      managed: true,
      default_locking_mode: "unlocked",
      other_config: { is_guest_installer_network: "true", is_host_internal_management_network: "true", ip_begin: "169.254.0.1", ip_end: "169.254.255.254", netmask: "255.255.0.0" },
    }),
  );
  [master.host, slave.host].forEach((host, i) => {
    const address = i === 0 ? addresses.master : addresses.slave;
    world.insert(
      "PIF",
      plainRecord(world, "PIF", {
        device: "eth0",
        network: network.ref,
        host,
        MAC: macFromSeed("hyperplan-sim-host-nic", String(i)),
        MTU: 1500,
        VLAN: -1,
        physical: true,
        currently_attached: true,
        ip_configuration_mode: "Static",
        IP: address,
        netmask: "255.0.0.0",
        gateway: "",
        DNS: "",
        management: true,
        ipv6_configuration_mode: "None",
        primary_address_type: "IPv4",
        managed: true,
        properties: { gro: "on" },
        capabilities: ["fcoe"],
        bond_slave_of: NULL_REF,
        VLAN_master_of: NULL_REF,
      }),
    );
  });

  const provisionDisk = (size: number) => `<provision><disk device="0" size="${size}" sr="" bootable="true" type="system"/></provision>`;
  defaultTemplate(world, "Debian Bookworm 12", "Template that allows VM installation from Xen-aware Debian-based distros. To use this template from the CLI, install your VM using vm-install, then set other-config-install-repository to the path to your network repository, e.g. http://<server>/<path> or nfs:server:/<path>", 1 * GiB, provisionDisk(BASE_VDI_SIZE));
  defaultTemplate(world, "Other install media", "Template which allows VM installation from install media", 1 * GiB, provisionDisk(32 * GiB), {
    platform: { ...DEBIAN_PLATFORM, viridian: "true" },
    other_config: { default_template: "true", "install-methods": "cdrom", disks: provisionDisk(32 * GiB) },
  });

  // A custom template carrying a real disk: cloning it clones the base VDI.
  const baseVdi = insertVdi(world, {
    name_label: "debian-12-cloud base",
    name_description: "Debian 12 generic cloud image",
    SR: master.localSr,
    virtual_size: BASE_VDI_SIZE,
    type: "system",
    sharable: false,
    read_only: false,
    other_config: {},
  });
  const metrics = insertVmMetrics(world);
  const template = world.insert(
    "VM",
    vmRecord(world, {
      name_label: "debian-12-cloud",
      name_description: "Debian 12 with cloud-init, ready to clone",
      is_a_template: true,
      memory_static_min: 512 * MiB,
      memory_static_max: 2 * GiB,
      memory_dynamic_min: 2 * GiB,
      memory_dynamic_max: 2 * GiB,
      VCPUs_max: 2,
      VCPUs_at_startup: 2,
      platform: DEBIAN_PLATFORM,
      HVM_boot_params: { order: "c", firmware: "bios" },
      other_config: { base_template_name: "Debian Bookworm 12", mac_seed: world.newUuid(), linux_template: "true" },
      metrics: metrics.ref,
    }),
  );
  world.insert("VBD", vbdRecord(world, { VM: template.ref, VDI: baseVdi.ref, userdevice: "0", bootable: true, mode: "RW", type: "Disk", empty: false, other_config: { owner: "true" }, qos_algorithm_type: "", qos_algorithm_params: {} }));
  world.insert("VBD", vbdRecord(world, { VM: template.ref, VDI: NULL_REF, userdevice: "3", bootable: false, mode: "RO", type: "CD", empty: true, other_config: {}, qos_algorithm_type: "", qos_algorithm_params: {} }));
  refreshSrUsage(world, master.localSr);
  refreshSrUsage(world, slave.localSr);
}

/** After a reload: the hosts' addresses are those the simulator listens on now. */
export function readdressHosts(world: World, addresses: SeedAddresses): void {
  for (const [ref, address] of [[world.masterRef, addresses.master], [world.slaveRef, addresses.slave]] as const) {
    const host = world.get("host", ref);
    if (!host || host.record.address === address) continue;
    world.update("host", ref, { address });
    for (const pif of host.record.PIFs as string[]) if (world.get("PIF", pif)?.record.management === true) world.update("PIF", pif, { IP: address });
  }
}
