/**
 * VMs, disks and operations (seed 001, FACTS §2.2, §2.5) with a clock moved by hand: the create
 * calls answer the new id at once while the operation runs, every mutating call's operation goes
 * PENDING → RUN → DONE, refusals of input and state are data faults, an injected fault ends an
 * operation in ERROR with its comment, operation_cancel and operation_list's filters.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RunningGandiSimulator } from "../../../src/sim/gandi/index";
import { STEADY, fakeClock, started, type Api } from "./helpers";

let sim: RunningGandiSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function setup(): Promise<{ api: Api; clock: ReturnType<typeof fakeClock>; settle(): void }> {
  const clock = fakeClock();
  const s = await started({ clock, delays: STEADY });
  sim = s.sim;
  return { api: s.api, clock, settle: () => clock.advance(60_000) };
}

describe("Gandi VMs", () => {
  it("offers OS images, creates a VM whose id comes at once, being_created until its operation is DONE", async () => {
    const { api, clock } = await setup();
    const oses = await api.s<Array<Record<string, unknown>>>("os_list");
    expect(oses.map((o) => [o.id, o.name, o.version])).toEqual([
      [111, "Debian", "12"],
      [112, "Ubuntu", "24.04"],
      [113, "Rocky Linux", "9"],
    ]);
    const id = await api.s<number>("vm_create", "web1", "secret-pw", 111, 2, 1, { login: "admin" });
    expect(id).toBe(9000);
    expect(await api.s("vm_list")).toEqual([9000]);
    expect(await api.s("vm_info", id)).toMatchObject({ id, hostname: "web1", os_id: 111, shares: 2, cpu: 1, memory: 512, vm_max_memory: 512, state: "being_created", login: "admin", disks: [19000], boot_disk_id: 19000 });
    expect(await api.s("disk_info", 19000)).toMatchObject({ name: "sys_web1", size: 3072, vm_id: id, state: "being_created", is_boot_disk: true });
    const [opid] = await api.s<number[]>("operation_list", { type: "vm_create" });
    const details = await api.op(opid!);
    expect(details).toEqual({
      uid: opid,
      type: "vm_create",
      state: "PENDING",
      date_create: new Date(Date.UTC(2026, 0, 15, 9, 0, 0)),
      date_update: new Date(Date.UTC(2026, 0, 15, 9, 0, 0)),
      param: { param_type: "vm", vm_id: id, hostname: "web1", os_id: 111, shares: 2, cpu: 1 },
    });
    clock.advance(1000);
    expect(await api.op(opid!)).toMatchObject({ state: "RUN", date_update: new Date(Date.UTC(2026, 0, 15, 9, 0, 1)) });
    clock.advance(4999);
    expect(await api.op(opid!)).toMatchObject({ state: "RUN" });
    clock.advance(1);
    expect(await api.op(opid!)).toMatchObject({ state: "DONE", date_update: new Date(Date.UTC(2026, 0, 15, 9, 0, 6)) });
    expect(await api.s("vm_info", id)).toMatchObject({ state: "running" });
    expect(await api.s("disk_info", 19000)).toMatchObject({ state: "created" });
  });

  it("refuses what vm_create cannot take, in FACTS §2.3's order, and more shares than are free", async () => {
    const { api, settle } = await setup();
    const cases: Array<[unknown[], number, string]> = [
      [["web_1", "secret-pw", 111, 1, 1, {}], 503020, "DataError: invalid syntax for hostname [hostname: web_1]"],
      [["web1", "short", 111, 1, 1, {}], 500130, "DataError: invalid value for password (8 to 64 characters) [password: ******]"],
      [["web1", "secret-pw", 111, 0, 1, {}], 503030, "DataError: invalid value for shares [shares: 0]"],
      [["web1", "secret-pw", 111, 1, 9, {}], 503030, "DataError: invalid value for cpu (1 to 8) [cpu: 9]"],
      [["web1", "secret-pw", 111, 1, 1, { user: "x" }], 503030, "DataError: unknown key in specs (login) [specs: user]"],
      [["web1", "secret-pw", 111, 1, 1, { login: 5 }], 503010, "DataError: wrong type for login, expected string [login: 5]"],
      [["web1", "secret-pw", 999, 1, 1, {}], 505040, "DataError: OS does not exist [os_id: 999]"],
      [["web1", "secret-pw", 111, 5, 1, {}], 503034, "DataError: not enough free shares (4 free) [shares: 5]"],
    ];
    for (const [params, code, text] of cases) {
      const fault = await api.fault("vm_create", ...(params as never[]));
      expect([fault.code, fault.faultString]).toEqual([code, text]);
    }
    await api.s("vm_create", "web1", "secret-pw", 111, 3, 1, {});
    expect((await api.fault("vm_create", "web1", "secret-pw", 111, 1, 1, {})).code).toBe(503041);
    settle();
    expect((await api.fault("vm_create", "web2", "secret-pw", 112, 2, 1, {})).faultString).toBe("DataError: not enough free shares (1 free) [shares: 2]");
    expect(await api.s("operation_list", { state: "ALL" })).toHaveLength(1);
  });

  it("stops, starts, reboots, updates and deletes a VM through operations; a running VM is not deleted (503060)", async () => {
    const { api, clock, settle } = await setup();
    const vm = await api.s<number>("vm_create", "db1", "secret-pw", 113, 2, 1, {});
    // One operation at a time on a VM, and none while it is being created.
    expect((await api.fault("vm_stop", vm)).faultString).toMatch(/^DataError: the VM is not running \(state being_created\)/);
    settle();
    expect((await api.fault("vm_start", vm)).faultString).toBe(`DataError: the VM is not stopped (state running) [vm_id: ${vm}]`);
    const running = await api.fault("vm_delete", vm);
    expect([running.code, running.faultString]).toEqual([503060, `DataError: the VM must be stopped before it is deleted (state running) [vm_id: ${vm}]`]);
    const reboot = await api.s<number>("vm_reboot", vm);
    const busy = await api.fault("vm_stop", vm);
    expect([busy.code, busy.faultString]).toEqual([503060, `DataError: operation ${reboot} (vm_reboot) is in progress on this VM [vm_id: ${vm}]`]);
    settle();
    const update = await api.s<number>("vm_update", vm, { shares: 4, cpu: 2 });
    expect(await api.s("hosting_account_info")).toMatchObject({ shares_used: 4, shares_free: 0 });
    expect(await api.op(update)).toMatchObject({ param: { param_type: "vm", vm_id: vm, shares: 4, cpu: 2 } });
    clock.advance(6000);
    expect(await api.s("vm_info", vm)).toMatchObject({ shares: 4, cpu: 2, memory: 1024, vm_max_memory: 1024 });
    expect((await api.fault("vm_update", vm, { shares: 5 })).code).toBe(503034);
    expect((await api.fault("vm_update", vm, {})).code).toBe(503032);
    expect((await api.fault("vm_update", vm, { vm_max_memory: 512 })).faultString).toBe("DataError: invalid value for vm_max_memory (1024 to 65536 MB) [vm_max_memory: 512]");
    await api.s("vm_stop", vm);
    settle();
    expect(await api.s("vm_info", vm)).toMatchObject({ state: "halted" });
    await api.s("vm_start", vm);
    settle();
    expect(await api.s("vm_info", vm)).toMatchObject({ state: "running" });
    await api.s("vm_stop", vm);
    settle();
    const del = await api.s<number>("vm_delete", vm);
    settle();
    expect(await api.op(del)).toMatchObject({ state: "DONE", type: "vm_delete", param: { param_type: "vm", vm_id: vm } });
    expect(await api.s("vm_list")).toEqual([]);
    expect(await api.s("disk_list")).toEqual([]);
    const gone = await api.fault("vm_info", vm);
    expect([gone.code, gone.faultString]).toEqual([503040, `DataError: VM does not exist [vm_id: ${vm}]`]);
    expect(await api.s("hosting_account_info")).toMatchObject({ shares_used: 0 });
  });
});

describe("Gandi disks", () => {
  it("creates a disk whose id comes at once, attaches, detaches and deletes it; an attached disk is not deleted (504060)", async () => {
    const { api, settle } = await setup();
    const vm = await api.s<number>("vm_create", "app1", "secret-pw", 111, 1, 1, {});
    const disk = await api.s<number>("disk_create", { size: 2048, name: "disk2GB", fstype: "xfs" });
    expect(await api.s("disk_info", disk)).toEqual({ id: disk, name: "disk2GB", size: 2048, fstype: "xfs", vm_id: 0, state: "being_created", is_boot_disk: false, date_created: expect.any(Date) });
    expect((await api.fault("disk_attach", disk, vm)).code).toBe(504060);
    settle();
    expect(await api.s("disk_list")).toEqual([19000, disk]);
    const attach = await api.s<number>("disk_attach", disk, vm);
    expect(await api.op(attach)).toMatchObject({ type: "disk_attach", param: { param_type: "disk", disk_id: disk, vm_id: vm } });
    settle();
    expect(await api.s("disk_info", disk)).toMatchObject({ vm_id: vm });
    expect(await api.s("vm_disk_list", vm)).toEqual([19000, disk]);
    expect(await api.s("vm_info", vm)).toMatchObject({ disks: [19000, disk] });
    const attached = await api.fault("disk_delete", disk);
    expect([attached.code, attached.faultString]).toEqual([504060, `DataError: the disk is attached to VM ${vm} [disk_id: ${disk}]`]);
    expect((await api.fault("disk_attach", disk, vm)).faultString).toBe(`DataError: the disk is already attached to VM ${vm} [disk_id: ${disk}]`);
    expect((await api.fault("disk_detach", 19000, vm)).code).toBe(504050);
    await api.s("disk_detach", disk, vm);
    settle();
    expect((await api.fault("disk_detach", disk, vm)).faultString).toBe(`DataError: the disk is not attached to VM ${vm} [disk_id: ${disk}]`);
    const del = await api.s<number>("disk_delete", disk);
    settle();
    expect(await api.op(del)).toMatchObject({ state: "DONE" });
    expect((await api.fault("disk_info", disk)).faultString).toBe(`DataError: disk does not exist [disk_id: ${disk}]`);
  });

  it("refuses bad disk specs and a name taken", async () => {
    const { api } = await setup();
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ name: "d" }, 504032, "DataError: missing required parameter size [specs: size]"],
      [{ size: 1024 }, 504032, "DataError: missing required parameter name [specs: name]"],
      [{ size: 1024, name: "d", fstype: "ext4" }, 504030, "DataError: invalid value for fstype (ext3, reiserfs, xfs, jfs) [fstype: ext4]"],
      [{ size: 0, name: "d" }, 504030, "DataError: invalid value for size (1 to 1048576 MB) [size: 0]"],
      [{ size: 1024, name: "a b" }, 504020, "DataError: invalid syntax for name [name: a b]"],
      [{ size: 1024, name: "d", label: "x" }, 504030, "DataError: unknown key in specs (size, name, fstype) [specs: label]"],
    ];
    for (const [specs, code, text] of cases) {
      const fault = await api.fault("disk_create", specs as never);
      expect([fault.code, fault.faultString]).toEqual([code, text]);
    }
    const d = await api.s<number>("disk_create", { size: 1024, name: "data" });
    expect(await api.s("disk_info", d)).toMatchObject({ fstype: "ext3" });
    expect((await api.fault("disk_create", { size: 1024, name: "data" })).code).toBe(504041);
    expect((await api.fault("disk_attach", d, 4242)).code).toBe(503040);
  });
});

describe("Gandi operations", () => {
  it("end in ERROR with their comment under an op-error fault, leaving what they made invalid; ERROR and PENDING ones cancel", async () => {
    const { api, settle } = await setup();
    sim!.faults.add({ type: "op-error", method: "vm_create", match: "web-*", comment: "no capacity left on the host", count: 1 });
    const bad = await api.s<number>("vm_create", "web-1", "secret-pw", 111, 1, 1, {});
    const good = await api.s<number>("vm_create", "db-1", "secret-pw", 111, 1, 1, {});
    settle();
    const [badOp, goodOp] = await api.s<number[]>("operation_list", { type: "vm_create" });
    expect(await api.op(badOp!)).toMatchObject({ state: "ERROR", comment: "no capacity left on the host", param: { vm_id: bad } });
    expect(await api.op(goodOp!)).not.toHaveProperty("comment");
    expect(await api.s("vm_info", bad)).toMatchObject({ state: "invalid" });
    expect(await api.s("vm_info", good)).toMatchObject({ state: "running" });
    expect(await api.s("operation_list", { state: "ERROR" })).toEqual([badOp]);
    // Cancelling the ERROR operation takes away the VM it was making, and its shares.
    expect(await api.s("operation_cancel", badOp!)).toBe(true);
    expect(await api.op(badOp!)).toMatchObject({ state: "CANCEL" });
    expect((await api.fault("vm_info", bad)).code).toBe(503040);
    expect(await api.s("hosting_account_info")).toMatchObject({ shares_used: 1 });
    const done = await api.fault("operation_cancel", goodOp!);
    expect([done.code, done.faultString]).toEqual([506060, `DataError: the operation is DONE and cannot be cancelled [opid: ${goodOp}]`]);
    expect((await api.fault("operation_details", 1)).faultString).toBe("DataError: operation does not exist [opid: 1]");
    // A PENDING one: nothing happens.
    const stop = await api.s<number>("vm_stop", good);
    expect(await api.s("operation_cancel", stop)).toBe(true);
    settle();
    expect(await api.op(stop)).toMatchObject({ state: "CANCEL" });
    expect(await api.s("vm_info", good)).toMatchObject({ state: "running" });
    // A RUN one cannot be.
    const reboot = await api.s<number>("vm_reboot", good);
    sim!.world.advance(sim!.world.clockNow() + 1000);
    expect((await api.fault("operation_cancel", reboot)).faultString).toBe(`DataError: the operation is RUN and cannot be cancelled [opid: ${reboot}]`);
  });

  it("match disk names for disk operations, and give a default comment", async () => {
    const { api, settle } = await setup();
    sim!.faults.add({ type: "op-error", method: "disk_*", match: "scratch*" });
    const d = await api.s<number>("disk_create", { size: 1024, name: "scratch1" });
    const ok = await api.s<number>("disk_create", { size: 1024, name: "data1" });
    settle();
    const ops = await api.s<number[]>("operation_list", { type: "disk_create" });
    expect(await api.op(ops[0]!)).toMatchObject({ state: "ERROR", comment: "the operation failed on the hosting platform" });
    expect(await api.s("disk_info", d)).toMatchObject({ state: "invalid" });
    expect(await api.s("disk_info", ok)).toMatchObject({ state: "created" });
  });

  it("are listed by type, state and dates, at most the last 300", async () => {
    const { api, clock, settle } = await setup();
    const t0 = new Date(Date.UTC(2026, 0, 15, 9, 0, 0));
    await api.s("disk_create", { size: 1024, name: "a" });
    clock.advance(10_000);
    await api.s("disk_create", { size: 1024, name: "b" });
    const ops = await api.s<number[]>("operation_list");
    expect(ops).toHaveLength(2);
    expect(await api.s("operation_list", { state: "DONE" })).toEqual([ops[0]]);
    expect(await api.s("operation_list", { state: "PENDING" })).toEqual([ops[1]]);
    expect(await api.s("operation_list", { created_after: t0 })).toEqual([ops[1]]);
    expect(await api.s("operation_list", { created_before: new Date(t0.getTime() + 1000) })).toEqual([ops[0]]);
    expect(await api.s("operation_list", { updated_after: new Date(t0.getTime() + 2000), updated_before: new Date(t0.getTime() + 4000) })).toEqual([ops[0]]);
    expect(await api.s("operation_list", { type: "vm_create" })).toEqual([]);
    expect((await api.fault("operation_list", { state: "FINISHED" })).faultString).toBe("DataError: invalid value for state (ALL, PENDING, RUN, ERROR, CANCEL, DONE) [state: FINISHED]");
    expect((await api.fault("operation_list", { step: "DONE" })).code).toBe(506030);
    const vm = await api.s<number>("vm_create", "busy", "secret-pw", 111, 1, 1, {});
    settle();
    for (let i = 0; i < 320; i++) await api.s("vm_reboot", vm).then(settle);
    const last = await api.s<number[]>("operation_list", { type: "vm_reboot" });
    // The newest 300 of the 320, oldest first.
    expect(last).toHaveLength(300);
    expect(last[299]! - last[0]!).toBe(299);
    expect(last[0]! - ops[0]!).toBe(3 + 20);
  });
});
