/**
 * The simulated panel's whole state: its database (hardware servers, OS and server templates, IP
 * pools, virtual servers, background jobs) and what its hardware servers hold about each container
 * (running or not, the root password's digest), the seeded PRNG, the delays, the fault rules, and
 * one vzctl at a time per hardware server. A fresh world is two hardware servers with templates,
 * pools and three containers that belong to no panel user (SPEC.md, "The world"). Its users are
 * the accounts given at start (ids 1, 2, …, never saved) and those made through the API (saved,
 * ids after the accounts and after every earlier one), each password as a salted digest.
 */
import { createHash, randomBytes } from "node:crypto";
import { SeededRandom } from "../kit/random.js";
import { checkSnapshotHeader, SnapshotFormatError } from "../kit/snapshot.js";
import type { Clock, CommonWorldOptions } from "../kit/world-options.js";
import { resolveDelays, type DelayOverrides, type DelayPreset, type SimDelays } from "./delays.js";
import { FaultInjector, type FaultRule } from "./faults.js";
import { SUPERADMIN_ROLE_ID, VE_ADMIN_ROLE_ID, type HardwareServer, type IpPool, type OsTemplate, type ServerTemplate, type Task, type TemplateLimits, type User, type VirtualServer } from "./records.js";
import { rubyDowncase } from "./typecast.js";

/** The kit's clock, with an optional `sleep` the simulator waits on instead of real timers (for tests with fake time). */
export interface OpenVzClock extends Clock {
  sleep?(ms: number): Promise<void>;
}

export interface WorldOptions extends CommonWorldOptions<DelayPreset | DelayOverrides, FaultRule> {
  clock?: OpenVzClock;
}

export const SNAPSHOT_FORMAT = "hyperplan-sim-openvz";
/** Version 2 added the users made through the API (`users`, `nextIds.user`). */
export const SNAPSHOT_VERSION = 2;
/** The versions loaded: 1 (written before users were kept: none, ids from 1) and 2. */
export const READABLE_SNAPSHOT_VERSIONS: readonly number[] = [1, 2];

/** A user as the state file keeps it: the API-made ones only. */
export type StoredUser = Omit<User, "fromOptions">;

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
  users: StoredUser[];
}

/** What a version-1 state file lacks. */
type Rows = Omit<WorldSnapshot, "format" | "version" | "random" | "users" | "nextIds"> & {
  nextIds: Omit<World["nextIds"], "user"> & { user?: number };
  users?: StoredUser[];
};

/** An account given at start (`auth`, `users`): its id, login (lower-cased), password and role. */
export interface Account {
  id: number;
  login: string;
  password: string;
  superadmin: boolean;
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
function seedRows(): Rows {
  return {
    nextIds: { virtualServer: 4, task: 3, user: 1 },
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
    users: [],
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
  /** Every user by id: the accounts given at start and those made through the API. */
  readonly users = new Map<number, User>();
  /** `user`: the id after the last API-made user's (ids never come back); the accounts given at start come first anyway. */
  nextIds = { virtualServer: 4, task: 3, user: 1 };
  /** How many accounts were given at start: ids 1..accountCount are theirs. */
  private accountCount = 0;
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

  private load(rows: Rows): void {
    this.nextIds = { user: 1, ...rows.nextIds };
    this.hardwareServers.clear();
    for (const hw of rows.hardwareServers) this.hardwareServers.set(hw.id, { ...hw });
    this.osTemplates = rows.osTemplates.map((t) => ({ ...t }));
    this.serverTemplates = rows.serverTemplates.map((t) => ({ ...t, limits: { ...t.limits } }));
    this.ipPools = rows.ipPools.map((p) => ({ ...p }));
    this.virtualServers.clear();
    for (const vs of rows.virtualServers) this.virtualServers.set(vs.id, { ...vs });
    this.tasks = rows.tasks.map((t) => ({ ...t }));
    this.users.clear();
    for (const u of rows.users ?? []) this.users.set(u.id, { ...u });
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

  // ---------------------------------------------------------------- users

  /** Users in id order (`User.all`). */
  userList(): User[] {
    return [...this.users.values()].sort((a, b) => a.id - b.id);
  }

  /** `find_by_login(login.downcase)`. */
  userByLogin(login: string): User | undefined {
    const wanted = rubyDowncase(login);
    return this.userList().find((u) => u.login === wanted);
  }

  /** An API-made user's id: after the accounts given at start and after every earlier API-made user, deleted ones too. */
  nextUserId(): number {
    const id = Math.max(this.nextIds.user, this.accountCount + 1);
    this.nextIds.user = id + 1;
    return id;
  }

  /** The world clock's time as a datetime column holds it: `YYYY-MM-DDTHH:MM:SSZ`. */
  timestamp(): string {
    return new Date(this.clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
  }

  /**
   * Adds the accounts given at start (ids 1, 2, …; superadmin role 1, the others role 2), each
   * password as a digest salted outside the seeded sequence (so the accounts given change no seeded
   * choice). Throws when a user kept in the state file has one of their ids or logins.
   */
  addAccounts(accounts: readonly Account[]): void {
    for (const account of accounts) {
      const stored = this.users.get(account.id);
      if (stored) throw new Error(`its user ${stored.id} ("${stored.login ?? ""}") has an id the accounts given at start take (1..${accounts.length}); give fewer accounts or another state file`);
      const sameLogin = this.userByLogin(account.login);
      if (sameLogin) throw new Error(`its user ${sameLogin.id} has the login "${account.login}" of an account given at start`);
    }
    const createdAt = this.timestamp();
    for (const account of accounts) {
      this.users.set(account.id, {
        id: account.id,
        login: rubyDowncase(account.login),
        contact_name: null,
        email: null,
        enabled: true,
        role_id: account.superadmin ? SUPERADMIN_ROLE_ID : VE_ADMIN_ROLE_ID,
        created_at: createdAt,
        passwordDigest: this.passwordDigest(account.password, randomBytes(8).toString("hex")),
        fromOptions: true,
      });
    }
    this.accountCount = Math.max(this.accountCount, accounts.length);
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

  // ---------------------------------------------------------------- passwords

  /**
   * A salted digest of a password (a container's root password, a user's): what the world keeps
   * instead of the password. The salt is drawn from the seeded sequence unless given.
   */
  passwordDigest(password: string, salt = this.random.uuid().replace(/-/g, "").slice(0, 16)): string {
    return `sha256$${salt}$${createHash("sha256").update(`${salt}${password}`).digest("hex")}`;
  }

  /** Whether `password` is the one `digest` was made of. */
  static digestMatches(digest: string | null | undefined, password: string): boolean {
    if (!digest) return false;
    const [, salt, hex] = digest.split("$");
    return createHash("sha256").update(`${salt}${password}`).digest("hex") === hex;
  }

  /** Whether `password` is the root password last set on virtual server `id`. */
  rootPasswordIs(id: number, password: string): boolean {
    return World.digestMatches(this.virtualServers.get(id)?.rootPasswordDigest, password);
  }

  /** Whether `password` is user `id`'s password (for tests). */
  userPasswordIs(id: number, password: string): boolean {
    return World.digestMatches(this.users.get(id)?.passwordDigest, password);
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
      // The accounts given at start come from each run's options, not from the file.
      users: this.userList()
        .filter((u) => !u.fromOptions)
        .map(({ fromOptions: _, ...u }) => u),
    };
  }

  /** Loads a snapshot of a version in READABLE_SNAPSHOT_VERSIONS (version 1: no users). */
  static fromSnapshot(snapshot: WorldSnapshot, options: WorldOptions = {}): World {
    const header = snapshot as { format?: unknown; version?: unknown } | null;
    const version = header?.version;
    const readable = typeof version === "number" && READABLE_SNAPSHOT_VERSIONS.includes(version);
    if (!readable && header?.format === SNAPSHOT_FORMAT) {
      throw new SnapshotFormatError(`simulator state version ${String(version)} is not supported (this simulator reads versions ${READABLE_SNAPSHOT_VERSIONS.join(" and ")})`);
    }
    checkSnapshotHeader(snapshot, SNAPSHOT_FORMAT, readable ? version : SNAPSHOT_VERSION, "OpenVZ Web Panel");
    const world = new World(options);
    world.random.seed = snapshot.random;
    world.load(snapshot);
    return world;
  }
}
