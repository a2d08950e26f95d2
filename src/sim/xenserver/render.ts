/**
 * Values and records on the wire, by their datamodel type (FACTS §1.2): for XML-RPC through the
 * codec's xapi style (strings untyped, int as an untyped 64-bit string, float as `<double>`, bool
 * `1|0`, datetime `YYYYMMDDTHH:MM:SSZ`, sets as arrays, maps and records as structs); for JSON-RPC
 * as JSON (ints and floats numbers, datetimes the same text). A record is rendered once in each
 * encoding and kept until it changes, so a get_all_records of 50,000 VMs splices cached pieces.
 */
import { EncodedValue, XmlRpcDouble, XmlRpcI4, encodeValue, escapeXml, formatDateTimeXapi, type XmlRpcStruct, type XmlRpcValue } from "../../xmlrpc/index";
import type { FieldType, Stored, StoredRecord } from "./datamodel";
import { classNamed } from "./datamodel";
import type { Row } from "./world";

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

/** xapi's dateTime text, `YYYYMMDDTHH:MM:SSZ` (`ocaml/libs/clock/date.ml`; the null date is the epoch). */
export function xapiDate(ms: number): string {
  return formatDateTimeXapi(new Date(ms)) ?? "19700101T00:00:00Z";
}

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
      for (const [key, item] of Object.entries(value as Record<string, Stored>)) out[key] = toXmlRpc(type.value, item);
      return out;
    }
  }
}

export function toJson(type: FieldType, value: Stored): unknown {
  switch (type.kind) {
    case "datetime":
      return xapiDate(value as number);
    case "set":
      return type.of.kind === "datetime" ? (value as number[]).map(xapiDate) : value;
    case "map": {
      if (type.value.kind !== "datetime" && type.value.kind !== "set" && type.value.kind !== "map") return value;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, Stored>)) out[key] = toJson(type.value, item);
      return out;
    }
    default:
      return value;
  }
}

/** The record of `row` as an xapi-style `<value><struct>…</struct></value>`, cached on the row. */
export function recordXml(row: Row): string {
  if (row.xml === undefined) {
    const spec = classNamed(row.cls);
    if (!spec) throw new Error(`no class ${row.cls}`);
    const struct: XmlRpcStruct = {};
    for (const field of spec.fields) struct[field.name] = toXmlRpc(field.type, row.record[field.name] as Stored);
    row.xml = encodeValue(struct, XAPI);
  }
  return row.xml;
}

/** The record of `row` as JSON text, cached on the row. */
export function recordJson(row: Row): string {
  if (row.json === undefined) {
    const spec = classNamed(row.cls);
    if (!spec) throw new Error(`no class ${row.cls}`);
    const out: Record<string, unknown> = {};
    for (const field of spec.fields) out[field.name] = toJson(field.type, row.record[field.name] as Stored);
    row.json = JSON.stringify(out);
  }
  return row.json;
}

/** A record as plain values (for task results and tests): what a JSON-RPC client would read. */
export function recordValue(row: Row): StoredRecord {
  return JSON.parse(recordJson(row)) as StoredRecord;
}

/**
 * The XML-RPC `<value>` of a result, as pieces to be written one after the other (a huge
 * get_all_records stays a list of cached strings and is never joined into one).
 */
export function resultXml(type: ResultType, value: unknown): string[] {
  switch (type.kind) {
    case "void":
      return [encodeValue("", XAPI)];
    case "record":
      return [recordXml(value as Row)];
    case "records": {
      const rows = value as Row[];
      const pieces: string[] = ["<value><struct>"];
      for (const row of rows) pieces.push(`<member><name>${escapeXml(row.ref)}</name>`, recordXml(row), "</member>");
      pieces.push("</struct></value>");
      return pieces;
    }
    case "events":
      return [encodeValue(eventBatchXml(value as EventBatch), XAPI)];
    case "event-list":
      return [encodeValue((value as EventOut[]).map(eventXml), XAPI)];
    default:
      return [encodeValue(toXmlRpc(type, value as Stored), XAPI)];
  }
}

/** The JSON of a result, as pieces. */
export function resultJson(type: ResultType, value: unknown): string[] {
  switch (type.kind) {
    case "void":
      return ['""'];
    case "record":
      return [recordJson(value as Row)];
    case "records": {
      const rows = value as Row[];
      const pieces: string[] = ["{"];
      rows.forEach((row, i) => pieces.push(`${i === 0 ? "" : ","}${JSON.stringify(row.ref)}:`, recordJson(row)));
      pieces.push("}");
      return pieces;
    }
    case "events": {
      const batch = value as EventBatch;
      const events = batch.events.map(eventJson).join(",");
      return [`{"events":[${events}],"valid_ref_counts":${JSON.stringify(batch.counts)},"token":${JSON.stringify(batch.token)}}`];
    }
    case "event-list":
      return [`[${(value as EventOut[]).map(eventJson).join(",")}]`];
    default:
      return [JSON.stringify(toJson(type, value as Stored))];
  }
}

function eventXml(event: EventOut): XmlRpcStruct {
  const struct: XmlRpcStruct = {
    id: String(event.id),
    timestamp: "0.0",
    class: event.cls.toLowerCase(),
    operation: event.operation,
    ref: event.ref,
  };
  if (event.row) struct.snapshot = new EncodedValue(recordXml(event.row));
  return struct;
}

function eventBatchXml(batch: EventBatch): XmlRpcStruct {
  const counts: XmlRpcStruct = {};
  for (const [cls, n] of Object.entries(batch.counts)) counts[cls] = new XmlRpcI4(n);
  return { events: batch.events.map(eventXml), valid_ref_counts: counts, token: batch.token };
}

function eventJson(event: EventOut): string {
  const head = `{"id":${JSON.stringify(String(event.id))},"timestamp":"0.0","class":${JSON.stringify(event.cls.toLowerCase())},"operation":"${event.operation}","ref":${JSON.stringify(event.ref)}`;
  return event.row ? `${head},"snapshot":${recordJson(event.row)}}` : `${head}}`;
}
