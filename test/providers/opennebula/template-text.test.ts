import { describe, expect, it } from "vitest";
import { hasErrorCode } from "../../../src/errors";
import {
  normalizeTemplateName,
  parseTemplate,
  TemplateSyntaxError,
  type Template,
} from "../../../src/providers/opennebula/template-syntax";

function syntaxError(text: string): TemplateSyntaxError {
  try {
    parseTemplate(text);
  } catch (error) {
    expect(hasErrorCode(error, "TEMPLATE_SYNTAX")).toBe(true);
    return error as TemplateSyntaxError;
  }
  throw new Error(`expected a syntax error for ${JSON.stringify(text)}`);
}

describe("text syntax: values", () => {
  it("reads single and vector attributes, repeated names kept in order", () => {
    const t = parseTemplate('NAME = "web"\nDISK = [ IMAGE_ID = "3", SIZE = "1024" ]\nDISK = [ IMAGE_ID = "4" ]\n');
    expect(t).toEqual<Template>([
      { name: "NAME", value: "web" },
      { name: "DISK", value: { IMAGE_ID: "3", SIZE: "1024" } },
      { name: "DISK", value: { IMAGE_ID: "4" } },
    ]);
  });

  it("reads unquoted values up to a blank, comma, bracket, = or #", () => {
    expect(parseTemplate("CPU = 0.5\nMEMORY=512\n")).toEqual([
      { name: "CPU", value: "0.5" },
      { name: "MEMORY", value: "512" },
    ]);
    expect(parseTemplate("NIC = [ NETWORK = net-1,MODEL=virtio]")).toEqual([{ name: "NIC", value: { NETWORK: "net-1", MODEL: "virtio" } }]);
    expect(parseTemplate('A = say"hi"')).toEqual([{ name: "A", value: 'say"hi"' }]);
  });

  it("keeps newlines, brackets, commas, = and # inside quoted values", () => {
    const value = "line 1\nline 2, [x] = # not a comment";
    expect(parseTemplate(`A = "${value}"`)).toEqual([{ name: "A", value }]);
  });

  it("treats \\\" as the only escape and keeps every other backslash", () => {
    expect(parseTemplate('A = "say \\"hi\\""')).toEqual([{ name: "A", value: 'say "hi"' }]);
    expect(parseTemplate('A = "C:\\\\dir\\n"')).toEqual([{ name: "A", value: "C:\\\\dir\\n" }]);
    // The unescape runs on unquoted values too.
    expect(parseTemplate('A = x\\"y')).toEqual([{ name: "A", value: 'x"y' }]);
  });

  it("lets a value ending in a backslash run on to the next unescaped quote (longest match)", () => {
    // The quote after the backslash does not close A: the next quote not preceded by one does.
    expect(parseTemplate('A = "x\\" B = "\nC = "1"\n')).toEqual([
      { name: "A", value: 'x" B = ' },
      { name: "C", value: "1" },
    ]);
    // With no quote after it, the last quote closes the value and the backslash stays.
    expect(parseTemplate('A = "x\\"')).toEqual([{ name: "A", value: "x\\" }]);
    expect(parseTemplate('A = "\\"')).toEqual([{ name: "A", value: "\\" }]);
  });

  it("reads `NAME =` followed by a newline as an empty value, and [] as an empty vector", () => {
    expect(parseTemplate('A =\nB = ""\nC = []\nD = [\n]\n')).toEqual([
      { name: "A", value: "" },
      { name: "B", value: "" },
      { name: "C", value: {} },
      { name: "D", value: {} },
    ]);
  });

  it("keeps the first of repeated sub-attributes", () => {
    expect(parseTemplate('D = [ A = "1", a = "2", A = "3" ]')).toEqual([{ name: "D", value: { A: "1" } }]);
  });

  it("reads an empty or blank template as no attributes", () => {
    expect(parseTemplate("")).toEqual([]);
    expect(parseTemplate(" \n\t\n")).toEqual([]);
    expect(parseTemplate("# only a comment\n")).toEqual([]);
  });
});

describe("text syntax: names", () => {
  it("upper-cases names and sub-attribute names", () => {
    expect(parseTemplate('name = "x"\ndisk = [ image_id = "3" ]')).toEqual([
      { name: "NAME", value: "x" },
      { name: "DISK", value: { IMAGE_ID: "3" } },
    ]);
  });

  it("prefixes ONE_ to names starting with a digit or an upper-case XML, not to sub-attributes", () => {
    expect(parseTemplate('1A = "x"\nXMLRPC = "y"\nxmlrpc = "z"\n_A = "w"\nV = [ 1B = "v" ]')).toEqual([
      { name: "ONE_1A", value: "x" },
      { name: "ONE_XMLRPC", value: "y" },
      { name: "XMLRPC", value: "z" },
      { name: "_A", value: "w" },
      { name: "V", value: { "1B": "v" } },
    ]);
  });

  it("normalizes names as the Attribute constructor does", () => {
    expect(normalizeTemplateName("disk")).toBe("DISK");
    expect(normalizeTemplateName("9lives")).toBe("ONE_9LIVES");
    expect(normalizeTemplateName("XMLfoo")).toBe("ONE_XMLFOO");
    expect(normalizeTemplateName("xmlfoo")).toBe("XMLFOO");
    expect(normalizeTemplateName("_x")).toBe("_X");
    expect(normalizeTemplateName("ab-é")).toBe("AB-é");
    expect(normalizeTemplateName("été")).toBe("ONE_éTé");
    expect(normalizeTemplateName("é")).toBe("ONE_é");
    expect(normalizeTemplateName("")).toBe("");
  });
});

describe("text syntax: oned's scanner quirks", () => {
  it("skips comments that end with a newline, also after a value and inside a vector", () => {
    expect(parseTemplate('# head\nA = "1" # tail\nD = [ X = "1", # note\n Y = "2" ]\n')).toEqual([
      { name: "A", value: "1" },
      { name: "D", value: { X: "1", Y: "2" } },
    ]);
  });

  it("does not treat a # on a last line without newline as a comment", () => {
    const error = syntaxError('A = "1"\n# no newline');
    expect(error.line).toBe(2);
  });

  it("drops characters no scanner rule matches, as flex's default rule does", () => {
    // `"`, `-`, `<`, `.` between attributes are echoed by flex and otherwise ignored.
    expect(parseTemplate('"A" = "1"\n-B- = 2\n')).toEqual([
      { name: "A", value: "1" },
      { name: "B", value: "2" },
    ]);
    // In a value position, a stray `=` or `,` is skipped before the value.
    expect(parseTemplate("A = =x\nB = ,y\nC = # z\n")).toEqual([
      { name: "A", value: "x" },
      { name: "B", value: "y" },
      { name: "C", value: "z" },
    ]);
  });

  it("reads CRLF line ends into the values: the carriage return extends an unquoted run", () => {
    // `"2"\r` is a longer match for the unquoted rule than `"2"` is for the quoted one.
    expect(parseTemplate('A = 1\r\nB = "2"\r\nC = [ D = "3"\r\n]\r\n')).toEqual([
      { name: "A", value: "1\r" },
      { name: "B", value: '"2"\r' },
      { name: "C", value: { D: '"3"\r' } },
    ]);
    // A carriage return where an attribute may start is dropped.
    expect(parseTemplate('A = "1"\n\r\nB = "2"\n')).toEqual([
      { name: "A", value: "1" },
      { name: "B", value: "2" },
    ]);
  });

  it("prefers a longer unquoted run over a shorter quoted string", () => {
    expect(parseTemplate('A = "x"y\n')).toEqual([{ name: "A", value: '"x"y' }]);
  });

  it("refuses a value with ]]> on its first line, quoted or not", () => {
    for (const text of ['A = "x]]>y"\n', "A = x]]>y\n", 'A = "a" ]]>\n', 'D = [ X = "a]]>" ]\n']) {
      expect(syntaxError(text).found).toContain("]]>");
    }
  });

  it("accepts ]]> after a newline inside a quoted value", () => {
    expect(parseTemplate('A = "first\nx]]>y"\n')).toEqual([{ name: "A", value: "first\nx]]>y" }]);
    expect(parseTemplate('A = "x]]>\ny"\n')).toEqual([{ name: "A", value: "x]]>\ny" }]);
  });
});

describe("text syntax: errors", () => {
  it("reports line, column, what was expected and what was found", () => {
    const error = syntaxError('A = "1"\nB = [ C = "1" D = "2" ]');
    expect(error).toBeInstanceOf(TemplateSyntaxError);
    expect(error.code).toBe("TEMPLATE_SYNTAX");
    expect([error.line, error.column]).toEqual([2, 15]);
    expect(error.expected).toEqual(['"," or "]" in B']);
    expect(error.found).toBe("name D");
    expect(error.message).toBe('template syntax error at line 2, column 15: expected "," or "]" in B, found name D');
  });

  it("refuses a name without =, a missing value, nested vectors and an unterminated vector", () => {
    expect(syntaxError("A B = 1").expected).toEqual(['"=" after A']);
    expect(syntaxError("A =").found).toBe("the end of the template");
    expect(syntaxError("A = [ B = [ C = 1 ] ]").expected).toEqual(["a value for A/B"]);
    expect(syntaxError('A = [ B = "1"').expected).toEqual(['"," or "]" in A']);
    expect(syntaxError("A = [ B =\n ]").expected).toEqual(['a value for A/B on the line of its "="']);
    expect(syntaxError("= 1").expected).toEqual(["an attribute name", "the end of the template"]);
    expect(syntaxError("A = [ , ]").expected).toEqual(["a sub-attribute name in A"]);
  });

  it("counts lines and columns from 1", () => {
    const error = syntaxError("\n\n   ]");
    expect([error.line, error.column]).toEqual([1, 1]);
    const later = syntaxError('A = "1"\n\n  B C');
    expect([later.line, later.column]).toEqual([3, 5]);
  });
});

describe("text syntax: NAME trimming", () => {
  it("strips trailing white space from NAME and keeps a single NAME, as trim_name does", () => {
    expect(parseTemplate('NAME = "web \t\n"\nCPU = 1\nNAME = "other"\n')).toEqual([
      { name: "NAME", value: "web" },
      { name: "CPU", value: "1" },
    ]);
  });

  it("leaves an empty NAME and vector NAMEs alone, and can be turned off", () => {
    expect(parseTemplate('NAME = ""\nNAME = "x "')).toEqual([
      { name: "NAME", value: "" },
      { name: "NAME", value: "x " },
    ]);
    expect(parseTemplate('NAME = [ A = "1" ]')).toEqual([{ name: "NAME", value: { A: "1" } }]);
    expect(parseTemplate('NAME = "x "', { trimName: false })).toEqual([{ name: "NAME", value: "x " }]);
  });
});
