/**
 * Gandi hosting for the end-to-end scenarios: the stack of `examples/stacks/gandi-web.ts`, its
 * simulator in the test's process or as `hyperplan sim gandi`, and a hand on the hosting XML-RPC wire
 * made of the codec (`src/xmlrpc`) over plain HTTP, sharing nothing with hyperplan's Gandi client.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeResponse, encodeCall, type XmlRpcValue } from "../../../src/xmlrpc/index";
import { startGandiSimulator, type FaultRule } from "../../../src/sim/gandi/index";
import type { BackendFixture, CloudHand, CloudOptions, Drift, ForeignObject, RunningCloud, StackEdit } from "./fixture";
import { simulatorProcess } from "./harness";

const LAB = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "examples", "stacks", "gandi-web.ts");
const STACK = "gandi-web";
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

type Rec = Record<string, any>;

/** The mark the README documents: base32 of SHA-256 over "hyperplan", stack, kind and name, first six characters, lower case. */
function mark(kind: "VirtualMachine" | "Image", name: string): string {
  const digest = createHash("sha256").update(["hyperplan", STACK, kind, name].join("\n")).digest();
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const bits = [...digest.subarray(0, 4)].map((b) => b.toString(2).padStart(8, "0")).join("");
  return Array.from({ length: 6 }, (_, i) => alphabet[parseInt(bits.slice(i * 5, i * 5 + 5), 2)]).join("");
}

/** The hosting API by hand: login, then the session first in every call; faults thrown. */
class GandiHand implements CloudHand {
  private session = "";
  constructor(private readonly url: string) {}

  async call(method: string, ...params: XmlRpcValue[]): Promise<any> {
    if (this.session === "" && method !== "login") this.session = await this.call("login", "AA1234-GANDI", "gandi");
    const response = await fetch(this.url, { method: "POST", headers: { "Content-Type": "text/xml" }, body: encodeCall(method, method === "login" ? params : [this.session, ...params]) });
    const decoded = decodeResponse(await response.text());
    if (decoded.fault) throw new Error(`${method}: ${decoded.code} ${decoded.message}`);
    return decoded.value;
  }

  /** Follows an operation to DONE (operations move as calls arrive). */
  async settle(opId: number): Promise<void> {
    for (const started = Date.now(); ; ) {
      const op = (await this.call("operation_details", opId)) as Rec;
      if (op.state === "DONE") return;
      if (op.state === "ERROR" || op.state === "CANCEL") throw new Error(`operation ${opId} ended ${op.state}: ${op.comment ?? ""}`);
      if (Date.now() - started > 15_000) throw new Error(`operation ${opId} still ${op.state}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async named(): Promise<{ kind: "vm" | "disk"; id: number; address: string }[]> {
    const out: { kind: "vm" | "disk"; id: number; address: string }[] = [];
    const take = (kind: "vm" | "disk", id: number, name: string) => {
      const [first, ...rest] = name.split(".");
      if (!LABEL.test(first!) || rest.join(".") !== `${STACK}-${mark(kind === "vm" ? "VirtualMachine" : "Image", first!)}`) return;
      out.push({ kind, id, address: `${STACK}/${first}` });
    };
    // An object deleted between the list and its info is gone.
    const info = (method: string, id: number) => this.call(method, id).catch(() => undefined) as Promise<Rec | undefined>;
    for (const id of (await this.call("vm_list")) as number[]) {
      const vm = await info("vm_info", id);
      if (vm) take("vm", id, vm.hostname);
    }
    for (const id of (await this.call("disk_list")) as number[]) {
      const disk = await info("disk_info", id);
      if (disk) take("disk", id, disk.name);
    }
    return out;
  }

  async owned(): Promise<string[]> {
    return (await this.named()).map((o) => o.address).sort();
  }

  async idOf(address: string): Promise<number> {
    const matches = (await this.named()).filter((o) => o.address === address);
    if (matches.length !== 1) throw new Error(`${matches.length} objects carry the address ${address}`);
    return matches[0]!.id;
  }

  async makeForeign(): Promise<ForeignObject> {
    // A VM named like one of the stack's (web-2), without the stack's suffix.
    const id = (await this.call("vm_create", "web-2", "Other-passw0rd", 111, 1, 1, {})) as number;
    return { label: `VM ${id} "web-2"`, id: String(id) };
  }

  async exists(foreign: ForeignObject): Promise<boolean> {
    try {
      return ((await this.call("vm_info", Number(foreign.id))) as Rec).hostname === "web-2";
    } catch {
      return false;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Edits of examples/stacks/gandi-web.ts

function replaceOnce(source: string, from: string, to: string): string {
  if (!source.includes(from)) throw new Error(`the stack's source no longer contains ${JSON.stringify(from)}`);
  return source.replace(from, to);
}

const DISKS = "    disks: [{ image: data }],\n";

const edits: Record<string, StackEdit> = {
  memoryChanged: {
    what: "both VMs' memory 256 → 512 MiB (one share to two)",
    edit: (source) => replaceOnce(source, "memory: 256,", "memory: 512,"),
    plan: { create: 0, update: 2, replace: 0, delete: 0 },
    says: ["~ memory: 256 → 512 [vm_update]"],
  },
  diskAdded: {
    what: "a second data disk for web-2",
    edit: (source) =>
      replaceOnce(
        source,
        DISKS,
        `    disks: i === 2 ? [{ image: data }, { image: new Image(web, "web-2-extra", { type: "datablock", size: 1024, persistent: true }) }] : [{ image: data }],\n`,
      ),
    plan: { create: 1, update: 1, replace: 0, delete: 0 },
    says: ["+ gandi-web/web-2-extra (Image)", "[disk_attach]"],
    adds: ["gandi-web/web-2-extra"],
  },
  replaceForced: {
    what: "web-2 on another OS",
    edit: (source) => replaceOnce(source, `raw: { gandi: { os: "Debian 12" } },`, `raw: { gandi: { os: i === 2 ? "Ubuntu 24.04" : "Debian 12" } },`),
    plan: { create: 0, update: 0, replace: 1, delete: 0 },
    says: ["-/+ gandi-web/web-2 (VirtualMachine)", "the OS is installed when the VM is made"],
  },
  vmRemoved: {
    what: "web-2 and its disk no longer declared",
    edit: (source) => replaceOnce(source, "[1, 2].forEach(", "[1].forEach("),
    plan: { create: 0, update: 0, replace: 0, delete: 2 },
    says: ["- gandi-web/web-2 (VirtualMachine)", "- gandi-web/web-2-data (Image)"],
    removes: ["gandi-web/web-2", "gandi-web/web-2-data"],
  },
};

// ---------------------------------------------------------------------------------------------
// Drift by hand

const onHand = (make: (hand: GandiHand) => Promise<void>) => (hand: CloudHand) => make(hand as GandiHand);

const drifts: Record<string, Drift> = {
  memoryChanged: {
    what: "web-2 given a second share",
    make: onHand(async (g) => g.settle((await g.call("vm_update", await g.idOf("gandi-web/web-2"), { shares: 2 })) as number)),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: ["~ memory: 512 → 256 [vm_update]"],
  },
  poweredOff: {
    what: "web-2 stopped",
    make: onHand(async (g) => g.settle((await g.call("vm_stop", await g.idOf("gandi-web/web-2"))) as number)),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: [`~ powerState: "poweroff" → "running" [vm_start]`],
  },
  vmDestroyed: {
    what: "web-2 stopped, its disk detached, and deleted",
    make: onHand(async (g) => {
      const vm = await g.idOf("gandi-web/web-2");
      const disk = await g.idOf("gandi-web/web-2-data");
      await g.settle((await g.call("vm_stop", vm)) as number);
      await g.settle((await g.call("disk_detach", disk, vm)) as number);
      await g.settle((await g.call("vm_delete", vm)) as number);
    }),
    plan: { create: 1, update: 0, replace: 0, delete: 0 },
    says: ["+ gandi-web/web-2 (VirtualMachine) declared, no live object: created through vm_create"],
  },
  diskDetached: {
    what: "web-1's data disk detached",
    make: onHand(async (g) => g.settle((await g.call("disk_detach", await g.idOf("gandi-web/web-1-data"), await g.idOf("gandi-web/web-1"))) as number)),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: [`+ disks[0] = {"image":{"ref":"gandi-web/web-1-data"},"source":"image"} [disk_attach]`],
  },
};

// ---------------------------------------------------------------------------------------------
// The simulator

function faults(options: CloudOptions): FaultRule[] {
  return options.slowVmReads ? [{ type: "delay", method: "vm_list", ms: 150 }] : [];
}

/** Stopping a VM takes 3 s. */
const SLOW_DELETES = { vmStop: 3000 };

function cloud(url: string, stop: () => Promise<void>): RunningCloud {
  return { env: { GANDI_URL: url, GANDI_LOGIN: "AA1234-GANDI", GANDI_PASSWORD: "gandi", NO_COLOR: "1" }, hand: new GandiHand(url), stop };
}

export const gandiFixture: BackendFixture = {
  name: "gandi",
  title: "Gandi hosting",
  lab: {
    stack: STACK,
    source: () => readFileSync(LAB, "utf8"),
    addresses: ["gandi-web/web-1", "gandi-web/web-1-data", "gandi-web/web-2", "gandi-web/web-2-data"],
    vms: ["gandi-web/web-1", "gandi-web/web-2"],
    // Refused: a Gandi object's name carries the stack's mark and cannot change.
    importVm: {
      address: "gandi-web/web-2",
      declare: (source, id) => replaceOnce(source, "    vcpu: 1,\n", `    vcpu: 1,\n    ...(i === 2 ? { importId: "${id}" } : {}),\n`),
      missingId: "4242",
    },
    dependencies: [
      ["gandi-web/web-1-data", "gandi-web/web-1"],
      ["gandi-web/web-2-data", "gandi-web/web-2"],
    ],
    edits,
    forcedReplace: { address: "gandi-web/web-2", says: [/-\/\+ gandi-web\/web-2 \(VirtualMachine\) id=\d+ must be replaced \(delete before create/] },
  },
  simulate: {
    env: (pace) => ({ HYPERPLAN_SIM_DELAYS: pace }),
    firstLine: /^Reading Gandi hosting simulator http:\/\/127\.0\.0\.1:\d+\/hosting\/ \(embedded; world in \.hyperplan\/simulator-gandi\.json\)$/,
  },
  async startHere(options) {
    const sim = await startGandiSimulator({
      port: 0,
      delays: options.slowVmDeletes ? SLOW_DELETES : options.pace,
      faults: faults(options),
      ...(options.stateFile ? { stateFile: options.stateFile } : {}),
    });
    return cloud(sim.url, () => sim.close());
  },
  async startProcess(options) {
    const delays = options.slowVmDeletes ? JSON.stringify(SLOW_DELETES) : options.pace;
    const argv = ["gandi", "--port", "0", "--delays", delays, "--state", options.stateFile, ...faults(options).flatMap((f) => ["--fault", JSON.stringify(f)])];
    const sim = await simulatorProcess(argv, /(http:\/\/\S+\/hosting\/)/);
    return cloud(sim.url, sim.stop);
  },
  drifts,
  lockNamesHolder: false,
  destroyKill: { what: "while its VMs were stopping", when: (e) => e.type === "change-progress" && typeof e.state === "string" && e.state.startsWith("vm_stop") },
};
