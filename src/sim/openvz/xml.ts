/**
 * The panel's XML, written as Rails 2.3 writes it (FACTS §3.2, the seed's examples): Builder with a
 * two-space indent, `<?xml version="1.0" encoding="UTF-8"?>` first, typed leaves
 * (`type="integer|boolean|date|datetime"`), `nil="true"` for NULL (after `type`, as the seed shows it),
 * `type="array"` lists, an empty list as a self-closed element, and text escaped as Builder's
 * `String#to_xs` escapes it (`&`, `<`, `>`; characters past ASCII as numeric references; characters
 * XML 1.0 cannot carry as `*`). Built here from the panel's shapes alone, not shared with any client.
 */

export type LeafType = "integer" | "boolean" | "date" | "datetime";

export interface XmlLeaf {
  readonly name: string;
  readonly type?: LeafType;
  /** null renders `nil="true"` and no text. */
  readonly text: string | null;
}

export interface XmlParent {
  readonly name: string;
  readonly array?: boolean;
  readonly children: readonly XmlNode[];
}

export type XmlNode = XmlLeaf | XmlParent;

export const XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function int(name: string, value: number | null | undefined): XmlLeaf {
  return { name, type: "integer", text: value === null || value === undefined ? null : String(Math.trunc(value)) };
}

export function bool(name: string, value: boolean | null | undefined): XmlLeaf {
  return { name, type: "boolean", text: value === null || value === undefined ? null : String(value) };
}

/** A date column: `YYYY-MM-DD`. */
export function date(name: string, value: string | null | undefined): XmlLeaf {
  return { name, type: "date", text: value ?? null };
}

/** A datetime column: `Time#xmlschema` in UTC, `YYYY-MM-DDTHH:MM:SSZ` (the seed's `created_at`). */
export function datetime(name: string, value: string | null | undefined): XmlLeaf {
  return { name, type: "datetime", text: value ?? null };
}

export function str(name: string, value: string | null | undefined): XmlLeaf {
  return { name, text: value ?? null };
}

export function el(name: string, children: readonly XmlNode[]): XmlParent {
  return { name, children };
}

export function array(name: string, children: readonly XmlNode[]): XmlParent {
  return { name, array: true, children };
}

/** The whole answer: the header, then `root`. */
export function xmlDocument(root: XmlNode): string {
  const out: string[] = [XML_HEADER];
  write(root, 0, out);
  return out.join("");
}

function write(node: XmlNode, depth: number, out: string[]): void {
  const pad = "  ".repeat(depth);
  if ("children" in node) {
    const attrs = node.array ? ' type="array"' : "";
    if (node.children.length === 0) {
      out.push(`${pad}<${node.name}${attrs}/>\n`);
      return;
    }
    out.push(`${pad}<${node.name}${attrs}>\n`);
    for (const child of node.children) write(child, depth + 1, out);
    out.push(`${pad}</${node.name}>\n`);
    return;
  }
  const attrs = `${node.type ? ` type="${node.type}"` : ""}${node.text === null ? ' nil="true"' : ""}`;
  out.push(`${pad}<${node.name}${attrs}>${node.text === null ? "" : escapeText(node.text)}</${node.name}>\n`);
}

/**
 * Builder 2.1's `String#to_xs`: markup characters as entities, ASCII as it is, the rest as `&#N;`
 * (code points 128-159 read as Windows-1252 first, as Builder's `XChar::CP1252` does), characters
 * XML 1.0 cannot hold as `*`.
 */
export function escapeText(text: string): string {
  let out = "";
  for (const ch of text) {
    let cp = ch.codePointAt(0) as number;
    cp = CP1252[cp] ?? cp;
    if (cp === 0x26) out += "&amp;";
    else if (cp === 0x3c) out += "&lt;";
    else if (cp === 0x3e) out += "&gt;";
    else if (!validXmlChar(cp)) out += "*";
    else if (cp < 128) out += String.fromCodePoint(cp);
    else out += `&#${cp};`;
  }
  return out;
}

function validXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** Builder's `XChar::CP1252`. */
const CP1252: Readonly<Record<number, number>> = {
  128: 8364, 130: 8218, 131: 402, 132: 8222, 133: 8230, 134: 8224, 135: 8225, 136: 710, 137: 8240, 138: 352, 139: 8249, 140: 338, 142: 381,
  145: 8216, 146: 8217, 147: 8220, 148: 8221, 149: 8226, 150: 8211, 151: 8212, 152: 732, 153: 8482, 154: 353, 155: 8250, 156: 339, 158: 382, 159: 376,
};
