/**
 * The template value model shared by the text reader, the XML reader and the writers, with the
 * errors they raise and oned's rule for attribute names. `template-syntax.ts` re-exports all of it.
 */
import { HyperplanError } from "../../errors.js";

/** A vector attribute's sub-attributes, in the order they were given. */
export type TemplateVector = { [name: string]: string };
export type TemplateValue = string | TemplateVector;
export interface TemplateAttribute {
  readonly name: string;
  readonly value: TemplateValue;
}
/** Attributes in document order; a name may repeat (several DISK). */
export type Template = TemplateAttribute[];

export type TemplateFormat = "text" | "xml";

/** A template oned would refuse, with where (1-based line and column) and what was expected. */
export class TemplateSyntaxError extends HyperplanError {
  readonly format: TemplateFormat;
  readonly line: number;
  readonly column: number;
  /** What the reader would have accepted at that point, in words. */
  readonly expected: readonly string[];
  /** What it found instead, in words. */
  readonly found: string;

  constructor(format: TemplateFormat, position: TextPosition, found: string, expected: readonly string[], hint?: string) {
    const wanted = expected.length === 0 ? "" : `expected ${joinAlternatives(expected)}, `;
    const where = `line ${position.line}, column ${position.column}`;
    const what = format === "xml" ? "XML template" : "template";
    super("TEMPLATE_SYNTAX", `${what} syntax error at ${where}: ${wanted}found ${found}${hint ? ` (${hint})` : ""}`);
    this.format = format;
    this.line = position.line;
    this.column = position.column;
    this.expected = expected;
    this.found = found;
  }
}

/** A template hyperplan was asked to write that oned could not read back as given. */
export class TemplateValueError extends HyperplanError {
  /** `NAME`, `DISK[1]` or `DISK[1].SIZE`: which attribute (1-based among those of the same name). */
  readonly path: string;

  constructor(path: string, problem: string) {
    super("TEMPLATE_VALUE", `template attribute ${path}: ${problem}`);
    this.path = path;
  }
}

function joinAlternatives(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

export interface TextPosition {
  line: number;
  column: number;
}

/** 1-based line and column of a UTF-16 offset; only computed when an error is raised. */
export function positionOf(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  let at = text.indexOf("\n");
  while (at !== -1 && at < offset) {
    line++;
    lineStart = at + 1;
    at = text.indexOf("\n", lineStart);
  }
  return { line, column: offset - lineStart + 1 };
}

const LOWER_ASCII = /[a-z]+/g;

/** Upper-cases ASCII letters only, as C `toupper` does in oned (other bytes are left alone). */
export function upperAscii(name: string): string {
  return name.replace(LOWER_ASCII, (s) => s.toUpperCase());
}

function isAsciiLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/**
 * The name oned stores for an attribute given as `name` (the `Attribute` constructor): ASCII letters
 * upper-cased; `ONE_` put in front when the name does not start with a letter or `_`, or when it
 * starts with an upper-case `XML` as written (the check looks at the name before upper-casing).
 */
export function normalizeTemplateName(name: string): string {
  const upper = upperAscii(name);
  if (name.length === 0) return upper;
  const first = name.charCodeAt(0);
  if (!(isAsciiLetter(first) || first === 95) || name.startsWith("XML")) return `ONE_${upper}`;
  return upper;
}

/**
 * Sets a vector entry, even for the key `__proto__` (an XML element may be called that), which a
 * plain assignment would turn into a prototype change.
 */
export function setVectorEntry(vector: TemplateVector, key: string, value: string): void {
  if (key === "__proto__") Object.defineProperty(vector, key, { value, enumerable: true, writable: true, configurable: true });
  else vector[key] = value;
}

export function hasVectorEntry(vector: TemplateVector, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(vector, key);
}

/** Characters `Template::trim` strips from the end of NAME (`find_last_not_of(" \f\n\r\t\v")`). */
function isTrimmedSpace(code: number): boolean {
  return code === 32 || code === 12 || code === 10 || code === 13 || code === 9 || code === 11;
}

export function trimTrailingSpace(value: string): string {
  let end = value.length;
  while (end > 0 && isTrimmedSpace(value.charCodeAt(end - 1))) end--;
  return end === value.length ? value : value.slice(0, end);
}

/**
 * oned's `Template::trim_name`, run after every successful parse: when the first single NAME is not
 * empty, every NAME attribute (single or vector) is replaced by one single NAME holding that value
 * without trailing white space. The survivor takes the place of the first NAME.
 */
export function applyTrimName(template: Template): Template {
  let first = -1;
  let count = 0;
  let value: string | undefined;
  for (let i = 0; i < template.length; i++) {
    const attribute = template[i]!;
    if (attribute.name !== "NAME") continue;
    if (first < 0) first = i;
    count++;
    if (value === undefined && typeof attribute.value === "string") value = attribute.value;
  }
  if (value === undefined || value === "") return template;
  const trimmed = trimTrailingSpace(value);
  if (count === 1 && trimmed === value) return template;
  const out: Template = [];
  for (let i = 0; i < template.length; i++) {
    const attribute = template[i]!;
    if (i === first) out.push({ name: "NAME", value: trimmed });
    else if (attribute.name !== "NAME") out.push(attribute);
  }
  return out;
}
