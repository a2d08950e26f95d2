import { describe, expect, it } from "vitest";
import { hasErrorCode } from "../../src/errors";
import { decodeResponse } from "../../src/xmlrpc/decode";
import { encodeCall, encodeFault, encodeResponse } from "../../src/xmlrpc/encode";
import type { XmlRpcEncodeError } from "../../src/xmlrpc/errors";
import { EscapedString, XmlRpcDouble, XmlRpcI8, type XmlRpcValue } from "../../src/xmlrpc/values";

function encodeErrorOf(fn: () => unknown): XmlRpcEncodeError {
  try {
    fn();
  } catch (error) {
    if (hasErrorCode(error, "XMLRPC_ENCODE")) return error as XmlRpcEncodeError;
    throw error;
  }
  throw new Error("expected an XMLRPC_ENCODE error");
}

/** The `<value>` inside an encoded response. */
function valueXml(value: XmlRpcValue): string {
  const xml = encodeResponse(value);
  return xml.slice(xml.indexOf("<param>") + 7, xml.lastIndexOf("</param>"));
}

describe("encodeResponse", () => {
  it("writes the layout of xmlrpc-c, oned's library", () => {
    expect(encodeResponse([true, "<VM><ID>7</ID></VM>", 0])).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\r\n' +
        "<methodResponse>\r\n" +
        "<params>\r\n" +
        "<param><value><array><data>\r\n" +
        "<value><boolean>1</boolean></value>\r\n" +
        "<value><string>&lt;VM&gt;&lt;ID&gt;7&lt;/ID&gt;&lt;/VM&gt;</string></value>\r\n" +
        "<value><i4>0</i4></value>\r\n" +
        "</data></array></value></param>\r\n" +
        "</params>\r\n" +
        "</methodResponse>\r\n",
    );
  });

  it("writes structs one member per line", () => {
    expect(valueXml({ NAME: "web", ID: 3 })).toBe(
      "<value><struct>\r\n" +
        "<member><name>NAME</name>\r\n<value><string>web</string></value></member>\r\n" +
        "<member><name>ID</name>\r\n<value><i4>3</i4></value></member>\r\n" +
        "</struct></value>",
    );
  });

  it("picks <i4>, <i8> or <double> from the number", () => {
    expect(valueXml(2147483647)).toBe("<value><i4>2147483647</i4></value>");
    expect(valueXml(-2147483648)).toBe("<value><i4>-2147483648</i4></value>");
    expect(valueXml(2147483648)).toBe("<value><i8>2147483648</i8></value>");
    expect(valueXml(-9007199254740991)).toBe("<value><i8>-9007199254740991</i8></value>");
    expect(valueXml(9007199254740992)).toBe("<value><double>9007199254740992</double></value>");
    expect(valueXml(1.5)).toBe("<value><double>1.5</double></value>");
    expect(valueXml(-0)).toBe("<value><double>-0</double></value>");
    expect(valueXml(1e300)).toBe("<value><double>1e+300</double></value>");
    expect(valueXml(9223372036854775807n)).toBe("<value><i8>9223372036854775807</i8></value>");
  });

  it("lets XmlRpcI8 and XmlRpcDouble force their type", () => {
    expect(valueXml(new XmlRpcI8(5))).toBe("<value><i8>5</i8></value>");
    expect(valueXml(new XmlRpcI8(-5n))).toBe("<value><i8>-5</i8></value>");
    expect(valueXml(new XmlRpcI8(2 ** 60))).toBe("<value><i8>1152921504606846976</i8></value>");
    expect(valueXml(new XmlRpcDouble(5))).toBe("<value><double>5</double></value>");
  });

  it("writes booleans, nil, dates and bytes", () => {
    expect(valueXml(false)).toBe("<value><boolean>0</boolean></value>");
    expect(valueXml(null)).toBe("<value><nil/></value>");
    expect(valueXml(new Date(Date.UTC(1998, 6, 17, 14, 8, 55)))).toBe(
      "<value><dateTime.iso8601>19980717T14:08:55</dateTime.iso8601></value>",
    );
    expect(valueXml(new Date(Date.UTC(1998, 6, 17, 14, 8, 55, 120)))).toBe(
      "<value><dateTime.iso8601>19980717T14:08:55.120</dateTime.iso8601></value>",
    );
    expect(valueXml(new Uint8Array([0, 255, 1]))).toBe("<value><base64>AP8B</base64></value>");
    // A Buffer is a Uint8Array at run time; this @types/node predates typed-array generics, hence the cast.
    const pooled = Buffer.from("hi").subarray(1) as unknown as Uint8Array;
    expect(valueXml(pooled)).toBe("<value><base64>aQ==</base64></value>");
  });

  it("escapes strings and member names, never with CDATA", () => {
    const xml = encodeResponse({ "a<b": "x]]>y&\r\n" });
    expect(xml).toContain("<name>a&lt;b</name>");
    expect(xml).toContain("<string>x]]&gt;y&amp;&#13;\n</string>");
    expect(xml).not.toContain("CDATA");
  });

  it("emits an EscapedString verbatim, without escaping it again", () => {
    const raw = "&lt;VM_POOL&gt;&amp;&lt;/VM_POOL&gt;";
    expect(valueXml(new EscapedString(raw))).toBe(`<value><string>${raw}</string></value>`);
    expect(valueXml(EscapedString.escape("<a>&"))).toBe("<value><string>&lt;a&gt;&amp;</string></value>");
  });

  it("decodes back to what went in", () => {
    const value = { a: [1, "two", 3.5, null, true], b: { c: 9007199254740993n } };
    expect(decodeResponse(encodeResponse(value))).toEqual({ fault: false, value });
  });
});

describe("encodeCall and encodeFault", () => {
  it("writes a call", () => {
    expect(encodeCall("one.vm.info", ["oneadmin:secret", 7])).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\r\n' +
        "<methodCall>\r\n<methodName>one.vm.info</methodName>\r\n<params>\r\n" +
        "<param><value><string>oneadmin:secret</string></value></param>\r\n" +
        "<param><value><i4>7</i4></value></param>\r\n" +
        "</params>\r\n</methodCall>\r\n",
    );
  });

  it("writes a fault", () => {
    expect(encodeFault(-501, "Parameter that is supposed to be integer is not")).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\r\n' +
        "<methodResponse>\r\n<fault>\r\n<value><struct>\r\n" +
        "<member><name>faultCode</name>\r\n<value><i4>-501</i4></value></member>\r\n" +
        "<member><name>faultString</name>\r\n<value><string>Parameter that is supposed to be integer is not</string></value></member>\r\n" +
        "</struct></value>\r\n</fault>\r\n</methodResponse>\r\n",
    );
    expect(decodeResponse(encodeFault(256, "[one.vm.info] <denied> & more"))).toEqual({
      fault: true,
      code: 256,
      message: "[one.vm.info] <denied> & more",
    });
  });

  it("refuses a method name the spec does not allow", () => {
    expect(encodeErrorOf(() => encodeCall("", [])).path).toBe("methodName");
    expect(encodeErrorOf(() => encodeCall("one vm", [])).message).toContain('"one vm"');
    expect(encodeErrorOf(() => encodeCall("a<b", [])).path).toBe("methodName");
  });

  it("refuses a fault code that is not a 32-bit integer", () => {
    expect(encodeErrorOf(() => encodeFault(1.5, "x")).path).toBe("faultCode");
    expect(encodeErrorOf(() => encodeFault(2 ** 31, "x")).path).toBe("faultCode");
  });
});

describe("values that cannot be encoded", () => {
  const cyclic: XmlRpcValue[] = [];
  cyclic.push(cyclic);
  let deep: XmlRpcValue = [];
  for (let i = 0; i < 64; i++) deep = [deep];
  class Vm {
    id = 1;
  }
  const cases: Array<[string, () => unknown, string, string]> = [
    ["NaN", () => encodeResponse([NaN]), "value[0]", "NaN is not a finite number"],
    ["Infinity", () => encodeResponse({ a: Infinity }), "value.a", "Infinity is not a finite number"],
    ["a forced double NaN", () => encodeResponse(new XmlRpcDouble(NaN)), "value", "NaN"],
    ["a bigint beyond 64 bits", () => encodeResponse(2n ** 63n), "value", "outside the 64-bit range"],
    ["a forced i8 fraction", () => encodeResponse(new XmlRpcI8(1.5)), "value", "not an integer"],
    ["a forced i8 beyond 64 bits", () => encodeResponse(new XmlRpcI8(2 ** 64)), "value", "outside the 64-bit range"],
    ["a NUL character", () => encodeCall("m", ["ok", { s: "a\u0000" }]), "params[1].s", "U+0000 at index 1"],
    ["a lone surrogate in a name", () => encodeResponse({ "\uD800": 1 }), "value.\uD800", "U+D800"],
    ["a fault message with control characters", () => encodeFault(1, "\u0007"), "faultString", "U+0007"],
    ["undefined", () => encodeResponse([undefined as unknown as XmlRpcValue]), "value[0]", "undefined has no XML-RPC type"],
    ["an undefined member", () => encodeResponse({ a: undefined as unknown as XmlRpcValue }), "value.a", "undefined"],
    ["a function", () => encodeResponse((() => 1) as unknown as XmlRpcValue), "value", "function"],
    ["a class instance", () => encodeResponse(new Vm() as unknown as XmlRpcValue), "value", "a Vm instance"],
    ["a Map", () => encodeResponse(new Map() as unknown as XmlRpcValue), "value", "a Map instance"],
    ["an invalid Date", () => encodeResponse(new Date(NaN)), "value", "invalid Date"],
    ["a Date past year 9999", () => encodeResponse(new Date(Date.UTC(10000, 0, 1))), "value", "year outside"],
    ["a cycle", () => encodeResponse(cyclic), "value[0]", "contains itself"],
    ["nesting past the limit", () => encodeResponse([deep]), "value", "nested deeper than 64"],
  ];
  for (const [name, encode, path, problem] of cases) {
    it(`refuses ${name}, naming where`, () => {
      const error = encodeErrorOf(encode);
      expect(error.code).toBe("XMLRPC_ENCODE");
      expect(error.path?.startsWith(path)).toBe(true);
      expect(error.message).toContain(problem);
    });
  }

  it("allows nesting right up to the limit", () => {
    let value: XmlRpcValue = [];
    for (let i = 0; i < 63; i++) value = [value];
    expect(decodeResponse(encodeResponse(value))).toEqual({ fault: false, value });
  });

  it("allows the same array twice when it is not its own ancestor", () => {
    const shared = [1];
    expect(decodeResponse(encodeResponse([shared, shared]))).toEqual({ fault: false, value: [[1], [1]] });
  });
});
