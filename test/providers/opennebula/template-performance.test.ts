/**
 * Parsing cost of a 10 KB template. The bound asserted is loose (shared CI machines); the figure
 * printed is the one to watch: tens of microseconds on a laptop core.
 */
import { describe, expect, it } from "vitest";
import { parseTemplate, serializeTemplate, templateToXml, type Template } from "../../../src/providers/opennebula/template-syntax";

function tenKilobytes(): Template {
  const t: Template = [
    { name: "NAME", value: "big" },
    { name: "CPU", value: "2" },
    { name: "MEMORY", value: "4096" },
  ];
  for (let i = 0; t.length < 400; i++) {
    t.push({ name: "DISK", value: { IMAGE_ID: String(i), SIZE: String(1024 * i), TARGET: `vd${i}`, DRIVER: "qcow2" } });
    t.push({ name: "NIC", value: { NETWORK_ID: String(i), MODEL: "virtio", IP: `10.0.${i % 250}.${i % 200}` } });
    t.push({ name: `LABEL_${i}`, value: `team "infra", rack ${i}\nsecond line \\ with a backslash` });
  }
  return t;
}

function microsecondsPerCall(fn: () => void, calls: number): number {
  for (let i = 0; i < 50; i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1000 / calls;
}

describe("template performance", () => {
  it("parses a 10 KB template in well under a millisecond", () => {
    const template = tenKilobytes();
    const text = serializeTemplate(template).slice(0, 10_240);
    const cut = text.lastIndexOf("\nLABEL_");
    const sample = text.slice(0, cut + 1);
    const xml = templateToXml(parseTemplate(sample));
    const textCost = microsecondsPerCall(() => parseTemplate(sample), 400);
    const xmlCost = microsecondsPerCall(() => parseTemplate(xml), 400);
    const writeCost = microsecondsPerCall(() => serializeTemplate(template), 200);
    console.log(
      `template parse: text ${(sample.length / 1024).toFixed(1)} KB ${textCost.toFixed(1)} µs, ` +
        `xml ${(xml.length / 1024).toFixed(1)} KB ${xmlCost.toFixed(1)} µs; serialize ${serializeTemplate(template).length} B ${writeCost.toFixed(1)} µs`,
    );
    expect(sample.length).toBeGreaterThan(9_000);
    expect(textCost).toBeLessThan(1_000);
    expect(xmlCost).toBeLessThan(1_000);
  });
});
