/**
 * The pieces oned's documents are made of. oned prints object fields as plain elements and
 * template attributes (TEMPLATE, USER_TEMPLATE, AR attributes) as CDATA sections, sorted by name
 * (templates are `std::multimap`, vector attributes `std::map`), empty values as empty CDATA
 * sections (`Attribute.cc` `to_xml` with `one_util::escape_xml`; the 4.x pool samples show the
 * CDATA form). The whole document then travels entity-escaped inside one XML-RPC `<string>`.
 */
import { EscapedString, escapeXml } from "../../xmlrpc/index.js";
import type { Template, TemplateAttribute, TemplateVector } from "./template-ops.js";

export function text(value: string | number): string {
  const s = String(value);
  if (!/[&<>]/.test(s)) return s;
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** `<NAME>text</NAME>`, or `<NAME/>` when empty (oned prints empty fields like DEPLOY_ID that way). */
export function el(name: string, value: string | number): string {
  const s = String(value);
  return s === "" ? `<${name}/>` : `<${name}>${text(s)}</${name}>`;
}

/**
 * A template value as oned prints it: a CDATA section (`one_util::escape_xml`), an empty one for an
 * empty value. A value holding "]]>" or a carriage return would not survive CDATA (oned emits
 * malformed XML, and XML line-end normalisation eats the CR), so those go as escaped text.
 */
export function cdata(value: string): string {
  if (value.includes("]]>") || value.includes("\r")) return text(value).replace(/\r/g, "&#13;");
  return `<![CDATA[${value}]]>`;
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function vectorBody(v: TemplateVector, order?: readonly string[]): string {
  const keys = Object.keys(v);
  if (order) {
    const rank = new Map(order.map((k, i) => [k, i]));
    keys.sort((a, b) => (rank.get(a) ?? order.length) - (rank.get(b) ?? order.length) || (a < b ? -1 : a > b ? 1 : 0));
  } else {
    keys.sort();
  }
  let out = "";
  for (const k of keys) {
    const value = v[k] ?? "";
    out += `<${k}>${cdata(value)}</${k}>`;
  }
  return out;
}

/** One template attribute as oned prints it. */
export function attributeXml(a: TemplateAttribute, vectorOrder?: readonly string[]): string {
  if (typeof a.value === "string") return `<${a.name}>${cdata(a.value)}</${a.name}>`;
  const body = vectorBody(a.value, vectorOrder);
  return body === "" ? `<${a.name}/>` : `<${a.name}>${body}</${a.name}>`;
}

/** A whole template under `root`, attributes in name order (stable for repeated names). */
export function templateXml(t: Template, root: string): string {
  if (t.length === 0) return `<${root}/>`;
  const sorted = [...t].sort(byName);
  let out = `<${root}>`;
  for (const a of sorted) out += attributeXml(a);
  return `${out}</${root}>`;
}

/** An IDS element: `<VMS><ID>1</ID><ID>4</ID></VMS>`, `<VMS/>` when empty. */
export function idsXml(name: string, ids: Iterable<number>): string {
  const sorted = [...ids].sort((a, b) => a - b);
  if (sorted.length === 0) return `<${name}/>`;
  let out = `<${name}>`;
  for (const id of sorted) out += `<ID>${id}</ID>`;
  return `${out}</${name}>`;
}

/** The nine permission bits in PERMISSIONS order (OWNER_U … OTHER_A). */
export type Permissions = [number, number, number, number, number, number, number, number, number];

const PERM_NAMES = ["OWNER_U", "OWNER_M", "OWNER_A", "GROUP_U", "GROUP_M", "GROUP_A", "OTHER_U", "OTHER_M", "OTHER_A"] as const;

export function permissionsXml(p: Permissions): string {
  let out = "<PERMISSIONS>";
  for (let i = 0; i < 9; i++) out += `<${PERM_NAMES[i]}>${p[i]}</${PERM_NAMES[i]}>`;
  return `${out}</PERMISSIONS>`;
}

/** oneadmin's objects: umask 177 on 0777 → owner use+manage only (`PoolObjectSQL::set_umask`). */
export function defaultPermissions(): Permissions {
  return [1, 1, 0, 0, 0, 0, 0, 0, 0];
}

export interface LockInfo {
  locked: number;
  owner: number;
  time: number;
  reqId: number;
}

export function lockXml(lock: LockInfo | null | undefined): string {
  if (!lock) return "";
  return `<LOCK><LOCKED>${lock.locked}</LOCKED><OWNER>${lock.owner}</OWNER><TIME>${lock.time}</TIME><REQ_ID>${lock.reqId}</REQ_ID></LOCK>`;
}

/** A document ready for the XML-RPC `<string>`: escaped once, emitted verbatim by the encoder. */
export function escapedDoc(xml: string): EscapedString {
  return new EscapedString(escapeXml(xml));
}

/** Escapes a rendered piece for caching (the pool response is a join of such pieces). */
export function escapePiece(xml: string): string {
  return escapeXml(xml);
}

/** `<ROOT>pieces…</ROOT>` from already-escaped pieces; the root is emitted even when empty (`PoolSQL::dump`). */
export function escapedPool(root: string, pieces: readonly string[]): EscapedString {
  return new EscapedString(`&lt;${root}&gt;${pieces.join("")}&lt;/${root}&gt;`);
}
