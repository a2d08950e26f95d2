/**
 * Images (`src/image/Image.cc`, `ImageManagerActions.cc`, image.xsd): allocate → LOCKED while the
 * datastore driver copies → READY (or ERROR with TEMPLATE/ERROR); USED / USED_PERS while VMs hold
 * them (RUNNING_VMS, VMS); delete refused while used, otherwise DELETE until the driver removes it.
 */
import { createHash } from "node:crypto";
import {
  mustAuthorized,
  applyRename,
  both,
  type MethodTable,
  must,
  nameError,
  ownerFields,
  ownerFilter,
  ownerMethods,
  parseTemplateParam,
  reader,
  readWindow,
  updatedTemplate,
  writer,
} from "./context.js";
import { ErrorCode, OneFailure, actionError, allocateError, deleteError, notFound } from "./failure.js";
import { AuthOp } from "./lock-check.js";
import { lockMethods } from "./locks.js";
import { lowerBound, sortedInsert, sortedRemove, type Pool } from "./pool.js";
import type { DatastoreRecord, ImageRecord, OwnedRecord } from "./records.js";
import { tGet, tRemove, tSet, type Template, type TemplateVector } from "./template-ops.js";
import { defaultPermissions, el, escapedDoc, escapedPool, escapePiece, idsXml, lockXml, permissionsXml, templateXml } from "./xml.js";
import type { SimEvent, World } from "./world.js";

export const ImageState = {
  INIT: 0,
  READY: 1,
  USED: 2,
  DISABLED: 3,
  LOCKED: 4,
  ERROR: 5,
  CLONE: 6,
  DELETE: 7,
  USED_PERS: 8,
  LOCKED_USED: 9,
  LOCKED_USED_PERS: 10,
} as const;

export const IMAGE_STATE_NAMES = ["INIT", "READY", "USED", "DISABLED", "LOCKED", "ERROR", "CLONE", "DELETE", "USED_PERS", "LOCKED_USED", "LOCKED_USED_PERS"];

export const IMAGE_TYPES = ["OS", "CDROM", "DATABLOCK", "KERNEL", "RAMDISK", "CONTEXT", "BACKUP", "FILESYSTEM"];

const FILE_TYPES = new Set([3, 4, 5]);

/** ctime-style time oned prefixes to ERROR messages (`one_util::log_time`). */
export function logTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

function setState(world: World, img: ImageRecord, state: number): void {
  if (img.state !== state) {
    img.prevState = img.state;
    img.state = state;
    // `Image::set_state` (`src/image/Image.cc`) calls `unlock_db(-1, -1)` for every state but
    // LOCKED: a lock taken with one.image.lock is gone once the image changes state (oned does it
    // on every set_state call; here on a change of state).
    if (state !== ImageState.LOCKED) img.lock = null;
  }
  img.modtime = world.nowSec();
  world.images.touch(img.id);
  world.datastores.touch(img.datastoreId);
}

function imageXml(img: ImageRecord): string {
  return (
    `<IMAGE>${el("ID", img.id)}${el("UID", img.uid)}${el("GID", img.gid)}${el("UNAME", img.uname)}${el("GNAME", img.gname)}` +
    `${el("NAME", img.name)}${lockXml(img.lock)}${permissionsXml(img.perms)}${el("TYPE", img.type)}${el("DISK_TYPE", img.diskType)}` +
    `${el("PERSISTENT", img.persistent)}${el("REGTIME", img.regtime)}${el("MODTIME", img.modtime)}${el("SOURCE", img.source)}` +
    `${el("PATH", img.path)}${el("FORMAT", img.format)}${el("FS", img.fs)}${el("SIZE", img.size)}${el("STATE", img.state)}` +
    `${el("PREV_STATE", img.prevState)}${el("RUNNING_VMS", img.vms.length)}${el("CLONING_OPS", 0)}${el("CLONING_ID", -1)}` +
    `${el("TARGET_SNAPSHOT", -1)}${el("DATASTORE_ID", img.datastoreId)}${el("DATASTORE", img.datastore)}${idsXml("VMS", img.vms)}` +
    `<CLONES/><APP_CLONES/>${templateXml(img.template, "TEMPLATE")}` +
    `<SNAPSHOTS><ALLOW_ORPHANS>NO</ALLOW_ORPHANS><CURRENT_BASE>-1</CURRENT_BASE><NEXT_SNAPSHOT>0</NEXT_SNAPSHOT></SNAPSHOTS>` +
    `<BACKUP_INCREMENTS/></IMAGE>`
  );
}

function piece(world: World, img: ImageRecord): string {
  return world.images.cached(img.id, "doc", () => escapePiece(imageXml(img)));
}

function parseType(value: string): number {
  const at = IMAGE_TYPES.indexOf(value.trim().toUpperCase());
  return at;
}

/**
 * A stable pseudo size for an image registered from a PATH (the driver would stat the file): 256 MiB
 * to about 2 GiB, the virtual size of common cloud images, so a stack that grows its root disk to a
 * few GiB is accepted as it would be with the real image.
 */
function sizeFromPath(path: string): number {
  const h = createHash("md5").update(path).digest();
  return 256 + (h.readUInt16BE(0) % 15) * 128;
}

function sourceFor(img: ImageRecord): string {
  const hash = createHash("md5").update(`${img.id}:${img.name}:${img.regtime}`).digest("hex");
  return `/var/lib/one//datastores/${img.datastoreId}/${hash}`;
}

// ------------------------------------------------------------------ lifecycle steps

/** What an image step means for the VMs waiting on the image (their disks are CLONING). */
export interface ImageOutcome {
  imageId: number;
  ready: boolean;
}

export function imageStep(world: World, ev: SimEvent): ImageOutcome | null {
  const img = world.images.get(ev.id);
  if (!img || img.op !== ev.op) return null;
  switch (ev.step) {
    case "copied": {
      const failure = world.faults.failureFor("image", img.name);
      if (failure) {
        img.template = tSet(img.template, "ERROR", `${logTime(world.nowSec())}: Error copying image in the datastore: ${failure.message ?? "Not enough space in datastore"}`);
        setState(world, img, ImageState.ERROR);
        world.changed();
        return { imageId: img.id, ready: false };
      }
      if (img.source === "") img.source = sourceFor(img);
      const next = img.state === ImageState.LOCKED_USED ? ImageState.USED : img.state === ImageState.LOCKED_USED_PERS ? ImageState.USED_PERS : ImageState.READY;
      setState(world, img, next);
      world.changed();
      return { imageId: img.id, ready: true };
    }
    case "deleted":
      world.images.remove(img.id);
      world.datastores.touch(img.datastoreId);
      world.changed();
      return null;
  }
  return null;
}

// ------------------------------------------------------------------ use by VMs

/** `ImageManager::acquire_image`: a VM takes the image for a DISK; returns the error or null. */
export function acquireImage(world: World, img: ImageRecord, vmId: number, attach: boolean): string | null {
  if (FILE_TYPES.has(img.type) || img.type === 6) {
    return `Image ${img.id} (${img.name}) of type ${IMAGE_TYPES[img.type]} cannot be used as DISK.`;
  }
  const shareable = (tGet(img.template, "PERSISTENT_TYPE") ?? "").toUpperCase() === "SHAREABLE";
  const take = () => {
    sortedInsert(img.vms, vmId);
  };
  switch (img.state) {
    case ImageState.READY:
      take();
      setState(world, img, img.persistent ? ImageState.USED_PERS : ImageState.USED);
      return null;
    case ImageState.LOCKED:
      if (attach) return `Cannot acquire image ${img.id}, it is locked`;
      take();
      setState(world, img, img.persistent ? ImageState.LOCKED_USED_PERS : ImageState.LOCKED_USED);
      return null;
    case ImageState.USED_PERS:
      if (!shareable) return `Cannot acquire image ${img.id}, it is persistent and already in use`;
      take();
      setState(world, img, img.state);
      return null;
    case ImageState.USED:
      take();
      setState(world, img, img.state);
      return null;
    case ImageState.LOCKED_USED_PERS:
    case ImageState.LOCKED_USED:
      if (img.state === ImageState.LOCKED_USED_PERS && !shareable) return `Cannot acquire image ${img.id}, it is persistent and already in use`;
      if (attach) return `Cannot acquire image ${img.id}, it is locked`;
      take();
      setState(world, img, img.state);
      return null;
    default:
      return `Cannot acquire image ${img.id}, it is in state: ${IMAGE_STATE_NAMES[img.state]}`;
  }
}

/** `ImageManager::release_image`: the VM gives the image back. */
export function releaseImage(world: World, imageId: number, vmId: number): void {
  const img = world.images.get(imageId);
  if (!img || img.vms[lowerBound(img.vms, vmId)] !== vmId) return;
  sortedRemove(img.vms, vmId);
  const free = img.vms.length === 0;
  switch (img.state) {
    case ImageState.USED:
    case ImageState.USED_PERS:
      setState(world, img, free ? ImageState.READY : img.state);
      break;
    case ImageState.LOCKED_USED:
    case ImageState.LOCKED_USED_PERS:
      setState(world, img, free ? ImageState.LOCKED : img.state);
      break;
    default:
      setState(world, img, img.state);
  }
}

/** The DISK a VM gets from an image and its datastore (`Image::disk_attribute`, `Datastore::disk_attribute`). */
export function imageDiskAttributes(world: World, img: ImageRecord, disk: TemplateVector): TemplateVector {
  const ds = world.datastores.get(img.datastoreId);
  const persistent = img.persistent === 1;
  const cdrom = img.type === 1;
  const immutable = (tGet(img.template, "PERSISTENT_TYPE") ?? "").toUpperCase() === "IMMUTABLE";
  const out: TemplateVector = { ...disk };
  delete out.IMAGE_UNAME;
  delete out.IMAGE_UID;
  const templateDriver = tGet(img.template, "DRIVER");
  Object.assign(out, {
    CLUSTER_ID: "0",
    DATASTORE: img.datastore,
    DATASTORE_ID: String(img.datastoreId),
    DEV_PREFIX: disk.DEV_PREFIX || tGet(img.template, "DEV_PREFIX") || "hd",
    DISK_TYPE: "FILE",
    FORMAT: img.format,
    IMAGE: img.name,
    IMAGE_ID: String(img.id),
    IMAGE_STATE: String(img.state),
    IMAGE_UNAME: img.uname,
    LN_TARGET: ds ? (tGet(ds.template, "LN_TARGET") ?? "SYSTEM") : "SYSTEM",
    CLONE_TARGET: ds ? (tGet(ds.template, "CLONE_TARGET") ?? "SYSTEM") : "SYSTEM",
    ORIGINAL_SIZE: String(img.size),
    SIZE: disk.SIZE || String(img.size),
    SOURCE: img.source,
    TM_MAD: ds?.tmMad ?? "ssh",
    TYPE: cdrom ? "CDROM" : "FILE",
  });
  // DRIVER from the DISK, else the image template's, else the image format.
  out.DRIVER = disk.DRIVER || templateDriver || img.format;
  if (cdrom || immutable) {
    Object.assign(out, { SAVE: "NO", CLONE: "NO", READONLY: "YES" });
  } else {
    out.READONLY = disk.READONLY || tGet(img.template, "READONLY") || "NO";
    if (persistent) Object.assign(out, { PERSISTENT: "YES", CLONE: "NO", SAVE: "YES" });
    else Object.assign(out, { CLONE: "YES", SAVE: "NO" });
  }
  // The image is still being copied: the VM's transfer waits for it (`Image::disk_attribute`).
  if (img.state === ImageState.LOCKED || img.state === ImageState.LOCKED_USED || img.state === ImageState.LOCKED_USED_PERS) out.CLONING = "YES";
  else delete out.CLONING;
  const target = tGet(img.template, "TARGET");
  if (!disk.TARGET && target) out.TARGET = target;
  return out;
}

/** Resolves a DISK's image by IMAGE_ID, or by IMAGE name (owner IMAGE_UID/IMAGE_UNAME or the caller). */
export function findDiskImage(world: World, disk: TemplateVector): { image: ImageRecord } | { error: string } | null {
  if (disk.IMAGE_ID !== undefined && disk.IMAGE_ID !== "") {
    const id = Number(disk.IMAGE_ID);
    const img = Number.isInteger(id) ? world.images.get(id) : undefined;
    return img ? { image: img } : { error: `Image with ID: ${disk.IMAGE_ID} does not exist` };
  }
  if (disk.IMAGE !== undefined && disk.IMAGE !== "") {
    let uid = 0;
    if (disk.IMAGE_UID !== undefined && disk.IMAGE_UID !== "") uid = Number(disk.IMAGE_UID);
    else if (disk.IMAGE_UNAME !== undefined && disk.IMAGE_UNAME !== "") {
      uid = disk.IMAGE_UNAME === world.userName ? 0 : disk.IMAGE_UNAME === "serveradmin" ? 1 : -1;
    }
    const img = uid >= 0 ? world.images.findByName(disk.IMAGE, uid) : undefined;
    return img ? { image: img } : { error: `User ${uid >= 0 ? uid : 0} does not own an image with name: ${disk.IMAGE} . Set IMAGE_UNAME or IMAGE_UID of owner in DISK.` };
  }
  return null;
}

// ------------------------------------------------------------------ methods

const uniqueNames = (world: World) => world.images as unknown as Pool<OwnedRecord>;

/** one.image.allocate (`ImageAllocate`, `Image::insert`, `ImagePool::allocate`). */
function allocate(world: World, text: string, dsId: number): number {
  const t = parseTemplateParam(text);
  const ds: DatastoreRecord | undefined = world.datastores.get(dsId);
  if (!ds) throw notFound("datastore", dsId);
  if (ds.type === 1) throw allocateError("image", "New images cannot be allocated in a system datastore.");
  const name = tGet(t, "NAME") ?? "";
  const invalid = nameError(name);
  if (invalid) throw allocateError("image", invalid);
  const typeText = tGet(t, "TYPE") || "OS";
  const type = parseType(typeText);
  if (type < 0) throw allocateError("image", `Unknown type ${typeText}`);
  const path = tGet(t, "PATH") ?? "";
  const source = tGet(t, "SOURCE") ?? "";
  if (source === "" && path === "" && type !== 0 && type !== 2) throw allocateError("image", "No PATH nor SOURCE in template.");
  if (source !== "" && path !== "") throw allocateError("image", "Template malformed, PATH and SOURCE are mutually exclusive.");
  if (ds.type === 2 && !FILE_TYPES.has(type)) {
    throw allocateError("image", "Only IMAGES of type KERNEL, RAMDISK and CONTEXT can be registered in a FILE_DS datastore");
  }
  if (ds.type === 0 && FILE_TYPES.has(type)) {
    throw allocateError("image", "IMAGES of type KERNEL, RAMDISK and CONTEXT cannot be registered in an IMAGE_DS datastore");
  }
  const sizeText = tGet(t, "SIZE");
  let size: number;
  if (sizeText !== undefined && sizeText !== "") {
    size = Number(sizeText);
    if (!Number.isInteger(size) || size <= 0) throw allocateError("image", "SIZE attribute must be a positive integer value.");
  } else if (path !== "") {
    size = sizeFromPath(path);
  } else if (source !== "") {
    size = 0;
  } else {
    throw allocateError("image", "SIZE attribute is needed to create an empty image.");
  }
  const clash = world.images.findByName(name, 0);
  if (clash) throw allocateError("image", `NAME is already taken by IMAGE ${clash.id}.`);

  let stored: Template = t.filter((a) => !["NAME", "TYPE", "PERSISTENT", "PATH", "SIZE", "SOURCE", "FSTYPE", "TM_MAD", "FORMAT", "FS"].includes(a.name));
  // OS, DATABLOCK and CDROM images always carry a DEV_PREFIX (oned.conf DEFAULT_DEVICE_PREFIX /
  // DEFAULT_CDROM_DEVICE_PREFIX); kernel, ramdisk and context files never do.
  if (FILE_TYPES.has(type)) stored = tRemove(stored, "DEV_PREFIX");
  else if (!tGet(stored, "DEV_PREFIX")) stored = [...stored, { name: "DEV_PREFIX", value: "hd" }];
  const driver = (tGet(t, "DRIVER") ?? "").toLowerCase();
  const now = world.nowSec();
  const img: ImageRecord = {
    id: world.images.allocateId(),
    ...ownerFields(world),
    name,
    perms: defaultPermissions(),
    // No LOCK while the driver copies: `Image::set_state` takes a lock only when an image already
    // LOCKED is set to LOCKED again, and a new image goes INIT → LOCKED.
    lock: null,
    type,
    diskType: 0,
    // Files are never persistent (`Image::insert`).
    persistent: !FILE_TYPES.has(type) && (tGet(t, "PERSISTENT") ?? "").toUpperCase() === "YES" ? 1 : 0,
    regtime: now,
    modtime: now,
    source,
    path,
    format: tGet(t, "FORMAT") || (driver === "qcow2" ? "qcow2" : "raw"),
    fs: tGet(t, "FS") ?? tGet(t, "FSTYPE") ?? "",
    size,
    state: ImageState.LOCKED,
    prevState: ImageState.INIT,
    datastoreId: ds.id,
    datastore: ds.name,
    vms: [],
    template: stored,
    op: 0,
  };
  world.images.insert(img);
  world.datastores.touch(ds.id);
  world.schedule("image", img.id, img.op, "copied", world.delays.imageCopyMs);
  return img.id;
}

function remove(world: World, img: ImageRecord): number {
  switch (img.state) {
    case ImageState.READY:
      if (img.vms.length > 0) throw deleteError("image", `There are ${img.vms.length} VMs using it.`, img.id);
      break;
    case ImageState.CLONE:
      throw deleteError("image", "There are 0 active clone operations.", img.id);
    case ImageState.USED:
    case ImageState.USED_PERS:
    case ImageState.LOCKED_USED:
    case ImageState.LOCKED_USED_PERS:
      throw deleteError("image", `There are ${img.vms.length} VMs using it.`, img.id);
    default:
      break;
  }
  img.op++;
  setState(world, img, ImageState.DELETE);
  world.schedule("image", img.id, img.op, "deleted", world.delays.imageDeleteMs);
  return img.id;
}

/**
 * The image a manage call acts on, checked against its lock. Every image call but info is a MANAGE
 * one (the request classes' default `auth_op`, `RequestManagerImage.cc` 6.10, `ImageAPI` 7.x).
 */
function mustImage(world: World, id: number): ImageRecord {
  return mustAuthorized(world.images, "image", id, AuthOp.MANAGE);
}

export const imageMethods: MethodTable = {
  ...ownerMethods("image", "image", (world) => world.images, uniqueNames),
  ...lockMethods("image", "image", (world) => world.images),
  "one.image.allocate": writer(({ world }, p) => {
    const text = p.str(1);
    const dsId = p.int(2);
    p.optBool(3, false);
    return allocate(world, text, dsId);
  }),
  "one.image.delete": writer(({ world }, p) => {
    const img = mustImage(world, p.int(1));
    p.optBool(2, false);
    return remove(world, img);
  }),
  "one.image.info": reader(({ world }, p) => {
    const img = must(world.images, "image", p.int(1));
    p.optBool(2, false);
    return escapedDoc(imageXml(img));
  }),
  "one.image.update": writer(({ world }, p) => {
    const img = mustImage(world, p.int(1));
    img.template = updatedTemplate(img.template, p.str(2), p.optInt(3, 0));
    img.modtime = world.nowSec();
    world.images.touch(img.id);
    return img.id;
  }),
  "one.image.rename": writer(({ world }, p) => {
    const img = must(world.images, "image", p.int(1));
    if (applyRename(img, p.str(2), "image", uniqueNames(world))) world.images.touch(img.id);
    return img.id;
  }),
  "one.image.persistent": writer(({ world }, p) => {
    const img = mustImage(world, p.int(1));
    const persistent = p.bool(2);
    if (img.vms.length > 0 || img.state === ImageState.USED || img.state === ImageState.USED_PERS) {
      throw actionError("Cannot change persistent state of an image in use.", img.id);
    }
    if (persistent && (img.type === 1 || FILE_TYPES.has(img.type))) {
      throw actionError(`Images of type ${IMAGE_TYPES[img.type]} cannot be persistent.`, img.id);
    }
    img.persistent = persistent ? 1 : 0;
    setState(world, img, img.state);
    return img.id;
  }),
  "one.image.chtype": writer(({ world }, p) => {
    const img = mustImage(world, p.int(1));
    const typeText = p.str(2);
    const type = parseType(typeText);
    if (type < 0) throw new OneFailure(ErrorCode.INTERNAL, `Unknown image type ${typeText}.`, img.id);
    const ds = world.datastores.get(img.datastoreId);
    if (ds?.type === 2 && !FILE_TYPES.has(type)) {
      throw new OneFailure(ErrorCode.INTERNAL, "Only IMAGES of type KERNEL, RAMDISK and CONTEXT can be registered in a FILE_DS datastore", img.id);
    }
    if (ds?.type === 0 && FILE_TYPES.has(type)) {
      throw new OneFailure(ErrorCode.INTERNAL, "IMAGES of type KERNEL, RAMDISK and CONTEXT cannot be registered in an IMAGE_DS datastore", img.id);
    }
    img.type = type;
    setState(world, img, img.state);
    return img.id;
  }),
  "one.image.enable": writer(({ world }, p) => {
    const img = mustImage(world, p.int(1));
    const enable = p.bool(2);
    if (img.type === 6) throw new OneFailure(ErrorCode.INTERNAL, "Backup images cannot be enabled or disabled.", img.id);
    const wrong = () => new OneFailure(ErrorCode.INTERNAL, `Could not enable image: Image cannot be in state ${IMAGE_STATE_NAMES[img.state]}.`, img.id);
    if (enable) {
      if (img.state === ImageState.DISABLED) setState(world, img, ImageState.READY);
      else if (img.state === ImageState.ERROR) {
        img.template = tRemove(img.template, "ERROR");
        setState(world, img, img.vms.length > 0 ? (img.persistent ? ImageState.USED_PERS : ImageState.USED) : ImageState.READY);
      } else if (img.state !== ImageState.READY) throw wrong();
    } else if (img.state === ImageState.READY || img.state === ImageState.ERROR) {
      setState(world, img, ImageState.DISABLED);
    } else if (img.state !== ImageState.DISABLED) {
      throw wrong();
    }
    return img.id;
  }),
  "one.imagepool.info": reader(({ world }, p) => {
    const accept = both(ownerFilter<ImageRecord>(p.int(1)), null);
    const rows = world.images.select(readWindow(p), accept);
    return escapedPool("IMAGE_POOL", rows.map((img) => piece(world, img)));
  }),
};
