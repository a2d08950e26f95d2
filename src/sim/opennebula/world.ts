/**
 * The simulated cloud's whole state: one pool per kind, the clock, the seeded PRNG and the
 * time-ordered queue of pending transitions. Transitions are applied lazily: `advance()` runs
 * every step that is due at the clock's current time, in time order, before a call is served.
 * Tests therefore drive it with a fake clock and no timers, and a state file written mid-boot
 * resumes where it stopped when it is loaded again.
 */
import { bulkSeedVms, type SeedVmsOptions, type SeedVmsResult } from "./bulk-seed.js";
import { resolveDelays, type DelayOverrides, type DelayPreset, type SimDelays } from "./delays.js";
import { FaultInjector, type FaultRule } from "./faults.js";
import { imageStep } from "./image.js";
import { seedInfrastructure, type HostSpec } from "./infrastructure.js";
import { Pool, sortedInsert, sortedRemove } from "./pool.js";
import { SeededRandom } from "../kit/random.js";
import { checkSnapshotHeader, SnapshotFormatError } from "../kit/snapshot.js";
import { TimedQueue } from "../kit/timed-queue.js";
import type { Clock, CommonWorldOptions } from "../kit/world-options.js";
import type {
  ClusterRecord,
  DatastoreRecord,
  DocumentRecord,
  HostRecord,
  ImageRecord,
  SecGroupRecord,
  VmRecord,
  VmTemplateRecord,
  VnetRecord,
} from "./records.js";
import { seedDefaultSecurityGroup } from "./secgroup.js";
import { imageCopied, runScheduler, vmStep } from "./vm-lifecycle.js";
import { VmState } from "./vm-states.js";
import { vnetStep } from "./vnet.js";

export type { Clock };

export interface WorldOptions extends CommonWorldOptions<DelayPreset | DelayOverrides, FaultRule> {
  hosts?: HostSpec[];
  /** Name of the account the simulator authenticates (uid 0, group oneadmin). */
  userName?: string;
  /**
   * The database oned keeps its pools in. `sqlite` (oned's default) has no JSON search: a query in
   * the 5th parameter of one.vmpool.info/infoextended fails with INTERNAL. `mysql` answers it.
   */
  database?: "sqlite" | "mysql";
}

export type EventKind = "vm" | "image" | "vnet" | "sched";

export interface SimEvent {
  at: number;
  seq: number;
  kind: EventKind;
  id: number;
  op: number;
  step: string;
}

export const SNAPSHOT_FORMAT = "hyperplan-sim-opennebula";
export const SNAPSHOT_VERSION = 1;

interface PoolSnapshot<R> {
  nextId: number;
  records: R[];
}

export interface WorldSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  time: number;
  seq: number;
  random: number;
  userName: string;
  schedAt: number | null;
  queue: SimEvent[];
  pools: {
    vms: PoolSnapshot<VmRecord>;
    images: PoolSnapshot<ImageRecord>;
    vnets: PoolSnapshot<VnetRecord>;
    templates: PoolSnapshot<VmTemplateRecord>;
    secgroups: PoolSnapshot<SecGroupRecord>;
    /** Absent in files written before documents were simulated: read as an empty pool. */
    documents?: PoolSnapshot<DocumentRecord>;
    datastores: PoolSnapshot<DatastoreRecord>;
    hosts: PoolSnapshot<HostRecord>;
    clusters: PoolSnapshot<ClusterRecord>;
  };
}

export class World {
  readonly vms = new Pool<VmRecord>();
  readonly images = new Pool<ImageRecord>();
  readonly vnets = new Pool<VnetRecord>();
  readonly templates = new Pool<VmTemplateRecord>();
  readonly secgroups = new Pool<SecGroupRecord>();
  readonly documents = new Pool<DocumentRecord>();
  readonly datastores = new Pool<DatastoreRecord>();
  readonly hosts = new Pool<HostRecord>();
  readonly clusters = new Pool<ClusterRecord>();

  readonly delays: SimDelays;
  readonly random: SeededRandom;
  readonly faults: FaultInjector;
  readonly clock: Clock;
  readonly userName: string;
  readonly database: "sqlite" | "mysql";

  /** Ids of the VMs that are not DONE, ascending: the default pool listing pages over this. */
  readonly liveVmIds: number[] = [];
  /** VMs waiting for the scheduler. */
  readonly pendingVms = new Set<number>();

  private readonly queue = new TimedQueue<SimEvent>();
  private seq = 0;
  private time: number;
  /** Added to the clock after a reload whose saved time is ahead of the new clock. */
  private clockOffset = 0;
  private schedAt: number | null = null;
  private advancing = false;
  /** Bumped on every change, so the server saves the state file only when something changed. */
  mutations = 0;

  constructor(options: WorldOptions = {}, restoring = false) {
    this.delays = resolveDelays(options.delays);
    this.random = new SeededRandom(options.seed ?? 1);
    this.clock = options.clock ?? { now: () => Date.now() };
    this.faults = new FaultInjector(() => this.random, options.faults ?? []);
    this.userName = options.userName ?? "oneadmin";
    this.database = options.database ?? "sqlite";
    this.time = this.clock.now();
    if (!restoring) {
      seedInfrastructure(this, options.hosts);
      seedDefaultSecurityGroup(this);
    }
  }

  /** Current simulated time in ms (during a step: the time that step was due). */
  nowMs(): number {
    return this.time;
  }

  /** Current simulated time in seconds, as oned stores STIME, REGTIME, LAST_POLL. */
  nowSec(): number {
    return Math.floor(this.time / 1000);
  }

  /** The clock's time, as the world sees it. */
  clockNow(): number {
    return this.clock.now() + this.clockOffset;
  }

  changed(): void {
    this.mutations++;
  }

  /** Queues `step` of object `id` to run `delayMs` from now; `op` identifies the operation it belongs to. */
  schedule(kind: EventKind, id: number, op: number, step: string, delayMs: number): void {
    this.queue.push({ at: this.time + Math.max(0, delayMs), seq: this.seq++, kind, id, op, step });
  }

  /** Makes sure a scheduler cycle is queued: the next multiple of the scheduler period. */
  wakeScheduler(): void {
    if (this.pendingVms.size === 0) return;
    const period = this.delays.schedulerPeriodMs;
    const at = period > 0 ? (Math.floor(this.time / period) + 1) * period : this.time;
    if (this.schedAt !== null && this.schedAt <= at) return;
    this.schedAt = at;
    this.queue.push({ at, seq: this.seq++, kind: "sched", id: -1, op: 0, step: "cycle" });
  }

  /** Applies every transition due up to `now`, in time order. */
  advance(now: number = this.clockNow()): void {
    if (this.advancing) return;
    this.advancing = true;
    try {
      for (;;) {
        const next = this.queue.peek();
        if (!next || next.at > now) break;
        this.queue.pop();
        if (next.at > this.time) this.time = next.at;
        this.apply(next);
      }
      if (now > this.time) this.time = now;
    } finally {
      this.advancing = false;
    }
  }

  private apply(ev: SimEvent): void {
    switch (ev.kind) {
      case "vm":
        vmStep(this, ev);
        break;
      case "image": {
        const outcome = imageStep(this, ev);
        if (outcome) imageCopied(this, outcome.imageId, outcome.ready);
        break;
      }
      case "vnet":
        vnetStep(this, ev);
        break;
      case "sched":
        if (this.schedAt === ev.at) this.schedAt = null;
        runScheduler(this);
        break;
    }
  }

  /** Number of queued transitions (for tests). */
  get queuedSteps(): number {
    return this.queue.size;
  }

  // ---------------------------------------------------------------- VM indexes

  /** Keeps the live-VM and pending-VM indexes in step with a VM's state. */
  indexVm(vm: VmRecord): void {
    if (vm.state === VmState.DONE) sortedRemove(this.liveVmIds, vm.id);
    else sortedInsert(this.liveVmIds, vm.id);
    if (vm.state === VmState.PENDING) {
      this.pendingVms.add(vm.id);
      this.wakeScheduler();
    } else {
      this.pendingVms.delete(vm.id);
    }
  }

  forgetVm(id: number): void {
    sortedRemove(this.liveVmIds, id);
    this.pendingVms.delete(id);
  }

  // ---------------------------------------------------------------- users and groups

  /** The simulator knows the authenticated account (uid 0) and oned's bootstrap serveradmin (uid 1). */
  userNameOf(uid: number): string | undefined {
    if (uid === 0) return this.userName;
    if (uid === 1) return "serveradmin";
    return undefined;
  }

  groupNameOf(gid: number): string | undefined {
    if (gid === 0) return "oneadmin";
    if (gid === 1) return "users";
    return undefined;
  }

  // ---------------------------------------------------------------- bulk seeding

  /**
   * Creates `n` VMs at once in a stable state (RUNNING by default), with realistic 5–8 KB
   * bodies, bypassing the API and the scheduler's capacity checks. For benchmarks and scale tests.
   */
  seedVms(n: number, options: SeedVmsOptions = {}): SeedVmsResult {
    this.advance();
    const result = bulkSeedVms(this, n, options);
    this.changed();
    return result;
  }

  // ---------------------------------------------------------------- snapshots

  snapshot(): WorldSnapshot {
    const pool = <R extends { id: number }>(p: Pool<R & { uid: number; gid: number; name: string }>): PoolSnapshot<R> => ({
      nextId: p.nextId,
      records: [...p.values()],
    });
    return {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      time: this.time,
      seq: this.seq,
      random: this.random.seed,
      userName: this.userName,
      schedAt: this.schedAt,
      queue: this.queue.toArray(),
      pools: {
        vms: pool(this.vms),
        images: pool(this.images),
        vnets: pool(this.vnets),
        templates: pool(this.templates),
        secgroups: pool(this.secgroups),
        documents: pool(this.documents),
        datastores: pool(this.datastores),
        hosts: pool(this.hosts),
        clusters: pool(this.clusters),
      },
    };
  }

  /** Rebuilds a world from a snapshot; options supply what a snapshot does not hold (clock, delays, faults). */
  static fromSnapshot(snapshot: WorldSnapshot, options: WorldOptions = {}): World {
    checkSnapshot(snapshot);
    const world = new World({ ...options, userName: snapshot.userName }, true);
    world.random.seed = snapshot.random;
    world.seq = snapshot.seq;
    world.time = snapshot.time;
    const now = world.clock.now();
    if (now < snapshot.time) world.clockOffset = snapshot.time - now;
    const load = <R extends { id: number; uid: number; gid: number; name: string }>(pool: Pool<R>, data: PoolSnapshot<R>) => {
      for (const r of data.records) pool.insert(r);
      pool.nextId = Math.max(pool.nextId, data.nextId);
    };
    load(world.vms, snapshot.pools.vms);
    load(world.images, snapshot.pools.images);
    load(world.vnets, snapshot.pools.vnets);
    load(world.templates, snapshot.pools.templates);
    load(world.secgroups, snapshot.pools.secgroups);
    if (snapshot.pools.documents) load(world.documents, snapshot.pools.documents);
    load(world.datastores, snapshot.pools.datastores);
    load(world.hosts, snapshot.pools.hosts);
    load(world.clusters, snapshot.pools.clusters);
    for (const ev of snapshot.queue) world.queue.push(ev);
    world.schedAt = snapshot.schedAt;
    for (const vm of world.vms.values()) {
      if (vm.state !== VmState.DONE) world.liveVmIds.push(vm.id);
      if (vm.state === VmState.PENDING) world.pendingVms.add(vm.id);
    }
    if (world.pendingVms.size > 0 && world.schedAt === null) world.wakeScheduler();
    return world;
  }
}

function checkSnapshot(snapshot: WorldSnapshot): void {
  checkSnapshotHeader(snapshot, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, "OpenNebula");
  const pools = snapshot.pools as Record<string, unknown> | undefined;
  for (const name of ["vms", "images", "vnets", "templates", "secgroups", "datastores", "hosts", "clusters"]) {
    const p = pools?.[name] as { records?: unknown; nextId?: unknown } | undefined;
    if (!p || !Array.isArray(p.records) || typeof p.nextId !== "number") {
      throw new SnapshotFormatError(`simulator state is damaged: pool "${name}" is missing or malformed`);
    }
  }
  // The document pool came later in the same version: optional, but checked when present.
  const documents = pools?.documents as { records?: unknown; nextId?: unknown } | undefined;
  if (documents !== undefined && (!Array.isArray(documents.records) || typeof documents.nextId !== "number")) {
    throw new SnapshotFormatError('simulator state is damaged: pool "documents" is malformed');
  }
  if (!Array.isArray(snapshot.queue)) throw new SnapshotFormatError("simulator state is damaged: queue is missing");
}
