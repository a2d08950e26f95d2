/**
 * Writes a template so that oned reads back exactly the given attributes: the text syntax when it
 * can carry every value, otherwise the XML form oned accepts in the same parameter. The limits of
 * both are described in `template-syntax.ts`.
 */
import { TemplateValueError, trimTrailingSpace, type Template, type TemplateValue } from "./template-model.js";
import { attributePaths, templateToRequestXml, xmlValueProblem } from "./template-xml-writer.js";
import { isXmlName } from "./template-xml-reader.js";

const TOP_NAME = /^[A-Z_][A-Z0-9_]*$/;
const SUB_NAME = /^[A-Z0-9_]+$/;
const WORD = /^[A-Za-z0-9_]+$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// What an unquoted value cannot hold (the scanner's STRING class), plus `\"`, which oned unescapes.
const NOT_BARE = /[=#\t\n ,[\]]|\\"/;

function nameProblem(name: string, top: boolean): string | undefined {
  if (name.length === 0) return "the name is empty";
  if ((top ? TOP_NAME : SUB_NAME).test(name)) return undefined;
  if (!WORD.test(name)) return "only A-Z, 0-9 and _ can be written in oned's template syntax";
  const upper = name.toUpperCase();
  if (upper !== name) return `oned stores this name as ${JSON.stringify(upper)}; write it that way`;
  return `oned would store this name as ${JSON.stringify(`ONE_${name}`)}, as it does for every name not starting with a letter or _`;
}

/** Problems no format can get past: oned receives strings over XML-RPC, as well-formed UTF-8. */
function valueProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return `the value is ${value === null ? "null" : typeof value}, not a string`;
  if (value.includes("\0")) return "holds a NUL character, which oned cannot receive";
  if (LONE_SURROGATE.test(value)) return "holds a lone UTF-16 surrogate, which is not Unicode text";
  return undefined;
}

/** Why the text syntax cannot carry `value`, or undefined. */
function textProblem(value: string): string | undefined {
  // The scanner's CCDATA rule wins over a quoted value that ends on the line holding "]]>".
  if (value.includes("]]>") && !value.includes("\n")) return 'holds "]]>" on a single line, which oned\'s text syntax refuses';
  if (value.endsWith("\\") && !isBare(value)) {
    return "ends with a backslash, which would escape the closing quote, and holds characters that need quotes";
  }
  return undefined;
}

function isBare(value: string): boolean {
  return value.length > 0 && value.charCodeAt(0) !== 34 && !NOT_BARE.test(value);
}

function quote(value: string): string {
  // A value ending in a backslash is only ever written here when it needs no quotes (isBare).
  if (value.endsWith("\\")) return value;
  return `"${value.includes('"') ? value.replaceAll('"', '\\"') : value}"`;
}

/** oned puts ONE_ before a name written with an upper-case XML start; a lower-case x avoids it. */
function writtenName(name: string): string {
  return name.startsWith("XML") ? `x${name.slice(1)}` : name;
}

function isVector(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface Blocker {
  path: string;
  problem: string;
}

/**
 * Text that oned parses back to exactly `template` (or, when the text syntax cannot carry one of
 * its values, the equivalent XML document, which oned accepts wherever it accepts a template).
 * Throws TemplateValueError for a name oned would store differently, a NAME oned would trim, or a
 * value neither form can carry.
 */
export function serializeTemplate(template: Template): string {
  if (!Array.isArray(template)) throw new TemplateValueError("(template)", "a template is an array of attributes");
  const paths = attributePaths(template.map((a) => ({ name: String((a as { name?: unknown })?.name), value: "" })));
  let textBlocker: Blocker | undefined;
  let xmlBlocker: Blocker | undefined;
  let firstName: string | undefined;
  let nameCount = 0;
  for (let i = 0; i < template.length; i++) {
    const attribute = template[i] as { name?: unknown; value?: unknown } | undefined;
    const path = paths[i]!;
    if (typeof attribute !== "object" || attribute === null || typeof attribute.name !== "string") {
      throw new TemplateValueError(`#${i + 1}`, "an attribute is an object with a string name and a value");
    }
    const name = attribute.name;
    const badName = nameProblem(name, true);
    if (badName !== undefined) throw new TemplateValueError(JSON.stringify(name), badName);
    const value: unknown = attribute.value;
    if (name === "NAME") {
      nameCount++;
      if (firstName === undefined && typeof value === "string") firstName = value;
    }
    if (isVector(value)) {
      const keys = Object.keys(value);
      if (keys.length === 0) xmlBlocker ??= { path, problem: "is an empty vector, which oned's XML reader drops" };
      for (const key of keys) {
        const at = `${path}.${key}`;
        const badKey = nameProblem(key, false);
        if (badKey !== undefined) throw new TemplateValueError(`${path}.${JSON.stringify(key)}`, badKey);
        const sub = value[key];
        const hard = valueProblem(sub);
        if (hard !== undefined) throw new TemplateValueError(at, hard);
        if (!isXmlName(key)) xmlBlocker ??= { path: at, problem: "the sub-attribute name is not a valid XML element name" };
        textBlocker ??= withPath(at, textProblem(sub as string));
        xmlBlocker ??= withPath(at, xmlValueProblem(sub as string));
      }
    } else {
      const hard = valueProblem(value);
      if (hard !== undefined) throw new TemplateValueError(path, hard);
      textBlocker ??= withPath(path, textProblem(value as string));
      xmlBlocker ??= withPath(path, xmlValueProblem(value as string));
    }
  }
  if (firstName !== undefined && firstName !== "" && (nameCount > 1 || trimTrailingSpace(firstName) !== firstName)) {
    throw new TemplateValueError(
      "NAME",
      nameCount > 1 ? "oned keeps a single NAME attribute (Template::trim_name)" : "oned strips the white space that ends NAME (Template::trim_name)",
    );
  }
  const names = template.map((a) => writtenName(a.name));
  if (textBlocker === undefined) return textSyntax(template, names);
  if (xmlBlocker === undefined) return templateToRequestXml(template, names);
  const also = xmlBlocker.path === textBlocker.path ? xmlBlocker.problem : `${xmlBlocker.path} ${xmlBlocker.problem}`;
  throw new TemplateValueError(textBlocker.path, `${textBlocker.problem}; the XML form oned also reads cannot be used: ${also}`);
}

function withPath(path: string, problem: string | undefined): Blocker | undefined {
  return problem === undefined ? undefined : { path, problem };
}

/**
 * One attribute per line; vector entries one per line, so that no "]]>" of one value shares a line
 * with the start of another (the scanner looks for it up to the end of the line).
 */
function textSyntax(template: Template, names: readonly string[]): string {
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const value: TemplateValue = template[i]!.value;
    const name = names[i]!;
    if (typeof value === "string") {
      out += `${name} = ${quote(value)}\n`;
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length === 0) {
      out += `${name} = []\n`;
      continue;
    }
    out += `${name} = [\n`;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      out += `  ${key} = ${quote(value[key]!)}${k === keys.length - 1 ? " ]\n" : ",\n"}`;
    }
  }
  return out;
}
