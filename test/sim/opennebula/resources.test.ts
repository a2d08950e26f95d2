import { describe, expect, it } from "vitest";
import { ImageState, VmState, VnetState } from "../../../src/sim/opennebula/index";
import { IMAGE_TEMPLATE, NET_TEMPLATE, fakeClock, parseDoc, vmTemplate, withSim } from "./helpers";

const DELAYS = { schedulerPeriodMs: 100, prologMs: 100, bootMs: 100, shutdownMs: 100, epilogMs: 100, hotplugMs: 100, imageCopyMs: 500, imageDeleteMs: 300, vnetCreateMs: 200, vnetDeleteMs: 200 };

describe("images", () => {
  it("go LOCKED while copied, then READY with a SOURCE, USED while a VM holds them", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: DELAYS }, async (one) => {
      const id = await one.id("one.image.allocate", IMAGE_TEMPLATE, 1);
      let img = await one.image(id);
      expect(Number(img.STATE)).toBe(ImageState.LOCKED);
      expect(img.SOURCE).toBe("");
      clock.advance(500);
      img = await one.image(id);
      expect(Number(img.STATE)).toBe(ImageState.READY);
      expect(img.SOURCE).toMatch(/^\/var\/lib\/one\/\/datastores\/1\/[0-9a-f]{32}$/);
      expect(img.FORMAT).toBe("qcow2");
      expect(img.TEMPLATE.DEV_PREFIX).toBe("vd");
      expect(img.TEMPLATE.PATH).toBeUndefined();
      const vm = await one.id("one.vm.allocate", vmTemplate("v", id, null));
      img = await one.image(id);
      expect(Number(img.STATE)).toBe(ImageState.USED);
      expect(img.VMS.ID).toEqual([String(vm)]);
      const refused = await one.fail("one.image.delete", id);
      expect(refused).toMatchObject({ code: 0x800, id, message: "[one.image.delete] Cannot delete image. There are 1 VMs using it." });
      await one.ok("one.vm.action", "terminate-hard", vm);
      expect(Number((await one.image(id)).STATE)).toBe(ImageState.READY);
      await one.ok("one.image.delete", id);
      expect(Number((await one.image(id)).STATE)).toBe(ImageState.DELETE);
      clock.advance(300);
      expect((await one.fail("one.image.info", id)).message).toBe(`[one.image.info] Error getting image [${id}].`);
    });
  });

  it("end in ERROR with TEMPLATE/ERROR when a fault says so", async () => {
    await withSim({ delays: "instant", faults: [{ type: "fail-state", kind: "image", match: "bad-*", state: "ERROR", message: "no space left" }] }, async (one) => {
      const id = await one.id("one.image.allocate", 'NAME="bad-disk"\nSIZE="1024"\nTYPE="DATABLOCK"', 1);
      const img = await one.image(id);
      expect(Number(img.STATE)).toBe(ImageState.ERROR);
      expect(img.TEMPLATE.ERROR).toMatch(/: Error copying image in the datastore: no space left$/);
      await one.ok("one.image.enable", id, true);
      expect(Number((await one.image(id)).STATE)).toBe(ImageState.READY);
    });
  });

  it("refuse duplicate names per owner, bad datastores and bad types", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      await one.id("one.image.allocate", IMAGE_TEMPLATE, 1);
      expect((await one.fail("one.image.allocate", IMAGE_TEMPLATE, 1)).message).toBe(
        "[one.image.allocate] Error allocating a new image. NAME is already taken by IMAGE 0.",
      );
      expect(await one.fail("one.image.allocate", 'NAME="x"\nSIZE="1"', 9)).toMatchObject({ code: 0x400, message: "[one.image.allocate] Error getting datastore [9]." });
      expect((await one.fail("one.image.allocate", 'NAME="x"\nSIZE="1"', 0)).message).toContain("New images cannot be allocated in a system datastore.");
      expect((await one.fail("one.image.allocate", 'NAME="k"\nPATH="/boot/vmlinuz"\nTYPE="KERNEL"', 1)).message).toContain("cannot be registered in an IMAGE_DS datastore");
      expect(await one.id("one.image.allocate", 'NAME="k"\nPATH="/boot/vmlinuz"\nTYPE="KERNEL"', 2)).toBe(1);
      expect((await one.fail("one.image.allocate", 'NAME=""\nSIZE="1"', 1)).message).toContain("Invalid NAME, it cannot be empty");
    });
  });

  it("change persistence, type, state and name", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const id = await one.id("one.image.allocate", IMAGE_TEMPLATE, 1);
      await one.ok("one.image.info", id);
      await one.ok("one.image.persistent", id, true);
      expect(Number((await one.image(id)).PERSISTENT)).toBe(1);
      await one.ok("one.image.chtype", id, "DATABLOCK");
      expect(Number((await one.image(id)).TYPE)).toBe(2);
      expect((await one.fail("one.image.chtype", id, "BOGUS")).code).toBe(0x2000);
      await one.ok("one.image.enable", id, false);
      expect(Number((await one.image(id)).STATE)).toBe(ImageState.DISABLED);
      await one.ok("one.image.enable", id, true);
      await one.ok("one.image.rename", id, "renamed");
      expect((await one.image(id)).NAME).toBe("renamed");
      await one.ok("one.image.update", id, 'LABEL="x"', 1);
      expect((await one.image(id)).TEMPLATE.LABEL).toBe("x");
      expect((await one.image(id)).TEMPLATE.DEV_PREFIX).toBe("vd");
      await one.ok("one.image.update", id, 'ONLY="y"', 0);
      expect((await one.image(id)).TEMPLATE.DEV_PREFIX).toBeUndefined();
      const other = await one.id("one.image.allocate", 'NAME="other"\nSIZE="10"', 1);
      expect((await one.fail("one.image.rename", other, "renamed")).message).toBe(
        `[one.image.rename] image cannot be renamed to renamed because it collides with image ${id}`,
      );
    });
  });
});

describe("virtual networks", () => {
  it("go LOCK_CREATE → READY, lease addresses to NICs, and refuse deletion while leased", async () => {
    const clock = fakeClock();
    await withSim({ clock, delays: DELAYS }, async (one) => {
      const net = await one.id("one.vn.allocate", NET_TEMPLATE, -1);
      expect(Number((await one.vnet(net)).STATE)).toBe(VnetState.LOCK_CREATE);
      clock.advance(200);
      let vn = await one.vnet(net);
      expect(Number(vn.STATE)).toBe(VnetState.READY);
      expect(vn.CLUSTERS.ID).toEqual(["0"]);
      expect(vn.TEMPLATE.SECURITY_GROUPS).toBe("0");
      const vm = await one.id("one.vm.allocate", vmTemplate("web", null, net));
      const nic = (await one.vm(vm)).TEMPLATE.NIC[0];
      expect(nic).toMatchObject({ IP: "192.168.150.100", MAC: "02:00:c0:a8:96:64", NETWORK: "lan", NETWORK_ID: String(net), NIC_ID: "0", SECURITY_GROUPS: "0", AR_ID: "0", BRIDGE: "br0", TARGET: `one-${vm}-0` });
      const ctx = (await one.vm(vm)).TEMPLATE.CONTEXT;
      expect(ctx).toMatchObject({ ETH0_IP: "192.168.150.100", ETH0_MAC: "02:00:c0:a8:96:64", ETH0_GATEWAY: "192.168.150.1", ETH0_MASK: "255.255.255.0", ETH0_DNS: "192.168.150.2", NETWORK: "YES", TARGET: "hda", DISK_ID: "0" });
      vn = await one.vnet(net);
      expect(Number(vn.USED_LEASES)).toBe(1);
      expect(vn.AR_POOL.AR[0].LEASES.LEASE).toEqual([{ IP: "192.168.150.100", MAC: "02:00:c0:a8:96:64", VM: String(vm) }]);
      expect(vn.AR_POOL.AR[0].IP_END).toBe("192.168.150.109");
      const pool = parseDoc(await one.doc("one.vnpool.info", -2, -1, -1)).VNET_POOL.VNET[0];
      expect(pool.AR_POOL.AR[0].LEASES).toBeUndefined();
      expect(pool.AR_POOL.AR[0].ALLOCATED).toBe(` 0 ${4294967296 + vm}`);
      expect((await one.fail("one.vn.delete", net)).message).toBe("[one.vn.delete] Cannot delete virtual network. Can not remove a virtual network with leases in use");
      await one.ok("one.vm.action", "terminate-hard", vm);
      await one.ok("one.vn.delete", net);
      expect(Number((await one.vnet(net)).STATE)).toBe(VnetState.LOCK_DELETE);
      clock.advance(200);
      expect((await one.fail("one.vn.info", net)).code).toBe(0x400);
    });
  });

  it("complete their template as oned does: driver attributes, default bridge, automatic VLAN, security group 0", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const id = await one.id("one.vn.allocate", 'NAME="v"\nVN_MAD="802.1Q"\nPHYDEV="eth1"\nAUTOMATIC_VLAN_ID="YES"\nSECURITY_GROUPS="0"', -1);
      const vn = await one.vnet(id);
      expect(vn).toMatchObject({ VN_MAD: "802.1Q", PHYDEV: "eth1", VLAN_ID: "2", VLAN_ID_AUTOMATIC: "1", BRIDGE: "onebr.2", BRIDGE_TYPE: "linux" });
      expect(vn.TEMPLATE).toEqual({ BRIDGE: "onebr.2", BRIDGE_TYPE: "linux", PHYDEV: "eth1", SECURITY_GROUPS: "0", VN_MAD: "802.1Q" });
      const ovs = await one.vnet(await one.id("one.vn.allocate", 'NAME="o"\nVN_MAD="ovswitch"', -1));
      expect(ovs).toMatchObject({ BRIDGE: "onebr1", BRIDGE_TYPE: "openvswitch" });
      await one.ok("one.vn.update", id, 'DNS="1.1.1.1"', 0);
      expect((await one.vnet(id)).TEMPLATE).toEqual({ BRIDGE: "onebr.2", BRIDGE_TYPE: "linux", DNS: "1.1.1.1", PHYDEV: "eth1", VN_MAD: "802.1Q" });
    });
  });

  it("manage address ranges", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const net = await one.id("one.vn.allocate", NET_TEMPLATE, 0);
      await one.ok("one.vn.add_ar", net, 'AR = [ TYPE = "ETHER", SIZE = "4" ]');
      await one.ok("one.vn.add_ar", net, 'AR = [ TYPE = "IP4_6", IP = "10.1.0.10", SIZE = "4", ULA_PREFIX = "fd00::" ]');
      let vn = await one.vnet(net);
      expect(vn.AR_POOL.AR.map((a: any) => a.TYPE)).toEqual(["IP4", "ETHER", "IP4_6"]);
      expect(vn.AR_POOL.AR[1].MAC).toMatch(/^02:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/);
      const vm = await one.id("one.vm.allocate", 'NAME="v6"\nCPU="1"\nMEMORY="64"\nNIC=[NETWORK_ID="0", AR_ID="2"]');
      const nic = (await one.vm(vm)).TEMPLATE.NIC[0];
      expect(nic.IP).toBe("10.1.0.10");
      expect(nic.IP6_ULA).toBe("fd00::aff:fe01:a");
      await one.ok("one.vn.update_ar", net, 'AR = [ AR_ID = "0", SIZE = "20", GATEWAY = "192.168.150.254" ]');
      vn = await one.vnet(net);
      expect(vn.AR_POOL.AR[0].SIZE).toBe("20");
      expect((await one.fail("one.vn.rm_ar", net, 2)).message).toBe("[one.vn.rm_ar] Address Range 2 has leases in use");
      await one.ok("one.vn.rm_ar", net, 1);
      expect((await one.fail("one.vn.rm_ar", net, 9)).code).toBe(0x800);
      expect((await one.fail("one.vn.add_ar", net, 'AR = [ TYPE = "IP4", SIZE = "4" ]')).message).toContain("Wrong or empty IP for address range");
    });
  });

  it("refuse allocation without VN_MAD, in an unknown cluster or under a taken name", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      expect((await one.fail("one.vn.allocate", 'NAME="n"', -1)).message).toBe("[one.vn.allocate] Error allocating a new virtual network. No VN_MAD in template for Virtual Network.");
      expect((await one.fail("one.vn.allocate", 'VN_MAD="bridge"', -1)).message).toContain("No NAME in template for Virtual Network.");
      expect((await one.fail("one.vn.allocate", 'NAME="d"\nVN_MAD="dummy"', -1)).message).toContain("BRIDGE is mandatory for driver dummy");
      expect((await one.fail("one.vn.allocate", 'NAME="v"\nVN_MAD="802.1Q"\nVLAN_ID="7"', -1)).message).toContain("PHYDEV is mandatory for driver 802.1Q");
      expect((await one.fail("one.vn.allocate", 'NAME="v"\nVN_MAD="802.1Q"\nPHYDEV="eth0"', -1)).message).toContain("VLAN_ID (or AUTOMATIC_VLAN_ID) is mandatory for driver 802.1Q");
      expect(await one.fail("one.vn.allocate", NET_TEMPLATE, 5)).toMatchObject({ code: 0x400, message: "[one.vn.allocate] Error getting cluster [5]." });
      await one.id("one.vn.allocate", NET_TEMPLATE, -1);
      expect((await one.fail("one.vn.allocate", NET_TEMPLATE, -1)).message).toContain("NAME is already taken by NET 0.");
      // The cluster id is not optional (FACTS §3): xmlrpc-c faults when it is missing.
      await expect(one.fail("one.vn.allocate", NET_TEMPLATE)).rejects.toThrow("unexpected fault -501: Not enough parameters");
    });
  });
});

describe("VM allocation against images and networks", () => {
  it("fails with oned's message and creates nothing when an image or network does not exist", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const net = await one.id("one.vn.allocate", NET_TEMPLATE, -1);
      const r = await one.fail("one.vm.allocate", vmTemplate("x", 42, net));
      expect(r).toMatchObject({ code: 0x4000, message: "[one.vm.allocate] Error allocating a new virtual machine. Image with ID: 42 does not exist" });
      expect(Number((await one.vnet(net)).USED_LEASES)).toBe(0);
      const n = await one.fail("one.vm.allocate", vmTemplate("x", null, 9));
      expect(n.message).toBe("[one.vm.allocate] Error allocating a new virtual machine. Virtual network with ID: 9 does not exist");
      expect((await one.fail("one.vm.allocate", 'NAME="m"\nCPU="1"')).message).toContain("MEMORY attribute must be a positive integer value.");
      expect(parseDoc(await one.doc("one.vmpool.info", -2, -1, -1, -2)).VM_POOL.VM).toBeUndefined();
      expect(await one.id("one.vm.allocate", vmTemplate("ok", null, net))).toBe(0);
    });
  });

  it("fills the DISK from the image and splits TEMPLATE from USER_TEMPLATE as oned does", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const img = await one.id("one.image.allocate", IMAGE_TEMPLATE, 1);
      const vm = await one.vm(await one.id("one.vm.allocate", vmTemplate("split", img, null, 'DISK = [ TYPE = "fs", SIZE = "512" ]\nFEATURES = [ ACPI = "yes" ]\nCPU_MODEL = [ MODEL = "host-passthrough" ]')));
      const disks = vm.TEMPLATE.DISK;
      expect(disks[0]).toMatchObject({ IMAGE: "base", IMAGE_ID: String(img), DATASTORE: "default", DATASTORE_ID: "1", DISK_ID: "0", TARGET: "vda", DEV_PREFIX: "vd", CLONE: "YES", SAVE: "NO", TM_MAD: "ssh", DRIVER: "qcow2", READONLY: "NO", IMAGE_UNAME: "oneadmin" });
      expect(disks[1]).toMatchObject({ DISK_ID: "1", TYPE: "fs", SIZE: "512", TARGET: "hda" });
      expect(vm.TEMPLATE.CONTEXT).toMatchObject({ DISK_ID: "2", TARGET: "hdb" });
      expect(vm.TEMPLATE.GRAPHICS).toMatchObject({ TYPE: "VNC", PORT: String(5900 + Number(vm.ID)) });
      expect(vm.TEMPLATE.FEATURES).toEqual({ ACPI: "yes" });
      expect(vm.TEMPLATE.VMID).toBe(vm.ID);
      expect(vm.TEMPLATE.AUTOMATIC_REQUIREMENTS).toBe("(CLUSTER_ID = 0)");
      expect(vm.USER_TEMPLATE).toEqual({ CPU_MODEL: { MODEL: "host-passthrough" }, HYPERPLAN_STACK: "lab", LABELS: "hyperplan" });
      expect(vm.TEMPLATE.LABELS).toBeUndefined();
    });
  });
});

describe("VM templates", () => {
  it("instantiate a VM, merging the extra template over the stored one", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const t = await one.id("one.template.allocate", 'NAME="small"\nCPU="1"\nMEMORY="256"\nLABELS="a"\nDESCRIPTION="d"');
      const vm = await one.vm(await one.id("one.template.instantiate", t, "", false, 'MEMORY="1024"\nLABELS="b"'));
      expect(vm.NAME).toBe(`small-${vm.ID}`);
      expect(vm.TEMPLATE).toMatchObject({ MEMORY: "1024", CPU: "1", TEMPLATE_ID: String(t) });
      expect(vm.USER_TEMPLATE).toMatchObject({ LABELS: "b", DESCRIPTION: "d" });
      const named = await one.vm(await one.id("one.template.instantiate", t, "db-1", true, ""));
      expect(named.NAME).toBe("db-1");
      expect(Number(named.STATE)).toBe(VmState.HOLD);
      const tpl = parseDoc(await one.doc("one.template.info", t)).VMTEMPLATE[0];
      expect(tpl.TEMPLATE.NAME).toBeUndefined();
      expect(tpl.TEMPLATE.MEMORY).toBe("256");
    });
  });

  it("refuse a name the owner already uses at allocate, clone and rename; clone, rename, update and delete", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const a = await one.id("one.template.allocate", 'NAME="same"\nCPU="1"');
      expect(await one.fail("one.template.allocate", 'NAME="same"\nCPU="2"')).toMatchObject({
        message: `[one.template.allocate] Error allocating a new virtual machine template. NAME is already taken by TEMPLATE ${a}.`,
        code: 0x4000,
        id: -1,
      });
      expect((await one.fail("one.template.clone", a, "same")).message).toBe(
        `[one.template.clone] Error allocating a new virtual machine template. NAME is already taken by TEMPLATE ${a}.`,
      );
      const b = await one.id("one.template.allocate", 'NAME="other"\nCPU="2"');
      expect(b).toBe(a + 1);
      const c = await one.id("one.template.clone", a, "copy");
      expect(await one.fail("one.template.rename", c, "same")).toMatchObject({
        message: `[one.template.rename] virtual machine template cannot be renamed to same because it collides with virtual machine template ${a}`,
        code: 0x800,
      });
      await one.ok("one.template.rename", c, "copy");
      await one.ok("one.template.rename", c, "renamed");
      await one.ok("one.template.update", c, 'MEMORY="64"', 1);
      const pool = parseDoc(await one.doc("one.templatepool.info", -2, -1, -1)).VMTEMPLATE_POOL.VMTEMPLATE;
      expect(pool.map((t: any) => t.NAME)).toEqual(["same", "other", "renamed"]);
      expect(pool[2].TEMPLATE).toEqual({ CPU: "1", MEMORY: "64" });
      await one.ok("one.template.delete", a);
      expect((await one.fail("one.template.info", a)).message).toBe(`[one.template.info] Error getting virtual machine template [${a}].`);
    });
  });

  it("show DISK sizes in the extended info", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      const img = await one.id("one.image.allocate", 'NAME="i"\nSIZE="2048"\nTYPE="DATABLOCK"', 1);
      const t = await one.id("one.template.allocate", `NAME="t"\nDISK=[IMAGE_ID="${img}"]`);
      const plain = parseDoc(await one.doc("one.template.info", t)).VMTEMPLATE[0];
      expect(plain.TEMPLATE.DISK[0].SIZE).toBeUndefined();
      const ext = parseDoc(await one.doc("one.template.info", t, true)).VMTEMPLATE[0];
      expect(ext.TEMPLATE.DISK[0].SIZE).toBe("2048");
    });
  });
});

describe("security groups", () => {
  it("validate rules, refuse duplicates and deleting the default group, and push rule changes to VMs", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      expect((await one.fail("one.secgroup.allocate", 'NAME="bad"\nRULE=[PROTOCOL="SCTP", RULE_TYPE="inbound"]')).message).toContain("Invalid PROTOCOL SCTP");
      const sg = await one.id("one.secgroup.allocate", 'NAME="web"\nDESCRIPTION="http"\nRULE=[PROTOCOL="TCP", RULE_TYPE="inbound", RANGE="80,443"]');
      expect(sg).toBe(1);
      expect((await one.fail("one.secgroup.allocate", 'NAME="web"')).message).toContain("NAME is already taken by SECGROUP 1.");
      expect((await one.fail("one.secgroup.delete", 0)).message).toBe("[one.secgroup.delete] Cannot delete security group. The default security group (ID 0) cannot be deleted.");
      const net = await one.id("one.vn.allocate", NET_TEMPLATE, -1);
      const vm = await one.id("one.vm.allocate", `NAME="v"\nCPU="1"\nMEMORY="64"\nNIC=[NETWORK_ID="${net}", SECURITY_GROUPS="${sg}"]`);
      let doc = await one.vm(vm);
      expect(doc.TEMPLATE.NIC[0].SECURITY_GROUPS).toBe("0,1");
      expect(doc.TEMPLATE.SECURITY_GROUP_RULE.map((r: any) => `${r.SECURITY_GROUP_ID}:${r.PROTOCOL}:${r.RULE_TYPE}`)).toEqual(["0:ALL:OUTBOUND", "0:ALL:INBOUND", "1:TCP:inbound"]);
      const info = parseDoc(await one.doc("one.secgroup.info", sg)).SECURITY_GROUP[0];
      expect(info.UPDATED_VMS.ID).toEqual([String(vm)]);
      await one.ok("one.secgroup.update", sg, 'RULE=[PROTOCOL="UDP", RULE_TYPE="outbound"]', 0);
      doc = await one.vm(vm);
      expect(doc.TEMPLATE.SECURITY_GROUP_RULE[2]).toMatchObject({ PROTOCOL: "UDP", SECURITY_GROUP_NAME: "web" });
      expect((await one.fail("one.secgroup.delete", sg)).message).toContain("The security group has VMs using it");
      await one.ok("one.vm.action", "terminate-hard", vm);
      await one.ok("one.secgroup.delete", sg);
      await one.ok("one.secgroup.rename", 0, "default");
      expect(parseDoc(await one.doc("one.secgrouppool.info", -2, -1, -1)).SECURITY_GROUP_POOL.SECURITY_GROUP).toHaveLength(1);
    });
  });
});

describe("names unique per owner", () => {
  it.each([
    { object: "image", what: "image", allocate: (name: string) => ["one.image.allocate", `NAME="${name}"\nTYPE="DATABLOCK"\nSIZE="8"`, 1] as const, taken: "IMAGE" },
    { object: "vn", what: "virtual network", allocate: (name: string) => ["one.vn.allocate", `NAME="${name}"\nVN_MAD="bridge"`, -1] as const, taken: "NET" },
    { object: "secgroup", what: "security group", allocate: (name: string) => ["one.secgroup.allocate", `NAME="${name}"`] as const, taken: "SECGROUP" },
    { object: "template", what: "virtual machine template", allocate: (name: string) => ["one.template.allocate", `NAME="${name}"\nCPU="1"`] as const, taken: "TEMPLATE" },
  ])("$object: refused at allocate and at rename alike", async ({ object, what, allocate, taken }) => {
    await withSim({ delays: "instant" }, async (one) => {
      const [method, ...args] = allocate("first");
      const first = await one.id(method, ...args);
      const [, ...again] = allocate("first");
      expect((await one.fail(method, ...again)).message).toBe(`[${method}] Error allocating a new ${what}. NAME is already taken by ${taken} ${first}.`);
      const [, ...secondArgs] = allocate("second");
      const second = await one.id(method, ...secondArgs);
      expect(await one.fail(`one.${object}.rename`, second, "first")).toMatchObject({
        code: 0x800,
        message: `[one.${object}.rename] ${what} cannot be renamed to first because it collides with ${what} ${first}`,
      });
      await one.ok(`one.${object}.rename`, second, "second");
      await one.ok(`one.${object}.rename`, first, "third");
      await one.ok(`one.${object}.rename`, second, "first");
    });
  });
});
