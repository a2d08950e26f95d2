/**
 * The OpenVZ Web Panel for the end-to-end scenarios: the stack of `examples/stacks/openvz-ci.ts`
 * (three build containers), its simulator in the test's process or as `hyperplan sim openvz`, and a
 * hand on the panel's HTTP API made of `fetch` with Basic auth and a reading of its XML by pattern,
 * sharing nothing with hyperplan's OpenVZ client.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startOpenVzSimulator, type FaultRule } from "../../../src/sim/openvz/index";
import type { BackendFixture, CloudHand, CloudOptions, Drift, ForeignObject, RunningCloud, StackEdit } from "./fixture";
import { simulatorProcess } from "./harness";

const LAB = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "examples", "stacks", "openvz-ci.ts");
const STACK = "openvz-ci";
const AUTH = `Basic ${Buffer.from("admin:admin").toString("base64")}`;

/** One container as the panel lists it: the fields the scenarios look at. */
interface Row {
  id: number;
  hostName: string;
  description: string;
  osTemplate: string;
  serverTemplate: string;
}

function field(xml: string, name: string): string {
  const m = new RegExp(`<${name}(?: [^>]*)?>([^<]*)</${name}>`).exec(xml);
  return m ? m[1]! : "";
}

/** The panel's API by hand. */
class PanelHand implements CloudHand {
  constructor(private readonly url: string) {}

  async call(path: string, params: Record<string, string | number> = {}): Promise<string> {
    const body = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
    const response = await fetch(`${this.url}api/${path}`, { method: "POST", headers: { Authorization: AUTH, "Content-Type": "application/x-www-form-urlencoded" }, body });
    const text = await response.text();
    if (response.status !== 200 || text.includes("<error>") || text.includes('<status type="boolean">false</status>')) throw new Error(`${path}: HTTP ${response.status} ${text}`);
    return text;
  }

  async rows(): Promise<Row[]> {
    const out: Row[] = [];
    for (const hw of [1, 2]) {
      const xml = await this.call("hardware_servers/virtual_servers", { id: hw });
      for (const chunk of xml.split("<virtual_server>").slice(1)) out.push({
          id: Number(field(chunk, "id")),
          hostName: field(chunk, "host_name"),
          description: field(chunk, "description"),
          osTemplate: field(chunk, "orig_os_template"),
          serverTemplate: field(chunk, "orig_server_template"),
        });
    }
    return out;
  }

  private async marked(): Promise<(Row & { address: string })[]> {
    // The mark the README documents: "hyperplan <stack> <path below the stack>".
    const prefix = `hyperplan ${STACK} `;
    return (await this.rows()).filter((r) => r.description.startsWith(prefix)).map((r) => ({ ...r, address: `${STACK}/${r.description.slice(prefix.length).split(" ").join("/")}` }));
  }

  private async named(): Promise<{ id: number; address: string }[]> {
    return (await this.marked()).map((r) => ({ id: r.id, address: r.address }));
  }

  /** The stack's containers, and while it has any, the panel objects they use (declared in the lab under their own names). */
  async owned(): Promise<string[]> {
    const rows = await this.marked();
    const used = new Set(rows.flatMap((r) => [`${STACK}/${r.osTemplate}`, `${STACK}/${r.serverTemplate}`, `${STACK}/venet`]));
    return [...rows.map((r) => r.address), ...used].sort();
  }

  async idOf(address: string): Promise<number> {
    const matches = (await this.named()).filter((o) => o.address === address);
    if (matches.length !== 1) throw new Error(`${matches.length} containers carry the address ${address}`);
    return matches[0]!.id;
  }

  async makeForeign(): Promise<ForeignObject> {
    // A container named like one of the stack's (build-2), without the stack's mark.
    const answer = await this.call("virtual_servers/create", { hardware_server_id: 1, host_name: "build-2", orig_os_template: "debian-11-x86_64", orig_server_template: "vps.basic", description: "made by hand" });
    const id = field(answer, "id");
    return { label: `container ${id} "build-2"`, id };
  }

  /** As a person editing the container in the panel would: another description, the rest left as it is. */
  async untag(address: string): Promise<void> {
    await this.call("virtual_servers/update", { id: await this.idOf(address), description: "build server" });
  }

  async exists(foreign: ForeignObject): Promise<boolean> {
    try {
      const xml = await this.call("virtual_servers/get", { id: foreign.id });
      return field(xml, "host_name") === "build-2" && field(xml, "description") === "made by hand";
    } catch {
      return false;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Edits of examples/stacks/openvz-ci.ts

function replaceOnce(source: string, from: string, to: string): string {
  if (!source.includes(from)) throw new Error(`the stack's source no longer contains ${JSON.stringify(from)}`);
  return source.replace(from, to);
}

const edits: Record<string, StackEdit> = {
  memoryChanged: {
    what: "every container's memory 1024 → 2048 MiB",
    edit: (source) => replaceOnce(source, "memory: 1024,", "memory: 2048,"),
    plan: { create: 0, update: 3, replace: 0, delete: 0 },
    says: ["~ memory: 1024 → 2048 [update]"],
  },
  nicAdded: {
    what: "a second, fixed address for build-2",
    edit: (source) => replaceOnce(source, "    nics: [{ network: venet }],\n", `    nics: i === 2 ? [{ network: venet }, { network: venet, ip: "10.10.1.200" }] : [{ network: venet }],\n`),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: ["10.10.1.200", "[update]"],
  },
  replaceForced: {
    what: "build-2 moved to the other hardware server",
    edit: (source) =>
      replaceOnce(source, `raw: { openvz: { cpuUnits: 1000,`, `raw: { openvz: { ...(i === 2 ? { hardwareServer: "node2.lan" } : {}), cpuUnits: 1000,`),
    plan: { create: 0, update: 0, replace: 1, delete: 0 },
    says: ["-/+ openvz-ci/build-2 (VirtualMachine)", "a container stays on its hardware server"],
  },
  vmRemoved: {
    what: "build-3 no longer declared",
    edit: (source) => replaceOnce(source, `process.env.OPENVZ_BUILDERS ?? "3"`, `process.env.OPENVZ_BUILDERS ?? "2"`),
    plan: { create: 0, update: 0, replace: 0, delete: 1 },
    says: ["- openvz-ci/build-3 (VirtualMachine)"],
    removes: ["openvz-ci/build-3"],
  },
};

// ---------------------------------------------------------------------------------------------
// Drift by hand

const onHand = (make: (hand: PanelHand) => Promise<void>) => (hand: CloudHand) => make(hand as PanelHand);

const drifts: Record<string, Drift> = {
  vmRenamed: {
    what: "build-2's host name changed",
    make: onHand(async (p) => void (await p.call("virtual_servers/update", { id: await p.idOf("openvz-ci/build-2"), host_name: "renamed" }))),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: [`~ name: "renamed" → "build-2" [update]`],
  },
  memoryChanged: {
    what: "build-2's memory lowered",
    make: onHand(async (p) => void (await p.call("virtual_servers/update", { id: await p.idOf("openvz-ci/build-2"), memory: 512 }))),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: ["~ memory: 512 → 1024 [update]"],
  },
  poweredOff: {
    what: "build-2 stopped",
    make: onHand(async (p) => void (await p.call("virtual_servers/stop", { id: await p.idOf("openvz-ci/build-2") }))),
    plan: { create: 0, update: 1, replace: 0, delete: 0 },
    says: [`~ powerState: "poweroff" → "running" [start]`],
  },
  vmDestroyed: {
    what: "build-2 deleted",
    make: onHand(async (p) => void (await p.call("virtual_servers/delete", { id: await p.idOf("openvz-ci/build-2") }))),
    plan: { create: 1, update: 0, replace: 0, delete: 0 },
    says: ["+ openvz-ci/build-2 (VirtualMachine) declared, no live object: created through virtual_servers/create"],
  },
};

// ---------------------------------------------------------------------------------------------
// The simulator

function faults(options: CloudOptions): FaultRule[] {
  return options.slowVmReads ? [{ type: "delay", method: "hardware_servers/virtual_servers", ms: 150 }] : [];
}

/** Deleting a container takes 3 s. */
const SLOW_DELETES = { delete: 3000 };

function cloud(url: string, stop: () => Promise<void>): RunningCloud {
  return { env: { OWP_URL: url, OWP_USER: "admin", OWP_PASSWORD: "admin", NO_COLOR: "1" }, hand: new PanelHand(url), stop };
}

export const openVzFixture: BackendFixture = {
  name: "openvz",
  title: "OpenVZ Web Panel",
  lab: {
    stack: STACK,
    source: () => readFileSync(LAB, "utf8"),
    addresses: ["openvz-ci/build-1", "openvz-ci/build-2", "openvz-ci/build-3", "openvz-ci/debian-11-x86_64", "openvz-ci/venet", "openvz-ci/vps.basic"],
    vms: ["openvz-ci/build-1", "openvz-ci/build-2", "openvz-ci/build-3"],
    importVm: {
      address: "openvz-ci/build-2",
      declare: (source, id) => replaceOnce(source, "    context: { password: rootPassword },\n", `    context: { password: rootPassword },\n    ...(i === 2 ? { importId: "${id}" } : {}),\n`),
      missingId: "4242",
    },
    dependencies: [
      ["openvz-ci/debian-11-x86_64", "openvz-ci/build-1"],
      ["openvz-ci/vps.basic", "openvz-ci/build-2"],
    ],
    output: { name: "build-1-ip", value: /^10\.10\.1\.\d+$/ },
    edits,
    forcedReplace: { address: "openvz-ci/build-2", says: [/-\/\+ openvz-ci\/build-2 \(VirtualMachine\) id=\d+ must be replaced \(delete before create/] },
  },
  simulate: {
    env: (pace) => ({ HYPERPLAN_SIM_DELAYS: pace }),
    firstLine: /^Reading OpenVZ Web Panel simulator http:\/\/127\.0\.0\.1:\d+\/ \(embedded; world in \.hyperplan\/simulator-openvz\.json\)$/,
  },
  async startHere(options) {
    const sim = await startOpenVzSimulator({
      port: 0,
      delays: options.slowVmDeletes ? SLOW_DELETES : options.pace,
      faults: faults(options),
      ...(options.stateFile ? { stateFile: options.stateFile } : {}),
    });
    return cloud(sim.url, () => sim.close());
  },
  async startProcess(options) {
    const delays = options.slowVmDeletes ? JSON.stringify(SLOW_DELETES) : options.pace;
    const argv = ["openvz", "--port", "0", "--delays", delays, "--state", options.stateFile, ...faults(options).flatMap((f) => ["--fault", JSON.stringify(f)])];
    const sim = await simulatorProcess(argv, /^(http:\/\/\S+\/)$/m);
    return cloud(sim.url, sim.stop);
  },
  drifts,
  lockNamesHolder: true,
  destroyKill: { what: "while its containers were being deleted", when: (e) => e.type === "change-progress" && typeof e.state === "string" && e.state.startsWith("virtual_servers/delete") },
};
