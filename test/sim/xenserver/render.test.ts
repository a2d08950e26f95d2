import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CLASSES, blankRecord, classNamed, type StoredRecord } from "../../../src/sim/xenserver/datamodel";
import { World } from "../../../src/sim/xenserver/world";
import { seedPool } from "../../../src/sim/xenserver/seed";
import { seedVms } from "../../../src/sim/xenserver/bulk-seed";
import { joinPieces, recordJsonText, recordXmlText, resultJson, resultXml, toJson, toXmlRpc, type EventBatch } from "../../../src/sim/xenserver/render";
import { decodeResponse, encodeValue, type XmlRpcStruct } from "../../../src/xmlrpc/index";

const XAPI = { style: "xapi" } as const;

/** What the codec writes for a record: the authority the simulator's own record writer is held to. */
function codecRecord(cls: string, record: StoredRecord): string {
  const spec = classNamed(cls)!;
  const struct: XmlRpcStruct = {};
  for (const field of spec.fields) struct[field.name] = toXmlRpc(field.type, record[field.name]!);
  return encodeValue(struct, XAPI);
}

function seededWorld(): World {
  const world = new World({ delays: "instant", seed: 3 });
  seedPool(world, { master: "127.0.0.1", slave: "127.0.0.2" });
  seedVms(world, 20);
  return world;
}

describe("the record writer", () => {
  it("writes every seeded record byte for byte as the codec's xapi style does", () => {
    const world = seededWorld();
    let n = 0;
    for (const spec of CLASSES) {
      for (const row of world.table(spec.name).rows.values()) {
        expect(recordXmlText(row.cls, row.record), `${row.cls} ${row.ref}`).toBe(codecRecord(row.cls, row.record));
        n++;
      }
    }
    expect(n).toBeGreaterThan(150);
  });

  it("agrees with the codec on any strings, numbers and maps", () => {
    const spec = classNamed("VM")!;
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme" }).filter((s) => !/[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/.test(s)),
        fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.dictionary(fc.string().filter((s) => !/[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/.test(s)), fc.string().filter((s) => !/[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/.test(s))),
        (text, int, float, map) => {
          const record = blankRecord(spec, { name_label: text, memory_static_max: int, HVM_shadow_multiplier: float, other_config: map, snapshot_time: Math.abs(int) % 253402300799000 });
          expect(recordXmlText("VM", record)).toBe(codecRecord("VM", record));
          const json = JSON.parse(recordJsonText("VM", record));
          expect(json.name_label).toBe(text);
          expect(json.other_config).toEqual(map);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("writes JSON records as the fields' JSON values, dates in xapi's text", () => {
    const world = seededWorld();
    for (const row of world.table("VM").rows.values()) {
      const spec = classNamed("VM")!;
      const expected = Object.fromEntries(spec.fields.map((f) => [f.name, toJson(f.type, row.record[f.name]!)]));
      expect(JSON.parse(recordJsonText("VM", row.record))).toEqual(expected);
    }
  });

  it("splices cached records into get_all_records and event batches that decode as the codec's would", () => {
    const world = seededWorld();
    const rows = [...world.table("VM").rows.values()].slice(0, 4);
    const records = joinPieces(resultXml({ kind: "records", cls: "VM" }, rows));
    const expected: XmlRpcStruct = {};
    for (const row of rows) expected[row.ref] = toXmlRpc({ kind: "map", key: { kind: "string" }, value: { kind: "string" } }, {}) as XmlRpcStruct;
    const decoded = decodeResponse(`<?xml version="1.0"?><methodResponse><params><param>${records}</param></params></methodResponse>`);
    expect(decoded.fault).toBe(false);
    const value = (decoded as { value: Record<string, Record<string, unknown>> }).value;
    expect(Object.keys(value)).toEqual(rows.map((r) => r.ref));
    for (const row of rows) expect(records).toContain(codecRecord(row.cls, row.record));
    expect(JSON.parse(joinPieces(resultJson({ kind: "records", cls: "VM" }, rows)))).toEqual(Object.fromEntries(rows.map((r) => [r.ref, JSON.parse(recordJsonText(r.cls, r.record))])));

    const batch: EventBatch = {
      events: [
        { id: 5, cls: "VM", operation: "mod", ref: rows[0]!.ref, row: rows[0]! },
        { id: 6, cls: "VM", operation: "del", ref: "OpaqueRef:gone" },
      ],
      counts: { vm: 4 },
      token: "00000000000000000006,00000000000000000000",
    };
    const eventsXml = joinPieces(resultXml({ kind: "events" }, batch));
    const codec = encodeValue(
      {
        events: [
          { id: "5", timestamp: "0.0", class: "vm", operation: "mod", ref: rows[0]!.ref, snapshot: null },
          { id: "6", timestamp: "0.0", class: "vm", operation: "del", ref: "OpaqueRef:gone" },
        ],
        valid_ref_counts: {},
        token: batch.token,
      },
      XAPI,
    );
    expect(eventsXml).toBe(
      codec
        .replace("<value><nil/></value>", codecRecord("VM", rows[0]!.record))
        .replace("<member><name>valid_ref_counts</name><value><struct></struct></value>", "<member><name>valid_ref_counts</name><value><struct><member><name>vm</name><value><i4>4</i4></value></member></struct></value>"),
    );
    const eventsJson = JSON.parse(joinPieces(resultJson({ kind: "events" }, batch)));
    expect(eventsJson.events[1]).toEqual({ id: "6", timestamp: "0.0", class: "vm", operation: "del", ref: "OpaqueRef:gone" });
    expect(eventsJson.events[0].snapshot).toEqual(JSON.parse(recordJsonText("VM", rows[0]!.record)));
  });
});
