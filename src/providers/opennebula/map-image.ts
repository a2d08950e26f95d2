/**
 * Image ↔ OpenNebula IMAGE. Allocate takes the template and the datastore id; oned keeps NAME, TYPE,
 * PERSISTENT, PATH, SIZE and FORMAT as the image's own fields and the rest in TEMPLATE, adding
 * DEV_PREFIX (default `hd`) when none is given.
 */
import type { ImageSpec } from "../../resources/desired-state.js";
import { commonAttributes, nonEmpty, rawOf, readCommon, single } from "./map-common.js";
import { ownershipAttributes, type OwnershipTag } from "./ownership.js";
import type { ImageRecord } from "./records.js";
import { imageTypeName } from "./states.js";
import type { Template } from "./template-syntax.js";

const TYPES: Record<ImageSpec["type"], string> = { os: "OS", datablock: "DATABLOCK", cdrom: "CDROM" };
const KNOWN = new Set(["DEV_PREFIX", "ERROR", "FORMAT", "DRIVER"]);

/** The allocate template of an image (the datastore goes in the call's own parameter). */
export function imageToTemplate(name: string, spec: ImageSpec, tag?: OwnershipTag): Template {
  const t: Template = [
    { name: "NAME", value: name },
    { name: "TYPE", value: TYPES[spec.type] },
    { name: "PERSISTENT", value: spec.persistent ? "YES" : "NO" },
  ];
  if (spec.size !== undefined) t.push({ name: "SIZE", value: String(spec.size) });
  if (spec.path !== undefined) t.push({ name: "PATH", value: spec.path });
  if (spec.devicePrefix !== undefined) t.push({ name: "DEV_PREFIX", value: spec.devicePrefix });
  if (spec.format !== undefined) t.push({ name: "FORMAT", value: spec.format });
  t.push(...commonAttributes(spec), ...rawOf(spec.raw));
  if (tag) t.push(...ownershipAttributes(tag));
  return t;
}

/** What `one.image.update` (replace) sends: the TEMPLATE part only, tags kept. */
export function imageUpdateTemplate(spec: ImageSpec, tag: OwnershipTag): Template {
  const t: Template = [];
  if (spec.devicePrefix !== undefined) t.push({ name: "DEV_PREFIX", value: spec.devicePrefix });
  if (spec.format !== undefined) t.push({ name: "FORMAT", value: spec.format });
  t.push(...commonAttributes(spec), ...rawOf(spec.raw), ...ownershipAttributes(tag));
  return t;
}

export function imageToSpec(record: ImageRecord, declared: ImageSpec | undefined): ImageSpec {
  const common = readCommon(record.template, KNOWN, declared?.raw);
  const typeName = imageTypeName(record.type).toLowerCase();
  const spec: ImageSpec = {
    ...common,
    type: (typeName === "os" || typeName === "datablock" || typeName === "cdrom" ? typeName : typeName) as ImageSpec["type"],
    persistent: record.persistent,
    size: record.size,
    datastore: record.datastoreId,
  };
  const path = nonEmpty(record.path);
  if (path !== undefined) spec.path = path;
  const prefix = nonEmpty(single(record.template, "DEV_PREFIX"));
  if (prefix !== undefined) spec.devicePrefix = prefix as ImageSpec["devicePrefix"];
  const format = nonEmpty(record.format) ?? nonEmpty(single(record.template, "FORMAT"));
  if (format !== undefined) spec.format = format as ImageSpec["format"];
  return spec;
}
