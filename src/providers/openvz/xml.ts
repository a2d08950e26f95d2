/**
 * The panel's answers are small XML documents (FACTS §3.2: ActiveRecord `to_xml`, `<result>`,
 * `<error>`): this reads one into a tree of elements. It takes what those documents hold — a
 * declaration, elements with attributes, text with the five named entities and numeric character
 * references, CDATA, comments — and refuses anything unbalanced with the offset where it broke.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (its children's not included). */
  text: string;
}

export class XmlSyntaxError extends Error {
  override name = "XmlSyntaxError";
}

const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Resolves entity and character references. */
export function unescapeXml(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref] ?? whole;
  });
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ATTRIBUTE = /\s+([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*("([^"]*)"|'([^']*)')/y;

/** The document's root element. */
export function parseXml(text: string): XmlElement {
  let at = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const fail = (why: string): never => {
    throw new XmlSyntaxError(`${why} at offset ${at}`);
  };
  while (at < text.length) {
    const lt = text.indexOf("<", at);
    const chunk = lt < 0 ? text.slice(at) : text.slice(at, lt);
    if (chunk.trim() !== "") {
      if (stack.length === 0) fail("text outside the root element");
      stack[stack.length - 1]!.text += unescapeXml(chunk);
    }
    if (lt < 0) break;
    at = lt;
    if (text.startsWith("<?", at)) {
      const end = text.indexOf("?>", at);
      if (end < 0) fail("an unterminated declaration");
      at = end + 2;
    } else if (text.startsWith("<!--", at)) {
      const end = text.indexOf("-->", at);
      if (end < 0) fail("an unterminated comment");
      at = end + 3;
    } else if (text.startsWith("<![CDATA[", at)) {
      const end = text.indexOf("]]>", at);
      if (end < 0 || stack.length === 0) fail("a misplaced CDATA section");
      stack[stack.length - 1]!.text += text.slice(at + 9, end);
      at = end + 3;
    } else if (text.startsWith("<!", at)) {
      const end = text.indexOf(">", at);
      if (end < 0) fail("an unterminated declaration");
      at = end + 1;
    } else if (text.startsWith("</", at)) {
      NAME.lastIndex = at + 2;
      const m = NAME.exec(text);
      if (!m) fail("a closing tag without a name");
      const open = stack.pop();
      if (!open || open.name !== m![0]) fail(`</${m![0]}> closes ${open ? `<${open.name}>` : "nothing"}`);
      const end = text.indexOf(">", NAME.lastIndex);
      if (end < 0) fail("an unterminated closing tag");
      at = end + 1;
      if (stack.length === 0) root = open;
    } else {
      NAME.lastIndex = at + 1;
      const m = NAME.exec(text);
      if (!m) fail("a tag without a name");
      const element: XmlElement = { name: m![0], attributes: {}, children: [], text: "" };
      let cursor = NAME.lastIndex;
      for (;;) {
        ATTRIBUTE.lastIndex = cursor;
        const a = ATTRIBUTE.exec(text);
        if (!a) break;
        element.attributes[a[1]!] = unescapeXml(a[3] ?? a[4] ?? "");
        cursor = ATTRIBUTE.lastIndex;
      }
      while (cursor < text.length && /\s/.test(text[cursor]!)) cursor++;
      const selfClosing = text.startsWith("/>", cursor);
      if (!selfClosing && text[cursor] !== ">") fail(`a malformed <${element.name}> tag`);
      at = cursor + (selfClosing ? 2 : 1);
      if (stack.length > 0) stack[stack.length - 1]!.children.push(element);
      else if (root !== undefined) fail("a second root element");
      if (selfClosing) {
        if (stack.length === 0) root = element;
      } else {
        stack.push(element);
      }
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]!.name}> is not closed`);
  if (!root) fail("no root element");
  return root!;
}

/** The first child named `name`. */
export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}
