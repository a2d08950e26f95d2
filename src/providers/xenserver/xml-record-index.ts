/**
 * A `<class>.get_all_records` answer over XML-RPC, indexed at the bytes as the JSON-RPC wire's is
 * (record-index.ts): a pool of 50,000 VMs answers with ~870 MB of XML, and decoding all of it cost
 * the client 25 s of CPU for the tenth a plan keeps (BENCHMARKS.md "xen-plan-scale").
 *
 * xapi answers `{Status: "Success", Value: {ref: record, …}}` (FACTS §1.1). One pass over the tags
 * finds each record's `<value>` and, among the record's own members, the values of the fields the
 * reader chooses by; the records it keeps are decoded by the XML-RPC decoder, one `<value>` at a time.
 * Text holds no `<` (XML escapes it), so a tag is always a tag. Anything but that plain shape (a
 * Failure, a fault, a comment or CDATA section, a document that does not close as it opened) is not
 * indexed: the caller decodes the whole answer as before, and its decoder says what is wrong.
 */
import { decodeResponse } from "../../xmlrpc/index.js";
import type { WireValue } from "./field-types.js";
import { isStruct } from "./field-types.js";
import { ByteIndex, ESCAPED_NAMES, NOT_A_RECORD, sameBytes, type RecordIndex, type SpanDecoder } from "./record-index.js";

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const AMP = 0x26;
const BANG = 0x21;
const QUESTION = 0x3f;

/** The tags the shape is made of; any other is one of the scalar types, which the pass steps over. */
const enum Tag {
  Other,
  Struct,
  Array,
  Member,
  Name,
  Value,
}

function tagOf(bytes: Buffer, start: number, end: number): Tag {
  switch (end - start) {
    case 6:
      // struct, string, member
      if (bytes[start] === 0x6d) return Tag.Member;
      return bytes[start] === 0x73 && bytes[start + 3] === 0x75 ? Tag.Struct : Tag.Other;
    case 5:
      if (bytes[start] === 0x76) return Tag.Value;
      return bytes[start] === 0x61 ? Tag.Array : Tag.Other;
    case 4:
      return bytes[start] === 0x6e ? Tag.Name : Tag.Other;
    default:
      return Tag.Other;
  }
}

function isNameByte(c: number): boolean {
  return c !== GT && c !== SLASH && c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d;
}

/** Whether [start, end) holds `&` (an entity: the text must go through the decoder). */
function hasEntity(bytes: Buffer, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (bytes[k] === AMP) return true;
  return false;
}

/** One `<value>…</value>` decoded by the XML-RPC decoder, as the value of a response of its own. */
function decodeFragment(bytes: Buffer, start: number, end: number): WireValue {
  const decoded = decodeResponse(`<?xml version="1.0"?><methodResponse><params><param>${bytes.toString("utf8", start, end)}</param></params></methodResponse>`);
  if (decoded.fault) throw new Error("a value decoded as a fault");
  return decoded.value;
}

/** The text a plain `<name>` or `<value>` holds between `from` and `to`, entities decoded. */
function plainText(bytes: Buffer, from: number, to: number): string {
  if (!hasEntity(bytes, from, to)) return bytes.toString("utf8", from, to);
  const fragment = Buffer.from(`<value>${bytes.toString("utf8", from, to)}</value>`);
  return decodeFragment(fragment, 0, fragment.length) as string;
}

const VALUE_OPEN = Buffer.from("<value>");
const VALUE_CLOSE = Buffer.from("</value>");

const XML_SPANS: SpanDecoder = {
  text(bytes, start, end) {
    // The common form, `<value>text</value>` with no tag inside: read as it stands.
    const inner = start + VALUE_OPEN.length;
    const close = end - VALUE_CLOSE.length;
    if (close >= inner && sameBytes(bytes, start, inner, VALUE_OPEN) && sameBytes(bytes, close, end, VALUE_CLOSE) && bytes.subarray(inner, close).indexOf(LT) < 0) {
      return plainText(bytes, inner, close);
    }
    const value = decodeFragment(bytes, start, end);
    return typeof value === "string" ? value : undefined;
  },
  entry(bytes, start, end, key) {
    const raw = bytes.subarray(start, end);
    if (raw.indexOf(AMP) < 0 && raw.indexOf(key, 0, "utf8") < 0) return undefined;
    const map = decodeFragment(bytes, start, end);
    const held = isStruct(map) ? map[key] : undefined;
    return typeof held === "string" ? held : undefined;
  },
  record(bytes, start, end) {
    return decodeFragment(bytes, start, end) as Record<string, WireValue>;
  },
};

/**
 * The index of a Success answer whose Value is a struct, made in one pass over `bytes`; undefined for
 * any other answer, which the caller decodes whole.
 */
export function indexXmlRecordAnswer(bytes: Buffer, fields: readonly string[]): RecordIndex | undefined {
  const names = fields.map((f) => Buffer.from(f, "latin1"));
  const width = 2 + 2 * names.length;
  const refs: string[] = [];
  const flags: number[] = [];
  const spans: number[] = [];
  const n = bytes.length;
  /** Open struct and array tags, innermost last. */
  const open: Tag[] = [];
  let status: string | undefined;
  let mapSeen = false;
  /** Of the member being read at depth 1 (the answer), 2 (the map) or 3 (a record): its name's span. */
  let nameFrom = -1;
  let nameTo = -1;
  let topMember = "";
  let valueAt = -1;
  let base = -1;
  let field = -1;
  let recordFlags = 0;
  let i = 0;
  for (;;) {
    // Text between tags carries no structure: on to the next tag.
    while (i < n && bytes[i] !== LT) i++;
    if (i >= n) break;
    const lt = i;
    const first = bytes[lt + 1];
    if (first === QUESTION) {
      const end = bytes.indexOf("?>", lt);
      if (end < 0) return undefined;
      i = end + 2;
      continue;
    }
    if (first === BANG) return undefined;
    const closing = first === SLASH;
    const nameStart = closing ? lt + 2 : lt + 1;
    let nameEnd = nameStart;
    while (nameEnd < n && isNameByte(bytes[nameEnd]!)) nameEnd++;
    let gt = nameEnd;
    while (gt < n && bytes[gt] !== GT) gt++;
    if (gt >= n) return undefined;
    const selfClosing = bytes[gt - 1] === SLASH;
    i = gt + 1;
    const tag = tagOf(bytes, nameStart, nameEnd);
    if (tag === Tag.Other) continue;
    const depth = open.length;
    if (tag === Tag.Struct || tag === Tag.Array) {
      if (selfClosing) {
        if (tag === Tag.Struct && depth === 1 && topMember === "Value") mapSeen = true;
        continue;
      }
      if (closing) {
        if (open.pop() !== tag) return undefined;
        continue;
      }
      open.push(tag);
      if (depth === 1 && topMember === "Value") {
        if (tag !== Tag.Struct) return undefined;
        mapSeen = true;
      }
      continue;
    }
    if (depth === 0 || depth > 3 || open[depth - 1] !== Tag.Struct) continue;
    if (tag === Tag.Name) {
      if (closing) nameTo = lt;
      else if (!selfClosing) {
        nameFrom = i;
        nameTo = -1;
      } else nameFrom = nameTo = i;
      continue;
    }
    if (tag !== Tag.Value) continue;
    // A member's value, at the depth of the answer, of the map or of a record.
    if (!closing) {
      if (nameFrom < 0 || nameTo < 0) return undefined;
      valueAt = lt;
      if (depth === 1) topMember = bytes.toString("latin1", nameFrom, nameTo);
      else if (depth === 2) {
        refs.push(plainText(bytes, nameFrom, nameTo));
        base = spans.length;
        for (let k = 0; k < width; k++) spans.push(-1);
        spans[base] = lt;
        recordFlags = 0;
        // A record is `<value><struct>` (or `<struct/>`): anything else is not one.
        let next = i;
        while (next < n && bytes[next] !== LT) next++;
        let nextEnd = next + 1;
        while (nextEnd < n && isNameByte(bytes[nextEnd]!)) nextEnd++;
        if (selfClosing || tagOf(bytes, next + 1, nextEnd) !== Tag.Struct) recordFlags = NOT_A_RECORD;
      } else {
        field = -1;
        if (hasEntity(bytes, nameFrom, nameTo)) recordFlags |= ESCAPED_NAMES;
        else for (let f = 0; f < names.length; f++) if (sameBytes(bytes, nameFrom, nameTo, names[f]!)) field = f;
      }
      nameFrom = nameTo = -1;
      if (!selfClosing) continue;
    }
    const valueEnd = i;
    if (depth === 1) {
      if (topMember === "Status") status = bytes.toString("latin1", valueAt, valueEnd);
    } else if (depth === 2) {
      spans[base + 1] = valueEnd;
      flags.push(recordFlags);
    } else if (field >= 0) {
      spans[base + 2 + 2 * field] = valueAt;
      spans[base + 3 + 2 * field] = valueEnd;
      field = -1;
    }
  }
  if (open.length !== 0 || !mapSeen || flags.length !== refs.length) return undefined;
  if (status !== "<value>Success</value>" && status !== "<value><string>Success</string></value>") return undefined;
  return new ByteIndex(bytes, refs, flags, spans, fields, XML_SPANS);
}
