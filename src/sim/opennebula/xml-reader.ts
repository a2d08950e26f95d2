/**
 * The XML oned accepts in a template parameter: libxml2's `xmlParseMemory` with its default options
 * (no entity substitution beyond the five predefined entities, blanks kept, namespaces on, no DTD
 * loaded), as far as a template needs it. Written for the simulator from the XML 1.0 fifth edition
 * productions (as libxml2 applies them unless XML_PARSE_OLD10), Namespaces in XML 1.0 and libxml2's
 * SAX2 tree builder (`SAX2.c`); it shares nothing with the client's reader.
 *
 * Any well-formedness error is fatal (`xmlParseMemory` returns NULL unless recovering), so the
 * reader only says "malformed" and oned answers "Parse error: XML Template malformed.":
 * - every character must be an XML Char (tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000 up),
 *   also when written as a character reference;
 * - names are XML Names (non-ASCII letters allowed); an end tag repeats its start tag's name;
 * - an attribute appears once per element, quoted, without `<`, with valid references;
 * - `&name;` is one of lt, gt, amp, apos, quot (no DTD declares any other: XML_ERR_UNDECLARED_ENTITY);
 * - character data never holds `]]>`; a comment never holds `--`; a PI target is never `xml` in any
 *   case, so an XML declaration is only allowed at the very start;
 * - an XML declaration has its version first, `1.` and digits (5th edition: another `1.x` is only
 *   a warning, any other version fatal, XML_ERR_UNKNOWN_VERSION), then an encoding and a standalone
 *   (`yes` or `no`), in that order, separated by white space;
 * - outside the root element only comments, PIs and white space.
 *
 * The tree is libxml2's: adjacent character data and references make ONE text node and adjacent
 * CDATA sections ONE CDATA node (`xmlSAX2Text` appends to a last child of the same type), comments
 * and PIs are nodes of their own, empty CDATA sections are nodes, white space is kept. An element
 * whose `prefix:local` name has a bound prefix (`xmlns:prefix` on it or an ancestor, or `xml`) is
 * called `local`, as libxml2's `node->name` is; with an unbound prefix it keeps the whole name
 * (`xmlSAX2StartElementNs` builds the QName after the namespace error, which is not fatal).
 *
 * Deviations: a DOCTYPE other than `<!DOCTYPE Name>` is refused (libxml2 would read an internal
 * subset, whose entities would then be substituted); an encoding declaration is not applied (the
 * text is taken as the Unicode string it already is).
 */

/** A node of the document tree, as libxml2 builds it. */
export type XmlNode = XmlElement | { kind: "text" | "cdata"; content: string } | { kind: "comment" | "pi" };

export interface XmlElement {
  kind: "element";
  /** libxml2's `node->name`: the local part when the prefix is bound, else the name as written. */
  name: string;
  children: XmlNode[];
}

/** Not well-formed: libxml2 gives up on the document. */
export class MalformedXml extends Error {
  override name = "MalformedXml";
}

// XML 1.0 fifth edition [4] NameStartChar and [4a] NameChar.
const NAME_START = ":A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}";
const NAME_REST = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
const NAME = new RegExp(`[${NAME_START}][${NAME_REST}]*`, "uy");
// [2] Char, negated: what may never appear. With the u flag a lone surrogate is a code point of its own and matches.
const NOT_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const BLANKS = /[ \t\n]*/y; // [3] S, after line-end normalisation removed every CR
const XML_DECL = /<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*("1\.[0-9]*"|'1\.[0-9]*')([ \t\n]+encoding[ \t\n]*=[ \t\n]*("[A-Za-z][A-Za-z0-9._-]*"|'[A-Za-z][A-Za-z0-9._-]*'))?([ \t\n]+standalone[ \t\n]*=[ \t\n]*("(?:yes|no)"|'(?:yes|no)'))?[ \t\n]*\?>/y;
const BARE_DOCTYPE = new RegExp(`<!DOCTYPE[ \\t\\n]+[${NAME_START}][${NAME_REST}]*[ \\t\\n]*>`, "uy");
const PREDEFINED = new Map([
  ["lt", "<"],
  ["gt", ">"],
  ["amp", "&"],
  ["apos", "'"],
  ["quot", '"'],
]);

function isChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

/** Reads a whole document and returns its root element; throws MalformedXml. */
export function readXmlDocument(source: string): XmlElement {
  // XML 1.0 §2.11: CR LF and lone CR become LF before anything else (CDATA sections included).
  const text = source.replace(/\r\n?/g, "\n");
  if (NOT_CHAR.test(text)) throw new MalformedXml("a character XML 1.0 does not allow");
  return new Reader(text).document();
}

class Reader {
  private at = 0;

  constructor(private readonly s: string) {}

  private fail(why: string): never {
    throw new MalformedXml(`${why} at offset ${this.at}`);
  }

  private sticky(re: RegExp): RegExpExecArray | null {
    re.lastIndex = this.at;
    const m = re.exec(this.s);
    if (m) this.at = re.lastIndex;
    return m;
  }

  private blanks(): boolean {
    const from = this.at;
    this.sticky(BLANKS);
    return this.at > from;
  }

  private name(): string {
    return this.sticky(NAME)?.[0] ?? this.fail("a name expected");
  }

  document(): XmlElement {
    // The declaration is only recognised at the very start, followed by white space; anywhere else
    // `<?xml` is a processing instruction with a reserved target.
    if (/^<\?xml[ \t\n]/.test(this.s) && !this.sticky(XML_DECL)) this.fail("a malformed XML declaration");
    this.misc();
    if (this.s.startsWith("<!DOCTYPE", this.at)) {
      if (!this.sticky(BARE_DOCTYPE)) this.fail("a DOCTYPE with an external identifier or an internal subset (not simulated)");
      this.misc();
    }
    if (this.s[this.at] !== "<") this.fail("a root element expected");
    const root = this.element([]);
    this.misc();
    if (this.at !== this.s.length) this.fail("content after the root element");
    return root;
  }

  /** [27] Misc*: comments, PIs and white space. */
  private misc(): void {
    for (;;) {
      this.blanks();
      if (this.s.startsWith("<!--", this.at)) this.comment();
      else if (this.s.startsWith("<?", this.at)) this.processingInstruction();
      else return;
    }
  }

  /** [15] Comment: no `--` inside, so none just before the closing `-->` either. */
  private comment(): void {
    const start = this.at + 4;
    const dashes = this.s.indexOf("--", start);
    if (dashes < 0 || this.s[dashes + 2] !== ">") this.fail("a comment holding -- or not closed");
    this.at = dashes + 3;
  }

  /** [16] PI: a target other than `xml` in any case (libxml2 XML_ERR_RESERVED_XML_NAME), then S or `?>`. */
  private processingInstruction(): void {
    this.at += 2;
    const target = this.name();
    if (target.toLowerCase() === "xml") this.fail("an XML declaration not at the start");
    const end = this.s.indexOf("?>", this.at);
    if (end < 0) this.fail("a processing instruction not closed");
    if (end > this.at && !this.blanks()) this.fail("white space expected after a PI target");
    this.at = end + 2;
  }

  /** [67] Reference at `&`: returns the characters it stands for. */
  private reference(): string {
    const m = /&(?:#([0-9]+)|#x([0-9a-fA-F]+)|([^;&<\s]*));/y;
    m.lastIndex = this.at;
    const ref = m.exec(this.s);
    if (!ref) this.fail("a malformed reference");
    this.at = m.lastIndex;
    if (ref[3] !== undefined) return PREDEFINED.get(ref[3]) ?? this.fail(`an undeclared entity &${ref[3]};`);
    const digits = ref[1] ?? ref[2]!;
    // Parse as a number only while it can still be a code point (a long run of digits is not one).
    const code = digits.replace(/^0+/, "").length > 8 ? Infinity : parseInt(digits, ref[1] !== undefined ? 10 : 16);
    if (!isChar(code)) this.fail("a character reference to a character XML does not allow");
    return String.fromCodePoint(code);
  }

  /** [40] STag / [44] EmptyElemTag, then content and [42] ETag. `bound` holds the prefixes in scope. */
  private element(bound: readonly string[]): XmlElement {
    this.at++; // <
    const written = this.name();
    const seen = new Set<string>();
    const declared: string[] = [];
    let empty = false;
    for (;;) {
      const spaced = this.blanks();
      if (this.s[this.at] === ">") {
        this.at++;
        break;
      }
      if (this.s.startsWith("/>", this.at)) {
        this.at += 2;
        empty = true;
        break;
      }
      if (!spaced) this.fail("white space expected before an attribute");
      const attribute = this.name();
      if (seen.has(attribute)) this.fail(`attribute ${attribute} repeated`);
      seen.add(attribute);
      this.blanks();
      if (this.s[this.at] !== "=") this.fail("= expected");
      this.at++;
      this.blanks();
      const quote = this.s[this.at];
      if (quote !== '"' && quote !== "'") this.fail("a quoted attribute value expected");
      const close = this.s.indexOf(quote, this.at + 1);
      if (close < 0) this.fail("an attribute value not closed");
      this.at++;
      const valueStart = this.at;
      while (this.at < close) {
        const c = this.s[this.at];
        if (c === "<") this.fail("< in an attribute value");
        if (c === "&") this.reference();
        else this.at++;
      }
      // `xmlns:p=""` binds nothing (Namespaces in XML 1.0 cannot undeclare; libxml2 reports it and
      // skips the attribute, `goto next_attr`), nor does an attempt to declare the xmlns prefix.
      const prefix = attribute.startsWith("xmlns:") ? attribute.slice(6) : undefined;
      if (prefix !== undefined && prefix !== "xmlns" && close > valueStart) declared.push(prefix);
      this.at = close + 1;
    }
    const scope = declared.length > 0 ? [...bound, ...declared] : bound;
    const element: XmlElement = { kind: "element", name: localName(written, scope), children: [] };
    if (empty) return element;
    const children = element.children;
    const append = (kind: "text" | "cdata", content: string): void => {
      const last = children[children.length - 1];
      if (last && last.kind === kind) last.content += content;
      else children.push({ kind, content });
    };
    for (;;) {
      if (this.at >= this.s.length) this.fail(`</${written}> expected`);
      if (this.s.startsWith("</", this.at)) {
        this.at += 2;
        if (this.name() !== written) this.fail(`</${written}> expected`);
        this.blanks();
        if (this.s[this.at] !== ">") this.fail("> expected");
        this.at++;
        return element;
      }
      if (this.s.startsWith("<!--", this.at)) {
        this.comment();
        children.push({ kind: "comment" });
      } else if (this.s.startsWith("<![CDATA[", this.at)) {
        const end = this.s.indexOf("]]>", this.at + 9);
        if (end < 0) this.fail("a CDATA section not closed");
        append("cdata", this.s.slice(this.at + 9, end));
        this.at = end + 3;
      } else if (this.s.startsWith("<?", this.at)) {
        this.processingInstruction();
        children.push({ kind: "pi" });
      } else if (this.s.startsWith("<!", this.at)) {
        this.fail("a declaration inside an element");
      } else if (this.s[this.at] === "<") {
        children.push(this.element(scope));
      } else if (this.s[this.at] === "&") {
        append("text", this.reference());
      } else {
        // [14] CharData: up to the next markup or reference, never holding "]]>".
        let end = this.at;
        while (end < this.s.length && this.s[end] !== "<" && this.s[end] !== "&") end++;
        const data = this.s.slice(this.at, end);
        if (data.includes("]]>")) this.fail("]]> in character data");
        append("text", data);
        this.at = end;
      }
    }
  }
}

/**
 * libxml2's `node->name` for a name written `written` with `bound` prefixes in scope
 * (`xmlParseQName`): the prefix is what comes before the first colon when something other than a
 * colon follows it (`a:b:c` is prefix `a`, local `b:c`; `:a`, `a:` and `a::b` have no prefix).
 */
function localName(written: string, bound: readonly string[]): string {
  const colon = written.indexOf(":");
  if (colon <= 0 || colon === written.length - 1 || written[colon + 1] === ":") return written;
  const prefix = written.slice(0, colon);
  return prefix === "xml" || bound.includes(prefix) ? written.slice(colon + 1) : written;
}
