/**
 * Following OpenNebula objects while apply waits on them: one batched read per kind for everything in
 * flight — `one.vmpool.infoset` for VMs (their short body: state, addresses, ERROR, SCHED_MESSAGE), one
 * ranged pool read for images and one for networks — and what each wait makes of what was read.
 */
import type { Arrival } from "../kit/step-engine.js";
import type { OneClient } from "./client.js";
import { OperationError } from "./operation-error.js";
import { readPoolRange, readVmsByIds } from "./pools.js";
import type { ImageRecord, VmRecord, VnetRecord } from "./records.js";
import type { WaitFor } from "./steps.js";
import { imageStateName, isVmFailure, VM_STATE, vmStateName, vmTakesTerminate, vnetStateName } from "./states.js";
import { templateGet } from "./template-syntax.js";

export interface Looked {
  vm: Map<number, VmRecord>;
  image: Map<number, ImageRecord>;
  vnet: Map<number, VnetRecord>;
}

const VM_WAITS = new Set<WaitFor>(["vm-running", "vm-poweroff", "vm-gone", "vm-terminable"]);
const IMAGE_WAITS = new Set<WaitFor>(["image-ready", "image-gone"]);
const VNET_WAITS = new Set<WaitFor>(["vnet-ready", "vnet-gone"]);

/** Ids further apart than this start another range read. */
const RANGE_GAP = 1000;

/** Sorted ids cut into [first, last] ranges wherever two neighbours are more than `gap` apart. */
export function idClusters(ids: readonly number[], gap: number): [number, number][] {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const id of sorted) {
    const last = out[out.length - 1];
    if (last && id - last[1] <= gap) last[1] = id;
    else out.push([id, id]);
  }
  return out;
}

/**
 * The objects of `ids` with one ranged pool read, or one per cluster of ids when they lie so far
 * apart that a single range would carry thousands of objects nobody waits for.
 */
async function rangeRead<K extends "image" | "vnet">(client: OneClient, kind: K, ids: number[]) {
  const wanted = new Set(ids);
  const reads = await Promise.all(idClusters(ids, RANGE_GAP).map(([first, last]) => readPoolRange(client, kind, first, last)));
  return reads.flat().filter((r) => wanted.has(r.id));
}

/** One look at every object waited on: one call per kind. */
export async function lookAt(client: OneClient, waits: { id: number; until: WaitFor }[]): Promise<Looked> {
  const ids = (kinds: Set<WaitFor>) => waits.filter((w) => kinds.has(w.until)).map((w) => w.id);
  const [vms, images, vnets] = await Promise.all([
    readVmsByIds(client, ids(VM_WAITS), { extended: false }),
    rangeRead(client, "image", ids(IMAGE_WAITS)),
    rangeRead(client, "vnet", ids(VNET_WAITS)),
  ]);
  return {
    vm: new Map(vms.map((v) => [v.id, v])),
    image: new Map((images as ImageRecord[]).map((r) => [r.id, r])),
    vnet: new Map((vnets as VnetRecord[]).map((r) => [r.id, r])),
  };
}

/** What a wait learns of a VM beside its state: the operation keeps it. */
export interface VmSeen {
  /** The VM as read on its way to its state: its outputs, and how it looks (for a lost call's check). */
  vm(vm: VmRecord): void;
  /** The VM as read on its way out: how it looks only. */
  looks(vm: VmRecord): void;
  /** The VM's ERROR text when the change started: a hot-plug that fails writes a new one. */
  errorAtStart: string | undefined;
  /** The label of the call a hot-plug wait follows. */
  previousStep: string;
}

/** Where the wait `until` on object `id` stands in what was looked at. */
export function arrivalOf(address: string, label: string, until: WaitFor, hotplug: boolean, id: number, looked: Looked, seen: VmSeen): Arrival {
  const running = (state: string, detail?: string): Arrival => ({ phase: "running", state, ...(detail ? { detail } : {}) });
  const failed = (state: string, message: string): Arrival => ({ phase: "failed", state, error: new OperationError(address, `${label}: the object reached ${state}`, message) });
  const arrived: Arrival = { phase: "arrived" };
  switch (until) {
    case "vm-terminable": {
      const vm = looked.vm.get(id);
      // Gone or DONE meanwhile: the terminate that follows finds nothing left to do.
      if (!vm || vm.state === VM_STATE.DONE || vmTakesTerminate(vm.state, vm.lcmState)) return arrived;
      seen.looks(vm);
      return running(vmStateName(vm.state, vm.lcmState));
    }
    case "vm-gone": {
      const vm = looked.vm.get(id);
      if (!vm || vm.state === VM_STATE.DONE) return arrived;
      const state = vmStateName(vm.state, vm.lcmState);
      if (isVmFailure(vm.state, vm.lcmState)) return failed(state, templateGet(vm.userTemplate, "ERROR") ?? "the VM failed while it was terminated");
      seen.looks(vm);
      return running(state);
    }
    case "vm-running":
    case "vm-poweroff": {
      const vm = looked.vm.get(id);
      if (!vm) return failed("GONE", "the VM disappeared while apply waited for it");
      const state = vmStateName(vm.state, vm.lcmState);
      if (isVmFailure(vm.state, vm.lcmState) || vm.state === VM_STATE.DONE) return failed(state, templateGet(vm.userTemplate, "ERROR") ?? `the VM went to ${state}`);
      const error = templateGet(vm.userTemplate, "ERROR");
      if (hotplug && error !== undefined && error !== seen.errorAtStart) {
        return { phase: "failed", state, error: new OperationError(address, `${seen.previousStep} failed`, error) };
      }
      seen.vm(vm);
      if ((until === "vm-running" && state === "RUNNING") || (until === "vm-poweroff" && state === "POWEROFF")) return arrived;
      return running(state, state === "PENDING" ? templateGet(vm.userTemplate, "SCHED_MESSAGE") : undefined);
    }
    case "image-gone": {
      const image = looked.image.get(id);
      if (!image) return arrived;
      const state = imageStateName(image.state);
      if (state === "ERROR") return failed(state, templateGet(image.template, "ERROR") ?? "the datastore driver failed to delete the image");
      return running(state);
    }
    case "image-ready": {
      const image = looked.image.get(id);
      if (!image) return failed("GONE", "the image disappeared while apply waited for it");
      const state = imageStateName(image.state);
      if (state === "ERROR") return failed(state, templateGet(image.template, "ERROR") ?? "the datastore driver failed");
      return state === "READY" || state === "USED" || state === "USED_PERS" ? arrived : running(state);
    }
    case "vnet-gone": {
      const vnet = looked.vnet.get(id);
      const state = vnet ? vnetStateName(vnet.state ?? 1) : "DONE";
      if (state === "DONE") return arrived;
      if (state === "ERROR") return failed(state, templateGet(vnet!.template, "ERROR") ?? "the network driver failed to delete the network");
      return running(state);
    }
    case "vnet-ready": {
      const vnet = looked.vnet.get(id);
      if (!vnet) return failed("GONE", "the network disappeared while apply waited for it");
      const state = vnetStateName(vnet.state ?? 1);
      if (state === "ERROR" || state === "UPDATE_FAILURE") return failed(state, templateGet(vnet.template, "ERROR") ?? "the network driver failed");
      return state === "READY" ? arrived : running(state);
    }
  }
}
