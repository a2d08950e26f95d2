/**
 * The simulator's template value, as oned holds one (`Template`: a multimap of single and vector
 * attributes, `include/Template.h`): an ordered list of attributes, repeated names allowed, a vector
 * a map of sub-attributes. Its own type and helpers, apart from the client's (template-parse.ts
 * reads the text oned receives).
 */

/** A vector attribute's sub-attributes (`VectorAttribute`: `std::map<string, string>`). */
export type TemplateVector = Record<string, string>;

export type TemplateValue = string | TemplateVector;

export interface TemplateAttribute {
  name: string;
  value: TemplateValue;
}

export type Template = TemplateAttribute[];

/** First single (non-vector) value of `name`. */
export function tGet(t: Template, name: string): string | undefined {
  for (const a of t) if (a.name === name && typeof a.value === "string") return a.value;
  return undefined;
}

/** First attribute named `name`, single or vector. */
export function tFind(t: Template, name: string): TemplateAttribute | undefined {
  return t.find((a) => a.name === name);
}

export function tHas(t: Template, name: string): boolean {
  return t.some((a) => a.name === name);
}

/** Vector attributes named `name`, in order (the live objects: mutate them to change the template). */
export function tVectors(t: Template, name: string): TemplateVector[] {
  const out: TemplateVector[] = [];
  for (const a of t) if (a.name === name && typeof a.value !== "string") out.push(a.value);
  return out;
}

/** First vector named `name`. */
export function tVector(t: Template, name: string): TemplateVector | undefined {
  for (const a of t) if (a.name === name && typeof a.value !== "string") return a.value;
  return undefined;
}

/** Replaces every attribute named `name` with one single value (oned `Template::replace`). */
export function tSet(t: Template, name: string, value: TemplateValue): Template {
  const at = t.findIndex((a) => a.name === name);
  const rest = t.filter((a) => a.name !== name);
  if (at < 0) rest.push({ name, value });
  else rest.splice(Math.min(at, rest.length), 0, { name, value });
  return rest;
}

/** Removes every attribute named `name`; returns the remaining template and what was removed. */
export function tTake(t: Template, name: string): [Template, TemplateAttribute[]] {
  const kept: TemplateAttribute[] = [];
  const taken: TemplateAttribute[] = [];
  for (const a of t) (a.name === name ? taken : kept).push(a);
  return [kept, taken];
}

export function tRemove(t: Template, name: string): Template {
  return t.filter((a) => a.name !== name);
}

/** A deep copy (vectors are objects and would otherwise be shared between records). */
export function tClone(t: Template): Template {
  return t.map((a) => ({ name: a.name, value: typeof a.value === "string" ? a.value : { ...a.value } }));
}

/** Upper-cased keys of a vector, as oned stores them. */
export function vGet(v: TemplateVector, key: string): string | undefined {
  const value = v[key];
  return value === undefined ? undefined : value;
}
