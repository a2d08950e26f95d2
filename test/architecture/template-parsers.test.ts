/**
 * The two readers of oned's template syntax, run side by side: the client's
 * (`src/providers/opennebula/template-syntax.ts`) and the simulator's own
 * (`src/sim/opennebula/template-parse.ts`, with `xml-reader.ts`), which `boundaries.test.ts` keeps
 * apart on purpose. Both claim to read a template exactly as oned does, so on the same input they
 * must make the same attributes, or one of them is wrong about oned.
 *
 * Compared: whether the template is accepted, and then every attribute in order — its name, a
 * single value or a vector's sub-attributes, repeated names included. Normalised away, as mere
 * representation: the wording of errors (each side has its own), and the order of a vector's keys
 * (oned holds them in a `std::map`; a JavaScript object lists integer-like keys first).
 *
 * Each case below also says what oned makes of it (from `template_parser.l`, `template_syntax.y`,
 * `Template.cc`, `Attribute.h` and libxml2), so agreement is not enough: both must be right. Where
 * the readers were found to disagree, oned's sources decided; the simulator was fixed
 * (SPEC.md, "Template parameters"), and the client's remaining departures are pinned in
 * CLIENT_DEPARTURES so a change on either side is noticed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseTemplate, serializeTemplate, templateToXml, type Template as ClientTemplate } from "../../src/providers/opennebula/template-syntax";
import { parseOneTemplate, TemplateParseError } from "../../src/sim/opennebula/template-parse";
import { hasErrorCode } from "../../src/errors";

type Attribute = [name: string, value: string | [key: string, value: string][]];
type Reading = Attribute[] | "refused";

function normalise(template: readonly { name: string; value: string | Record<string, string> }[]): Attribute[] {
  return template.map(({ name, value }) => [
    name,
    typeof value === "string" ? value : Object.keys(value).sort().map((key): [string, string] => [key, value[key]!]),
  ]);
}

/** The client's reading; a refusal is its TemplateSyntaxError, anything else thrown is a bug. */
function clientReads(text: string): Reading {
  try {
    return normalise(parseTemplate(text));
  } catch (error) {
    if (hasErrorCode(error, "TEMPLATE_SYNTAX")) return "refused";
    throw error;
  }
}

/** The simulator's reading; a refusal is its TemplateParseError (oned's "Parse error…"), anything else a bug. */
function simulatorReads(text: string): Reading {
  try {
    return normalise(parseOneTemplate(text));
  } catch (error) {
    if (error instanceof TemplateParseError) return "refused";
    throw error;
  }
}

function readings(text: string): { client: Reading; simulator: Reading } {
  return { client: clientReads(text), simulator: simulatorReads(text) };
}

const single = (name: string, value: string): Attribute => [name, value];
const vector = (name: string, entries: Record<string, string>): Attribute => [name, Object.keys(entries).sort().map((k): [string, string] => [k, entries[k]!])];

/** Hand-written texts in oned's text syntax, each with what oned makes of it and the rule that says so. */
const TEXT_CASES: [name: string, text: string, oned: Reading][] = [
  ["comments, on their own line and after a value", "# header\nA = 1 # trailing\n  # indented\nB = 2\n", [single("A", "1"), single("B", "2")]],
  // `[[:blank:]]*#.*\n` needs its newline: on the last line `#` is an unmatched character, skipped, and the words after it are names.
  ["a # on a last line without a newline is no comment", "A = 1\n# no newline", "refused"],
  ["a # between = and the value is dropped", "A = # x\n", [single("A", "x")]],
  // STRING `[^=#[:blank:]\n,\[\]]+` takes the CR and the quotes: one character longer than the quoted rule.
  ["CRLF line ends make unquoted values that keep their quotes and the CR", 'A = "1"\r\nB = 2\r\n', [single("A", '"1"\r'), single("B", "2\r")]],
  ["CRLF inside a vector", 'D = [\r\n  A = "1",\r\n  B = 2\r\n]\r\n', [vector("D", { A: "1", B: "2\r" })]],
  ["unquoted values run to a blank, = # , [ ] or a newline", "CPU = 0.5\nLABELS = a/b:c;d\nX = 1 Y = 2", [single("CPU", "0.5"), single("LABELS", "a/b:c;d"), single("X", "1"), single("Y", "2")]],
  ["quoted values keep = , [ ] # and blanks", 'A = "a=b, [c] #d\te"', [single("A", "a=b, [c] #d\te")]],
  ['only \\" is an escape; \\\\ and \\n stay as written', 'A = "say \\"hi\\" \\\\n"', [single("A", 'say "hi" \\\\n')]],
  ["a quoted value may span lines", 'A = "line 1\nline 2"\nB = x', [single("A", "line 1\nline 2"), single("B", "x")]],
  // The quoted rule's longest match runs through the escaped quote to the opening quote of the next value.
  ["a value ending in a backslash swallows the next attribute", 'A = "C:\\dir\\"\nB = "x"\n', "refused"],
  ["a value ending in a backslash is fine when no quote follows", 'A = "C:\\dir\\"', [single("A", "C:\\dir\\")]],
  // `.*]]>.*` (CCDATA) beats a quoted value ending on that line; the grammar aborts without a message.
  ["]]> in a value on its first line is refused", 'A = "x]]>"', "refused"],
  ["]]> after a newline inside a quoted value is kept", 'A = "x\n]]>"', [single("A", "x\n]]>")]],
  ["]]> in a vector on the line of its [ is refused", 'A = [ B = "x]]>" ]', "refused"],
  ["names are upper-cased; ONE_ goes before a digit or an upper-case XML start", "1ST = a\n_under = b\nxmlish = c\nXMLish = d\ncpu = e\n", [single("ONE_1ST", "a"), single("_UNDER", "b"), single("XMLISH", "c"), single("ONE_XMLISH", "d"), single("CPU", "e")]],
  ["sub-attribute names are upper-cased but never prefixed", "disk = [ image_id = 3, Size = 10, 1st = x, xmlA = y ]", [vector("DISK", { IMAGE_ID: "3", SIZE: "10", "1ST": "x", XMLA: "y" })]],
  ["repeated attributes stay; a repeated sub-attribute keeps its first value", "NIC = [ A = 1, a = 2 ]\nNIC = [ A = 3 ]\nX = 1\nX = 2", [vector("NIC", { A: "1" }), vector("NIC", { A: "3" }), single("X", "1"), single("X", "2")]],
  ["empty values: = then a newline, empty quotes, an empty vector", 'A =\nB = ""\nC = []\nD = [ ]\n', [single("A", ""), single("B", ""), vector("C", {}), vector("D", {})]],
  ["= then a newline inside a vector is a syntax error", "V = [ A =\n 1 ]", "refused"],
  ["a nested vector is a syntax error", "A = [ B = [ C = 1 ] ]", "refused"],
  ["an unquoted value holding = is a syntax error", "A = a=b", "refused"],
  ["a vector entry without a value is a syntax error", "A = [ B ]", "refused"],
  ["characters no rule matches are skipped", '- A = 1\n"B" = 2\n@C=3', [single("A", "1"), single("B", "2"), single("C", "3")]],
  ["a comment inside a vector", "V = [\n  # the disk\n  A = 1,\n  B = 2 ]", [vector("V", { A: "1", B: "2" })]],
  ["only blanks and comments", "\n  # nothing\n\t\n", []],
  ["the empty text", "", []],
  ["multi-byte characters in values, quoted or not", 'A = "héllo wörld 😀"\nB = 日本', [single("A", "héllo wörld 😀"), single("B", "日本")]],
  ["a non-ASCII letter in a name is skipped, leaving a syntax error", "é = 1", "refused"],
  ["NAME is trimmed and kept once (trim_name)", 'NAME = "web \t"\nNAME = other', [single("NAME", "web")]],
  // `Template::get` looks for the first SINGLE NAME (`__get<SingleAttribute>` skips a vector).
  ["trim_name skips a vector NAME to find the value, then removes every NAME", 'NAME = [ X = 1 ]\nNAME = "web  "\nA = 1', [single("NAME", "web"), single("A", "1")]],
  ["an empty first NAME is not trimmed: every NAME stays", 'NAME = ""\nNAME = "b "', [single("NAME", ""), single("NAME", "b ")]],
];

/** Hand-written XML templates (oned reads XML when the first character is `<`). */
const XML_CASES: [name: string, text: string, oned: Reading][] = [
  ["oned's own printed form", "<TEMPLATE><CPU><![CDATA[1]]></CPU><DISK><IMAGE_ID><![CDATA[3]]></IMAGE_ID><SIZE><![CDATA[]]></SIZE></DISK></TEMPLATE>", [single("CPU", "1"), vector("DISK", { IMAGE_ID: "3", SIZE: "" })]],
  ["a declaration, comments, PIs and white space around the root", '<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><?pi x?>\n<TEMPLATE><A>1</A></TEMPLATE>\n<!-- after -->', [single("A", "1")]],
  ["references and text make one text node", "<T><A>a &amp; b &#x41;&#66;&lt;&gt;&apos;&quot;</A></T>", [single("A", "a & b AB<>'\"")]],
  // libxml2's xmlSAX2Text appends to a last child of the same type, CDATA included.
  ["adjacent CDATA sections make one node", "<T><A><![CDATA[x]]><![CDATA[y]]></A></T>", [single("A", "xy")]],
  ["text beside CDATA, a comment or a PI is no single value and no vector: dropped", "<T><A>x<![CDATA[y]]></A><B>a<!--c-->b</B><C>1<?p x?></C></T>", []],
  ["an empty element is dropped; an empty CDATA section is an empty value", "<T><A></A><B/><C><![CDATA[]]></C></T>", [single("C", "")]],
  ["vector keys keep their case; a repeated key keeps its last value", "<T><disk><image_id>1</image_id><image_id>2</image_id></disk></T>", [vector("DISK", { image_id: "2" })]],
  ["white space between vector entries is kept and ignored", "<T><D>\n  <A>1</A>\n  <B><![CDATA[2]]></B>\n</D></T>", [vector("D", { A: "1", B: "2" })]],
  ["a vector entry whose first child is not text is left out", "<T><D><A><B>1</B></A><C>2</C><E/></D></T>", [vector("D", { C: "2" })]],
  ["CR LF and lone CR become LF, in CDATA too", "<T><A>x\r\ny</A><B><![CDATA[p\rq]]></B></T>", [single("A", "x\ny"), single("B", "p\nq")]],
  // one_util::toupper is std::toupper per byte in the C locale; Attribute.h puts ONE_ before a name not starting with isalpha or _.
  ["non-ASCII element names: only ASCII letters upper-cased, ONE_ before a non-ASCII start", "<T><é>1</é><aé>2</aé><ß>3</ß></T>", [single("ONE_é", "1"), single("Aé", "2"), single("ONE_ß", "3")]],
  ["ONE_ before an upper-case XML start only", "<T><XMLRPC>1</XMLRPC><xmlrpc>2</xmlrpc><_x>3</_x></T>", [single("ONE_XMLRPC", "1"), single("XMLRPC", "2"), single("_X", "3")]],
  // libxml2 names an element by its local part when the prefix is bound, by the whole QName when not.
  ["namespace prefixes: bound ones dropped, unbound ones kept", '<T xmlns:a="urn:a"><a:B>1</a:B><c:D>2</c:D><xml:E>3</xml:E><V><a:K>4</a:K></V></T>', [single("B", "1"), single("C:D", "2"), single("E", "3"), vector("V", { K: "4" })]],
  ["vector keys named like Object.prototype's properties", "<T><V><__proto__>p</__proto__><constructor>c</constructor></V></T>", [["V", [["__proto__", "p"], ["constructor", "c"]]]]],
  ["attributes are read and ignored", "<TEMPLATE id=\"1\"><A k='v' j=\"&amp;\">1</A></TEMPLATE>", [single("A", "1")]],
  ["NAME is trimmed in XML too", "<T><NAME>web \n</NAME><NAME>x</NAME></T>", [single("NAME", "web")]],
  ["a character XML does not allow", "<T><A>\u0001</A></T>", "refused"],
  ["a reference to a character XML does not allow", "<T><A>&#1;</A><B>&#xD800;</B></T>", "refused"],
  ["an entity no DTD declares", "<T><A>&nbsp;</A></T>", "refused"],
  ["]]> in character data", "<T><A>a]]>b</A></T>", "refused"],
  ["-- in a comment", "<T><!-- a -- b --><A>1</A></T>", "refused"],
  ["an end tag that does not match", "<T><A>1</B></T>", "refused"],
  ["an attribute given twice", '<T><A k="1" k="2">1</A></T>', "refused"],
  ["< in an attribute value", '<T><A k="<">1</A></T>', "refused"],
  ["content after the root element", "<T/>x", "refused"],
  ["a second root element", "<T/><U/>", "refused"],
  ["an XML declaration not at the start", '<T><?xml version="1.0"?></T>', "refused"],
  ["an unclosed document", "<T><A>1</A>", "refused"],
];

/**
 * Where the client reads differently from oned, and the simulator follows oned: not fixed here (the
 * client is not this test's to change), pinned so that a fix on either side is noticed.
 */
const CLIENT_DEPARTURES: [name: string, text: string, oned: Reading, client: Reading, rule: string][] = [
  [
    "a DOCTYPE without an internal subset",
    "<!DOCTYPE TEMPLATE><TEMPLATE><A>1</A></TEMPLATE>",
    [single("A", "1")],
    "refused",
    "XML 1.0 [28] allows a doctypedecl in the prolog and libxml2's xmlParseMemory reads it (loading no external DTD); the client refuses every DOCTYPE by choice (template-syntax.ts: 'hyperplan refuses a DOCTYPE')",
  ],
  [
    "an XML declaration whose version is not 1.x",
    '<?xml version="2.0"?><T><A>1</A></T>',
    "refused",
    [single("A", "1")],
    "libxml2 xmlParseXMLDecl, XML 1.0 fifth edition: a version not starting with '1.' is fatal (XML_ERR_UNKNOWN_VERSION)",
  ],
  [
    "an XML declaration that does not start with its version",
    '<?xml encoding="UTF-8" version="1.0"?><T><A>1</A></T>',
    "refused",
    [single("A", "1")],
    "XML 1.0 [23] XMLDecl ::= '<?xml' VersionInfo EncodingDecl? SDDecl? S? '?>'; libxml2: XML_ERR_VERSION_MISSING is fatal",
  ],
  [
    "an XML declaration with an unknown pseudo-attribute",
    '<?xml version="1.0" foo="bar"?><T><A>1</A></T>',
    "refused",
    [single("A", "1")],
    "XML 1.0 [23]; libxml2: \"parsing XML declaration: '?>' expected\" (XML_ERR_XMLDECL_NOT_FINISHED) is fatal",
  ],
  [
    "an XML declaration with standalone neither yes nor no",
    '<?xml version="1.0" standalone="maybe"?><T><A>1</A></T>',
    "refused",
    [single("A", "1")],
    "XML 1.0 [32] SDDecl takes 'yes' or 'no'; libxml2 xmlParseSDDecl: XML_ERR_STANDALONE_VALUE is fatal",
  ],
  [
    "xmlns:p=\"\" binds nothing, so p: stays in the name",
    '<T xmlns:a=""><a:B>1</a:B></T>',
    [single("A:B", "1")],
    [single("B", "1")],
    "Namespaces in XML 1.0 cannot undeclare a prefix; libxml2 xmlParseStartTag2 reports 'xmlns:a: Empty XML namespace is not allowed' and skips the declaration (goto next_attr), so the prefix is unbound and the node keeps its QName",
  ],
];

describe("the client's and the simulator's template readers", () => {
  describe("on hand-written texts in oned's syntax", () => {
    it.each(TEXT_CASES)("agree with each other and with oned: %s", (_name, text, oned) => {
      expect(readings(text)).toEqual({ client: oned, simulator: oned });
    });
  });

  describe("on hand-written XML templates", () => {
    it.each(XML_CASES)("agree with each other and with oned: %s", (_name, text, oned) => {
      expect(readings(text)).toEqual({ client: oned, simulator: oned });
    });
  });

  describe("where the client departs from oned", () => {
    it.each(CLIENT_DEPARTURES)("the simulator follows oned and the client still departs: %s", (_name, text, oned, client, rule) => {
      expect(simulatorReads(text), rule).toEqual(oned);
      // When this fails the client was changed: if it now reads as oned, move the case to XML_CASES.
      expect(clientReads(text), `the client's known departure (${rule})`).toEqual(client);
    });
  });

  // --------------------------------------------------------------------------- generated inputs

  const TRICKY = ['"', "\\", '\\"', "]", "[", "=", ",", "#", "\n", "\r\n", "\r", "\t", " ", "é", "😀", "€", "", "]]>", "<", "&", "&amp;", "$NAME", "\u2028", "\uFFFD"];
  const valueArb = fc.array(fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...TRICKY) }, { weight: 1, arbitrary: fc.string({ maxLength: 3 }) }), { maxLength: 6 }).map((parts) => parts.join(""));
  // A small pool of names, so that names repeat; XML* names test the writer's lower-case x.
  const topNameArb = fc.oneof(fc.constantFrom("NAME", "DISK", "NIC", "CONTEXT", "XMLRPC", "XML", "_X", "A", "CPU"), fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,4}$/));
  const subNameArb = fc.oneof(fc.constantFrom("IMAGE_ID", "SIZE", "1ST", "A", "B"), fc.stringMatching(/^[A-Z0-9_]{1,4}$/));
  const templateArb = fc.array(fc.record({ name: topNameArb, value: fc.oneof(valueArb, fc.dictionary(subNameArb, valueArb, { maxKeys: 4 })) }), { maxLength: 6 });
  const RUNS = { seed: 20_260_115, numRuns: 300 };

  it("read back alike, and as written, whatever the client's writer produces (text or XML)", () => {
    let written = 0;
    fc.assert(
      fc.property(templateArb, (template) => {
        let text: string;
        try {
          text = serializeTemplate(template as ClientTemplate);
        } catch (error) {
          // A template oned could not read back as given (a repeated NAME, a value neither form can carry).
          if (hasErrorCode(error, "TEMPLATE_VALUE")) return;
          throw error;
        }
        written++;
        const both = readings(text);
        expect(both.simulator, text).toEqual(both.client);
        expect(both.client, text).toEqual(normalise(template));
      }),
      RUNS,
    );
    expect(written).toBeGreaterThan(RUNS.numRuns / 2);
  });

  it("read alike what oned prints (Template::to_xml) for generated templates", () => {
    fc.assert(
      fc.property(templateArb, (template) => {
        let printed: string;
        try {
          printed = templateToXml(template as ClientTemplate);
        } catch (error) {
          // A sub-attribute name that is no XML element name (1ST): oned would print malformed XML.
          if (hasErrorCode(error, "TEMPLATE_VALUE")) return;
          throw error;
        }
        const both = readings(printed);
        expect(both.simulator, printed).toEqual(both.client);
      }),
      RUNS,
    );
  });

  // Fragments of oned's text syntax, glued at random: the scanner's corners (longest match, CCDATA,
  // EQUAL_EMPTY, skipped characters) meet far more often than in written templates.
  const TEXT_PIECES = ["NAME", "A", "disk", "1X", "XML", "_", " = ", "=", "=\n", " =\t\n", "[", " [ ", "]", " ] ", ",", ", ", "\n", "\r\n", '"', '\\"', "\\", "a b", "x]]>y", "]]>", "#", "# c\n", "\t", "é", "😀", "<", "&", '"v"', "NAME = [ A = 1 ]\n", 'NAME = "n  "\n', "-"];
  const textSoup = fc.array(fc.constantFrom(...TEXT_PIECES), { maxLength: 20 }).map((parts) => parts.join(""));

  it("read alike random soups of text-syntax fragments", () => {
    fc.assert(
      fc.property(textSoup, (text) => {
        const both = readings(text);
        expect(both.simulator, JSON.stringify(text)).toEqual(both.client);
      }),
      { seed: 20_260_116, numRuns: 600 },
    );
  });

  // Fragments of XML, inside a root and around it, leaving out the client's known departures
  // (DOCTYPE, XML declarations other than the plain ones, xmlns:p="").
  const XML_PROLOG = ["", '<?xml version="1.0"?>', "<?xml version='1.1' encoding='UTF-8' standalone='yes'?>\n", "<!-- c -->", "<?pi x?>", "<?XML x?>", " ", "<!-- a -- b -->"];
  const XML_ROOTS: [open: string, close: string][] = [
    ["<TEMPLATE>", "</TEMPLATE>"],
    ['<TEMPLATE xmlns:a="urn:a">', "</TEMPLATE>"],
    ["<T a='1' a='2'>", "</T>"],
    ["<T a='&amp;'>", "</T>"],
    ["<T a='&bad;'>", "</T>"],
    ["<T\ta='x'\n>", "</T >"],
  ];
  const XML_PIECES = ["<A>", "</A>", "<a:B>", "</a:B>", "<b:C xmlns:b='u'>", "</b:C>", "x", " ", "\n", "\r", "<![CDATA[", "]]>", "<![CDATA[p]]>", "<![CDATA[]]>", "<!--c-->", "<?pi x?>", "&amp;", "&#65;", "&#x0;", "&#xD800;", "&#x1F600;", "&bogus;", "&", "<__proto__>p</__proto__>", "<ß>s</ß>", "<é1>v</é1>", "<1a>v</1a>", "<NAME> n </NAME>", "<NAME><X>1</X></NAME>", "\u0001", "\uFFFE", "😀", "<C>1</C>", "--", "<", ">"];
  const XML_TAIL = ["", "\n", "<!-- after -->", "x", "<X/>"];
  const xmlSoup = fc
    .tuple(fc.constantFrom(...XML_PROLOG), fc.constantFrom(...XML_ROOTS), fc.array(fc.constantFrom(...XML_PIECES), { maxLength: 12 }), fc.constantFrom(...XML_TAIL))
    .map(([prolog, [open, close], pieces, tail]) => `${prolog}${open}${pieces.join("")}${close}${tail}`);

  it("read alike random soups of XML fragments", () => {
    fc.assert(
      fc.property(xmlSoup, (text) => {
        const both = readings(text);
        expect(both.simulator, JSON.stringify(text)).toEqual(both.client);
      }),
      { seed: 20_260_117, numRuns: 600 },
    );
  });
});
