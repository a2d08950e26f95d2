import { describe, expect, it } from "vitest";
import { Lcm, VmState } from "../../../src/sim/opennebula/index";
import { IMAGE_TEMPLATE, NET_TEMPLATE, fakeClock, parseDoc, vmTemplate, withSim, type One } from "./helpers";

const DELAYS = { schedulerPeriodMs: 100, prologMs: 1000, bootMs: 1000, shutdownMs: 500, epilogMs: 500, hotplugMs: 300, imageCopyMs: 200, imageDeleteMs: 100, vnetCreateMs: 100, vnetDeleteMs: 100 };

async function readyImageAndNet(one: One, clock: ReturnType<typeof fakeClock>): Promise<{ img: number; net: number }> {
  const img = await one.id("one.image.allocate", IMAGE_TEMPLATE, 1);
  const net = await one.id("one.vn.allocate", NET_TEMPLATE, -1);
  clock.advance(1000);
  return { img, net };
}

describe("VM lifecycle", () => {
  it("goes PENDING → PROLOG → BOOT → RUNNING as the scheduler and drivers act", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: DELAYS }, async (one) => {
      const { img, net } = await readyImageAndNet(one, clock);
      const id = await one.id("one.vm.allocate", vmTemplate("web-1", img, net));
      expect(await one.vmState(id)).toEqual([VmState.PENDING, 0]);
      clock.advance(100);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.PROLOG]);
      clock.advance(1000);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.BOOT]);
      clock.advance(1000);
      const vm = await one.vm(id);
      expect([Number(vm.STATE), Number(vm.LCM_STATE)]).toEqual([VmState.ACTIVE, Lcm.RUNNING]);
      expect(vm.DEPLOY_ID).toBe(`one-${id}`);
      expect(vm.HISTORY_RECORDS.HISTORY).toHaveLength(1);
      expect(vm.HISTORY_RECORDS.HISTORY[0].HOSTNAME).toBe("kvm-node-01");
      expect(vm.TEMPLATE.TM_MAD_SYSTEM).toBe("ssh");
      const image = await one.image(img);
      expect(Number(image.STATE)).toBe(2);
      expect(Number(image.RUNNING_VMS)).toBe(1);
    });
  });

  it("terminates through SHUTDOWN and EPILOG to DONE, releasing image, lease and host", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: DELAYS }, async (one) => {
      const { img, net } = await readyImageAndNet(one, clock);
      const id = await one.id("one.vm.allocate", vmTemplate("web-1", img, net));
      clock.advance(3000);
      await one.ok("one.vm.action", "terminate", id);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.SHUTDOWN]);
      clock.advance(500);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.EPILOG]);
      clock.advance(500);
      const vm = await one.vm(id);
      expect(Number(vm.STATE)).toBe(VmState.DONE);
      expect(Number(vm.ETIME)).toBeGreaterThan(0);
      expect(Number((await one.image(img)).STATE)).toBe(1);
      expect(Number((await one.vnet(net)).USED_LEASES)).toBe(0);
      const pool = parseDoc(await one.doc("one.vmpool.info", -2, -1, -1, -1));
      expect(pool.VM_POOL.VM).toBeUndefined();
      const all = parseDoc(await one.doc("one.vmpool.info", -2, -1, -1, -2));
      expect(all.VM_POOL.VM).toHaveLength(1);
      const host = parseDoc(await one.doc("one.hostpool.info")).HOST_POOL.HOST[0];
      expect(Number(host.HOST_SHARE.CPU_USAGE)).toBe(0);
    });
  });

  it("powers off and resumes, keeping the host's capacity reserved", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: DELAYS }, async (one) => {
      const id = await one.id("one.vm.allocate", vmTemplate("db", null, null));
      clock.advance(3000);
      await one.ok("one.vm.action", "poweroff", id);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.SHUTDOWN_POWEROFF]);
      clock.advance(500);
      expect(await one.vmState(id)).toEqual([VmState.POWEROFF, 0]);
      const host = parseDoc(await one.doc("one.hostpool.info")).HOST_POOL.HOST[0];
      expect(Number(host.HOST_SHARE.CPU_USAGE)).toBe(100);
      await one.ok("one.vm.action", "resume", id);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.BOOT_POWEROFF]);
      clock.advance(1000);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.RUNNING]);
      expect((await one.vm(id)).HISTORY_RECORDS.HISTORY).toHaveLength(2);
    });
  });

  it("undeploys and stops, then resumes through PENDING and the resume prologs", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: DELAYS }, async (one) => {
      const id = await one.id("one.vm.allocate", vmTemplate("app", null, null));
      clock.advance(3000);
      await one.ok("one.vm.action", "undeploy", id);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.SHUTDOWN_UNDEPLOY]);
      clock.advance(500);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.EPILOG_UNDEPLOY]);
      clock.advance(500);
      expect(await one.vmState(id)).toEqual([VmState.UNDEPLOYED, 0]);
      await one.ok("one.vm.action", "resume", id);
      expect(await one.vmState(id)).toEqual([VmState.PENDING, 0]);
      clock.advance(100);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.PROLOG_UNDEPLOY]);
      clock.advance(1000);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.BOOT_UNDEPLOY]);
      clock.advance(1000);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.RUNNING]);

      await one.ok("one.vm.action", "stop", id);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.SAVE_STOP]);
      clock.advance(500);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.EPILOG_STOP]);
      clock.advance(500);
      expect(await one.vmState(id)).toEqual([VmState.STOPPED, 0]);
      await one.ok("one.vm.action", "resume", id);
      clock.advance(100);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.PROLOG_RESUME]);
      clock.advance(1000);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.BOOT_STOPPED]);
      clock.advance(1000);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.RUNNING]);
    });
  });

  it("suspends and resumes, and holds and releases a pending VM synchronously", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: DELAYS }, async (one) => {
      const id = await one.id("one.vm.allocate", vmTemplate("batch", null, null));
      await one.ok("one.vm.action", "hold", id);
      expect(await one.vmState(id)).toEqual([VmState.HOLD, 0]);
      clock.advance(5000);
      expect(await one.vmState(id)).toEqual([VmState.HOLD, 0]);
      await one.ok("one.vm.action", "release", id);
      expect(await one.vmState(id)).toEqual([VmState.PENDING, 0]);
      clock.advance(2100);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.RUNNING]);
      await one.ok("one.vm.action", "suspend", id);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.SAVE_SUSPEND]);
      clock.advance(500);
      expect(await one.vmState(id)).toEqual([VmState.SUSPENDED, 0]);
      await one.ok("one.vm.action", "resume", id);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.BOOT_SUSPENDED]);
      clock.advance(1000);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.RUNNING]);
      await one.ok("one.vm.action", "reboot", id);
      await one.ok("one.vm.action", "resched", id);
      expect(Number((await one.vm(id)).RESCHED)).toBe(1);
    });
  });

  it("allocates on hold when asked, and terminates a HOLD VM at once", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const id = await one.id("one.vm.allocate", vmTemplate("held", null, null), true);
      expect(await one.vmState(id)).toEqual([VmState.HOLD, 0]);
      await one.ok("one.vm.action", "terminate-hard", id);
      expect(await one.vmState(id)).toEqual([VmState.DONE, 0]);
      await one.ok("one.vm.action", "terminate", id);
    });
  });

  it("refuses terminate and terminate-hard in EPILOG; accepts terminate-hard but not terminate in SHUTDOWN (FACTS §6)", async () => {
    const clock = fakeClock();
    // Per-step delays over the fast preset, by step name: a long shutdown and epilog.
    await withSim({ clock, delays: { schedulerPeriod: 100, prolog: 100, boot: 100, shutdown: 4000, epilog: 5000 } }, async (one) => {
      const a = await one.id("one.vm.allocate", vmTemplate("a", null, null));
      const b = await one.id("one.vm.allocate", vmTemplate("b", null, null));
      clock.advance(300);
      expect(await one.vmState(a)).toEqual([VmState.ACTIVE, Lcm.RUNNING]);
      await one.ok("one.vm.action", "terminate", a);
      await one.ok("one.vm.action", "terminate", b);
      expect(await one.vmState(b)).toEqual([VmState.ACTIVE, Lcm.SHUTDOWN]);
      expect(await one.fail("one.vm.action", "terminate", b)).toMatchObject({
        code: 0x800,
        id: b,
        message: `[one.vm.action] Error performing action "terminate": Could not terminate VM ${b}, wrong state SHUTDOWN.`,
      });
      // terminate-hard overrides a soft shutdown that is taking too long.
      await one.ok("one.vm.action", "terminate-hard", b);
      expect(await one.vmState(b)).toEqual([VmState.ACTIVE, Lcm.SHUTDOWN]);
      expect((await one.vm(b)).HISTORY_RECORDS.HISTORY[0].ACTION).toBe("28"); // TERMINATE_HARD_ACTION (vm.xsd)

      clock.advance(4000);
      expect(await one.vmState(a)).toEqual([VmState.ACTIVE, Lcm.EPILOG]);
      for (const action of ["terminate", "terminate-hard"]) {
        expect(await one.fail("one.vm.action", action, a)).toMatchObject({
          code: 0x800,
          id: a,
          message: `[one.vm.action] Error performing action "${action}": Could not terminate VM ${a}, wrong state EPILOG.`,
        });
      }
      clock.advance(4999);
      expect(await one.vmState(a)).toEqual([VmState.ACTIVE, Lcm.EPILOG]);
      clock.advance(1);
      expect(await one.vmState(a)).toEqual([VmState.DONE, 0]);
      // b's hard terminate restarted its shutdown at the same time as a's: it ends with a.
      expect(await one.vmState(b)).toEqual([VmState.DONE, 0]);
      await one.ok("one.vm.action", "terminate-hard", b);
    });
  });

  it("answers actions in the wrong state with oned's messages", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const id = await one.id("one.vm.allocate", vmTemplate("x", null, null), true);
      const term = await one.fail("one.vm.action", "suspend", id);
      expect(term).toMatchObject({ code: 0x800, id, message: `[one.vm.action] Error performing action "suspend": This action is not available for state HOLD` });
      await one.ok("one.vm.action", "release", id);
      await one.ok("one.vm.info", id);
      const resume = await one.fail("one.vm.action", "resume", id);
      expect(resume.message).toBe(`[one.vm.action] Error performing action "resume": This action is not available for state RUNNING`);
      const unknown = await one.fail("one.vm.action", "boot", id);
      expect(unknown).toMatchObject({ code: 0x800, message: '[one.vm.action] Action "boot" is not supported' });
      const missing = await one.fail("one.vm.action", "terminate", 99);
      expect(missing).toMatchObject({ code: 0x400, id: 99, message: "[one.vm.action] Error getting virtual machine [99]." });
    });
  });

  it("says why a VM that fits on no host stays PENDING, and places it when capacity frees up", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: DELAYS, hosts: [{ name: "small", cpu: 2, memoryMb: 1024 }] }, async (one) => {
      const big = await one.id("one.vm.allocate", 'NAME="big"\nCPU="4"\nMEMORY="512"');
      const first = await one.id("one.vm.allocate", 'NAME="a"\nCPU="1.5"\nMEMORY="512"');
      const second = await one.id("one.vm.allocate", 'NAME="b"\nCPU="1"\nMEMORY="512"');
      clock.advance(2100);
      expect(await one.vmState(first)).toEqual([VmState.ACTIVE, Lcm.RUNNING]);
      const pending = await one.vm(second);
      expect(Number(pending.STATE)).toBe(VmState.PENDING);
      expect(pending.USER_TEMPLATE.SCHED_MESSAGE).toMatch(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: Cannot dispatch VM: No host with enough capacity to deploy the VM$/);
      const short = parseDoc(await one.doc("one.vmpool.info", -2, second, second, -1)).VM_POOL.VM[0];
      expect(short.USER_TEMPLATE.SCHED_MESSAGE).toContain("Cannot dispatch VM");
      expect(Number((await one.vm(big)).STATE)).toBe(VmState.PENDING);
      await one.ok("one.vm.action", "terminate-hard", first);
      clock.advance(1100);
      expect(await one.vmState(second)).toEqual([VmState.ACTIVE, Lcm.PROLOG]);
      expect((await one.vm(second)).USER_TEMPLATE.SCHED_MESSAGE).toBeUndefined();
    });
  });

  it("honours SCHED_REQUIREMENTS when placing a VM", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const id = await one.id("one.vm.allocate", 'NAME="pin"\nCPU="1"\nMEMORY="128"\nSCHED_REQUIREMENTS="ID = 1"');
      const none = await one.id("one.vm.allocate", 'NAME="nowhere"\nCPU="1"\nMEMORY="128"\nSCHED_REQUIREMENTS="NAME = \\"nope\\""');
      const vm = await one.vm(id);
      expect(vm.HISTORY_RECORDS.HISTORY[0].HID).toBe("1");
      const stuck = await one.vm(none);
      expect(stuck.USER_TEMPLATE.SCHED_MESSAGE).toContain('No host meets capacity and SCHED_REQUIREMENTS: NAME = "nope"');
    });
  });

  it("deploys a VM on a chosen host with one.vm.deploy", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: { ...DELAYS, schedulerPeriodMs: 60_000 } }, async (one) => {
      const id = await one.id("one.vm.allocate", vmTemplate("manual", null, null), true);
      await one.ok("one.vm.deploy", id, 1, true, -1);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.PROLOG]);
      expect((await one.vm(id)).HISTORY_RECORDS.HISTORY[0].HOSTNAME).toBe("kvm-node-02");
      const again = await one.fail("one.vm.deploy", id, 0);
      expect(again.message).toBe("[one.vm.deploy] Deploy action is not available for state PROLOG");
      const noHost = await one.fail("one.vm.deploy", id, 7);
      expect(noHost).toMatchObject({ code: 0x400, message: "[one.vm.deploy] Error getting host [7]." });
    });
  });

  it("recovers failed and stuck VMs", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: DELAYS, faults: [{ type: "fail-state", kind: "vm", match: "web-*", state: "BOOT_FAILURE", message: "kvm: no space" }] }, async (one, sim) => {
      const id = await one.id("one.vm.allocate", vmTemplate("web-9", null, null));
      clock.advance(2100);
      const vm = await one.vm(id);
      expect([Number(vm.STATE), Number(vm.LCM_STATE)]).toEqual([VmState.ACTIVE, Lcm.BOOT_FAILURE]);
      expect(vm.USER_TEMPLATE.ERROR).toMatch(/: Error deploying virtual machine: kvm: no space$/);
      sim.faults.clear();
      await one.ok("one.vm.recover", id, 2);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.BOOT]);
      clock.advance(1000);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.RUNNING]);
      expect((await one.vm(id)).USER_TEMPLATE.ERROR).toBeUndefined();
      await one.ok("one.vm.action", "poweroff", id);
      await one.ok("one.vm.recover", id, 0);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.RUNNING]);
      await one.ok("one.vm.action", "terminate", id);
      await one.ok("one.vm.recover", id, 1);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.EPILOG]);
      await one.ok("one.vm.recover", id, 3);
      expect(await one.vmState(id)).toEqual([VmState.DONE, 0]);
      const bad = await one.fail("one.vm.recover", id, 1);
      expect(bad.code).toBe(0x800);
      const other = await one.id("one.vm.allocate", vmTemplate("db-1", null, null));
      clock.advance(2100);
      await one.ok("one.vm.recover", other, 4);
      expect(await one.vmState(other)).toEqual([VmState.PENDING, 0]);
      await one.ok("one.vm.recover", other, 5);
      expect((await one.fail("one.vm.info", other)).code).toBe(0x400);
    });
  });

  it("keeps a VM in CLONING while its image is copied, then PENDING; CLONING_FAILURE when the copy fails", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: { ...DELAYS, imageCopyMs: 5000 }, faults: [{ type: "fail-state", kind: "image", match: "bad", state: "ERROR" }] }, async (one) => {
      const img = await one.id("one.image.allocate", IMAGE_TEMPLATE, 1);
      // LOCKED is a state, not a lock: `Image::set_state` leaves no LOCK on a new image.
      expect((await one.image(img)).LOCK).toBeUndefined();
      const vm = await one.id("one.vm.allocate", vmTemplate("early", img, null));
      const held = await one.id("one.vm.allocate", vmTemplate("early-held", img, null), true);
      expect(await one.vmState(vm)).toEqual([VmState.CLONING, 0]);
      expect((await one.vm(vm)).TEMPLATE.DISK[0].CLONING).toBe("YES");
      expect(Number((await one.image(img)).STATE)).toBe(9);
      clock.advance(5000);
      expect((await one.image(img)).LOCK).toBeUndefined();
      expect(await one.vmState(held)).toEqual([VmState.HOLD, 0]);
      const disk = (await one.vm(vm)).TEMPLATE.DISK[0];
      expect(disk.CLONING).toBeUndefined();
      expect(disk.IMAGE_STATE).toBe("2");
      expect(await one.vmState(vm)).toEqual([VmState.PENDING, 0]);
      clock.advance(100);
      expect(await one.vmState(vm)).toEqual([VmState.ACTIVE, Lcm.PROLOG]);

      const bad = await one.id("one.image.allocate", 'NAME="bad"\nSIZE="10"\nTYPE="DATABLOCK"', 1);
      const doomed = await one.id("one.vm.allocate", vmTemplate("doomed", bad, null));
      clock.advance(5000);
      expect(await one.vmState(doomed)).toEqual([VmState.CLONING_FAILURE, 0]);
      await one.ok("one.vm.action", "terminate", doomed);
      expect(await one.vmState(doomed)).toEqual([VmState.DONE, 0]);
    });
  });

  it("terminates a VM in a failure state through CLEANUP_DELETE", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: DELAYS, faults: [{ type: "fail-state", kind: "vm", match: "*", state: "PROLOG_FAILURE" }] }, async (one) => {
      const id = await one.id("one.vm.allocate", vmTemplate("any", null, null));
      clock.advance(1100);
      const vm = await one.vm(id);
      expect(Number(vm.LCM_STATE)).toBe(Lcm.PROLOG_FAILURE);
      expect(vm.USER_TEMPLATE.ERROR).toContain("Error executing image transfer script");
      await one.ok("one.vm.action", "terminate", id);
      expect(await one.vmState(id)).toEqual([VmState.ACTIVE, Lcm.CLEANUP_DELETE]);
      clock.advance(500);
      expect(await one.vmState(id)).toEqual([VmState.DONE, 0]);
    });
  });
});
