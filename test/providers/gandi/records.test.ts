import { describe, expect, it } from "vitest";
import { decodeResponse, type XmlRpcValue } from "../../../src/xmlrpc/index";
import { GandiProtocolError } from "../../../src/providers/gandi/errors";
import { decodeDisk, decodeHostingAccount, decodeId, decodeIds, decodeOperation, decodeOsList, decodeVm } from "../../../src/providers/gandi/records";
import { date, xmlSuccess, type GandiDatum } from "../../support/gandi-wire";

/** A fixture as the API writes it, decoded by the codec as the client receives it. */
function wire(value: GandiDatum): XmlRpcValue {
  const decoded = decodeResponse(xmlSuccess(value));
  if (decoded.fault) throw new Error("not a success");
  return decoded.value;
}

function refusal(fn: () => unknown): GandiProtocolError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GandiProtocolError);
    return error as GandiProtocolError;
  }
  throw new Error("expected the decoding to fail");
}

/** vm_info, from vm_create's and vm_update's parameters plus id and state (FACTS §2.4), with fields the client does not read. */
const VM = { id: 1234, hostname: "vmtest1", os_id: 111, shares: 4, cpu: 1, vm_max_memory: 2048, state: "running", disks: [1928], ai_active: 0, date_created: date("20110324T15:49:50") };
/** disk_info, from disk_create's specs (seed) plus id, state and the VM it is attached to. */
const DISK = { id: 1928, name: "disk2GB", size: 2048, fstype: "ext3", vm_id: 1234, state: "created", is_boot_disk: false };
/** operation_details as the seed documents it. */
const OPERATION = { uid: 5001, type: "vm_create", state: "DONE", date_create: date("20110324T15:49:50"), date_update: date("20110324T15:52:03"), param: { param_type: "vm", vm_id: 1234 }, comment: "" };

describe("Gandi records", () => {
  it("decode vm_info, ignoring fields they do not hold", () => {
    expect(decodeVm(wire(VM), "vm_info", 1234)).toEqual({ id: 1234, hostname: "vmtest1", os_id: 111, shares: 4, cpu: 1, vm_max_memory: 2048, state: "running", disks: [1928] });
    const { vm_max_memory: _m, disks: _d, ...bare } = VM;
    expect(decodeVm(wire(bare), "vm_info", 1234)).toEqual({ id: 1234, hostname: "vmtest1", os_id: 111, shares: 4, cpu: 1, state: "running" });
    // A state the successor API knows and this list does not is kept as it is.
    expect(decodeVm(wire({ ...VM, state: "being_migrated" }), "vm_info").state).toBe("being_migrated");
  });

  it("decode disk_info; a disk attached to no VM has vm_id null", () => {
    expect(decodeDisk(wire(DISK), "disk_info", 1928)).toEqual({ id: 1928, name: "disk2GB", size: 2048, fstype: "ext3", vm_id: 1234, state: "created" });
    const { vm_id: _v, ...detached } = DISK;
    expect(decodeDisk(wire(detached), "disk_info").vm_id).toBeNull();
    expect(decodeDisk(wire({ ...DISK, vm_id: 0 }), "disk_info").vm_id).toBeNull();
    expect(decodeDisk(wire({ ...DISK, vm_id: false }), "disk_info").vm_id).toBeNull();
  });

  it("decode os_list items and hosting_account_info", () => {
    expect(decodeOsList(wire([{ id: 111, name: "Debian 5", arch: "x86-32" }, { id: 112, name: "CentOS 5" }]), "os_list")).toEqual([
      { id: 111, name: "Debian 5" },
      { id: 112, name: "CentOS 5" },
    ]);
    expect(decodeHostingAccount(wire({ shares: 10, shares_used: 4, shares_free: 6, products: [] }), "hosting_account_info")).toEqual({ shares: 10, shares_used: 4, shares_free: 6 });
    expect(decodeHostingAccount(wire({ shares: 10 }), "hosting_account_info")).toEqual({ shares: 10 });
  });

  it("decode operation_details, dates from YYYYMMDDTHH:MM:SS (as a dateTime or as text)", () => {
    expect(decodeOperation(wire(OPERATION), "operation_details", 5001)).toEqual({
      uid: 5001,
      type: "vm_create",
      state: "DONE",
      date_create: new Date("2011-03-24T15:49:50Z"),
      date_update: new Date("2011-03-24T15:52:03Z"),
      param: { param_type: "vm", vm_id: 1234 },
      comment: "",
    });
    const failed = decodeOperation(wire({ ...OPERATION, state: "ERROR", date_update: "20110324T15:52:03", param: { param_type: "disk", disk_id: 1928, vm_id: 1234 }, comment: "disk is attached" }), "operation_details");
    expect([failed.state, failed.date_update, failed.param, failed.comment]).toEqual(["ERROR", new Date("2011-03-24T15:52:03Z"), { param_type: "disk", disk_id: 1928, vm_id: 1234 }, "disk is attached"]);
    const { comment: _c, ...running } = OPERATION;
    expect(decodeOperation(wire({ ...running, state: "RUN" }), "operation_details").comment).toBeUndefined();
    for (const state of ["PENDING", "RUN", "DONE", "ERROR", "CANCEL"]) expect(decodeOperation(wire({ ...OPERATION, state }), "operation_details").state).toBe(state);
  });

  it("decode id lists and the ids the calls return", () => {
    expect(decodeIds(wire([1234, 1235]), "vm_list")).toEqual([1234, 1235]);
    expect(decodeIds(wire([]), "disk_list")).toEqual([]);
    expect(decodeId(wire(5001), "vm_start", "an operation id")).toBe(5001);
  });

  it("refuse a record without a field they need, naming the method, the record and the field", () => {
    const { hostname: _h, ...noHostname } = VM;
    const error = refusal(() => decodeVm(wire(noHostname), "vm_info", 1234));
    expect(error.message).toBe("vm_info: vm 1234: the field hostname is missing (expected a string)");
    expect([error.method, error.field]).toEqual(["vm_info", "hostname"]);
    expect(refusal(() => decodeDisk(wire({ ...DISK, size: "2048" }), "disk_info", 1928)).message).toBe('disk_info: disk 1928: the field size is the string "2048", expected an integer');
    expect(refusal(() => decodeOsList(wire([{ id: 111, name: "Debian 5" }, { name: "no id" }]), "os_list")).message).toBe("os_list: OS image 1: the field id is missing (expected a positive integer id)");
    expect(refusal(() => decodeHostingAccount(wire({ shares_used: 4 }), "hosting_account_info")).field).toBe("shares");
  });

  it("refuse an operation of the successor API's shape or with a param that names no object", () => {
    // rpc.gandi.net's `step` is not the hosting API's `state` (FACTS §2.2).
    const { state: _s, ...stepped } = OPERATION;
    expect(refusal(() => decodeOperation(wire({ ...stepped, step: "WAIT" }), "operation_details", 5001)).message).toBe(
      "operation_details: operation 5001: the field state is missing (expected one of PENDING, RUN, DONE, ERROR, CANCEL)",
    );
    expect(refusal(() => decodeOperation(wire({ ...OPERATION, state: "WAIT" }), "operation_details")).field).toBe("state");
    expect(refusal(() => decodeOperation(wire({ ...OPERATION, param: { param_type: "vm", disk_id: 1928 } }), "operation_details")).field).toBe("param");
    expect(refusal(() => decodeOperation(wire({ ...OPERATION, date_create: "yesterday" }), "operation_details")).message).toContain("the field date_create is the string \"yesterday\", expected a dateTime (20110324T15:49:50)");
  });

  it("refuse what is not a struct, a list of ids or an id", () => {
    expect(refusal(() => decodeVm(wire("nope"), "vm_info", 7)).message).toBe('vm_info: vm 7: expected a struct, got the string "nope"');
    expect(refusal(() => decodeIds(wire([1, "2"]), "vm_list")).message).toBe("vm_list: expected an array of positive integer ids, got an array of 2");
    expect(refusal(() => decodeId(wire(true), "vm_create", "the new VM's id")).message).toBe("vm_create: expected the new VM's id (a positive integer id), got the boolean true");
    expect(refusal(() => decodeOsList(wire({}), "os_list")).message).toBe("os_list: expected an array of OS images, got a struct");
  });
});
