/**
 * Image: a disk image in a datastore — a bootable OS disk, a data disk (empty or imported) or a CD-ROM.
 */
import type { IConstruct } from "constructs";
import { nameProblem } from "./address.js";
import type { DevicePrefix, ImageFormat, ImageSpec, ImageType } from "./desired-state.js";
import type { CheckContext, KindDefinition, PropsInput } from "./kind-definition.js";
import { Resource, copyProps, type ResourceProps } from "./resource.js";
import { boolean, enumOf, kindSchema, mebibytes, string } from "./schema-parts.js";

export const IMAGE_TYPES: readonly ImageType[] = ["os", "datablock", "cdrom"];
export const DEVICE_PREFIXES: readonly DevicePrefix[] = ["hd", "sd", "vd", "xvd"];
export const IMAGE_FORMATS: readonly ImageFormat[] = ["raw", "qcow2", "vmdk", "vdi", "vhd"];

export interface ImageProps extends ResourceProps {
  /**
   * What the image holds: `os` a bootable system disk, `datablock` a data disk, `cdrom` a read-only
   * ISO image.
   * @default "os"
   */
  type?: ImageType;
  /**
   * Size in MiB of an empty `datablock` (created blank). Not for images imported from `path`.
   * @default none; a datablock needs either `size` or `path`
   */
  size?: number;
  /**
   * Where the contents are imported from: an absolute path on the backend's frontend
   * (`/var/images/debian.qcow2`) or an `http://` / `https://` URL. Required for `os` and `cdrom`.
   * @default none (an empty datablock of `size`)
   */
  path?: string;
  /**
   * Datastore the image is stored in, by name or numeric id.
   * @default the backend's default image datastore
   */
  datastore?: string | number;
  /**
   * A persistent image keeps what a VM writes and can be attached to one VM at a time; a
   * non-persistent one is copied for each VM and the copy is discarded with it. CD-ROMs cannot be
   * persistent.
   * @default false
   */
  persistent?: boolean;
  /**
   * Bus prefix of the guest device: `vd` virtio, `sd` SCSI/SATA, `hd` IDE, `xvd` Xen.
   * @default the backend's default (usually `vd` on KVM)
   */
  devicePrefix?: DevicePrefix;
  /**
   * Disk image format.
   * @default detected from the imported file, or the backend's default for empty disks
   */
  format?: ImageFormat;
}

type Input = PropsInput<ImageProps>;

const schema = kindSchema({
  type: enumOf(IMAGE_TYPES),
  size: mebibytes(1),
  path: string("an absolute path or an http(s) URL", { minLength: 1, maxLength: 4096, pattern: "^(/|https?://)" }),
  datastore: {
    anyOf: [{ type: "integer", minimum: 0 }, { type: "string", minLength: 1, maxLength: 128 }],
    expected: "a datastore name or a numeric id >= 0",
  },
  persistent: boolean(),
  devicePrefix: enumOf(DEVICE_PREFIXES),
  format: enumOf(IMAGE_FORMATS),
});

/**
 * Where an image's contents come from, for backends that import them from `path` (OpenNebula): a
 * datablock is empty of `size` or imported from `path`; an OS or CD image is imported from `path`.
 * A backend whose images come from elsewhere (a disk of the pool to copy) leaves this out of its
 * profile.
 */
export function checkImageContents(input: Record<string, unknown>, report: (path: string, message: string) => void): void {
  const type = (input.type as string | undefined) ?? "os";
  if (type === "datablock") {
    if (input.size === undefined && input.path === undefined) {
      report("", "a datablock needs size (an empty disk, in MiB) or path (contents to import)");
    }
    if (input.size !== undefined && input.path !== undefined) {
      report("size", "give size (an empty disk) or path (contents to import), not both");
    }
  } else {
    if (input.path === undefined) report("path", `is required for an ${type} image: where its contents come from`);
    if (input.size !== undefined) report("size", `applies to empty datablocks only; an ${type} image takes its size from path`);
  }
}

function check(input: Input, ctx: CheckContext): void {
  const type = input.type ?? "os";
  if (type === "cdrom" && input.persistent === true) ctx.report("persistent", "must be false for a cdrom: CD-ROM images are read-only");
  if (typeof input.datastore === "string") {
    const problem = nameProblem(input.datastore);
    if (problem) ctx.report("datastore", problem);
  }
}

function normalise(input: Input): ImageSpec {
  return {
    ...(input.description !== undefined ? { description: input.description } : {}),
    type: input.type ?? "os",
    ...(input.size !== undefined ? { size: input.size } : {}),
    ...(input.path !== undefined ? { path: input.path } : {}),
    ...(input.datastore !== undefined ? { datastore: input.datastore } : {}),
    persistent: input.persistent ?? false,
    ...(input.devicePrefix !== undefined ? { devicePrefix: input.devicePrefix } : {}),
    ...(input.format !== undefined ? { format: input.format } : {}),
    attributes: { ...(input.attributes ?? {}) },
    ...(input.raw !== undefined ? { raw: input.raw } : {}),
  };
}

export const imageDefinition: KindDefinition<Input, ImageSpec> = {
  kind: "Image",
  schema,
  attributes: ["id"],
  secretPaths: [],
  check,
  normalise,
};

/**
 * A disk image.
 *
 * ```ts
 * const os = new Image(stack, "debian-12", { path: "https://example.org/debian-12.qcow2", format: "qcow2" });
 * const data = new Image(stack, "pgdata", { type: "datablock", size: 20480, persistent: true });
 * ```
 */
export class Image extends Resource<ImageProps> {
  readonly kind = "Image" as const;
  /** @internal */
  readonly definition = imageDefinition as KindDefinition<never, unknown>;

  constructor(scope: IConstruct, id: string, props: ImageProps = {}) {
    super(scope, id, copyProps(props));
  }
}
