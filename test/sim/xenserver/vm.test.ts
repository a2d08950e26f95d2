import { describe, expect, it } from "vitest";
import { CONTROL_DOMAIN_MEMORY, HOST_MEMORY } from "../../../src/sim/xenserver/index";
import { fakeClock, newVm, withSim, type Xen } from "./helpers";

const GiB = 1024 ** 3;

async function state(xen: Xen, vm: string): Promise<string> {
  return (await xen.ok("VM.get_power_state", vm)) as string;
}

describe("VM power states (xapi_vm_lifecycle.ml allowed_power_states)", () => {
  it("refuse an operation in the wrong state with VM_BAD_POWER_STATE [vm, expected, actual], lower case", async () => {
    await withSim({}, async (xen) => {
      const vm = await newVm(xen, "web-1");
      expect(await xen.fail("VM.clean_shutdown", vm)).toEqual(["VM_BAD_POWER_STATE", vm, "running", "halted"]);
      expect(await xen.fail("VM.hard_shutdown", vm)).toEqual(["VM_BAD_POWER_STATE", vm, "paused, suspended, running", "halted"]);
      expect(await xen.fail("VM.hard_reboot", vm)).toEqual(["VM_BAD_POWER_STATE", vm, "paused, running", "halted"]);
      expect(await xen.fail("VM.resume", vm, false, false)).toEqual(["VM_BAD_POWER_STATE", vm, "suspended", "halted"]);
      expect(await xen.fail("VM.unpause", vm)).toEqual(["VM_BAD_POWER_STATE", vm, "paused", "halted"]);
      await xen.ok("VM.start", vm, false, false);
      expect(await state(xen, vm)).toBe("Running");
      expect(await xen.fail("VM.start", vm, false, false)).toEqual(["VM_BAD_POWER_STATE", vm, "halted", "running"]);
      expect(await xen.fail("VM.destroy", vm)).toEqual(["VM_BAD_POWER_STATE", vm, "halted, suspended", "running"]);
      expect(await xen.fail("VM.set_VCPUs_max", vm, 4)).toEqual(["VM_BAD_POWER_STATE", vm, "halted", "running"]);
      expect(await xen.fail("VM.set_memory", vm, GiB)).toEqual(["VM_BAD_POWER_STATE", vm, "halted", "running"]);
      await xen.ok("VM.set_memory_dynamic_range", vm, GiB, 2 * GiB);
      await xen.ok("VM.pause", vm);
      expect(await state(xen, vm)).toBe("Paused");
      expect(await xen.fail("VM.clean_shutdown", vm)).toEqual(["VM_BAD_POWER_STATE", vm, "running", "paused"]);
      await xen.ok("VM.unpause", vm);
      await xen.ok("VM.suspend", vm);
      expect(await state(xen, vm)).toBe("Suspended");
      expect(await xen.ok("VM.get_suspend_VDI", vm)).not.toBe("OpaqueRef:NULL");
      await xen.ok("VM.resume", vm, false, false);
      expect(await xen.ok("VM.get_suspend_VDI", vm)).toBe("OpaqueRef:NULL");
      await xen.ok("VM.clean_reboot", vm);
      await xen.ok("VM.hard_reboot", vm);
      await xen.ok("VM.shutdown", vm);
      expect(await state(xen, vm)).toBe("Halted");
      await xen.ok("VM.start", vm, true, false);
      expect(await state(xen, vm)).toBe("Paused");
      await xen.ok("VM.hard_shutdown", vm);
      expect(await state(xen, vm)).toBe("Halted");
    });
  });

  it("keep allowed_operations in step with the power state", async () => {
    await withSim({}, async (xen) => {
      const vm = await newVm(xen, "web-1");
      const halted = (await xen.ok("VM.get_allowed_operations", vm)) as string[];
      expect(halted).toEqual(expect.arrayContaining(["start", "clone", "destroy", "provision"]));
      expect(halted).not.toContain("clean_shutdown");
      await xen.ok("VM.start", vm, false, false);
      const running = (await xen.ok("VM.get_allowed_operations", vm)) as string[];
      expect(running).toEqual(expect.arrayContaining(["clean_shutdown", "hard_shutdown", "suspend", "pause", "clean_reboot"]));
      expect(running).not.toContain("start");
    });
  });

  it("refuse lifecycle operations on templates with VM_IS_TEMPLATE [vm, operation]", async () => {
    await withSim({}, async (xen) => {
      const tpl = await xen.byName("VM", "debian-12-cloud");
      expect(await xen.fail("VM.start", tpl, false, false)).toEqual(["VM_IS_TEMPLATE", tpl, "start"]);
      const clone = await xen.ok("VM.clone", tpl, "still-a-template");
      expect(await xen.fail("VM.start", clone, false, false)).toEqual(["VM_IS_TEMPLATE", clone, "start"]);
      // Memory and VCPUs of a template may be set before it is provisioned.
      await xen.ok("VM.set_VCPUs_max", clone, 4);
      await xen.ok("VM.set_memory", clone, 4 * GiB);
    });
  });

  it("refuse lifecycle operations on the control domain", async () => {
    await withSim({}, async (xen) => {
      const dom0 = await xen.byName("VM", "Control domain on host: sim-master");
      expect((await xen.fail("VM.clean_shutdown", dom0))[0]).toBe("OPERATION_NOT_ALLOWED");
    });
  });

  it("refuse an operation named in blocked_operations with OPERATION_BLOCKED [vm, reason]", async () => {
    await withSim({}, async (xen) => {
      const vm = await newVm(xen, "web-1");
      await xen.ok("VM.add_to_blocked_operations", vm, "start", "locked by ops");
      expect(await xen.fail("VM.start", vm, false, false)).toEqual(["OPERATION_BLOCKED", vm, "locked by ops"]);
    });
  });
});

describe("VM start and shutdown", () => {
  it("plug the VM's VBDs and VIFs on start and unplug them on shutdown", async () => {
    await withSim({}, async (xen, sim) => {
      const vm = await newVm(xen, "web-1");
      const network = await xen.byName("network", "Pool-wide network associated with eth0");
      const vif = await xen.ok("VIF.create", { device: "0", network, VM: vm, MAC: "", MTU: "1500", other_config: {}, qos_algorithm_type: "", qos_algorithm_params: {} });
      const vbds = (await xen.ok("VM.get_VBDs", vm)) as string[];
      await xen.ok("VM.start", vm, false, false);
      const record = await xen.ok("VM.get_record", vm);
      expect(record).toMatchObject({ power_state: "Running", resident_on: sim.world.masterRef });
      expect(Number(record.domid)).toBeGreaterThan(0);
      for (const vbd of vbds) expect(await xen.ok("VBD.get_currently_attached", vbd)).toBe(true);
      expect(await xen.ok("VBD.get_device", vbds[0] as string)).toMatch(/^xvd[a-z]$/);
      expect(await xen.ok("VIF.get_currently_attached", vif)).toBe(true);
      await xen.ok("VM.clean_shutdown", vm);
      for (const vbd of vbds) expect(await xen.ok("VBD.get_currently_attached", vbd)).toBe(false);
      expect(await xen.ok("VIF.get_currently_attached", vif)).toBe(false);
      expect(await xen.ok("VM.get_record", vm)).toMatchObject({ power_state: "Halted", resident_on: "OpaqueRef:NULL", domid: "-1" });
    });
  });

  it("fail HOST_NOT_ENOUGH_FREE_MEMORY [needed, available] when the VM does not fit on its host", async () => {
    await withSim({}, async (xen) => {
      const vm = await newVm(xen, "huge");
      const TiB = 1024 * GiB;
      await xen.ok("VM.set_memory_limits", vm, TiB, TiB, TiB, TiB);
      const overhead = Number(await xen.ok("VM.get_memory_overhead", vm));
      const free = HOST_MEMORY - CONTROL_DOMAIN_MEMORY;
      expect(await xen.fail("VM.start", vm, false, false)).toEqual(["HOST_NOT_ENOUGH_FREE_MEMORY", String(TiB + overhead), String(free)]);
      const host = await xen.ok("pool.get_master", (await xen.ok("pool.get_all"))[0]);
      const metrics = await xen.ok("host.get_metrics", host);
      expect(await xen.ok("host_metrics.get_memory_free", metrics)).toBe(String(free));
      const small = await newVm(xen, "small");
      await xen.ok("VM.start", small, false, false);
      expect(Number(await xen.ok("host_metrics.get_memory_free", metrics))).toBeLessThan(free);
    });
  });

  it("report the guest's addresses through VM_guest_metrics some time after boot, and drop them on halt", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: { preset: "instant", guestAgent: 20_000 } }, async (xen) => {
      const vm = await newVm(xen, "web-1");
      const network = await xen.byName("network", "Pool-wide network associated with eth0");
      await xen.ok("VIF.create", { device: "0", network, VM: vm, MAC: "", MTU: "1500", other_config: {}, qos_algorithm_type: "", qos_algorithm_params: {} });
      await xen.ok("VM.start", vm, false, false);
      expect(await xen.ok("VM.get_guest_metrics", vm)).toBe("OpaqueRef:NULL");
      clock.advance(19_000);
      expect(await xen.ok("VM.get_guest_metrics", vm)).toBe("OpaqueRef:NULL");
      clock.advance(2_000);
      const gm = (await xen.ok("VM.get_guest_metrics", vm)) as string;
      expect(gm).not.toBe("OpaqueRef:NULL");
      const networks = (await xen.ok("VM_guest_metrics.get_networks", gm)) as Record<string, string>;
      expect(Object.keys(networks).sort()).toEqual(["0/ip", "0/ipv4/0", "0/ipv6/0"]);
      expect(networks["0/ip"]).toMatch(/^10\.0\.\d+\.\d+$/);
      expect(networks["0/ipv4/0"]).toBe(networks["0/ip"]);
      expect(networks["0/ipv6/0"]).toMatch(/^fe80::/);
      expect(await xen.ok("VM_guest_metrics.get_PV_drivers_detected", gm)).toBe(true);
      await xen.ok("VM.hard_shutdown", vm);
      expect(await xen.ok("VM.get_guest_metrics", vm)).toBe("OpaqueRef:NULL");
      expect(await xen.fail("VM_guest_metrics.get_record", gm)).toEqual(["HANDLE_INVALID", "VM_guest_metrics", gm]);
    });
  });

  it("answer a sync call of a long operation only once it is done", async () => {
    await withSim({ delays: { preset: "instant", start: 40 } }, async (xen) => {
      const vm = await newVm(xen, "web-1");
      const [started, during] = await Promise.all([xen.ok("VM.start", vm, false, false), (async () => {
        await new Promise((r) => setTimeout(r, 5));
        return xen.ok("VM.get_current_operations", vm);
      })()]);
      expect(started).toBe("");
      expect(Object.values(during)).toEqual(["start"]);
      expect(await state(xen, vm)).toBe("Running");
    });
  });

  it("refuse a second operation on a VM while one runs: OTHER_OPERATION_IN_PROGRESS", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: { preset: "instant", start: 5_000 } }, async (xen) => {
      const vm = await newVm(xen, "web-1");
      const task = await xen.ok("Async.VM.start", vm, false, false);
      expect(await xen.fail("VM.hard_shutdown", vm)).toEqual(["OTHER_OPERATION_IN_PROGRESS", "VM", vm, "start", task]);
      clock.advance(5_000);
      expect((await xen.waitTask(task)).status).toBe("success");
      expect(await xen.ok("VM.get_current_operations", vm)).toEqual({});
    });
  });
});

describe("VM clone, copy, provision and destroy", () => {
  it("clone a template into a template with base_template_name and a fresh mac_seed, disks cloned", async () => {
    await withSim({}, async (xen) => {
      const tpl = await xen.byName("VM", "debian-12-cloud");
      const tplRecord = await xen.ok("VM.get_record", tpl);
      const clone = await xen.ok("VM.clone", tpl, "web-1");
      const r = await xen.ok("VM.get_record", clone);
      expect(r).toMatchObject({ name_label: "web-1", is_a_template: true, is_default_template: false, power_state: "Halted" });
      expect(r.other_config.base_template_name).toBe("Debian Bookworm 12");
      expect(r.other_config.mac_seed).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.other_config.mac_seed).not.toBe(tplRecord.other_config.mac_seed);
      expect(r.VBDs).toHaveLength(2);
      const disks = [];
      for (const vbd of r.VBDs) {
        const vbdRecord = await xen.ok("VBD.get_record", vbd);
        if (vbdRecord.type === "Disk") disks.push(vbdRecord.VDI);
      }
      expect(disks).toHaveLength(1);
      const vdi = await xen.ok("VDI.get_record", disks[0]);
      expect(vdi.virtual_size).toBe(String(10 * GiB));
      const base = await xen.byName("VDI", "debian-12-cloud base");
      expect(disks[0]).not.toBe(base);

      const defaultTpl = await xen.byName("VM", "Debian Bookworm 12");
      const fromDefault = await xen.ok("VM.get_record", await xen.ok("VM.clone", defaultTpl, "from-default"));
      expect(fromDefault.other_config.base_template_name).toBe("Debian Bookworm 12");
      expect(fromDefault.other_config.default_template).toBeUndefined();
      expect(fromDefault.is_default_template).toBe(false);
    });
  });

  it("provision a template's other_config disks into VDIs and VBDs on the default SR", async () => {
    await withSim({}, async (xen) => {
      const tpl = await xen.byName("VM", "Debian Bookworm 12");
      const vm = await xen.ok("VM.clone", tpl, "installer");
      expect(await xen.ok("VM.get_VBDs", vm)).toEqual([]);
      await xen.ok("VM.provision", vm);
      const vbds = (await xen.ok("VM.get_VBDs", vm)) as string[];
      expect(vbds).toHaveLength(1);
      const vbd = await xen.ok("VBD.get_record", vbds[0] as string);
      expect(vbd).toMatchObject({ userdevice: "0", bootable: true, type: "Disk", mode: "RW" });
      const vdi = await xen.ok("VDI.get_record", vbd.VDI);
      const pool = (await xen.ok("pool.get_all_records")) as Record<string, any>;
      expect(vdi.SR).toBe(Object.values(pool)[0].default_SR);
      expect(vdi.virtual_size).toBe(String(10 * GiB));
      expect((await xen.ok("VM.get_other_config", vm)).disks).toBeUndefined();
      await xen.ok("VM.set_is_a_template", vm, false);
      expect(await xen.fail("VM.provision", vm)).toEqual(["ONLY_PROVISION_TEMPLATE"]);
    });
  });

  it("copy a VM with full copies of its disks into the SR asked", async () => {
    await withSim({}, async (xen) => {
      const vm = await newVm(xen, "web-1");
      const srs = (await xen.ok("SR.get_by_name_label", "Local storage")) as string[];
      const before = Number(await xen.ok("SR.get_physical_utilisation", srs[0] as string));
      const copy = await xen.ok("VM.copy", vm, "web-1-copy", "OpaqueRef:NULL");
      expect(await xen.ok("VM.get_name_label", copy)).toBe("web-1-copy");
      expect(await xen.ok("VM.get_is_a_template", copy)).toBe(false);
      const sr = (await xen.ok("VDI.get_SR", (await xen.ok("VBD.get_record", (await xen.ok("VM.get_VBDs", copy))[0])).VDI)) as string;
      expect(Number(await xen.ok("SR.get_physical_utilisation", sr))).toBeGreaterThan(before);
    });
  });

  it("destroy a VM's VBDs and VIFs but never its VDIs", async () => {
    await withSim({}, async (xen) => {
      const vm = await newVm(xen, "web-1");
      const network = await xen.byName("network", "Pool-wide network associated with eth0");
      const vif = await xen.ok("VIF.create", { device: "0", network, VM: vm, MAC: "", MTU: "1500", other_config: {}, qos_algorithm_type: "", qos_algorithm_params: {} });
      const vbds = (await xen.ok("VM.get_VBDs", vm)) as string[];
      const vdis = [];
      for (const vbd of vbds) {
        const v = await xen.ok("VBD.get_VDI", vbd);
        if (v !== "OpaqueRef:NULL") vdis.push(v);
      }
      await xen.ok("VM.destroy", vm);
      expect(await xen.fail("VM.get_record", vm)).toEqual(["HANDLE_INVALID", "VM", vm]);
      for (const vbd of vbds) expect(await xen.fail("VBD.get_record", vbd)).toEqual(["HANDLE_INVALID", "VBD", vbd]);
      expect(await xen.fail("VIF.get_record", vif)).toEqual(["HANDLE_INVALID", "VIF", vif]);
      for (const vdi of vdis) expect((await xen.ok("VDI.get_record", vdi)).VBDs).toEqual([]);
      expect(await xen.ok("network.get_VIFs", network)).toEqual([]);
    });
  });
});

describe("memory and VCPU setters", () => {
  it("refuse limits out of order with MEMORY_CONSTRAINT_VIOLATION_ORDER", async () => {
    await withSim({}, async (xen) => {
      const vm = await newVm(xen, "web-1");
      expect(await xen.fail("VM.set_memory_limits", vm, 2 * GiB, GiB, GiB, GiB)).toEqual(["MEMORY_CONSTRAINT_VIOLATION_ORDER"]);
      expect(await xen.fail("VM.set_memory_dynamic_range", vm, 3 * GiB, 3 * GiB)).toEqual(["MEMORY_CONSTRAINT_VIOLATION_ORDER"]);
      await xen.ok("VM.set_memory_limits", vm, GiB / 2, 4 * GiB, GiB, 4 * GiB);
      expect(await xen.ok("VM.get_record", vm)).toMatchObject({ memory_static_min: String(GiB / 2), memory_static_max: String(4 * GiB), memory_dynamic_min: String(GiB), memory_dynamic_max: String(4 * GiB) });
      await xen.ok("VM.set_memory", vm, 3 * GiB);
      expect(await xen.ok("VM.get_record", vm)).toMatchObject({ memory_static_max: String(3 * GiB), memory_dynamic_min: String(3 * GiB), memory_dynamic_max: String(3 * GiB) });
      await xen.ok("VM.set_memory_static_range", vm, GiB, 6 * GiB);
      expect(await xen.ok("VM.get_memory_static_max", vm)).toBe(String(6 * GiB));
    });
  });

  it("hold the control domain's memory pinned: MEMORY_CONSTRAINT_VIOLATION_MAXPIN", async () => {
    await withSim({}, async (xen) => {
      const dom0 = await xen.byName("VM", "Control domain on host: sim-master");
      expect((await xen.fail("VM.set_memory_limits", dom0, GiB, 4 * GiB, 2 * GiB, 4 * GiB))[0]).toBe("MEMORY_CONSTRAINT_VIOLATION_MAXPIN");
      await xen.ok("VM.set_memory_limits", dom0, GiB, 4 * GiB, 4 * GiB, 4 * GiB);
    });
  });

  it("check 0 < VCPUs_at_startup ≤ VCPUs_max with INVALID_VALUE", async () => {
    await withSim({}, async (xen) => {
      const vm = await newVm(xen, "web-1");
      const rule = "VCPU values must satisfy: 0 < VCPUs_at_startup ≤ VCPUs_max";
      expect(await xen.fail("VM.set_VCPUs_at_startup", vm, 3)).toEqual(["INVALID_VALUE", rule, "3"]);
      expect(await xen.fail("VM.set_VCPUs_at_startup", vm, 0)).toEqual(["INVALID_VALUE", rule, "0"]);
      expect(await xen.fail("VM.set_VCPUs_max", vm, 1)).toEqual(["INVALID_VALUE", rule, "1"]);
      await xen.ok("VM.set_VCPUs_max", vm, 8);
      await xen.ok("VM.set_VCPUs_at_startup", vm, 6);
      await xen.ok("VM.start", vm, false, false);
      // No power-state check for VCPUs_at_startup; the live count needs a running VM.
      await xen.ok("VM.set_VCPUs_at_startup", vm, 4);
      await xen.ok("VM.set_VCPUs_number_live", vm, 5);
      expect(await xen.ok("VM.get_VCPUs_at_startup", vm)).toBe("5");
    });
  });

  it("make a template of a halted VM only", async () => {
    await withSim({}, async (xen) => {
      const vm = await newVm(xen, "web-1");
      await xen.ok("VM.start", vm, false, false);
      expect(await xen.fail("VM.set_is_a_template", vm, true)).toEqual(["VM_BAD_POWER_STATE", vm, "halted", "running"]);
      await xen.ok("VM.hard_shutdown", vm);
      await xen.ok("VM.set_is_a_template", vm, true);
      expect(await xen.ok("VM.get_is_a_template", vm)).toBe(true);
    });
  });
});
