/**
 * XML text escaping for XML-RPC string values.
 *
 * Both directions sit on the hot path of 70 MB pool responses. Short strings are handled with
 * string slices; long ones go through code-unit buffers (code-unit-loops.ts), measured 1.6–1.9
 * times faster than slices. The slices are gathered in a StringBuilder: one plain chain of `+=`
 * over entity-dense text ran at 9–14 million characters/s, the StringBuilder at 46–63 million.
 */
import { XmlRpcEncodeError } from "./errors.js";
import { entity, readEntity } from "./entities.js";
import { escapeLatin1, escapeUtf16, unescapeLatin1, unescapeUtf16 } from "./code-unit-loops.js";

export { unescapeUtf8 } from "./code-unit-loops.js";
import { StringBuilder } from "./string-builder.js";

/** Characters XML 1.0 forbids anywhere in a document (`u` flag: only unpaired surrogates match). */
const NOT_XML_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/u;
const BEYOND_LATIN1 = /[^\x00-\xFF]/;
const NEEDS_ESCAPE = /[&<>\r]/;
/** Below this length a buffer's setup costs more than it saves. */
const BUFFER_LOOP_MIN_LENGTH = 512;
// Local constants, not imports: see code-unit-loops.ts.
const AMP = 0x26;
const LT = 0x3c;
const GT = 0x3e;
const CR = 0x0d;

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
  if (text.length < BUFFER_LOOP_MIN_LENGTH) return escapeBySlices(text);
  return BEYOND_LATIN1.test(text) ? escapeUtf16(text) : escapeLatin1(text);
}

function notXmlCharError(text: string, index: number): XmlRpcEncodeError {
  const code = text.codePointAt(index) ?? 0;
  const hex = code.toString(16).toUpperCase().padStart(4, "0");
  return new XmlRpcEncodeError(`character U+${hex} at index ${index} is not allowed in XML 1.0`, { index });
}

function escapeBySlices(text: string): string {
  const out = new StringBuilder();
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
    out.append(text.slice(last, i));
    out.append(replacement);
    last = i + 1;
  }
  out.append(text.slice(last));
  return out.toString();
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
  if (text.length < BUFFER_LOOP_MIN_LENGTH) return unescapeBySlices(text, first);
  if (!BEYOND_LATIN1.test(text)) {
    const latin1 = unescapeLatin1(text, first);
    if (latin1 !== undefined) return latin1;
  }
  return unescapeUtf16(text, first);
}

function unescapeBySlices(text: string, first: number): string {
  const out = new StringBuilder();
  let last = 0;
  let i = first;
  while (i !== -1) {
    readEntity(text, i);
    out.append(text.slice(last, i));
    out.append(entity.code < 0x80 ? ASCII[entity.code]! : String.fromCodePoint(entity.code));
    last = entity.end;
    i = text.indexOf("&", last);
  }
  out.append(text.slice(last));
  return out.toString();
}

/** One-character strings for ASCII, so the common entities allocate nothing. */
const ASCII = Array.from({ length: 0x80 }, (_, code) => String.fromCharCode(code));
