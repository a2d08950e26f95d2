/**
 * The read side of the OpenNebula provider: the stack's objects, with one paged pool read per kind,
 * mapped into the declaration's own Spec types (the LiveState contract of src/diff/live-state.ts).
 *
 * Only objects whose ownership tag names this stack, and the kind of the pool they were read from,
 * are the stack's. The pools are cut into per-object slices while still escaped and only slices that
 * carry the stack's tag are parsed (pools.ts), so a pool of 50,000 objects of which the stack owns a
 * few costs a few parses.
 */
import type { LiveRecord } from "./steps.js";
import type { OwnershipTag } from "../kit/ownership.js";
import type { ForeignObject, ImportReading, LiveResource, LiveState } from "../../diff/live-state.js";
import { fingerprintLive } from "../../diff/live-state.js";
import { effectiveProps } from "../../diff/effective.js";
import type { DesiredResource, DesiredState, ResourceKind, VirtualMachineSpec } from "../../resources/desired-state.js";
import { Retrier, type CallRetry } from "../../core/retry.js";
import { systemClock, type Clock, type LiveReader } from "../provider.js";
import { OneClient, type OneClientOptions } from "./client.js";
import { openNebulaDiffRules } from "./diff-rules.js";
import { imageLiveStatus, networkLiveStatus, securityGroupLiveStatus, templateLiveStatus, vmLiveStatus } from "./live-model.js";
import { INFO_OF, POOL_OF, RefMap, single, type OneKind } from "./map-common.js";
import { imageToSpec } from "./map-image.js";
import { securityGroupToSpec } from "./map-security-group.js";
import { networkToSpec } from "./map-virtual-network.js";
import { vmToSpec } from "./map-virtual-machine.js";
import { vmTemplateToSpec } from "./map-vm-template.js";
import { ownedSlicePredicate, ownershipLabel, readOwnershipTag } from "./ownership.js";
import { ownedAddresses, pendingImports, TAG_REPLACES, TAG_STACK, type PendingImport } from "../kit/ownership.js";
import { idOfSlice, isJsonQueryUnsupported, labelledSlicePredicate, noteForeign, readPool, readVmsInFull, type ForeignHead, type PoolReadOptions, type PoolReadResult, type PoolReadStats } from "./pools.js";
import { parseObject, type PoolKind, type RecordOf } from "./records.js";
import { OneApiError } from "./errors.js";
import { imageStateName, vnetStateName, VM_STATE } from "./states.js";
import { recordedVmCount } from "./stack-lock.js";
import type { Template } from "./template-syntax.js";

export interface OpenNebulaReaderOptions extends OneClientOptions {
  /** Objects per page of a pool read (default 2000). */
  pageSize?: number;
  clock?: Clock;
  random?: () => number;
  /** How long a read failing on a lost or busy cloud is retried (default 3 minutes). */
  retryTimeoutMs?: number;
  /** Told of every retry. */
  onRetry?: (retry: CallRetry) => void;
}

/** Which pool holds each kind, and where its ownership tag is. */
const POOLS: { kind: OneKind; pool: keyof RecordsByPool }[] = (Object.keys(POOL_OF) as OneKind[]).map((kind) => ({ kind, pool: POOL_OF[kind] }));

function tagTemplate(kind: OneKind, record: { template: Template; userTemplate?: Template }): Template {
  return kind === "VirtualMachine" ? (record.userTemplate ?? []) : record.template;
}

export interface OwnedObjects {
  VirtualNetwork: RecordOf<"vnet">[];
  Image: RecordOf<"image">[];
  SecurityGroup: RecordOf<"secgroup">[];
  VmTemplate: RecordOf<"template">[];
  VirtualMachine: RecordOf<"vm">[];
}

/** Whether the VM pool is searched server-side: unknown until tried, then what the cloud answered. */
export interface JsonSearch {
  supported?: boolean;
}

/**
 * The query that makes a MySQL-backed oned send only VMs whose USER_TEMPLATE names the stack (a
 * substring match, so a superset: every VM is still checked against its parsed tag). None for a
 * stack name the query syntax cannot carry.
 */
export function stackQuery(stack: string): string | undefined {
  return /^[A-Za-z0-9._-]+$/.test(stack) ? `VM.USER_TEMPLATE.${TAG_STACK}=${stack}` : undefined;
}

/**
 * What decides whether a read of the VM pool through the stack's label can be trusted: the VM
 * addresses the stack declares, and how many VMs the stack's document says it had when an apply last
 * knew (`recordedVmCount`).
 */
export interface VmReadCheck {
  declared: ReadonlySet<string>;
  recorded: () => Promise<number | undefined>;
}

/** How the VM pool was read: through oned's search, through the stack's label, or whole. */
export type VmReadWay = "search" | "label" | "whole";

/**
 * The VM pool: searched by oned where its database can (MySQL), else through the stack's label, else
 * read whole and sliced.
 *
 * A search that finds none of the stack's VMs is not taken on trust: the pool is read whole as well,
 * and if that finds any, this cloud's search is not used again. A search that misses VMs would make
 * the plan create them twice; this way it can only make a plan slower.
 *
 * The label read (`readLabelledVms`) finds a VM only while it carries its label, which a person can
 * remove: it is used only when it finds every VM the stack declares, at least as many as the stack's
 * document records, and no unlabelled VM bearing a declared name; otherwise the pool is read whole
 * before anything is decided, so a VM whose label was removed is never made twice nor left behind,
 * and a copy made with its tags is found as the duplicate it is.
 */
async function readVmPool(
  client: OneClient,
  stack: string,
  options: Pick<PoolReadOptions, "keep" | "pageSize" | "retrier" | "foreign">,
  search: JsonSearch,
  check?: VmReadCheck,
): Promise<PoolReadResult<"vm"> & { way: VmReadWay }> {
  const query = stackQuery(stack);
  if (query !== undefined && search.supported !== false) {
    try {
      const found = await readPool(client, "vm", { ...options, query });
      if (found.records.some((vm) => readOwnershipTag(vm.userTemplate)?.stack === stack)) {
        search.supported = true;
        return { ...found, way: "search" };
      }
      const whole = await readPool(client, "vm", options);
      if (whole.records.some((vm) => readOwnershipTag(vm.userTemplate)?.stack === stack)) search.supported = false;
      return { ...whole, way: "whole" };
    } catch (error) {
      if (!isJsonQueryUnsupported(error)) throw error;
      search.supported = false;
    }
  }
  if (check) {
    const recorded = check.recorded();
    // The found list is filled again by the whole read when the label read is not trusted.
    const heads = options.foreign?.found;
    const labelled = await readLabelledVms(client, stack, options);
    const tags = labelled.records.map((vm) => readOwnershipTag(vm.userTemplate)).filter((tag) => tag?.stack === stack);
    const owned = new Set(tags.filter((tag) => tag!.kind === "VirtualMachine").map((tag) => tag!.address));
    const count = tags.length;
    const least = await recorded;
    // An unlabelled VM bearing a declared name may be the stack's (its label removed, or a copy made
    // with its tags but not its labels): only its full body can tell.
    const lookalikes = heads !== undefined && heads.length > 0;
    if (!lookalikes && [...check.declared].every((a) => owned.has(a)) && (least === undefined || count >= least)) return { ...labelled, way: "label" };
    if (heads) heads.length = 0;
    const whole = await readPool(client, "vm", options);
    return { records: whole.records, stats: addStats(labelled.stats, whole.stats), way: "whole" };
  }
  return { ...(await readPool(client, "vm", options)), way: "whole" };
}

/**
 * The VMs labelled `hyperplan/<stack>`: their ids from the short bodies of `one.vmpool.info` (about a
 * third of the bytes of the full ones, and no USER_TEMPLATE but LABELS), then those VMs in full with
 * `one.vmpool.infoset`, kept by their ownership tag as a whole read keeps them. VMs of other names
 * the stack declares are noted as foreign from the short bodies.
 */
async function readLabelledVms(client: OneClient, stack: string, options: Pick<PoolReadOptions, "keep" | "pageSize" | "retrier" | "foreign">): Promise<PoolReadResult<"vm">> {
  const labelled = labelledSlicePredicate(ownershipLabel(stack));
  const ids: number[] = [];
  const foreign = options.foreign;
  const short = await readPool(client, "vm", {
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    ...(options.retrier ? { retrier: options.retrier } : {}),
    short: true,
    keep: (slice) => {
      if (labelled(slice)) {
        const id = idOfSlice(slice);
        if (id !== undefined) ids.push(id);
      } else if (foreign) noteForeign(slice, foreign);
      return false;
    },
  });
  const full = await readVmsInFull(client, ids, { ...(options.keep ? { keep: options.keep } : {}), ...(options.retrier ? { retrier: options.retrier } : {}) });
  return { records: full.records, stats: addStats(short.stats, full.stats) };
}

function addStats(a: PoolReadStats, b: PoolReadStats): PoolReadStats {
  return { calls: a.calls + b.calls, responseBytes: a.responseBytes + b.responseBytes, slices: a.slices + b.slices, parsedSlices: a.parsedSlices + b.parsedSlices, parsedBytes: a.parsedBytes + b.parsedBytes };
}

/**
 * The stack's objects of every kind, read with one paged pool read per kind. The VM pool, by far the
 * largest, is searched by oned itself when its database can (MySQL), else read through the stack's
 * label when `check` allows (see readVmPool); `search` remembers the answer.
 */
export async function readOwned(
  client: OneClient,
  stack: string,
  pageSize?: number,
  search: JsonSearch = {},
  retrier?: Retrier,
  /** Names the stack declares, by kind: objects it does not own that bear one are noted in `foreign`. */
  declaredNames?: Partial<Record<OneKind, ReadonlySet<string>>>,
  /** What lets the VM pool be read through the stack's label; without it the pool is read whole. */
  check?: VmReadCheck,
): Promise<{ owned: OwnedObjects; addresses: Map<string, string>; stats: Record<string, PoolReadStats>; foreign: ForeignObject[]; vmRead: VmReadWay }> {
  const keep = ownedSlicePredicate(stack);
  const stats: Record<string, PoolReadStats> = {};
  const base = { keep, ...(pageSize ? { pageSize } : {}), ...(retrier ? { retrier } : {}) };
  const found = new Map<OneKind, ForeignHead[]>(POOLS.map(({ kind }) => [kind, []]));
  const optionsOf = (kind: OneKind) => {
    const names = declaredNames?.[kind];
    return names && names.size > 0 ? { ...base, foreign: { names, found: found.get(kind)! } } : base;
  };
  let vmRead: VmReadWay = "whole";
  const results = await Promise.all(
    POOLS.map(async ({ kind, pool }) => {
      if (pool !== "vm") return readPool(client, pool, optionsOf(kind));
      const read = await readVmPool(client, stack, optionsOf(kind), search, check);
      vmRead = read.way;
      return read;
    }),
  );
  POOLS.forEach(({ pool }, i) => (stats[pool] = results[i]!.stats));
  const records = Object.fromEntries(POOLS.map(({ pool }, i) => [pool, results[i]!.records])) as unknown as RecordsByPool;
  const collected = collectOwned(stack, records);
  // A searched VM pool brought only tagged VMs: when a declared VM is missing, the short bodies (their
  // names, a third of the bytes) tell whether a VM that lost its tags bears its name.
  const vmNames = declaredNames?.VirtualMachine;
  if (search.supported === true && vmNames && vmNames.size > 0) {
    const ownedNames = new Set(collected.owned.VirtualMachine.map((vm) => vm.name));
    const missing = new Set([...vmNames].filter((n) => !ownedNames.has(n)));
    if (missing.size > 0) await readPool(client, "vm", { ...base, short: true, keep: () => false, foreign: { names: missing, found: found.get("VirtualMachine")! } });
  }
  const foreign = [...found].flatMap(([kind, heads]) => heads.map((h) => ({ kind, id: String(h.id), name: h.name, ...(h.stack !== undefined ? { stack: h.stack } : {}) })));
  return { ...collected, stats, foreign, vmRead };
}

/** Records of the pools the stack's kinds live in, however they were read. */
export type RecordsByPool = { [P in "vnet" | "image" | "secgroup" | "template" | "vm"]: RecordOf<P>[] };

/**
 * The stack's objects among `records`: those whose ownership tag names this stack and the kind of the
 * pool they came from, with the address each one is the stack's object for.
 */
export function collectOwned(stack: string, records: RecordsByPool): { owned: OwnedObjects; addresses: Map<string, string> } {
  const owned = { VirtualNetwork: [], Image: [], SecurityGroup: [], VmTemplate: [], VirtualMachine: [] } as unknown as OwnedObjects;
  const addresses = new Map<string, string>();
  for (const { kind, pool } of POOLS) {
    const list = records[pool] as Array<{ id: number; template: Template; userTemplate?: Template }>;
    const tagged = list.map((record) => {
      const template = tagTemplate(kind, record);
      const replaces = single(template, TAG_REPLACES);
      return { id: String(record.id), tag: readOwnershipTag(template), ...(replaces !== undefined && /^\d+$/.test(replaces) ? { replaces } : {}) };
    });
    const mine = ownedAddresses(stack, kind, tagged);
    for (const record of list) {
      const address = mine.get(String(record.id));
      if (address === undefined) continue;
      (owned[kind] as unknown[]).push(record);
      addresses.set(`${kind}#${record.id}`, address);
    }
  }
  return { owned, addresses };
}

function addressOf(addresses: Map<string, string>, kind: OneKind, id: number): string {
  return addresses.get(`${kind}#${id}`)!;
}

/** The owned addresses a spec refers to (`{ref: address}` anywhere inside it). */
function referencedAddresses(value: unknown, owned: Set<string>, out: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const v of value) referencedAddresses(v, owned, out);
  else if (typeof value === "object" && value !== null) {
    const ref = (value as { ref?: unknown }).ref;
    if (typeof ref === "string" && owned.has(ref)) out.add(ref);
    for (const v of Object.values(value)) referencedAddresses(v, owned, out);
  }
  return out;
}

/** Maps the owned objects into the LiveState the diff reads. */
export function toLiveState(stack: string, endpoint: string, owned: OwnedObjects, addresses: Map<string, string>, desired?: DesiredState): LiveState {
  const refs = new RefMap();
  for (const [key, address] of addresses) {
    const [kind, id] = key.split("#") as [OneKind, string];
    refs.add(kind, Number(id), address);
  }
  const declared = new Map<string, DesiredResource>((desired?.resources ?? []).map((r) => [r.address, r]));
  const props = <K extends ResourceKind>(address: string, kind: K) => {
    const d = declared.get(address);
    return d && d.kind === kind ? (d.props as Extract<DesiredResource, { kind: K }>["props"]) : undefined;
  };
  const resources: LiveResource[] = [];
  for (const r of owned.VirtualNetwork) {
    const address = addressOf(addresses, "VirtualNetwork", r.id);
    const state = r.state === undefined ? "READY" : vnetStateName(r.state);
    resources.push({ address, kind: "VirtualNetwork", name: r.name, id: String(r.id), props: networkToSpec(r, props(address, "VirtualNetwork")), dependsOn: [], status: networkLiveStatus(state, single(r.template, "ERROR")) });
  }
  for (const r of owned.Image) {
    const address = addressOf(addresses, "Image", r.id);
    const state = imageStateName(r.state);
    resources.push({
      address,
      kind: "Image",
      name: r.name,
      id: String(r.id),
      props: imageToSpec(r, props(address, "Image")),
      dependsOn: [],
      status: imageLiveStatus(state, single(r.template, "ERROR")),
      aliases: { datastore: [r.datastoreId, r.datastore] },
    });
  }
  for (const r of owned.SecurityGroup) {
    const address = addressOf(addresses, "SecurityGroup", r.id);
    resources.push({ address, kind: "SecurityGroup", name: r.name, id: String(r.id), props: securityGroupToSpec(r, props(address, "SecurityGroup"), refs), dependsOn: [], status: securityGroupLiveStatus(r.errorVms) });
  }
  for (const r of owned.VmTemplate) {
    const address = addressOf(addresses, "VmTemplate", r.id);
    resources.push({ address, kind: "VmTemplate", name: r.name, id: String(r.id), props: vmTemplateToSpec(r, props(address, "VmTemplate"), refs), dependsOn: [], status: templateLiveStatus() });
  }
  for (const r of owned.VirtualMachine) {
    const address = addressOf(addresses, "VirtualMachine", r.id);
    // A VM is compared with its template folded in (effective.ts), so raw attributes it inherits are
    // read back as the template declares them.
    const declaredVm = declared.get(address);
    const vm = vmToSpec(r, declaredVm?.kind === "VirtualMachine" ? (effectiveProps(declaredVm, declared, openNebulaDiffRules) as unknown as VirtualMachineSpec) : undefined, refs);
    resources.push({
      address,
      kind: "VirtualMachine",
      name: r.name,
      id: String(r.id),
      props: vm.spec,
      dependsOn: [],
      status: vmLiveStatus(vm.state, single(r.userTemplate, "ERROR")),
      values: { id: r.id, ...vm.values },
    });
  }
  const ownedAddresses = new Set(resources.map((r) => r.address));
  for (const r of resources) r.dependsOn = [...referencedAddresses(r.props, ownedAddresses, new Set())].filter((a) => a !== r.address).sort();
  resources.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : Number(a.id) - Number(b.id)));
  return { stack, endpoint, resources, fingerprint: fingerprintLive(resources) };
}

/**
 * The object `id` of `kind`, read with its kind's info call, and the tag it carries; undefined when
 * there is none: no such kind or id, NO_EXISTS, or a VM that reached DONE (its record stays). `read`
 * makes the call (the caller's retries).
 */
export async function readObjectById(read: (method: string, id: number) => Promise<unknown>, kind: string, id: string): Promise<{ live: LiveRecord; tag: OwnershipTag | undefined } | undefined> {
  if (!(kind in POOL_OF) || !/^\d+$/.test(id)) return undefined;
  const oneKind = kind as OneKind;
  let xml: unknown;
  try {
    xml = await read(INFO_OF[oneKind], Number(id));
  } catch (error) {
    if (error instanceof OneApiError && error.codeName === "NO_EXISTS") return undefined;
    throw error;
  }
  const live = { kind: oneKind, record: parseObject(POOL_OF[oneKind], String(xml)) } as LiveRecord;
  if (live.kind === "VirtualMachine" && live.record.state === VM_STATE.DONE) return undefined;
  return { live, tag: readOwnershipTag(tagTemplate(oneKind, live.record as { template: Template; userTemplate?: Template })) };
}

export class OpenNebulaReader implements LiveReader {
  readonly name = "opennebula";
  readonly endpoint: string;
  readonly rules = openNebulaDiffRules;
  /** Pool read figures of the last read, by pool. */
  lastStats: Record<string, PoolReadStats> = {};
  /** How the last read found the stack's VMs. */
  lastVmRead: VmReadWay | undefined;
  readonly client: OneClient;
  private readonly pageSize: number | undefined;
  /** Whether this cloud searches the VM pool itself (learnt on the first read). */
  readonly search: JsonSearch = {};
  protected readonly retrier: Retrier;

  constructor(options: OpenNebulaReaderOptions) {
    this.client = new OneClient(options);
    this.endpoint = this.client.endpoint;
    this.pageSize = options.pageSize;
    this.retrier = new Retrier({
      clock: options.clock ?? systemClock,
      ...(options.random ? { random: options.random } : {}),
      ...(options.retryTimeoutMs !== undefined ? { timeoutMs: options.retryTimeoutMs } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    });
  }

  /** Every pool read is retried on transient failures (a cloud restarting, a reset, INTERNAL, LOCKED). */
  async read(stack: string, desired?: DesiredState): Promise<LiveState> {
    const names: Partial<Record<OneKind, Set<string>>> = {};
    for (const r of desired?.resources ?? []) (names[r.kind] ??= new Set()).add(r.name);
    const declaredVms = new Set((desired?.resources ?? []).filter((r) => r.kind === "VirtualMachine").map((r) => r.address));
    const check: VmReadCheck = { declared: declaredVms, recorded: () => recordedVmCount(this.client, this.retrier, stack) };
    const { owned, addresses, stats, foreign, vmRead } = await readOwned(this.client, stack, this.pageSize, this.search, this.retrier, names, check);
    this.lastStats = stats;
    this.lastVmRead = vmRead;
    const pending = pendingImports(desired, new Set(addresses.values()));
    if (pending.length === 0) {
      const live = toLiveState(stack, this.endpoint, owned, addresses, desired);
      return foreign.length > 0 ? { ...live, foreign } : live;
    }
    // Objects to adopt are read by their ids and mapped with the stack's own, so references between
    // them and to the stack's objects read as addresses; then they are set apart from what it owns.
    const { readings, records } = await this.readImports(pending);
    const all = { ...owned } as OwnedObjects;
    const allAddresses = new Map(addresses);
    for (const { kind, address, record } of records) {
      (all[kind] as unknown[]) = [...(all[kind] as unknown[]), record];
      allAddresses.set(`${kind}#${record.id}`, address);
    }
    const live = toLiveState(stack, this.endpoint, all, allAddresses, desired);
    const adopting = new Map(records.map(({ kind, address, record }) => [`${kind}#${record.id}@${address}`, address]));
    const isCandidate = (r: LiveResource) => adopting.has(`${r.kind}#${r.id}@${r.address}`);
    for (const r of live.resources.filter(isCandidate)) readings.push({ address: r.address, id: r.id, state: "found", live: r });
    // An object being adopted is no stranger bearing a declared name; the fingerprint keeps it (a
    // saved plan is stale when it changes too).
    const adoptingIds = new Set(records.map(({ kind, record }) => `${kind}#${record.id}`));
    const strangers = foreign.filter((f) => !adoptingIds.has(`${f.kind}#${f.id}`));
    return { ...live, resources: live.resources.filter((r) => !isCandidate(r)), imports: readings, ...(strangers.length > 0 ? { foreign: strangers } : {}) };
  }

  /** Each object an `importId` names, with its kind's info call: gone, another stack's, or its record. */
  private async readImports(pending: PendingImport[]): Promise<{ readings: ImportReading[]; records: { kind: OneKind; address: string; record: { id: number } }[] }> {
    const readings: ImportReading[] = [];
    const records: { kind: OneKind; address: string; record: { id: number } }[] = [];
    for (const { address, kind, id } of pending) {
      const read = await readObjectById((method, n) => this.retrier.run(method, () => this.client.call(method, n), { address }), kind, id);
      if (!read) readings.push({ address, id, state: "gone" });
      else if (read.tag) readings.push({ address, id, state: "tagged", tag: read.tag });
      else records.push({ kind: read.live.kind, address, record: read.live.record });
    }
    return { readings, records };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export function createOpenNebulaReader(options: OpenNebulaReaderOptions): OpenNebulaReader {
  return new OpenNebulaReader(options);
}
