/**
 * The 10 KB template the template-parse benchmark times (`npm run bench -- template-parse`) is read
 * back to what was written, as text and as XML: the figure is only worth something if the work is.
 */
import { describe, expect, it } from "vitest";
import { parseTemplate } from "../../../src/providers/opennebula/template-syntax";
import { templateOfAbout } from "../../../bench/scenarios/template-parse";

describe("the template-parse benchmark's sample", () => {
  it("is about 10 KB and reads back the same as text and as XML", () => {
    const { template, text, xml } = templateOfAbout(10_240);
    expect(text.length).toBeGreaterThan(9_000);
    expect(text.length).toBeLessThanOrEqual(10_240);
    const fromText = parseTemplate(text);
    // oned prints a template's XML ordered by name, so the two reads agree as collections.
    const canonical = (e: (typeof template)[number]) =>
      JSON.stringify([e.name, typeof e.value === "string" ? e.value : Object.entries(e.value).sort(([a], [b]) => a.localeCompare(b))]);
    const sorted = (t: typeof template) => t.map(canonical).sort();
    const written = new Set(template.map(canonical));
    expect(fromText.length).toBeGreaterThan(100);
    for (const entry of fromText) expect(written.has(canonical(entry)), `${entry.name} was not written`).toBe(true);
    expect(sorted(parseTemplate(xml))).toEqual(sorted(fromText));
  });
});
