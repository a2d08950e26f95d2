/**
 * A `<class>.get_all_records` answer, indexed without decoding what the stack does not own.
 *
 * A pool of 50,000 VMs answers with ~300 MB of records (BENCHMARKS.md "xen-plan-scale"), of which a
 * plan keeps a tenth. Decoding all of it (UTF-8 to text, then JSON.parse into ~50 million values)
 * cost the client more CPU than the whole per-object read it replaces at 2 ms a call. Over JSON-RPC the
 * answer is therefore read as bytes: one pass finds each record's span and the spans of the few fields
 * the plan chooses by (its name, its other_config, the VM a VBD or VIF belongs to), and only the
 * records the reader keeps are parsed. Over XML-RPC the wire has already decoded the answer (its
 * decoder reads whole documents); the same index is made over the decoded struct, so the reader
 * chooses the same way through both wires.
 *
 * Nothing is taken on trust from bytes that were not parsed: a field is looked up by its exact key
 * among the record's own members (never found inside a string or a nested map), a value with an
 * escape sequence in it is decoded by JSON.parse, and a record whose member names carry escapes is
 * parsed whole before it is judged. A document whose strings or brackets do not close, or whose
 * brackets do not match, is refused; the records kept are then checked in full by JSON.parse, the
 * others only that far.
 */
import type { WireValue } from "./field-types.js";
import { isStruct } from "./field-types.js";

/** The fields of one record the reader chooses by, read without decoding the rest of the record. */
export interface RecordFields {
  /** A member's value when it is a string; undefined when absent or of another type. */
  text(field: string): string | undefined;
  /** The string a map member (`other_config`) holds under `key`; undefined when absent or not a string. */
  entry(field: string, key: string): string | undefined;
}

/** Every record of one answer, by ref; each is decoded only when `select` keeps it. */
export interface RecordIndex {
  readonly size: number;
  /** The records `keep` accepts, decoded; the others are never decoded. Values that are not records are skipped. */
  select(keep: (ref: string, fields: RecordFields) => boolean): Map<string, Record<string, WireValue>>;
}

/** A document the byte reader refuses: what is wrong and at which byte. */
export class JsonScanError extends Error {
  constructor(
    readonly problem: string,
    readonly offset: number,
  ) {
    super(`${problem} at byte ${offset}`);
    this.name = "JsonScanError";
  }
}

// ---------------------------------------------------------------------------------------------
// The decoded form (XML-RPC): the same choosing over values already in memory.

/**
 * The index of a record map the wire has already decoded (`{ref: record}`). `copyKept`: the records
 * kept are copied out of the decoded answer, whose strings may be slices of the whole response text
 * (the XML-RPC decoder's): a plan holding a few records would otherwise keep all of it alive.
 */
export function indexDecoded(value: Record<string, WireValue>, options: { copyKept?: boolean } = {}): RecordIndex {
  const refs = Object.keys(value);
  return {
    size: refs.length,
    select(keep) {
      const out = new Map<string, Record<string, WireValue>>();
      for (const ref of refs) {
        const record = value[ref];
        if (!isStruct(record)) continue;
        const fields: RecordFields = {
          text: (field) => (typeof record[field] === "string" ? (record[field] as string) : undefined),
          entry: (field, key) => {
            const map = record[field];
            const held = isStruct(map) ? map[key] : undefined;
            return typeof held === "string" ? held : undefined;
          },
        };
        if (keep(ref, fields)) out.set(ref, options.copyKept === true ? structuredClone(record) : record);
      }
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The byte form (JSON-RPC).

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

/** What a byte means inside a string: 0 for most. */
const STRING_ENDS = 1;
const ESCAPE = 2;
const CONTROL = 3;
const IN_STRING = new Uint8Array(256);
IN_STRING.fill(CONTROL, 0, 0x20);
IN_STRING[QUOTE] = STRING_ENDS;
IN_STRING[BACKSLASH] = ESCAPE;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Walks JSON bytes. Strings, objects and arrays are skipped by their delimiters, their brackets
 * matched by kind; scalars (numbers, true, false, null) are skipped to the next delimiter. Only what
 * is kept is ever handed to JSON.parse, which then checks it in full.
 */
export class Walker {
  /** Set by `string` when the string it just passed holds an escape sequence. */
  escaped = false;

  constructor(
    readonly bytes: Buffer,
    readonly end: number,
  ) {}

  fail(problem: string, at: number): never {
    throw new JsonScanError(problem, Math.min(at, this.end));
  }

  space(i: number): number {
    const b = this.bytes;
    while (i < this.end && isSpace(b[i]!)) i++;
    return i;
  }

  expect(i: number, byte: number, what: string): number {
    if (i >= this.end) this.fail(`the document ends where ${what} was expected`, i);
    if (this.bytes[i] !== byte) this.fail(`expected ${what}`, i);
    return i + 1;
  }

  /** Past the string opening at `i`. */
  string(i: number): number {
    const b = this.bytes;
    const end = this.end;
    let j = i + 1;
    let escaped = false;
    while (j < end) {
      const kind = IN_STRING[b[j]!]!;
      if (kind === 0) {
        j++;
        continue;
      }
      if (kind === STRING_ENDS) {
        this.escaped = escaped;
        return j + 1;
      }
      if (kind === ESCAPE) {
        escaped = true;
        j += 2;
        continue;
      }
      this.fail("a control character inside a string", j);
    }
    return this.fail("a string that never ends", i);
  }

  /** Past the value starting at `i` (which must not be whitespace). */
  value(i: number): number {
    const b = this.bytes;
    const end = this.end;
    if (i >= end) this.fail("the document ends where a value was expected", i);
    const first = b[i]!;
    if (first === QUOTE) return this.string(i);
    if (first !== LBRACE && first !== LBRACKET) return this.scalar(i);
    return walkContainer(this, i, [], NO_LENGTHS, [], 0);
  }

  scalar(i: number): number {
    const b = this.bytes;
    let j = i;
    while (j < this.end) {
      const c = b[j]!;
      if (c === COMMA || c === RBRACE || c === RBRACKET || isSpace(c)) break;
      if (c === QUOTE || c === LBRACE || c === LBRACKET || c === COLON) this.fail("an unexpected character in a value", j);
      j++;
    }
    if (j === i) this.fail("a value was expected", i);
    return j;
  }

  /** Calls `member(keyStart, keyEnd, valueStart)` for each member of the object opening at `i`, which returns past the value; returns past the object. */
  members(i: number, member: (keyStart: number, keyEnd: number, valueStart: number) => number): number {
    let j = this.space(i + 1);
    if (j < this.end && this.bytes[j] === RBRACE) return j + 1;
    for (;;) {
      if (j >= this.end || this.bytes[j] !== QUOTE) this.fail("expected a member name", j);
      const keyEnd = this.string(j);
      const v = this.space(this.expect(this.space(keyEnd), COLON, "':'"));
      j = this.space(member(j, keyEnd, v));
      if (j >= this.end) this.fail("the document ends inside an object", j);
      const c = this.bytes[j];
      if (c === RBRACE) return j + 1;
      if (c !== COMMA) this.fail("expected ',' or '}'", j);
      j = this.space(j + 1);
    }
  }
}

/** What a byte means inside a record, outside its strings: 0 for most. */
const TOKEN = new Uint8Array(256);
const T_QUOTE = 1;
const T_OPEN = 2;
const T_CLOSE = 3;
const T_COLON = 4;
const T_COMMA = 5;
TOKEN[QUOTE] = T_QUOTE;
TOKEN[LBRACE] = T_OPEN;
TOKEN[LBRACKET] = T_OPEN;
TOKEN[RBRACE] = T_CLOSE;
TOKEN[RBRACKET] = T_CLOSE;
TOKEN[COLON] = T_COLON;
TOKEN[COMMA] = T_COMMA;

/** No member name is wanted: the walk only finds where the container ends. */
const NO_LENGTHS = new Uint8Array(0);

/**
 * Past the object or array opening at `start`, in one flat pass: the hot loop of a pool read (144 MB
 * of VM records in ~0.5 s on the benchmark machine, where UTF-8 decoding and JSON.parse of them took
 * ~1.6 s). For a record, notes at `spans[at + 2f]` and `spans[at + 2f + 1]` where the value of its
 * member named `names[f]` starts and ends, and sets `walker.escaped` when a member name holds an
 * escape (the names were then not compared as they mean).
 */
function walkContainer(walker: Walker, start: number, names: readonly Buffer[], wantedLengths: Uint8Array, spans: number[], at: number): number {
  const b = walker.bytes;
  const end = walker.end;
  // Locals, not module bindings, in the hot loop.
  const tokens = TOKEN;
  const stack: number[] = [b[start]!];
  let j = start + 1;
  let nameNext = true;
  let field = -1;
  let colon = -1;
  let escapedNames = false;
  while (j < end) {
    const c = b[j]!;
    const token = tokens[c]!;
    if (token === 0) {
      j++;
      continue;
    }
    switch (token) {
      case T_QUOTE: {
        const from = j++;
        let escaped = false;
        while (j < end) {
          const d = b[j]!;
          if (d === QUOTE) break;
          if (d === BACKSLASH) {
            escaped = true;
            j += 2;
          } else j++;
        }
        if (j >= end) walker.fail("a string that never ends", from);
        j++;
        if (nameNext && stack.length === 1) {
          nameNext = false;
          if (escaped) escapedNames = true;
          field = -1;
          const length = j - 1 - (from + 1);
          if (length < wantedLengths.length && wantedLengths[length] === 1) {
            for (let f = 0; f < names.length; f++) if (sameBytes(b, from + 1, j - 1, names[f]!)) field = f;
          }
        }
        continue;
      }
      case T_OPEN:
        stack.push(c);
        break;
      case T_CLOSE: {
        if (stack.pop() !== (c === RBRACE ? LBRACE : LBRACKET)) walker.fail(`a ${String.fromCharCode(c)} that closes nothing it opened`, j);
        if (stack.length === 0) {
          if (field >= 0) noteValue(b, colon, j, spans, at + 2 * field);
          walker.escaped = escapedNames;
          return j + 1;
        }
        break;
      }
      case T_COLON:
        if (stack.length === 1) colon = j;
        break;
      case T_COMMA:
        if (stack.length === 1) {
          if (field >= 0) noteValue(b, colon, j, spans, at + 2 * field);
          field = -1;
          nameNext = true;
        }
        break;
    }
    j++;
  }
  return walker.fail(`a ${String.fromCharCode(b[start]!)} that is never closed`, start);
}

/** Notes the span of the value between a member's colon and the byte that ends it, without the spaces around it. */
function noteValue(b: Buffer, colon: number, stop: number, spans: number[], at: number): void {
  let start = colon + 1;
  while (isSpace(b[start]!)) start++;
  let end = stop;
  while (end > start && isSpace(b[end - 1]!)) end--;
  spans[at] = start;
  spans[at + 1] = end;
}

function textOf(bytes: Buffer, start: number, end: number): string {
  return bytes.toString("utf8", start, end);
}

/** Whether the bytes at [start, end) are exactly `name` (ASCII). */
export function sameBytes(bytes: Buffer, start: number, end: number, name: Buffer): boolean {
  if (end - start !== name.length) return false;
  for (let k = 0; k < name.length; k++) if (bytes[start + k] !== name[k]) return false;
  return true;
}

/** Flags of a record's entry in the index. */
export const NOT_A_RECORD = 1;
/** A member name with an escape: the record is parsed whole before it is judged. */
export const ESCAPED_NAMES = 2;

/**
 * Indexes the record map (`{ref: record, …}`) opening at `start` in `bytes`: one pass, noting each
 * record's span and the spans of the members named in `fields`. Returns the index and the offset just
 * past the map.
 */
export function indexRecordBytes(bytes: Buffer, start: number, end: number, fields: readonly string[]): { index: RecordIndex; next: number } {
  const walker = new Walker(bytes, end);
  const names = fields.map((f) => Buffer.from(f, "latin1"));
  // Most member names are not wanted: their length says so before any byte is compared.
  const wantedLengths = new Uint8Array(Math.max(0, ...names.map((n) => n.length)) + 1);
  for (const name of names) wantedLengths[name.length] = 1;
  const width = 2 + 2 * names.length;
  const refs: string[] = [];
  const flags: number[] = [];
  /** Per record: its start and end, then each wanted field's value start and end (-1 when absent). */
  const spans: number[] = [];
  if (bytes[start] !== LBRACE) walker.fail("expected a map of refs to records", start);
  const next = walker.members(start, (keyStart, keyEnd, valueStart) => {
    refs.push(walker.escaped ? (JSON.parse(textOf(bytes, keyStart, keyEnd)) as string) : textOf(bytes, keyStart + 1, keyEnd - 1));
    const base = spans.length;
    for (let k = 0; k < width; k++) spans.push(-1);
    spans[base] = valueStart;
    if (bytes[valueStart] !== LBRACE) {
      flags.push(NOT_A_RECORD);
      const after = walker.value(valueStart);
      spans[base + 1] = after;
      return after;
    }
    const after = walkContainer(walker, valueStart, names, wantedLengths, spans, base + 2);
    spans[base + 1] = after;
    flags.push(walker.escaped ? ESCAPED_NAMES : 0);
    return after;
  });
  return { index: new ByteIndex(bytes, refs, flags, spans, fields, JSON_SPANS), next };
}

/** How one wire's bytes are read back: a member's text, one key of a map member, a whole record. */
export interface SpanDecoder {
  /** The string the value at [start, end) holds; undefined when it is not a string. */
  text(bytes: Buffer, start: number, end: number): string | undefined;
  /** The string a map value at [start, end) holds under `key`; undefined when absent, not a map or not a string. */
  entry(bytes: Buffer, start: number, end: number, key: string): string | undefined;
  /** The record at [start, end), decoded. */
  record(bytes: Buffer, start: number, end: number): Record<string, WireValue>;
}

const JSON_SPANS: SpanDecoder = {
  text(bytes, start, end) {
    if (bytes[start] !== QUOTE) return undefined;
    return bytes.subarray(start, end).indexOf(BACKSLASH) < 0 ? textOf(bytes, start + 1, end - 1) : (JSON.parse(textOf(bytes, start, end)) as string);
  },
  entry(bytes, start, end, key) {
    if (bytes[start] !== LBRACE) return undefined;
    const raw = bytes.subarray(start, end);
    // The key's bytes appear nowhere in the map, and no escape could spell them otherwise: absent.
    if (raw.indexOf(BACKSLASH) < 0 && raw.indexOf(key, 0, "utf8") < 0) return undefined;
    const held = (JSON.parse(textOf(bytes, start, end)) as Record<string, unknown>)[key];
    return typeof held === "string" ? held : undefined;
  },
  record(bytes, start, end) {
    return JSON.parse(textOf(bytes, start, end)) as Record<string, WireValue>;
  },
};

/**
 * An index over an answer's bytes: per record its ref, flags, and in `spans` (`2 + 2 × fields`
 * numbers a record) its own span then each field's value span (-1 when the record has no such member).
 */
export class ByteIndex implements RecordIndex {
  readonly #bytes: Buffer;
  readonly #refs: string[];
  readonly #flags: number[];
  readonly #spans: number[];
  readonly #fields: readonly string[];
  readonly #decoder: SpanDecoder;

  constructor(bytes: Buffer, refs: string[], flags: number[], spans: number[], fields: readonly string[], decoder: SpanDecoder) {
    this.#bytes = bytes;
    this.#refs = refs;
    this.#flags = flags;
    this.#spans = spans;
    this.#fields = fields;
    this.#decoder = decoder;
  }

  get size(): number {
    return this.#refs.length;
  }

  select(keep: (ref: string, fields: RecordFields) => boolean): Map<string, Record<string, WireValue>> {
    const bytes = this.#bytes;
    const decoder = this.#decoder;
    const width = 2 + 2 * this.#fields.length;
    const out = new Map<string, Record<string, WireValue>>();
    let base = 0;
    const span = (field: string): [number, number] | undefined => {
      const f = this.#fields.indexOf(field);
      if (f < 0) throw new Error(`the record index holds no field ${field}: name it when the answer is indexed`);
      const start = this.#spans[base + 2 + 2 * f]!;
      return start < 0 ? undefined : [start, this.#spans[base + 3 + 2 * f]!];
    };
    const fields: RecordFields = {
      text: (field) => {
        const at = span(field);
        return at === undefined ? undefined : decoder.text(bytes, at[0], at[1]);
      },
      entry: (field, key) => {
        const at = span(field);
        return at === undefined ? undefined : decoder.entry(bytes, at[0], at[1], key);
      },
    };
    for (let r = 0; r < this.#refs.length; r++, base += width) {
      if ((this.#flags[r]! & NOT_A_RECORD) !== 0) continue;
      const start = this.#spans[base]!;
      const end = this.#spans[base + 1]!;
      const ref = this.#refs[r]!;
      if ((this.#flags[r]! & ESCAPED_NAMES) !== 0) {
        const record = decoder.record(bytes, start, end);
        if (indexDecoded({ [ref]: record }).select(keep).size > 0) out.set(ref, record);
        continue;
      }
      if (keep(ref, fields)) out.set(ref, decoder.record(bytes, start, end));
    }
    return out;
  }
}
