/**
 * The simulated pool's whole state: one table per class (records as xapi's database holds them),
 * the event generation counter and the log of changes event.from reads, the clock, the seeded
 * PRNG and the time-ordered queue of pending steps (a task's progress and end, a guest agent's
 * first report). Steps are applied lazily: `advance()` runs every step due at the clock's time,
 * in time order, before a call is served (and on the server's timer while someone waits), so tests
 * drive it with a fake clock and a state file written mid-task resumes the task when loaded.
 */
import { TABLE_CLASSES, CLASSES, NULL_REF, RELATIONS, classNamed, type ClassSpec, type Stored, type StoredRecord } from "./datamodel.js";
import { resolveDelays, type DelayOverrides, type DelayPreset, type SimDelays } from "./delays.js";
import { handleInvalid } from "./failure.js";
import { FaultInjector, type FaultRule } from "./faults.js";
import { SeededRandom } from "../kit/random.js";
import { checkSnapshotHeader, SnapshotFormatError } from "../kit/snapshot.js";
import { TimedQueue } from "../kit/timed-queue.js";
import type { Clock, CommonWorldOptions } from "../kit/world-options.js";

export type { Clock };

export type WorldOptions = CommonWorldOptions<DelayPreset | DelayOverrides, FaultRule>;

/** One object: its record, the event generations of its creation and last change, and its cached wire forms. */
export interface Row {
  readonly ref: string;
  readonly cls: string;
  record: StoredRecord;
  created: number;
  modified: number;
  /** `<member><name>ref</name><value>record</value></member>` in xapi's XML-RPC, until the row changes. */
  xml: Buffer | undefined;
  /** Where the record's `<value>` starts in `xml`. */
  xmlAt: number;
  /** `"ref":{record}` in JSON, until the row changes. */
  json: Buffer | undefined;
  /** Where the record starts in `json`. */
  jsonAt: number;
}

export class Table {
  readonly rows = new Map<string, Row>();
  readonly byUuid = new Map<string, string>();
  constructor(readonly spec: ClassSpec) {}
}

/** A change event.from reports: a mod (or add) of a live row, or a deletion. */
export interface LogEntry {
  gen: number;
  cls: string;
  ref: string;
  /** Set on a deletion: the generation the object had been created at. */
  deletedCreated?: number;
}

export type Step =
  | { kind: "task-progress"; task: string; progress: number }
  /** The operation behind a pending task runs now; its task succeeds or fails. */
  | { kind: "task-run"; task: string }
  | { kind: "task-cancelled"; task: string }
  /** The guest agent of a VM (booted as domain `domid`) reports its addresses. */
  | { kind: "guest-agent"; vm: string; domid: number };

export interface QueuedStep {
  at: number;
  seq: number;
  step: Step;
}

/** An operation waiting behind a pending task: the method, its unmarshalled arguments and the caller. */
export interface PendingOperation {
  method: string;
  args: Stored[];
  session: string;
  /** The object whose current_operations names the task, with the operation's name. */
  target: { cls: string; ref: string; op: string } | null;
}

export const SNAPSHOT_FORMAT = "hyperplan-sim-xenserver";
export const SNAPSHOT_VERSION = 1;

export interface WorldSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  time: number;
  random: number;
  generation: number;
  seq: number;
  domid: number;
  poolRef: string;
  masterRef: string;
  slaveRef: string;
  tables: Record<string, Array<{ ref: string; created: number; modified: number; record: StoredRecord }>>;
  deletions: LogEntry[];
  queue: QueuedStep[];
  pending: Record<string, PendingOperation>;
}

/** How many deletions event.from remembers; a token older than that misses the oldest ones. */
const DELETIONS_KEPT = 100_000;

export class World {
  readonly tables = new Map<string, Table>();
  readonly delays: SimDelays;
  readonly random: SeededRandom;
  readonly faults: FaultInjector;
  readonly clock: Clock;

  /** The event generation: every change takes the next one (event.from tokens count these). */
  generation = 0;
  /** The domain id the next booted VM gets (dom0 is 0). */
  domid = 1;
  poolRef = NULL_REF;
  masterRef = NULL_REF;
  slaveRef = NULL_REF;
  /** Operations behind pending tasks, by task ref. */
  readonly pending = new Map<string, PendingOperation>();
  /** Bumped on every change, so the state file is written only when something changed. */
  mutations = 0;

  /** Runs a due step; set by the code that knows what a step means (tasks, guests). */
  stepHandler: (step: Step) => void = () => undefined;

  private readonly refClass = new Map<string, string>();
  /**
   * Every change of a live row in generation order; an entry is stale once its row changed again
   * or went. event.from walks it backwards from the newest, so it costs what changed, not the pool.
   */
  private changeLog: Array<{ gen: number; row: Row }> = [];
  private liveRows = 0;
  private deletions: LogEntry[] = [];
  private readonly queue = new TimedQueue<QueuedStep>();
  private seq = 0;
  private time: number;
  private clockOffset = 0;
  private advancing = false;
  private readonly listeners = new Set<() => void>();

  constructor(options: WorldOptions = {}) {
    this.delays = resolveDelays(options.delays);
    this.random = new SeededRandom(options.seed ?? 1);
    this.clock = options.clock ?? { now: () => Date.now() };
    this.faults = new FaultInjector(() => this.random, options.faults ?? []);
    this.time = this.clock.now();
    for (const spec of CLASSES) this.tables.set(spec.name, new Table(spec));
  }

  // ---------------------------------------------------------------- time and steps

  /** Current simulated time in ms (during a step: the time that step was due). */
  nowMs(): number {
    return this.time;
  }

  /** The clock's time, as the world sees it (ahead of the clock after a reload from a later time). */
  clockNow(): number {
    return this.clock.now() + this.clockOffset;
  }

  /** Queues `step` to run `delayMs` from now. */
  schedule(step: Step, delayMs: number): void {
    this.queue.push({ at: this.time + Math.max(0, delayMs), seq: this.seq++, step });
    this.changed();
  }

  /** When the next queued step is due (world time), or undefined. */
  nextDueAt(): number | undefined {
    return this.queue.peek()?.at;
  }

  get queuedSteps(): number {
    return this.queue.size;
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

  // ---------------------------------------------------------------- identities

  newUuid(): string {
    return this.random.uuid();
  }

  newRef(): string {
    return `OpaqueRef:${this.random.uuid()}`;
  }

  // ---------------------------------------------------------------- change notification

  /** Called after every change (coalesced by the listener); the server wakes blocked event.from calls. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    this.mutations++;
    for (const listener of this.listeners) listener();
  }

  // ---------------------------------------------------------------- rows

  table(cls: string): Table {
    const table = this.tables.get(cls);
    if (!table) throw new Error(`no class ${cls}`);
    return table;
  }

  get(cls: string, ref: string): Row | undefined {
    return this.tables.get(cls)?.rows.get(ref);
  }

  /** The row, or HANDLE_INVALID [class, ref] (FACTS §1.4). */
  must(cls: string, ref: string): Row {
    const row = this.get(cls, ref);
    if (!row) handleInvalid(cls, ref);
    return row;
  }

  /** The class of any live ref. */
  classOf(ref: string): string | undefined {
    return this.refClass.get(ref);
  }

  /** Stores a new object; the "one" side sets of its references gain it (RELATIONS). */
  insert(cls: string, record: StoredRecord, ref: string = this.newRef()): Row {
    const table = this.table(cls);
    for (const rel of RELATIONS) if (rel.one === cls) record[rel.set] = [];
    // Sessions are no table of the event stream: they take no generation.
    const gen = table.spec.table ? ++this.generation : 0;
    const row: Row = { ref, cls, record, created: gen, modified: gen, xml: undefined, xmlAt: 0, json: undefined, jsonAt: 0 };
    table.rows.set(ref, row);
    table.byUuid.set(record.uuid as string, ref);
    this.refClass.set(ref, cls);
    if (table.spec.table) this.logChange(row, true);
    for (const rel of RELATIONS) {
      if (rel.many === cls) this.link(rel.one, rel.set, record[rel.field] as string, ref, true);
    }
    this.changed();
    return row;
  }

  /** Changes fields of an object in one generation; values replace (never mutate) what was there. */
  update(cls: string, ref: string, patch: StoredRecord): Row {
    const row = this.must(cls, ref);
    for (const rel of RELATIONS) {
      if (rel.many !== cls || !(rel.field in patch)) continue;
      const before = row.record[rel.field] as string;
      const after = patch[rel.field] as string;
      if (before === after) continue;
      this.link(rel.one, rel.set, before, ref, false);
      this.link(rel.one, rel.set, after, ref, true);
    }
    row.record = { ...row.record, ...patch };
    this.touched(row);
    return row;
  }

  /** A forced mod with nothing changed (event.inject). */
  touch(cls: string, ref: string): Row {
    const row = this.must(cls, ref);
    this.touched(row);
    return row;
  }

  remove(cls: string, ref: string): void {
    const table = this.table(cls);
    const row = table.rows.get(ref);
    if (!row) return;
    table.rows.delete(ref);
    table.byUuid.delete(row.record.uuid as string);
    this.refClass.delete(ref);
    for (const rel of RELATIONS) {
      if (rel.many === cls) this.link(rel.one, rel.set, row.record[rel.field] as string, ref, false);
    }
    if (table.spec.table) {
      const gen = ++this.generation;
      this.liveRows--;
      this.deletions.push({ gen, cls, ref, deletedCreated: row.created });
      if (this.deletions.length > DELETIONS_KEPT * 2) this.deletions = this.deletions.slice(-DELETIONS_KEPT);
    }
    this.changed();
  }

  private touched(row: Row): void {
    row.xml = undefined;
    row.json = undefined;
    if (this.table(row.cls).spec.table) {
      row.modified = ++this.generation;
      this.logChange(row, false);
    }
    this.changed();
  }

  private logChange(row: Row, added: boolean): void {
    if (added) this.liveRows++;
    this.changeLog.push({ gen: row.modified, row });
    if (this.changeLog.length > 2 * this.liveRows + 1024) {
      this.changeLog = this.changeLog.filter((e) => this.isCurrent(e));
    }
  }

  private isCurrent(entry: { gen: number; row: Row }): boolean {
    return entry.row.modified === entry.gen && this.tables.get(entry.row.cls)?.rows.get(entry.row.ref) === entry.row;
  }

  /**
   * Adds `member` to (or takes it from) the "one" side's set. The set array belongs to that row
   * alone (insert gives every relation set a fresh array), so it changes in place: a host holding
   * 50,000 resident VMs gains one without a copy.
   */
  private link(oneCls: string, setField: string, oneRef: string, member: string, add: boolean): void {
    const one = this.get(oneCls, oneRef);
    if (!one) return;
    const current = one.record[setField] as string[];
    if (add) {
      current.push(member);
    } else {
      const at = current.lastIndexOf(member);
      if (at < 0) return;
      current.splice(at, 1);
    }
    this.touched(one);
  }

  // ---------------------------------------------------------------- what changed

  /**
   * Live rows changed after generation `since` (newest last) and deletions after it, for
   * event.from: rows are kept in order of their last change, so this walks only what changed.
   */
  changesSince(since: number): { rows: Row[]; deleted: LogEntry[] } {
    const rows: Row[] = [];
    const log = this.changeLog;
    for (let i = log.length - 1; i >= 0; i--) {
      const entry = log[i] as { gen: number; row: Row };
      if (entry.gen <= since) break;
      if (this.isCurrent(entry)) rows.push(entry.row);
    }
    rows.reverse();
    const deleted: LogEntry[] = [];
    const gone = this.deletions;
    let lo = 0;
    let hi = gone.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((gone[mid] as LogEntry).gen <= since) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < gone.length; i++) deleted.push(gone[i] as LogEntry);
    return { rows, deleted };
  }

  /** True when something changed after `since` in one of the tables `classes` names (null = all). */
  changedSince(since: number): boolean {
    return this.generation > since;
  }

  // ---------------------------------------------------------------- snapshots

  snapshot(): WorldSnapshot {
    const tables: WorldSnapshot["tables"] = {};
    for (const [name, table] of this.tables) {
      tables[name] = [...table.rows.values()].map((r) => ({ ref: r.ref, created: r.created, modified: r.modified, record: r.record }));
    }
    return {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      time: this.time,
      random: this.random.seed,
      generation: this.generation,
      seq: this.seq,
      domid: this.domid,
      poolRef: this.poolRef,
      masterRef: this.masterRef,
      slaveRef: this.slaveRef,
      tables,
      deletions: this.deletions.slice(-DELETIONS_KEPT),
      queue: this.queue.toArray(),
      pending: Object.fromEntries(this.pending),
    };
  }

  /** Rebuilds a world from a snapshot; options supply what a snapshot does not hold (clock, delays, faults). */
  static fromSnapshot(snapshot: WorldSnapshot, options: WorldOptions = {}): World {
    checkSnapshot(snapshot);
    const world = new World(options);
    world.random.seed = snapshot.random;
    world.generation = snapshot.generation;
    world.seq = snapshot.seq;
    world.domid = snapshot.domid;
    world.poolRef = snapshot.poolRef;
    world.masterRef = snapshot.masterRef;
    world.slaveRef = snapshot.slaveRef;
    world.time = snapshot.time;
    const now = world.clock.now();
    if (now < snapshot.time) world.clockOffset = snapshot.time - now;
    const rows: Row[] = [];
    for (const spec of CLASSES) {
      const table = world.table(spec.name);
      for (const saved of snapshot.tables[spec.name] ?? []) {
        const row: Row = { ref: saved.ref, cls: spec.name, record: saved.record, created: saved.created, modified: saved.modified, xml: undefined, xmlAt: 0, json: undefined, jsonAt: 0 };
        table.rows.set(row.ref, row);
        table.byUuid.set(row.record.uuid as string, row.ref);
        world.refClass.set(row.ref, spec.name);
        if (spec.table) rows.push(row);
      }
    }
    rows.sort((a, b) => a.modified - b.modified);
    for (const row of rows) world.logChange(row, true);
    world.deletions = [...snapshot.deletions];
    for (const item of snapshot.queue) world.queue.push(item);
    for (const [task, op] of Object.entries(snapshot.pending)) world.pending.set(task, op);
    return world;
  }
}

function checkSnapshot(snapshot: WorldSnapshot): void {
  checkSnapshotHeader(snapshot, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, "XenServer");
  const tables = snapshot.tables as Record<string, unknown> | undefined;
  if (typeof tables !== "object" || tables === null) throw new SnapshotFormatError("simulator state is damaged: tables are missing");
  for (const spec of TABLE_CLASSES) {
    if (!Array.isArray(tables[spec.name])) throw new SnapshotFormatError(`simulator state is damaged: table "${spec.name}" is missing or malformed`);
  }
  for (const name of Object.keys(tables)) {
    if (!classNamed(name)) throw new SnapshotFormatError(`simulator state is damaged: unknown table "${name}"`);
  }
  if (!Array.isArray(snapshot.queue) || !Array.isArray(snapshot.deletions) || typeof snapshot.pending !== "object" || snapshot.pending === null) {
    throw new SnapshotFormatError("simulator state is damaged: queue, deletions or pending operations are missing");
  }
  if (typeof snapshot.generation !== "number" || typeof snapshot.time !== "number") {
    throw new SnapshotFormatError("simulator state is damaged: generation or time is missing");
  }
}
