import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hasErrorCode } from "../../src/errors";
import { decodeCall, decodeResponse } from "../../src/xmlrpc/decode";
import { encodeCall, encodeFault, encodeResponse } from "../../src/xmlrpc/encode";
import { EscapedString, isXmlRpcStruct, type XmlRpcValue } from "../../src/xmlrpc/values";
import { xmlRpcValue, xmlText } from "./arbitraries";

/** Replaces every EscapedString by its text. */
function reveal(value: XmlRpcValue): XmlRpcValue {
  if (value instanceof EscapedString) return value.toString();
  if (Array.isArray(value)) return value.map(reveal);
  if (isXmlRpcStruct(value)) {
    const out: Record<string, XmlRpcValue> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, { value: reveal(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

function expectParseErrorOrValue(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!hasErrorCode(error, "XMLRPC_PARSE")) throw error;
  }
}

const methodName = fc.stringMatching(/^[A-Za-z0-9_.:/]{1,20}$/);

describe("round trip", () => {
  it("decodeResponse(encodeResponse(v)) equals v", () => {
    fc.assert(
      fc.property(xmlRpcValue(), (value) => {
        expect(decodeResponse(encodeResponse(value))).toEqual({ fault: false, value });
      }),
      { numRuns: 300 },
    );
  });

  it("decodeCall(encodeCall(m, params)) equals the call", () => {
    fc.assert(
      fc.property(methodName, fc.array(xmlRpcValue(), { maxLength: 4 }), (method, params) => {
        expect(decodeCall(encodeCall(method, params))).toEqual({ method, params });
      }),
      { numRuns: 200 },
    );
  });

  it("decodes faults back to their code and message", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), xmlText(), (code, message) => {
        expect(decodeResponse(encodeFault(code, message))).toEqual({ fault: true, code, message });
        expect(decodeResponse(encodeFault(code, message), { keepEscaped: true })).toEqual({
          fault: true,
          code,
          message,
        });
      }),
      { numRuns: 200 },
    );
  });

  it("keeps strings escaped whose text equals the original, for responses and calls", () => {
    fc.assert(
      fc.property(xmlRpcValue(), (value) => {
        const decoded = decodeResponse(encodeResponse(value), { keepEscaped: true });
        if (decoded.fault) throw new Error("unexpected fault");
        expect(reveal(decoded.value)).toEqual(value);
        const call = decodeCall(encodeCall("m", [value]), { keepEscaped: true });
        expect(call.params.map(reveal)).toEqual([value]);
      }),
      { numRuns: 200 },
    );
  });

  it("re-encodes a kept-escaped value to the very same document", () => {
    fc.assert(
      fc.property(xmlRpcValue(), (value) => {
        const xml = encodeResponse(value);
        const decoded = decodeResponse(xml, { keepEscaped: true });
        if (decoded.fault) throw new Error("unexpected fault");
        expect(encodeResponse(decoded.value)).toBe(xml);
      }),
      { numRuns: 200 },
    );
  });
});

describe("robustness", () => {
  it("refuses every truncation of a valid response", () => {
    fc.assert(
      fc.property(xmlRpcValue(), fc.double({ min: 0, max: 1, noNaN: true }), (value, where) => {
        const xml = encodeResponse(value);
        const documentEnd = xml.lastIndexOf(">") + 1;
        const cut = Math.floor(where * (documentEnd - 1));
        let error: unknown;
        try {
          decodeResponse(xml.slice(0, cut));
        } catch (caught) {
          error = caught;
        }
        expect(hasErrorCode(error, "XMLRPC_PARSE")).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("never crashes on a mutated document: a value or an XMLRPC_PARSE error", () => {
    const pieces = fc.constantFrom("<", ">", "/", "&", "<value>", "</value>", "<i4>", "<![CDATA[", "]]>", "<!--", "x", "\"", "");
    fc.assert(
      fc.property(xmlRpcValue(), fc.nat(), pieces, fc.nat({ max: 5 }), (value, at, insert, removed) => {
        const xml = encodeResponse(value);
        const i = at % xml.length;
        const mutated = xml.slice(0, i) + insert + xml.slice(i + removed);
        expectParseErrorOrValue(() => decodeResponse(mutated));
        expectParseErrorOrValue(() => decodeResponse(mutated, { keepEscaped: true }));
        expectParseErrorOrValue(() => decodeCall(mutated));
      }),
      { numRuns: 500 },
    );
  });

  it("never crashes on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        expectParseErrorOrValue(() => decodeResponse(text));
        expectParseErrorOrValue(() => decodeCall(text));
      }),
      { numRuns: 300 },
    );
  });
});
