import { describe, expect, it } from "vitest";
import { withSim } from "./helpers";

const MiB = 1024 ** 2;

describe("bulk seeding, one VM at a time", () => {
  it("gives each VM its own name, other_config, size, tags, disk and NIC; VMs past `each` take the defaults", async () => {
    await withSim({}, async (xen, sim) => {
      const net = (await xen.ok("network.create", { name_label: "stack-net", name_description: "", MTU: "9000", other_config: {}, tags: [] })) as string;
      const seeded = sim.seedVms(3, {
        otherConfig: { shared: "yes" },
        each: [
          {
            name: "web-1",
            description: "",
            otherConfig: { HYPERPLAN_STACK: "lab", shared: "overridden" },
            memoryMiB: 4096,
            vcpus: 4,
            tags: ["lab"],
            disk: { name: "web-1 debian", otherConfig: { HYPERPLAN_KIND: "VmDisk" }, vbdOtherConfig: { HYPERPLAN_KIND: "VirtualMachine.disk" } },
            nic: { network: net, otherConfig: { HYPERPLAN_KIND: "VirtualMachine.nic" } },
          },
          { name: "web-2" },
        ],
      });
      expect(seeded.refs).toHaveLength(3);

      const vm = await xen.ok("VM.get_record", seeded.refs[0]!);
      expect(vm).toMatchObject({ name_label: "web-1", name_description: "", power_state: "Running", is_a_template: false, tags: ["lab"] });
      expect(vm.other_config).toMatchObject({ HYPERPLAN_STACK: "lab", shared: "overridden", base_template_name: "Debian Bookworm 12" });
      for (const field of ["memory_static_max", "memory_dynamic_min", "memory_dynamic_max", "memory_target"]) expect(Number(vm[field])).toBe(4096 * MiB);
      expect([Number(vm.VCPUs_max), Number(vm.VCPUs_at_startup)]).toEqual([4, 4]);
      const vbd = await xen.ok("VBD.get_record", vm.VBDs[0]);
      expect(vbd.other_config).toEqual({ HYPERPLAN_KIND: "VirtualMachine.disk" });
      const vdi = await xen.ok("VDI.get_record", vbd.VDI);
      expect(vdi).toMatchObject({ name_label: "web-1 debian", other_config: { HYPERPLAN_KIND: "VmDisk" } });
      const vif = await xen.ok("VIF.get_record", vm.VIFs[0]);
      expect(vif).toMatchObject({ network: net, other_config: { HYPERPLAN_KIND: "VirtualMachine.nic" } });
      expect(Number(vif.MTU)).toBe(9000);
      expect(await xen.ok("network.get_VIFs", net)).toEqual([vm.VIFs[0]]);

      // Named only: the rest as before.
      const second = await xen.ok("VM.get_record", seeded.refs[1]!);
      expect(second).toMatchObject({ name_label: "web-2", name_description: "bulk-seeded VM", tags: [] });
      expect(second.other_config.shared).toBe("yes");
      expect(Number(second.memory_static_max)).toBe(2048 * MiB);
      // Past `each`: the defaults, on the pool-wide network.
      const third = await xen.ok("VM.get_record", seeded.refs[2]!);
      expect(third.name_label).toMatch(/^seed-vm-\d+$/);
      const vif3 = await xen.ok("VIF.get_record", third.VIFs[0]);
      expect(vif3.network).toBe(seeded.networkRef);
      expect((await xen.ok("VBD.get_record", third.VBDs[0])).other_config).toEqual({ owner: "true" });
    });
  });

  it("seeds templates: halted, never resident, no guest metrics", async () => {
    await withSim({}, async (xen, sim) => {
      const { refs } = sim.seedVms(2, { template: true, disk: false, each: [{ name: "small", memoryMiB: 1024, vcpus: 1 }] });
      const template = await xen.ok("VM.get_record", refs[0]!);
      expect(template).toMatchObject({ name_label: "small", is_a_template: true, power_state: "Halted", resident_on: "OpaqueRef:NULL", guest_metrics: "OpaqueRef:NULL", VBDs: [] });
      expect(Number(template.memory_static_max)).toBe(1024 * MiB);
      expect(Number(template.VCPUs_max)).toBe(1);
      expect(template.VIFs).toHaveLength(1);
      // A template is no running VM: it holds no domain and uses no host memory.
      expect(Number(template.domid)).toBe(-1);
    });
  });

  it("refuses more entries than VMs and a network that does not exist, seeding nothing", async () => {
    await withSim({}, async (_xen, sim) => {
      const before = sim.world.table("VM").rows.size;
      expect(() => sim.seedVms(1, { each: [{}, {}] })).toThrow(RangeError);
      expect(() => sim.seedVms(1, { each: [{ nic: { network: "OpaqueRef:nope" } }] })).toThrow(/no network/);
      expect(sim.world.table("VM").rows.size).toBe(before);
    });
  });
});
