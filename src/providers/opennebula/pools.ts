/**
 * Reading whole pools, page by page, parsing only what the caller keeps.
 *
 * A 10,000-VM pool is 70–110 MB of XML-RPC, and generic XML parsers run at 5–30 MB/s here, so the
 * reader never parses a pool whole: it takes the pool document's bytes while they are still
 * XML-escaped inside the XML-RPC string (`callEscapedBytes`, no string of the whole response is ever
 * made), cuts them into one slice per object at the object elements one level below the pool root,
 * asks `keep` about each escaped slice (an ownership check is a byte search), and decodes, unescapes
 * and parses only the slices kept.
 *
 * Paging (FACTS.md §4): `(filter -2, offset, -pageSize)` orders by id and returns one page; a page
 * shorter than the page size is the last. Pages are asked for ahead of need (see `readPool`). A pool
 * that changes while it is read can shift objects between pages: an object seen twice is kept once.
 */
import { EscapedString, escapeXml, unescapeUtf8, unescapeXml, type XmlRpcValue } from "../../xmlrpc/index.js";
import { isTransientError, type Retrier } from "../../core/retry.js";
import type { OneClient } from "./client.js";
import { OneApiError, OneProtocolError } from "./errors.js";
import { KINDS, type PoolKind, type RecordOf } from "./records.js";
import { parseXmlDocument } from "./xml-node.js";

export interface PoolReadOptions {
  /** Objects per page (default 2000). */
  pageSize?: number;
  /**
   * Decides on each object's slice, still XML-escaped (its UTF-8 bytes in a pool read, a string where
   * the document was decoded), whether to parse it. Default: every object.
   */
  keep?: (escapedSlice: string | Buffer) => boolean;
  /**
   * VM pool only: oned's JSON search (`KEY=VALUE`, the 5th parameter), answered by a MySQL-backed
   * oned only; others fail the call with INTERNAL (see `isJsonQueryUnsupported`).
   */
  query?: string;
  /** Retries each page call on transient failures (a read: sending it again is harmless). */
  retrier?: Pick<Retrier, "run">;
  /**
   * Objects `keep` leaves out whose NAME is one of `names`: their id, name and the stack their tag
   * names (if any) are added to `found`, read from the head of their slice without parsing it.
   */
  foreign?: { names: ReadonlySet<string>; found: ForeignHead[] };
  /** VM pool only: the short bodies of `one.vmpool.info` instead of the full ones. */
  short?: boolean;
}

/** What a plan needs to know of an object it does not own: which one it is. */
export interface ForeignHead {
  id: number;
  name: string;
  /** The stack its ownership tag names, when it carries another stack's tag. */
  stack?: string;
}

export interface PoolReadStats {
  calls: number;
  responseBytes: number;
  slices: number;
  parsedSlices: number;
  parsedBytes: number;
}

export interface PoolReadResult<K extends PoolKind> {
  records: RecordOf<K>[];
  stats: PoolReadStats;
}

/** Pools oned pages; the infrastructure pools are small and take no range. */
const PAGED: Record<PoolKind, { method: string; extra: number[] } | { method: string; unpaged: true }> = {
  // state -1: every VM but DONE ones, which stay in the database after terminate.
  vm: { method: "one.vmpool.infoextended", extra: [-1] },
  image: { method: "one.imagepool.info", extra: [] },
  vnet: { method: "one.vnpool.info", extra: [] },
  template: { method: "one.templatepool.info", extra: [] },
  secgroup: { method: "one.secgrouppool.info", extra: [] },
  datastore: { method: "one.datastorepool.info", unpaged: true },
  host: { method: "one.hostpool.info", unpaged: true },
  cluster: { method: "one.clusterpool.info", unpaged: true },
};

export async function readPool<K extends PoolKind>(client: OneClient, kind: K, options: PoolReadOptions = {}): Promise<PoolReadResult<K>> {
  const pageSize = options.pageSize ?? 2000;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`page size must be a positive integer, got ${pageSize}`);
  const spec = KINDS[kind];
  const call = PAGED[kind];
  const stats: PoolReadStats = { calls: 0, responseBytes: 0, slices: 0, parsedSlices: 0, parsedBytes: 0 };
  const byId = new Map<number, RecordOf<K>>();
  const slicesOf = (bytes: Buffer) => {
    stats.calls++;
    stats.responseBytes += bytes.length;
    const slices = sliceEscapedPoolBytes(bytes, spec.pool, spec.element);
    stats.slices += slices.length;
    return slices;
  };
  const take = (slices: Buffer[]) => {
    for (const slice of slices) {
      if (options.keep && !options.keep(slice)) {
        if (options.foreign) noteForeign(slice, options.foreign);
        continue;
      }
      const xml = unescapeUtf8(slice);
      stats.parsedSlices++;
      stats.parsedBytes += xml.length;
      let record: RecordOf<K>;
      try {
        record = spec.build(parseXmlDocument(xml, spec.element)) as RecordOf<K>;
      } catch (error) {
        throw new OneProtocolError(call.method, `an object of the ${spec.pool} document cannot be read: ${(error as Error).message}`);
      }
      byId.set(record.id, record);
    }
  };
  const method = kind === "vm" && options.short ? "one.vmpool.info" : call.method;
  const send = (...params: XmlRpcValue[]) =>
    options.retrier
      ? // A search oned's database cannot run fails with INTERNAL, which is no hiccup: it is answered at once.
        options.retrier.run(method, () => client.callEscapedBytes(method, ...params), { isTransient: (e) => isTransientError(e) && !isJsonQueryUnsupported(e) })
      : client.callEscapedBytes(method, ...params);
  if ("unpaged" in call) {
    take(slicesOf(await send()));
  } else {
    const extra = options.query !== undefined && kind === "vm" ? [...call.extra, options.query] : call.extra;
    const page = (offset: number) => send(-2, offset, -pageSize, ...extra);
    const pages = [page(0)];
    const abandon = (from: number) => pages.slice(from).forEach((p) => p.catch(() => undefined));
    for (let k = 0; k < pages.length; k++) {
      try {
        const slices = slicesOf(await pages[k]!);
        // A full page: the next one is asked for before this one is parsed. A long pool read whole: from
        // its second full page on, one more page is kept in flight, so oned prepares and sends it while
        // the client cuts and parses this one; the last page asked for is then usually empty, one call
        // more than the pages for a read a quarter faster (BENCHMARKS.md). Not for a search: each of its
        // pages costs oned a scan of the whole pool.
        const ahead = k === 0 || options.query !== undefined ? 1 : 2;
        if (slices.length >= pageSize) while (pages.length <= k + ahead) pages.push(page(pages.length * pageSize));
        take(slices);
      } catch (error) {
        abandon(k + 1);
        throw error;
      }
    }
  }
  const records = [...byId.values()].sort((a, b) => a.id - b.id);
  return { records, stats };
}

// An object's ID and NAME come first in every pool body (ID, UID, GID, UNAME, GNAME, NAME: the XSDs).
const HEAD_BYTES = 2048;
const ID_IN_HEAD = /&lt;ID&gt;(\d+)&lt;\/ID&gt;/;
const NAME_IN_HEAD = /&lt;NAME&gt;(.*?)&lt;\/NAME&gt;/s;
const STACK_TAG = /&lt;HYPERPLAN_STACK&gt;(.*?)&lt;\/HYPERPLAN_STACK&gt;/s;
const CDATA = /^&lt;!\[CDATA\[(.*)\]\]&gt;$/s;

/** The text of an element's value as it stands in a slice (escaped once more inside the XML-RPC string). */
function escapedValue(raw: string): string {
  const once = unescapeXml(raw);
  const cdata = CDATA.exec(raw);
  return cdata ? unescapeXml(cdata[1]!) : unescapeXml(once);
}

/**
 * Notes an object the stack does not own when its name is one the stack declares: its ID and NAME
 * are read from the first bytes of its slice (and, for its stack, one search for a tag), nothing else.
 */
export function noteForeign(slice: string | Buffer, foreign: { names: ReadonlySet<string>; found: ForeignHead[] }): void {
  const head = typeof slice === "string" ? slice.slice(0, HEAD_BYTES) : slice.subarray(0, HEAD_BYTES).toString("utf8");
  const nameMatch = NAME_IN_HEAD.exec(head);
  if (!nameMatch) return;
  const name = escapedValue(nameMatch[1]!);
  if (!foreign.names.has(name)) return;
  const id = ID_IN_HEAD.exec(head);
  if (!id) return;
  const whole = typeof slice === "string" ? slice : slice.toString("utf8");
  const stack = STACK_TAG.exec(whole);
  foreign.found.push({ id: Number(id[1]), name, ...(stack ? { stack: escapedValue(stack[1]!) } : {}) });
}

const LABELS_IN_SLICE = /&lt;LABELS&gt;(.*?)&lt;\/LABELS&gt;/s;

/**
 * A test of one VM's slice (escaped twice, as in a pool read): whether its LABELS hold `label` as one
 * of their comma-separated items. A byte search first; the LABELS value is read only where it hits.
 */
export function labelledSlicePredicate(label: string): (slice: string | Buffer) => boolean {
  const text = escapeXml(escapeXml(label));
  const bytes = Buffer.from(text, "utf8");
  return (slice) => {
    if (typeof slice === "string" ? !slice.includes(text) : !slice.includes(bytes)) return false;
    const whole = typeof slice === "string" ? slice : slice.toString("utf8");
    const labels = LABELS_IN_SLICE.exec(whole);
    return labels !== null && escapedValue(labels[1]!).split(",").some((l) => l.trim() === label);
  };
}

/** The id of the object whose slice this is, read from its first bytes. */
export function idOfSlice(slice: string | Buffer): number | undefined {
  const head = typeof slice === "string" ? slice.slice(0, HEAD_BYTES) : slice.subarray(0, HEAD_BYTES).toString("utf8");
  const id = ID_IN_HEAD.exec(head);
  return id ? Number(id[1]) : undefined;
}

/**
 * VMs by id in full, with `one.vmpool.infoset(ids, true)` in chunks (oned does not page it), cut and
 * parsed as a pool read is: only the slices `keep` keeps are parsed.
 */
export async function readVmsInFull(client: OneClient, ids: readonly number[], options: Pick<PoolReadOptions, "keep" | "retrier"> & { chunk?: number } = {}): Promise<PoolReadResult<"vm">> {
  const stats: PoolReadStats = { calls: 0, responseBytes: 0, slices: 0, parsedSlices: 0, parsedBytes: 0 };
  const records: RecordOf<"vm">[] = [];
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const chunk = options.chunk ?? 2000;
  const send = (list: string) =>
    options.retrier ? options.retrier.run("one.vmpool.infoset", () => client.callEscapedBytes("one.vmpool.infoset", list, true)) : client.callEscapedBytes("one.vmpool.infoset", list, true);
  const calls: Promise<Buffer>[] = [];
  for (let from = 0; from < sorted.length; from += chunk) calls.push(send(sorted.slice(from, from + chunk).join(",")));
  for (const call of calls) {
    const bytes = await call;
    stats.calls++;
    stats.responseBytes += bytes.length;
    const slices = sliceEscapedPoolBytes(bytes, "VM_POOL", "VM");
    stats.slices += slices.length;
    for (const slice of slices) {
      if (options.keep && !options.keep(slice)) continue;
      const xml = unescapeUtf8(slice);
      stats.parsedSlices++;
      stats.parsedBytes += xml.length;
      records.push(KINDS.vm.build(parseXmlDocument(xml, "VM")));
    }
  }
  return { records: records.sort((a, b) => a.id - b.id), stats };
}

/** True for the answer of an oned whose database cannot run the VM pool's JSON search (SQLite). */
export function isJsonQueryUnsupported(error: unknown): boolean {
  return error instanceof OneApiError && error.codeName === "INTERNAL" && /JSON query search is not supported/i.test(error.serverMessage);
}

/**
 * The objects of a paged pool whose ids lie in [first, last], with one call (oned reads an end ≥ 0 as
 * an id range): how apply follows the images or networks it is making.
 */
export async function readPoolRange<K extends "image" | "vnet" | "template" | "secgroup">(client: OneClient, kind: K, first: number, last: number): Promise<RecordOf<K>[]> {
  const spec = KINDS[kind];
  const call = PAGED[kind] as { method: string };
  const raw = escapedText(call.method, await client.callEscaped(call.method, -2, first, last));
  return sliceEscapedPool(raw, spec.pool, spec.element).map((s) => spec.build(parseXmlDocument(unescapeXml(s), spec.element)) as RecordOf<K>);
}

/**
 * VMs by id with one `one.vmpool.infoset` call; ids that do not exist are absent. Full bodies by
 * default; `extended: false` asks for the short ones (state, NIC addresses, ERROR and SCHED_MESSAGE:
 * all that following an operation needs, at a third of the bytes).
 */
export async function readVmsByIds(client: OneClient, ids: readonly number[], options: Pick<PoolReadOptions, "keep"> & { extended?: boolean } = {}): Promise<RecordOf<"vm">[]> {
  if (ids.length === 0) return [];
  const value = await client.callEscaped("one.vmpool.infoset", [...new Set(ids)].sort((a, b) => a - b).join(","), options.extended ?? true);
  const raw = escapedText("one.vmpool.infoset", value);
  return sliceEscapedPool(raw, "VM_POOL", "VM")
    .filter((s) => !options.keep || options.keep(s))
    .map((s) => KINDS.vm.build(parseXmlDocument(unescapeXml(s), "VM")));
}

function escapedText(method: string, value: XmlRpcValue): string {
  if (value instanceof EscapedString) return value.raw;
  if (typeof value === "string") return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  throw new OneProtocolError(method, "expected the pool document as a string");
}

/**
 * Cuts an escaped pool document into the escaped slices of its objects (`<VM>…</VM>`, each a whole
 * element). Only elements one level below the root count: a template attribute that happens to be
 * named like the object (a user attribute `VM`, a lease's `VNET`) stays inside its object. CDATA
 * sections are skipped, since a value inside one may read like a tag.
 */
export function sliceEscapedPool(escaped: string, poolName: string, element: string): string[] {
  const bounds = sliceBounds(escaped, needlesOf(poolName, element).text, poolName, element);
  const slices: string[] = [];
  for (let k = 0; k < bounds.length; k += 2) slices.push(escaped.slice(bounds[k], bounds[k + 1]));
  return slices;
}

/**
 * `sliceEscapedPool` over the document's UTF-8 bytes (as `OneClient.callEscapedBytes` gives them):
 * views into `bytes`, so a pool is cut without ever being decoded into a string. The markup searched
 * for is ASCII, and no byte of a multi-byte UTF-8 character is ASCII, so byte offsets cut exactly
 * where character offsets would.
 */
export function sliceEscapedPoolBytes(bytes: Buffer, poolName: string, element: string): Buffer[] {
  const bounds = sliceBounds(bytes as Haystack<Uint8Array>, needlesOf(poolName, element).bytes, poolName, element);
  const slices: Buffer[] = [];
  for (let k = 0; k < bounds.length; k += 2) slices.push(bytes.subarray(bounds[k], bounds[k + 1]));
  return slices;
}

/** What the slicer searches: a string or a Buffer, whose indexOf/lastIndexOf mean the same. */
interface Haystack<N> {
  indexOf(needle: N, from: number): number;
  lastIndexOf(needle: N, from: number): number;
}

interface Needles<N extends { length: number }> {
  rootOpen: N;
  rootEmpty: N;
  open: N;
  close: N;
  cdataOpen: N;
  cdataClose: N;
}

const NEEDLES = new Map<string, { text: Needles<string>; bytes: Needles<Uint8Array> }>();

function needlesOf(poolName: string, element: string) {
  const key = `${poolName}/${element}`;
  let needles = NEEDLES.get(key);
  if (!needles) {
    const text: Needles<string> = {
      rootOpen: `&lt;${poolName}&gt;`,
      rootEmpty: `&lt;${poolName}/&gt;`,
      open: `&lt;${element}&gt;`,
      close: `&lt;/${element}&gt;`,
      cdataOpen: "&lt;![CDATA[",
      cdataClose: "]]&gt;",
    };
    const encoder = new TextEncoder();
    const bytes = Object.fromEntries(Object.entries(text).map(([k, v]) => [k, encoder.encode(v)])) as unknown as Needles<Uint8Array>;
    needles = { text, bytes };
    NEEDLES.set(key, needles);
  }
  return needles;
}

/** The [start, end) offsets of every object's slice, flat: [s0, e0, s1, e1, …]. */
function sliceBounds<N extends { length: number }>(escaped: Haystack<N>, needles: Needles<N>, poolName: string, element: string): number[] {
  const { rootOpen, rootEmpty, open, close } = needles;
  const start = escaped.indexOf(rootOpen, 0);
  if (start < 0) {
    if (escaped.indexOf(rootEmpty, 0) >= 0) return [];
    throw new Error(`expected a <${poolName}> document`);
  }
  const bounds: number[] = [];
  let i = start + rootOpen.length;
  let depth = 0;
  let sliceStart = -1;
  // Each needle's next position is kept until passed: every byte is scanned once per needle.
  let nextOpen = -2;
  let nextClose = -2;
  for (;;) {
    if (nextOpen !== -1 && nextOpen < i) nextOpen = escaped.indexOf(open, i);
    if (nextClose !== -1 && nextClose < i) nextClose = escaped.indexOf(close, i);
    if (nextOpen < 0 && nextClose < 0) break;
    const isOpen = nextOpen >= 0 && (nextClose < 0 || nextOpen < nextClose);
    const at = isOpen ? nextOpen : nextClose;
    // Documents hold many CDATA sections; only the one that would contain this tag matters, so look
    // back for it instead of stepping through every section.
    const cdataEnd = enclosingCdataEnd(escaped, needles, at, i);
    if (cdataEnd >= 0) {
      i = cdataEnd;
      continue;
    }
    if (isOpen) {
      if (depth === 0) sliceStart = at;
      depth++;
      i = at + open.length;
    } else {
      depth--;
      if (depth < 0) throw new Error(`an unbalanced </${element}> in the <${poolName}> document`);
      i = at + close.length;
      if (depth === 0) bounds.push(sliceStart, i);
    }
  }
  if (depth !== 0) throw new Error(`the <${poolName}> document ends inside an object`);
  return bounds;
}

/** When `at` lies inside a CDATA section that starts at or after `from`, the index just past its end; else -1. */
function enclosingCdataEnd<N extends { length: number }>(escaped: Haystack<N>, needles: Needles<N>, at: number, from: number): number {
  const cdata = escaped.lastIndexOf(needles.cdataOpen, at);
  if (cdata < from) return -1;
  const end = escaped.indexOf(needles.cdataClose, cdata + needles.cdataOpen.length);
  if (end < 0) throw new Error("an unterminated CDATA section in the pool document");
  return end >= at ? end + needles.cdataClose.length : -1;
}
