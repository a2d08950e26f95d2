/**
 * oned's XML template reader (`Template::from_xml`, `rebuild_attributes`, `single_xml_att`,
 * `vector_xml_att` in `src/template/Template.cc`) over a well-formedness-checking XML reader that
 * builds the node list libxml2 would: adjacent character data and references make one text node,
 * adjacent CDATA sections one CDATA node (libxml2 `SAX2.c` appends to the last child of the same
 * type), comments and processing instructions are nodes of their own. See `template-syntax.ts`.
 */
import {
  normalizeTemplateName,
  positionOf,
  setVectorEntry,
  TemplateSyntaxError,
  type Template,
  type TemplateVector,
} from "./template-model.js";

const N_ELEMENT = 0;
const N_TEXT = 1;
const N_CDATA = 2;
const N_OTHER = 3; // comment or processing instruction

interface XmlElement {
  type: typeof N_ELEMENT;
  /** Name as libxml2 reports it: the local part when the prefix is bound, else the whole name. */
  name: string;
  /** Name as written, to match the end tag. */
  qname: string;
  children: XmlNode[];
  prefixes: string[] | undefined;
}
interface XmlCharacters {
  type: typeof N_TEXT | typeof N_CDATA | typeof N_OTHER;
  text: string;
}
type XmlNode = XmlElement | XmlCharacters;

// XML 1.0 Char: what may appear in a document at all, even through a character reference.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function isXmlChar(code: number): boolean {
  return (
    code === 9 ||
    code === 10 ||
    code === 13 ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** Index of the first character XML 1.0 cannot carry, or -1. */
export function firstNonXmlChar(text: string): number {
  const match = NOT_XML_CHAR.exec(text);
  return match === null ? -1 : match.index;
}

function isNameStart(code: number): boolean {
  if (code < 128) return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code === 58;
  return (
    (code >= 0xc0 && code <= 0xd6) ||
    (code >= 0xd8 && code <= 0xf6) ||
    (code >= 0xf8 && code <= 0x2ff) ||
    (code >= 0x370 && code <= 0x37d) ||
    (code >= 0x37f && code <= 0x1fff) ||
    (code >= 0x200c && code <= 0x200d) ||
    (code >= 0x2070 && code <= 0x218f) ||
    (code >= 0x2c00 && code <= 0x2fef) ||
    (code >= 0x3001 && code <= 0xd7ff) ||
    (code >= 0xf900 && code <= 0xfdcf) ||
    (code >= 0xfdf0 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0xeffff)
  );
}

function isNameChar(code: number): boolean {
  if (code < 128) return isNameStart(code) || code === 45 || code === 46 || (code >= 48 && code <= 57);
  return isNameStart(code) || code === 0xb7 || (code >= 0x300 && code <= 0x36f) || (code >= 0x203f && code <= 0x2040);
}

/** Length of the XML Name at `at`, 0 when there is none. */
export function xmlNameLength(text: string, at: number): number {
  let pos = at;
  const length = text.length;
  while (pos < length) {
    const code = text.codePointAt(pos)!;
    if (!(pos === at ? isNameStart(code) : isNameChar(code))) break;
    pos += code > 0xffff ? 2 : 1;
  }
  return pos - at;
}

export function isXmlName(name: string): boolean {
  return name.length > 0 && xmlNameLength(name, 0) === name.length;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13;
}

const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", apos: "'", quot: '"' };

class XmlReader {
  private pos = 0;
  private nextMarkup = -1;
  private nextAmpersand = -1;
  private nextCdataEnd = -1;
  private readonly stack: XmlElement[] = [];

  constructor(private readonly text: string) {}

  fail(at: number, found: string, expected: string[], hint?: string): never {
    throw new TemplateSyntaxError("xml", positionOf(this.text, at), found, expected, hint);
  }

  private foundAt(at: number): string {
    if (at >= this.text.length) return "the end of the document";
    const code = this.text.codePointAt(at)!;
    return JSON.stringify(String.fromCodePoint(code));
  }

  readDocument(): XmlElement {
    const text = this.text;
    if (text.startsWith("<?xml") && isSpace(text.charCodeAt(5))) {
      const end = text.indexOf("?>", 5);
      if (end === -1) this.fail(0, "an unterminated XML declaration", ['"?>"']);
      if (!text.slice(5, end).includes("version")) this.fail(5, "an XML declaration without version", ["version"]);
      this.pos = end + 2;
    }
    let root: XmlElement | undefined;
    for (;;) {
      this.skipSpace();
      const at = this.pos;
      if (at >= text.length) {
        if (root) return root;
        this.fail(at, "the end of the document", ["a root element"]);
      }
      if (text.startsWith("<!--", at)) this.readComment();
      else if (text.startsWith("<?", at)) this.readProcessingInstruction();
      else if (text.startsWith("<!DOCTYPE", at)) {
        this.fail(at, "a DOCTYPE declaration", [], "document type declarations are not supported");
      } else if (root === undefined && text.charCodeAt(at) === 60 && text.charCodeAt(at + 1) !== 33) {
        root = this.readElementTree();
      } else {
        this.fail(at, this.foundAt(at), root ? ["a comment", "a processing instruction", "the end of the document"] : ["a root element"]);
      }
    }
  }

  private skipSpace(): boolean {
    const start = this.pos;
    while (this.pos < this.text.length && isSpace(this.text.charCodeAt(this.pos))) this.pos++;
    return this.pos > start;
  }

  private readName(what: string): string {
    const length = xmlNameLength(this.text, this.pos);
    if (length === 0) this.fail(this.pos, this.foundAt(this.pos), [what]);
    const name = this.text.slice(this.pos, this.pos + length);
    this.pos += length;
    return name;
  }

  private readComment(): string {
    const start = this.pos + 4;
    const end = this.text.indexOf("-->", start);
    if (end === -1) this.fail(this.pos, "an unterminated comment", ['"-->"']);
    const doubleHyphen = this.text.indexOf("--", start);
    if (doubleHyphen < end) this.fail(doubleHyphen, '"--"', ['"-->"'], 'a comment cannot contain "--"');
    this.pos = end + 3;
    return this.text.slice(start, end);
  }

  private readProcessingInstruction(): string {
    const at = this.pos;
    this.pos += 2;
    const target = this.readName("a processing instruction target");
    if (target.toLowerCase() === "xml") this.fail(at, "an XML declaration", [], "it is only allowed at the very start");
    const end = this.text.indexOf("?>", this.pos);
    if (end === -1) this.fail(at, "an unterminated processing instruction", ['"?>"']);
    if (end > this.pos && !isSpace(this.text.charCodeAt(this.pos))) this.fail(this.pos, this.foundAt(this.pos), ['"?>"', "white space"]);
    this.pos = end + 2;
    return target;
  }

  /** `<name attr="…" …>` or `<name …/>`; leaves the element on the stack when it has content. */
  private readStartTag(): { element: XmlElement; empty: boolean } {
    const text = this.text;
    this.pos++;
    const qname = this.readName("an element name");
    let prefixes: string[] | undefined;
    let seen: string[] | undefined;
    let empty = false;
    for (;;) {
      const spaced = this.skipSpace();
      const code = text.charCodeAt(this.pos);
      if (code === 62) {
        this.pos++;
        break;
      }
      if (code === 47 && text.charCodeAt(this.pos + 1) === 62) {
        this.pos += 2;
        empty = true;
        break;
      }
      if (!spaced) this.fail(this.pos, this.foundAt(this.pos), ['">"', '"/>"', "white space"]);
      const nameAt = this.pos;
      const name = this.readName(`an attribute name, ">" or "/>" in <${qname}>`);
      if (seen?.includes(name)) this.fail(nameAt, `attribute ${name} again`, [], "an attribute may appear once per element");
      (seen ??= []).push(name);
      this.skipSpace();
      if (text.charCodeAt(this.pos) !== 61) this.fail(this.pos, this.foundAt(this.pos), [`"=" after ${name}`]);
      this.pos++;
      this.skipSpace();
      const quote = text.charCodeAt(this.pos);
      if (quote !== 34 && quote !== 39) this.fail(this.pos, this.foundAt(this.pos), ["a quoted attribute value"]);
      const close = text.indexOf(quote === 34 ? '"' : "'", this.pos + 1);
      if (close === -1) this.fail(this.pos, "an unterminated attribute value", [quote === 34 ? "'\"'" : `"'"`]);
      const value = text.slice(this.pos + 1, close);
      const lt = value.indexOf("<");
      if (lt !== -1) this.fail(this.pos + 1 + lt, '"<"', [], "attribute values cannot contain <");
      if (value.includes("&")) this.checkReferences(this.pos + 1, close);
      this.pos = close + 1;
      if (name.startsWith("xmlns:")) (prefixes ??= []).push(name.slice(6));
    }
    const element: XmlElement = { type: N_ELEMENT, name: qname, qname, children: [], prefixes };
    const colon = qname.indexOf(":");
    if (colon > 0 && colon < qname.length - 1 && this.isBound(qname.slice(0, colon), prefixes)) {
      element.name = qname.slice(colon + 1);
    }
    return { element, empty };
  }

  private isBound(prefix: string, own: string[] | undefined): boolean {
    if (prefix === "xml" || own?.includes(prefix)) return true;
    for (let i = this.stack.length - 1; i >= 0; i--) if (this.stack[i]!.prefixes?.includes(prefix)) return true;
    return false;
  }

  private checkReferences(from: number, to: number): void {
    let amp = this.text.indexOf("&", from);
    while (amp !== -1 && amp < to) {
      this.pos = amp;
      this.readReference();
      amp = this.text.indexOf("&", this.pos);
    }
  }

  /** `&name;`, `&#N;` or `&#xH;` at `pos`: returns the characters it stands for. */
  private readReference(): string {
    const text = this.text;
    const at = this.pos;
    if (text.charCodeAt(at + 1) === 35) {
      const hex = text.charCodeAt(at + 2) === 120;
      let pos = at + (hex ? 3 : 2);
      const digitsAt = pos;
      let code = 0;
      for (;;) {
        const c = text.charCodeAt(pos);
        let digit = -1;
        if (c >= 48 && c <= 57) digit = c - 48;
        else if (hex && c >= 97 && c <= 102) digit = c - 87;
        else if (hex && c >= 65 && c <= 70) digit = c - 55;
        if (digit === -1) break;
        code = code * (hex ? 16 : 10) + digit;
        if (code > 0x10ffff) code = 0x110000;
        pos++;
      }
      if (pos === digitsAt || text.charCodeAt(pos) !== 59) this.fail(at, "a malformed character reference", ['"&#N;"', '"&#xH;"']);
      if (!isXmlChar(code)) this.fail(at, `a reference to character ${code}`, [], "XML 1.0 cannot carry that character");
      this.pos = pos + 1;
      return String.fromCodePoint(code);
    }
    this.pos = at + 1;
    const name = this.readName("an entity name");
    if (text.charCodeAt(this.pos) !== 59) this.fail(this.pos, this.foundAt(this.pos), [`";" after &${name}`]);
    this.pos++;
    const value = PREDEFINED[name];
    if (value === undefined || !Object.prototype.hasOwnProperty.call(PREDEFINED, name)) {
      this.fail(at, `entity &${name};`, [], "only the five predefined entities exist without a DTD");
    }
    return value;
  }

  private readElementTree(): XmlElement {
    const text = this.text;
    const length = text.length;
    const first = this.readStartTag();
    if (first.empty) return first.element;
    const stack = this.stack;
    stack.push(first.element);
    while (stack.length > 0) {
      const element = stack[stack.length - 1]!;
      const at = this.pos;
      if (at >= length) this.fail(at, "the end of the document", [`</${element.qname}>`]);
      const code = text.charCodeAt(at);
      if (code === 60) {
        const next = text.charCodeAt(at + 1);
        if (next === 47) {
          this.pos = at + 2;
          const name = this.readName("an element name");
          if (name !== element.qname) this.fail(at + 2, `</${name}>`, [`</${element.qname}>`]);
          this.skipSpace();
          if (text.charCodeAt(this.pos) !== 62) this.fail(this.pos, this.foundAt(this.pos), ['">"']);
          this.pos++;
          stack.pop();
        } else if (text.startsWith("<!--", at)) {
          element.children.push({ type: N_OTHER, text: this.readComment() });
        } else if (text.startsWith("<![CDATA[", at)) {
          const end = text.indexOf("]]>", at + 9);
          if (end === -1) this.fail(at, "an unterminated CDATA section", ['"]]>"']);
          append(element, N_CDATA, text.slice(at + 9, end));
          this.pos = end + 3;
        } else if (next === 63) {
          element.children.push({ type: N_OTHER, text: this.readProcessingInstruction() });
        } else if (next === 33) {
          this.fail(at, this.foundAt(at + 1), ["a comment", "a CDATA section", "an element"]);
        } else {
          const child = this.readStartTag();
          element.children.push(child.element);
          if (!child.empty) stack.push(child.element);
        }
      } else if (code === 38) {
        append(element, N_TEXT, this.readReference());
      } else {
        const end = Math.min(this.markupFrom(at), this.ampersandFrom(at));
        const cdataEnd = this.cdataEndFrom(at);
        if (cdataEnd !== -1 && cdataEnd < end) this.fail(cdataEnd, '"]]>"', [], 'character data cannot contain "]]>"');
        append(element, N_TEXT, text.slice(at, end));
        this.pos = end;
      }
    }
    return first.element;
  }

  private markupFrom(at: number): number {
    if (this.nextMarkup < at) {
      const found = this.text.indexOf("<", at);
      this.nextMarkup = found === -1 ? this.text.length : found;
    }
    return this.nextMarkup;
  }

  private ampersandFrom(at: number): number {
    if (this.nextAmpersand < at) {
      const found = this.text.indexOf("&", at);
      this.nextAmpersand = found === -1 ? this.text.length : found;
    }
    return this.nextAmpersand;
  }

  private cdataEndFrom(at: number): number {
    if (this.nextCdataEnd === -2) return -1;
    if (this.nextCdataEnd < at) {
      const found = this.text.indexOf("]]>", at);
      this.nextCdataEnd = found === -1 ? -2 : found;
      if (found === -1) return -1;
    }
    return this.nextCdataEnd;
  }
}

function append(element: XmlElement, type: typeof N_TEXT | typeof N_CDATA, text: string): void {
  const last = element.children[element.children.length - 1];
  if (last !== undefined && last.type === type) last.text += text;
  else element.children.push({ type, text });
}

function isCharacters(node: XmlNode | undefined): node is XmlCharacters {
  return node !== undefined && (node.type === N_TEXT || node.type === N_CDATA);
}

/**
 * Reads an XML template as oned does. An element of the root with exactly one child that is text or
 * CDATA is a single attribute; else, when it has an element child, a vector whose entries are the
 * element children whose FIRST child is text or CDATA (later children are ignored); anything else
 * (an empty element, a comment beside the text) is dropped without a word.
 */
export function parseTemplateXml(source: string): Template {
  const bad = firstNonXmlChar(source);
  if (bad !== -1) {
    const found = `character U+${source.codePointAt(bad)!.toString(16).toUpperCase().padStart(4, "0")}`;
    throw new TemplateSyntaxError("xml", positionOf(source, bad), found, [], "XML 1.0 cannot carry it");
  }
  // Line ends are normalised before parsing (XML 1.0 §2.11), CDATA sections included.
  const text = source.includes("\r") ? source.replace(/\r\n?/g, "\n") : source;
  const root = new XmlReader(text).readDocument();
  const out: Template = [];
  for (const node of root.children) {
    if (node.type !== N_ELEMENT) continue;
    const only = node.children.length === 1 ? node.children[0] : undefined;
    if (isCharacters(only)) {
      out.push({ name: normalizeTemplateName(node.name), value: only.text });
      continue;
    }
    const firstElement = node.children.findIndex((child) => child.type === N_ELEMENT);
    if (firstElement === -1) continue;
    const vector: TemplateVector = {};
    for (let i = firstElement; i < node.children.length; i++) {
      const child = node.children[i]!;
      if (child.type !== N_ELEMENT) continue;
      const content = child.children[0];
      // Sub-attribute names are kept as written (no upper-casing); a repeated one keeps the LAST
      // value (VectorAttribute::replace), unlike the text syntax.
      if (isCharacters(content)) setVectorEntry(vector, child.name, content.text);
    }
    out.push({ name: normalizeTemplateName(node.name), value: vector });
  }
  return out;
}
