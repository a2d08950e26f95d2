import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decodeResponse, encodeResponse, type XmlRpcStyle, type XmlRpcValue } from "../../../src/xmlrpc/index";
import { indexDecoded, type RecordFields, type RecordIndex } from "../../../src/providers/xenserver/record-index";
import { indexXmlRecordAnswer } from "../../../src/providers/xenserver/xml-record-index";
import type { WireValue } from "../../../src/providers/xenserver/field-types";

const FIELDS = ["name_label", "other_config", "VM"];

function indexOf(xml: string): RecordIndex | undefined {
  return indexXmlRecordAnswer(Buffer.from(xml, "utf8"), FIELDS);
}

/** The same answer decoded whole, as the wire did before. */
function decodedIndex(xml: string): RecordIndex {
  const decoded = decodeResponse(xml);
  if (decoded.fault) throw new Error("a fault");
  return indexDecoded((decoded.value as Record<string, WireValue>).Value as Record<string, WireValue>);
}

function seen(index: RecordIndex) {
  const out: Record<string, unknown> = {};
  index.select((ref, f: RecordFields) => {
    out[ref] = { name: f.text("name_label"), tag: f.entry("other_config", "HYPERPLAN_STACK"), vm: f.text("VM") };
    return false;
  });
  return out;
}

const success = (records: Record<string, XmlRpcValue>, style: XmlRpcStyle = "xapi") => encodeResponse({ Status: "Success", Value: records }, { style });

describe("a get_all_records answer over XML-RPC indexed at the bytes", () => {
  it("decodes only the records kept, as the decoder would decode them", () => {
    const records = {
      "OpaqueRef:a": { name_label: "web & db <1>", other_config: { HYPERPLAN_STACK: "lab" }, VBDs: ["OpaqueRef:x"], memory_target: "4294967296" },
      "OpaqueRef:b": { name_label: "theirs", other_config: {}, VBDs: [] },
    };
    const xml = success(records);
    const index = indexOf(xml)!;
    expect(index.size).toBe(2);
    const kept = index.select((_ref, f) => f.entry("other_config", "HYPERPLAN_STACK") === "lab");
    expect(Object.fromEntries(kept)).toEqual({ "OpaqueRef:a": (decodedIndex(xml).select(() => true).get("OpaqueRef:a")) });
    expect(seen(index)).toEqual({
      "OpaqueRef:a": { name: "web & db <1>", tag: "lab", vm: undefined },
      "OpaqueRef:b": { name: "theirs", tag: undefined, vm: undefined },
    });
  });

  it("reads typed strings, empty values, whitespace between the tags and names spelled with entities", () => {
    const xml = `<?xml version="1.0"?>
<methodResponse><params><param><value><struct>
  <member><name>Status</name><value><string>Success</string></value></member>
  <member><name>Value</name><value><struct>
    <member><name>OpaqueRef:&#97;</name><value><struct>
      <member> <name>name_label</name> <value><string>caf&#233;</string></value> </member>
      <member><name>VM</name><value/></member>
      <member><name>other_config</name><value><struct><member><name>HYPERPLAN_STACK</name><value>lab</value></member></struct></value></member>
    </struct></value></member>
    <member><name>OpaqueRef:b</name><value><struct><member><name>name&#95;label</name><value>web-1</value></member></struct></value></member>
    <member><name>OpaqueRef:c</name><value><struct/></value></member>
    <member><name>OpaqueRef:d</name><value>not a record</value></member>
  </struct></value></member>
</struct></value></param></params></methodResponse>`;
    const index = indexOf(xml)!;
    expect(seen(index)).toEqual(seen(decodedIndex(xml)));
    expect(seen(index)).toEqual({
      "OpaqueRef:a": { name: "café", tag: "lab", vm: "" },
      "OpaqueRef:b": { name: "web-1", tag: undefined, vm: undefined },
      "OpaqueRef:c": { name: undefined, tag: undefined, vm: undefined },
    });
    expect([...index.select((_r, f) => f.text("name_label") === "web-1").keys()]).toEqual(["OpaqueRef:b"]);
  });

  it("leaves a Failure, a fault, a comment and a document that does not close to the whole decoder", () => {
    expect(indexOf(encodeResponse({ Status: "Failure", ErrorDescription: ["SESSION_INVALID", "x"] }, { style: "xapi" }))).toBeUndefined();
    expect(indexOf('<?xml version="1.0"?><methodResponse><fault><value><struct></struct></value></fault></methodResponse>')).toBeUndefined();
    expect(indexOf(success({ "OpaqueRef:a": { name_label: "x" } }).replace("<struct>", "<!-- a comment --><struct>"))).toBeUndefined();
    const whole = success({ "OpaqueRef:a": { name_label: "x" } });
    expect(indexOf(whole.slice(0, whole.length - 40))).toBeUndefined();
    expect(indexOf(whole.replace("</struct></value></member>", "</array></value></member>"))).toBeUndefined();
    expect(indexOf(success(["OpaqueRef:a"] as unknown as Record<string, XmlRpcValue>))).toBeUndefined();
  });

  it("chooses as the whole decoder does, for any records in either writer's layout (property)", () => {
    const text = fc.oneof(fc.constantFrom("web-1", "lab", "", "a&b", "<x>"), fc.string({ unit: "grapheme", maxLength: 8 }));
    const value: fc.Arbitrary<XmlRpcValue> = fc.oneof(text, fc.integer(), fc.boolean(), fc.array(text, { maxLength: 2 }), fc.dictionary(text, text, { maxKeys: 2 }));
    const record = fc.record(
      {
        uuid: fc.uuid(),
        name_label: fc.oneof(text, fc.integer()),
        other_config: fc.oneof(fc.dictionary(fc.oneof(fc.constant("HYPERPLAN_STACK"), text), fc.oneof(text, fc.constant("lab")), { maxKeys: 3 }), value),
        VM: fc.oneof(fc.constantFrom("OpaqueRef:v1", "OpaqueRef:NULL"), value),
        VBDs: fc.array(fc.oneof(text, fc.dictionary(text, value, { maxKeys: 2 })), { maxLength: 3 }),
      },
      { requiredKeys: ["uuid"] },
    );
    const pool = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }).map((s) => `OpaqueRef:${s}`), fc.oneof(record, text), { maxKeys: 6 });
    const keep = (_ref: string, f: RecordFields) => f.entry("other_config", "HYPERPLAN_STACK") === "lab" || f.text("name_label") === "web-1" || f.text("VM") === "OpaqueRef:v1";
    fc.assert(
      fc.property(pool, fc.constantFrom<XmlRpcStyle>("xapi", "xmlrpc-c"), (records, style) => {
        const xml = success(records as Record<string, XmlRpcValue>, style);
        const index = indexOf(xml);
        expect(index).toBeDefined();
        expect(seen(index!)).toEqual(seen(decodedIndex(xml)));
        expect(index!.select(keep)).toEqual(decodedIndex(xml).select(keep));
      }),
      { numRuns: 300 },
    );
  });
});
