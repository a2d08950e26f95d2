/**
 * Gandi's read side: the live objects a stack owns, as the diff's LiveState.
 *
 * The hosting API lists ids only (`vm_list`, `disk_list`) and describes one object per call
 * (`vm_info`, `disk_info`, FACTS §2.1): a plan reads both lists and every object's info, at most
 * READ_PARALLELISM calls at a time, and the OS catalogue once. That is the floor this API allows:
 * names, which tell the stack's objects apart (naming.ts), are only in the info.
 *
 * What the API cannot give back is reported as declared: a VM's root password (set by `vm_create`,
 * never readable) and the rest of its context, which Gandi has no place for.
 *
 * An object whose name reads as one the stack declares without carrying the stack's mark (naming.ts)
 * is reported as foreign, with its id: the plan refuses to create the declared one beside it.
 */
import type { ContextSpec, DesiredState, ImageSpec, VirtualMachineSpec } from "../../resources/desired-state.js";
import { fingerprintLive, type ForeignObject, type LiveResource, type LiveState } from "../../diff/live-state.js";
import type { GandiClient } from "./client.js";
import { osDisplayName, type GandiDisk, type GandiOs, type GandiVm } from "./records.js";
import { addressOfName, readName, type GandiKind } from "./naming.js";
import { isGandiFault } from "./errors.js";
import { SHARE_MIB } from "./profile.js";

/** Calls in flight at once while a plan reads every object's info. */
export const READ_PARALLELISM = 10;

export interface GandiAccountView {
  vms: GandiVm[];
  disks: GandiDisk[];
  oses: GandiOs[];
}

async function inBatches<T, R>(items: readonly T[], each: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await each(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(READ_PARALLELISM, items.length) }, worker));
  return out;
}

export async function readAccount(client: GandiClient): Promise<GandiAccountView> {
  const [vmIds, diskIds, oses] = await Promise.all([client.vmList(), client.diskList(), client.osList()]);
  // An object deleted between the list and its info (a VM's system disk going with it) is gone: skipped.
  const gone = (error: unknown) => {
    if (isGandiFault(error, "not-found")) return undefined;
    throw error;
  };
  // One pool of READ_PARALLELISM calls for both kinds, so at most that many are in flight at once.
  const infos = await inBatches<{ vm: number } | { disk: number }, GandiVm | GandiDisk | undefined>(
    [...vmIds.map((vm) => ({ vm })), ...diskIds.map((disk) => ({ disk }))],
    (item) => ("vm" in item ? client.vmInfo(item.vm) : client.diskInfo(item.disk)).catch(gone),
  );
  const vms = infos.slice(0, vmIds.length) as (GandiVm | undefined)[];
  const disks = infos.slice(vmIds.length) as (GandiDisk | undefined)[];
  return { vms: vms.filter((v): v is GandiVm => v !== undefined), disks: disks.filter((d): d is GandiDisk => d !== undefined), oses };
}

/** A VM's state as the diff reads it: RUNNING, HALTED, BEING_CREATED … (Gandi's, upper-cased). */
function vmState(vm: GandiVm): string {
  return vm.state.toUpperCase();
}

export function liveStateOf(stack: string, endpoint: string, account: GandiAccountView, desired?: DesiredState): LiveState {
  const resources: LiveResource[] = [];
  const foreign: ForeignObject[] = [];
  const declared = new Map((desired?.resources ?? []).map((r) => [r.address, r]));
  /** The declared name the object stands for when it is the stack's; a look-alike of a declared name is noted as foreign. */
  const own = (kind: GandiKind, id: number, cloudName: string): string | undefined => {
    const reading = readName(stack, kind, cloudName);
    if (reading?.state === "owned") return reading.name;
    if (reading?.state === "lookalike" && [...declared.values()].some((r) => r.kind === kind && r.name === reading.name)) {
      foreign.push({
        kind,
        id: String(id),
        name: reading.name,
        cloudName,
        why: `its name does not carry the mark hyperplan gives the stack's objects, ${JSON.stringify(`${reading.name}.${stack}-…`)}`,
        remedy: "remove the other one (a Gandi name cannot be changed, so it cannot be made the stack's)",
      });
    }
    return undefined;
  };
  const diskAddresses = new Map<number, string>();
  for (const disk of account.disks) {
    const name = own("Image", disk.id, disk.name);
    if (name === undefined) continue;
    const address = addressOfName(stack, "Image", name, declared.values());
    diskAddresses.set(disk.id, address);
    const props: ImageSpec = {
      attributes: {},
      type: "datablock",
      size: disk.size,
      persistent: true,
      ...(disk.fstype !== undefined ? { raw: { gandi: { fstype: disk.fstype } } } : {}),
    };
    resources.push({ address, kind: "Image", name, id: String(disk.id), props, dependsOn: [], status: { state: disk.state.toUpperCase(), healthy: true } });
  }
  const osNames = new Map(account.oses.map((os) => [os.id, osDisplayName(os)]));
  for (const vm of account.vms) {
    const name = own("VirtualMachine", vm.id, vm.hostname);
    if (name === undefined) continue;
    const address = addressOfName(stack, "VirtualMachine", name, declared.values());
    const disks = account.disks
      .filter((d) => d.vm_id === vm.id && diskAddresses.has(d.id))
      .sort((a, b) => a.id - b.id)
      .map((d) => ({ source: "image" as const, image: { ref: diskAddresses.get(d.id)! } }));
    const wanted = declared.get(address);
    // Not readable: the root password and the rest of the context are the declaration's.
    const context = wanted?.kind === "VirtualMachine" ? (wanted.props.context as ContextSpec | undefined) : undefined;
    const os = osNames.get(vm.os_id);
    const props: VirtualMachineSpec = {
      attributes: {},
      vcpu: vm.cpu,
      memory: vm.shares * SHARE_MIB,
      disks,
      labels: [],
      powerState: vm.state === "running" ? "running" : "poweroff",
      ...(context !== undefined ? { context } : {}),
      raw: { gandi: { os: os ?? `os#${vm.os_id}` } },
    };
    const state = vmState(vm);
    resources.push({
      address,
      kind: "VirtualMachine",
      name,
      id: String(vm.id),
      props,
      dependsOn: disks.map((d) => d.image.ref),
      status: { state, healthy: state !== "INVALID" && state !== "LOCKED" && state !== "LEGALLY_LOCKED" },
    });
  }
  return { stack, endpoint, resources, ...(foreign.length > 0 ? { foreign } : {}), fingerprint: fingerprintLive(resources) };
}
