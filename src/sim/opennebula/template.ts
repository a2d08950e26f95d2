/**
 * VM templates (`src/vm_template/VMTemplate.cc`, vmtemplate.xsd): no STATE; names unique per owner,
 * checked in code (`VMTemplatePool::allocate`, FACTS §7) at allocate, clone and rename.
 * one.template.instantiate merges the extra template into the stored one (`Template::merge`: an
 * attribute given in the extra template replaces every attribute of that name) and allocates a VM
 * from it.
 */
import {
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
import { allocateError, ErrorCode, OneFailure } from "./failure.js";
import { ImageState } from "./image.js";
import { AuthOp, checkLock } from "./lock-check.js";
import { lockMethods } from "./locks.js";
import type { Pool } from "./pool.js";
import type { OwnedRecord, VmTemplateRecord } from "./records.js";
import { tClone, tGet, tRemove, tSet, type Template } from "./template-ops.js";
import { mergeTemplates } from "./template-parse.js";
import { createVm } from "./vm.js";
import { defaultPermissions, el, escapedDoc, escapedPool, escapePiece, lockXml, permissionsXml, templateXml } from "./xml.js";
import type { World } from "./world.js";

function templateDocXml(t: VmTemplateRecord, body: Template): string {
  return (
    `<VMTEMPLATE>${el("ID", t.id)}${el("UID", t.uid)}${el("GID", t.gid)}${el("UNAME", t.uname)}${el("GNAME", t.gname)}` +
    `${el("NAME", t.name)}${lockXml(t.lock)}${permissionsXml(t.perms)}${el("REGTIME", t.regtime)}${templateXml(body, "TEMPLATE")}</VMTEMPLATE>`
  );
}

function piece(world: World, t: VmTemplateRecord): string {
  return world.templates.cached(t.id, "doc", () => escapePiece(templateDocXml(t, t.template)));
}

/** one.template.info extended: each DISK with an image gets its SIZE (and datastore) filled in. */
function extendedBody(world: World, t: VmTemplateRecord): Template {
  return t.template.map((a) => {
    if (a.name !== "DISK" || typeof a.value === "string") return a;
    const d = a.value;
    const id = d.IMAGE_ID !== undefined ? Number(d.IMAGE_ID) : undefined;
    const img = id !== undefined ? world.images.get(id) : d.IMAGE !== undefined ? world.images.findByName(d.IMAGE, 0) : undefined;
    if (!img) return a;
    return { name: a.name, value: { ...d, SIZE: d.SIZE ?? String(img.size), DATASTORE: img.datastore, DATASTORE_ID: String(img.datastoreId) } };
  });
}

/** The pool, seen as one whose names are unique per owner (for rename and chown). */
const uniqueNames = (world: World) => world.templates as unknown as Pool<OwnedRecord>;

/**
 * `VMTemplatePool::allocate` (`src/vm_template/VMTemplatePool.cc`): the name must be valid and not
 * taken by another template of the owner (FACTS §7), else ALLOCATE.
 */
function create(world: World, name: string, body: Template): number {
  const invalid = nameError(name);
  if (invalid) throw allocateError("template", invalid);
  const clash = world.templates.findByName(name, 0);
  if (clash) throw allocateError("template", `NAME is already taken by TEMPLATE ${clash.id}.`);
  const id = world.templates.allocateId();
  world.templates.insert({ id, ...ownerFields(world), name, perms: defaultPermissions(), lock: null, regtime: world.nowSec(), template: body });
  return id;
}

function diskImageIds(world: World, body: Template): number[] {
  const ids: number[] = [];
  for (const a of body) {
    if (a.name !== "DISK" || typeof a.value === "string") continue;
    const d = a.value;
    if (d.IMAGE_ID !== undefined) ids.push(Number(d.IMAGE_ID));
    else if (d.IMAGE !== undefined) {
      const img = world.images.findByName(d.IMAGE, 0);
      if (img) ids.push(img.id);
    }
  }
  return ids.filter((n) => Number.isInteger(n));
}

export const templateMethods: MethodTable = {
  ...ownerMethods("template", "template", (world) => world.templates, uniqueNames),
  ...lockMethods("template", "template", (world) => world.templates),
  "one.template.allocate": writer(({ world }, p) => {
    const t = parseTemplateParam(p.str(1));
    return create(world, tGet(t, "NAME") ?? "", tRemove(t, "NAME"));
  }),
  "one.template.clone": writer(({ world }, p) => {
    const src = must(world.templates, "template", p.int(1));
    const name = p.str(2);
    p.optBool(3, false);
    // Cloning needs USE on the source (`RequestManagerClone`, 6.10).
    checkLock(src, "template", AuthOp.USE);
    return create(world, name, tClone(src.template));
  }),
  "one.template.delete": writer(({ world }, p) => {
    const t = must(world.templates, "template", p.int(1));
    const withImages = p.optBool(2, false);
    checkLock(t, "template", AuthOp.MANAGE);
    if (withImages) {
      for (const id of diskImageIds(world, t.template)) {
        const img = world.images.get(id);
        if (!img || img.vms.length > 0) continue;
        img.op++;
        img.prevState = img.state;
        img.state = ImageState.DELETE;
        world.images.touch(img.id);
        world.schedule("image", img.id, img.op, "deleted", world.delays.imageDeleteMs);
      }
    }
    world.templates.remove(t.id);
    return t.id;
  }),
  "one.template.info": reader(({ world }, p) => {
    const t = must(world.templates, "template", p.int(1));
    const extended = p.optBool(2, false);
    p.optBool(3, false);
    return escapedDoc(templateDocXml(t, extended ? extendedBody(world, t) : t.template));
  }),
  "one.template.update": writer(({ world }, p) => {
    const t = must(world.templates, "template", p.int(1));
    checkLock(t, "template", AuthOp.MANAGE);
    t.template = tRemove(updatedTemplate(t.template, p.str(2), p.optInt(3, 0)), "NAME");
    world.templates.touch(t.id);
    return t.id;
  }),
  "one.template.rename": writer(({ world }, p) => {
    const t = must(world.templates, "template", p.int(1));
    if (applyRename(t, p.str(2), "template", uniqueNames(world))) world.templates.touch(t.id);
    return t.id;
  }),
  "one.template.instantiate": writer(({ world }, p) => {
    const t = must(world.templates, "template", p.int(1));
    const name = p.str(2);
    const hold = p.optBool(3, false);
    // Instantiating needs USE on the template: any lock level blocks it.
    checkLock(t, "template", AuthOp.USE);
    const extraText = p.optStr(4, "");
    const persistent = p.optBool(5, false);
    let body = tClone(t.template);
    if (extraText.trim() !== "") {
      try {
        body = mergeTemplates(body, parseTemplateParam(extraText));
      } catch (error) {
        if (error instanceof OneFailure) throw new OneFailure(ErrorCode.INTERNAL, error.oneMessage, t.id);
        throw error;
      }
    }
    let templateId = t.id;
    if (persistent) {
      // A private copy of the template is instantiated (images are not copied: see SPEC.md).
      templateId = create(world, name !== "" ? name : `${t.name}-copy`, tClone(t.template));
    }
    body = tSet(body, "TEMPLATE_ID", String(templateId));
    body = tSet(body, "TEMPLATE_NAME", t.name);
    if (name !== "") body = tSet(body, "NAME", name);
    else body = tRemove(body, "NAME");
    return createVm(world, body, hold);
  }),
  "one.templatepool.info": reader(({ world }, p) => {
    const accept = both(ownerFilter<VmTemplateRecord>(p.int(1)), null);
    const rows = world.templates.select(readWindow(p), accept);
    return escapedPool("VMTEMPLATE_POOL", rows.map((t) => piece(world, t)));
  }),
};
