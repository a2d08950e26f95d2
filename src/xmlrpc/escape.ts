/**
 * XML text escaping for XML-RPC string values.
 *
 * Both directions sit on the hot path of 70 MB pool responses, so each picks its loop by measurement
 * (bench/xmlrpc-codec.ts): a string that holds only Latin-1 characters (what V8 stores one byte per
 * character; OpenNebula's XML nearly always is) is copied through a byte buffer, which runs about twice
 * as fast as building a string of slices; any other string is built from slices gathered in chunks
 * of a few thousand, because one long chain of `+=` builds a rope millions of nodes deep that costs
 * more to flatten than the whole scan.
 */
import { XmlRpcEncodeError, XmlRpcParseError } from "./errors";

/** Characters XML 1.0 forbids anywhere in a document (`u` flag: only unpaired surrogates match). */
const NOT_XML_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/u;
const BEYOND_LATIN1 = /[^\x00-\xFF]/;
const NEEDS_ESCAPE = /[&<>\r]/;
/** Below this length a byte buffer's setup costs more than it saves. */
const BYTE_LOOP_MIN_LENGTH = 512;
/** Pieces gathered into one chunk before it joins the result (keeps the rope shallow). */
const CHUNK_PIECES = 4096;

const AMP = 0x26;
const LT = 0x3c;
const GT = 0x3e;
const CR = 0x0d;
const SEMICOLON = 0x3b;
const HASH = 0x23;

/**
 * Escapes text for an XML text node: `&`, `<`, `>` (so `]]>` can never appear) and `\r` as `&#13;`
 * (a literal carriage return would be turned into `\n` by the receiver's line-end normalisation).
 * Throws XmlRpcEncodeError naming the index of a character XML 1.0 cannot carry (U+0000–U+0008,
 * U+000B, U+000C, U+000E–U+001F, an unpaired surrogate, U+FFFE, U+FFFF).
 */
export function escapeXml(text: string): string {
  const bad = NOT_XML_CHAR.exec(text);
  if (bad !== null) throw notXmlCharError(text, bad.index);
  if (!NEEDS_ESCAPE.test(text)) return text;
  if (text.length >= BYTE_LOOP_MIN_LENGTH && !BEYOND_LATIN1.test(text)) return escapeLatin1(text);
  return escapeBySlices(text);
}

function notXmlCharError(text: string, index: number): XmlRpcEncodeError {
  const code = text.codePointAt(index) ?? 0;
  const hex = code.toString(16).toUpperCase().padStart(4, "0");
  return new XmlRpcEncodeError(`character U+${hex} at index ${index} is not allowed in XML 1.0`, { index });
}

function escapeBySlices(text: string): string {
  let out = "";
  let chunk = "";
  let pieces = 0;
  let last = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c > GT) continue;
    let replacement: string;
    if (c === AMP) replacement = "&amp;";
    else if (c === LT) replacement = "&lt;";
    else if (c === GT) replacement = "&gt;";
    else if (c === CR) replacement = "&#13;";
    else continue;
    chunk += text.slice(last, i) + replacement;
    last = i + 1;
    if (++pieces === CHUNK_PIECES) {
      out += chunk;
      chunk = "";
      pieces = 0;
    }
  }
  return out + chunk + text.slice(last);
}

function escapeLatin1(text: string): string {
  const input = Buffer.from(text, "latin1");
  const length = input.length;
  let growth = 0;
  for (let i = 0; i < length; i++) {
    const c = input[i]!;
    if (c > GT) continue;
    if (c === AMP || c === CR) growth += 4;
    else if (c === LT || c === GT) growth += 3;
  }
  const output = Buffer.allocUnsafe(length + growth);
  let w = 0;
  for (let i = 0; i < length; i++) {
    const c = input[i]!;
    if (c > GT) {
      output[w++] = c;
    } else if (c === AMP) {
      output[w] = AMP;
      output[w + 1] = 0x61; // a
      output[w + 2] = 0x6d; // m
      output[w + 3] = 0x70; // p
      output[w + 4] = SEMICOLON;
      w += 5;
    } else if (c === LT || c === GT) {
      output[w] = AMP;
      output[w + 1] = c === LT ? 0x6c : 0x67; // l | g
      output[w + 2] = 0x74; // t
      output[w + 3] = SEMICOLON;
      w += 4;
    } else if (c === CR) {
      output[w] = AMP;
      output[w + 1] = HASH;
      output[w + 2] = 0x31; // 1
      output[w + 3] = 0x33; // 3
      output[w + 4] = SEMICOLON;
      w += 5;
    } else {
      output[w++] = c;
    }
  }
  return output.toString("latin1", 0, w);
}

/**
 * XML turns every `\r\n` and lone `\r` in a document into `\n` before anything reads it; a carriage
 * return that must survive travels as `&#13;` (which escapeXml writes).
 */
export function normalizeLineEnds(text: string): string {
  return text.indexOf("\r") === -1 ? text : text.replace(/\r\n?/g, "\n");
}

/**
 * Replaces the five named entities (`&amp;` `&lt;` `&gt;` `&quot;` `&apos;`) and decimal (`&#13;`)
 * or hexadecimal (`&#x0d;`) character references by their characters. Throws XmlRpcParseError, with
 * the index in `text`, on an unknown entity, a malformed reference, a `&` without its `;`, or a
 * reference to a character XML 1.0 forbids. Line ends are left as they are (see decode).
 */
export function unescapeXml(text: string): string {
  const first = text.indexOf("&");
  if (first === -1) return text;
  if (text.length >= BYTE_LOOP_MIN_LENGTH && !BEYOND_LATIN1.test(text)) return unescapeLatin1(text, first);
  return unescapeBySlices(text, first, "", 0);
}

// The entity readers report through these two instead of allocating a result per entity.
let entityEnd = 0;
let entityCode = 0;

/**
 * Reads the entity whose `&` is at `at`; sets entityCode (a code point) and entityEnd (index after
 * its `;`).
 */
function readEntity(text: string, at: number): void {
  const c = text.charCodeAt(at + 1);
  if (c === 0x6c /* l */ || c === 0x67 /* g */) {
    if (text.charCodeAt(at + 2) === 0x74 /* t */ && text.charCodeAt(at + 3) === SEMICOLON) {
      entityCode = c === 0x6c ? LT : GT;
      entityEnd = at + 4;
      return;
    }
  } else if (c === 0x61 /* a */) {
    if (text.startsWith("amp;", at + 1)) {
      entityCode = AMP;
      entityEnd = at + 5;
      return;
    }
    if (text.startsWith("apos;", at + 1)) {
      entityCode = 0x27;
      entityEnd = at + 6;
      return;
    }
  } else if (c === 0x71 /* q */) {
    if (text.startsWith("quot;", at + 1)) {
      entityCode = 0x22;
      entityEnd = at + 6;
      return;
    }
  } else if (c === HASH) {
    readCharacterReference(text, at);
    return;
  }
  throw entityError(text, at, "unknown or malformed entity");
}

function readCharacterReference(text: string, at: number): void {
  const hex = text.charCodeAt(at + 2) === 0x78; /* x */
  let i = at + (hex ? 3 : 2);
  const digitsStart = i;
  let code = 0;
  for (; ; i++) {
    const c = text.charCodeAt(i);
    let digit: number;
    if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
    else if (hex && c >= 0x61 && c <= 0x66) digit = c - 0x57;
    else if (hex && c >= 0x41 && c <= 0x46) digit = c - 0x37;
    else break;
    code = code * (hex ? 16 : 10) + digit;
    // Stop before the number grows without bound; anything this large is no character.
    if (code > 0x10ffff) throw entityError(text, at, "character reference beyond U+10FFFF");
  }
  if (i === digitsStart || text.charCodeAt(i) !== SEMICOLON) {
    throw entityError(text, at, "malformed character reference");
  }
  if (!isXmlChar(code)) {
    const name = code.toString(16).toUpperCase().padStart(4, "0");
    throw entityError(text, at, `character reference to U+${name}, which XML 1.0 does not allow`);
  }
  entityCode = code;
  entityEnd = i + 1;
}

function isXmlChar(code: number): boolean {
  if (code < 0x20) return code === 0x09 || code === 0x0a || code === 0x0d;
  if (code <= 0xd7ff) return true;
  if (code < 0xe000) return false;
  return code !== 0xfffe && code !== 0xffff && code <= 0x10ffff;
}

function entityError(text: string, at: number, problem: string): XmlRpcParseError {
  return new XmlRpcParseError(problem, { index: at, text });
}

/**
 * Unescapes `text` from `first` (the index of an `&`) on; `out` already holds the result for
 * `text` before `copyFrom`.
 */
function unescapeBySlices(text: string, first: number, out: string, copyFrom: number): string {
  let chunk = "";
  let pieces = 0;
  let last = copyFrom;
  let i = first;
  while (i !== -1) {
    readEntity(text, i);
    chunk += text.slice(last, i) + String.fromCodePoint(entityCode);
    last = entityEnd;
    if (++pieces === CHUNK_PIECES) {
      out += chunk;
      chunk = "";
      pieces = 0;
    }
    i = text.indexOf("&", last);
  }
  return out + chunk + text.slice(last);
}

function unescapeLatin1(text: string, first: number): string {
  const input = Buffer.from(text, "latin1");
  const output = Buffer.allocUnsafe(input.length);
  output.set(input.subarray(0, first));
  let w = first;
  const length = input.length;
  for (let i = first; i < length; i++) {
    const c = input[i]!;
    if (c !== AMP) {
      output[w++] = c;
      continue;
    }
    const d = input[i + 1];
    if (d === 0x6c /* l */ && input[i + 2] === 0x74 && input[i + 3] === SEMICOLON) {
      output[w++] = LT;
      i += 3;
    } else if (d === 0x67 /* g */ && input[i + 2] === 0x74 && input[i + 3] === SEMICOLON) {
      output[w++] = GT;
      i += 3;
    } else {
      readEntity(text, i);
      if (entityCode > 0xff) {
        // The result leaves Latin-1: finish by slices from this entity on.
        return unescapeBySlices(text, i, output.toString("latin1", 0, w), i);
      }
      output[w++] = entityCode;
      i = entityEnd - 1;
    }
  }
  return output.toString("latin1", 0, w);
}
