/**
 * template-parse: the cost of reading and writing one 10 KB OpenNebula template — oned's text
 * grammar, its XML form, and the writer — in microseconds per call after a warm-up. Every VM and
 * template body a plan reads goes through the reader, so this bounds what the parser adds to a plan.
 */
import { parseTemplate, serializeTemplate, templateToXml, type Template } from "../../src/providers/opennebula/template-syntax";
import { round, type Scenario } from "../scenario";

/** A template of disks, NICs and quoted multi-line labels, about `bytes` long as text. */
export function templateOfAbout(bytes: number): { template: Template; text: string; xml: string } {
  const template: Template = [
    { name: "NAME", value: "big" },
    { name: "CPU", value: "2" },
    { name: "MEMORY", value: "4096" },
  ];
  for (let i = 0; serializeTemplate(template).length < bytes + 512; i++) {
    template.push({ name: "DISK", value: { IMAGE_ID: String(i), SIZE: String(1024 * i), TARGET: `vd${i}`, DRIVER: "qcow2" } });
    template.push({ name: "NIC", value: { NETWORK_ID: String(i), MODEL: "virtio", IP: `10.0.${i % 250}.${i % 200}` } });
    template.push({ name: `LABEL_${i}`, value: `team "infra", rack ${i}\nsecond line \\ with a backslash` });
  }
  const whole = serializeTemplate(template);
  const text = whole.slice(0, whole.lastIndexOf("\nLABEL_", bytes) + 1);
  return { template, text, xml: templateToXml(parseTemplate(text)) };
}

function microsecondsPerCall(fn: () => void, calls: number): number {
  for (let i = 0; i < Math.min(50, calls); i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1000 / calls;
}

export const templateParse: Scenario = {
  name: "template-parse",
  summary: "one 10 KB template read as text and as XML, and written, µs per call",
  async run({ smoke }) {
    const calls = smoke ? 5 : 2000;
    const { template, text, xml } = templateOfAbout(10_240);
    return [
      {
        name: "template-parse",
        params: { textBytes: text.length, xmlBytes: xml.length, calls },
        metrics: {
          textParseUs: round(microsecondsPerCall(() => parseTemplate(text), calls), 1),
          xmlParseUs: round(microsecondsPerCall(() => parseTemplate(xml), calls), 1),
          serializeUs: round(microsecondsPerCall(() => serializeTemplate(template), calls), 1),
        },
      },
    ];
  },
};
