/**
 * Reading one XML entity or character reference.
 *
 * The readers report through `entity` instead of returning a fresh object: unescaping a pool
 * response reads millions of entities, and an allocation per entity shows in the profile.
 */
import { XmlRpcParseError } from "./errors.js";

export const AMP = 0x26;
export const LT = 0x3c;
export const GT = 0x3e;
export const CR = 0x0d;
export const SEMICOLON = 0x3b;
export const HASH = 0x23;

/** The last entity read: its code point and the index just after its `;`. */
export const entity = { code: 0, end: 0 };

/** Reads the entity whose `&` is at `at` in `text` into `entity`; throws XmlRpcParseError if malformed. */
export function readEntity(text: string, at: number): void {
  const c = text.charCodeAt(at + 1);
  if (c === 0x6c /* l */ || c === 0x67 /* g */) {
    if (text.charCodeAt(at + 2) === 0x74 /* t */ && text.charCodeAt(at + 3) === SEMICOLON) {
      entity.code = c === 0x6c ? LT : GT;
      entity.end = at + 4;
      return;
    }
  } else if (c === 0x61 /* a */) {
    if (text.startsWith("amp;", at + 1)) {
      entity.code = AMP;
      entity.end = at + 5;
      return;
    }
    if (text.startsWith("apos;", at + 1)) {
      entity.code = 0x27;
      entity.end = at + 6;
      return;
    }
  } else if (c === 0x71 /* q */) {
    if (text.startsWith("quot;", at + 1)) {
      entity.code = 0x22;
      entity.end = at + 6;
      return;
    }
  } else if (c === HASH) {
    readCharacterReference(text, at);
    return;
  }
  throw entityError(text, at, "unknown or malformed entity");
}

function readCharacterReference(text: string, at: number): void {
  const hex = text.charCodeAt(at + 2) === 0x78; /* x (XML allows no capital X) */
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
  entity.code = code;
  entity.end = i + 1;
}

/** True for a code point XML 1.0 allows in a document. */
export function isXmlChar(code: number): boolean {
  if (code < 0x20) return code === 0x09 || code === 0x0a || code === 0x0d;
  if (code <= 0xd7ff) return true;
  if (code < 0xe000) return false;
  return code !== 0xfffe && code !== 0xffff && code <= 0x10ffff;
}

function entityError(text: string, at: number, problem: string): XmlRpcParseError {
  return new XmlRpcParseError(problem, { index: at, text });
}
