/**
 * Whether a lock on an object blocks a call (FACTS §9). Every oned call is authorized with an
 * operation (`AuthRequest::Operation`: USE 1, MANAGE 2, ADMIN 4); `AclManager::oneadmin_authorize`
 * (`src/acl/AclManager.cc`) refuses it when the object's lock state is `0 < locked <= op`, so a USE
 * lock blocks use, manage and admin operations, a MANAGE lock manage and admin ones, an ADMIN lock
 * only admin ones. Info calls (`USE_NO_LCK`) and lock/unlock (`MANAGE_NO_LCK`) are never blocked.
 * The refusal is the one `AuthRequest::add_auth` (`src/auth/AuthManager.cc`) writes for oneadmin,
 * returned as AUTHORIZATION by `SharedAPI::basic_authorization` (`src/rm/api/SharedAPI.cc`):
 * `[method] User [0] : <TYPE> is locked. [<id>].` (`Request::failure_message`).
 */
import { ErrorCode, OBJECT_TYPE_STR, OneFailure, type ObjectKind } from "./failure.js";
import type { OwnedRecord } from "./records.js";

/** `AuthRequest::Operation`: the level a call needs on the object it acts on. */
export const AuthOp = {
  USE: 1,
  MANAGE: 2,
  ADMIN: 4,
} as const;

export type AuthOpLevel = (typeof AuthOp)[keyof typeof AuthOp];

/** `PoolObjectSQL::LockStates` as stored and printed in LOCK/LOCKED. */
export const LockState = {
  USE: 1,
  MANAGE: 2,
  ADMIN: 3,
} as const;

/**
 * Fails as oned does when `record` carries a lock that blocks an operation of level `op`
 * (`AclManager::oneadmin_authorize`: `locked > 0 && locked <= op`). The account is oneadmin, so the
 * message is the "is locked" one, never "Not authorized to perform".
 */
export function checkLock(record: OwnedRecord, kind: ObjectKind, op: AuthOpLevel): void {
  const locked = record.lock?.locked ?? 0;
  if (locked > 0 && locked <= op) {
    // resp_id stays -1: `SharedAPI::basic_authorization` sets it only for NO_EXISTS.
    throw new OneFailure(ErrorCode.AUTHORIZATION, `User [0] : ${OBJECT_TYPE_STR[kind]} is locked. [${record.id}].`, -1);
  }
}
