/**
 * one.<object>.lock and one.<object>.unlock (FACTS §9): `SharedAPI::lock`/`unlock`
 * (`src/rm/api/SharedAPI.cc` 7.x; `RequestManagerLock.cc` 6.10), `PoolObjectSQL::lock_db`,
 * `unlock_db`, `test_lock_db` (`src/pool/PoolObjectSQL.cc`, `include/PoolObjectSQL.h`). What a lock
 * blocks is in lock-check.ts.
 */
import { must, writer, type MethodTable } from "./context.js";
import { actionError, type ObjectKind } from "./failure.js";
import { LockState } from "./lock-check.js";
import type { Pool } from "./pool.js";
import type { OwnedRecord } from "./records.js";
import type { World } from "./world.js";

/** The stored lock state of the API's level argument, or null when oned refuses the level. */
function lockStateOf(level: number): number | null {
  switch (level) {
    case 1:
    case 4: // ALL equals USE
      return LockState.USE;
    case 2:
      return LockState.MANAGE;
    case 3:
      return LockState.ADMIN;
    default:
      return null;
  }
}

/**
 * `one.<object>.lock(id, level, [test])` and `one.<object>.unlock(id)` for a lockable kind
 * (`PoolObjectSQL::LockableObject`: VM, TEMPLATE, IMAGE, NET, DOCUMENT among those simulated;
 * not SECGROUP). The simulator's one account is uid 0 and an admin, so every lock it finds is its
 * own or one it may override, and an unlock always succeeds ("Cannot unlock: Lock is owned by
 * another user" needs a second, non-admin user).
 */
export function lockMethods<R extends OwnedRecord>(object: string, kind: ObjectKind, pool: (world: World) => Pool<R>): MethodTable {
  return {
    [`one.${object}.lock`]: writer(({ world }, p) => {
      // Every parameter is read (and type-checked by xmlrpc-c) before the object is looked up.
      const id = p.int(1);
      const level = p.int(2);
      const test = p.optBool(3, false);
      const record = must(pool(world), kind, id);
      const state = lockStateOf(level);
      if (state === null) throw actionError("Wrong lock level specified");
      // `test_lock_db` puts the lock's TIME (epoch seconds) in resp_msg, and that is the whole message.
      if (test && record.lock) throw actionError(String(record.lock.time));
      // REQ_ID is oned's request id ((this × random) % 10000); drawn from the seeded PRNG here.
      record.lock = { locked: state, owner: 0, time: world.nowSec(), reqId: Math.floor(world.random.next() * 10000) };
      pool(world).touch(record.id);
      return record.id;
    }),
    [`one.${object}.unlock`]: writer(({ world }, p) => {
      const record = must(pool(world), kind, p.int(1));
      // `unlock_db` with owner -1 (the caller is an admin): always clears.
      record.lock = null;
      pool(world).touch(record.id);
      return record.id;
    }),
  };
}
