/**
 * Laws of the template syntax, checked with fast-check:
 * - the optimised scanner agrees with a naive transcription of oned's flex rules (each rule a
 *   regular expression, longest match found by trying every end, first rule on a tie);
 * - parseTemplate(serializeTemplate(t)) is t for any template, whatever its values;
 * - parseTemplate(templateToXml(t)) is t in oned's order.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hasErrorCode } from "../../../src/errors";
import {
  parseTemplate,
  serializeTemplate,
  templateToXml,
  type Template,
  type TemplateVector,
} from "../../../src/providers/opennebula/template-syntax";

// ---------------------------------------------------------------------------------------------
// Reference reader: template_parser.l and template_syntax.y written as plainly as possible.

type Rule = { re: RegExp; token: string | null; next?: "INITIAL" | "VALUE" };
const INITIAL: Rule[] = [
  { re: /^[ \t]*#[^\n]*\n$/, token: null },
  { re: /^[ \t\n]+$/, token: null },
  { re: /^[A-Za-z0-9_]+$/, token: "VARIABLE" },
  { re: /^[ \t]*=[ \t]*$/, token: "EQUAL", next: "VALUE" },
  { re: /^[ \t]*=[ \t]*\n$/, token: "EQUAL_EMPTY" },
  { re: /^[ \t\n]*,[ \t\n]*$/, token: "COMMA" },
  { re: /^[ \t\n]*\][ \t\n]*$/, token: "CBRACKET" },
];
const VALUE: Rule[] = [
  { re: /^[ \t]*\[[ \t\n]*$/, token: "OBRACKET", next: "INITIAL" },
  { re: /^[^\n]*\]\]>[^\n]*$/, token: "CCDATA", next: "INITIAL" },
  { re: /^"(?:[^"]|\\")*"$/, token: "QSTRING", next: "INITIAL" },
  { re: /^[^=#\t \n,[\]]+$/, token: "STRING", next: "INITIAL" },
];

function referenceTokens(text: string): Array<{ token: string; text: string }> {
  const out: Array<{ token: string; text: string }> = [];
  let state: "INITIAL" | "VALUE" = "INITIAL";
  let p = 0;
  while (p < text.length) {
    let found: { rule: Rule; end: number } | undefined;
    for (let end = text.length; end > p && !found; end--) {
      const piece = text.slice(p, end);
      const rule = (state === "INITIAL" ? INITIAL : VALUE).find((r) => r.re.test(piece));
      if (rule) found = { rule, end };
    }
    if (!found) {
      p++;
      continue;
    }
    if (found.rule.token) out.push({ token: found.rule.token, text: text.slice(p, found.end) });
    if (found.rule.next) state = found.rule.next;
    p = found.end;
  }
  out.push({ token: "END", text: "" });
  return out;
}

function referenceName(name: string): string {
  const upper = name.toUpperCase();
  return /^[A-Za-z_]/.test(name) && !name.startsWith("XML") ? upper : `ONE_${upper}`;
}

function referenceValue(token: { token: string; text: string }): string {
  const raw = token.token === "QSTRING" ? token.text.slice(1, -1) : token.text;
  return raw.split('\\"').join('"');
}

/** The template, or null for any parse failure. */
function referenceParse(text: string): Template | null {
  const tokens = referenceTokens(text);
  let i = 0;
  const isString = () => tokens[i]!.token === "STRING" || tokens[i]!.token === "QSTRING";
  const out: Template = [];
  while (tokens[i]!.token !== "END") {
    if (tokens[i]!.token !== "VARIABLE") return null;
    const name = referenceName(tokens[i++]!.text);
    if (tokens[i]!.token === "EQUAL_EMPTY") {
      i++;
      out.push({ name, value: "" });
      continue;
    }
    if (tokens[i++]!.token !== "EQUAL") return null;
    if (isString()) {
      out.push({ name, value: referenceValue(tokens[i++]!) });
      continue;
    }
    if (tokens[i++]!.token !== "OBRACKET") return null;
    const vector: TemplateVector = {};
    if (tokens[i]!.token === "CBRACKET") {
      i++;
      out.push({ name, value: vector });
      continue;
    }
    for (;;) {
      if (tokens[i]!.token !== "VARIABLE") return null;
      const key = tokens[i++]!.text.toUpperCase();
      if (tokens[i++]!.token !== "EQUAL") return null;
      if (!isString()) return null;
      const value = referenceValue(tokens[i++]!);
      if (!(key in vector)) vector[key] = value;
      const sep = tokens[i++]!.token;
      if (sep === "CBRACKET") break;
      if (sep !== "COMMA") return null;
    }
    out.push({ name, value: vector });
  }
  return out;
}

function actualParse(text: string): Template | null {
  try {
    return parseTemplate(text, { trimName: false });
  } catch (error) {
    if (!hasErrorCode(error, "TEMPLATE_SYNTAX")) throw error;
    return null;
  }
}

const PIECES = ["A", "b", "_", "1", " ", "\t", "\n", "=", '"', "\\", ",", "[", "]", "#", ">", "x", "\r", "é", "]]>", '\\"', " = ", "# c\n"];
const soup = fc.array(fc.constantFrom(...PIECES), { maxLength: 24 }).map((parts) => parts.join(""));
const FRAGMENTS = ["NAME", "DISK", " = ", "=", "\n", '"', '"v w"', "[", " ]", ", ", "X = ", '"a\\"b"', '"c\\"', "]]>", "# note\n", "v", "\r\n", "  "];
const nearlyTemplates = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 16 }).map((parts) => parts.join(""));

describe("the scanner agrees with oned's flex rules", () => {
  it("on random character soup", () => {
    fc.assert(
      fc.property(soup, (text) => {
        expect(actualParse(text)).toEqual(referenceParse(text));
      }),
      { numRuns: 600 },
    );
  });

  it("on random near-templates", () => {
    fc.assert(
      fc.property(nearlyTemplates, (text) => {
        expect(actualParse(text)).toEqual(referenceParse(text));
      }),
      { numRuns: 600 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Round trips.

const TRICKY = ['"', "\\", '\\"', "]]>", "\n", "\r", "\r\n", "[", "]", "=", ",", "#", " ", "\t", "<", "&", "é", "😀", "<![CDATA[", "-->", "'", "\u0001", "\uFFFE"];
const valueArb = fc
  .array(fc.oneof({ weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 4 }) }, { weight: 2, arbitrary: fc.constantFrom(...TRICKY) }), { maxLength: 8 })
  .map((parts) => parts.join("").replaceAll("\0", "0"));
const topNameArb = fc.oneof(
  fc.constantFrom("A", "DISK", "NIC", "CONTEXT", "XMLRPC", "_X", "ONE_1", "CPU", "GRAPHICS"),
  fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,5}$/),
);
const subNameArb = fc.oneof(fc.constantFrom("IMAGE_ID", "SIZE", "TYPE", "1ST"), fc.stringMatching(/^[A-Z0-9_]{1,5}$/));
const vectorArb = fc.array(fc.tuple(subNameArb, valueArb), { maxLength: 4 }).map((entries) => Object.fromEntries(entries) as TemplateVector);
const attributeArb = fc.record({ name: topNameArb, value: fc.oneof(valueArb, vectorArb) });
const templateArb = fc.array(attributeArb, { maxLength: 6 }).map((t) => t.filter((a) => a.name !== "NAME"));

// Independent statements of what each form can carry (see the facts in template-syntax.ts).
const NON_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
function textCarries(value: string): boolean {
  if (value.includes("]]>") && !value.includes("\n")) return false;
  return !value.endsWith("\\") || (!value.startsWith('"') && !/[=#\t\n ,[\]]|\\"/.test(value));
}
function values(t: Template): Array<{ value: string; key?: string; vector?: TemplateVector }> {
  return t.flatMap((a) =>
    typeof a.value === "string" ? [{ value: a.value }] : Object.entries(a.value).map(([key, value]) => ({ value, key, vector: a.value as TemplateVector })),
  );
}
function textForm(t: Template): boolean {
  return values(t).every((v) => textCarries(v.value));
}
function xmlForm(t: Template): boolean {
  return (
    t.every((a) => typeof a.value === "string" || Object.keys(a.value).length > 0) &&
    values(t).every((v) => !NON_XML.test(v.value) && (v.key === undefined || !/^[0-9]/.test(v.key)))
  );
}

function onedOrder(t: Template): Template {
  return t
    .map((a, i) => ({ a, i }))
    .sort((x, y) => (x.a.name < y.a.name ? -1 : x.a.name > y.a.name ? 1 : x.i - y.i))
    .map((x) => x.a);
}

describe("round trips", () => {
  it("parseTemplate(serializeTemplate(t)) is t, or neither form can carry t and it says why", () => {
    fc.assert(
      fc.property(templateArb, (t) => {
        const carried = textForm(t) || xmlForm(t);
        let written: string;
        try {
          written = serializeTemplate(t);
        } catch (error) {
          expect(hasErrorCode(error, "TEMPLATE_VALUE")).toBe(true);
          expect(carried).toBe(false);
          return;
        }
        expect(carried).toBe(true);
        expect(written.startsWith("<")).toBe(!textForm(t));
        expect(parseTemplate(written)).toEqual(t);
      }),
      { numRuns: 1500 },
    );
  });

  it("keeps a well-formed NAME exactly through the default (trimming) parse", () => {
    const nameValue = valueArb.filter((v) => v.length > 0 && !/[ \f\n\r\t\v]$/.test(v));
    fc.assert(
      fc.property(templateArb, nameValue, fc.nat(6), (rest, name, at) => {
        const t: Template = [...rest.slice(0, at), { name: "NAME", value: name }, ...rest.slice(at)];
        if (!(textForm(t) || xmlForm(t))) return;
        expect(parseTemplate(serializeTemplate(t))).toEqual(t);
      }),
      { numRuns: 300 },
    );
  });

  const xmlValue = valueArb.map((v) => v.replace(new RegExp(NON_XML.source, "gu"), "?"));

  it("sends templates the text syntax cannot carry as XML, and they still come back exactly", () => {
    const blocker = fc.constantFrom("a]]>b", "]]>", "C:\\Program Files\\", 'say "x\\');
    const xmlVector = fc
      .array(fc.tuple(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,5}$/), xmlValue), { minLength: 1, maxLength: 4 })
      .map((entries) => Object.fromEntries(entries) as TemplateVector);
    const rest = fc.array(fc.record({ name: topNameArb.filter((n) => n !== "NAME"), value: fc.oneof(xmlValue, xmlVector) }), { maxLength: 5 });
    fc.assert(
      fc.property(rest, blocker, fc.nat(5), fc.boolean(), (others, value, at, inVector) => {
        const t: Template = [...others.slice(0, at), { name: "PICK", value: inVector ? { SUB: value } : value }, ...others.slice(at)];
        const written = serializeTemplate(t);
        expect(written.startsWith("<TEMPLATE>")).toBe(true);
        expect(parseTemplate(written)).toEqual(t);
      }),
      { numRuns: 300 },
    );
  });

  it("parseTemplate(templateToXml(t)) is t in oned's order", () => {
    const xmlVector = fc
      .array(fc.tuple(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,5}$/), xmlValue), { minLength: 1, maxLength: 4 })
      .map((entries) => Object.fromEntries(entries) as TemplateVector);
    const xmlTemplate = fc.array(
      fc.record({ name: topNameArb.filter((n) => !n.startsWith("XML") && n !== "NAME"), value: fc.oneof(xmlValue, xmlVector) }),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(xmlTemplate, (t) => {
        expect(parseTemplate(templateToXml(t))).toEqual(onedOrder(t));
      }),
      { numRuns: 800 },
    );
  });
});
