import { describe, expect, it } from "vitest";
import { hasErrorCode } from "../../src/errors";
import { decodeCall, decodeResponse } from "../../src/xmlrpc/decode";
import type { XmlRpcParseError } from "../../src/xmlrpc/errors";
import { EscapedString, type XmlRpcValue } from "../../src/xmlrpc/values";

function response(valueXml: string): string {
  return `<?xml version="1.0"?><methodResponse><params><param>${valueXml}</param></params></methodResponse>`;
}

function valueOf(valueXml: string): XmlRpcValue {
  const decoded = decodeResponse(response(valueXml));
  if (decoded.fault) throw new Error("unexpected fault");
  return decoded.value;
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

describe("decodeResponse: scalar types", () => {
  it("decodes <i4> and <int> to numbers", () => {
    expect(valueOf("<value><i4>42</i4></value>")).toBe(42);
    expect(valueOf("<value><int>-2147483648</int></value>")).toBe(-2147483648);
    expect(valueOf("<value><i4>+7</i4></value>")).toBe(7);
    expect(valueOf("<value><int> 2147483647 </int></value>")).toBe(2147483647);
    expect(Object.is(valueOf("<value><i4>-0</i4></value>"), 0)).toBe(true);
  });

  it("decodes <i8> to a number when safe and to a bigint beyond", () => {
    expect(valueOf("<value><i8>9007199254740991</i8></value>")).toBe(9007199254740991);
    expect(valueOf("<value><i8>-9007199254740991</i8></value>")).toBe(-9007199254740991);
    expect(valueOf("<value><i8>9007199254740993</i8></value>")).toBe(9007199254740993n);
    expect(valueOf("<value><i8>9223372036854775807</i8></value>")).toBe(9223372036854775807n);
    expect(valueOf("<value><i8>-9223372036854775808</i8></value>")).toBe(-9223372036854775808n);
    expect(valueOf("<value><ex:i8>5</ex:i8></value>")).toBe(5);
  });

  it("decodes <double>, with or without exponent", () => {
    expect(valueOf("<value><double>-12.214</double></value>")).toBe(-12.214);
    expect(valueOf("<value><double>1e+300</double></value>")).toBe(1e300);
    expect(valueOf("<value><double>.5</double></value>")).toBe(0.5);
    expect(valueOf("<value><double>3.</double></value>")).toBe(3);
    expect(Object.is(valueOf("<value><double>-0.0</double></value>"), -0)).toBe(true);
  });

  it("decodes <boolean> 0 and 1", () => {
    expect(valueOf("<value><boolean>1</boolean></value>")).toBe(true);
    expect(valueOf("<value><boolean>0</boolean></value>")).toBe(false);
  });

  it("decodes <string>, untyped values and empty forms", () => {
    expect(valueOf("<value><string>a &lt;b&gt; &amp; c</string></value>")).toBe("a <b> & c");
    expect(valueOf("<value>  untyped keeps its whitespace \n</value>")).toBe("  untyped keeps its whitespace \n");
    expect(valueOf("<value></value>")).toBe("");
    expect(valueOf("<value/>")).toBe("");
    expect(valueOf("<value><string/></value>")).toBe("");
    expect(valueOf("<value><string></string></value>")).toBe("");
  });

  it("normalises literal line ends but keeps &#13;", () => {
    expect(valueOf("<value><string>a\r\nb\rc&#13;\n</string></value>")).toBe("a\nb\nc\r\n");
  });

  it("decodes CDATA sections and skips comments inside string values", () => {
    expect(valueOf("<value><string><![CDATA[<VM><ID>1</ID></VM>]]></string></value>")).toBe("<VM><ID>1</ID></VM>");
    expect(valueOf("<value><string>a&amp;<![CDATA[&b]]><!-- note -->c<![CDATA[]]></string></value>")).toBe("a&&bc");
    expect(valueOf("<value><![CDATA[x]]> y</value>")).toBe("x y");
  });

  it("decodes <nil/>, <ex:nil/> and <nil></nil> to null", () => {
    expect(valueOf("<value><nil/></value>")).toBeNull();
    expect(valueOf("<value><ex:nil/></value>")).toBeNull();
    expect(valueOf("<value><nil></nil></value>")).toBeNull();
  });

  it("decodes <base64>, also wrapped over lines, to bytes", () => {
    expect(valueOf("<value><base64>AP8=</base64></value>")).toEqual(new Uint8Array([0, 255]));
    expect(valueOf("<value><base64>\naGVs\nbG8=\n</base64></value>")).toEqual(new Uint8Array(Buffer.from("hello")));
    expect(valueOf("<value><base64></base64></value>")).toEqual(new Uint8Array(0));
    const big = Buffer.alloc(20_000, 7);
    const decoded = valueOf(`<value><base64>${big.toString("base64")}</base64></value>`) as Uint8Array;
    expect(decoded.byteLength).toBe(20_000);
    expect(decoded.buffer.byteLength).toBe(20_000);
  });

  it("decodes dateTime.iso8601 in the spec's and the extended forms", () => {
    const at = (text: string) => (valueOf(`<value><dateTime.iso8601>${text}</dateTime.iso8601></value>`) as Date).toISOString();
    expect(at("19980717T14:08:55")).toBe("1998-07-17T14:08:55.000Z");
    expect(at("1998-07-17T14:08:55")).toBe("1998-07-17T14:08:55.000Z");
    expect(at("1998-07-17T14:08:55Z")).toBe("1998-07-17T14:08:55.000Z");
    expect(at("19980717T140855")).toBe("1998-07-17T14:08:55.000Z");
    expect(at("1998-07-17T14:08:55+02:00")).toBe("1998-07-17T12:08:55.000Z");
    expect(at("19980717T14:08:55-0130")).toBe("1998-07-17T15:38:55.000Z");
    expect(at("19980717T14:08:55.123456")).toBe("1998-07-17T14:08:55.123Z");
    expect(at("20000229T00:00:00")).toBe("2000-02-29T00:00:00.000Z");
    expect(at("00050101T00:00:00")).toBe("0005-01-01T00:00:00.000Z");
  });
});

describe("decodeResponse: containers and document shape", () => {
  it("decodes arrays and structs, nested, with whitespace and comments between tags", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- oned -->\r\n<methodResponse>
      <params>\r\n<param>
        <value> <array> <data>
          <value><boolean>1</boolean></value>
          <!-- the document -->
          <value><string>&lt;VM_POOL/&gt;</string></value>
          <value><i4>0</i4></value>
          <value><struct>
            <member><name>a</name><value><array><data/></array></value></member>
            <member> <name>b c</name> <value><struct/></value> </member>
          </struct></value>
        </data> </array> </value>
      </param>
      </params>
    </methodResponse>\r\n`;
    expect(decodeResponse(xml)).toEqual({
      fault: false,
      value: [true, "<VM_POOL/>", 0, { a: [], "b c": {} }],
    });
  });

  it("keeps a member named __proto__ as a member", () => {
    const value = valueOf(
      "<value><struct><member><name>__proto__</name><value><i4>1</i4></value></member></struct></value>",
    ) as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(value, "__proto__")?.value).toBe(1);
  });

  it("accepts a byte-order mark, attributes and xmlns declarations", () => {
    const xml =
      '\uFEFF<?xml version="1.0"?><methodResponse xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions">' +
      "<params><param><value><ex:nil /></value></param></params></methodResponse>";
    expect(decodeResponse(xml)).toEqual({ fault: false, value: null });
  });

  it("decodes a fault", () => {
    const xml = `<?xml version="1.0"?><methodResponse><fault><value><struct>
      <member><name>faultCode</name><value><int>-501</int></value></member>
      <member><name>faultString</name><value><string>Parameter that is supposed to be integer is not</string></value></member>
      </struct></value></fault></methodResponse>`;
    expect(decodeResponse(xml)).toEqual({
      fault: true,
      code: -501,
      message: "Parameter that is supposed to be integer is not",
    });
    expect(decodeResponse(xml, { keepEscaped: true })).toEqual({
      fault: true,
      code: -501,
      message: "Parameter that is supposed to be integer is not",
    });
  });

  it("returns strings as EscapedString with keepEscaped, untouched until read", () => {
    const decoded = decodeResponse(
      response("<value><array><data><value><boolean>1</boolean></value><value><string>&lt;VM&gt;a&amp;b</string></value><value>un&amp;typed</value></data></array></value>"),
      { keepEscaped: true },
    );
    if (decoded.fault) throw new Error("unexpected fault");
    const [ok, doc, untyped] = decoded.value as [boolean, EscapedString, EscapedString];
    expect(ok).toBe(true);
    expect(doc).toBeInstanceOf(EscapedString);
    expect(doc.raw).toBe("&lt;VM&gt;a&amp;b");
    expect(doc.toString()).toBe("<VM>a&b");
    expect(untyped.toString()).toBe("un&typed");
  });

  it("reports a bad entity in a kept-escaped string when it is read", () => {
    const decoded = decodeResponse(response("<value><string>ok &bad; </string></value>"), { keepEscaped: true });
    if (decoded.fault) throw new Error("unexpected fault");
    const error = parseErrorOf(() => String(decoded.value));
    expect(error.index).toBe(3);
  });

  it("turns CDATA into escaped text under keepEscaped", () => {
    const decoded = decodeResponse(response("<value><string>a<![CDATA[<b>&\r\n]]></string></value>"), {
      keepEscaped: true,
    });
    if (decoded.fault) throw new Error("unexpected fault");
    const value = decoded.value as EscapedString;
    expect(value.raw).toBe("a&lt;b&gt;&amp;\n");
    expect(value.toString()).toBe("a<b>&\n");
  });
});

describe("decodeCall", () => {
  it("decodes the method name and params", () => {
    const xml = `<?xml version="1.0"?>
<methodCall>
  <methodName>one.vm.info</methodName>
  <params>
    <param><value><string>oneadmin:secret</string></value></param>
    <param><value><i4>7</i4></value></param>
    <param><value><boolean>0</boolean></value></param>
  </params>
</methodCall>`;
    expect(decodeCall(xml)).toEqual({ method: "one.vm.info", params: ["oneadmin:secret", 7, false] });
  });

  it("accepts a call without params or with an empty <params/>", () => {
    expect(decodeCall("<methodCall><methodName>system.listMethods</methodName></methodCall>")).toEqual({
      method: "system.listMethods",
      params: [],
    });
    expect(decodeCall("<methodCall><methodName>a</methodName><params/></methodCall>")).toEqual({
      method: "a",
      params: [],
    });
  });

  it("keeps strings escaped with keepEscaped", () => {
    const { params } = decodeCall(
      "<methodCall><methodName>one.vm.update</methodName><params><param><value><string>A=&quot;1&quot;</string></value></param></params></methodCall>",
      { keepEscaped: true },
    );
    expect(params[0]).toEqual(new EscapedString("A=&quot;1&quot;"));
  });
});

describe("malformed documents", () => {
  const cases: Array<[string, string, string]> = [
    ["empty input", "", "expected <methodResponse>"],
    ["not XML", "hello", "expected <methodResponse>"],
    ["wrong root", "<methodCall><methodName>a</methodName></methodCall>", "expected <methodResponse>, found <methodCall>"],
    ["truncated in a string", "<methodResponse><params><param><value><string>abc", "unexpected end of document"],
    ["truncated in a start tag", "<methodResponse><params><param><value><str", "unexpected end of document"],
    ["truncated in an end tag", "<methodResponse><params><param><value><i4>1</i4></value></param></par", "unexpected end of document"],
    ["truncated after a value", "<methodResponse><params><param><value><i4>1</i4></value>", "unexpected end of document"],
    ["unknown value type", response("<value><float>1</float></value>"), "unknown value type <float>"],
    ["mismatched end tag", response("<value><i4>1</i8></value>"), "mismatched end tag, expected </i4>"],
    ["mismatched value end", response("<value><string>a</value>"), "mismatched end tag, expected </string>"],
    ["missing value", "<methodResponse><params><param></param></params></methodResponse>", "expected <value>"],
    ["no param", "<methodResponse><params></params></methodResponse>", "exactly one <param>"],
    ["two params", "<methodResponse><params><param><value/></param><param><value/></param></params></methodResponse>", "exactly one <param>"],
    ["neither params nor fault", "<methodResponse><result/></methodResponse>", "expected <params> or <fault>"],
    ["int with letters", response("<value><i4>12a</i4></value>"), "not an integer"],
    ["empty int", response("<value><i4></i4></value>"), "not an integer"],
    ["int with a fraction", response("<value><int>1.5</int></value>"), "not an integer"],
    ["i4 out of range", response("<value><i4>2147483648</i4></value>"), "out of the 32-bit range"],
    ["i8 out of range", response("<value><i8>9223372036854775808</i8></value>"), "out of the 64-bit range"],
    ["double text", response("<value><double>1,5</double></value>"), "not a number"],
    ["double infinity", response("<value><double>inf</double></value>"), "not a number"],
    ["double overflow", response("<value><double>1e400</double></value>"), "out of the double range"],
    ["boolean 2", response("<value><boolean>2</boolean></value>"), "boolean must be 0 or 1"],
    ["boolean true", response("<value><boolean>true</boolean></value>"), "boolean must be 0 or 1"],
    ["bad base64", response("<value><base64>A*==</base64></value>"), "malformed base64"],
    ["short base64", response("<value><base64>AP8</base64></value>"), "malformed base64"],
    ["bad date", response("<value><dateTime.iso8601>1998-13-01T00:00:00</dateTime.iso8601></value>"), "not a dateTime"],
    ["bad day", response("<value><dateTime.iso8601>19990229T00:00:00</dateTime.iso8601></value>"), "not a dateTime"],
    ["leap second", response("<value><dateTime.iso8601>19981231T23:59:60</dateTime.iso8601></value>"), "not a dateTime"],
    ["mixed separators", response("<value><dateTime.iso8601>1998-0717T14:08:55</dateTime.iso8601></value>"), "not a dateTime"],
    ["text before a typed value", response("<value>x<i4>1</i4></value>"), "text before a typed value"],
    ["text after a typed value", response("<value><i4>1</i4>x</value>"), "expected </value>"],
    ["nil with content", response("<value><nil>x</nil></value>"), "<nil> must be empty"],
    ["array without data", response("<value><array></array></value>"), "expected <data>"],
    ["self-closed array", response("<value><array/></value>"), "<array> without <data>"],
    ["member without name", response("<value><struct><member><value/></member></struct></value>"), "expected <name>"],
    ["member without value", response("<value><struct><member><name>a</name></member></struct></value>"), "expected <value>"],
    ["duplicate member", response("<value><struct><member><name>a</name><value/></member><member><name>a</name><value/></member></struct></value>"), 'member "a" appears twice'],
    ["unknown entity", response("<value><string>&nbsp;</string></value>"), "unknown or malformed entity"],
    ["bad reference", response("<value><string>&#0;</string></value>"), "U+0000"],
    ["unterminated comment", response("<value><!-- x</value>"), "unterminated comment"],
    ["unterminated CDATA", response("<value><string><![CDATA[x</string></value>"), "unterminated CDATA"],
    ["DOCTYPE", `<!DOCTYPE x [<!ENTITY a "b">]>${response("<value/>")}`, "expected <methodResponse>"],
    ["content after the root", `${response("<value/>")}<x/>`, "content after the end of the document"],
    ["two roots", `${response("<value/>")}${response("<value/>")}`, "content after the end of the document"],
    ["malformed attribute", '<methodResponse a=b><params/></methodResponse>', "malformed attribute"],
    ["unterminated tag", "<methodResponse", "unexpected end of document"],
    ["unterminated attributes", "<methodResponse a=\"1\"", "unexpected end of document inside <methodResponse>"],
    ["fault without struct", "<methodResponse><fault><value><i4>1</i4></value></fault></methodResponse>", "a fault must hold a struct"],
    ["fault without code", "<methodResponse><fault><value><struct><member><name>faultString</name><value>x</value></member></struct></value></fault></methodResponse>", "integer faultCode"],
    ["fault without string", "<methodResponse><fault><value><struct><member><name>faultCode</name><value><i4>1</i4></value></member></struct></value></fault></methodResponse>", "string faultString"],
  ];

  for (const [name, xml, problem] of cases) {
    it(`refuses ${name}`, () => {
      const error = parseErrorOf(() => decodeResponse(xml));
      expect(error.code).toBe("XMLRPC_PARSE");
      expect(error.problem).toContain(problem);
      expect(error.offset).toBeGreaterThanOrEqual(0);
      expect(error.offset).toBeLessThanOrEqual(Buffer.byteLength(xml));
    });
  }

  it("points at the offending tag with its byte offset and an excerpt", () => {
    const xml = "<methodResponse><params><param><value><string>é☃</string><float/></value></param></params></methodResponse>";
    const error = parseErrorOf(() => decodeResponse(xml));
    expect(error.problem).toBe("expected </value>");
    expect(error.excerpt).toBe("<float/></value></param></params></metho");
    expect(error.index).toBe(xml.indexOf("<float/>"));
    expect(error.offset).toBe(xml.indexOf("<float/>") + 3);
    expect(error.message).toContain(`at byte ${error.offset}`);
  });

  it("refuses arrays nested deeper than the limit", () => {
    const deep = `${"<value><array><data>".repeat(65)}${"</data></array></value>".repeat(65)}`;
    expect(parseErrorOf(() => decodeResponse(response(deep))).problem).toContain("nested deeper than 64");
    const ok = `${"<value><array><data>".repeat(64)}${"</data></array></value>".repeat(64)}`;
    expect(decodeResponse(response(ok)).fault).toBe(false);
  });

  it("refuses a document that is not a string, such as a Buffer", () => {
    const bytes = Buffer.from(response("<value/>")) as unknown as string;
    expect(parseErrorOf(() => decodeResponse(bytes)).problem).toBe("expected the document as a string, got Buffer");
    expect(parseErrorOf(() => decodeCall(undefined as unknown as string)).problem).toContain("got undefined");
  });

  it("refuses malformed calls", () => {
    expect(parseErrorOf(() => decodeCall("<methodCall><methodName></methodName></methodCall>")).problem).toContain("empty method name");
    expect(parseErrorOf(() => decodeCall("<methodCall><params/></methodCall>")).problem).toContain("expected <methodName>");
    expect(parseErrorOf(() => decodeCall("<methodCall><methodName>a</methodName><params><value/></params></methodCall>")).problem).toContain("expected <param>");
    expect(parseErrorOf(() => decodeCall("<methodCall/>")).problem).toContain("empty <methodCall>");
  });
});
