/**
 * The simulated hosting account's whole state: the account, its products, the OS images, VMs,
 * disks, operations and sessions, the clock, the seeded PRNG and the time-ordered queue of pending
 * operation steps. Steps are applied lazily: `advance()` runs every step due at the clock's time,
 * in time order, before a call is served, so tests drive it with a fake clock and a state file
 * written mid-operation resumes the operation when loaded.
 */
import { SeededRandom } from "../kit/random.js";
import { checkSnapshotHeader } from "../kit/snapshot.js";
import { TimedQueue } from "../kit/timed-queue.js";
import type { Clock, CommonWorldOptions } from "../kit/world-options.js";
import { resolveDelays, type DelayOverrides, type DelayPreset, type SimDelays } from "./delays.js";
import { FaultInjector, type FaultRule } from "./faults.js";

export type { Clock };

export type WorldOptions = CommonWorldOptions<DelayPreset | DelayOverrides, FaultRule>;

/** Operation states (seed 001, operation_list); ALL is a filter value only. */
export type OperationState = "PENDING" | "RUN" | "DONE" | "ERROR" | "CANCEL";

export type ParamValue = string | number | boolean;

export interface Operation {
  uid: number;
  type: string;
  state: OperationState;
  /** ms of world time, whole seconds. */
  created: number;
  updated: number;
  /** Always `param_type` (vm | disk | product) and the object's id (seed 001, operation_details). */
  param: Record<string, ParamValue>;
  /** Set when the operation is in ERROR (seed 001). */
  comment?: string;
  /** Decided when the operation is created: it ends in ERROR with this comment (fault injection). */
  failWith: string | null;
  /** How long it runs once out of the queue, drawn when it is created. */
  runMs: number;
  /** Money taken when the call was accepted, given back on ERROR or CANCEL (cents). */
  chargedCents: number;
  refunded: boolean;
}

export type VmState = "being_created" | "running" | "halted" | "invalid";

export interface Vm {
  id: number;
  hostname: string;
  os_id: number;
  shares: number;
  cpu: number;
  vm_max_memory: number;
  state: VmState;
  login: string;
  date_created: number;
  boot_disk_id: number;
  /** A vm_update not yet done: its specs (counted against the free shares from the call on). */
  pending?: { shares?: number; cpu?: number; vm_max_memory?: number; op: number };
}

export type DiskState = "being_created" | "created" | "invalid";

export interface Disk {
  id: number;
  name: string;
  /** MB (seed 001, disk_create). */
  size: number;
  fstype: string;
  /** 0 when attached to no VM. */
  vm_id: number;
  state: DiskState;
  is_boot_disk: boolean;
  date_created: number;
}

export type ProductName = "shares" | "shares_fixed" | "disk";
export type ProductState = "being_created" | "active" | "invalid";

export interface Product {
  id: number;
  product_name: ProductName;
  quantity: number;
  duration: string;
  date_created: number;
  date_end: number;
  state: ProductState;
  /** A hosting_account_product_update or _remove (0) not yet done. */
  pending_quantity?: number;
}

export interface Os {
  id: number;
  name: string;
  version: string;
  label: string;
  arch: string;
  /** Size of the system disk a VM made from it gets, MB. */
  size: number;
}

export interface Account {
  handle: string;
  password: string;
  currency: string;
  balanceCents: number;
}

export type Step = { kind: "run"; op: number } | { kind: "end"; op: number };

export interface QueuedStep {
  at: number;
  seq: number;
  step: Step;
}

export const SNAPSHOT_FORMAT = "hyperplan-sim-gandi";
export const SNAPSHOT_VERSION = 1;

export interface WorldSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  time: number;
  random: number;
  seq: number;
  nextIds: World["nextIds"];
  account: Account;
  products: Product[];
  os: Os[];
  vms: Vm[];
  disks: Disk[];
  operations: Operation[];
  sessions: Array<{ id: string; expires: number }>;
  queue: QueuedStep[];
}

/** The OS images os_list offers (seed 001 samples use os_id 111). */
export const SEED_OS: readonly Os[] = [
  { id: 111, name: "Debian", version: "12", label: "Debian 12 (bookworm) 64 bits", arch: "x86_64", size: 3072 },
  { id: 112, name: "Ubuntu", version: "24.04", label: "Ubuntu 24.04 LTS 64 bits", arch: "x86_64", size: 4096 },
  { id: 113, name: "Rocky Linux", version: "9", label: "Rocky Linux 9 64 bits", arch: "x86_64", size: 4096 },
];

const DAY_MS = 86_400_000;

export class World {
  readonly delays: SimDelays;
  readonly random: SeededRandom;
  readonly faults: FaultInjector;
  readonly clock: Clock;

  account: Account;
  readonly products = new Map<number, Product>();
  os: Os[] = SEED_OS.map((o) => ({ ...o }));
  readonly vms = new Map<number, Vm>();
  readonly disks = new Map<number, Disk>();
  readonly operations = new Map<number, Operation>();
  /** Session id → expiry (world ms). */
  readonly sessions = new Map<string, number>();
  nextIds = { vm: 9000, disk: 19000, operation: 120000, product: 1000 };
  /** Bumped on every change, so the state file is written only when something changed. */
  mutations = 0;
  /** Runs a due step; set by the code that knows what a step means (operations.ts). */
  stepHandler: (step: Step) => void = () => undefined;

  private readonly queue = new TimedQueue<QueuedStep>();
  private seq = 0;
  private time: number;
  private clockOffset = 0;
  private advancing = false;

  constructor(options: WorldOptions = {}, handle = "AA1234-GANDI", password = "gandi") {
    this.delays = resolveDelays(options.delays);
    this.random = new SeededRandom(options.seed ?? 1);
    this.clock = options.clock ?? { now: () => Date.now() };
    this.faults = new FaultInjector(() => this.random, options.faults ?? []);
    this.time = this.clock.now();
    this.account = { handle, password, currency: "EUR", balanceCents: 50_000 };
    // The account starts with 4 flexible shares bought for a year (seed 001's user case begins by buying shares).
    const now = this.wholeSeconds(this.time);
    this.products.set(this.nextIds.product, { id: this.nextIds.product++, product_name: "shares", quantity: 4, duration: "1y", date_created: now, date_end: now + 360 * DAY_MS, state: "active" });
  }

  // ---------------------------------------------------------------- time and steps

  nowMs(): number {
    return this.time;
  }

  /** The time operations carry: whole seconds (dateTime.iso8601 has none finer). */
  stamp(): number {
    return this.wholeSeconds(this.time);
  }

  wholeSeconds(ms: number): number {
    return ms - (((ms % 1000) + 1000) % 1000);
  }

  clockNow(): number {
    return this.clock.now() + this.clockOffset;
  }

  schedule(step: Step, delayMs: number): void {
    this.queue.push({ at: this.time + Math.max(0, delayMs), seq: this.seq++, step });
    this.changed();
  }

  nextDueAt(): number | undefined {
    return this.queue.peek()?.at;
  }

  /** Applies every step due up to `now`, in time order. */
  advance(now: number = this.clockNow()): void {
    if (this.advancing) return;
    this.advancing = true;
    try {
      for (;;) {
        const next = this.queue.peek();
        if (!next || next.at > now) break;
        this.queue.pop();
        if (next.at > this.time) this.time = next.at;
        this.stepHandler(next.step);
        this.changed();
      }
      if (now > this.time) this.time = now;
    } finally {
      this.advancing = false;
    }
  }

  /** A duration of `base` ms with the preset's seeded jitter. */
  duration(base: number): number {
    if (base <= 0) return 0;
    const jitter = this.delays.jitter;
    return Math.round(base * (1 - jitter + 2 * jitter * this.random.next()));
  }

  changed(): void {
    this.mutations++;
  }

  // ---------------------------------------------------------------- ids

  nextId(kind: keyof World["nextIds"]): number {
    return this.nextIds[kind]++;
  }

  /** A session id: 32 hex digits from the seeded PRNG. */
  newSessionId(): string {
    return this.random.uuid().replace(/-/g, "");
  }

  // ---------------------------------------------------------------- snapshot

  snapshot(): WorldSnapshot {
    return {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      time: this.time,
      random: this.random.seed,
      seq: this.seq,
      nextIds: { ...this.nextIds },
      account: { ...this.account },
      products: [...this.products.values()].map((p) => ({ ...p })),
      os: this.os.map((o) => ({ ...o })),
      vms: [...this.vms.values()].map((v) => ({ ...v, ...(v.pending ? { pending: { ...v.pending } } : {}) })),
      disks: [...this.disks.values()].map((d) => ({ ...d })),
      operations: [...this.operations.values()].map((o) => ({ ...o, param: { ...o.param } })),
      sessions: [...this.sessions.entries()].map(([id, expires]) => ({ id, expires })),
      queue: this.queue.toArray().map((q) => ({ ...q, step: { ...q.step } })),
    };
  }

  static fromSnapshot(snapshot: WorldSnapshot, options: WorldOptions = {}): World {
    checkSnapshotHeader(snapshot, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, "Gandi");
    const world = new World({ ...options, ...(options.seed === undefined ? {} : { seed: options.seed }) });
    world.random.seed = snapshot.random;
    world.time = snapshot.time;
    world.clockOffset = Math.max(0, snapshot.time - world.clock.now());
    world.seq = snapshot.seq;
    world.nextIds = { ...snapshot.nextIds };
    world.account = { ...snapshot.account };
    world.products.clear();
    for (const p of snapshot.products) world.products.set(p.id, { ...p });
    world.os = snapshot.os.map((o) => ({ ...o }));
    for (const v of snapshot.vms) world.vms.set(v.id, { ...v });
    for (const d of snapshot.disks) world.disks.set(d.id, { ...d });
    for (const o of snapshot.operations) world.operations.set(o.uid, { ...o, param: { ...o.param } });
    for (const s of snapshot.sessions) world.sessions.set(s.id, s.expires);
    for (const q of snapshot.queue) world.queue.push({ ...q, step: { ...q.step } });
    return world;
  }
}
