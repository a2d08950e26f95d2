import { describe, expect, it } from "vitest";
import { hasErrorCode } from "../../../src/errors";
import {
  parseTemplate,
  templateToXml,
  TemplateSyntaxError,
  type Template,
} from "../../../src/providers/opennebula/template-syntax";

function xmlError(text: string): TemplateSyntaxError {
  try {
    parseTemplate(text);
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateSyntaxError);
    expect((error as TemplateSyntaxError).format).toBe("xml");
    return error as TemplateSyntaxError;
  }
  throw new Error(`expected an XML syntax error for ${JSON.stringify(text)}`);
}

describe("XML templates: reading as oned does", () => {
  it("reads CDATA values as pyone sends them", () => {
    const xml =
      "<TEMPLATE><NAME><![CDATA[web]]></NAME><DISK><IMAGE_ID><![CDATA[3]]></IMAGE_ID><SIZE><![CDATA[1024]]></SIZE></DISK>" +
      "<DISK><IMAGE_ID><![CDATA[4]]></IMAGE_ID></DISK></TEMPLATE>";
    expect(parseTemplate(xml)).toEqual<Template>([
      { name: "NAME", value: "web" },
      { name: "DISK", value: { IMAGE_ID: "3", SIZE: "1024" } },
      { name: "DISK", value: { IMAGE_ID: "4" } },
    ]);
  });

  it("decodes entities and character references, merging them into one text value", () => {
    expect(parseTemplate("<T><A>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#65;&#x42;&#128512;</A></T>")).toEqual([
      { name: "A", value: "a <b> & \"c\" 'd' AB😀" },
    ]);
  });

  it("accepts a declaration, comments, processing instructions and pretty-printing", () => {
    const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<!-- made by hand -->\n<TEMPLATE>\n  <CPU>1</CPU>\n  <NIC>\n    <NETWORK>lan</NETWORK>\n  </NIC>\n  <?keep me?>\n</TEMPLATE>\n';
    expect(parseTemplate(xml)).toEqual([
      { name: "CPU", value: "1" },
      { name: "NIC", value: { NETWORK: "lan" } },
    ]);
  });

  it("keeps white-space-only text as a value", () => {
    expect(parseTemplate("<T><A>  </A></T>")).toEqual([{ name: "A", value: "  " }]);
  });

  it("needs an empty CDATA section for an empty value; an empty element is dropped", () => {
    expect(parseTemplate("<T><A><![CDATA[]]></A><B></B><C/><D><E/></D></T>")).toEqual([
      { name: "A", value: "" },
      { name: "D", value: {} },
    ]);
  });

  it("drops an element whose text sits beside a comment or a CDATA section", () => {
    expect(parseTemplate("<T><A>x<!-- c --></A><B><!-- c -->x</B><C>x<![CDATA[y]]></C><D>ok</D></T>")).toEqual([
      { name: "D", value: "ok" },
    ]);
  });

  it("merges adjacent CDATA sections, so ]]> can be split across two", () => {
    expect(parseTemplate("<T><A><![CDATA[a]]]]><![CDATA[>b]]></A></T>")).toEqual([{ name: "A", value: "a]]>b" }]);
  });

  it("normalises line ends, but keeps a carriage return written as a reference", () => {
    expect(parseTemplate("<T><A>x\r\ny\rz</A><B><![CDATA[p\r\nq]]></B><C>r&#13;s</C></T>")).toEqual([
      { name: "A", value: "x\ny\nz" },
      { name: "B", value: "p\nq" },
      { name: "C", value: "r\rs" },
    ]);
  });

  it("upper-cases and prefixes top-level names but keeps sub-attribute names as written", () => {
    expect(parseTemplate("<T><disk><image_id>3</image_id></disk><XMLRPC>1</XMLRPC><xmlrpc>2</xmlrpc><_a>3</_a></T>")).toEqual([
      { name: "DISK", value: { image_id: "3" } },
      { name: "ONE_XMLRPC", value: "1" },
      { name: "XMLRPC", value: "2" },
      { name: "_A", value: "3" },
    ]);
  });

  it("reads a vector entry from its first child only and lets a repeated entry keep its last value", () => {
    expect(
      parseTemplate("<T><D>lead<A>1</A><A>2</A><B>x<!-- c -->y</B><C><!-- c -->z</C><E><F>1</F></E>tail</D></T>"),
    ).toEqual([{ name: "D", value: { A: "2", B: "x" } }]);
  });

  it("ignores the root's name and attributes and keeps an element named __proto__ as data", () => {
    const t = parseTemplate('<VM a="1" b=\'2\'><D><__proto__>x</__proto__></D></VM>');
    expect(t).toHaveLength(1);
    const vector = t[0]!.value as Record<string, string>;
    expect(Object.keys(vector)).toEqual(["__proto__"]);
    expect(vector["__proto__"]).toBe("x");
    expect(Object.getPrototypeOf(vector)).toBe(Object.prototype);
  });

  it("names an element by its local name when its prefix is bound, by the whole name otherwise", () => {
    expect(parseTemplate('<T xmlns:o="urn:x"><o:A>1</o:A><p:B>2</p:B><D><o:C>3</o:C></D></T>')).toEqual([
      { name: "A", value: "1" },
      { name: "P:B", value: "2" },
      { name: "D", value: { C: "3" } },
    ]);
  });

  it("decides XML only on a first character <", () => {
    // Leading white space sends the document to the text reader, where `<` and `>` are dropped.
    expect(() => parseTemplate(" <T><A>1</A></T>")).toThrow(/^template syntax error/);
    expect(parseTemplate(" <A>=1")).toEqual([{ name: "A", value: "1" }]);
  });

  it("trims NAME after reading XML too", () => {
    expect(parseTemplate("<T><NAME>web </NAME><NAME>x</NAME></T>")).toEqual([{ name: "NAME", value: "web" }]);
  });
});

describe("XML templates: malformed documents", () => {
  it("reports a mismatched end tag with its position", () => {
    const error = xmlError("<T>\n  <A>1</B>\n</T>");
    expect([error.line, error.column]).toEqual([2, 9]);
    expect(error.expected).toEqual(["</A>"]);
    expect(hasErrorCode(error, "TEMPLATE_SYNTAX")).toBe(true);
  });

  it("refuses what libxml2 refuses", () => {
    const cases: Array<[string, string]> = [
      ["<T><A>1</A>", "the end of the document"],
      ["<T><A>&nbsp;</A></T>", "entity &nbsp;"],
      ["<T><A>&#0;</A></T>", "a reference to character 0"],
      ["<T><A>&#xZ;</A></T>", "a malformed character reference"],
      ["<T><A>x]]>y</A></T>", '"]]>"'],
      ["<T><!-- a -- b --></T>", '"--"'],
      ["<T><![CDATA[x</T>", "an unterminated CDATA section"],
      ["<T/><U/>", '"<"'],
      ["<T/>text", '"t"'],
      ['<T a="1" a="2"/>', "attribute a again"],
      ['<T a="<"/>', '"<"'],
      ["<T a=1/>", '"1"'],
      ["<T><A>\u0001</A></T>", "character U+0001"],
      ["<!DOCTYPE T><T/>", "a DOCTYPE declaration"],
      ["<T><?xml version='1.0'?></T>", "an XML declaration"],
      ["<T><1A>x</1A></T>", '"1"'],
      ["<", "the end of the document"],
    ];
    for (const [xml, found] of cases) expect(xmlError(xml).found, xml).toBe(found);
  });
});

describe("templateToXml: what oned prints", () => {
  it("sorts attributes by name (stable) and vector entries by key, values in CDATA", () => {
    const t: Template = [
      { name: "NIC", value: { NETWORK: "b", MODEL: "virtio" } },
      { name: "CPU", value: "1" },
      { name: "NIC", value: { NETWORK: "a" } },
      { name: "EMPTY", value: "" },
      { name: "NONE", value: {} },
    ];
    expect(templateToXml(t)).toBe(
      "<TEMPLATE><CPU><![CDATA[1]]></CPU><EMPTY><![CDATA[]]></EMPTY>" +
        "<NIC><MODEL><![CDATA[virtio]]></MODEL><NETWORK><![CDATA[b]]></NETWORK></NIC>" +
        "<NIC><NETWORK><![CDATA[a]]></NETWORK></NIC><NONE></NONE></TEMPLATE>",
    );
    expect(templateToXml([{ name: "A", value: "1" }], "USER_TEMPLATE")).toBe("<USER_TEMPLATE><A><![CDATA[1]]></A></USER_TEMPLATE>");
  });

  it("writes values with ]]> or a carriage return as escaped text, which reads back unchanged", () => {
    const t: Template = [{ name: "A", value: "x]]>y <&> \r\n" }];
    const xml = templateToXml(t);
    expect(xml).toBe("<TEMPLATE><A>x]]&gt;y &lt;&amp;&gt; &#13;\n</A></TEMPLATE>");
    expect(parseTemplate(xml)).toEqual(t);
  });

  it("refuses characters XML cannot carry and names that are not element names", () => {
    expect(() => templateToXml([{ name: "A", value: "bell\u0007" }])).toThrow(/A\[1\]: holds character U\+0007/);
    expect(() => templateToXml([{ name: "D", value: { "1A": "x" } }])).toThrow(/D\[1\]\.1A/);
    expect(() => templateToXml([], "not a name")).toThrow(/root element/);
  });

  it("reads back what it printed, empty vectors excepted (oned's reader drops them)", () => {
    const t: Template = [
      { name: "A", value: "1" },
      { name: "V", value: {} },
      { name: "W", value: { X: "" } },
    ];
    expect(parseTemplate(templateToXml(t))).toEqual([
      { name: "A", value: "1" },
      { name: "W", value: { X: "" } },
    ]);
  });
});
