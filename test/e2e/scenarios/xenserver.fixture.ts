/**
 * XenServer for the end-to-end scenarios: the lab of `examples/stacks/xen-lab.ts`, its simulator in the
 * test's process or as `hyperplan sim xenserver`, and a hand on xapi's JSON-RPC wire made of plain
 * HTTP and JSON, sharing nothing with hyperplan's XenAPI client and reader.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startXenServerSimulator, type FaultRule } from "../../../src/sim/xenserver/index";
import type { BackendFixture, CloudHand, CloudOptions, Drift, ForeignObject, RunningCloud, StackEdit } from "./fixture";
import { simulatorProcess } from "./harness";

const LAB = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "examples", "stacks", "xen-lab.ts");
const STACK = "xen-lab";
/** The classes whose objects stand for the constructs, and the kinds they may carry. */
const CLASSES: [string, string[]][] = [
  ["network", ["VirtualNetwork"]],
  ["VDI", ["Image"]],
  ["VM", ["VirtualMachine", "VmTemplate"]],
];

type Rec = Record<string, any>;

/** The other_config keys that make an object a stack's: removing them leaves it to no stack. */
const OWNERSHIP_KEYS = ["HYPERPLAN_STACK", "HYPERPLAN_ADDRESS", "HYPERPLAN_KIND", "HYPERPLAN_REPLACES", "HYPERPLAN_SECRETS"];

/** xapi's JSON-RPC wire, by hand: a session of its own, `{result}` or `{error}` answers. */
class XenHand implements CloudHand {
  private session = "";
  constructor(private readonly url: string) {}

  async call(method: string, ...params: unknown[]): Promise<any> {
    if (this.session === "" && !method.startsWith("session.")) {
      this.session = await this.call("session.login_with_password", "root", "xenserver", "2.3", "e2e-hand");
    }
    const response = await fetch(`${this.url}jsonrpc`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: method.startsWith("session.") ? params : [this.session, ...params] }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { message: string; data?: unknown } };
    if (body.error) throw new Error(`${method}: ${body.error.message} ${JSON.stringify(body.error.data ?? "")}`);
    return body.result;
  }

  async records(cls: string): Promise<Record<string, Rec>> {
    return (await this.call(`${cls}.get_all_records`)) as Record<string, Rec>;
  }

  /**
   * The lab's objects: networks, VDIs and VMs tagged with the stack and a construct's kind (a VM's own
   * disks, tagged VmDisk, are its, not the stack's constructs), and clones still under the marker name
   * a run gives a VM until it is tagged, counted at their address.
   */
  private async tagged(): Promise<{ ref: string; address: string; record: Rec }[]> {
    const found: { ref: string; address: string; record: Rec }[] = [];
    for (const [cls, kinds] of CLASSES) {
      for (const [ref, record] of Object.entries(await this.records(cls))) {
        const tags = record.other_config as Record<string, string>;
        if (tags.HYPERPLAN_STACK === STACK && kinds.includes(tags.HYPERPLAN_KIND ?? "")) {
          found.push({ ref, address: tags.HYPERPLAN_ADDRESS!, record });
          continue;
        }
        const marker = cls === "VM" ? /^hyperplan-unfinished:\w+:(xen-lab\/.+)$/.exec(String(record.name_label)) : null;
        if (marker) found.push({ ref, address: marker[1]!, record });
      }
    }
    return found;
  }

  async owned(): Promise<string[]> {
    return (await this.tagged()).map((o) => o.address).sort();
  }

  async refOf(address: string): Promise<string> {
    const matches = (await this.tagged()).filter((o) => o.address === address);
    if (matches.length !== 1) throw new Error(`${matches.length} objects carry the address ${address}`);
    return matches[0]!.ref;
  }

  /** Waits until the VM's guest agent reports its address again (after a start): the cloud has settled. */
  async waitAddress(vm: string): Promise<void> {
    for (const started = Date.now(); ; ) {
      const metrics = (await this.call("VM.get_guest_metrics", vm)) as string;
      if (metrics !== "OpaqueRef:NULL" && ((await this.call("VM_guest_metrics.get_networks", metrics)) as Record<string, string>)["0/ip"]) return;
      if (Date.now() - started > 15_000) throw new Error(`VM ${vm} reports no address`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async makeForeign(): Promise<ForeignObject> {
    // A VM named as one of the lab's, made by hand from a pool template, without hyperplan's tags.
    const template = ((await this.call("VM.get_by_name_label", "Debian Bookworm 12")) as string[])[0]!;
    const ref = (await this.call("VM.clone", template, "lab-2")) as string;
    await this.call("VM.set_is_a_template", ref, false);
    return { label: `VM ${ref} "lab-2"`, id: ref };
  }

  /**
   * As `xe vm-param-remove param-name=other-config param-key=…` would, key by key: hyperplan's ownership
   * keys gone from the VM's other_config, everything else (its template's address, xapi's keys) kept.
   */
  async untag(address: string): Promise<void> {
    const vm = await this.refOf(address);
    const otherConfig = (await this.call("VM.get_other_config", vm)) as Record<string, string>;
    for (const key of OWNERSHIP_KEYS) if (otherConfig[key] !== undefined) await this.call("VM.remove_from_other_config", vm, key);
  }

  async exists(foreign: ForeignObject): Promise<boolean> {
    try {
      const vm = (await this.call("VM.get_record", foreign.id)) as Rec;
      return vm.name_label === "lab-2" && (vm.other_config as Record<string, string>).HYPERPLAN_STACK === undefined;
    } catch {
      return false;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The lab's edits, on the text of examples/stacks/xen-lab.ts

function replaceOnce(source: string, from: string, to: string): string {
  if (!source.includes(from)) throw new Error(`the lab's source no longer contains ${JSON.stringify(from)}`);
  return source.replace(from, to);
}

const LAB_DISKS = "      disks: i === 1 ? [{ image: debian }, { image: scratch }] : [{ image: debian }],\n";

/** Declares `props` on the VM lab-`i` after its disks. */
const onVm = (i: number, props: string) => (source: string) => replaceOnce(source, LAB_DISKS, `${LAB_DISKS}      ...(i === ${i} ? ${props} : {}),\n`);

const edits: Record<string, StackEdit> = {
  memoryChanged: {
    what: "the template's memory 1024 → 2048 MiB, carried to its three VMs",
    edit: (source) => replaceOnce(source, "memory: 1024,", "memory: 2048,"),
    plan: { create: 0, update: 4, replace: 0, delete: 0 },
    says: ["~ memory: 1024 → 2048 [VM.set_memory_limits, power cycle]", "Async.VM.clean_shutdown → wait for Async.VM.clean_shutdown → VM.set_memory_limits, VCPUs → Async.VM.start"],
  },
  descriptionChanged: {
    what: "the network's description",
    edit: (source) => replaceOnce(source, `description: "Lab network"`, `description: "The lab's network"`),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: [`~ description: "Lab network" → "The lab's network" [network.set_name_description]`],
  },
  diskAdded: {
    what: "a second copy of the Debian disk for lab-2",
    edit: onVm(2, `{ disks: [{ image: debian }, { image: debian }] }`),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: ["~ lab-2 (VirtualMachine)".replace("lab-2", "xen-lab/lab-2"), "[VBD.create+VBD.plug]", "hot-plugged into the running guest", "Async.VDI.copy disk 1"],
  },
  nicAdded: {
    what: "a second NIC for lab-2",
    edit: onVm(2, `{ nics: [{ network: net }, { network: net }] }`),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: ["~ xen-lab/lab-2 (VirtualMachine)", "[VIF.create+VIF.plug]"],
  },
  replaceForced: {
    what: "the template cloned from another pool template",
    edit: (source) => replaceOnce(source, `template: "Other install media"`, `template: "Debian Bookworm 12"`),
    plan: { create: 0, update: 0, replace: 1, delete: 0 },
    says: ["-/+ xen-lab/lab-small (VmTemplate)", "a template is a clone of its pool template"],
  },
  vmRemoved: {
    what: "lab-3 no longer declared",
    edit: (source) => replaceOnce(source, "[1, 2, 3].map(", "[1, 2].map("),
    plan: { create: 0, update: 0, replace: 0, delete: 1 },
    says: ["- xen-lab/lab-3 (VirtualMachine)", "Async.VM.shutdown"],
    removes: ["xen-lab/lab-3"],
  },
};

// ---------------------------------------------------------------------------------------------
// Drift by hand

const onHand = (make: (hand: XenHand) => Promise<void>) => (hand: CloudHand) => make(hand as XenHand);
const MiB = 1024 * 1024;

const drifts: Record<string, Drift> = {
  vmRenamed: {
    what: "lab-2 renamed",
    make: onHand(async (xen) => {
      await xen.call("VM.set_name_label", await xen.refOf("xen-lab/lab-2"), "lab-2-renamed");
    }),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: [`~ name: "lab-2-renamed" → "lab-2" [VM.set_name_label]`],
  },
  memoryChanged: {
    what: "lab-2 shut down, given 1536 MiB and started again",
    make: onHand(async (xen) => {
      const vm = await xen.refOf("xen-lab/lab-2");
      await xen.call("VM.hard_shutdown", vm);
      await xen.call("VM.set_memory_limits", vm, 512 * MiB, 1536 * MiB, 1536 * MiB, 1536 * MiB);
      await xen.call("VM.start", vm, false, false);
      await xen.waitAddress(vm);
    }),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: ["~ xen-lab/lab-2 (VirtualMachine)", "~ memory: 1536 → 1024 [VM.set_memory_limits, power cycle]"],
  },
  poweredOff: {
    what: "lab-2 shut down",
    make: onHand(async (xen) => {
      await xen.call("VM.hard_shutdown", await xen.refOf("xen-lab/lab-2"));
    }),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: [`~ powerState: "poweroff" → "running" [VM.start]`],
  },
  vmDestroyed: {
    what: "lab-3 shut down and destroyed",
    make: onHand(async (xen) => {
      const vm = await xen.refOf("xen-lab/lab-3");
      await xen.call("VM.hard_shutdown", vm);
      await xen.call("VM.destroy", vm);
    }),
    plan: { create: 1, update: 0, replace: 0, delete: 0 },
    says: ["+ xen-lab/lab-3 (VirtualMachine) declared, no live object: created through Async.VM.clone"],
  },
  diskDetached: {
    what: "lab-1's scratch disk unplugged and its VBD destroyed",
    make: onHand(async (xen) => {
      const vm = await xen.refOf("xen-lab/lab-1");
      const scratch = await xen.refOf("xen-lab/lab-scratch");
      for (const vbd of (await xen.call("VM.get_VBDs", vm)) as string[]) {
        if ((await xen.call("VBD.get_VDI", vbd)) !== scratch) continue;
        await xen.call("VBD.unplug", vbd);
        await xen.call("VBD.destroy", vbd);
      }
    }),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: [`+ disks[1] = {"image":{"ref":"xen-lab/lab-scratch"},"source":"image"} [VBD.create+VBD.plug]`],
  },
  nicUnplugged: {
    what: "lab-2's VIF unplugged",
    make: onHand(async (xen) => {
      const vm = await xen.refOf("xen-lab/lab-2");
      await xen.call("VIF.unplug", ((await xen.call("VM.get_VIFs", vm)) as string[])[0]);
    }),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: ["+ nics[0] = ", "[VIF.create+VIF.plug]"],
  },
};

// ---------------------------------------------------------------------------------------------
// The simulator

function faults(options: CloudOptions): FaultRule[] {
  return options.slowVmReads ? [{ type: "delay", method: "VM.get_all_records", ms: 150 }] : [];
}

/** Shutting a VM down takes 3 s (Async.VM.shutdown, cleanly first). */
const SLOW_DELETES = { cleanShutdown: 3000, hardShutdown: 3000 };

function cloud(url: string, stop: () => Promise<void>): RunningCloud {
  return { env: { XENSERVER_HOST: url, XENSERVER_USER: "root", XENSERVER_PASSWORD: "xenserver", NO_COLOR: "1" }, hand: new XenHand(url), stop };
}

export const xenServerFixture: BackendFixture = {
  name: "xenserver",
  title: "XenServer",
  lab: {
    stack: STACK,
    source: () => readFileSync(LAB, "utf8"),
    addresses: ["xen-lab/debian-12", "xen-lab/lab-1", "xen-lab/lab-2", "xen-lab/lab-3", "xen-lab/lab-net", "xen-lab/lab-scratch", "xen-lab/lab-small"],
    vms: ["xen-lab/lab-1", "xen-lab/lab-2", "xen-lab/lab-3"],
    importVm: {
      address: "xen-lab/lab-2",
      declare: (source, id) => replaceOnce(source, LAB_DISKS, `${LAB_DISKS}      ...(i === 2 ? { importId: "${id}" } : {}),\n`),
      // A well-formed ref no object has.
      missingId: "OpaqueRef:00000000-0000-4000-8000-000000004242",
    },
    dependencies: [
      ["xen-lab/lab-net", "xen-lab/lab-small"],
      ["xen-lab/lab-small", "xen-lab/lab-1"],
      ["xen-lab/debian-12", "xen-lab/lab-1"],
      ["xen-lab/lab-scratch", "xen-lab/lab-1"],
    ],
    output: { name: "lab-1-ip", value: /^10\.\d+\.\d+\.\d+$/ },
    edits,
    forcedReplace: { address: "xen-lab/lab-2", says: [/-\/\+ xen-lab\/lab-2 \(VirtualMachine\) id=OpaqueRef:\S+ must be replaced \(create before destroy; forced by --replace\)/] },
  },
  simulate: {
    env: (pace) => ({ HYPERPLAN_SIM_DELAYS: pace }),
    firstLine: /^Reading XenServer simulator http:\/\/127\.0\.0\.1:\d+\/ \(embedded; world in \.hyperplan\/simulator-xenserver\.json\)$/,
  },
  async startHere(options) {
    const sim = await startXenServerSimulator({
      port: 0,
      slaveHost: false,
      delays: options.slowVmDeletes ? SLOW_DELETES : options.pace,
      faults: faults(options),
      ...(options.stateFile ? { stateFile: options.stateFile } : {}),
    });
    return cloud(sim.url, () => sim.close());
  },
  async startProcess(options) {
    const delays = options.slowVmDeletes ? JSON.stringify(SLOW_DELETES) : options.pace;
    const argv = ["xenserver", "--port", "0", "--delays", delays, "--state", options.stateFile, ...faults(options).flatMap((f) => ["--fault", JSON.stringify(f)])];
    const sim = await simulatorProcess(argv, /^(http:\/\/\S+\/)$/);
    return cloud(sim.url, sim.stop);
  },
  drifts,
  destroyKill: { what: "while its VMs were shutting down", when: (e) => e.type === "change-progress" && e.state === "Async.VM.shutdown" },
};
