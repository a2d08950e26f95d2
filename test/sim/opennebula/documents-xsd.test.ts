import { describe, expect, it } from "vitest";
import { validateXML } from "xmllint-wasm";
import { referenceMissing } from "../../support/reference";
import { schemaClosure, validateOneXml, withOneNamespace, type OneSchema } from "../../support/xsd";
import { Lcm, VmState } from "../../../src/sim/opennebula/index";
import { NET_TEMPLATE, fakeClock, parseDoc, vmTemplate, withSim, type One } from "./helpers";

const NO_XSD = referenceMissing("opennebula/xsd", "validation of the simulator's documents against oned's XSDs");

const DELAYS = { schedulerPeriodMs: 100, prologMs: 1000, bootMs: 1000, shutdownMs: 500, epilogMs: 500, hotplugMs: 1000, imageCopyMs: 200, imageDeleteMs: 100, vnetCreateMs: 100, vnetDeleteMs: 100 };

async function expectValid(xml: string, schema: OneSchema, what: string): Promise<void> {
  const result = await validateOneXml(xml, schema);
  expect(result.errors, `${what} against ${schema}`).toEqual([]);
  expect(result.valid).toBe(true);
}

/** Builds a world holding every kind of object, VMs in many states. Returns the VM ids by state. */
async function richWorld(one: One, clock: ReturnType<typeof fakeClock>): Promise<Record<string, number>> {
  const img = await one.id("one.image.allocate", 'NAME="ubuntu"\nPATH="/var/tmp/ubuntu.qcow2"\nFORMAT="qcow2"\nDEV_PREFIX="vd"\nDESCRIPTION="base & <os>"', 1);
  const data = await one.id("one.image.allocate", 'NAME="data"\nTYPE="DATABLOCK"\nSIZE="10240"\nPERSISTENT="YES"', 1);
  await one.id("one.image.allocate", 'NAME="kernel"\nTYPE="KERNEL"\nPATH="/boot/vmlinuz"', 2);
  const net = await one.id("one.vn.allocate", NET_TEMPLATE, -1);
  await one.ok("one.vn.add_ar", net, 'AR = [ TYPE = "ETHER", SIZE = "8" ]');
  const v6 = await one.id("one.vn.allocate", 'NAME="v6"\nVN_MAD="802.1Q"\nPHYDEV="eth1"\nVLAN_ID="42"\nAR=[TYPE="IP4_6", IP="10.9.0.1", SIZE="16", ULA_PREFIX="fd00:1::"]', -1);
  const sg = await one.id("one.secgroup.allocate", 'NAME="open"\nDESCRIPTION="all"\nRULE=[PROTOCOL="ALL", RULE_TYPE="inbound"]');
  await one.id("one.template.allocate", vmTemplate("tpl", img, net, `NIC=[NETWORK_ID="${v6}"]`));
  clock.advance(1000);
  const ids: Record<string, number> = {};
  const mk = async (name: string, extra = "", hold = false) =>
    one.id("one.vm.allocate", vmTemplate(name, img, net, `${extra}\nNIC=[NETWORK_ID="${v6}", SECURITY_GROUPS="${sg}"]`), hold);
  ids.running = await mk("running", `DISK=[IMAGE_ID="${data}"]\nOS=[ARCH="x86_64", BOOT="disk0"]\nFEATURES=[ACPI="yes"]\nVIDEO=[VRAM="16384", TYPE="virtio"]\nINPUT=[TYPE="tablet", BUS="usb"]\nRAW=[TYPE="kvm", DATA="<cpu/>"]\nNIC_DEFAULT=[MODEL="virtio"]\nTOPOLOGY=[SOCKETS="1"]\nMEMORY_MAX="2048"\nVCPU_MAX="4"\nTPM=[MODEL="tpm-crb"]\nBACKUP_CONFIG=[MODE="FULL", KEEP_LAST="3"]`);
  ids.poweroff = await mk("poweroff");
  ids.done = await mk("done");
  ids.undeployed = await mk("undeployed");
  ids.stopped = await mk("stopped");
  ids.suspended = await mk("suspended");
  ids.hold = await mk("hold", "", true);
  clock.advance(100);
  clock.advance(2000);
  await one.ok("one.vm.action", "poweroff", ids.poweroff as number);
  await one.ok("one.vm.action", "terminate", ids.done as number);
  await one.ok("one.vm.action", "undeploy", ids.undeployed as number);
  await one.ok("one.vm.action", "stop", ids.stopped as number);
  await one.ok("one.vm.action", "suspend", ids.suspended as number);
  await one.ok("one.vm.updateconf", ids.running as number, 'CONTEXT=[NETWORK="YES", SSH_PUBLIC_KEY="k2", START_SCRIPT="echo hi"]\nCPU_MODEL=[MODEL="host-passthrough"]', 1);
  clock.advance(1000);
  await one.ok("one.vm.resize", ids.running as number, 'CPU="2"\nMEMORY="1024"', false);
  clock.advance(1000);
  ids.pending = await one.id("one.vm.allocate", 'NAME="too-big"\nCPU="1000"\nMEMORY="64"\nLABELS="x"');
  ids.bootFailure = await one.id("one.vm.allocate", vmTemplate("broken-1", null, null));
  clock.advance(2200);
  ids.booting = await one.id("one.vm.allocate", vmTemplate("booting", null, null));
  clock.advance(1200);
  await one.ok("one.vm.attach", ids.poweroff as number, 'DISK=[TYPE="fs", SIZE="128"]');
  return ids;
}

describe.skipIf(NO_XSD)("every document validates against oned's XSDs", () => {
  it("VMs in many states, pools short and extended, and every other kind", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: DELAYS, faults: [{ type: "fail-state", kind: "vm", match: "broken-*", state: "BOOT_FAILURE" }] }, async (one) => {
      const ids = await richWorld(one, clock);
      const states = new Map<number, [number, number]>();
      const checks: Promise<void>[] = [];
      const vmPool = parseDoc(await one.doc("one.vmpool.info", -2, -1, -1, -2)).VM_POOL.VM as Record<string, string>[];
      for (const vm of vmPool) {
        const id = Number(vm.ID);
        const info = await one.doc("one.vm.info", id);
        const doc = parseDoc(info).VM[0];
        states.set(id, [Number(doc.STATE), Number(doc.LCM_STATE)]);
        checks.push(expectValid(info, "vm.xsd", `VM ${id} (${doc.NAME})`));
      }
      // The world really holds the states this test means to cover.
      const seen = [...states.values()].map(([s, l]) => (s === VmState.ACTIVE ? `ACTIVE/${l}` : String(s)));
      expect(seen).toEqual(
        expect.arrayContaining([
          `ACTIVE/${Lcm.RUNNING}`,
          `ACTIVE/${Lcm.HOTPLUG_PROLOG_POWEROFF}`,
          `ACTIVE/${Lcm.BOOT_FAILURE}`,
          `ACTIVE/${Lcm.BOOT}`,
          String(VmState.DONE),
          String(VmState.UNDEPLOYED),
          String(VmState.STOPPED),
          String(VmState.SUSPENDED),
          String(VmState.HOLD),
          String(VmState.PENDING),
        ]),
      );
      const running = parseDoc(await one.doc("one.vm.info", ids.running as number)).VM[0];
      expect(running.TEMPLATE.DISK).toHaveLength(2);
      expect(running.TEMPLATE.NIC).toHaveLength(2);
      expect(running.TEMPLATE.CONTEXT.ETH1_IP).toBe("10.9.0.1");
      expect(running.HISTORY_RECORDS.HISTORY.length).toBeGreaterThan(0);

      checks.push(expectValid(await one.doc("one.vmpool.info", -2, -1, -1, -2), "vm_pool.xsd", "vmpool.info"));
      checks.push(expectValid(await one.doc("one.vmpool.info", -2, 0, -3, -1), "vm_pool.xsd", "vmpool.info page"));
      checks.push(expectValid(await one.doc("one.vmpool.infoextended", -2, -1, -1, -2), "vm_pool_extended.xsd", "vmpool.infoextended"));
      checks.push(expectValid(await one.doc("one.vmpool.infoset", "0,1,2,99", true), "vm_pool_extended.xsd", "infoset extended"));
      checks.push(expectValid(await one.doc("one.vmpool.infoset", "0,1,2,99", false), "vm_pool.xsd", "infoset short"));
      checks.push(expectValid(await one.doc("one.vmpool.infoset", "", false), "vm_pool.xsd", "empty infoset"));

      for (const img of parseDoc(await one.doc("one.imagepool.info", -2, -1, -1)).IMAGE_POOL.IMAGE) {
        checks.push(expectValid(await one.doc("one.image.info", Number(img.ID)), "image.xsd", `image ${img.NAME}`));
      }
      checks.push(expectValid(await one.doc("one.imagepool.info", -2, -1, -1), "image_pool.xsd", "imagepool"));
      for (const vn of parseDoc(await one.doc("one.vnpool.info", -2, -1, -1)).VNET_POOL.VNET) {
        checks.push(expectValid(await one.doc("one.vn.info", Number(vn.ID)), "vnet.xsd", `vnet ${vn.NAME}`));
      }
      checks.push(expectValid(await one.doc("one.vnpool.info", -2, -1, -1), "vnet_pool.xsd", "vnpool"));
      checks.push(expectValid(await one.doc("one.template.info", 0), "vmtemplate.xsd", "template"));
      checks.push(expectValid(await one.doc("one.template.info", 0, true), "vmtemplate.xsd", "template extended"));
      checks.push(expectValid(await one.doc("one.templatepool.info", -2, -1, -1), "vmtemplate_pool.xsd", "templatepool"));
      checks.push(expectValid(await one.doc("one.secgroup.info", 0), "security_group.xsd", "default secgroup"));
      checks.push(expectValid(await one.doc("one.secgroup.info", 1), "security_group.xsd", "secgroup"));
      checks.push(expectValid(await one.doc("one.secgrouppool.info", -2, -1, -1), "security_group_pool.xsd", "secgrouppool"));
      checks.push(expectValid(await one.doc("one.datastore.info", 1), "datastore.xsd", "datastore"));
      checks.push(expectValid(await one.doc("one.datastorepool.info"), "datastore_pool.xsd", "datastorepool"));
      checks.push(expectValid(await one.doc("one.host.info", 0), "host.xsd", "host"));
      checks.push(expectValid(await one.doc("one.hostpool.info"), "host_pool.xsd", "hostpool"));
      checks.push(expectValid(await one.doc("one.cluster.info", 0), "cluster.xsd", "cluster"));
      checks.push(expectValid(await one.doc("one.clusterpool.info"), "cluster_pool.xsd", "clusterpool"));
      checks.push(expectValid(await one.doc("one.vmpool.info", -2, 500, 600, -1), "vm_pool.xsd", "empty pool"));
      await Promise.all(checks);
    });
  });

  it("one.system.config validates against opennebula_configuration.xsd", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const [schema, ...preload] = schemaClosure("opennebula_configuration.xsd");
      const result = await validateXML({
        xml: [{ fileName: "config.xml", contents: withOneNamespace(await one.doc("one.system.config")) }],
        schema: schema ? [schema] : [],
        preload,
      });
      expect(result.errors).toEqual([]);
      expect(result.valid).toBe(true);
    });
  });

  it("security group RULEs with RANGE fail only the schema's own RULE strictness", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const id = await one.id("one.secgroup.allocate", 'NAME="web"\nRULE=[PROTOCOL="TCP", RULE_TYPE="inbound", RANGE="80:81"]');
      const result = await validateOneXml(await one.doc("one.secgroup.info", id), "security_group.xsd");
      expect(result.valid).toBe(false);
      expect(result.errors.join("\n")).toMatch(/RANGE/);
      expect(result.errors).toHaveLength(1);
    });
  });

  it("bulk-seeded VMs are schema-valid", async () => {
    await withSim({ delays: "instant" }, async (one, sim) => {
      sim.world.seedVms(3, { userTemplate: { HYPERPLAN_STACK: "bench" } });
      sim.world.seedVms(2, { state: "POWEROFF", namePrefix: "off" });
      const ext = await one.doc("one.vmpool.infoextended", -2, -1, -1, -1);
      await expectValid(ext, "vm_pool_extended.xsd", "seeded extended pool");
      await expectValid(await one.doc("one.vmpool.info", -2, -1, -1, -1), "vm_pool.xsd", "seeded short pool");
    });
  });
});

describe("bulk-seeded VMs", () => {
  it("have 5–8 KB full bodies", async () => {
    await withSim({ delays: "instant" }, async (one, sim) => {
      sim.world.seedVms(3, { userTemplate: { HYPERPLAN_STACK: "bench" } });
      sim.world.seedVms(2, { state: "POWEROFF", namePrefix: "off" });
      for (let id = 0; id < 5; id++) {
        const body = await one.doc("one.vm.info", id);
        expect(body.length).toBeGreaterThanOrEqual(5000);
        expect(body.length).toBeLessThanOrEqual(8192);
      }
    });
  });
});
