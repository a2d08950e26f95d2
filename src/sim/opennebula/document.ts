/**
 * Generic documents (FACTS §9; `src/document/Document.cc`, `src/rm/api/DocumentAPI.{h,cc}`,
 * `src/rm/xml-rpc/DocumentXRPC.cc`, document.xsd): an owned object with a NAME, an integer TYPE the
 * application chooses and a free TEMPLATE; OneFlow keeps its services in them, and they are a
 * natural home for an application's lock or marker object.
 *
 * - allocate(template, type): NAME is taken out of the template (`Document::insert`); an empty or
 *   absent NAME becomes `document-<id>`, a NAME longer than 128 characters is refused (INTERNAL,
 *   `DocumentAllocateAPI::pool_allocate`) and no other check is made on it. Names are NOT unique:
 *   `DocumentAPI::exist` answers -1 and `check_name_unique` succeeds, and document_pool has no
 *   UNIQUE constraint (`include/OneDB.h`).
 * - Every call but info needs MANAGE (`DocumentAPI`'s `auth_op`); info is `USE_NO_LCK`.
 * - one.documentpool.info(filter, start, end, type): the type is required (`paramList.getInt(4)`)
 *   and filters `type = <type>` (`DocumentPoolInfoXRPC`, `RequestManagerPoolInfoFilter.cc` 6.10).
 */
import {
  mustAuthorized,
  applyRename,
  both,
  must,
  ownerFields,
  ownerFilter,
  ownerMethods,
  parseTemplateParam,
  reader,
  readWindow,
  updatedTemplate,
  writer,
  type MethodTable,
} from "./context.js";
import { ErrorCode, OneFailure } from "./failure.js";
import { AuthOp } from "./lock-check.js";
import { lockMethods } from "./locks.js";
import type { DocumentRecord } from "./records.js";
import { tGet, tRemove } from "./template-ops.js";
import { defaultPermissions, el, escapedDoc, escapedPool, escapePiece, lockXml, permissionsXml, templateXml } from "./xml.js";
import type { World } from "./world.js";

/** `Document::to_xml`: ID, UID, GID, UNAME, GNAME, NAME, TYPE, PERMISSIONS, LOCK (when locked), TEMPLATE. */
function documentXml(d: DocumentRecord): string {
  return (
    `<DOCUMENT>${el("ID", d.id)}${el("UID", d.uid)}${el("GID", d.gid)}${el("UNAME", d.uname)}${el("GNAME", d.gname)}` +
    `${el("NAME", d.name)}${el("TYPE", d.type)}${permissionsXml(d.perms)}${lockXml(d.lock)}${templateXml(d.template, "TEMPLATE")}</DOCUMENT>`
  );
}

function piece(world: World, d: DocumentRecord): string {
  return world.documents.cached(d.id, "doc", () => escapePiece(documentXml(d)));
}

/** The document a manage call acts on, checked against its lock. */
function mustManage(world: World, id: number): DocumentRecord {
  return mustAuthorized(world.documents, "document", id, AuthOp.MANAGE);
}

export const documentMethods: MethodTable = {
  ...ownerMethods("document", "document", (world) => world.documents, null),
  ...lockMethods("document", "document", (world) => world.documents),
  "one.document.allocate": writer(({ world }, p) => {
    const text = p.str(1);
    const type = p.int(2);
    const t = parseTemplateParam(text);
    const id = world.documents.nextId;
    let name = tGet(t, "NAME") ?? "";
    if (name === "") name = `document-${id}`;
    // `Document::insert` counts bytes (std::string::length).
    else if (Buffer.byteLength(name, "utf8") > 128) throw new OneFailure(ErrorCode.INTERNAL, "NAME is too long; max length is 128 chars.", -1);
    world.documents.allocateId();
    world.documents.insert({ id, ...ownerFields(world), name, perms: defaultPermissions(), lock: null, type, template: tRemove(t, "NAME") });
    return id;
  }),
  "one.document.info": reader(({ world }, p) => {
    const id = p.int(1);
    p.optBool(2, false);
    return escapedDoc(documentXml(must(world.documents, "document", id)));
  }),
  "one.document.update": writer(({ world }, p) => {
    // DocumentUpdateXRPC reads every parameter before the update runs.
    const id = p.int(1);
    const text = p.str(2);
    const type = p.optInt(3, 0);
    const d = mustManage(world, id);
    // The document keeps what the update gives, NAME included (Document has no post_update_template).
    d.template = updatedTemplate(d.template, text, type);
    world.documents.touch(d.id);
    return d.id;
  }),
  "one.document.rename": writer(({ world }, p) => {
    const id = p.int(1);
    const name = p.str(2);
    const d = must(world.documents, "document", id);
    if (applyRename(d, name, "document", null)) world.documents.touch(d.id);
    return d.id;
  }),
  "one.document.delete": writer(({ world }, p) => {
    const d = mustManage(world, p.int(1));
    world.documents.remove(d.id);
    return d.id;
  }),
  "one.documentpool.info": reader(({ world }, p) => {
    // oned reads every parameter (getInt) before it looks at the filter flag.
    const flag = p.int(1);
    const window = readWindow(p);
    const type = p.int(4);
    const owner = ownerFilter<DocumentRecord>(flag);
    const rows = world.documents.select(window, both(owner, (d) => d.type === type));
    return escapedPool("DOCUMENT_POOL", rows.map((d) => piece(world, d)));
  }),
};
