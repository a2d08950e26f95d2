/**
 * Templates as XML: what oned prints (`Template::to_xml`) and the XML form hyperplan sends when the
 * text syntax cannot carry a value. See `template-syntax.ts` for the facts behind each choice.
 */
import { TemplateValueError, type Template, type TemplateVector } from "./template-model.js";
import { firstNonXmlChar, isXmlName } from "./template-xml-reader.js";

/** Order of `std::string` keys: byte order of UTF-8, which is code point order. */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort after every BMP character in code point order.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Why XML cannot carry `value`, or undefined when it can. */
export function xmlValueProblem(value: string): string | undefined {
  const bad = firstNonXmlChar(value);
  if (bad === -1) return undefined;
  const code = value.codePointAt(bad)!;
  return `holds character U+${code.toString(16).toUpperCase().padStart(4, "0")}, which XML 1.0 cannot carry`;
}

/**
 * Element content that reads back as exactly `value` through libxml2 and oned: a CDATA section, as
 * oned prints, unless the value holds "]]>" (which would end the section) or a carriage return
 * (which any XML reader turns into a line feed inside CDATA); those are written as escaped text.
 */
export function xmlContent(value: string, path: string): string {
  const problem = xmlValueProblem(value);
  if (problem !== undefined) throw new TemplateValueError(path, problem);
  if (!value.includes("]]>") && !value.includes("\r")) return `<![CDATA[${value}]]>`;
  let out = "";
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    let entity: string | undefined;
    if (code === 38) entity = "&amp;";
    else if (code === 60) entity = "&lt;";
    else if (code === 62) entity = "&gt;";
    else if (code === 13) entity = "&#13;";
    if (entity === undefined) continue;
    out += value.slice(from, i) + entity;
    from = i + 1;
  }
  return out + value.slice(from);
}

function checkElementName(name: string, path: string): void {
  if (!isXmlName(name)) throw new TemplateValueError(path, `${JSON.stringify(name)} is not a valid XML element name`);
}

function vectorXml(name: string, vector: TemplateVector, path: string, sorted: boolean): string {
  const keys = Object.keys(vector);
  if (sorted) keys.sort(compareNames);
  let out = `<${name}>`;
  for (const key of keys) {
    const at = `${path}.${key}`;
    checkElementName(key, at);
    out += `<${key}>${xmlContent(vector[key]!, at)}</${key}>`;
  }
  return `${out}</${name}>`;
}

/** `DISK[2]`: which attribute, counting from 1 among those of the same name. */
export function attributePaths(template: Template): string[] {
  const seen = new Map<string, number>();
  return template.map((attribute) => {
    const n = (seen.get(attribute.name) ?? 0) + 1;
    seen.set(attribute.name, n);
    return `${attribute.name}[${n}]`;
  });
}

/**
 * The template as oned prints it inside an object's XML: attributes sorted by name (a
 * `std::multimap`; equal names keep their order), vector entries sorted by key (a `std::map`),
 * every value in a CDATA section. Where oned's own output would be malformed or lossy (a value
 * holding "]]>" or a carriage return) the value is written as escaped text instead, which reads
 * back the same; a character XML cannot carry at all is refused with a TemplateValueError.
 */
export function templateToXml(template: Template, rootName = "TEMPLATE"): string {
  checkElementName(rootName, "root element");
  const paths = attributePaths(template);
  const order = template.map((_, i) => i);
  order.sort((a, b) => compareNames(template[a]!.name, template[b]!.name) || a - b);
  let out = `<${rootName}>`;
  for (const i of order) {
    const { name, value } = template[i]!;
    const path = paths[i]!;
    checkElementName(name, path);
    out += typeof value === "string" ? `<${name}>${xmlContent(value, path)}</${name}>` : vectorXml(name, value, path, true);
  }
  return `${out}</${rootName}>`;
}

/** The XML form of a template to send to oned, attributes in the given order under `names`. */
export function templateToRequestXml(template: Template, names: readonly string[]): string {
  const paths = attributePaths(template);
  let out = "<TEMPLATE>";
  for (let i = 0; i < template.length; i++) {
    const { value } = template[i]!;
    const name = names[i]!;
    out += typeof value === "string" ? `<${name}>${xmlContent(value, paths[i]!)}</${name}>` : vectorXml(name, value, paths[i]!, false);
  }
  return `${out}</TEMPLATE>`;
}
