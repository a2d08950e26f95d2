import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hasErrorCode } from "../../src/errors";
import { escapeXml, normalizeLineEnds, unescapeUtf8, unescapeXml } from "../../src/xmlrpc/escape";
import type { XmlRpcEncodeError, XmlRpcParseError } from "../../src/xmlrpc/errors";
import { xmlText } from "./arbitraries";

function encodeErrorOf(fn: () => unknown): XmlRpcEncodeError {
  try {
    fn();
  } catch (error) {
    if (hasErrorCode(error, "XMLRPC_ENCODE")) return error as XmlRpcEncodeError;
    throw error;
  }
  throw new Error("expected an XMLRPC_ENCODE error");
}

function parseErrorOf(fn: () => unknown): XmlRpcParseError {
  try {
    fn();
  } catch (error) {
    if (hasErrorCode(error, "XMLRPC_PARSE")) return error as XmlRpcParseError;
    throw error;
  }
  throw new Error("expected an XMLRPC_PARSE error");
}

// Long enough to take the byte-buffer loops (512 characters and up).
const LONG = "x".repeat(600);

describe("escapeXml", () => {
  it("escapes &, <, > and carriage return, and leaves quotes alone", () => {
    expect(escapeXml(`a&b<c>d\re"f'`)).toBe(`a&amp;b&lt;c&gt;d&#13;e"f'`);
  });

  it("returns text without special characters unchanged", () => {
    expect(escapeXml("plain text\n\twith tab")).toBe("plain text\n\twith tab");
    expect(escapeXml("")).toBe("");
  });

  it("gives the same result on the Latin-1 byte path and the slice path", () => {
    const latin1 = `${LONG}<é&>\r${LONG}`;
    const wide = `${LONG}<é&>\r☃${LONG}`;
    expect(escapeXml(latin1)).toBe(`${LONG}&lt;é&amp;&gt;&#13;${LONG}`);
    expect(escapeXml(wide)).toBe(`${LONG}&lt;é&amp;&gt;&#13;☃${LONG}`);
  });

  it("keeps surrogate pairs and refuses characters XML 1.0 cannot carry, naming the index", () => {
    expect(escapeXml("smile 😀")).toBe("smile 😀");
    const cases: Array<[string, number, string]> = [
      ["ab\u0000", 2, "U+0000"],
      ["\u0008", 0, "U+0008"],
      ["x\u000B", 1, "U+000B"],
      ["x\u001F", 1, "U+001F"],
      ["lone \uD83D here", 5, "U+D83D"],
      ["lone \uDE00", 5, "U+DE00"],
      ["\uFFFE", 0, "U+FFFE"],
      [`${LONG}\uFFFF`, 600, "U+FFFF"],
    ];
    for (const [text, index, name] of cases) {
      const error = encodeErrorOf(() => escapeXml(text));
      expect(error.index).toBe(index);
      expect(error.message).toContain(name);
      expect(error.message).toContain(`index ${index}`);
    }
  });
});

describe("unescapeXml", () => {
  it("replaces the five named entities and character references", () => {
    expect(unescapeXml("&amp;&lt;&gt;&quot;&apos;")).toBe(`&<>"'`);
    expect(unescapeXml("&#65;&#x42;&#x63;&#13;&#x0d;&#10;")).toBe("ABc\r\r\n");
    expect(unescapeXml("&#x1F600;&#128512;")).toBe("😀😀");
    expect(unescapeXml("no entities")).toBe("no entities");
  });

  it("gives the same result on the byte path, the slice path and when leaving Latin-1 midway", () => {
    expect(unescapeXml(`${LONG}&lt;&#233;&amp;`)).toBe(`${LONG}<é&`);
    expect(unescapeXml(`☃${LONG}&lt;&#233;&amp;`)).toBe(`☃${LONG}<é&`);
    expect(unescapeXml(`${LONG}&lt;&#x2603;&gt;${LONG}&amp;`)).toBe(`${LONG}<☃>${LONG}&`);
    expect(unescapeXml(`&lt;${LONG}&quot;&apos;&#x1F600;`)).toBe(`<${LONG}"'😀`);
  });

  it("refuses unknown and malformed entities with their index", () => {
    const cases: Array<[string, number]> = [
      ["a&nbsp;b", 1],
      ["a&amp", 1],
      ["&", 0],
      ["x&lt", 1],
      ["&#;", 0],
      ["&#x;", 0],
      ["&#X41;", 0],
      ["&#12a;", 0],
      ["&#0;", 0],
      ["ok&#x8;", 2],
      ["&#xD800;", 0],
      ["&#xFFFE;", 0],
      ["&#1114112;", 0],
      ["&#99999999999999999999;", 0],
      [`${LONG}&bogus;`, 600],
      [`${LONG}&lt;&#xDFFF;`, 604],
      [`☃${LONG}&bogus;`, 601],
      [`${LONG}&#x2603;&#0;`, 608],
    ];
    for (const [text, index] of cases) {
      const error = parseErrorOf(() => unescapeXml(text));
      expect(error.index, text).toBe(index);
    }
  });

  it("reports the UTF-8 byte offset and an excerpt of what it found", () => {
    const error = parseErrorOf(() => unescapeXml("é☃&bad; tail"));
    expect(error.index).toBe(2);
    expect(error.offset).toBe(5);
    expect(error.excerpt).toBe("&bad; tail");
    expect(error.message).toContain("byte 5");
  });

  it("undoes escapeXml for any text XML can carry", () => {
    fc.assert(
      fc.property(xmlText(), (text) => {
        expect(unescapeXml(escapeXml(text))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it("undoes escapeXml for long text on every path", () => {
    fc.assert(
      fc.property(fc.array(xmlText(), { minLength: 20, maxLength: 60 }), (parts) => {
        const text = parts.join(LONG.slice(0, 37));
        expect(unescapeXml(escapeXml(text))).toBe(text);
      }),
      { numRuns: 60 },
    );
  });
});

describe("normalizeLineEnds", () => {
  it("turns CRLF and lone CR into LF as XML parsers do", () => {
    expect(normalizeLineEnds("a\r\nb\rc\n\r\r\n")).toBe("a\nb\nc\n\n\n");
    expect(normalizeLineEnds("none")).toBe("none");
  });
});

describe("unescapeUtf8", () => {
  const bytes = (text: string) => Buffer.from(text, "utf8");

  it("unescapes the UTF-8 bytes of escaped text as unescapeXml does the text", () => {
    expect(unescapeUtf8(bytes("&amp;&lt;&gt;&quot;&apos;"))).toBe(`&<>"'`);
    expect(unescapeUtf8(bytes("&#65;&#x42;&#x63;&#13;&#x0d;&#10;&#233;&#x2603;&#x1F600;"))).toBe("ABc\r\r\né☃😀");
    expect(unescapeUtf8(bytes("café ☃ 😀 &amp;lt; no change"))).toBe("café ☃ 😀 &lt; no change");
    expect(unescapeUtf8(bytes(""))).toBe("");
    fc.assert(
      fc.property(fc.array(xmlText(), { maxLength: 40 }), (parts) => {
        const text = parts.join("");
        expect(unescapeUtf8(bytes(escapeXml(text)))).toBe(text);
        const referenced = [...text].map((ch, i) => (i % 3 === 0 ? `&#${ch.codePointAt(0)};` : i % 3 === 1 ? `&#x${ch.codePointAt(0)!.toString(16)};` : escapeXml(ch))).join("");
        expect(unescapeUtf8(bytes(referenced))).toBe(unescapeXml(referenced));
      }),
      { numRuns: 300 },
    );
  });

  it("reads a slice of a larger buffer without looking outside it", () => {
    const whole = bytes("xx&lt;VM&gt;é&amp;yy");
    expect(unescapeUtf8(whole.subarray(2, whole.length - 2))).toBe("<VM>é&");
  });

  it("refuses malformed entities where unescapeXml does, located in the whole text", () => {
    for (const text of ["a&nbsp;b", "a&amp", "é☃&bad; tail", "&#0;", "ok&#x8;", "&#xD800;"]) {
      const expected = parseErrorOf(() => unescapeXml(text));
      const error = parseErrorOf(() => unescapeUtf8(bytes(text)));
      expect([error.index, error.offset, error.problem], text).toEqual([expected.index, expected.offset, expected.problem]);
    }
  });
});

