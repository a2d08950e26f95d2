/**
 * oned's template reader, written for the simulator from oned's own sources (it shares nothing with
 * the client's reader): `Template::parse_str_or_xml`, `from_xml`, `rebuild_attributes`,
 * `single_xml_att`, `vector_xml_att`, `trim`, `merge` (`src/template/Template.cc`), the flex scanner
 * `src/parsers/template_parser.l`, the bison grammar `src/parsers/template_syntax.y` and the
 * `Attribute` constructor (`include/Attribute.h`).
 *
 * - A string whose first character is `<` is XML, anything else the text syntax.
 * - Text: the scanner's rules, longest match first and the earlier rule on a tie, a character no
 *   rule matches skipped (flex echoes it); values are quoted `"…"` (only `\"` is unescaped) or a run
 *   of characters other than `= # , [ ]`, blanks and newlines; a value whose line holds `]]>` is the
 *   CCDATA token, which aborts the parse ("Parse error."). Attribute names are upper-cased and get
 *   `ONE_` in front when they start with neither a letter nor `_`, or start with `XML`; vector keys
 *   are upper-cased; a repeated key keeps its first value (`map::insert`).
 * - XML (read by `xml-reader.ts` as libxml2 builds the tree): each element child of the root with
 *   exactly one text or CDATA child is a single attribute; otherwise its element children whose first
 *   child is text or CDATA make a vector (keys as libxml2 names the elements, not upper-cased, the
 *   last of a repeated key wins); anything else is dropped. A malformed document is "Parse error: XML
 *   Template malformed."
 * - Names are upper-cased byte by byte as `one_util::toupper` does (`std::toupper` in the C locale:
 *   ASCII letters only), so an XML element name's other letters stay as written.
 * - Then `trim_name`: the first SINGLE NAME (`Template::get` skips attributes of another type), when
 *   not empty, replaces every NAME, single or vector, with its value right-trimmed of " \f\n\r\t\v".
 */
import type { Template, TemplateAttribute, TemplateVector } from "./template-ops.js";
import { MalformedXml, readXmlDocument } from "./xml-reader.js";

/** A template that oned refuses to parse; `message` is oned's whole text ("Parse error: …"). */
export class TemplateParseError extends Error {
  override name = "TemplateParseError";
}

/** `one_util::toupper`: `std::toupper` on each byte in the C locale, so ASCII letters only. */
function upperAscii(name: string): string {
  return name.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

/** `Attribute::Attribute`: upper-case, and `ONE_` before a name XML would not accept as an element name. */
export function attributeName(given: string): string {
  const upper = upperAscii(given);
  const first = given.charAt(0);
  if (given.length > 0 && !(/[A-Za-z]/.test(first) || first === "_")) return `ONE_${upper}`;
  if (given.startsWith("XML")) return `ONE_${upper}`;
  return upper;
}

/** `Template::parse_str_or_xml`. */
export function parseOneTemplate(text: string): Template {
  const parsed = text.charAt(0) === "<" ? parseXmlTemplate(text) : parseTextTemplate(text);
  return trimName(parsed);
}

/**
 * `Template::trim("NAME")` as `trim_name` runs it after every successful parse: `get` finds the first
 * SINGLE NAME (`__get<SingleAttribute>` skips a vector of that name), and `replace` erases every NAME
 * before inserting the trimmed one. oned's multimap orders attributes by name, so where the survivor
 * goes among other names means nothing; here it takes the place of the first NAME.
 */
function trimName(t: Template): Template {
  const first = t.find((a) => a.name === "NAME" && typeof a.value === "string");
  if (!first || typeof first.value !== "string" || first.value === "") return t;
  const trimmed = first.value.replace(/[ \f\n\r\t\v]+$/, "");
  const at = t.findIndex((a) => a.name === "NAME");
  const rest = t.filter((a) => a.name !== "NAME");
  rest.splice(at, 0, { name: "NAME", value: trimmed });
  return rest;
}

/** `Template::merge`: every name of `update` is erased from `base`, then its attributes are added, empty vectors left out. */
export function mergeTemplates(base: Template, update: Template): Template {
  const names = new Set(update.map((a) => a.name));
  const out: Template = base.filter((a) => !names.has(a.name));
  for (const a of update) {
    if (typeof a.value !== "string" && Object.keys(a.value).length === 0) continue;
    out.push({ name: a.name, value: typeof a.value === "string" ? a.value : { ...a.value } });
  }
  return out;
}

// ---------------------------------------------------------------------------------- text syntax

type TokenKind = "EQUAL" | "EQUAL_EMPTY" | "COMMA" | "CBRACKET" | "OBRACKET" | "CCDATA" | "STRING" | "VARIABLE" | "$end";

interface Token {
  kind: TokenKind;
  text: string;
  line: number;
  /** bison's columns: byte offsets from the start of the text, counted from 1, never reset per line. */
  first: number;
  last: number;
}

const BLANK = /[ \t]/;

/** The length of the longest match of each rule at `at`, 0 when it does not match. */
function blanks(s: string, at: number, withNewlines: boolean): number {
  let i = at;
  while (i < s.length && (BLANK.test(s[i] as string) || (withNewlines && s[i] === "\n"))) i++;
  return i - at;
}

/** The scanner of `template_parser.l`: INITIAL and the exclusive VALUE start condition. */
function scan(s: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  let column = 1;
  let line = 1;
  let inValue = false;
  const bytes = (from: number, to: number) => Buffer.byteLength(s.slice(from, to), "utf8");
  // YY_USER_ACTION runs for every rule, skipped ones included: the end of input keeps the last one's place.
  let lastFirst = 1;
  const emit = (kind: TokenKind | null, length: number, text = s.slice(at, at + length)): void => {
    const first = column;
    lastFirst = first;
    column += bytes(at, at + length);
    for (let i = at; i < at + length; i++) if (s[i] === "\n") line++;
    if (kind) tokens.push({ kind, text, line, first, last: column });
    at += length;
  };
  while (at < s.length) {
    if (!inValue) {
      // [[:blank:]]*#.*\n  and  [[:blank:]\n]+ : skipped
      const b = blanks(s, at, false);
      let comment = 0;
      if (s[at + b] === "#") {
        const nl = s.indexOf("\n", at + b);
        if (nl >= 0) comment = nl + 1 - at;
      }
      const space = blanks(s, at, true);
      const variable = /^[A-Za-z0-9_]+/.exec(s.slice(at, at + 256))?.[0].length ?? 0;
      let equal = 0;
      let equalEmpty = 0;
      if (s[at + b] === "=") {
        const after = blanks(s, at + b + 1, false);
        equal = b + 1 + after;
        if (s[at + equal] === "\n") equalEmpty = equal + 1;
      }
      const nb = blanks(s, at, true);
      const comma = s[at + nb] === "," ? nb + 1 + blanks(s, at + nb + 1, true) : 0;
      const cbracket = s[at + nb] === "]" ? nb + 1 + blanks(s, at + nb + 1, true) : 0;
      const rules: [TokenKind | null, number][] = [
        [null, comment],
        [null, space],
        ["VARIABLE", variable],
        ["EQUAL", equal],
        ["EQUAL_EMPTY", equalEmpty],
        ["COMMA", comma],
        ["CBRACKET", cbracket],
      ];
      const [kind, length] = longest(rules);
      if (length === 0) {
        emit(null, 1); // no rule matches: flex echoes the character, the parser never sees it
        continue;
      }
      emit(kind, length);
      if (kind === "EQUAL") inValue = true;
      continue;
    }
    // <VALUE> rules
    const b = blanks(s, at, false);
    const obracket = s[at + b] === "[" ? b + 1 + blanks(s, at + b + 1, true) : 0;
    const eol = s.indexOf("\n", at);
    const lineEnd = eol < 0 ? s.length : eol;
    const ccdata = s.slice(at, lineEnd).includes("]]>") ? lineEnd - at : 0;
    const quoted = quotedLength(s, at);
    const plain = /^[^=#\t \n,[\]]+/.exec(s.slice(at))?.[0].length ?? 0;
    const rules: [TokenKind | "QUOTED", number][] = [
      ["OBRACKET", obracket],
      ["CCDATA", ccdata],
      ["QUOTED", quoted],
      ["STRING", plain],
    ];
    const [rule, length] = longest(rules);
    if (length === 0) {
      emit(null, 1);
      continue;
    }
    const kind: TokenKind = rule === "QUOTED" ? "STRING" : rule;
    const text = rule === "QUOTED" ? s.slice(at + 1, at + length - 1) : s.slice(at, at + length);
    emit(kind, length, text);
    inValue = false;
  }
  tokens.push({ kind: "$end", text: "", line, first: lastFirst, last: column });
  return tokens;
}

/** The first rule with the longest match (flex: longest match wins, the earlier rule on a tie). */
function longest<K>(rules: [K, number][]): [K, number] {
  let best = rules[0] as [K, number];
  for (const r of rules) if (r[1] > best[1]) best = r;
  return best;
}

/**
 * `\"([^\"]|\\\")*\"`: from a quote, the longest run that ends with a quote and has every inner quote
 * preceded by a backslash: it ends at the first quote without one, else at the last quote of the text.
 */
function quotedLength(s: string, at: number): number {
  if (s[at] !== '"') return 0;
  let last = -1;
  for (let i = at + 1; i < s.length; i++) {
    if (s[i] !== '"') continue;
    last = i;
    if (s[i - 1] !== "\\") break;
  }
  return last < 0 ? 0 : last + 1 - at;
}

/** The `unescape` of template_syntax.y: `\"` becomes `"`, nothing else changes. */
function unescape(value: string): string {
  return value.split('\\"').join('"');
}

function syntaxError(token: Token, expecting: string[]): TemplateParseError {
  return new TemplateParseError(
    `Parse error: syntax error, unexpected ${token.kind}, expecting ${expecting.join(" or ")} at line ${token.line}, columns ${token.first}:${token.last}`,
  );
}

/** The grammar of template_syntax.y over the scanner's tokens. */
function parseTextTemplate(s: string): Template {
  const tokens = scan(s);
  const out: Template = [];
  let i = 0;
  const next = (): Token => tokens[i++] as Token;
  for (;;) {
    const name = next();
    if (name.kind === "$end") return out;
    if (name.kind !== "VARIABLE") throw syntaxError(name, ["$end", "VARIABLE"]);
    const eq = next();
    if (eq.kind === "EQUAL_EMPTY") {
      out.push({ name: attributeName(name.text), value: "" });
      continue;
    }
    if (eq.kind !== "EQUAL") throw syntaxError(eq, ["EQUAL", "EQUAL_EMPTY"]);
    const value = next();
    if (value.kind === "STRING") {
      out.push({ name: attributeName(name.text), value: unescape(value.text) });
      continue;
    }
    // `VARIABLE EQUAL CCDATA { YYABORT; }`: no message, so oned says only "Parse error."
    if (value.kind === "CCDATA") throw new TemplateParseError("Parse error.");
    if (value.kind !== "OBRACKET") throw syntaxError(value, ["OBRACKET", "CCDATA", "STRING"]);
    const vector: TemplateVector = {};
    let t = next();
    if (t.kind !== "CBRACKET") {
      for (;;) {
        if (t.kind !== "VARIABLE") throw syntaxError(t, Object.keys(vector).length === 0 ? ["CBRACKET", "VARIABLE"] : ["VARIABLE"]);
        const e = next();
        if (e.kind !== "EQUAL") throw syntaxError(e, ["EQUAL"]);
        const v = next();
        if (v.kind !== "STRING") throw syntaxError(v, ["STRING"]);
        const key = t.text.toUpperCase();
        // `map::insert`: a repeated key keeps its first value.
        if (!(key in vector)) vector[key] = unescape(v.text);
        const sep = next();
        if (sep.kind === "CBRACKET") break;
        if (sep.kind !== "COMMA") throw syntaxError(sep, ["COMMA", "CBRACKET"]);
        t = next();
      }
    }
    out.push({ name: attributeName(name.text), value: vector });
  }
}

// ---------------------------------------------------------------------------------- XML syntax

const MALFORMED = "Parse error: XML Template malformed.";

/** `Template::from_xml` + `rebuild_attributes` (`single_xml_att`, then `vector_xml_att`). */
function parseXmlTemplate(xml: string): Template {
  let root;
  try {
    root = readXmlDocument(xml);
  } catch (error) {
    if (error instanceof MalformedXml) throw new TemplateParseError(MALFORMED);
    throw error;
  }
  const out: Template = [];
  for (const node of root.children) {
    if (node.kind !== "element") continue;
    const only = node.children.length === 1 ? node.children[0] : undefined;
    if (only && (only.kind === "text" || only.kind === "cdata")) {
      out.push({ name: attributeName(node.name), value: only.content });
      continue;
    }
    const firstElement = node.children.findIndex((c) => c.kind === "element");
    if (firstElement < 0) continue;
    const vector: TemplateVector = {};
    for (const child of node.children.slice(firstElement)) {
      if (child.kind !== "element") continue;
      const grandchild = child.children[0];
      // `VectorAttribute::replace`: the last value of a repeated key wins.
      if (grandchild && (grandchild.kind === "text" || grandchild.kind === "cdata")) setEntry(vector, child.name, grandchild.content);
    }
    out.push({ name: attributeName(node.name), value: vector } satisfies TemplateAttribute);
  }
  return out;
}

/** `vector[key] = value`, also for an element called `__proto__`, which plain assignment would swallow. */
function setEntry(vector: TemplateVector, key: string, value: string): void {
  Object.defineProperty(vector, key, { value, enumerable: true, writable: true, configurable: true });
}
