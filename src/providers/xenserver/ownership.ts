/**
 * Ownership on XenServer: the kit's tag words (kit/ownership.ts) as keys of an object's `other_config`,
 * the string map every class hyperplan makes has (FACTS §1.5), visible in XenCenter, Xen Orchestra
 * and `xe vm-param-get param-name=other-config`.
 *
 * Where a create record takes `other_config` (VDI, network, VBD, VIF: FACTS §1.6), the tags go in
 * with the create. `VM.clone` takes none, so a VM is cloned under a marker name that carries its
 * stack, address and kind (`hyperplan-unfinished:VirtualMachine:lab/web-1`) and tagged by the next
 * call; a run killed between the two leaves a clone a rerun recognises by that name and deletes.
 *
 * Beside the tags, hyperplan keeps in `other_config`:
 * - HYPERPLAN_ATTRIBUTES: the names of the declared free attributes (xapi and other tools write
 *   their own keys into other_config: `mac_seed`, `base_template_name` …; only the listed ones are
 *   the stack's attributes);
 * - HYPERPLAN_TEMPLATE: the pool template a VM was cloned from (a clone of a custom template keeps
 *   the `base_template_name` of the default template it came from, so that key cannot tell);
 * - HYPERPLAN_PERSISTENT on an image;
 * - HYPERPLAN_START_FAILED on a VM whose start failed under hyperplan: the next plan replaces it;
 * - HYPERPLAN_COPY_OF on an image copied from a pool VDI: that VDI's name (raw.xenserver.copyOf);
 * - HYPERPLAN_SOURCE on a VM's copy of an image: the image's address;
 * - HYPERPLAN_FROM on a VM cloned from one of the stack's templates: the template's address;
 * - HYPERPLAN_MAP_KEYS on a VM or template: the keys of its `platform` and `HVM_boot_params` the stack
 *   declares (`platform:acpi,viridian;HVM_boot_params:order`): the others are xapi's or its template's.
 */
import { TAG_ADDRESS, TAG_KEYS, TAG_KIND, TAG_STACK, readTag, type OwnershipTag } from "../kit/ownership.js";

export const TAG_ATTRIBUTES = "HYPERPLAN_ATTRIBUTES";
export const TAG_TEMPLATE = "HYPERPLAN_TEMPLATE";
export const TAG_PERSISTENT = "HYPERPLAN_PERSISTENT";
export const TAG_START_FAILED = "HYPERPLAN_START_FAILED";
export const TAG_SOURCE = "HYPERPLAN_SOURCE";
export const TAG_FROM = "HYPERPLAN_FROM";
export const TAG_MAP_KEYS = "HYPERPLAN_MAP_KEYS";
export const TAG_COPY_OF = "HYPERPLAN_COPY_OF";

/** Every key hyperplan writes into other_config. */
export const XEN_TAG_KEYS: readonly string[] = [...TAG_KEYS, TAG_ATTRIBUTES, TAG_TEMPLATE, TAG_PERSISTENT, TAG_START_FAILED, TAG_SOURCE, TAG_COPY_OF, TAG_FROM, TAG_MAP_KEYS];

/** The kind in the tags of a VM's own disks (the VDIs its template's disks were copied into). */
export const VM_DISK_KIND = "VmDisk";

export function tagOf(otherConfig: Record<string, string>): OwnershipTag | undefined {
  return readTag((key) => otherConfig[key]);
}

/** The other_config entries of a tag and the declared attributes. */
export function tagEntries(tag: OwnershipTag, attributes: Record<string, string> = {}): Record<string, string> {
  const keys = Object.keys(attributes).sort();
  return {
    ...attributes,
    [TAG_STACK]: tag.stack,
    [TAG_ADDRESS]: tag.address,
    [TAG_KIND]: tag.kind,
    ...(keys.length > 0 ? { [TAG_ATTRIBUTES]: keys.join(",") } : {}),
  };
}

/** The declared free attributes an object carries: the keys its HYPERPLAN_ATTRIBUTES lists. */
export function attributesOf(otherConfig: Record<string, string>): Record<string, string> {
  const listed = (otherConfig[TAG_ATTRIBUTES] ?? "").split(",").filter((k) => k !== "");
  const out: Record<string, string> = {};
  for (const key of listed) if (otherConfig[key] !== undefined) out[key] = otherConfig[key];
  return out;
}

/**
 * other_config with the stack's tags and attributes written over `current`: keys hyperplan wrote
 * before (a template's tags copied by a clone, attributes no longer declared) are dropped, keys of
 * xapi and other tools are kept.
 */
export function retagged(current: Record<string, string>, tag: OwnershipTag, attributes: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  const previous = new Set((current[TAG_ATTRIBUTES] ?? "").split(",").filter((k) => k !== ""));
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(current)) if (!XEN_TAG_KEYS.includes(key) && !previous.has(key)) out[key] = value;
  return { ...out, ...tagEntries(tag, attributes), ...extra };
}

const MARKER = /^hyperplan-unfinished:([A-Za-z]+):(([^/]+)\/.+)$/;

/** The name a VM is cloned under until it is tagged. */
export function unfinishedName(tag: OwnershipTag): string {
  return `hyperplan-unfinished:${tag.kind}:${tag.address}`;
}

/** The tag an unfinished clone's name stands for, if it is one. */
export function unfinishedTag(name: string): OwnershipTag | undefined {
  const m = MARKER.exec(name);
  return m ? { kind: m[1]!, address: m[2]!, stack: m[3]! } : undefined;
}

/** The VM maps a stack may declare keys of (raw.xenserver.<field>). */
export const VM_MAPS = ["platform", "HVM_boot_params"] as const;
export type VmMap = (typeof VM_MAPS)[number];

/** The declared keys of each map, as HYPERPLAN_MAP_KEYS lists them. */
export function mapKeysOf(otherConfig: Record<string, string>): Record<VmMap, string[]> {
  const out: Record<VmMap, string[]> = { platform: [], HVM_boot_params: [] };
  for (const part of (otherConfig[TAG_MAP_KEYS] ?? "").split(";")) {
    const [field, keys] = part.split(":");
    if ((VM_MAPS as readonly string[]).includes(field ?? "")) out[field as VmMap] = (keys ?? "").split(",").filter((k) => k !== "");
  }
  return out;
}

/** HYPERPLAN_MAP_KEYS for the declared maps; undefined when none declares a key. */
export function mapKeysValue(declared: Partial<Record<VmMap, Record<string, string>>>): string | undefined {
  const parts = VM_MAPS.filter((f) => Object.keys(declared[f] ?? {}).length > 0).map((f) => `${f}:${Object.keys(declared[f]!).sort().join(",")}`);
  return parts.length === 0 ? undefined : parts.join(";");
}
