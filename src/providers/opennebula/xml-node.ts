/**
 * Reading oned's XML documents into a small tree. fast-xml-parser does the parsing; this module pins
 * its options so that every element is an array (a pool of one VM, a VM with one DISK look like the
 * general case), values stay the exact strings oned sent (no "0123" → 123), and CDATA sections (older
 * oned) and entities read the same.
 */
import { XMLParser } from "fast-xml-parser";
import type { Template, TemplateAttribute, TemplateVector } from "./template-syntax.js";
import { parseXmlTree } from "./xml-tree.js";

/** An element: its children by name, in document order per name; `#text` holds its text. */
export interface XmlNode {
  [name: string]: XmlNode[] | string | undefined;
  "#text"?: string;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: () => true,
  alwaysCreateTextNode: true,
  // oned escapes every "<" and "&" in values; the only entities a document holds are the five XML ones
  // and character references, which the parser decodes. No DOCTYPE entity expansion is allowed.
  processEntities: true,
  htmlEntities: false,
});

/** Parses one document with fast-xml-parser (the reference the faster parser is tested against). */
export function parseXmlDocumentReference(xml: string, rootName: string): XmlNode {
  const doc = parser.parse(xml) as Record<string, XmlNode[]>;
  const root = doc[rootName]?.[0];
  if (!root) throw new Error(`expected a <${rootName}> document`);
  return root;
}

/** Parses one oned document; returns its root element. */
export function parseXmlDocument(xml: string, rootName: string): XmlNode {
  const doc = parseXmlTree(xml) as Record<string, XmlNode[]>;
  const root = doc[rootName]?.[0];
  if (!root) throw new Error(`expected a <${rootName}> document`);
  return root;
}

export function children(node: XmlNode, name: string): XmlNode[] {
  const value = node[name];
  return Array.isArray(value) ? value : [];
}

export function child(node: XmlNode, name: string): XmlNode | undefined {
  return children(node, name)[0];
}

export function text(node: XmlNode | undefined): string {
  if (!node) return "";
  const t = node["#text"];
  return typeof t === "string" ? t : "";
}

export function str(node: XmlNode, name: string): string {
  return text(child(node, name));
}

export function optStr(node: XmlNode, name: string): string | undefined {
  const c = child(node, name);
  return c === undefined ? undefined : text(c);
}

/** A numeric field; a missing or empty one reads as `fallback`, a non-numeric one throws. */
export function num(node: XmlNode, name: string, fallback = 0): number {
  const c = child(node, name);
  if (c === undefined) return fallback;
  const t = text(c).trim();
  if (t === "") return fallback;
  const n = Number(t);
  if (!Number.isFinite(n)) throw new Error(`<${name}> is not a number: ${JSON.stringify(t.slice(0, 40))}`);
  return n;
}

export function optNum(node: XmlNode, name: string): number | undefined {
  const c = child(node, name);
  if (c === undefined || text(c).trim() === "") return undefined;
  return num(node, name);
}

/** `<VMS><ID>1</ID><ID>4</ID></VMS>` → [1, 4]. */
export function ids(node: XmlNode, name: string): number[] {
  const c = child(node, name);
  if (!c) return [];
  return children(c, "ID").map((n) => Number(text(n).trim())).filter((n) => Number.isFinite(n));
}

function isElementName(key: string): boolean {
  return key !== "#text";
}

/**
 * A TEMPLATE-like element as a Template: each child is a single attribute (text only) or a vector
 * (its children are the sub-attributes). Attribute order follows the document, grouped by name.
 */
export function templateOf(node: XmlNode | undefined): Template {
  if (!node) return [];
  const out: TemplateAttribute[] = [];
  for (const key of Object.keys(node)) {
    if (!isElementName(key)) continue;
    for (const item of children(node, key)) {
      const subKeys = Object.keys(item).filter(isElementName);
      if (subKeys.length === 0) {
        out.push({ name: key, value: text(item) });
      } else {
        const vector: TemplateVector = {};
        for (const sub of subKeys) vector[sub] = text(child(item, sub));
        out.push({ name: key, value: vector });
      }
    }
  }
  return out;
}

/** The children of an element as a flat map of strings (a vector-like element such as an AR). */
export function flatMap(node: XmlNode | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!node) return out;
  for (const key of Object.keys(node)) if (isElementName(key)) out[key] = text(child(node, key));
  return out;
}
