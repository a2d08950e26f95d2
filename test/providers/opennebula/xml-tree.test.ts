import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { KINDS, OneClient, type PoolKind } from "../../../src/providers/opennebula/index";
import { children, parseXmlDocumentReference } from "../../../src/providers/opennebula/xml-node";
import { parseXmlTree } from "../../../src/providers/opennebula/xml-tree";
import { analyseStack } from "../../../src/resources/synthesis";
import { startOneSimulator, type RunningOneSimulator } from "../../../src/sim/opennebula/index";
import { escapeXml } from "../../../src/xmlrpc/index";
import { writeDesired } from "../../support/one-writer";
import webApp from "../../../examples/stacks/web-app";
import { referenceMissing, referencePath } from "../../support/reference";

const NO_SAMPLES = referenceMissing("opennebula/samples", "the comparison with fast-xml-parser on oned's real documents");
const samples = referencePath("opennebula/samples");
const sampleFiles = NO_SAMPLES ? [] : readdirSync(samples).filter((f) => f.endsWith(".xml"));

/** Records built from both parsers' trees of a pool or object document. */
function bothWays(xml: string, kind: PoolKind, pool: boolean): [unknown[], unknown[]] {
  const spec = KINDS[kind];
  const rootName = pool ? spec.pool : spec.element;
  const fast = parseXmlTree(xml)[rootName] as never[];
  const reference = parseXmlDocumentReference(xml, rootName);
  const nodes = (root: never) => (pool ? children(root, spec.element) : [root]);
  return [nodes(fast[0]!).map((n) => spec.build(n)), nodes(reference as never).map((n) => spec.build(n))];
}

const SAMPLE_KINDS: Record<string, [PoolKind, boolean]> = {
  "vm-info": ["vm", false],
  "image-info": ["image", false],
  "datastore-info": ["datastore", false],
  "secgroup-info": ["secgroup", false],
  "vmpool-info": ["vm", true],
  "imagepool-info": ["image", true],
  "templatepool-info": ["template", true],
  "vnpool-info": ["vnet", true],
};

describe("parseXmlTree", () => {
  describe.skipIf(NO_SAMPLES)("on oned's real documents", () => {
    it.each(sampleFiles)("builds the same records as fast-xml-parser from %s", (file) => {
      const [kind, pool] = SAMPLE_KINDS[file.split("_")[0]!]!;
      const [fast, reference] = bothWays(readFileSync(join(samples, file), "utf8"), kind, pool);
      expect(fast).toEqual(reference);
    });
  });

  describe("on every document kind the simulator serves", () => {
    let sim: RunningOneSimulator;
    let client: OneClient;
    beforeAll(async () => {
      sim = await startOneSimulator({ port: 0, delays: "instant" });
      client = new OneClient({ endpoint: sim.url, session: "oneadmin:opennebula" });
      await writeDesired(client, analyseStack((webApp as never as { stacks: Parameters<typeof analyseStack>[0][] }).stacks[0]!).state!);
      await client.call("one.system.version");
    });
    afterAll(async () => {
      await client.close();
      await sim.close();
    });
    it.each([
      ["one.vmpool.infoextended", "vm", [-2, -1, -1, -1]],
      ["one.vmpool.info", "vm", [-2, -1, -1, -1]],
      ["one.imagepool.info", "image", [-2, -1, -1]],
      ["one.vnpool.info", "vnet", [-2, -1, -1]],
      ["one.templatepool.info", "template", [-2, -1, -1]],
      ["one.secgrouppool.info", "secgroup", [-2, -1, -1]],
      ["one.datastorepool.info", "datastore", []],
      ["one.hostpool.info", "host", []],
      ["one.clusterpool.info", "cluster", []],
    ] as const)("%s", async (method, kind, params) => {
      const xml = (await client.call(method, ...params)) as string;
      const [fast, reference] = bothWays(xml, kind, true);
      expect(fast.length).toBeGreaterThan(0);
      expect(fast).toEqual(reference);
    });
  });

  it("keeps any text value exactly, entity-escaped or in CDATA", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }).filter((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\r]/.test(s)), (value) => {
        const escaped = parseXmlTree(`<A><B>${escapeXml(value)}</B></A>`);
        expect(((escaped.A as never[])[0]!["B"] as { "#text": string }[])[0]!["#text"]).toBe(value);
        if (!value.includes("]]>")) {
          const cdata = parseXmlTree(`<A><B><![CDATA[${value}]]></B></A>`);
          expect(((cdata.A as never[])[0]!["B"] as { "#text": string }[])[0]!["#text"]).toBe(value);
        }
      }),
    );
  });

  it.each([
    ["<A><B>x</A>", "does not close"],
    ["<A><B>x</B>", "is not closed"],
    ["<A><![CDATA[x</A>", "unterminated CDATA"],
    ["<A></A><B></B>", "second root"],
    ["text<A/>", "outside the root"],
    ["<A><!DOCTYPE x></A>", "declaration"],
  ])("refuses %s", (xml, message) => {
    expect(() => parseXmlTree(xml)).toThrow(message);
  });
});
