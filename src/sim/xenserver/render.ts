/**
 * Values and records on the wire, by their datamodel type (FACTS §1.2): for XML-RPC in xapi's
 * style (strings untyped, int as an untyped 64-bit string, float as `<double>` in `%.16g`, bool
 * `1|0`, datetime `YYYYMMDDTHH:MM:SSZ`, int32 `<i4>`, sets as arrays, maps and records as structs,
 * no whitespace); for JSON-RPC as JSON (ints and floats numbers, datetimes the same text).
 *
 * Small values go through the shared codec (`encodeValue` in its xapi style). Records are written
 * here, field by field from the class table with the codec's escaping and number and date
 * formats, because a 50,000-VM get_all_records must not pay for building a generic value tree per
 * record: each record is rendered once per encoding, kept as bytes (off the JS heap) until it
 * changes, and spliced into answers. test/sim/xenserver/render.test.ts holds this writer to the
 * codec's output byte for byte.
 */
import { XmlRpcDouble, XmlRpcI4, encodeValue, escapeXml, formatDateTimeXapi, formatDoubleG16, type XmlRpcStruct, type XmlRpcValue } from "../../xmlrpc/index.js";
import type { FieldType, Stored, StoredRecord } from "./datamodel.js";
import { classNamed } from "./datamodel.js";
import type { Row } from "./world.js";

const XAPI = { style: "xapi" } as const;

/** What a call answers: a value of a datamodel type, a record, a ref → record map, an event batch, or nothing. */
export type ResultType =
  | FieldType
  | { readonly kind: "void" }
  | { readonly kind: "record"; readonly cls: string }
  | { readonly kind: "records"; readonly cls: string }
  | { readonly kind: "events" }
  /** event.next's answer: a bare array of event records. */
  | { readonly kind: "event-list" };

export interface EventOut {
  id: number;
  cls: string;
  operation: "add" | "mod" | "del";
  ref: string;
  /** The row whose current record is the snapshot; absent for a del. */
  row?: Row;
}

export interface EventBatch {
  events: EventOut[];
  counts: Record<string, number>;
  token: string;
}

/** A piece of an answer: text, or bytes rendered earlier. */
export type Piece = string | Buffer;

/** xapi's dateTime text, `YYYYMMDDTHH:MM:SSZ` (`ocaml/libs/clock/date.ml`; the null date is the epoch). */
export function xapiDate(ms: number): string {
  return formatDateTimeXapi(new Date(ms)) ?? "19700101T00:00:00Z";
}

/** A stored value as the codec's value (wrappers where the plain JS value would be typed otherwise). */
export function toXmlRpc(type: FieldType, value: Stored): XmlRpcValue {
  switch (type.kind) {
    case "string":
    case "enum":
    case "ref":
      return value as string;
    case "int":
      return value as number;
    case "int32":
      return new XmlRpcI4(value as number);
    case "float":
      return new XmlRpcDouble(value as number);
    case "bool":
      return value as boolean;
    case "datetime":
      return new Date(value as number);
    case "set":
      return (value as Stored[]).map((item) => toXmlRpc(type.of, item));
    case "map": {
      const out: XmlRpcStruct = {};
      for (const [key, item] of Object.entries(value as Record<string, Stored>)) {
        Object.defineProperty(out, key, { value: toXmlRpc(type.value, item), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
  }
}

/**
 * Text with nothing to escape and nothing XML forbids (most names, refs, enums): the codec's
 * escapeXml is skipped for it. Any surrogate (paired or not) goes the codec's way.
 */
const PLAIN_TEXT = /^[^&<>\r\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]*$/;

function escapeText(text: string): string {
  return PLAIN_TEXT.test(text) ? text : escapeXml(text);
}

/** Appends the xapi-style `<value>` of a stored value to `out` (what encodeValue(toXmlRpc(…)) writes). */
function writeXml(type: FieldType, value: Stored, out: string[]): void {
  switch (type.kind) {
    case "string":
    case "enum":
    case "ref":
      out.push("<value>", escapeText(value as string), "</value>");
      return;
    case "int":
      out.push(`<value>${(value as number) === 0 ? 0 : (value as number)}</value>`);
      return;
    case "int32":
      out.push(`<value><i4>${value as number}</i4></value>`);
      return;
    case "float":
      out.push(`<value><double>${formatDoubleG16(value as number)}</double></value>`);
      return;
    case "bool":
      out.push(value ? "<value><boolean>1</boolean></value>" : "<value><boolean>0</boolean></value>");
      return;
    case "datetime":
      out.push(`<value><dateTime.iso8601>${xapiDate(value as number)}</dateTime.iso8601></value>`);
      return;
    case "set": {
      const items = value as Stored[];
      if (items.length === 0) {
        out.push("<value><array><data></data></array></value>");
        return;
      }
      out.push("<value><array><data>");
      for (const item of items) writeXml(type.of, item, out);
      out.push("</data></array></value>");
      return;
    }
    case "map": {
      let empty = true;
      for (const key in value as Record<string, Stored>) {
        if (empty) {
          out.push("<value><struct>");
          empty = false;
        }
        out.push("<member><name>", escapeText(key), "</name>");
        writeXml(type.value, (value as Record<string, Stored>)[key] as Stored, out);
        out.push("</member>");
      }
      out.push(empty ? "<value><struct></struct></value>" : "</struct></value>");
      return;
    }
  }
}

/** Each class's `<member><name>field</name>` heads, written once. */
const MEMBER_HEADS = new Map<string, string[]>();

export function toJson(type: FieldType, value: Stored): unknown {
  switch (type.kind) {
    case "datetime":
      return xapiDate(value as number);
    case "set":
      return type.of.kind === "datetime" ? (value as number[]).map(xapiDate) : value;
    case "map": {
      if (type.value.kind !== "datetime" && type.value.kind !== "set" && type.value.kind !== "map") return value;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, Stored>)) {
        Object.defineProperty(out, key, { value: toJson(type.value, item), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    default:
      return value;
  }
}

/** The record as a struct `<value>`, text. */
export function recordXmlText(cls: string, record: StoredRecord): string {
  const spec = classNamed(cls);
  if (!spec) throw new Error(`no class ${cls}`);
  let heads = MEMBER_HEADS.get(cls);
  if (!heads) {
    heads = spec.fields.map((field) => `<member><name>${field.name}</name>`);
    MEMBER_HEADS.set(cls, heads);
  }
  const out: string[] = ["<value><struct>"];
  const fields = spec.fields;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as (typeof fields)[number];
    out.push(heads[i] as string);
    writeXml(field.type, record[field.name] as Stored, out);
    out.push("</member>");
  }
  out.push("</struct></value>");
  return out.join("");
}

export function recordJsonText(cls: string, record: StoredRecord): string {
  const spec = classNamed(cls);
  if (!spec) throw new Error(`no class ${cls}`);
  const out: Record<string, unknown> = {};
  for (const field of spec.fields) out[field.name] = toJson(field.type, record[field.name] as Stored);
  return JSON.stringify(out);
}

/**
 * Renders the rows that have no cached member yet, into shared slabs of about a megabyte: one
 * allocation per slab instead of one per record (50,000 separate 8 KB buffers cost more to
 * allocate than to fill). A row keeps a view into its slab until it changes.
 */
function renderMembers(rows: readonly Row[], json: boolean): void {
  // Each member as three flat strings (head, record, tail): a concatenation would be a rope that
  // the copy into the slab has to flatten first.
  let parts: string[] = [];
  let owners: Row[] = [];
  let size = 0;
  const flush = () => {
    if (owners.length === 0) return;
    const lengths = parts.map((t) => Buffer.byteLength(t, "utf8"));
    const slab = Buffer.allocUnsafeSlow(lengths.reduce((a, b) => a + b, 0));
    let offset = 0;
    for (let i = 0; i < owners.length; i++) {
      const row = owners[i] as Row;
      const start = offset;
      for (let k = 3 * i; k < 3 * i + 3; k++) {
        slab.write(parts[k] as string, offset, lengths[k] as number, "utf8");
        offset += lengths[k] as number;
      }
      const view = slab.subarray(start, offset);
      const at = lengths[3 * i] as number;
      if (json) {
        row.json = view;
        row.jsonAt = at;
      } else {
        row.xml = view;
        row.xmlAt = at;
      }
    }
    parts = [];
    owners = [];
    size = 0;
  };
  for (const row of rows) {
    if ((json ? row.json : row.xml) !== undefined) continue;
    const body = json ? recordJsonText(row.cls, row.record) : recordXmlText(row.cls, row.record);
    parts.push(json ? `${JSON.stringify(row.ref)}:` : `<member><name>${escapeText(row.ref)}</name>`, body, json ? "" : "</member>");
    owners.push(row);
    size += body.length;
    if (size >= 1 << 20) flush();
  }
  flush();
}

/** The row's `<member><name>ref</name><value>record</value></member>` as bytes; the record alone is a view into it. */
function xmlMember(row: Row): Buffer {
  if (row.xml === undefined) renderMembers([row], false);
  return row.xml as Buffer;
}

export function recordXml(row: Row): Buffer {
  const member = xmlMember(row);
  return member.subarray(row.xmlAt, member.length - "</member>".length);
}

/** The row's `"ref":{record}` as bytes; the record alone is a view into it. */
function jsonMember(row: Row): Buffer {
  if (row.json === undefined) renderMembers([row], true);
  return row.json as Buffer;
}

export function recordJson(row: Row): Buffer {
  return jsonMember(row).subarray(row.jsonAt);
}

/** Renders (and caches) the rows in one encoding ahead of an answer that holds them all. */
export function prerender(rows: readonly Row[], encoding: "xml" | "json"): void {
  renderMembers(rows, encoding === "json");
}

/** A record as plain values (for tests and task results): what a JSON-RPC client would read. */
export function recordValue(row: Row): StoredRecord {
  return JSON.parse(recordJson(row).toString("utf8")) as StoredRecord;
}

/** The XML-RPC `<value>` of a result, as pieces to be written one after the other. */
export function resultXml(type: ResultType, value: unknown): Piece[] {
  switch (type.kind) {
    case "void":
      return ["<value></value>"];
    case "record":
      return [recordXml(value as Row)];
    case "records": {
      const pieces: Piece[] = ["<value><struct>"];
      renderMembers(value as Row[], false);
      for (const row of value as Row[]) pieces.push(xmlMember(row));
      pieces.push("</struct></value>");
      return pieces;
    }
    case "events": {
      const batch = value as EventBatch;
      const counts: XmlRpcStruct = {};
      for (const [cls, n] of Object.entries(batch.counts)) counts[cls] = new XmlRpcI4(n);
      const pieces: Piece[] = ["<value><struct><member><name>events</name>"];
      eventListXml(batch.events, pieces);
      pieces.push(`</member><member><name>valid_ref_counts</name>${encodeValue(counts, XAPI)}</member><member><name>token</name>${encodeValue(batch.token, XAPI)}</member></struct></value>`);
      return pieces;
    }
    case "event-list": {
      const pieces: Piece[] = [];
      eventListXml(value as EventOut[], pieces);
      return pieces;
    }
    default:
      return [encodeValue(toXmlRpc(type, value as Stored), XAPI)];
  }
}

function eventListXml(events: EventOut[], pieces: Piece[]): void {
  renderMembers(events.flatMap((e) => (e.row ? [e.row] : [])), false);
  pieces.push("<value><array><data>");
  for (const event of events) {
    const head =
      `<value><struct><member><name>id</name><value>${event.id}</value></member>` +
      "<member><name>timestamp</name><value>0.0</value></member>" +
      `<member><name>class</name><value>${escapeXml(event.cls.toLowerCase())}</value></member>` +
      `<member><name>operation</name><value>${event.operation}</value></member>` +
      `<member><name>ref</name><value>${escapeXml(event.ref)}</value></member>`;
    if (event.row) pieces.push(`${head}<member><name>snapshot</name>`, recordXml(event.row), "</member></struct></value>");
    else pieces.push(`${head}</struct></value>`);
  }
  pieces.push("</data></array></value>");
}

/** The JSON of a result, as pieces. */
export function resultJson(type: ResultType, value: unknown): Piece[] {
  switch (type.kind) {
    case "void":
      return ['""'];
    case "record":
      return [recordJson(value as Row)];
    case "records": {
      const rows = value as Row[];
      renderMembers(rows, true);
      const pieces: Piece[] = ["{"];
      rows.forEach((row, i) => {
        if (i > 0) pieces.push(",");
        pieces.push(jsonMember(row));
      });
      pieces.push("}");
      return pieces;
    }
    case "events": {
      const batch = value as EventBatch;
      const pieces: Piece[] = ['{"events":'];
      eventListJson(batch.events, pieces);
      pieces.push(`,"valid_ref_counts":${JSON.stringify(batch.counts)},"token":${JSON.stringify(batch.token)}}`);
      return pieces;
    }
    case "event-list": {
      const pieces: Piece[] = [];
      eventListJson(value as EventOut[], pieces);
      return pieces;
    }
    default:
      return [JSON.stringify(toJson(type, value as Stored))];
  }
}

function eventListJson(events: EventOut[], pieces: Piece[]): void {
  renderMembers(events.flatMap((e) => (e.row ? [e.row] : [])), true);
  pieces.push("[");
  events.forEach((event, i) => {
    const head = `${i > 0 ? "," : ""}{"id":"${event.id}","timestamp":"0.0","class":${JSON.stringify(event.cls.toLowerCase())},"operation":"${event.operation}","ref":${JSON.stringify(event.ref)}`;
    if (event.row) pieces.push(`${head},"snapshot":`, recordJson(event.row), "}");
    else pieces.push(`${head}}`);
  });
  pieces.push("]");
}

/** The pieces as one string (task results, tests). */
export function joinPieces(pieces: Piece[]): string {
  return pieces.map((p) => (typeof p === "string" ? p : p.toString("utf8"))).join("");
}
