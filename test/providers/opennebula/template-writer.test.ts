import { describe, expect, it } from "vitest";
import { hasErrorCode, isHyperplanError } from "../../../src/errors";
import {
  parseTemplate,
  serializeTemplate,
  templateGet,
  templateMerge,
  TemplateValueError,
  templateVectors,
  type Template,
} from "../../../src/providers/opennebula/template-syntax";

function valueError(template: unknown): TemplateValueError {
  try {
    serializeTemplate(template as Template);
  } catch (error) {
    expect(hasErrorCode(error, "TEMPLATE_VALUE")).toBe(true);
    return error as TemplateValueError;
  }
  throw new Error("expected serializeTemplate to refuse the template");
}

describe("serializeTemplate", () => {
  it("writes one attribute per line and one vector entry per line", () => {
    const t: Template = [
      { name: "NAME", value: "web" },
      { name: "DISK", value: { IMAGE_ID: "3", SIZE: "1024" } },
      { name: "EMPTY", value: "" },
      { name: "NONE", value: {} },
    ];
    expect(serializeTemplate(t)).toBe('NAME = "web"\nDISK = [\n  IMAGE_ID = "3",\n  SIZE = "1024" ]\nEMPTY = ""\nNONE = []\n');
    expect(serializeTemplate([])).toBe("");
  });

  it("escapes quotes and carries backslashes, newlines and brackets as they are", () => {
    const value = 'echo "a\\b" [x] = 1, # not a comment\n  ]]> on a later line';
    const text = serializeTemplate([{ name: "START_SCRIPT", value }]);
    expect(text).toBe(`START_SCRIPT = "${value.replaceAll('"', '\\"')}"\n`);
    expect(parseTemplate(text)).toEqual([{ name: "START_SCRIPT", value }]);
  });

  it("writes a value ending in a backslash without quotes when it can", () => {
    const t: Template = [{ name: "DIR", value: "C:\\dir\\" }, { name: "V", value: { A: "x\\", B: "y" } }];
    const text = serializeTemplate(t);
    expect(text).toBe('DIR = C:\\dir\\\nV = [\n  A = x\\,\n  B = "y" ]\n');
    expect(parseTemplate(text)).toEqual(t);
  });

  it("falls back to XML for values the text syntax cannot carry", () => {
    const t: Template = [
      { name: "A", value: "x]]>y" },
      { name: "B", value: "C:\\Program Files\\" },
      { name: "D", value: { K: "" } },
    ];
    const text = serializeTemplate(t);
    expect(text).toBe("<TEMPLATE><A>x]]&gt;y</A><B><![CDATA[C:\\Program Files\\]]></B><D><K><![CDATA[]]></K></D></TEMPLATE>");
    expect(parseTemplate(text)).toEqual(t);
  });

  it("writes a name starting with XML so that oned does not prefix it", () => {
    const t: Template = [{ name: "XMLRPC_URL", value: "x" }];
    expect(serializeTemplate(t)).toBe('xMLRPC_URL = "x"\n');
    expect(parseTemplate(serializeTemplate(t))).toEqual(t);
    const viaXml: Template = [...t, { name: "B", value: "]]>" }];
    expect(serializeTemplate(viaXml).startsWith("<TEMPLATE><xMLRPC_URL>")).toBe(true);
    expect(parseTemplate(serializeTemplate(viaXml))).toEqual(viaXml);
  });

  it("refuses names oned would misparse or store differently", () => {
    expect(valueError([{ name: "", value: "x" }]).message).toMatch(/the name is empty/);
    expect(valueError([{ name: "A B", value: "x" }]).message).toMatch(/only A-Z, 0-9 and _/);
    expect(valueError([{ name: "A=B", value: "x" }]).message).toMatch(/only A-Z, 0-9 and _/);
    expect(valueError([{ name: "disk", value: "x" }]).message).toMatch(/as "DISK"/);
    expect(valueError([{ name: "1A", value: "x" }]).message).toMatch(/"ONE_1A"/);
    expect(valueError([{ name: "D", value: { size: "1" } }]).message).toMatch(/D\[1\]\."size".*"SIZE"/);
    expect(valueError([{ name: "D", value: { "A-B": "1" } }]).path).toBe('D[1]."A-B"');
  });

  it("refuses a NAME oned would trim or collapse", () => {
    expect(valueError([{ name: "NAME", value: "web " }]).message).toMatch(/strips the white space/);
    expect(valueError([{ name: "NAME", value: "a" }, { name: "NAME", value: "b" }]).message).toMatch(/single NAME/);
    expect(serializeTemplate([{ name: "NAME", value: "" }, { name: "NAME", value: "b" }])).toBe('NAME = ""\nNAME = "b"\n');
  });

  it("refuses values no form can carry, saying why for both", () => {
    expect(valueError([{ name: "A", value: "a\0b" }]).message).toMatch(/NUL/);
    expect(valueError([{ name: "A", value: "\uD800" }]).message).toMatch(/lone UTF-16 surrogate/);
    const both = valueError([
      { name: "A", value: "x]]>y" },
      { name: "B", value: "bell\u0007" },
    ]);
    expect(both.path).toBe("A[1]");
    expect(both.message).toMatch(/"\]\]>" on a single line.*B\[1\] holds character U\+0007/);
    const emptyVector = valueError([{ name: "V", value: {} }, { name: "V", value: { K: "a]]>" } }]);
    expect(emptyVector.message).toMatch(/V\[2\]\.K.*V\[1\] is an empty vector/);
    expect(valueError([{ name: "V", value: { "1K": "]]>" } }]).message).toMatch(/not a valid XML element name/);
  });

  it("refuses malformed input with a clear error", () => {
    expect(valueError("NAME=1").message).toMatch(/array of attributes/);
    expect(valueError([null]).message).toMatch(/#1/);
    expect(valueError([{ name: "A", value: 3 }]).message).toMatch(/number, not a string/);
    expect(valueError([{ name: "A", value: { B: null } }]).message).toMatch(/A\[1\]\.B: the value is null/);
    expect(isHyperplanError(valueError([{ name: 1, value: "x" }]))).toBe(true);
  });
});

describe("template helpers", () => {
  const base: Template = [
    { name: "NAME", value: "web" },
    { name: "DISK", value: { IMAGE_ID: "1" } },
    { name: "LABELS", value: "a" },
    { name: "DISK", value: { IMAGE_ID: "2" } },
    { name: "NAME", value: { NOT: "single" } },
  ];

  it("gets the first single value and the vectors of a name", () => {
    expect(templateGet(base, "NAME")).toBe("web");
    expect(templateGet(base, "DISK")).toBeUndefined();
    expect(templateGet(base, "MISSING")).toBeUndefined();
    expect(templateVectors(base, "DISK")).toEqual([{ IMAGE_ID: "1" }, { IMAGE_ID: "2" }]);
    expect(templateVectors(base, "LABELS")).toEqual([]);
  });

  it("merges as update type 1: a name in the update replaces every attribute of that name", () => {
    const update: Template = [
      { name: "DISK", value: { IMAGE_ID: "9" } },
      { name: "CPU", value: "2" },
    ];
    expect(templateMerge(base, update)).toEqual([
      { name: "NAME", value: "web" },
      { name: "LABELS", value: "a" },
      { name: "NAME", value: { NOT: "single" } },
      { name: "DISK", value: { IMAGE_ID: "9" } },
      { name: "CPU", value: "2" },
    ]);
  });

  it("deletes a name given as an empty vector in a merge", () => {
    expect(templateMerge(base, [{ name: "DISK", value: {} }]).map((a) => a.name)).toEqual(["NAME", "LABELS", "NAME"]);
  });

  it("copies the update's vectors instead of sharing them", () => {
    const update: Template = [{ name: "NIC", value: { NETWORK: "a" } }];
    const merged = templateMerge([], update);
    (merged[0]!.value as Record<string, string>).NETWORK = "b";
    expect(update[0]!.value).toEqual({ NETWORK: "a" });
  });
});
