import { describe, expect, it } from "vitest";
import { ImageState, Lcm, VmState } from "../../../src/sim/opennebula/index";
import { IMAGE_TEMPLATE, NET_TEMPLATE, fakeClock, parseDoc, vmTemplate, withSim, type One } from "./helpers";

const DELAYS = { schedulerPeriodMs: 10, prologMs: 10, bootMs: 10, shutdownMs: 10, epilogMs: 10, hotplugMs: 500, imageCopyMs: 10, imageDeleteMs: 10, vnetCreateMs: 10, vnetDeleteMs: 10 };

async function runningVm(one: One, clock: ReturnType<typeof fakeClock>, extra = ""): Promise<{ id: number; img: number; net: number }> {
  const img = await one.id("one.image.allocate", IMAGE_TEMPLATE, 1);
  const net = await one.id("one.vn.allocate", NET_TEMPLATE, -1);
  clock.advance(20);
  const id = await one.id("one.vm.allocate", vmTemplate("r", img, net, extra));
  clock.advance(40);
  expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.RUNNING]);
  return { id, img, net };
}

describe("VM reconfiguration", () => {
  it("resizes a running VM live through HOTPLUG_RESIZE and a powered-off one at once", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: DELAYS }, async (one) => {
      const { id } = await runningVm(one, clock);
      await one.ok("one.vm.resize", id, 'CPU="2"\nMEMORY="2048"\nVCPU="4"', true);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.HOTPLUG_RESIZE]);
      clock.advance(500);
      const vm = await one.vm(id);
      expect([Number(vm.STATE), Number(vm.LCM_STATE)]).toEqual([VmState.ACTIVE, Lcm.RUNNING]);
      expect(vm.TEMPLATE).toMatchObject({ CPU: "2", MEMORY: "2048", VCPU: "4" });
      const host = parseDoc(await one.doc("one.host.info", Number(vm.HISTORY_RECORDS.HISTORY[0].HID))).HOST[0];
      expect(Number(host.HOST_SHARE.CPU_USAGE)).toBe(200);
      expect(Number(host.HOST_SHARE.MEM_USAGE)).toBe(2048 * 1024);
      await one.ok("one.vm.resize", id, 'CPU="2"', true);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.RUNNING]);
      await one.ok("one.vm.action", "poweroff", id);
      clock.advance(10);
      await one.ok("one.vm.resize", id, 'MEMORY="4096"');
      expect(await one.vmState(id)).toEqual([VmState.POWEROFF, 0]);
      expect((await one.vm(id)).TEMPLATE.MEMORY).toBe("4096");
      expect((await one.fail("one.vm.resize", id, 'MEMORY="-1"')).code).toBe(0x2000);
      expect((await one.fail("one.vm.resize", id, 'CPU="100000"', true)).code).toBe(0x800);
      await one.ok("one.vm.action", "resume", id);
      clock.advance(10);
      await one.ok("one.vm.action", "suspend", id);
      clock.advance(10);
      expect((await one.fail("one.vm.resize", id, 'CPU="1"')).message).toBe("[one.vm.resize] Cannot resize a VM in state SUSPENDED");
    });
  });

  it("hot-plugs disks on a running VM and cold-plugs them on a powered-off one", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: DELAYS }, async (one) => {
      const { id } = await runningVm(one, clock);
      const data = await one.id("one.image.allocate", 'NAME="data"\nTYPE="DATABLOCK"\nSIZE="100"\nDEV_PREFIX="vd"', 1);
      clock.advance(10);
      await one.ok("one.vm.attach", id, `DISK = [ IMAGE_ID = "${data}" ]`);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.HOTPLUG]);
      let disk = (await one.vm(id)).TEMPLATE.DISK[1];
      expect(disk).toMatchObject({ DISK_ID: "2", TARGET: "vdb", ATTACH: "YES", IMAGE_ID: String(data) });
      clock.advance(500);
      disk = (await one.vm(id)).TEMPLATE.DISK[1];
      expect(disk.ATTACH).toBeUndefined();
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.RUNNING]);
      expect(Number((await one.image(data)).STATE)).toBe(ImageState.USED);
      const busy = await one.id("one.image.allocate", 'NAME="locked"\nTYPE="DATABLOCK"\nSIZE="100"', 1);
      expect((await one.fail("one.vm.attach", id, `DISK = [ IMAGE_ID = "${busy}" ]`)).message).toBe(`[one.vm.attach] Cannot acquire image ${busy}, it is locked`);
      await one.ok("one.vm.detach", id, 2);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.HOTPLUG]);
      clock.advance(500);
      expect((await one.vm(id)).TEMPLATE.DISK).toHaveLength(1);
      expect(Number((await one.image(data)).STATE)).toBe(ImageState.READY);
      expect((await one.fail("one.vm.detach", id, 7)).message).toBe("[one.vm.detach] VM disk does not exist");

      await one.ok("one.vm.action", "poweroff", id);
      clock.advance(10);
      await one.ok("one.vm.attach", id, 'DISK = [ TYPE = "fs", SIZE = "64" ]');
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.HOTPLUG_PROLOG_POWEROFF]);
      clock.advance(500);
      expect(await one.vmState(id)).toEqual([VmState.POWEROFF, 0]);
      await one.ok("one.vm.detach", id, 2);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.HOTPLUG_EPILOG_POWEROFF]);
      clock.advance(500);
      expect(await one.vmState(id)).toEqual([VmState.POWEROFF, 0]);
    });
  });

  it("refuses to attach a disk to a VM that never ran or is in a wrong state", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const pending = await one.id("one.vm.allocate", vmTemplate("p", null, null), true);
      expect((await one.fail("one.vm.attach", pending, 'DISK=[TYPE="fs", SIZE="1"]')).message).toBe("[one.vm.attach] VM is not running in any host");
      const run = await one.id("one.vm.allocate", vmTemplate("s", null, null));
      await one.ok("one.vm.action", "suspend", run);
      expect((await one.fail("one.vm.attach", run, 'DISK=[TYPE="fs", SIZE="1"]')).message).toBe(
        `[one.vm.attach] Could not attach a new disk to VM ${run}, wrong state SUSPENDED.`,
      );
    });
  });

  it("attaches and detaches NICs, keeping leases, CONTEXT and rules in step", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: DELAYS }, async (one) => {
      const { id, net } = await runningVm(one, clock);
      await one.ok("one.vm.attachnic", id, `NIC = [ NETWORK_ID = "${net}", IP = "192.168.150.105" ]`);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.HOTPLUG_NIC]);
      clock.advance(500);
      let vm = await one.vm(id);
      expect(vm.TEMPLATE.NIC[1]).toMatchObject({ NIC_ID: "1", IP: "192.168.150.105" });
      expect(vm.TEMPLATE.CONTEXT.ETH1_IP).toBe("192.168.150.105");
      expect(Number((await one.vnet(net)).USED_LEASES)).toBe(2);
      expect((await one.fail("one.vm.attachnic", id, `NIC = [ NETWORK_ID = "${net}", IP = "192.168.150.105" ]`)).message).toBe(
        "[one.vm.attachnic] IP 192.168.150.105 is already in use",
      );
      await one.ok("one.vm.detachnic", id, 1);
      clock.advance(500);
      vm = await one.vm(id);
      expect(vm.TEMPLATE.NIC).toHaveLength(1);
      expect(vm.TEMPLATE.CONTEXT.ETH1_IP).toBeUndefined();
      expect(Number((await one.vnet(net)).USED_LEASES)).toBe(1);
      expect((await one.fail("one.vm.detachnic", id, 5)).message).toBe("[one.vm.detachnic] Could not detach NIC with NIC_ID 5, it does not exist.");
      await one.ok("one.vm.action", "poweroff", id);
      clock.advance(10);
      await one.ok("one.vm.attachnic", id, `NIC = [ NETWORK_ID = "${net}" ]`);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.HOTPLUG_NIC_POWEROFF]);
      clock.advance(500);
      expect(await one.vmState(id)).toEqual([VmState.POWEROFF, 0]);
      const held = await one.id("one.vm.allocate", vmTemplate("held", null, null), true);
      expect((await one.fail("one.vm.attachnic", held, `NIC = [ NETWORK_ID = "${net}" ]`)).message).toBe(
        `[one.vm.attachnic] Could not add a new NIC to VM ${held}, wrong state HOLD.`,
      );
    });
  });

  it("attaches and detaches security groups on a NIC", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const net = await one.id("one.vn.allocate", NET_TEMPLATE, -1);
      const sg = await one.id("one.secgroup.allocate", 'NAME="ssh"\nRULE=[PROTOCOL="TCP", RULE_TYPE="inbound", RANGE="22"]');
      const id = await one.id("one.vm.allocate", vmTemplate("w", null, net));
      await one.ok("one.vm.attachsg", id, 0, sg);
      let vm = await one.vm(id);
      expect(vm.TEMPLATE.NIC[0].SECURITY_GROUPS).toBe("0,1");
      expect(vm.TEMPLATE.SECURITY_GROUP_RULE).toHaveLength(3);
      expect((await one.fail("one.vm.attachsg", id, 0, sg)).code).toBe(0x800);
      expect((await one.fail("one.vm.attachsg", id, 0, 44)).code).toBe(0x400);
      await one.ok("one.vm.detachsg", id, 0, sg);
      vm = await one.vm(id);
      expect(vm.TEMPLATE.NIC[0].SECURITY_GROUPS).toBe("0");
      expect(vm.TEMPLATE.SECURITY_GROUP_RULE).toHaveLength(2);
    });
  });

  it("grows disks, never shrinks them", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: DELAYS }, async (one) => {
      const { id } = await runningVm(one, clock);
      const size = Number((await one.vm(id)).TEMPLATE.DISK[0].SIZE);
      expect((await one.fail("one.vm.diskresize", id, 0, String(size))).message).toBe("[one.vm.diskresize] New disk size has to be greater than current one");
      expect((await one.fail("one.vm.diskresize", id, 0, "big")).message).toBe("[one.vm.diskresize] Disk SIZE is not a valid integer");
      await one.ok("one.vm.diskresize", id, 0, String(size + 1024));
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.DISK_RESIZE]);
      clock.advance(500);
      expect(Number((await one.vm(id)).TEMPLATE.DISK[0].SIZE)).toBe(size + 1024);
      await one.ok("one.vm.action", "poweroff", id);
      clock.advance(10);
      await one.ok("one.vm.diskresize", id, 0, String(size + 2048));
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.DISK_RESIZE_POWEROFF]);
      clock.advance(500);
      await one.ok("one.vm.action", "undeploy", id);
      clock.advance(20);
      await one.ok("one.vm.diskresize", id, 0, String(size + 4096));
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.DISK_RESIZE_UNDEPLOYED]);
      clock.advance(500);
      expect(await one.vmState(id)).toEqual([VmState.UNDEPLOYED, 0]);
    });
  });

  it("updates the configuration, live for CONTEXT on a running VM", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: DELAYS }, async (one) => {
      const { id } = await runningVm(one, clock);
      await one.ok("one.vm.updateconf", id, 'CONTEXT = [ NETWORK = "YES", SSH_PUBLIC_KEY = "new-key", START = "x" ]\nOS = [ BOOT = "disk0", NOPE = "1" ]\nLABELS = "dropped"', 1);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.HOTPLUG]);
      clock.advance(500);
      const vm = await one.vm(id);
      expect(vm.TEMPLATE.CONTEXT).toMatchObject({ SSH_PUBLIC_KEY: "new-key", START: "x", ETH0_IP: "192.168.150.100", TARGET: "hda" });
      expect(vm.TEMPLATE.OS).toEqual({ BOOT: "disk0" });
      expect(vm.USER_TEMPLATE.LABELS).toBe("hyperplan");
      await one.ok("one.vm.updateconf", id, 'OS = [ ARCH = "aarch64" ]', 1);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.RUNNING]);
      expect((await one.vm(id)).TEMPLATE.OS).toEqual({ ARCH: "aarch64", BOOT: "disk0" });
      await one.ok("one.vm.updateconf", id, 'OS = [ MACHINE = "q35" ]', 0);
      expect((await one.vm(id)).TEMPLATE.OS).toEqual({ MACHINE: "q35" });
      // A replace erases the replaceable sections it leaves out; a merge keeps them; CONTEXT stays.
      await one.ok("one.vm.updateconf", id, 'GRAPHICS = [ TYPE = "VNC", LISTEN = "0.0.0.0" ]\nFEATURES = [ ACPI = "yes" ]', 1);
      expect((await one.vm(id)).TEMPLATE).toMatchObject({ OS: { MACHINE: "q35" }, GRAPHICS: { TYPE: "VNC" }, FEATURES: { ACPI: "yes" } });
      await one.ok("one.vm.updateconf", id, 'FEATURES = [ ACPI = "no" ]', 0);
      const replaced = (await one.vm(id)).TEMPLATE;
      expect([replaced.OS, replaced.GRAPHICS, replaced.FEATURES]).toEqual([undefined, undefined, { ACPI: "no" }]);
      expect(replaced.CONTEXT).toMatchObject({ SSH_PUBLIC_KEY: "new-key" });
      expect((await one.fail("one.vm.updateconf", id, 'CONTEXT = [ ETH0_IP = "1.2.3.4" ]', 1)).code).toBe(0x2000);
      expect((await one.fail("one.vm.updateconf", id, "", 3)).code).toBe(0x1000);
      await one.ok("one.vm.action", "suspend", id);
      clock.advance(10);
      expect((await one.fail("one.vm.updateconf", id, 'OS=[ARCH="x"]', 1)).message).toBe("[one.vm.updateconf] configuration cannot be updated in state SUSPENDED");
    });
  });

  it("replaces or merges USER_TEMPLATE with one.vm.update, and renames in any state", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const id = await one.id("one.vm.allocate", vmTemplate("u", null, null));
      await one.ok("one.vm.update", id, 'EXTRA = "1"', 1);
      expect((await one.vm(id)).USER_TEMPLATE).toMatchObject({ EXTRA: "1", LABELS: "hyperplan" });
      await one.ok("one.vm.update", id, 'ONLY = "2"', 0);
      expect((await one.vm(id)).USER_TEMPLATE).toEqual({ ONLY: "2" });
      expect((await one.fail("one.vm.update", id, 'X="1"', 2)).message).toBe("[one.vm.update] Wrong update type");
      await one.ok("one.vm.rename", id, "renamed");
      await one.ok("one.vm.action", "terminate-hard", id);
      await one.ok("one.vm.rename", id, "gone");
      expect((await one.vm(id)).NAME).toBe("gone");
      expect((await one.fail("one.vm.rename", id, "bad|name")).message).toBe("[one.vm.rename] Invalid NAME, char '|' is not allowed");
      await one.ok("one.vm.chmod", id, 1, 1, 1, -1, -1, -1, -1, -1, -1);
      expect((await one.vm(id)).PERMISSIONS.OWNER_A).toBe("1");
      expect((await one.fail("one.vm.chown", id, 42, -1)).message).toBe("[one.vm.chown] Error getting user [42].");
    });
  });
});
