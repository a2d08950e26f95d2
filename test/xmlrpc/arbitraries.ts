// fast-check generators for XML-RPC values that survive an encode/decode round trip.
import fc from "fast-check";
import type { XmlRpcValue } from "../../src/xmlrpc/values";

/** True for a code point XML 1.0 allows in a document. */
export function isXmlCodePoint(code: number): boolean {
  if (code < 0x20) return code === 0x09 || code === 0x0a || code === 0x0d;
  if (code <= 0xd7ff) return true;
  if (code < 0xe000) return false;
  return code !== 0xfffe && code !== 0xffff && code <= 0x10ffff;
}

/** Strings of any Unicode characters XML 1.0 can carry, with the XML specials over-represented. */
export function xmlText(): fc.Arbitrary<string> {
  const special = fc.constantFrom("&", "<", ">", "\r", "\n", "\r\n", "]]>", "&amp;", '"', "'", "\t", " ");
  const any = fc
    .string({ unit: "binary", maxLength: 12 })
    .filter((s) => [...s].every((ch) => isXmlCodePoint(ch.codePointAt(0) ?? 0)));
  return fc.array(fc.oneof(any, special), { maxLength: 8 }).map((parts) => parts.join(""));
}

/** Any XML-RPC value made of the types that compare equal after a round trip. */
export function xmlRpcValue(): fc.Arbitrary<XmlRpcValue> {
  const { value } = fc.letrec<{ value: XmlRpcValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      xmlText(),
      fc.integer(),
      fc.maxSafeInteger(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(xmlText(), tie("value"), { maxKeys: 4 }),
    ),
  }));
  return value;
}
