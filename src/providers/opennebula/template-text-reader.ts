/**
 * oned's text template reader, rule for rule: the flex scanner of `src/parsers/template_parser.l`
 * (longest match, first rule on a tie, unmatched characters silently dropped by flex's default rule)
 * feeding the grammar of `src/parsers/template_syntax.y`. See `template-syntax.ts` for the facts.
 *
 * One pass, no regular expression per character: a byte-class table, `indexOf` for quotes, line ends
 * and `]]>`, and cached look-aheads so the scan stays linear in the length of the text.
 */
import {
  positionOf,
  TemplateSyntaxError,
  type Template,
  type TemplateVector,
} from "./template-model.js";

const T_END = 0;
const T_VARIABLE = 1;
const T_EQUAL = 2;
const T_EQUAL_EMPTY = 3;
const T_COMMA = 4;
const T_OBRACKET = 5;
const T_CBRACKET = 6;
const T_STRING = 7;
const T_CDATA = 8;

const C_BLANK = 1; // [:blank:] — space and tab only
const C_NEWLINE = 2;
const C_WORD = 4; // [[:alnum:]_] in the C locale flex builds with
const C_STRING_STOP = 8; // what an unquoted value cannot hold: = # blank \n , [ ]

const CLASS = new Uint8Array(128);
for (let c = 48; c <= 57; c++) CLASS[c]! |= C_WORD;
for (let c = 65; c <= 90; c++) CLASS[c]! |= C_WORD;
for (let c = 97; c <= 122; c++) CLASS[c]! |= C_WORD;
CLASS[95]! |= C_WORD;
CLASS[32]! |= C_BLANK | C_STRING_STOP;
CLASS[9]! |= C_BLANK | C_STRING_STOP;
CLASS[10]! |= C_NEWLINE | C_STRING_STOP;
for (const ch of "=#,[]") CLASS[ch.charCodeAt(0)]! |= C_STRING_STOP;

const QUOTE = 34;
const BACKSLASH = 92;
const NEWLINE = 10;

function is(code: number, flag: number): boolean {
  return code < 128 && (CLASS[code]! & flag) !== 0;
}

class Scanner {
  private pos = 0;
  private inValue = false;
  private nextNewline = -1;
  private nextCdataEnd = -1;
  /** Kind, span and (for VARIABLE and STRING) text of the last token. */
  kind = T_END;
  start = 0;
  value = "";

  constructor(private readonly text: string) {}

  next(): number {
    return this.inValue ? this.scanValue() : this.scanInitial();
  }

  private scanInitial(): number {
    const text = this.text;
    const length = text.length;
    for (;;) {
      const p = this.pos;
      if (p >= length) return this.emit(T_END, p);
      // A name is the common case and no other rule can start on a word character.
      if (is(text.charCodeAt(p), C_WORD)) {
        let end = p + 1;
        while (end < length && is(text.charCodeAt(end), C_WORD)) end++;
        this.pos = end;
        this.value = text.slice(p, end);
        return this.emit(T_VARIABLE, p);
      }
      let blanksEnd = p;
      while (blanksEnd < length && is(text.charCodeAt(blanksEnd), C_BLANK)) blanksEnd++;
      let spaceEnd = blanksEnd;
      while (spaceEnd < length && is(text.charCodeAt(spaceEnd), C_BLANK | C_NEWLINE)) spaceEnd++;
      const atSpaceEnd = spaceEnd < length ? text.charCodeAt(spaceEnd) : -1;
      // COMMA and CBRACKET swallow white space, newlines included, on both sides.
      if (atSpaceEnd === 44 || atSpaceEnd === 93) {
        let end = spaceEnd + 1;
        while (end < length && is(text.charCodeAt(end), C_BLANK | C_NEWLINE)) end++;
        this.pos = end;
        return this.emit(atSpaceEnd === 44 ? T_COMMA : T_CBRACKET, p);
      }
      const atBlanksEnd = blanksEnd < length ? text.charCodeAt(blanksEnd) : -1;
      if (atBlanksEnd === 61) {
        let end = blanksEnd + 1;
        while (end < length && is(text.charCodeAt(end), C_BLANK)) end++;
        if (end < length && text.charCodeAt(end) === NEWLINE) {
          this.pos = end + 1;
          return this.emit(T_EQUAL_EMPTY, p);
        }
        this.pos = end;
        this.inValue = true;
        return this.emit(T_EQUAL, p);
      }
      if (atBlanksEnd === 35) {
        // A comment needs its newline: `#…` on a last line without one is not a comment to flex.
        const newline = text.indexOf("\n", blanksEnd);
        if (newline !== -1) {
          this.pos = newline + 1;
          continue;
        }
      }
      if (spaceEnd > p) {
        this.pos = spaceEnd;
        continue;
      }
      // flex's default rule: the character is echoed to oned's stdout and otherwise ignored.
      this.pos = p + 1;
    }
  }

  private scanValue(): number {
    const text = this.text;
    const length = text.length;
    for (;;) {
      const p = this.pos;
      if (p >= length) return this.emit(T_END, p);
      let best = 0;
      let kind = T_END;

      let bracket = p;
      while (bracket < length && is(text.charCodeAt(bracket), C_BLANK)) bracket++;
      if (bracket < length && text.charCodeAt(bracket) === 91) {
        let end = bracket + 1;
        while (end < length && is(text.charCodeAt(end), C_BLANK | C_NEWLINE)) end++;
        best = end - p;
        kind = T_OBRACKET;
      }

      // `.*]]>.*`: the rest of the line, when it holds "]]>".
      const lineEnd = this.lineEndFrom(p);
      const cdata = this.cdataFrom(p);
      if (cdata !== -1 && cdata + 3 <= lineEnd && lineEnd - p > best) {
        best = lineEnd - p;
        kind = T_CDATA;
      }

      // `"([^"]|\\")*"`: the longest match closes at the first quote not preceded by a backslash,
      // or, when every later quote is, at the very last quote of the text.
      let close = -1;
      if (text.charCodeAt(p) === QUOTE) {
        let from = p + 1;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q === -1) break;
          close = q;
          if (text.charCodeAt(q - 1) !== BACKSLASH || q - 1 === p) break;
          from = q + 1;
        }
        if (close !== -1 && close + 1 - p > best) {
          best = close + 1 - p;
          kind = T_STRING;
        } else close = -1;
      }

      // An unquoted run can only beat a quoted value that is followed by something it may hold.
      if (close === -1 || (close + 1 < length && !is(text.charCodeAt(close + 1), C_STRING_STOP))) {
        let bare = p;
        while (bare < length && !is(text.charCodeAt(bare), C_STRING_STOP)) bare++;
        if (bare - p > best) {
          best = bare - p;
          kind = T_STRING;
          close = -1;
        }
      }

      if (kind === T_END) {
        this.pos = p + 1; // default rule, as in the initial state
        continue;
      }
      const end = p + best;
      this.pos = end;
      this.inValue = false;
      if (kind === T_STRING) this.value = unescape(close === -1 ? text.slice(p, end) : text.slice(p + 1, close));
      return this.emit(kind, p);
    }
  }

  private lineEndFrom(p: number): number {
    if (this.nextNewline < p) {
      const at = this.text.indexOf("\n", p);
      this.nextNewline = at === -1 ? this.text.length : at;
    }
    return this.nextNewline;
  }

  private cdataFrom(p: number): number {
    if (this.nextCdataEnd === -2) return -1;
    if (this.nextCdataEnd < p) {
      const at = this.text.indexOf("]]>", p);
      this.nextCdataEnd = at === -1 ? -2 : at;
      if (at === -1) return -1;
    }
    return this.nextCdataEnd;
  }

  private emit(kind: number, start: number): number {
    this.kind = kind;
    this.start = start;
    return kind;
  }
}

/** The grammar's `unescape`: every `\"` becomes `"`; no other backslash sequence means anything. */
function unescape(raw: string): string {
  return raw.includes('\\"') ? raw.replaceAll('\\"', '"') : raw;
}

function describe(scanner: Scanner): string {
  switch (scanner.kind) {
    case T_END:
      return "the end of the template";
    case T_VARIABLE:
      return `name ${scanner.value}`;
    case T_EQUAL:
    case T_EQUAL_EMPTY:
      return '"="';
    case T_COMMA:
      return '","';
    case T_OBRACKET:
      return '"["';
    case T_CBRACKET:
      return '"]"';
    case T_STRING:
      return `value ${JSON.stringify(scanner.value.length > 40 ? `${scanner.value.slice(0, 40)}…` : scanner.value)}`;
    default:
      return 'a value holding "]]>"';
  }
}

/** normalizeTemplateName for a `[A-Za-z0-9_]+` word, without its general-purpose regular expression. */
function normalizeWord(word: string): string {
  const first = word.charCodeAt(0);
  const upper = word.toUpperCase();
  return first <= 57 || word.startsWith("XML") ? `ONE_${upper}` : upper;
}

/** Parses oned's text syntax into attributes in document order (names as oned stores them). */
export function parseTemplateText(text: string): Template {
  const scanner = new Scanner(text);
  const out: Template = [];
  const fail = (expected: string[], hint?: string): never => {
    throw new TemplateSyntaxError("text", positionOf(text, scanner.start), describe(scanner), expected, hint);
  };
  for (;;) {
    let kind = scanner.next();
    if (kind === T_END) return out;
    if (kind !== T_VARIABLE) fail(["an attribute name", "the end of the template"]);
    const name = normalizeWord(scanner.value);
    kind = scanner.next();
    if (kind === T_EQUAL_EMPTY) {
      out.push({ name, value: "" });
      continue;
    }
    if (kind !== T_EQUAL) fail([`"=" after ${name}`]);
    kind = scanner.next();
    if (kind === T_STRING) {
      out.push({ name, value: scanner.value });
      continue;
    }
    if (kind === T_CDATA) {
      fail([], 'oned refuses a value with "]]>" on its first line: it would break the CDATA section it prints');
    }
    if (kind !== T_OBRACKET) fail([`a value or "[" after ${name} =`]);
    const vector: TemplateVector = {};
    kind = scanner.next();
    if (kind !== T_CBRACKET) {
      for (;;) {
        if (kind !== T_VARIABLE) fail([`a sub-attribute name in ${name}`]);
        // Sub-attribute names are upper-cased but never prefixed; a repeated one keeps its first
        // value (std::map::insert).
        const key = scanner.value.toUpperCase();
        kind = scanner.next();
        // `=` then a line end is EQUAL_EMPTY, which the grammar only allows at the top level.
        if (kind === T_EQUAL_EMPTY) fail([`a value for ${name}/${key} on the line of its "="`]);
        if (kind !== T_EQUAL) fail([`"=" after ${name}/${key}`]);
        if (scanner.next() !== T_STRING) fail([`a value for ${name}/${key}`]);
        // Upper-case keys cannot meet Object.prototype's names, so plain property access is safe.
        if (vector[key] === undefined) vector[key] = scanner.value;
        kind = scanner.next();
        if (kind === T_CBRACKET) break;
        if (kind !== T_COMMA) fail([`"," or "]" in ${name}`]);
        kind = scanner.next();
      }
    }
    out.push({ name, value: vector });
  }
}
