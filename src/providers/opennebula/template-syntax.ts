/**
 * OpenNebula templates: reading them as oned does, writing them so oned reads back exactly what was
 * meant, printing them as oned prints them, and oned's merge.
 *
 * What oned does, read in its sources (OpenNebula/one at commit 05d147c5, 2024; the text grammar has
 * not changed in substance since 5.x, printing moved from inline CDATA to `escape_xml` since):
 *
 * Choosing the syntax — `Template::parse_str_or_xml` (src/template/Template.cc): when the very first
 * character is `<` the string is XML, otherwise the text syntax. No white space is skipped first.
 * After either succeeds, `trim_name` runs: if the first single NAME is not empty, every NAME
 * attribute is replaced by one single NAME holding that value with trailing " \f\n\r\t\v" removed.
 *
 * Text syntax — scanner src/parsers/template_parser.l (flex: longest match wins, the earlier rule on
 * a tie; a character no rule matches is echoed to oned's stdout and otherwise IGNORED, so stray
 * characters such as `"`, `-`, `<` or non-ASCII letters between attributes vanish silently), grammar
 * src/parsers/template_syntax.y:
 * - Names are `[A-Za-z0-9_]+`. Attribute names go through the `Attribute` constructor
 *   (include/Attribute.h): ASCII upper-cased, and `ONE_` is put in front when the name does not start
 *   with a letter or `_`, or starts with an upper-case `XML` as written. Vector sub-attribute names
 *   are upper-cased only.
 * - `NAME = value`, `NAME =` followed by a newline (empty value), `NAME = [ A = v, B = w ]` and
 *   `NAME = []` (empty vector). Entries are separated by commas; commas, `[`, `]` and `=` may be
 *   surrounded by blanks and newlines. A repeated top-level name gives several attributes; a repeated
 *   sub-attribute keeps its FIRST value (`std::map::insert`). A nested vector is a syntax error.
 * - Quoted values: `"([^"]|\\")*"`, any character (newlines included) except a quote not preceded by
 *   a backslash. Longest match: the value closes at the first quote not preceded by a backslash, and
 *   when every later quote in the whole text is preceded by one, at the very last quote. The only
 *   escape is `\"`, turned into `"` by `unescape` (also applied to unquoted values); `\\` and every
 *   other backslash stay as written. So a value ending in a backslash cannot be quoted unless no quote
 *   follows anywhere in the text.
 * - Unquoted values: one run of characters other than `= # , [ ]`, blanks and newlines — quotes
 *   and carriage returns included, so with CRLF line ends `A = "1"\r` is the unquoted value `"1"\r`
 *   (a longer match than the quoted `"1"`).
 * - Comments: blanks, `#`, then anything up to a newline — which must be there: a `#` on a last line
 *   without a newline is not a comment. Anywhere but between a `=` and its value, where a `#` is
 *   just dropped (`A = # x` gives A the value `x`).
 * - A value (quoted or not) whose rest of line, counted from where the value starts, holds `]]>`
 *   is taken by the CCDATA rule instead (it is longer or ties and comes first): a plain
 *   "Parse error." for a top-level attribute, a syntax error inside a vector. A quoted value that
 *   runs past the end of its first line still wins, so "]]>" is refused only in values without a
 *   newline (on their first line).
 * - Errors read "syntax error, unexpected X, expecting Y at line L, columns A:B" (bison); oned's
 *   "columns" are offsets from the start of the text, never reset per line. hyperplan reports real
 *   1-based lines and columns and says in words what was expected.
 *
 * XML syntax — `Template::from_xml` + `rebuild_attributes` (Template.cc), libxml2 `xmlParseMemory`
 * with default options: a malformed document is "Parse error: XML Template malformed." The root's
 * name is ignored; for each element child of the root: exactly one child node that is text or CDATA
 * → a single attribute; else, if it has an element child, a vector made of the element children
 * whose first child node is text or CDATA (names kept as written, NOT upper-cased; a repeated entry
 * keeps its LAST value; later child nodes ignored); anything else — an empty element, text beside a
 * comment or beside a CDATA section — is dropped silently. libxml2 merges adjacent text and
 * references into one text node and adjacent CDATA sections into one CDATA node; `&lt; &gt; &amp;
 * &apos; &quot;` and character references are the only entities (no DTD here: hyperplan refuses a
 * DOCTYPE). Top-level names go through the `Attribute` constructor as above. An empty value needs an
 * empty CDATA section (`<A><![CDATA[]]></A>`), since `<A></A>` has no child and is dropped; an empty
 * vector cannot be sent as XML at all.
 *
 * Printing — `Template::to_xml`, `SingleAttribute::to_xml`, `VectorAttribute::to_xml`
 * (include/Attribute.h, src/common/Attribute.cc) with `one_util::escape_xml` (include/NebulaUtil.h),
 * which wraps the value in `<![CDATA[` … `]]>` without looking inside: attributes in name order
 * (`std::multimap`, equal names in insertion order), vector entries in key order (`std::map`), empty
 * values as empty CDATA sections. A value holding "]]>" (it can arrive through XML, or in the text
 * syntax after a newline) comes out as malformed XML, and a carriage return inside CDATA reaches
 * clients as a line feed (XML line-end normalisation). `templateToXml` writes those two kinds of
 * values as escaped text instead, which reads back unchanged; that is its only departure.
 *
 * Merging — `Template::merge` (update type 1): every attribute name present in the update is erased
 * from the base, then each attribute of the update is added, except vectors with no entries (so an
 * empty vector in a merge deletes that name). Replace (type 0) uses the parsed update as it is.
 *
 * Limits of what hyperplan can send (and so of `serializeTemplate`): XML-RPC carries well-formed
 * UTF-8 without NUL. The text syntax carries every other value except one holding "]]>" but no
 * newline, and one ending in a backslash that needs quotes; such templates go as XML, which carries
 * every value made of XML 1.0 characters but no empty vector and no sub-attribute name starting with
 * a digit. A template needing both is refused with a TemplateValueError naming the attribute.
 */
import { applyTrimName, type Template, type TemplateAttribute, type TemplateVector } from "./template-model.js";
import { parseTemplateText } from "./template-text-reader.js";
import { parseTemplateXml } from "./template-xml-reader.js";
import { HyperplanError } from "../../errors.js";

export {
  normalizeTemplateName,
  TemplateSyntaxError,
  TemplateValueError,
  type Template,
  type TemplateAttribute,
  type TemplateFormat,
  type TemplateValue,
  type TemplateVector,
} from "./template-model.js";
export { serializeTemplate } from "./template-writer.js";
export { templateToXml } from "./template-xml-writer.js";

export interface ParseTemplateOptions {
  /** Apply oned's `trim_name` after parsing, as every oned call that takes a template does. Default true. */
  readonly trimName?: boolean;
}

/**
 * Parses a template as oned's `parse_str_or_xml` does: XML when the first character is `<`, the
 * text syntax otherwise. Names come out as oned stores them; attributes in document order.
 * Throws TemplateSyntaxError (code TEMPLATE_SYNTAX) with line, column and what was expected.
 */
export function parseTemplate(text: string, options: ParseTemplateOptions = {}): Template {
  if (typeof text !== "string") throw new HyperplanError("TEMPLATE_SYNTAX", `a template is a string, not ${text === null ? "null" : typeof text}`);
  const template = text.charCodeAt(0) === 60 ? parseTemplateXml(text) : parseTemplateText(text);
  return options.trimName === false ? template : applyTrimName(template);
}

/** The first single (non-vector) value named `name` (as oned's `Template::get`). */
export function templateGet(template: Template, name: string): string | undefined {
  for (const attribute of template) if (attribute.name === name && typeof attribute.value === "string") return attribute.value;
  return undefined;
}

/** Every vector attribute named `name`, in order. */
export function templateVectors(template: Template, name: string): TemplateVector[] {
  const out: TemplateVector[] = [];
  for (const attribute of template) if (attribute.name === name && typeof attribute.value !== "string") out.push(attribute.value);
  return out;
}

/**
 * oned's update type 1 (`Template::merge`): names present in `update` are replaced wholesale by the
 * update's attributes of that name; an empty vector in the update only deletes. Untouched base
 * attributes keep their order, the update's follow in theirs (vectors copied, as oned clones them).
 */
export function templateMerge(base: Template, update: Template): Template {
  const replaced = new Set(update.map((attribute) => attribute.name));
  const out: TemplateAttribute[] = base.filter((attribute) => !replaced.has(attribute.name));
  for (const attribute of update) {
    if (typeof attribute.value === "string") out.push(attribute);
    else if (Object.keys(attribute.value).length > 0) out.push({ name: attribute.name, value: { ...attribute.value } });
  }
  return out;
}
