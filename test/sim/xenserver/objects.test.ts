import { describe, expect, it } from "vitest";
import { LOCAL_SR_SIZE } from "../../../src/sim/xenserver/index";
import { newVm, withSim, type Xen } from "./helpers";

const GiB = 1024 ** 3;

function vdiArgs(sr: string, size: number, name = "data") {
  return { name_label: name, name_description: "", SR: sr, virtual_size: String(size), type: "user", sharable: false, read_only: false, other_config: {} };
}

function vbdArgs(vm: string, vdi: string, userdevice = "1") {
  return { VM: vm, VDI: vdi, userdevice, bootable: false, mode: "RW", type: "Disk", empty: false, other_config: {}, qos_algorithm_type: "", qos_algorithm_params: {} };
}

function vifArgs(vm: string, network: string, device = "0", MAC = "") {
  return { device, network, VM: vm, MAC, MTU: "1500", other_config: {}, qos_algorithm_type: "", qos_algorithm_params: {} };
}

async function defaultSr(xen: Xen): Promise<string> {
  const pool = (await xen.ok("pool.get_all"))[0];
  return xen.ok("pool.get_default_SR", pool);
}

describe("the seeded pool", () => {
  it("has one pool whose master is a host, two hosts, storage, networks and templates, with every field", async () => {
    await withSim({}, async (xen, sim) => {
      const pools = Object.entries(await xen.ok("pool.get_all_records")) as Array<[string, Record<string, any>]>;
      expect(pools).toHaveLength(1);
      const [poolRef, pool] = pools[0] as [string, Record<string, any>];
      expect(poolRef).toMatch(/^OpaqueRef:/);
      expect(pool.master).toBe(sim.world.masterRef);
      const hosts = await xen.ok("host.get_all_records");
      expect(Object.keys(hosts)).toHaveLength(2);
      const master = hosts[pool.master];
      expect(master).toMatchObject({ address: "127.0.0.1", enabled: true, API_version_major: "2" });
      expect(master.resident_VMs).toHaveLength(1);
      const srs = Object.values(await xen.ok("SR.get_all_records")) as Array<Record<string, any>>;
      expect(srs.map((s) => s.name_label).sort()).toEqual(["ISO library", "Local storage", "Local storage", "XenServer Tools"]);
      const local = srs.find((s) => s.name_label === "Local storage" && s.VDIs.length > 0)!;
      expect(local).toMatchObject({ type: "lvm", physical_size: String(LOCAL_SR_SIZE), shared: false });
      const networks = Object.values(await xen.ok("network.get_all_records")) as Array<Record<string, any>>;
      const xenbr0 = networks.find((n) => n.bridge === "xenbr0")!;
      expect(xenbr0.PIFs).toHaveLength(2);
      expect(xenbr0.MTU).toBe("1500");
      const templates = Object.values(await xen.ok("VM.get_all_records")).filter((v: any) => v.is_default_template) as Array<Record<string, any>>;
      expect(templates.map((t) => t.name_label).sort()).toEqual(["Debian Bookworm 12", "Other install media"]);
      // Every field of the class table is in every record (FACTS §1.5).
      const vm = templates[0] as Record<string, any>;
      for (const field of ["uuid", "power_state", "memory_static_max", "VCPUs_max", "actions_after_crash", "HVM_boot_params", "blocked_operations", "domain_type", "NVRAM", "pending_guidances", "groups", "secureboot_certificates_state"]) {
        expect(vm, field).toHaveProperty(field);
      }
      expect(Object.keys(vm).length).toBeGreaterThanOrEqual(90);
    });
  });
});

describe("implicit messages", () => {
  it("get_by_uuid, get_by_name_label, get_all, get_<field>, and UUID_INVALID [class, uuid]", async () => {
    await withSim({}, async (xen) => {
      const tpl = await xen.byName("VM", "debian-12-cloud");
      const uuid = await xen.ok("VM.get_uuid", tpl);
      expect(await xen.ok("VM.get_by_uuid", uuid)).toBe(tpl);
      expect(await xen.fail("VM.get_by_uuid", "00000000-0000-0000-0000-000000000000")).toEqual(["UUID_INVALID", "VM", "00000000-0000-0000-0000-000000000000"]);
      expect(await xen.ok("VM.get_by_name_label", "nothing by that name")).toEqual([]);
      expect(await xen.ok("VM.get_all")).toContain(tpl);
      expect(await xen.fail("VM.get_name_label", "OpaqueRef:nope")).toEqual(["HANDLE_INVALID", "VM", "OpaqueRef:nope"]);
    });
  });

  it("setters exist for read-write fields only", async () => {
    await withSim({}, async (xen) => {
      const tpl = await xen.byName("VM", "debian-12-cloud");
      await xen.ok("VM.set_name_description", tpl, "changed");
      expect(await xen.ok("VM.get_name_description", tpl)).toBe("changed");
      expect(await xen.fail("VM.set_power_state", tpl, "Running")).toEqual(["MESSAGE_METHOD_UNKNOWN", "VM.set_power_state"]);
      expect(await xen.fail("VM.set_memory_overhead", tpl, "1")).toEqual(["MESSAGE_METHOD_UNKNOWN", "VM.set_memory_overhead"]);
      expect((await xen.fail("VM.set_affinity", tpl, "OpaqueRef:nohost"))).toEqual(["HANDLE_INVALID", "host", "OpaqueRef:nohost"]);
      expect((await xen.fail("VM.set_actions_after_shutdown", tpl, "explode"))[0]).toBe("INTERNAL_ERROR");
      await xen.ok("VM.set_actions_after_shutdown", tpl, "restart");
    });
  });

  it("add_to_/remove_from_ maps, MAP_DUPLICATE_KEY [class, field, uuid, key], add_/remove_ sets", async () => {
    await withSim({}, async (xen) => {
      const vm = await newVm(xen, "web-1");
      const uuid = await xen.ok("VM.get_uuid", vm);
      await xen.ok("VM.add_to_other_config", vm, "hyperplan-stack", "lab");
      expect(await xen.fail("VM.add_to_other_config", vm, "hyperplan-stack", "other")).toEqual(["MAP_DUPLICATE_KEY", "VM", "other_config", uuid, "hyperplan-stack"]);
      expect((await xen.ok("VM.get_other_config", vm))["hyperplan-stack"]).toBe("lab");
      await xen.ok("VM.remove_from_other_config", vm, "hyperplan-stack");
      await xen.ok("VM.remove_from_other_config", vm, "never-there");
      expect((await xen.ok("VM.get_other_config", vm))["hyperplan-stack"]).toBeUndefined();
      await xen.ok("VM.add_tags", vm, "web");
      await xen.ok("VM.add_tags", vm, "web");
      await xen.ok("VM.add_tags", vm, "prod");
      expect(await xen.ok("VM.get_tags", vm)).toEqual(["web", "prod"]);
      await xen.ok("VM.remove_tags", vm, "web");
      expect(await xen.ok("VM.get_tags", vm)).toEqual(["prod"]);
    });
  });

  it("constructors need every field without a default: INTERNAL_ERROR Dispatcher_FieldNotFound", async () => {
    await withSim({}, async (xen) => {
      const sr = await defaultSr(xen);
      const { virtual_size: _size, ...noSize } = vdiArgs(sr, GiB);
      expect(await xen.fail("VDI.create", noSize)).toEqual(["INTERNAL_ERROR", 'Server_helpers.Dispatcher_FieldNotFound("virtual_size")']);
      // xenstore_data, sm_config and tags have defaults.
      const vdi = await xen.ok("VDI.create", vdiArgs(sr, GiB));
      expect(await xen.ok("VDI.get_record", vdi)).toMatchObject({ sm_config: {}, xenstore_data: {}, tags: [], managed: true, missing: false });
      expect(await xen.fail("network.create", { name_label: "n" })).toEqual(["INTERNAL_ERROR", 'Server_helpers.Dispatcher_FieldNotFound("name_description")']);
      expect(await xen.fail("VDI.create", "not a struct")).toEqual(["INTERNAL_ERROR", 'Failure("bad __structure")']);
    });
  });
});

describe("storage", () => {
  it("creates VDIs while the SR has room, else SR_FULL [requested, available]", async () => {
    await withSim({}, async (xen) => {
      const sr = await defaultSr(xen);
      const used = Number(await xen.ok("SR.get_physical_utilisation", sr));
      const vdi = await xen.ok("VDI.create", vdiArgs(sr, 100 * GiB));
      expect(Number(await xen.ok("SR.get_physical_utilisation", sr))).toBe(used + 100 * GiB);
      expect(await xen.ok("SR.get_VDIs", sr)).toContain(vdi);
      const free = LOCAL_SR_SIZE - used - 100 * GiB;
      expect(await xen.fail("VDI.create", vdiArgs(sr, free + 1))).toEqual(["SR_FULL", String(free + 1), String(free)]);
      expect(await xen.fail("VDI.resize", vdi, 100 * GiB + free + 1)).toEqual(["SR_FULL", String(free + 1), String(free)]);
      await xen.ok("VDI.resize", vdi, 150 * GiB);
      expect(await xen.ok("VDI.get_virtual_size", vdi)).toBe(String(150 * GiB));
      await xen.ok("VDI.destroy", vdi);
      expect(Number(await xen.ok("SR.get_physical_utilisation", sr))).toBe(used);
    });
  });

  it("copies a VDI into a new one, or with into_vdi into an existing one at least as large", async () => {
    await withSim({}, async (xen) => {
      const sr = await defaultSr(xen);
      const source = await xen.ok("VDI.create", vdiArgs(sr, 2 * GiB));
      const copy = await xen.ok("VDI.copy", source, sr);
      expect(copy).not.toBe(source);
      expect(await xen.ok("VDI.get_virtual_size", copy)).toBe(String(2 * GiB));
      const target = await xen.ok("VDI.create", vdiArgs(sr, 3 * GiB));
      const before = (await xen.ok("VDI.get_all")).length;
      expect(await xen.ok("VDI.copy", source, sr, "OpaqueRef:NULL", target)).toBe(target);
      expect((await xen.ok("VDI.get_all")).length).toBe(before);
      const small = await xen.ok("VDI.create", vdiArgs(sr, 1 * GiB));
      expect(await xen.fail("VDI.copy", source, sr, "OpaqueRef:NULL", small)).toEqual(["VDI_TOO_SMALL", small, String(2 * GiB)]);
    });
  });

  it("refuses to destroy or resize offline a VDI an attached VBD uses: VDI_IN_USE [vdi, operation]", async () => {
    await withSim({}, async (xen) => {
      const vm = await newVm(xen, "web-1");
      const sr = await defaultSr(xen);
      const vdi = await xen.ok("VDI.create", vdiArgs(sr, GiB));
      const vbd = await xen.ok("VBD.create", vbdArgs(vm, vdi));
      await xen.ok("VM.start", vm, false, false);
      expect(await xen.ok("VBD.get_currently_attached", vbd)).toBe(true);
      expect(await xen.fail("VDI.destroy", vdi)).toEqual(["VDI_IN_USE", vdi, "destroy"]);
      expect(await xen.fail("VDI.resize", vdi, 2 * GiB)).toEqual(["VDI_IN_USE", vdi, "resize"]);
      await xen.ok("VDI.resize_online", vdi, 2 * GiB);
      const vmUuid = await xen.ok("VM.get_uuid", vm);
      const vbdUuid = await xen.ok("VBD.get_uuid", vbd);
      expect(await xen.fail("VBD.destroy", vbd)).toEqual(["OPERATION_NOT_ALLOWED", `VBD '${vbdUuid}' still attached to '${vmUuid}'`]);
      expect(await xen.fail("VBD.plug", vbd)).toEqual(["DEVICE_ALREADY_ATTACHED", vbd]);
      await xen.ok("VBD.unplug", vbd);
      expect(await xen.fail("VBD.unplug", vbd)).toEqual(["DEVICE_ALREADY_DETACHED", vbd]);
      await xen.ok("VBD.destroy", vbd);
      await xen.ok("VDI.destroy", vdi);
    });
  });

  it("plugs and unplugs only on a running VM, and honours unpluggable", async () => {
    await withSim({}, async (xen) => {
      const vm = await newVm(xen, "web-1");
      const sr = await defaultSr(xen);
      const vdi = await xen.ok("VDI.create", vdiArgs(sr, GiB));
      const vbd = await xen.ok("VBD.create", { ...vbdArgs(vm, vdi), unpluggable: false });
      expect(await xen.fail("VBD.plug", vbd)).toEqual(["VM_BAD_POWER_STATE", vm, "running", "halted"]);
      await xen.ok("VM.start", vm, false, false);
      expect(await xen.fail("VBD.unplug", vbd)).toEqual(["VBD_NOT_UNPLUGGABLE", vbd]);
      await xen.ok("VBD.unplug_force", vbd);
    });
  });

  it("checks VBD devices: INVALID_DEVICE, DEVICE_ALREADY_EXISTS, autodetect", async () => {
    await withSim({}, async (xen) => {
      const vm = await newVm(xen, "web-1");
      const sr = await defaultSr(xen);
      const vdi = await xen.ok("VDI.create", vdiArgs(sr, GiB));
      expect(await xen.fail("VBD.create", vbdArgs(vm, vdi, "0"))).toEqual(["DEVICE_ALREADY_EXISTS", "0"]);
      expect(await xen.fail("VBD.create", vbdArgs(vm, vdi, "xvdb"))).toEqual(["INVALID_DEVICE", "xvdb"]);
      const vbd = await xen.ok("VBD.create", vbdArgs(vm, vdi, "autodetect"));
      expect(await xen.ok("VBD.get_userdevice", vbd)).toBe("1");
      expect(await xen.ok("VM.get_allowed_VBD_devices", vm)).not.toContain("1");
      expect(await xen.fail("VBD.create", vbdArgs(vm, "OpaqueRef:novdi", "5"))).toEqual(["HANDLE_INVALID", "VDI", "OpaqueRef:novdi"]);
    });
  });

  it("inserts and ejects CDs", async () => {
    await withSim({}, async (xen) => {
      const vm = await newVm(xen, "web-1");
      const cd = (await Promise.all(((await xen.ok("VM.get_VBDs", vm)) as string[]).map(async (v) => [v, await xen.ok("VBD.get_type", v)]))).find(([, t]) => t === "CD")![0] as string;
      const iso = await xen.byName("VDI", "debian-12.7.0-amd64-netinst.iso");
      expect(await xen.fail("VBD.eject", cd)).toEqual(["VBD_IS_EMPTY", cd]);
      await xen.ok("VBD.insert", cd, iso);
      expect(await xen.ok("VBD.get_record", cd)).toMatchObject({ VDI: iso, empty: false });
      expect(await xen.fail("VBD.insert", cd, iso)).toEqual(["VBD_NOT_EMPTY", cd]);
      await xen.ok("VBD.eject", cd);
    });
  });
});

describe("networking", () => {
  it("creates VIFs with a MAC from the VM's mac_seed, or refuses an empty MAC without one: MAC_INVALID", async () => {
    await withSim({}, async (xen) => {
      const vm = await newVm(xen, "web-1");
      const network = await xen.byName("network", "Pool-wide network associated with eth0");
      const vif = await xen.ok("VIF.create", vifArgs(vm, network));
      const record = await xen.ok("VIF.get_record", vif);
      expect(record.MAC).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
      expect(record).toMatchObject({ MAC_autogenerated: true, currently_attached: false, locking_mode: "network_default", device: "0" });
      expect(await xen.fail("VIF.create", vifArgs(vm, network, "0", "aa:bb:cc:dd:ee:ff"))).toEqual(["DEVICE_ALREADY_EXISTS", "0"]);
      expect(await xen.fail("VIF.create", vifArgs(vm, network, "eth1"))).toEqual(["INVALID_DEVICE", "eth1"]);
      expect(await xen.fail("VIF.create", vifArgs(vm, network, "1", "not-a-mac"))).toEqual(["MAC_INVALID", "not-a-mac"]);
      const fixed = await xen.ok("VIF.create", vifArgs(vm, network, "1", "AA:BB:CC:DD:EE:01"));
      expect(await xen.ok("VIF.get_record", fixed)).toMatchObject({ MAC: "aa:bb:cc:dd:ee:01", MAC_autogenerated: false });
      await xen.ok("VM.remove_from_other_config", vm, "mac_seed");
      expect(await xen.fail("VIF.create", vifArgs(vm, network, "2"))).toEqual(["MAC_INVALID", ""]);
      expect(await xen.ok("VM.get_allowed_VIF_devices", vm)).toEqual(["2", "3", "4", "5", "6"]);
    });
  });

  it("creates and destroys networks, refusing one with VIFs (NETWORK_CONTAINS_VIF) or PIFs", async () => {
    await withSim({}, async (xen) => {
      const network = await xen.ok("network.create", { name_label: "lab", name_description: "", other_config: {} });
      expect(await xen.ok("network.get_record", network)).toMatchObject({ MTU: "1500", managed: true, bridge: "xapi0", VIFs: [], PIFs: [] });
      const vm = await newVm(xen, "web-1");
      const vif = await xen.ok("VIF.create", vifArgs(vm, network));
      expect(await xen.fail("network.destroy", network)).toEqual(["NETWORK_CONTAINS_VIF", vif]);
      await xen.ok("VIF.destroy", vif);
      await xen.ok("network.destroy", network);
      const xenbr0 = await xen.byName("network", "Pool-wide network associated with eth0");
      expect((await xen.fail("network.destroy", xenbr0))[0]).toBe("NETWORK_CONTAINS_PIF");
    });
  });

  it("plugs VIFs on a running VM only and refuses to destroy an attached one", async () => {
    await withSim({}, async (xen) => {
      const vm = await newVm(xen, "web-1");
      const network = await xen.byName("network", "Pool-wide network associated with eth0");
      const vif = await xen.ok("VIF.create", vifArgs(vm, network));
      expect(await xen.fail("VIF.plug", vif)).toEqual(["VM_BAD_POWER_STATE", vm, "running", "halted"]);
      await xen.ok("VM.start", vm, false, false);
      expect((await xen.fail("VIF.destroy", vif))[0]).toBe("OPERATION_NOT_ALLOWED");
      await xen.ok("VIF.unplug", vif);
      const hot = await xen.ok("VIF.create", vifArgs(vm, network, "1"));
      expect(await xen.ok("VIF.get_currently_attached", hot)).toBe(false);
      await xen.ok("VIF.plug", hot);
      expect(await xen.fail("VIF.plug", hot)).toEqual(["DEVICE_ALREADY_ATTACHED", hot]);
    });
  });
});
