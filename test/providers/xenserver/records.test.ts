import { afterEach, describe, expect, it } from "vitest";
import { XenApiClient, XenProtocolError, type XenTransportKind } from "../../../src/providers/xenserver/index";
import { int, startFakeXapi, type FakeXapi, type XapiDatum, type XapiRoute } from "../../support/xapi-wire";
import { CD_RAW, GUEST_RAW, HOST_RAW, NETWORK_RAW, PIF_RAW, POOL_RAW, REF, SR_RAW, TEMPLATE_RAW, VBD_RAW, VDI_RAW, VIF_RAW, VM_RAW, VM_TYPED, taskRaw } from "./fixtures";

const SESSION = "OpaqueRef:5e55104e-0000-4000-8000-000000000001";
const fakes: FakeXapi[] = [];
const clients: XenApiClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const f of fakes.splice(0)) await f.close();
});

const WIRES: { name: string; transport: XenTransportKind; jsonVersion?: 1 | 2 }[] = [
  { name: "XML-RPC", transport: "xml-rpc" },
  { name: "JSON-RPC 2.0", transport: "json-rpc", jsonVersion: 2 },
  { name: "JSON-RPC 1.0", transport: "json-rpc", jsonVersion: 1 },
];

async function clientFor(routes: Record<string, XapiRoute>, wire: (typeof WIRES)[number]): Promise<XenApiClient> {
  const fake = await startFakeXapi({ "session.login_with_password": { value: SESSION }, "session.logout": { value: "" }, ...routes }, wire.jsonVersion ? { jsonVersion: wire.jsonVersion } : {});
  fakes.push(fake);
  const client = new XenApiClient({ url: fake.url, username: "root", password: "pw", transport: wire.transport });
  clients.push(client);
  return client;
}

const POOL_ROUTES: Record<string, XapiRoute> = {
  "pool.get_all_records": { value: { [REF.pool]: POOL_RAW } },
  "host.get_all_records": { value: { [REF.host]: HOST_RAW } },
  "SR.get_all_records": { value: { [REF.sr]: SR_RAW } },
  "network.get_all_records": { value: { [REF.network]: NETWORK_RAW } },
  "PIF.get_all_records": { value: { [REF.pif]: PIF_RAW } },
  "VM.get_all_records": { value: { [REF.vm]: VM_RAW, [REF.template]: TEMPLATE_RAW } },
  "VDI.get_all_records": { value: { [REF.vdi]: VDI_RAW } },
  "VBD.get_all_records": { value: { [REF.vbd]: VBD_RAW, [REF.cd]: CD_RAW } },
  "VIF.get_all_records": { value: { [REF.vif]: VIF_RAW } },
  "task.get_all_records": { value: { [REF.task]: taskRaw() } },
  "VM_guest_metrics.get_all_records": { value: { [REF.guest]: GUEST_RAW } },
  "VM.get_record": { value: VM_RAW },
};

describe.each(WIRES)("typed records through $name", (wire) => {
  it("decodes a VM by each field's type: ints from text or numbers, refs, NULL refs as null, maps, sets, enums", async () => {
    const client = await clientFor(POOL_ROUTES, wire);
    const vms = await client.getAllRecords("VM");
    expect([...vms.keys()]).toEqual([REF.vm, REF.template]);
    expect(vms.get(REF.vm)).toStrictEqual(VM_TYPED);
    const template = vms.get(REF.template)!;
    expect([template.power_state, template.is_a_template, template.resident_on, template.domid, template.guest_metrics]).toEqual(["Halted", true, null, -1, null]);
    // An older pool without domain_type: the optional field is left out, not an error.
    expect("domain_type" in template).toBe(false);
    expect(await client.getRecord("VM", REF.vm)).toStrictEqual(VM_TYPED);
  });

  it("reads every class hyperplan uses, ignoring the fields it does not", async () => {
    const client = await clientFor(POOL_ROUTES, wire);
    const pool = (await client.getAllRecords("pool")).get(REF.pool)!;
    expect(pool).toStrictEqual({ uuid: POOL_RAW.uuid, name_label: "lab pool", name_description: "", master: REF.host, default_SR: REF.sr, other_config: { "memory-ratio-hvm": "0.25" }, tags: [], ha_enabled: false });
    const host = (await client.getAllRecords("host")).get(REF.host)!;
    expect([host.address, host.API_version_major, host.API_version_minor, host.software_version.product_version, host.resident_VMs]).toEqual(["192.0.2.10", 2, 21, "8.4.0", [REF.vm]]);
    expect("memory_overhead" in host).toBe(false);
    const sr = (await client.getAllRecords("SR")).get(REF.sr)!;
    expect([sr.physical_size, sr.virtual_allocation, sr.shared, sr.VDIs]).toEqual([40 * 1024 ** 4, 2 * 1024 ** 4, false, [REF.vdi]]);
    const network = (await client.getAllRecords("network")).get(REF.network)!;
    expect([network.bridge, network.MTU, network.managed, network.PIFs]).toEqual(["xenbr0", 1500, true, [REF.pif]]);
    const pif = (await client.getAllRecords("PIF")).get(REF.pif)!;
    expect([pif.device, pif.VLAN, pif.management, pif.ip_configuration_mode, pif.network]).toEqual(["eth0", -1, true, "Static", REF.network]);
    const vdi = (await client.getAllRecords("VDI")).get(REF.vdi)!;
    expect([vdi.virtual_size, vdi.physical_utilisation, vdi.type, vdi.SR, vdi.VBDs]).toEqual([2 * 1024 ** 4, 21474836480, "user", REF.sr, [REF.vbd]]);
    const vbds = await client.getAllRecords("VBD");
    expect([vbds.get(REF.vbd)!.VDI, vbds.get(REF.vbd)!.mode, vbds.get(REF.vbd)!.userdevice, vbds.get(REF.vbd)!.currently_attached]).toEqual([REF.vdi, "RW", "0", true]);
    // An empty CD drive: its VDI is OpaqueRef:NULL.
    expect([vbds.get(REF.cd)!.VDI, vbds.get(REF.cd)!.type, vbds.get(REF.cd)!.empty]).toEqual([null, "CD", true]);
    const vif = (await client.getAllRecords("VIF")).get(REF.vif)!;
    expect([vif.device, vif.MAC, vif.MTU, vif.locking_mode, vif.VM, vif.network]).toEqual(["0", "0a:1b:2c:3d:4e:5f", 1500, "network_default", REF.vm, REF.network]);
    const task = (await client.getAllRecords("task")).get(REF.task)!;
    expect([task.status, task.progress, task.created, task.finished, task.subtask_of, task.error_info]).toEqual(["pending", 0, new Date("2026-04-12T08:15:00Z"), new Date(0), null, []]);
    const guest = (await client.getAllRecords("VM_guest_metrics")).get(REF.guest)!;
    expect(guest).toStrictEqual({
      uuid: GUEST_RAW.uuid,
      os_version: { name: "Debian GNU/Linux 12 (bookworm)", distro: "debian", major: "12", minor: "5" },
      PV_drivers_detected: true,
      networks: { "0/ip": "192.0.2.50", "0/ipv4/0": "192.0.2.50", "0/ipv6/0": "2001:db8::50" },
      last_updated: new Date("2026-04-12T08:15:30Z"),
      other_config: {},
      live: true,
    });
  });
});

describe("the same pool through both wires", () => {
  it("gives identical typed records of every class", async () => {
    const classes = ["pool", "host", "SR", "network", "PIF", "VM", "VDI", "VBD", "VIF", "task", "VM_guest_metrics"] as const;
    const read = async (wire: (typeof WIRES)[number]) => {
      const client = await clientFor(POOL_ROUTES, wire);
      const out: Record<string, unknown> = {};
      for (const cls of classes) out[cls] = [...(await client.getAllRecords(cls)).entries()];
      return out;
    };
    const [xml, json2, json1] = [await read(WIRES[0]!), await read(WIRES[1]!), await read(WIRES[2]!)];
    expect(json2).toStrictEqual(xml);
    expect(json1).toStrictEqual(xml);
  });
});

describe.each(WIRES)("records that break the contract, through $name", (wire) => {
  const failureOf = async (raw: Record<string, XapiDatum>): Promise<XenProtocolError> => {
    const client = await clientFor({ "VM.get_all_records": { value: { [REF.vm]: raw } } }, wire);
    const error = await client.getAllRecords("VM").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XenProtocolError);
    return error as XenProtocolError;
  };

  it("names class, ref and field of a missing field", async () => {
    const { power_state: _gone, ...raw } = VM_RAW;
    const e = await failureOf(raw);
    expect([e.className, e.ref, e.field, e.code]).toEqual(["VM", REF.vm, "power_state", "XENAPI_PROTOCOL"]);
    expect(e.message).toContain(`VM.get_all_records: VM ${REF.vm}: the field power_state is missing`);
  });

  it("names a field of the wrong type and what was expected", async () => {
    const e = await failureOf({ ...VM_RAW, memory_static_max: "four gigabytes" });
    expect([e.field, e.message]).toEqual(["memory_static_max", expect.stringContaining('is the string "four gigabytes", expected an integer')]);
    expect((await failureOf({ ...VM_RAW, is_a_template: "no" })).field).toBe("is_a_template");
    expect((await failureOf({ ...VM_RAW, VBDs: ["vbd-1"] })).field).toBe("VBDs");
    expect((await failureOf({ ...VM_RAW, other_config: { a: true } })).field).toBe("other_config");
  });

  it("refuses an unknown power state and a NULL ref where an object must be", async () => {
    expect((await failureOf({ ...VM_RAW, power_state: "Crashed" })).field).toBe("power_state");
    const client = await clientFor({ "VBD.get_all_records": { value: { [REF.vbd]: { ...VBD_RAW, VM: "OpaqueRef:NULL" } } } }, wire);
    expect(await client.getAllRecords("VBD").catch((e: XenProtocolError) => [e.className, e.field])).toEqual(["VBD", "VM"]);
  });

  it("refuses a size past 2^53 rather than rounding it", async () => {
    const e = await failureOf({ ...VM_RAW, memory_static_max: int("18446744073709551615") });
    expect(e.field).toBe("memory_static_max");
    // 2^53 − 1 itself is exact and passes.
    const client = await clientFor({ "VM.get_all_records": { value: { [REF.vm]: { ...VM_RAW, memory_static_max: int("9007199254740991") } } } }, wire);
    expect((await client.getAllRecords("VM")).get(REF.vm)!.memory_static_max).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("takes a lowercase power state and spells it as the datamodel does", async () => {
    const client = await clientFor({ "VM.get_all_records": { value: { [REF.vm]: { ...VM_RAW, power_state: "halted" } } } }, wire);
    expect((await client.getAllRecords("VM")).get(REF.vm)!.power_state).toBe("Halted");
  });

  it("refuses a map keyed by something other than refs, and an answer that is not a map", async () => {
    let client = await clientFor({ "VM.get_all_records": { value: { "vm-1": VM_RAW } } }, wire);
    expect(await client.getAllRecords("VM").catch((e: unknown) => e)).toBeInstanceOf(XenProtocolError);
    client = await clientFor({ "VM.get_all_records": { value: [VM_RAW] } }, wire);
    expect(await client.getAllRecords("VM").catch((e: XenProtocolError) => e.message)).toContain("expected a map of VM refs to records, got an array of 1");
  });
});
