/**
 * OpenNebula for the end-to-end scenarios: the lab of `examples/stacks/lab.ts`, its simulator in the
 * test's process or as `hyperplan sim opennebula`, and a hand on oned's XML-RPC wire made of the
 * codec (`src/xmlrpc`) over plain HTTP and fast-xml-parser, sharing nothing with hyperplan's
 * OpenNebula client and reader.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { XmlRpcValue } from "../../../src/xmlrpc/index";
import { startOneSimulator, type FaultRule } from "../../../src/sim/opennebula/index";
import { callRaw, parseDoc } from "../../sim/opennebula/helpers";
import { oneEnv } from "../../support/cli-io";
import type { BackendFixture, CloudHand, CloudOptions, Drift, ForeignObject, RunningCloud, StackEdit } from "./fixture";
import { simulatorProcess } from "./harness";

const LAB = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "examples", "stacks", "lab.ts");
const STACK = "lab";
const SESSION = "oneadmin:opennebula";
/** oned's VM states (FACTS §6): STATE, and LCM_STATE within ACTIVE. */
const VM_POWEROFF = 8;
const VM_DONE = 6;
const LCM_RUNNING = 3;

type Doc = Record<string, any>;

/** oned's XML-RPC wire, by hand: the session first, `[ok, value, code]` envelopes. */
class OneHand implements CloudHand {
  constructor(private readonly url: string) {}

  async call(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue> {
    const answer = await callRaw(this.url, method, params, SESSION);
    if (answer.fault) throw new Error(`${method}: fault ${answer.code}: ${answer.message}`);
    if (!answer.reply.ok) throw new Error(`${method}: ${answer.reply.message} (code ${answer.reply.code})`);
    return answer.reply.value;
  }

  /** Every object of a pool (VMs: all but DONE), as parsed documents. */
  private async pool(method: string, root: string, element: string, ...filter: number[]): Promise<Doc[]> {
    const doc = parseDoc(String(await this.call(method, ...filter)));
    const objects = doc[root]?.[element] as Doc[] | Doc | undefined;
    return objects === undefined ? [] : Array.isArray(objects) ? objects : [objects];
  }

  /** The stack's objects: kind, id, address; VMs carry their tags in USER_TEMPLATE, the rest in TEMPLATE. */
  private async tagged(): Promise<{ kind: string; id: number; address: string }[]> {
    const pools: [string, string, string, string, number[]][] = [
      ["VirtualMachine", "one.vmpool.infoextended", "VM_POOL", "VM", [-2, -1, -1, -1]],
      ["Image", "one.imagepool.info", "IMAGE_POOL", "IMAGE", [-2, -1, -1]],
      ["VirtualNetwork", "one.vnpool.info", "VNET_POOL", "VNET", [-2, -1, -1]],
      ["SecurityGroup", "one.secgrouppool.info", "SECURITY_GROUP_POOL", "SECURITY_GROUP", [-2, -1, -1]],
      ["VmTemplate", "one.templatepool.info", "VMTEMPLATE_POOL", "VMTEMPLATE", [-2, -1, -1]],
    ];
    const found: { kind: string; id: number; address: string }[] = [];
    for (const [kind, method, root, element, filter] of pools) {
      for (const object of await this.pool(method, root, element, ...filter)) {
        const tags = (kind === "VirtualMachine" ? object.USER_TEMPLATE : object.TEMPLATE) as Doc | undefined;
        if (tags?.HYPERPLAN_STACK === STACK && tags.HYPERPLAN_KIND === kind) found.push({ kind, id: Number(object.ID), address: String(tags.HYPERPLAN_ADDRESS) });
      }
    }
    return found;
  }

  async owned(): Promise<string[]> {
    return (await this.tagged()).map((o) => o.address).sort();
  }

  /** The id of the one object at `address`. */
  async idOf(address: string): Promise<number> {
    const matches = (await this.tagged()).filter((o) => o.address === address);
    if (matches.length !== 1) throw new Error(`${matches.length} objects carry the address ${address}`);
    return matches[0]!.id;
  }

  async vm(id: number): Promise<Doc> {
    return parseDoc(String(await this.call("one.vm.info", id))).VM[0] as Doc;
  }

  /** Polls the VM until `settled` holds (oned's actions are asynchronous). */
  async waitVm(id: number, what: string, settled: (vm: Doc) => boolean): Promise<void> {
    for (const started = Date.now(); ; ) {
      if (settled(await this.vm(id))) return;
      if (Date.now() - started > 15_000) throw new Error(`VM ${id} did not reach ${what}: ${JSON.stringify(await this.vm(id))}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  waitRunning(id: number, also: (vm: Doc) => boolean = () => true): Promise<void> {
    return this.waitVm(id, "RUNNING", (vm) => Number(vm.STATE) === 3 && Number(vm.LCM_STATE) === LCM_RUNNING && also(vm));
  }

  async makeForeign(): Promise<ForeignObject> {
    // A VM named as one of the lab's, without hyperplan's tags (oned does not keep VM names unique).
    const id = Number(await this.call("one.vm.allocate", 'NAME="lab-2"\nCPU="0.1"\nMEMORY="64"', false));
    return { label: `VM ${id} "lab-2"`, id: String(id) };
  }

  /** As `onevm update` with a whole new user template would: the VM's labels kept, hyperplan's tags gone. */
  async untag(address: string): Promise<void> {
    await this.call("one.vm.update", await this.idOf(address), 'LABELS="lab"', 0);
  }

  async exists(foreign: ForeignObject): Promise<boolean> {
    const answer = await callRaw(this.url, "one.vm.info", [Number(foreign.id)], SESSION);
    if (answer.fault || !answer.reply.ok) return false;
    const vm = parseDoc(String(answer.reply.value)).VM[0] as Doc;
    return vm.NAME === "lab-2" && Number(vm.STATE) !== VM_DONE && vm.USER_TEMPLATE?.HYPERPLAN_STACK === undefined;
  }
}

const asArray = (value: unknown): Doc[] => (value === undefined ? [] : Array.isArray(value) ? (value as Doc[]) : [value as Doc]);

// ---------------------------------------------------------------------------------------------
// The lab's edits, on the text of examples/stacks/lab.ts

function replaceOnce(source: string, from: string, to: string): string {
  if (!source.includes(from)) throw new Error(`the lab's source no longer contains ${JSON.stringify(from)}`);
  return source.replace(from, to);
}

const LAB_1_DISKS = "      ...(i === 1 ? { disks: [{ image: debian, size: 8 * 1024 }, { image: scratch }] } : {}),\n";

/** Declares `props` on the VM lab-`i` beside lab-1's own disks. */
const onVm = (i: number, props: string) => (source: string) => replaceOnce(source, LAB_1_DISKS, `${LAB_1_DISKS}      ...(i === ${i} ? ${props} : {}),\n`);

const edits: Record<string, StackEdit> = {
  memoryChanged: {
    what: "the template's memory 1024 → 2048 MiB, carried to its three VMs",
    edit: (source) => replaceOnce(source, "memory: 1024,", "memory: 2048,"),
    plan: { create: 0, update: 4, replace: 0, delete: 0 },
    says: ["~ memory: 1024 → 2048 [one.vm.resize, power cycle]", "poweroff → wait POWEROFF → resize memory → resume → wait RUNNING"],
  },
  descriptionChanged: {
    what: "the network's description",
    edit: (source) => replaceOnce(source, `description: "Lab network, bridged on the hosts' br-lab"`, `description: "Lab network on br-lab"`),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: [`~ description: "Lab network, bridged on the hosts' br-lab" → "Lab network on br-lab" [one.vn.update]`],
  },
  diskAdded: {
    what: "a 1 GiB volatile disk for lab-2",
    edit: onVm(2, `{ disks: [{ image: debian, size: 8 * 1024 }, { size: 1024, type: "fs" }] }`),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: ["~ lab/lab-2 (VirtualMachine)", "[one.vm.attach]", "hot-plugged into the running guest"],
  },
  nicAdded: {
    what: "a second NIC for lab-2",
    edit: onVm(2, `{ nics: [{ network: net, securityGroups: [ssh], model: "virtio" }, { network: net, model: "virtio" }] }`),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: ["~ lab/lab-2 (VirtualMachine)", "[one.vm.attachnic]"],
  },
  replaceForced: {
    what: "lab-3's boot disk shrunk to 4 GiB",
    edit: onVm(3, `{ disks: [{ image: debian, size: 4 * 1024 }] }`),
    plan: { create: 0, update: 0, replace: 1, delete: 0 },
    says: ["-/+ lab/lab-3 (VirtualMachine)", "a disk cannot shrink: the VM is replaced"],
  },
  vmRemoved: {
    what: "lab-3 no longer declared",
    edit: (source) => replaceOnce(source, "[1, 2, 3].map(", "[1, 2].map("),
    plan: { create: 0, update: 0, replace: 0, delete: 1 },
    says: ["- lab/lab-3 (VirtualMachine)"],
    removes: ["lab/lab-3"],
  },
};

// ---------------------------------------------------------------------------------------------
// Drift by hand

const onHand = (make: (hand: OneHand) => Promise<void>) => (hand: CloudHand) => make(hand as OneHand);

const drifts: Record<string, Drift> = {
  vmRenamed: {
    what: "lab-2 renamed",
    make: onHand(async (one) => {
      await one.call("one.vm.rename", await one.idOf("lab/lab-2"), "lab-2-renamed");
    }),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: [`~ name: "lab-2-renamed" → "lab-2" [one.vm.rename]`],
  },
  memoryChanged: {
    what: "lab-2 resized to 1536 MiB",
    make: onHand(async (one) => {
      const id = await one.idOf("lab/lab-2");
      await one.call("one.vm.resize", id, "MEMORY = 1536", false);
      // A running VM passes through HOTPLUG_RESIZE: a plan made meanwhile reads it mid-change.
      await one.waitRunning(id);
    }),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: ["~ lab/lab-2 (VirtualMachine)", "~ memory: 1536 → 1024 [one.vm.resize, power cycle]"],
  },
  poweredOff: {
    what: "lab-2 powered off",
    make: onHand(async (one) => {
      const id = await one.idOf("lab/lab-2");
      await one.call("one.vm.action", "poweroff-hard", id);
      await one.waitVm(id, "POWEROFF", (vm) => Number(vm.STATE) === VM_POWEROFF);
    }),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: [`~ powerState: "poweroff" → "running" [one.vm.action resume]`],
  },
  vmDestroyed: {
    what: "lab-3 terminated",
    make: onHand(async (one) => {
      const id = await one.idOf("lab/lab-3");
      await one.call("one.vm.action", "terminate-hard", id);
      await one.waitVm(id, "DONE", (vm) => Number(vm.STATE) === VM_DONE);
    }),
    plan: { create: 1, update: 0, replace: 0, delete: 0 },
    says: ["+ lab/lab-3 (VirtualMachine) declared, no live object: created through one.template.instantiate"],
  },
  diskDetached: {
    what: "lab-1's scratch disk detached",
    make: onHand(async (one) => {
      const id = await one.idOf("lab/lab-1");
      const scratch = asArray((await one.vm(id)).TEMPLATE.DISK).find((d) => d.IMAGE === "lab-scratch");
      await one.call("one.vm.detach", id, Number(scratch!.DISK_ID));
      await one.waitRunning(id, (vm) => asArray(vm.TEMPLATE.DISK).length === 1);
    }),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: [`+ disks[1] = {"image":{"ref":"lab/lab-scratch"},"source":"image"} [one.vm.attach]`],
  },
  nicUnplugged: {
    what: "lab-2's NIC detached",
    make: onHand(async (one) => {
      const id = await one.idOf("lab/lab-2");
      const nic = asArray((await one.vm(id)).TEMPLATE.NIC)[0];
      await one.call("one.vm.detachnic", id, Number(nic!.NIC_ID));
      await one.waitRunning(id, (vm) => asArray(vm.TEMPLATE.NIC).length === 0);
    }),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: ["+ nics[0] = ", "[one.vm.attachnic]"],
  },
};

// ---------------------------------------------------------------------------------------------
// The simulator

function faults(options: CloudOptions): FaultRule[] {
  return options.slowVmReads ? [{ type: "delay", method: "one.vmpool.infoextended", ms: 150 }] : [];
}

/** VMs that stay in EPILOG for 3 s when terminated. */
const SLOW_DELETES = { epilog: 3000 };

function cloud(url: string, dir: string, stop: () => Promise<void>): RunningCloud {
  writeFileSync(join(dir, "one_auth"), `${SESSION}\n`);
  return { env: oneEnv(url, dir), hand: new OneHand(url), stop };
}

export const openNebulaFixture: BackendFixture = {
  name: "opennebula",
  title: "OpenNebula",
  lab: {
    stack: STACK,
    source: () => readFileSync(LAB, "utf8"),
    addresses: ["lab/debian-12", "lab/lab-1", "lab/lab-2", "lab/lab-3", "lab/lab-net", "lab/lab-scratch", "lab/lab-small", "lab/lab-ssh"],
    vms: ["lab/lab-1", "lab/lab-2", "lab/lab-3"],
    dependencies: [
      ["lab/debian-12", "lab/lab-small"],
      ["lab/lab-net", "lab/lab-small"],
      ["lab/lab-ssh", "lab/lab-small"],
      ["lab/lab-small", "lab/lab-1"],
      ["lab/lab-scratch", "lab/lab-1"],
    ],
    output: { name: "lab-1-ip", value: /^10\.20\.0\.\d+$/ },
    edits,
    importVm: {
      address: "lab/lab-2",
      declare: (source, id) => replaceOnce(source, "labels: [\"lab\"],", `labels: ["lab"],\n      ...(i === 2 ? { importId: "${id}" } : {}),`),
      missingId: "4242",
    },
    forcedReplace: { address: "lab/lab-2", says: [/-\/\+ lab\/lab-2 \(VirtualMachine\) id=\d+ must be replaced \(create before destroy; forced by --replace\)/] },
  },
  simulate: {
    env: (pace) => ({ HYPERPLAN_SIM_DELAYS: pace }),
    firstLine: /^Reading OpenNebula simulator http:\/\/127\.0\.0\.1:\d+\/RPC2 \(embedded; world in \.hyperplan\/simulator-opennebula\.json\)$/,
  },
  async startHere(options) {
    const sim = await startOneSimulator({
      port: 0,
      delays: options.slowVmDeletes ? SLOW_DELETES : options.pace,
      faults: faults(options),
      ...(options.stateFile ? { stateFile: options.stateFile } : {}),
    });
    return cloud(sim.url, options.dir, () => sim.close());
  },
  async startProcess(options) {
    const delays = options.slowVmDeletes ? JSON.stringify(SLOW_DELETES) : options.pace;
    const argv = ["opennebula", "--port", "0", "--delays", delays, "--state", options.stateFile, ...faults(options).flatMap((f) => ["--fault", JSON.stringify(f)])];
    const sim = await simulatorProcess(argv, /(http:\/\/\S+\/RPC2)/);
    return cloud(sim.url, options.dir, sim.stop);
  },
  drifts,
  destroyKill: { what: "while its VMs were in EPILOG", when: (e) => e.type === "change-progress" && e.state === "EPILOG" },
};
