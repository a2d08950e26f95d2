import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { referenceMissing, referencePath } from "./reference";
import { schemaClosure, validateOneXml, withOneNamespace, type OneSchema } from "./xsd";

// Both the schemas and the captured documents they are checked on are reference data beside the checkout.
const NO_REFERENCE =
  referenceMissing("opennebula/xsd", "the XSD validator's checks") || referenceMissing("opennebula/samples", "the XSD validator's checks");
const SAMPLES = referencePath("opennebula/samples");
const sample = (file: string): string => readFileSync(join(SAMPLES, file), "utf8");

/** What samples/README.md records for each sample; `element` is what the first error must name. */
const EXPECTED: Array<{ file: string; schema: OneSchema; result: "PASS" | "FAIL"; element?: string }> = [
  { file: "datastore-info_6.99_backup-ds_opennebula-docs.xml", schema: "datastore.xsd", result: "PASS" },
  { file: "templatepool-info_4.x_quattor.xml", schema: "vmtemplate_pool.xsd", result: "PASS" },
  { file: "vm-info_6.99_lcm69-backup_opennebula-docs.xml", schema: "vm.xsd", result: "FAIL", element: "PLAN_ID" },
  { file: "vm-info_5.10_pending_opennebula-docs.xml", schema: "vm.xsd", result: "FAIL", element: "SCHED_ACTIONS" },
  { file: "vm-info_5.6_shutdown-poweroff_addon-linstor.xml", schema: "vm.xsd", result: "FAIL", element: "STATE" },
  { file: "image-info_5.6_snapshots_addon-linstor.xml", schema: "image.xsd", result: "FAIL", element: "MODTIME" },
  { file: "imagepool-info_4.x_quattor.xml", schema: "image_pool.xsd", result: "FAIL", element: "MODTIME" },
  { file: "vmpool-info_4.x_quattor.xml", schema: "vm_pool.xsd", result: "FAIL", element: "PERMISSIONS" },
  { file: "vnpool-info_4.x_quattor.xml", schema: "vnet_pool.xsd", result: "FAIL", element: "CLUSTER_ID" },
  { file: "secgroup-info_5.4_fogbow.xml", schema: "security_group.xsd", result: "FAIL", element: "PROTOCOL" },
];

/** Rows of the README's validation table: file, schema, result. */
function readmeRows(): Array<{ file: string; schema: string; result: string }> {
  const readme = readFileSync(join(SAMPLES, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Validation against"));
  return section
    .split("\n")
    .filter((line) => /^\| \S+\.xml \|/.test(line))
    .map((line) => {
      const [file, schema, result] = line.split("|").slice(1, 4).map((cell) => cell.trim());
      return { file: file!, schema: schema!, result: result! };
    });
}

describe.skipIf(NO_REFERENCE)("validateOneXml", () => {
  it("covers exactly the samples the README lists, with its schema and verdict", () => {
    expect(EXPECTED.map(({ file, schema, result }) => ({ file, schema, result }))).toEqual(readmeRows());
  });

  it("passes the samples the README says pass and fails the others on the element it names", async () => {
    const started = process.hrtime.bigint();
    const results = await Promise.all(EXPECTED.map((row) => validateOneXml(sample(row.file), row.schema)));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`xsd: ${EXPECTED.length} samples, ${new Set(EXPECTED.map((r) => r.schema)).size} schemas, ${ms.toFixed(0)} ms together`);
    EXPECTED.forEach((row, i) => {
      const result = results[i]!;
      if (row.result === "PASS") {
        expect(result, row.file).toEqual({ valid: true, errors: [] });
      } else {
        expect(result.valid, row.file).toBe(false);
        expect(result.errors[0], row.file).toMatch(new RegExp(`\\b${row.element}\\b`));
      }
    });
  });

  it("passes the 6.99 VM once the two HISTORY fields 7.0 requires are added, as the README says", async () => {
    const xml = sample("vm-info_6.99_lcm69-backup_opennebula-docs.xml").replace(
      "<DS_ID>0</DS_ID>\n      <PSTIME>",
      "<DS_ID>0</DS_ID>\n      <PLAN_ID>-1</PLAN_ID>\n      <ACTION_ID>-1</ACTION_ID>\n      <PSTIME>",
    );
    expect(xml).toContain("<PLAN_ID>");
    expect(await validateOneXml(xml, "vm.xsd")).toEqual({ valid: true, errors: [] });
  });

  it("gives each document of a batch its own verdict", async () => {
    const good = sample("datastore-info_6.99_backup-ds_opennebula-docs.xml");
    const bad = good.replace(/<STATE>\d+<\/STATE>/, "<STATE>ready</STATE>");
    expect(bad).not.toBe(good);
    const [a, b, c] = await Promise.all([validateOneXml(good, "datastore.xsd"), validateOneXml(bad, "datastore.xsd"), validateOneXml(good, "datastore.xsd")]);
    expect(a!.valid && c!.valid).toBe(true);
    expect(b!.valid).toBe(false);
    expect(b!.errors.join("\n")).toMatch(/'STATE'.*'ready'/);
  });

  it("reports a document that is not well-formed, without failing the others", async () => {
    const [broken, fine] = await Promise.all([
      validateOneXml("<DATASTORE><ID>1</ID>", "datastore.xsd"),
      validateOneXml(sample("datastore-info_6.99_backup-ds_opennebula-docs.xml"), "datastore.xsd"),
    ]);
    expect(broken!.valid).toBe(false);
    expect(broken!.errors[0]).toMatch(/^line 1: parser error/);
    expect(fine!.valid).toBe(true);
  });

  it("measures the cost of one document alone and of a batch", async () => {
    const xml = sample("datastore-info_6.99_backup-ds_opennebula-docs.xml");
    let started = process.hrtime.bigint();
    await validateOneXml(xml, "datastore.xsd");
    const alone = Number(process.hrtime.bigint() - started) / 1e6;
    started = process.hrtime.bigint();
    const many = await Promise.all(Array.from({ length: 30 }, () => validateOneXml(xml, "datastore.xsd")));
    const batch = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`xsd: one document ${alone.toFixed(0)} ms; 30 documents in one batch ${batch.toFixed(0)} ms (${(batch / 30).toFixed(1)} ms each)`);
    expect(many.every((r) => r.valid)).toBe(true);
    expect(batch).toBeLessThan(alone * 30);
  });
});

describe("schema plumbing", () => {
  it("puts the OpenNebula namespace on the root element only", () => {
    expect(withOneNamespace("<VM><ID>1</ID></VM>")).toBe('<VM xmlns="http://opennebula.org/XMLSchema"><ID>1</ID></VM>');
    expect(withOneNamespace('<?xml version="1.0"?>\n<!-- c --><VM_POOL/>')).toBe('<?xml version="1.0"?>\n<!-- c --><VM_POOL xmlns="http://opennebula.org/XMLSchema"/>');
    expect(withOneNamespace('<VM xmlns="urn:other"/>')).toBe('<VM xmlns="urn:other"/>');
    expect(withOneNamespace("not xml")).toBe("not xml");
  });

  it.skipIf(NO_REFERENCE)("loads a schema with everything it includes", () => {
    expect(schemaClosure("vm_pool_extended.xsd").map((f) => f.fileName).sort()).toEqual(["shared.xsd", "vm.xsd", "vm_pool_extended.xsd"]);
    expect(() => schemaClosure("nope.xsd")).toThrow(/nope\.xsd is not in/);
  });
});
