/**
 * A parser for the XML documents oned prints, into the same XmlNode tree as xml-node.ts builds with
 * fast-xml-parser (every child an array, text under `#text`).
 *
 * Why: pool reads parse every object the stack owns, and fast-xml-parser runs at ~10 MB/s here
 * (BENCHMARKS.md); oned's documents need little of what a general parser handles. This one walks the
 * document with indexOf from one `<` to the next, and handles what oned and older oned print:
 * elements, text with the five entities and character references, CDATA sections, empty elements,
 * an XML declaration and comments. Attributes (oned prints none) are read past and ignored. Anything
 * malformed — an unclosed element, a mismatched end tag, an unterminated section — throws.
 */
import { unescapeXml } from "../../xmlrpc/index.js";
import type { XmlNode } from "./xml-node.js";

export class XmlTreeError extends Error {}

// Module level, not a closure per call: a parse runs once per object of a pool page.
function fail(what: string, at: number): never {
  throw new XmlTreeError(`${what} at offset ${at}`);
}

export function parseXmlTree(xml: string): XmlNode {
  const root: XmlNode = {};
  const stack: { node: XmlNode; name: string }[] = [{ node: root, name: "" }];
  let pos = 0;
  const n = xml.length;
  while (pos < n) {
    const lt = xml.indexOf("<", pos);
    const end = lt < 0 ? n : lt;
    if (end > pos) {
      const top = stack[stack.length - 1]!;
      if (stack.length === 1) {
        if (xml.slice(pos, end).trim() !== "") fail("text outside the root element", pos);
      } else {
        const raw = xml.slice(pos, end);
        top.node["#text"] = (top.node["#text"] ?? "") + (raw.indexOf("&") >= 0 ? unescapeXml(raw) : raw);
      }
    }
    if (lt < 0) break;
    const next = xml.charCodeAt(lt + 1);
    if (next === 47 /* / */) {
      const close = xml.indexOf(">", lt + 2);
      if (close < 0) fail("an unterminated end tag", lt);
      const name = xml.slice(lt + 2, close).trim();
      const top = stack.pop()!;
      if (stack.length === 0 || top.name !== name) fail(`</${name}> does not close <${top.name}>`, lt);
      pos = close + 1;
    } else if (next === 33 /* ! */) {
      if (xml.startsWith("<![CDATA[", lt)) {
        const close = xml.indexOf("]]>", lt + 9);
        if (close < 0) fail("an unterminated CDATA section", lt);
        if (stack.length === 1) fail("a CDATA section outside the root element", lt);
        const top = stack[stack.length - 1]!;
        top.node["#text"] = (top.node["#text"] ?? "") + xml.slice(lt + 9, close);
        pos = close + 3;
      } else if (xml.startsWith("<!--", lt)) {
        const close = xml.indexOf("-->", lt + 4);
        if (close < 0) fail("an unterminated comment", lt);
        pos = close + 3;
      } else {
        fail("a declaration oned does not print", lt);
      }
    } else if (next === 63 /* ? */) {
      const close = xml.indexOf("?>", lt + 2);
      if (close < 0) fail("an unterminated processing instruction", lt);
      pos = close + 2;
    } else {
      const close = xml.indexOf(">", lt + 1);
      if (close < 0) fail("an unterminated start tag", lt);
      const selfClosing = xml.charCodeAt(close - 1) === 47;
      const inner = xml.slice(lt + 1, selfClosing ? close - 1 : close);
      let nameEnd = 0;
      while (nameEnd < inner.length) {
        const c = inner.charCodeAt(nameEnd);
        if (c === 32 || c === 9 || c === 10 || c === 13) break;
        nameEnd++;
      }
      const name = inner.slice(0, nameEnd);
      if (name === "") fail("an element without a name", lt);
      if (stack.length === 1 && Object.keys(root).length > 0) fail("a second root element", lt);
      const node: XmlNode = { "#text": "" };
      const parent = stack[stack.length - 1]!.node;
      const list = parent[name];
      if (Array.isArray(list)) list.push(node);
      else parent[name] = [node];
      if (!selfClosing) stack.push({ node, name });
      pos = close + 1;
    }
  }
  if (stack.length !== 1) fail(`<${stack[stack.length - 1]!.name}> is not closed`, n);
  return root;
}
