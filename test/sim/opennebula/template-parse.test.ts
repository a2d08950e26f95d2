import { describe, expect, it } from "vitest";
import { TemplateParseError, attributeName, mergeTemplates, parseOneTemplate } from "../../../src/sim/opennebula/template-parse";
import { withSim } from "./helpers";

const parse = parseOneTemplate;

describe("the simulator's reader of oned's template syntax", () => {
  it("reads single and vector attributes, quoted and unquoted, upper-casing names", () => {
    expect(parse('name = "web 1"\ncpu=1\nDisk = [ image_id = "3", size=10 ]\nNIC=[]\nEMPTY =\nLABELS = "a,b"')).toEqual([
      { name: "NAME", value: "web 1" },
      { name: "CPU", value: "1" },
      { name: "DISK", value: { IMAGE_ID: "3", SIZE: "10" } },
      { name: "NIC", value: {} },
      { name: "EMPTY", value: "" },
      { name: "LABELS", value: "a,b" },
    ]);
  });

  it("keeps repeated attributes, and the first value of a repeated vector key", () => {
    expect(parse('NIC = [ NETWORK_ID = "1", network_id = "2" ]\nNIC = [ NETWORK_ID = "3" ]')).toEqual([
      { name: "NIC", value: { NETWORK_ID: "1" } },
      { name: "NIC", value: { NETWORK_ID: "3" } },
    ]);
  });

  it('unescapes only \\" in values; a quoted value may span lines; comments and stray characters are skipped', () => {
    expect(parse('A = "say \\"hi\\" \\\\n"\n# a comment\nB = "line 1\nline 2"\n  - C = x')).toEqual([
      { name: "A", value: 'say "hi" \\\\n' },
      { name: "B", value: "line 1\nline 2" },
      { name: "C", value: "x" },
    ]);
  });

  it("takes the longest match: a value running into quotes stays unquoted, with its quotes", () => {
    expect(parse('A = "1"x\nB = "2"')).toEqual([
      { name: "A", value: '"1"x' },
      { name: "B", value: "2" },
    ]);
  });

  it("puts ONE_ before names XML would refuse, and trims NAME", () => {
    expect(attributeName("1ST")).toBe("ONE_1ST");
    expect(attributeName("XMLFOO")).toBe("ONE_XMLFOO");
    expect(attributeName("xmlfoo")).toBe("XMLFOO");
    expect(parse('NAME = "web  "\nNAME = "other"\n9LIVES = "x"')).toEqual([
      { name: "NAME", value: "web" },
      { name: "ONE_9LIVES", value: "x" },
    ]);
  });

  it("refuses what oned's grammar refuses, with oned's words", () => {
    expect(() => parse("A = ")).toThrow(TemplateParseError);
    expect(() => parse("A = ")).toThrow(/^Parse error: syntax error, unexpected \$end, expecting OBRACKET or CCDATA or STRING/);
    expect(() => parse("A B")).toThrow("Parse error: syntax error, unexpected VARIABLE, expecting EQUAL or EQUAL_EMPTY at line 1, columns 3:4");
    expect(() => parse("A = [ B ]")).toThrow(/unexpected CBRACKET, expecting EQUAL/);
    expect(() => parse("A = [ B = [ C = 1 ] ]")).toThrow(/unexpected OBRACKET, expecting STRING/);
    expect(() => parse('A = "x]]>"')).toThrow(/^Parse error\.$/);
    // On the line of the opening bracket the whole rest of the line is the CCDATA token; on a later line it is a vector value.
    expect(() => parse('A = [ B = "x]]>" ]')).toThrow(/^Parse error\.$/);
    expect(() => parse('A = [\n B = "x]]>" ]')).toThrow(/unexpected CCDATA, expecting STRING at line 2/);
  });

  it("reads the XML form as rebuild_attributes does", () => {
    expect(
      parse(
        '<TEMPLATE><NAME><![CDATA[web]]></NAME><CPU>1</CPU><DISK>\n  <IMAGE_ID>3</IMAGE_ID>\n  <size><![CDATA[10]]></size><IMAGE_ID>4</IMAGE_ID></DISK><EMPTY></EMPTY><D>a &amp; b &#x41;</D><MIX>a<!--c-->b</MIX></TEMPLATE>',
      ),
    ).toEqual([
      { name: "NAME", value: "web" },
      { name: "CPU", value: "1" },
      { name: "DISK", value: { IMAGE_ID: "4", size: "10" } },
      { name: "D", value: "a & b A" },
    ]);
    expect(() => parse("<TEMPLATE><A>1</B></TEMPLATE>")).toThrow("Parse error: XML Template malformed.");
    expect(() => parse("<TEMPLATE><A>&nbsp;</A></TEMPLATE>")).toThrow("Parse error: XML Template malformed.");
    expect(parse("")).toEqual([]);
  });

  it("trims the first SINGLE NAME and removes every other NAME, vector or not (Template::get skips a vector)", () => {
    expect(parse('NAME = [ X = 1 ]\nA = 1\nNAME = "web \t"\nNAME = [ Y = 2 ]')).toEqual([
      { name: "NAME", value: "web" },
      { name: "A", value: "1" },
    ]);
    expect(parse('NAME = [ X = 1 ]\nNAME = ""')).toEqual([
      { name: "NAME", value: { X: "1" } },
      { name: "NAME", value: "" },
    ]);
  });

  it("builds libxml2's tree from XML: adjacent CDATA sections are one node, references join the text", () => {
    expect(parse("<T><A><![CDATA[x]]><![CDATA[y]]></A><B>a&amp;&#x42;<![CDATA[c]]></B><C>&lt;&#67;</C></T>")).toEqual([
      { name: "A", value: "xy" },
      { name: "C", value: "<C" },
    ]);
  });

  it("names XML attributes as libxml2 and Attribute do: non-ASCII names, ASCII-only upper-casing, bound prefixes dropped", () => {
    expect(parse('<T xmlns:a="urn:a" xmlns:e=""><é>1</é><aß>2</aß><a:B>3</a:B><c:D>4</c:D><e:F>5</e:F><V><a:k>6</a:k></V></T>')).toEqual([
      { name: "ONE_é", value: "1" },
      { name: "Aß", value: "2" },
      { name: "B", value: "3" },
      { name: "C:D", value: "4" },
      { name: "E:F", value: "5" },
      { name: "V", value: { k: "6" } },
    ]);
    const [proto] = parse("<T><V><__proto__>p</__proto__></V></T>");
    expect(Object.getOwnPropertyDescriptor(proto!.value, "__proto__")?.value).toBe("p");
  });

  it.each([
    ["a character XML does not allow", "<T><A>\u0001</A></T>"],
    ["a reference to one", "<T><A>&#xD800;</A></T>"],
    ["an undeclared entity", "<T><A>&nbsp;</A></T>"],
    ["-- in a comment", "<T><!-- a -- b --></T>"],
    ["an attribute given twice", '<T><A k="1" k="2">1</A></T>'],
    ["an XML declaration not at the start", '<T><?xml version="1.0"?></T>'],
    ["a PI target xml in another case", "<T><?XmL x?></T>"],
    ["an XML declaration without its version first", '<?xml encoding="UTF-8" version="1.0"?><T/>'],
    ["an XML declaration of version 2.0", '<?xml version="2.0"?><T/>'],
    ["a DOCTYPE with an internal subset (not simulated)", "<!DOCTYPE T [<!ENTITY e 'v'>]><T>&e;</T>"],
  ])("refuses XML libxml2 refuses: %s", (_what, xml) => {
    expect(() => parse(xml)).toThrow(new TemplateParseError("Parse error: XML Template malformed."));
  });

  it("accepts the XML libxml2 accepts around a template", () => {
    expect(parse('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!DOCTYPE TEMPLATE>\n<!-- c --><?pi x?><TEMPLATE><?xml-stylesheet x?><A k=\'&amp;\'>1</A ></TEMPLATE>\n')).toEqual([{ name: "A", value: "1" }]);
  });

  it("merges as Template::merge: names in the update replace, empty vectors delete", () => {
    const base = parse('A = 1\nNIC = [ X = 1 ]\nNIC = [ X = 2 ]\nB = 2');
    expect(mergeTemplates(base, parse("NIC = [ X = 3 ]\nB = []\nC = 4"))).toEqual([
      { name: "A", value: "1" },
      { name: "NIC", value: { X: "3" } },
      { name: "C", value: "4" },
    ]);
  });

  it("answers a template oned cannot parse with INTERNAL and the parser's words", async () => {
    await withSim({ delays: "instant" }, async (one) => {
      expect(await one.fail("one.template.allocate", "NAME")).toMatchObject({
        code: 0x2000,
        message: "[one.template.allocate] Parse error: syntax error, unexpected $end, expecting EQUAL or EQUAL_EMPTY at line 1, columns 1:5",
      });
    });
  });
});
