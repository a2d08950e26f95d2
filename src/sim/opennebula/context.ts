/**
 * What a method handler gets and the helpers every kind shares: owner filters and pool windows
 * (FACTS §4), template parameters, update types, chmod/chown/rename (`RequestManagerChmod`,
 * `RequestManagerChown`, `RequestManagerRename`).
 */
import type { XmlRpcValue } from "../../xmlrpc/index.js";
import { ErrorCode, OBJECT_NAMES, OneFailure, apiError, actionError, internalError, notFound, type ObjectKind } from "./failure.js";
import { AuthOp, checkLock, type AuthOpLevel } from "./lock-check.js";
import type { Params } from "./params.js";
import type { Pool, PoolWindow } from "./pool.js";
import type { OwnedRecord } from "./records.js";
import type { Template } from "./template-ops.js";
import { TemplateParseError, mergeTemplates, parseOneTemplate } from "./template-parse.js";
import type { World } from "./world.js";

export interface MethodContext {
  world: World;
  method: string;
}

export type Handler = (ctx: MethodContext, p: Params) => XmlRpcValue;

export interface MethodSpec {
  run: Handler;
  /** True when a successful call may change the world (the state file is saved after it). */
  mutates: boolean;
}

export type MethodTable = Record<string, MethodSpec>;

export function reader(run: Handler): MethodSpec {
  return { run, mutates: false };
}

export function writer(run: Handler): MethodSpec {
  return { run, mutates: true };
}

/**
 * The filter flag of pool info calls: -4 primary group, -3 mine, -2 all, -1 mine and my groups,
 * >= 0 that user. The simulator's account is uid 0 in group 0. Returns null when every object passes.
 */
export function ownerFilter<R extends OwnedRecord>(flag: number): ((r: R) => boolean) | null {
  if (flag < -4) throw apiError("Incorrect filter_flag.");
  switch (flag) {
    case -4:
      return (r) => r.gid === 0;
    case -3:
      return (r) => r.uid === 0;
    case -2:
      return null;
    case -1:
      return (r) => r.uid === 0 || r.gid === 0;
    default:
      return (r) => r.uid === flag;
  }
}

/** Combines filters; null means "accept all" and lets a page skip scanning. */
export function both<R>(a: ((r: R) => boolean) | null, b: ((r: R) => boolean) | null): ((r: R) => boolean) | undefined {
  if (a && b) return (r) => a(r) && b(r);
  return a ?? b ?? undefined;
}

/** `(filter, start, end)` from positions 1..3 (after the session). */
export function readWindow(p: Params, at = 2): PoolWindow {
  return { start: p.int(at), end: p.int(at + 1) };
}

/** Parses a template parameter as oned does (`parse_str_or_xml`); a syntax error is INTERNAL with oned's words. */
export function parseTemplateParam(text: string): Template {
  try {
    return parseOneTemplate(text);
  } catch (error) {
    if (error instanceof TemplateParseError) throw internalError(error.message);
    throw error;
  }
}

/** one.*.update type 0 replaces the template, 1 merges into it (`Template::merge`). */
export function updatedTemplate(current: Template, text: string, type: number): Template {
  if (type < 0 || type > 1) throw apiError("Wrong update type");
  const update = parseTemplateParam(text);
  return type === 0 ? update : mergeTemplates(current, update);
}

/** Fetches an object or fails with NO_EXISTS as oned words it. */
export function must<R extends { id: number; uid: number; gid: number; name: string }>(pool: Pool<R>, kind: ObjectKind, id: number): R {
  const r = pool.get(id);
  if (!r) throw notFound(kind, id);
  return r;
}

/** The object a call acts on, checked against its lock for the level the call needs (lock-check.ts). */
export function mustAuthorized<R extends OwnedRecord>(pool: Pool<R>, kind: ObjectKind, id: number, op: AuthOpLevel): R {
  const r = must(pool, kind, id);
  checkLock(r, kind, op);
  return r;
}

// PoolObjectSQL INVALID_NAME_CHARS.
const INVALID_NAME_CHARS = "&|:\\\";/'#{}$<>";

/** `PoolObjectSQL::name_is_valid`. */
export function nameError(name: string): string | null {
  if (name === "") return "Invalid NAME, it cannot be empty";
  for (const ch of name) {
    if (INVALID_NAME_CHARS.includes(ch)) return `Invalid NAME, char '${ch}' is not allowed`;
  }
  if (name.length > 128) return "Invalid NAME, max length is 128 chars";
  return null;
}

/**
 * one.*.chmod (`SharedAPI::chmod`): nine bits after the id, -1 keeps a bit. The call needs ADMIN on
 * the object when it changes an ADMIN bit, MANAGE otherwise (so an ADMIN lock blocks only the
 * former); a bit other than -1, 0 or 1 is INTERNAL (`PoolObjectSQL::set_permissions`).
 */
export function applyChmod(record: OwnedRecord, p: Params, kind: ObjectKind): void {
  const bits: number[] = [];
  for (let i = 0; i < 9; i++) bits.push(p.int(2 + i));
  const changesAdmin = [2, 5, 8].some((i) => bits[i] !== -1 && bits[i] !== record.perms[i]);
  checkLock(record, kind, changesAdmin ? AuthOp.ADMIN : AuthOp.MANAGE);
  for (const b of bits) {
    if (b < -1 || b > 1) throw new OneFailure(ErrorCode.INTERNAL, "New permission values must be -1, 0 or 1", record.id);
  }
  bits.forEach((b, i) => {
    if (b !== -1) record.perms[i] = b;
  });
}

/** one.*.chown: uid and gid, -1 keeps; unknown ones are NO_EXISTS. */
export function applyChown(world: World, record: OwnedRecord, uid: number, gid: number, kind: ObjectKind, uniqueNames: Pool<OwnedRecord> | null): void {
  let uname = record.uname;
  let gname = record.gname;
  if (uid > -1) {
    const n = world.userNameOf(uid);
    if (n === undefined) throw notFound("user", uid);
    uname = n;
  }
  if (gid > -1) {
    const n = world.groupNameOf(gid);
    if (n === undefined) throw notFound("group", gid);
    gname = n;
  }
  checkLock(record, kind, AuthOp.MANAGE);
  // `SharedAPI::check_name_unique`: the new owner may not own another object of the name.
  if (uid > -1 && uniqueNames && uid !== record.uid) {
    const clash = uniqueNames.findByName(record.name, uid);
    if (clash) {
      throw new OneFailure(ErrorCode.INTERNAL, `user [${uid}] already owns ${OBJECT_NAMES[kind]} [${clash.id}] with NAME ${record.name}`, -1);
    }
  }
  if (uid > -1) {
    record.uid = uid;
    record.uname = uname;
  }
  if (gid > -1) {
    record.gid = gid;
    record.gname = gname;
  }
}

/**
 * one.*.rename (`SharedAPI::rename`): the same name is a no-op (before authorization, so even on a
 * locked object); then the MANAGE authorization (lock check); kinds whose names are unique per owner
 * refuse a name the owner already uses; then `PoolObjectSQL::name_is_valid`.
 */
export function applyRename(record: OwnedRecord, newName: string, kind: ObjectKind, uniqueNames: Pool<OwnedRecord> | null): boolean {
  if (record.name === newName) return false;
  checkLock(record, kind, AuthOp.MANAGE);
  if (uniqueNames) {
    const clash = uniqueNames.findByName(newName, record.uid);
    if (clash && clash.id !== record.id) {
      const what = OBJECT_NAMES[kind];
      throw actionError(`${what} cannot be renamed to ${newName} because it collides with ${what} ${clash.id}`, -1);
    }
  }
  const invalid = nameError(newName);
  if (invalid) throw actionError(invalid, -1);
  record.name = newName;
  return true;
}

export function ownerFields(world: World): Pick<OwnedRecord, "uid" | "gid" | "uname" | "gname"> {
  return { uid: 0, gid: 0, uname: world.userName, gname: "oneadmin" };
}

/**
 * `one.<object>.chmod` and `one.<object>.chown` of a kind kept in a pool: the same rules for every
 * owned object (`SharedAPI`'s chmod/chown). `uniqueNames` is the pool whose names are unique per owner
 * (images, networks, security groups), so a chown cannot make two of one owner share a name.
 */
export function ownerMethods<R extends OwnedRecord>(
  object: string,
  kind: ObjectKind,
  pool: (world: World) => Pool<R>,
  uniqueNames: ((world: World) => Pool<OwnedRecord>) | null,
): MethodTable {
  return {
    [`one.${object}.chmod`]: writer(({ world }, p) => {
      const record = must(pool(world), kind, p.int(1));
      applyChmod(record, p, kind);
      pool(world).touch(record.id);
      return record.id;
    }),
    [`one.${object}.chown`]: writer(({ world }, p) => {
      const record = must(pool(world), kind, p.int(1));
      applyChown(world, record, p.int(2), p.int(3), kind, uniqueNames ? uniqueNames(world) : null);
      pool(world).touch(record.id);
      return record.id;
    }),
  };
}
