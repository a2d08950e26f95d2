/**
 * The simulated panel's whole state: its database (hardware servers, OS and server templates, IP
 * pools, virtual servers, background jobs) and what its hardware servers hold about each container
 * (running or not, the root password's digest), the seeded PRNG, the delays, the fault rules, and
 * one vzctl at a time per hardware server. A fresh world is two hardware servers with templates,
 * pools and three containers that belong to no panel user (SPEC.md, "The world").
 */
import { createHash } from "node:crypto";
import { SeededRandom } from "../kit/random";
import { checkSnapshotHeader } from "../kit/snapshot";
import type { Clock, CommonWorldOptions } from "../kit/world-options";
import { resolveDelays, type DelayOverrides, type DelayPreset, type SimDelays } from "./delays";
import { FaultInjector, type FaultRule } from "./faults";
import type { HardwareServer, IpPool, OsTemplate, ServerTemplate, Task, TemplateLimits, VirtualServer } from "./records";

/** The kit's clock, with an optional `sleep` the simulator waits on instead of real timers (for tests with fake time). */
export interface OpenVzClock extends Clock {
  sleep?(ms: number): Promise<void>;
}

export interface WorldOptions extends CommonWorldOptions<DelayPreset | DelayOverrides, FaultRule> {
  clock?: OpenVzClock;
}

export const SNAPSHOT_FORMAT = "hyperplan-sim-openvz";
export const SNAPSHOT_VERSION = 1;

export interface WorldSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  random: number;
  nextIds: World["nextIds"];
  hardwareServers: HardwareServer[];
  osTemplates: OsTemplate[];
  serverTemplates: ServerTemplate[];
  ipPools: IpPool[];
  virtualServers: VirtualServer[];
  tasks: Task[];
}

/** One vzctl command a hardware server ran (or failed), for tests; passwords masked. */
export interface VzctlLogEntry {
  hardwareServerId: number;
  command: string;
  exitCode: number;
  at: number;
}

const BASIC: TemplateLimits = { nameserver: "8.8.8.8", search_domain: "lan", start_on_boot: true, diskspace: 10240, memory: 512, vswap: 0, cpu_units: 1000, cpus: 1, cpu_limit: null };
const LARGE: TemplateLimits = { nameserver: "8.8.8.8 8.8.4.4", search_domain: "lan", start_on_boot: true, diskspace: 51200, memory: 2048, vswap: 1024, cpu_units: 2000, cpus: 4, cpu_limit: 200 };

/** The fresh world's rows (SPEC.md, "The world"). */
function seedRows(): Omit<WorldSnapshot, "format" | "version" | "random"> {
  return {
    nextIds: { virtualServer: 4, task: 3 },
    hardwareServers: [
      { id: 1, host: "node1.lan", description: "", daemon_port: 7767, default_os_template: "centos-7-x86_64", default_server_template: "vps.basic", use_ssl: false, vswap: true },
      { id: 2, host: "node2.lan", description: "second rack", daemon_port: 7767, default_os_template: "debian-11-x86_64", default_server_template: "vps.basic", use_ssl: true, vswap: false },
    ],
    osTemplates: [
      { id: 1, hardware_server_id: 1, name: "centos-7-x86_64", size: 214 },
      { id: 2, hardware_server_id: 1, name: "debian-11-x86_64", size: 131 },
      { id: 3, hardware_server_id: 1, name: "ubuntu-22.04-x86_64", size: 156 },
      { id: 4, hardware_server_id: 2, name: "debian-11-x86_64", size: 131 },
      { id: 5, hardware_server_id: 2, name: "debian-12-x86_64", size: 142 },
      { id: 6, hardware_server_id: 2, name: "ubuntu-22.04-x86_64", size: 156 },
    ],
    serverTemplates: [
      { id: 1, hardware_server_id: 1, name: "vps.basic", limits: { ...BASIC } },
      { id: 2, hardware_server_id: 1, name: "vps.large", limits: { ...LARGE } },
      { id: 3, hardware_server_id: 2, name: "vps.basic", limits: { ...BASIC } },
      { id: 4, hardware_server_id: 2, name: "vps.large", limits: { ...LARGE } },
    ],
    ipPools: [
      { id: 1, first_ip: "10.10.1.10", last_ip: "10.10.1.250", hardware_server_id: 1 },
      { id: 2, first_ip: "10.10.2.10", last_ip: "10.10.2.250", hardware_server_id: 2 },
    ],
    virtualServers: [
      {
        id: 1, identity: 101, hardware_server_id: 1, host_name: "mail.example.lan", ip_address: "10.10.1.10", state: "running",
        orig_os_template: "centos-7-x86_64", orig_server_template: "vps.basic", nameserver: "8.8.8.8", search_domain: "lan",
        diskspace: 10240, memory: 512, vswap: 0, cpu_units: 1000, cpus: 1, cpu_limit: null, start_on_boot: true, user_id: 0,
        description: "mail relay", expiration_date: null, daily_backup: true, running: true, rootPasswordDigest: null,
      },
      {
        id: 2, identity: 102, hardware_server_id: 1, host_name: "db.example.lan", ip_address: "10.10.1.11 10.10.1.12", state: "stopped",
        orig_os_template: "debian-11-x86_64", orig_server_template: "vps.large", nameserver: "8.8.8.8 8.8.4.4", search_domain: "lan",
        diskspace: 51200, memory: 2048, vswap: 1024, cpu_units: 2000, cpus: 4, cpu_limit: 200, start_on_boot: false, user_id: 0,
        description: null, expiration_date: "2030-12-31", daily_backup: false, running: false, rootPasswordDigest: null,
      },
      {
        id: 3, identity: 101, hardware_server_id: 2, host_name: "ldap.lan", ip_address: "10.10.2.10", state: "running",
        orig_os_template: "ubuntu-22.04-x86_64", orig_server_template: "vps.basic", nameserver: "10.10.2.1", search_domain: null,
        diskspace: 2000, memory: 272, vswap: 0, cpu_units: 1000, cpus: null, cpu_limit: null, start_on_boot: true, user_id: 0,
        description: "", expiration_date: null, daily_backup: false, running: true, rootPasswordDigest: null,
      },
    ],
    tasks: [
      { id: 1, description: "os_templates.install", status: 0, t_description: "OS templates installation on the server node1.lan." },
      { id: 2, description: "os_templates.install", status: 0, t_description: "OS templates installation on the server node2.lan." },
    ],
  };
}

export class World {
  readonly delays: SimDelays;
  readonly random: SeededRandom;
  readonly faults: FaultInjector;
  readonly clock: OpenVzClock;

  readonly hardwareServers = new Map<number, HardwareServer>();
  osTemplates: OsTemplate[] = [];
  serverTemplates: ServerTemplate[] = [];
  ipPools: IpPool[] = [];
  readonly virtualServers = new Map<number, VirtualServer>();
  tasks: Task[] = [];
  nextIds = { virtualServer: 4, task: 3 };
  /** Bumped on every change, so the state file is written only when something changed. */
  mutations = 0;
  /** The vzctl commands run, oldest first, the last 500 (not saved). */
  readonly vzctlLog: VzctlLogEntry[] = [];

  /** The tail of each hardware server's vzctl queue: one vzctl at a time per hardware server. */
  private readonly vzctlQueues = new Map<number, Promise<unknown>>();

  constructor(options: WorldOptions = {}) {
    this.delays = resolveDelays(options.delays);
    this.random = new SeededRandom(options.seed ?? 1);
    this.clock = options.clock ?? { now: () => Date.now() };
    this.faults = new FaultInjector(() => this.random, options.faults ?? []);
    this.load(seedRows());
  }

  private load(rows: Omit<WorldSnapshot, "format" | "version" | "random">): void {
    this.nextIds = { ...rows.nextIds };
    this.hardwareServers.clear();
    for (const hw of rows.hardwareServers) this.hardwareServers.set(hw.id, { ...hw });
    this.osTemplates = rows.osTemplates.map((t) => ({ ...t }));
    this.serverTemplates = rows.serverTemplates.map((t) => ({ ...t, limits: { ...t.limits } }));
    this.ipPools = rows.ipPools.map((p) => ({ ...p }));
    this.virtualServers.clear();
    for (const vs of rows.virtualServers) this.virtualServers.set(vs.id, { ...vs });
    this.tasks = rows.tasks.map((t) => ({ ...t }));
  }

  changed(): void {
    this.mutations++;
  }

  // ---------------------------------------------------------------- lookups

  hardwareServer(id: number | null | undefined): HardwareServer | undefined {
    return id === null || id === undefined ? undefined : this.hardwareServers.get(id);
  }

  /** Virtual servers in id order. */
  virtualServerList(): VirtualServer[] {
    return [...this.virtualServers.values()].sort((a, b) => a.id - b.id);
  }

  osTemplatesOf(hardwareServerId: number): OsTemplate[] {
    return this.osTemplates.filter((t) => t.hardware_server_id === hardwareServerId).sort((a, b) => a.id - b.id);
  }

  serverTemplatesOf(hardwareServerId: number): ServerTemplate[] {
    return this.serverTemplates.filter((t) => t.hardware_server_id === hardwareServerId).sort((a, b) => a.id - b.id);
  }

  nextVirtualServerId(): number {
    return this.nextIds.virtualServer++;
  }

  // ---------------------------------------------------------------- time

  /** A duration of `base` ms with the preset's seeded jitter. */
  duration(base: number): number {
    if (base <= 0) return 0;
    const jitter = this.delays.jitter;
    return Math.round(base * (1 - jitter + 2 * jitter * this.random.next()));
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    if (this.clock.sleep) return this.clock.sleep(ms);
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /**
   * Runs `work` when the hardware server's earlier vzctl work is done: the daemon runs one vzctl at
   * a time, so a second create on a node waits for the first; other nodes and reads do not wait.
   */
  exclusive<T>(hardwareServerId: number, work: () => Promise<T>): Promise<T> {
    const before = this.vzctlQueues.get(hardwareServerId) ?? Promise.resolve();
    const run = before.then(work, work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.vzctlQueues.set(hardwareServerId, tail);
    void tail.then(() => {
      if (this.vzctlQueues.get(hardwareServerId) === tail) this.vzctlQueues.delete(hardwareServerId);
    });
    return run;
  }

  logVzctl(hardwareServerId: number, command: string, exitCode: number): void {
    this.vzctlLog.push({ hardwareServerId, command, exitCode, at: this.clock.now() });
    if (this.vzctlLog.length > 500) this.vzctlLog.splice(0, this.vzctlLog.length - 500);
  }

  // ---------------------------------------------------------------- root passwords

  /** A salted digest of a root password: what the world keeps instead of the password. */
  passwordDigest(password: string): string {
    const salt = this.random.uuid().replace(/-/g, "").slice(0, 16);
    return `sha256$${salt}$${createHash("sha256").update(`${salt}${password}`).digest("hex")}`;
  }

  /** Whether `password` is the root password last set on virtual server `id`. */
  rootPasswordIs(id: number, password: string): boolean {
    const digest = this.virtualServers.get(id)?.rootPasswordDigest;
    if (!digest) return false;
    const [, salt, hex] = digest.split("$");
    return createHash("sha256").update(`${salt}${password}`).digest("hex") === hex;
  }

  // ---------------------------------------------------------------- snapshot

  snapshot(): WorldSnapshot {
    return {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      random: this.random.seed,
      nextIds: { ...this.nextIds },
      hardwareServers: [...this.hardwareServers.values()].map((h) => ({ ...h })),
      osTemplates: this.osTemplates.map((t) => ({ ...t })),
      serverTemplates: this.serverTemplates.map((t) => ({ ...t, limits: { ...t.limits } })),
      ipPools: this.ipPools.map((p) => ({ ...p })),
      virtualServers: this.virtualServerList().map((v) => ({ ...v })),
      tasks: this.tasks.map((t) => ({ ...t })),
    };
  }

  static fromSnapshot(snapshot: WorldSnapshot, options: WorldOptions = {}): World {
    checkSnapshotHeader(snapshot, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, "OpenVZ Web Panel");
    const world = new World(options);
    world.random.seed = snapshot.random;
    world.load(snapshot);
    return world;
  }
}
