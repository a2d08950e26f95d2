/**
 * The effective declaration of a VM created from a template: template ⊕ VM. A live VM is compared
 * against this, never against the VM's own props alone, so disks and NICs it inherited do not show up
 * as differences forever.
 *
 * The override rule (desired-state.ts: "given on the VM override the template's"):
 * - `cpu`, `vcpu`, `memory`: the VM's when given, else the template's.
 * - `context`, `graphics`, `os`: whole sections; the VM's section, when given, replaces the template's
 *   (a backend merges an instantiate's extra template attribute by attribute name, and each of these
 *   is one attribute).
 * - `scheduling`: field by field, the VM's fields winning: its fields are separate attributes to a
 *   backend (OpenNebula's SCHED_REQUIREMENTS, SCHED_RANK, SCHED_DS_REQUIREMENTS), so a VM created from
 *   the template keeps the template's fields it does not give.
 * - `disks`, `nics`: the VM's list, when given, replaces the template's.
 * - `description`: the VM's, else the template's (the backend copies it into the VM).
 * - `attributes` and each backend's `raw`: key by key, the VM's keys winning (the backend copies a
 *   template's attributes into every VM instantiated from it).
 * - `template`, `labels`, `powerState`: the VM's own.
 */
import type { DesiredResource } from "../resources/desired-state";
import { asRecord, isPlainObject, keyMap } from "./values";

const OVERRIDDEN = ["cpu", "vcpu", "memory", "context", "graphics", "os", "disks", "nics", "description"] as const;

export function effectiveProps(
  resource: DesiredResource,
  byAddress: ReadonlyMap<string, DesiredResource>,
  keyCase: "exact" | "insensitive",
): Record<string, unknown> {
  const own = resource.props as unknown as Record<string, unknown>;
  if (resource.kind !== "VirtualMachine" || resource.props.template === undefined) return own;
  const template = byAddress.get(resource.props.template.ref);
  if (template?.kind !== "VmTemplate") return own;
  const base = template.props as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...own };
  for (const key of OVERRIDDEN) {
    if (own[key] === undefined && base[key] !== undefined) out[key] = base[key];
  }
  if (isPlainObject(base.scheduling) || isPlainObject(own.scheduling)) out.scheduling = { ...asRecord(base.scheduling), ...definedOf(asRecord(own.scheduling)) };
  out.attributes = mergeKeys(base.attributes, own.attributes, keyCase);
  if (isPlainObject(base.raw) || isPlainObject(own.raw)) {
    const raw: Record<string, unknown> = {};
    const backends = new Set([...Object.keys(asRecord(base.raw)), ...Object.keys(asRecord(own.raw))]);
    for (const backend of [...backends].sort()) {
      raw[backend] = mergeKeys(asRecord(base.raw)[backend], asRecord(own.raw)[backend], keyCase);
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
