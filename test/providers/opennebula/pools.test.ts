import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { escapeXml, type XmlRpcValue } from "../../../src/xmlrpc/index";
import {
  OneClient,
  parseObject,
  parsePoolDocument,
  readPool,
  readVmsByIds,
  sliceEscapedPool,
  sliceEscapedPoolBytes,
  templateGet,
  templateVectors,
  vmStateName,
} from "../../../src/providers/opennebula/index";
import { ownedSlicePredicate, ownershipAttributes } from "../../../src/providers/opennebula/ownership";
import { serializeTemplate } from "../../../src/providers/opennebula/template-syntax";
import { startOneSimulator, type RunningOneSimulator } from "../../../src/sim/opennebula/index";
import { referenceMissing, referencePath } from "../../support/reference";

const NO_SAMPLES = referenceMissing("opennebula/samples", "the readers' checks on oned's real documents");
const samples = referencePath("opennebula/samples");
const sample = (name: string) => readFileSync(join(samples, name), "utf8");

describe.skipIf(NO_SAMPLES)("readers of oned's real documents", () => {
  it("reads the 6.99 VM in BACKUP with its disks, NIC and context", () => {
    const vm = parseObject("vm", sample("vm-info_6.99_lcm69-backup_opennebula-docs.xml"));
    expect([vm.id, vm.name, vm.state, vm.lcmState, vmStateName(vm.state, vm.lcmState)]).toEqual([800, "alpine-800", 3, 69, "BACKUP"]);
    expect(templateVectors(vm.template, "DISK").length).toBeGreaterThan(0);
    expect(templateVectors(vm.template, "DISK")[0]!.IMAGE_ID).toBe("0");
    expect(templateVectors(vm.template, "CONTEXT")[0]!.ETH0_IP).toBe("192.168.150.100");
    expect(templateGet(vm.template, "CPU")).toBe("0.1");
    expect(vm.permissions?.ownerU).toBe(1);
  });

  it("reads the 5.10 pending VM and the 5.6 VM in SHUTDOWN_POWEROFF", () => {
    const pending = parseObject("vm", sample("vm-info_5.10_pending_opennebula-docs.xml"));
    expect(vmStateName(pending.state, pending.lcmState)).toBe("PENDING");
    const off = parseObject("vm", sample("vm-info_5.6_shutdown-poweroff_addon-linstor.xml"));
    expect(vmStateName(off.state, off.lcmState)).toBe("SHUTDOWN_POWEROFF");
    expect(templateVectors(off.template, "DISK")).toHaveLength(3);
  });

  it("reads an image with snapshots, a datastore and a security group with rules", () => {
    const image = parseObject("image", sample("image-info_5.6_snapshots_addon-linstor.xml"));
    expect(image.persistent).toBe(true);
    expect(image.snapshots.length).toBeGreaterThan(0);
    const ds = parseObject("datastore", sample("datastore-info_6.99_backup-ds_opennebula-docs.xml"));
    expect(ds.type).toBe(3);
    const sg = parseObject("secgroup", sample("secgroup-info_5.4_fogbow.xml"));
    expect(sg.rules).toHaveLength(2);
    expect(sg.rules[0]!.PROTOCOL).toBe("TCP");
  });

  it("reads the 4.x pools: one element is still an array of one", () => {
    expect(parsePoolDocument("vm", sample("vmpool-info_4.x_quattor.xml")).length).toBeGreaterThan(0);
    expect(parsePoolDocument("image", sample("imagepool-info_4.x_quattor.xml")).length).toBeGreaterThan(0);
    expect(parsePoolDocument("template", sample("templatepool-info_4.x_quattor.xml")).length).toBeGreaterThan(0);
    const vnets = parsePoolDocument("vnet", sample("vnpool-info_4.x_quattor.xml"));
    expect(vnets.map((v) => v.name)).toEqual(["altaria.os", "pool.altaria.os"]);
    expect(vnets.some((v) => v.addressRanges.length > 0)).toBe(true);
    // CLUSTER_ID -1 in 4.x means no cluster.
    expect(vnets[0]!.clusters).toEqual([]);
    expect(templateGet(vnets[0]!.template, "DNS")).toBe("10.141.3.250");
  });
});

describe("sliceEscapedPool", () => {
  const escaped = (xml: string) => escapeXml(xml);

  it("cuts at objects one level below the root only", () => {
    const xml =
      "<VM_POOL><VM><ID>1</ID><USER_TEMPLATE><VM><![CDATA[nested]]></VM></USER_TEMPLATE></VM>" +
      "<VM><ID>2</ID><USER_TEMPLATE><NOTE><![CDATA[</VM><VM>]]></NOTE></USER_TEMPLATE></VM></VM_POOL>";
    const slices = sliceEscapedPool(escaped(xml), "VM_POOL", "VM");
    expect(slices).toHaveLength(2);
    expect(slices[1]).toContain(escapeXml("<ID>2</ID>"));
  });

  it("cuts a document's UTF-8 bytes exactly where it cuts its text", () => {
    const xml =
      "<VM_POOL><VM><ID>1</ID><NAME>café-ünïcødé-服务器</NAME><USER_TEMPLATE><VM><![CDATA[nested]]></VM></USER_TEMPLATE></VM>" +
      "<VM><ID>2</ID><USER_TEMPLATE><NOTE><![CDATA[</VM><VM> 😀]]></NOTE><HYPERPLAN_STACK>lab</HYPERPLAN_STACK></USER_TEMPLATE></VM>" +
      "<VM><ID>3</ID><USER_TEMPLATE><HYPERPLAN_STACK><![CDATA[lab]]></HYPERPLAN_STACK><X>a &amp; b</X></USER_TEMPLATE></VM></VM_POOL>";
    const text = escaped(xml);
    const bytes = sliceEscapedPoolBytes(Buffer.from(text, "utf8"), "VM_POOL", "VM");
    expect(bytes.map((b) => b.toString("utf8"))).toEqual(sliceEscapedPool(text, "VM_POOL", "VM"));
    const keep = ownedSlicePredicate("lab");
    expect(bytes.map((b) => keep(b))).toEqual([false, true, true]);
    expect(sliceEscapedPoolBytes(Buffer.from(escaped("<VM_POOL/>")), "VM_POOL", "VM")).toEqual([]);
    expect(() => sliceEscapedPoolBytes(Buffer.from(escaped("<VM_POOL><VM>")), "VM_POOL", "VM")).toThrow("ends inside an object");
  });

  it("reads an empty pool, and refuses a truncated one", () => {
    expect(sliceEscapedPool(escaped("<VM_POOL></VM_POOL>"), "VM_POOL", "VM")).toEqual([]);
    expect(sliceEscapedPool(escaped("<VM_POOL/>"), "VM_POOL", "VM")).toEqual([]);
    expect(() => sliceEscapedPool(escaped("<VM_POOL><VM><ID>1</ID>"), "VM_POOL", "VM")).toThrow("ends inside an object");
  });

  it("finds the stack's tag whether values are entity-escaped or in CDATA", () => {
    const keep = ownedSlicePredicate("lab");
    expect(keep(escaped("<VM><USER_TEMPLATE><HYPERPLAN_STACK>lab</HYPERPLAN_STACK></USER_TEMPLATE></VM>"))).toBe(true);
    expect(keep(escaped("<VM><USER_TEMPLATE><HYPERPLAN_STACK><![CDATA[lab]]></HYPERPLAN_STACK></USER_TEMPLATE></VM>"))).toBe(true);
    expect(keep(escaped("<VM><USER_TEMPLATE><HYPERPLAN_STACK>lab2</HYPERPLAN_STACK></USER_TEMPLATE></VM>"))).toBe(false);
  });
});

describe("paged pool reads against the simulator", () => {
  let sim: RunningOneSimulator;
  let client: OneClient;

  beforeAll(async () => {
    sim = await startOneSimulator({ port: 0, delays: "instant" });
    client = new OneClient({ endpoint: sim.url, session: "oneadmin:opennebula" });
    for (let i = 0; i < 7; i++) {
      const tags = i % 3 === 0 ? ownershipAttributes({ stack: "lab", address: `lab/img-${i}`, kind: "Image" }) : [];
      const template = serializeTemplate([{ name: "NAME", value: `img-${i}` }, { name: "TYPE", value: "DATABLOCK" }, { name: "SIZE", value: "16" }, ...tags]);
      await client.call("one.image.allocate", template, 1);
    }
  });
  afterAll(async () => {
    await client.close();
    await sim.close();
  });

  it("reads every page until a short one, parsing only the slices kept", async () => {
    sim.resetCallCounts();
    const all = await readPool(client, "image", { pageSize: 3 });
    expect(all.records.map((r) => r.name)).toEqual(["img-0", "img-1", "img-2", "img-3", "img-4", "img-5", "img-6"]);
    // Three pages, and one asked for ahead once the pool proved long (two full pages): it comes back empty.
    expect(all.stats.calls).toBe(4);
    expect(sim.callCounts()["one.imagepool.info"]).toBe(4);
    sim.resetCallCounts();
    // A pool of at most two pages costs no call more than its pages.
    expect((await readPool(client, "image", { pageSize: 4 })).records).toHaveLength(7);
    expect((await readPool(client, "image", { pageSize: 7 })).records).toHaveLength(7);
    expect(sim.callCounts()["one.imagepool.info"]).toBe(4);
    const owned = await readPool(client, "image", { pageSize: 3, keep: ownedSlicePredicate("lab") });
    expect(owned.records.map((r) => r.name)).toEqual(["img-0", "img-3", "img-6"]);
    expect(owned.stats.slices).toBe(7);
    expect(owned.stats.parsedSlices).toBe(3);
  });

  it("asks for no page ahead of need in a search, each page of which costs oned a scan of the pool", async () => {
    const mysql = await startOneSimulator({ port: 0, delays: "instant", database: "mysql" });
    const c = new OneClient({ endpoint: mysql.url, session: "oneadmin:opennebula" });
    try {
      mysql.world.seedVms(5, { userTemplate: { HYPERPLAN_STACK: "lab" } });
      mysql.world.seedVms(3);
      mysql.resetCallCounts();
      const found = await readPool(c, "vm", { pageSize: 2, query: "VM.USER_TEMPLATE.HYPERPLAN_STACK=lab" });
      expect(found.records).toHaveLength(5);
      expect(mysql.callCounts()["one.vmpool.infoextended"]).toBe(3);
    } finally {
      await c.close();
      await mysql.close();
    }
  });

  it("fails the read when a page asked for ahead fails, leaving no request unheard", async () => {
    // Pages from the fifth object on fail; the sixth-object page, asked for ahead, is in flight then.
    const asked: number[] = [];
    const failing = {
      callEscapedBytes: (method: string, ...params: XmlRpcValue[]) => {
        asked.push(params[1] as number);
        return (params[1] as number) >= 4 ? Promise.reject(new Error("db locked")) : client.callEscapedBytes(method, ...params);
      },
    } as unknown as OneClient;
    await expect(readPool(failing, "image", { pageSize: 2 })).rejects.toThrow(/db locked/);
    expect(asked).toEqual([0, 2, 4, 6]);
  });

  it("reads VMs by id with one infoset call", async () => {
    const id = (await client.call("one.vm.allocate", serializeTemplate([{ name: "NAME", value: "v" }, { name: "CPU", value: "1" }, { name: "MEMORY", value: "64" }]))) as number;
    sim.resetCallCounts();
    const vms = await readVmsByIds(client, [id, 9999]);
    expect(vms.map((v) => v.id)).toEqual([id]);
    expect(sim.callCounts()).toEqual({ "one.vmpool.infoset": 1 });
  });
});
