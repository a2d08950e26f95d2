/**
 * The effective declaration of a VM created from a template: template ⊕ VM. A live VM is compared
 * against this, never against the VM's own props alone, so disks and NICs it inherited do not show up
 * as differences forever.
 *
 * How each prop is carried over is the backend's word (`DiffRules.templateMerge`), because it is how
 * the cloud makes a VM from a template:
 * - `whole`: the VM's value when given, else the template's (a section the backend keeps as one
 *   attribute is replaced whole by the VM's);
 * - `fields`: field by field, the VM's fields winning (each field is an attribute of its own to the
 *   backend, so a VM keeps the template's fields it does not give);
 * - `keys`: key by key, the VM's keys winning, names compared as the backend keeps them (`keyCase`);
 *   for `raw`, key by key within each backend's section.
 * A prop no list names is the VM's own (its template, labels, power state).
 */
import type { DesiredResource } from "../resources/desired-state.js";
import { DiffError, type DiffRules } from "./rules.js";

export type { TemplateMerge } from "./rules.js";
import { asRecord, isPlainObject, keyMap } from "./values.js";

export function effectiveProps(resource: DesiredResource, byAddress: ReadonlyMap<string, DesiredResource>, rules: Pick<DiffRules, "backend" | "keyCase" | "templateMerge">): Record<string, unknown> {
  const own = resource.props as unknown as Record<string, unknown>;
  if (resource.kind !== "VirtualMachine" || resource.props.template === undefined) return own;
  const template = byAddress.get(resource.props.template.ref);
  if (template?.kind !== "VmTemplate") return own;
  const policy = rules.templateMerge;
  if (policy === undefined) {
    throw new DiffError("TEMPLATE_MERGE", `${rules.backend} does not say how a VM carries its template's props, so a VM made from a template cannot be compared`, resource.address);
  }
  const base = template.props as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...own };
  for (const key of policy.whole) {
    if (own[key] === undefined && base[key] !== undefined) out[key] = base[key];
  }
  for (const key of policy.fields) {
    if (isPlainObject(base[key]) || isPlainObject(own[key])) out[key] = { ...asRecord(base[key]), ...definedOf(asRecord(own[key])) };
  }
  for (const key of policy.keys) {
    if (key !== "raw") {
      out[key] = mergeKeys(base[key], own[key], rules.keyCase);
      continue;
    }
    if (!isPlainObject(base.raw) && !isPlainObject(own.raw)) continue;
    const raw: Record<string, unknown> = {};
    const backends = new Set([...Object.keys(asRecord(base.raw)), ...Object.keys(asRecord(own.raw))]);
    for (const backend of [...backends].sort()) {
      raw[backend] = mergeKeys(asRecord(base.raw)[backend], asRecord(own.raw)[backend], rules.keyCase);
    }
    out.raw = raw;
  }
  return out;
}

/** `over`'s keys win; with case-insensitive keys, `over`'s spelling replaces the base's. */
function mergeKeys(base: unknown, over: unknown, keyCase: "exact" | "insensitive"): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const overKeys = keyMap(asRecord(over), keyCase);
  for (const [k, v] of Object.entries(asRecord(base))) {
    const key = keyCase === "insensitive" ? k.toUpperCase() : k;
    if (!overKeys.has(key)) out[k] = v;
  }
  for (const [k, v] of Object.entries(asRecord(over))) out[k] = v;
  return out;
}

function definedOf(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}
