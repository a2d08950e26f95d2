import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { indexDecoded, indexRecordBytes, JsonScanError, type RecordFields, type RecordIndex } from "../../../src/providers/xenserver/record-index";
import type { WireValue } from "../../../src/providers/xenserver/field-types";

const FIELDS = ["name_label", "other_config", "VM"];

function byteIndex(text: string, fields: readonly string[] = FIELDS): RecordIndex {
  const bytes = Buffer.from(text, "utf8");
  const { index, next } = indexRecordBytes(bytes, 0, bytes.length, fields);
  expect(next).toBe(bytes.length);
  return index;
}

/** What a reader's choosing sees of each record: the fields as RecordFields give them. */
function seen(index: RecordIndex): Record<string, { name: string | undefined; tag: string | undefined; vm: string | undefined }> {
  const out: Record<string, { name: string | undefined; tag: string | undefined; vm: string | undefined }> = {};
  index.select((ref, f: RecordFields) => {
    out[ref] = { name: f.text("name_label"), tag: f.entry("other_config", "HYPERPLAN_STACK"), vm: f.text("VM") };
    return false;
  });
  return out;
}

describe("a get_all_records answer indexed at the bytes", () => {
  it("decodes only the records the reader keeps, and gives them as JSON.parse would", () => {
    const records = {
      "OpaqueRef:a": { uuid: "a", name_label: "web-1", other_config: { HYPERPLAN_STACK: "lab" }, VBDs: ["OpaqueRef:x"], memory: 4294967296 },
      "OpaqueRef:b": { uuid: "b", name_label: "other", other_config: {}, VBDs: [], memory: 1 },
    };
    const index = byteIndex(JSON.stringify(records));
    expect(index.size).toBe(2);
    const kept = index.select((_ref, f) => f.entry("other_config", "HYPERPLAN_STACK") === "lab");
    expect([...kept]).toEqual([["OpaqueRef:a", records["OpaqueRef:a"]]]);
  });

  it("finds a field only among the record's own members, never inside a string or a nested map", () => {
    const text = JSON.stringify({
      "OpaqueRef:a": {
        name_description: '"name_label":"web-1","other_config":{"HYPERPLAN_STACK":"lab"}',
        platform: { name_label: "decoy", VM: "OpaqueRef:decoy" },
        other_config: { note: 'HYPERPLAN_STACK":"lab', nested_HYPERPLAN_STACK: "lab" },
      },
    });
    expect(seen(byteIndex(text))).toEqual({ "OpaqueRef:a": { name: undefined, tag: undefined, vm: undefined } });
  });

  it("reads names and tags with escapes, and whitespace between the tokens", () => {
    const text = `{ "OpaqueRef:a" : { "name_label" : "caf\\u00e9 \\"web\\"" ,\n "other_config" : { "HYPERPLAN_STACK" : "l\\u0061b" } , "VM" : "OpaqueRef:v" } ,\t"OpaqueRef:b":{"name_label":"h\u00e9"} }`;
    expect(seen(byteIndex(text))).toEqual({
      "OpaqueRef:a": { name: 'café "web"', tag: "lab", vm: "OpaqueRef:v" },
      "OpaqueRef:b": { name: "hé", tag: undefined, vm: undefined },
    });
  });

  it("judges a record whose member names are spelled with escapes by its decoded members", () => {
    // A JSON writer may escape any character: the record is then decoded whole before it is judged.
    const text = '{"OpaqueRef:a":{"name\\u005flabel":"web-1","other\\u005fconfig":{"HYPERPLAN_STACK":"lab"}}}';
    const kept = byteIndex(text).select((_ref, f) => f.entry("other_config", "HYPERPLAN_STACK") === "lab" && f.text("name_label") === "web-1");
    expect([...kept.keys()]).toEqual(["OpaqueRef:a"]);
  });

  it("passes over values that are not records, as the decoded read does", () => {
    const text = '{"OpaqueRef:a":"not a record","OpaqueRef:b":[1,{"x":2}],"OpaqueRef:c":null,"OpaqueRef:d":{"name_label":"d"}}';
    const all = byteIndex(text).select(() => true);
    expect([...all.keys()]).toEqual(["OpaqueRef:d"]);
    expect([...indexDecoded(JSON.parse(text) as Record<string, WireValue>).select(() => true).keys()]).toEqual(["OpaqueRef:d"]);
  });

  it("copies the records it keeps out of a decoded answer when told to, so they do not hold the answer's text", () => {
    const decoded = { "OpaqueRef:a": { name_label: "web-1", other_config: { HYPERPLAN_STACK: "lab" }, created: new Date(0) } } as Record<string, WireValue>;
    const kept = indexDecoded(decoded, { copyKept: true }).select(() => true).get("OpaqueRef:a")!;
    expect(kept).toEqual(decoded["OpaqueRef:a"]);
    expect(kept).not.toBe(decoded["OpaqueRef:a"]);
    expect(kept.other_config).not.toBe((decoded["OpaqueRef:a"] as Record<string, WireValue>).other_config);
    expect(indexDecoded(decoded).select(() => true).get("OpaqueRef:a")).toBe(decoded["OpaqueRef:a"]);
  });

  it("reads an empty map", () => {
    expect(byteIndex("{}").size).toBe(0);
    expect(byteIndex("{ \n }").size).toBe(0);
  });

  it("refuses a field the index was not told to note, rather than answering it is absent", () => {
    expect(() => byteIndex('{"OpaqueRef:a":{"power_state":"Running"}}').select((_r, f) => f.text("power_state") === "Running")).toThrow(/no field power_state/);
  });

  it.each([
    ["a document cut short", '{"OpaqueRef:a":{"name_label":"web'],
    ["a record never closed", '{"OpaqueRef:a":{"name_label":"web"'],
    ["brackets that do not match", '{"OpaqueRef:a":{"VBDs":["x"}}}'],
    ["a member without its colon", '{"OpaqueRef:a" {"name_label":"web"}}'],
    ["members without a comma", '{"OpaqueRef:a":{} "OpaqueRef:b":{}}'],
    ["a map that is not an object", '["OpaqueRef:a"]'],
  ])("refuses %s, naming the byte", (_what, text) => {
    const bytes = Buffer.from(text);
    expect(() => indexRecordBytes(bytes, 0, bytes.length, FIELDS)).toThrow(JsonScanError);
  });

  it("chooses as the decoded index does, for any records (property)", () => {
    const name = fc.oneof(fc.constantFrom("web-1", "db", ""), fc.string(), fc.string({ unit: "binary", maxLength: 6 }));
    const scalar = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }), name);
    const record = fc.record(
      {
        uuid: fc.uuid(),
        name_label: fc.oneof(name, fc.integer()),
        other_config: fc.oneof(fc.dictionary(fc.oneof(fc.constant("HYPERPLAN_STACK"), name), fc.oneof(name, fc.constant("lab"))), scalar),
        VM: fc.oneof(fc.constantFrom("OpaqueRef:v1", "OpaqueRef:v2"), scalar),
        VBDs: fc.array(fc.oneof(name, fc.array(scalar, { maxLength: 2 })), { maxLength: 3 }),
        platform: fc.dictionary(name, name, { maxKeys: 3 }),
      },
      { requiredKeys: ["uuid"] },
    );
    const pool = fc.dictionary(fc.string({ minLength: 1 }).map((s) => `OpaqueRef:${s}`), fc.oneof(record, scalar), { maxKeys: 8 });
    const keep = (_ref: string, f: RecordFields) => f.entry("other_config", "HYPERPLAN_STACK") === "lab" || f.text("name_label") === "web-1" || f.text("VM") === "OpaqueRef:v1";
    fc.assert(
      fc.property(pool, fc.constantFrom(0, 2), (records, indent) => {
        const text = JSON.stringify(records, null, indent);
        const decoded = indexDecoded(JSON.parse(text) as Record<string, WireValue>);
        expect(seen(byteIndex(text))).toEqual(seen(decoded));
        expect(byteIndex(text).select(keep)).toEqual(decoded.select(keep));
      }),
      { numRuns: 300 },
    );
  });
});
