import { describe, expect, it } from "vitest";
import { decodeCall, decodeResponse } from "../../src/xmlrpc/decode";
import { encodeCall, encodeFault, encodeResponse, encodeValue, formatDoubleG16 } from "../../src/xmlrpc/encode";
import { formatDateTimeXapi } from "../../src/xmlrpc/date-time";
import { EncodedValue, EscapedString, XmlRpcDouble, XmlRpcI4, XmlRpcI8 } from "../../src/xmlrpc/values";

const xapi = { style: "xapi" } as const;

describe("the xapi encoding style", () => {
  it("writes a whole response compactly with xapi's prolog", () => {
    expect(encodeResponse({ Status: "Success", Value: "OpaqueRef:1" }, xapi)).toBe(
      '<?xml version="1.0"?><methodResponse><params><param><value><struct>' +
        "<member><name>Status</name><value>Success</value></member>" +
        "<member><name>Value</name><value>OpaqueRef:1</value></member>" +
        "</struct></value></param></params></methodResponse>",
    );
  });

  it("writes strings untyped and the empty string as an empty value", () => {
    expect(encodeValue("a <b> & c", xapi)).toBe("<value>a &lt;b&gt; &amp; c</value>");
    expect(encodeValue("", xapi)).toBe("<value></value>");
    expect(encodeValue(EscapedString.escape("x&y"), xapi)).toBe("<value>x&amp;y</value>");
  });

  it("writes 64-bit integers as untyped strings and int32 only where asked", () => {
    expect(encodeValue(8589934592, xapi)).toBe("<value>8589934592</value>");
    expect(encodeValue(-1, xapi)).toBe("<value>-1</value>");
    expect(encodeValue(2n ** 62n, xapi)).toBe("<value>4611686018427387904</value>");
    expect(encodeValue(new XmlRpcI8(5), xapi)).toBe("<value>5</value>");
    expect(encodeValue(new XmlRpcI4(7), xapi)).toBe("<value><i4>7</i4></value>");
    expect(() => encodeValue(new XmlRpcI4(2 ** 31), xapi)).toThrow("is not a 32-bit integer");
  });

  it("writes booleans as 1 and 0, doubles as %.16g", () => {
    expect(encodeValue([true, false], xapi)).toBe("<value><array><data><value><boolean>1</boolean></value><value><boolean>0</boolean></value></data></array></value>");
    expect(encodeValue(new XmlRpcDouble(1), xapi)).toBe("<value><double>1</double></value>");
    expect(encodeValue(0.5, xapi)).toBe("<value><double>0.5</double></value>");
    expect(encodeValue(new XmlRpcDouble(123456789.12345679), xapi)).toBe("<value><double>123456789.1234568</double></value>");
  });

  it("prints doubles as C's %.16g does", () => {
    // Expected texts from Python's '%.16g' % x (C's printf underneath).
    const cases: Array<[number, string]> = [
      [0.5, "0.5"],
      [1, "1"],
      [0.1, "0.1"],
      [1 / 3, "0.3333333333333333"],
      [1e20, "1e+20"],
      [1e-5, "1e-05"],
      [1e16, "1e+16"],
      [9999999999999998, "9999999999999998"],
      [0.0001, "0.0001"],
      [1.234e-5, "1.234e-05"],
      [-2.5e-7, "-2.5e-07"],
      [1e15, "1000000000000000"],
      [123.456, "123.456"],
      [2 ** 60, "1.152921504606847e+18"],
      [1e-300, "1e-300"],
      [5e-324, "4.940656458412465e-324"],
      [1.7976931348623157e308, "1.797693134862316e+308"],
      [0, "0"],
      [-0, "-0"],
    ];
    for (const [value, text] of cases) expect(formatDoubleG16(value), String(value)).toBe(text);
  });

  it("writes dateTime.iso8601 as YYYYMMDDTHH:MM:SSZ in whole seconds", () => {
    const date = new Date(Date.UTC(2024, 0, 1, 12, 34, 56, 789));
    expect(encodeValue(date, xapi)).toBe("<value><dateTime.iso8601>20240101T12:34:56Z</dateTime.iso8601></value>");
    expect(formatDateTimeXapi(new Date(0))).toBe("19700101T00:00:00Z");
    expect(formatDateTimeXapi(new Date(Number.NaN))).toBeUndefined();
  });

  it("writes maps and sets without whitespace, empty ones included", () => {
    expect(encodeValue({ a: {}, b: [] }, xapi)).toBe(
      "<value><struct><member><name>a</name><value><struct></struct></value></member>" +
        "<member><name>b</name><value><array><data></data></array></value></member></struct></value>",
    );
  });

  it("splices an encoded value verbatim", () => {
    const cached = encodeValue({ uuid: "u" }, xapi);
    expect(encodeValue({ "OpaqueRef:a": new EncodedValue(cached) }, xapi)).toBe(
      "<value><struct><member><name>OpaqueRef:a</name><value><struct><member><name>uuid</name><value>u</value></member></struct></value></member></struct></value>",
    );
  });

  it("writes calls and faults compactly too, and reads back what it writes", () => {
    const call = encodeCall("VM.start", ["OpaqueRef:s", "OpaqueRef:v", false, true], xapi);
    expect(call).toBe(
      '<?xml version="1.0"?><methodCall><methodName>VM.start</methodName><params>' +
        "<param><value>OpaqueRef:s</value></param><param><value>OpaqueRef:v</value></param>" +
        "<param><value><boolean>0</boolean></value></param><param><value><boolean>1</boolean></value></param>" +
        "</params></methodCall>",
    );
    expect(decodeCall(call)).toEqual({ method: "VM.start", params: ["OpaqueRef:s", "OpaqueRef:v", false, true] });
    const fault = encodeFault(1, "boom", xapi);
    expect(fault).not.toMatch(/>\s+</);
    expect(decodeResponse(fault)).toEqual({ fault: true, code: 1, message: "boom" });
    const response = encodeResponse({ n: 42, f: new XmlRpcDouble(2), d: new Date(Date.UTC(2020, 1, 2)), c: new XmlRpcI4(3) }, xapi);
    expect(decodeResponse(response)).toEqual({ fault: false, value: { n: "42", f: 2, d: new Date(Date.UTC(2020, 1, 2)), c: 3 } });
  });

  it("leaves the default style as it was", () => {
    expect(encodeValue("x")).toBe("<value><string>x</string></value>");
    expect(encodeValue(5)).toBe("<value><i4>5</i4></value>");
    expect(encodeValue(new XmlRpcI4(5))).toBe("<value><i4>5</i4></value>");
    expect(() => encodeResponse(1, { style: "other" as "xapi" })).toThrow("unknown XML-RPC style");
  });
});
