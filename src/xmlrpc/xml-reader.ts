/**
 * A cursor over an XML-RPC document: just enough XML to read the XML-RPC grammar, strictly.
 *
 * It finds bounds with indexOf and slices, never walking text character by character, so a string
 * value of 70 MB costs one memchr-like scan. Elements may carry attributes (Apache XML-RPC declares
 * its `ex:` namespace on the root), which are checked for shape and ignored. Comments and processing
 * instructions may stand wherever whitespace may; a DOCTYPE may not (XML-RPC forbids it, and it
 * would open entity definitions).
 */
import { hasErrorCode } from "../errors.js";
import { XmlRpcParseError } from "./errors.js";
import { escapeXml, normalizeLineEnds } from "./escape.js";

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;

function isXmlSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

function isNameChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x5f || // _
    c === 0x3a || // :
    c === 0x2d || // -
    c === 0x2e || // .
    c >= 0x80
  );
}

/** True when `text` holds nothing but XML whitespace. */
export function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isXmlSpace(text.charCodeAt(i))) return false;
  return true;
}

/** XML whitespace trimmed from both ends (String.prototype.trim also strips other spaces). */
export function trimXmlSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isXmlSpace(text.charCodeAt(start))) start++;
  while (end > start && isXmlSpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

export class XmlReader {
  pos = 0;
  /** Whether the last start tag read by openTag was self-closing (`<nil/>`). */
  lastEmpty = false;
  /** Where the last start tag read by openTag began. */
  lastTagStart = 0;

  constructor(readonly xml: string) {}

  fail(problem: string, at: number = this.pos): never {
    throw new XmlRpcParseError(problem, { index: at, text: this.xml });
  }

  /** Skips a byte-order mark, the XML declaration and whatever may precede the root element. */
  skipProlog(): void {
    if (this.xml.charCodeAt(0) === 0xfeff) this.pos = 1;
    this.skipMisc();
  }

  /** Skips whitespace, comments and processing instructions. */
  skipMisc(): void {
    const xml = this.xml;
    const length = xml.length;
    let p = this.pos;
    while (p < length) {
      const c = xml.charCodeAt(p);
      if (isXmlSpace(c)) {
        p++;
      } else if (c === LT && xml.charCodeAt(p + 1) === BANG && xml.startsWith("<!--", p)) {
        p = this.endOf("-->", p + 4, p, "comment");
      } else if (c === LT && xml.charCodeAt(p + 1) === QUESTION) {
        p = this.endOf("?>", p + 2, p, "processing instruction");
      } else {
        break;
      }
    }
    this.pos = p;
  }

  /** Fails unless only whitespace, comments and processing instructions remain. */
  expectEnd(): void {
    this.skipMisc();
    if (this.pos !== this.xml.length) this.fail("content after the end of the document");
  }

  /** Index just past `terminator`, searched from `from`; fails naming the construct opened at `openedAt`. */
  private endOf(terminator: string, from: number, openedAt: number, what: string): number {
    const end = this.xml.indexOf(terminator, from);
    if (end === -1) this.fail(`unterminated ${what}`, openedAt);
    return end + terminator.length;
  }

  /** True when the cursor stands on an end tag. */
  atEndTag(): boolean {
    return this.xml.charCodeAt(this.pos) === LT && this.xml.charCodeAt(this.pos + 1) === SLASH;
  }

  /** Reads a start tag at the cursor and returns its name; sets lastEmpty and lastTagStart. */
  openTag(expected?: string): string {
    const xml = this.xml;
    const start = this.pos;
    let p = start;
    if (xml.charCodeAt(p) !== LT) this.failStartTag(expected, p);
    p++;
    const nameStart = p;
    while (isNameChar(xml.charCodeAt(p))) p++;
    if (p >= xml.length || p === nameStart) this.failStartTag(expected, start);
    const name = xml.slice(nameStart, p);
    let empty = false;
    for (;;) {
      const spaceStart = p;
      while (isXmlSpace(xml.charCodeAt(p))) p++;
      const c = xml.charCodeAt(p);
      if (c === GT) {
        p++;
        break;
      }
      if (c === SLASH && xml.charCodeAt(p + 1) === GT) {
        p += 2;
        empty = true;
        break;
      }
      if (p >= xml.length) this.fail(`unexpected end of document inside <${name}>`, start);
      if (p === spaceStart || !isNameChar(c)) this.fail(`malformed start tag <${name}>`, p);
      p = this.skipAttribute(p, name);
    }
    if (expected !== undefined && name !== expected) this.fail(`expected <${expected}>, found <${name}>`, start);
    this.pos = p;
    this.lastEmpty = empty;
    this.lastTagStart = start;
    return name;
  }

  private failStartTag(expected: string | undefined, at: number): never {
    const wanted = expected === undefined ? "a start tag" : `<${expected}>`;
    const xml = this.xml;
    const truncated = at >= xml.length || (xml.charCodeAt(at) === LT && xml.indexOf(">", at) === -1);
    this.fail(truncated ? `unexpected end of document, expected ${wanted}` : `expected ${wanted}`, at);
  }

  private skipAttribute(at: number, tag: string): number {
    const xml = this.xml;
    let p = at;
    while (isNameChar(xml.charCodeAt(p))) p++;
    while (isXmlSpace(xml.charCodeAt(p))) p++;
    if (xml.charCodeAt(p) !== EQUALS) this.fail(`malformed attribute in <${tag}>`, p);
    p++;
    while (isXmlSpace(xml.charCodeAt(p))) p++;
    const quote = xml.charCodeAt(p);
    if (quote !== QUOTE && quote !== APOSTROPHE) this.fail(`malformed attribute in <${tag}>`, p);
    const close = xml.indexOf(quote === QUOTE ? '"' : "'", p + 1);
    if (close === -1) this.fail(`unterminated attribute in <${tag}>`, p);
    const value = xml.slice(p + 1, close);
    if (value.includes("<")) this.fail(`"<" in an attribute of <${tag}>`, p);
    return close + 1;
  }

  /** Reads the end tag `</name>` at the cursor. */
  closeTag(name: string): void {
    const xml = this.xml;
    const start = this.pos;
    if (
      xml.charCodeAt(start) === LT &&
      xml.charCodeAt(start + 1) === SLASH &&
      xml.startsWith(name, start + 2)
    ) {
      let p = start + 2 + name.length;
      while (isXmlSpace(xml.charCodeAt(p))) p++;
      if (xml.charCodeAt(p) === GT) {
        this.pos = p + 1;
        return;
      }
    }
    if (start >= xml.length || `</${name}>`.startsWith(xml.slice(start))) {
      this.fail(`unexpected end of document, expected </${name}>`, start);
    }
    if (this.atEndTag()) this.fail(`mismatched end tag, expected </${name}>`, start);
    this.fail(`expected </${name}>`, start);
  }

  /**
   * Reads character data up to the next start or end tag and returns it still escaped. CDATA
   * sections are turned into escaped text and comments dropped; when the text is one plain run it
   * is returned as a slice of the document, exactly as it stood (line ends included).
   */
  readText(): string {
    const xml = this.xml;
    const start = this.pos;
    let lt = xml.indexOf("<", start);
    if (lt === -1) this.fail("unexpected end of document in text", xml.length);
    let next = xml.charCodeAt(lt + 1);
    if (next !== BANG && next !== QUESTION) {
      this.pos = lt;
      return xml.slice(start, lt);
    }
    // Several runs: each is line-normalised on its own, as XML does before it splits them.
    let raw = "";
    let runStart = start;
    for (;;) {
      raw += normalizeLineEnds(xml.slice(runStart, lt));
      if (next === BANG && xml.startsWith("<![CDATA[", lt)) {
        const end = xml.indexOf("]]>", lt + 9);
        if (end === -1) this.fail("unterminated CDATA section", lt);
        raw += this.escapeCdata(xml.slice(lt + 9, end), lt);
        runStart = end + 3;
      } else if (next === BANG && xml.startsWith("<!--", lt)) {
        runStart = this.endOf("-->", lt + 4, lt, "comment");
      } else if (next === QUESTION) {
        runStart = this.endOf("?>", lt + 2, lt, "processing instruction");
      } else {
        this.fail("unexpected markup in text", lt);
      }
      lt = xml.indexOf("<", runStart);
      if (lt === -1) this.fail("unexpected end of document in text", xml.length);
      next = xml.charCodeAt(lt + 1);
      if (next !== BANG && next !== QUESTION) break;
    }
    raw += normalizeLineEnds(xml.slice(runStart, lt));
    this.pos = lt;
    return raw;
  }

  private escapeCdata(content: string, at: number): string {
    try {
      return escapeXml(normalizeLineEnds(content));
    } catch (error) {
      if (hasErrorCode(error, "XMLRPC_ENCODE")) {
        const index = (error as { index?: number }).index ?? 0;
        this.fail("character not allowed in XML inside a CDATA section", at + 9 + index);
      }
      throw error;
    }
  }
}
