/**
 * What every kind's mapping shares: how free attributes, descriptions and raw attributes are written
 * into an OpenNebula template and read back out of one, and how references become ids on the way in
 * and addresses on the way out.
 *
 * Each `map-<kind>.ts` holds both directions of its kind, `toTemplate` (what allocate and update
 * send) beside `toSpec` (what read reports), so that the two cannot drift apart.
 */
import type { RawValue } from "../../resources/desired-state.js";
import type { PoolKind } from "./records.js";
import { TAG_KEYS } from "../kit/ownership.js";
import { templateGet, templateVectors, type Template, type TemplateAttribute, type TemplateVector } from "./template-syntax.js";

/** Template lookups, under the short names the mappings use. */
export { templateGet as single, templateVectors as vectors };

/** Kinds of the stack's objects as OpenNebula pools them. */
export type OneKind = "VirtualNetwork" | "Image" | "SecurityGroup" | "VmTemplate" | "VirtualMachine";

/** The pool each kind lives in. */
export const POOL_OF = { VirtualNetwork: "vnet", Image: "image", SecurityGroup: "secgroup", VmTemplate: "template", VirtualMachine: "vm" } as const satisfies Record<OneKind, PoolKind>;

/** The call that reads one object of each kind in full. */
export const INFO_OF: Record<OneKind, string> = {
  VirtualNetwork: "one.vn.info",
  Image: "one.image.info",
  SecurityGroup: "one.secgroup.info",
  VmTemplate: "one.template.info",
  VirtualMachine: "one.vm.info",
};

/**
 * Live ids → addresses of the stack's own objects, per kind; and how to name an object the stack does
 * not own (`Image#7`, never an address, so no declaration can match it).
 */
export class RefMap {
  private readonly byKind = new Map<OneKind, Map<number, string>>();

  add(kind: OneKind, id: number, address: string): void {
    let m = this.byKind.get(kind);
    if (!m) this.byKind.set(kind, (m = new Map()));
    m.set(id, address);
  }

  /** `{ ref: address }` for an owned object, `{ ref: "Kind#id" }` otherwise. */
  ref(kind: OneKind, id: string | number | undefined): { ref: string } | undefined {
    if (id === undefined || id === "") return undefined;
    const n = Number(id);
    if (!Number.isInteger(n)) return { ref: `${kind}#${String(id)}` };
    return { ref: this.byKind.get(kind)?.get(n) ?? `${kind}#${n}` };
  }

  /** True when `address` is an owned object of `kind` read in this pass. */
  owns(kind: OneKind, address: string): boolean {
    for (const a of this.byKind.get(kind)?.values() ?? []) if (a === address) return true;
    return false;
  }
}

/** Addresses → live ids, for writing references (filled by the applier as objects come to exist). */
export type IdOf = (address: string) => number;

const TAGS = new Set(TAG_KEYS);

/** A raw attribute value as template attributes (`DISK = [ … ]`, `A = "x"`, repeated for a list). */
export function rawAttributes(name: string, value: RawValue): TemplateAttribute[] {
  if (Array.isArray(value)) return value.flatMap((v) => rawAttributes(name, v));
  if (typeof value === "object" && value !== null) {
    const vector: TemplateVector = {};
    for (const [k, v] of Object.entries(value)) vector[k.toUpperCase()] = typeof v === "object" ? JSON.stringify(v) : String(v);
    return [{ name: name.toUpperCase(), value: vector }];
  }
  return [{ name: name.toUpperCase(), value: typeof value === "boolean" ? (value ? "YES" : "NO") : String(value) }];
}

/** The OpenNebula raw attributes of a spec (its `raw.opennebula`), as template attributes. */
export function rawOf(raw: { [backend: string]: { [k: string]: RawValue } } | undefined): TemplateAttribute[] {
  const own = raw?.opennebula ?? {};
  return Object.keys(own)
    .sort()
    .flatMap((k) => rawAttributes(k, own[k]!));
}

/** Free attributes and description as template attributes. */
export function commonAttributes(spec: { description?: string; attributes: { [k: string]: string } }): TemplateAttribute[] {
  const out: TemplateAttribute[] = [];
  if (spec.description !== undefined) out.push({ name: "DESCRIPTION", value: spec.description });
  for (const key of Object.keys(spec.attributes).sort()) out.push({ name: key.toUpperCase(), value: spec.attributes[key]! });
  return out;
}

/** Names a declaration puts under `raw.opennebula`, upper-cased as oned stores them. */
export function rawNames(raw: { [backend: string]: { [k: string]: RawValue } } | undefined): Set<string> {
  return new Set(Object.keys(raw?.opennebula ?? {}).map((k) => k.toUpperCase()));
}

/**
 * Reads the free attributes of a live template: every single-valued attribute that is not one of the
 * kind's own (`known`), an ownership tag, or a raw attribute the declaration names. Raw attributes the
 * declaration names are read back into `raw`, in the shape they were declared in.
 */
export function readCommon(
  template: Template,
  known: ReadonlySet<string>,
  declaredRaw: { [backend: string]: { [k: string]: RawValue } } | undefined,
  /** Where else a declared raw attribute may stand: a VM's TEMPLATE, into which oned moves the ones it parses. */
  rawAlsoIn?: Template,
): { description?: string; attributes: { [k: string]: string }; raw?: { opennebula: { [k: string]: RawValue } } } {
  const rawDeclared = declaredRaw?.opennebula ?? {};
  const rawUpper = new Map(Object.keys(rawDeclared).map((k) => [k.toUpperCase(), k] as const));
  const attributes: { [k: string]: string } = {};
  const raw: { [k: string]: RawValue } = {};
  let description: string | undefined;
  for (const attr of template) {
    if (TAGS.has(attr.name)) continue;
    const declaredKey = rawUpper.get(attr.name);
    if (declaredKey !== undefined) {
      raw[declaredKey] = readRawBack(rawDeclared[declaredKey]!, template, attr.name);
      continue;
    }
    if (attr.name === "DESCRIPTION" && typeof attr.value === "string") {
      description = attr.value;
      continue;
    }
    if (known.has(attr.name) || typeof attr.value !== "string") continue;
    attributes[attr.name] = attr.value;
  }
  for (const [name, declaredKey] of rawUpper) {
    if (raw[declaredKey] === undefined && rawAlsoIn?.some((a) => a.name === name)) raw[declaredKey] = readRawBack(rawDeclared[declaredKey]!, rawAlsoIn, name);
  }
  const out: { description?: string; attributes: { [k: string]: string }; raw?: { opennebula: { [k: string]: RawValue } } } = { attributes };
  if (description !== undefined) out.description = description;
  if (Object.keys(raw).length > 0) out.raw = { opennebula: raw };
  return out;
}

/** A raw attribute as it reads back, in the declared shape so that an unchanged one compares equal. */
function readRawBack(declared: RawValue, template: Template, name: string): RawValue {
  const all = template.filter((a) => a.name === name).map((a) => a.value);
  const one = (v: string | TemplateVector, shape: RawValue): RawValue => {
    if (typeof v === "string") {
      if (typeof shape === "number" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
      if (typeof shape === "boolean") return v.toUpperCase() === "YES" || v.toLowerCase() === "true";
      return v;
    }
    const out: { [k: string]: RawValue } = {};
    const shapeObj = typeof shape === "object" && shape !== null && !Array.isArray(shape) ? shape : {};
    const byUpper = new Map(Object.keys(shapeObj).map((k) => [k.toUpperCase(), k] as const));
    for (const [k, x] of Object.entries(v)) out[byUpper.get(k) ?? k] = one(x, (shapeObj as Record<string, RawValue>)[byUpper.get(k) ?? k] ?? "");
    return out;
  };
  if (Array.isArray(declared)) return all.map((v, i) => one(v, declared[i] ?? declared[0] ?? ""));
  return all.length === 0 ? "" : one(all[0]!, declared);
}

export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

export function numberOf(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
