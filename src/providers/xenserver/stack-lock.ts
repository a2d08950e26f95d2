/**
 * A stack's lock on XenServer / XCP-ng: a key of its own in the pool object's `other_config`.
 *
 * The lock of stack S is the key `hyperplan-lock/<S>` of the one pool object (`pool.get_all` gives
 * one ref), where an administrator sees it (`xe pool-param-get param-name=other-config`, XenCenter's
 * pool properties). Its value is a JSON object: the holder (`who`, `host`, `pid`, `command`, `job`,
 * `run`) and `since`, the taking run's clock at the time (ms since the epoch). The lock and its
 * holder are written by one call, so no one ever sees the lock held by a run that has not said who
 * it is.
 *
 * What it relies on:
 * - FACTS §1.6: every class has `add_to_<map>(ref, key, value)` and `remove_from_<map>(ref, key)` for
 *   its RW maps; `other_config` of the pool is RW (§1.5).
 * - FACTS §1.4: an `add_to_<map>` of a key the map holds already fails with
 *   MAP_DUPLICATE_KEY [class, field, uuid, key]. xapi does the check and the write under its
 *   database lock on the master, so the add is a test-and-set: of two runs adding the key at once,
 *   one gets it and the other is refused. (Where xapi's `idempotent_map` is on, an add of the same
 *   key with the *same* value is accepted as a no-op; no two runs write the same value, since it
 *   carries each run's own `run` token.)
 * - Removing a key that is not in the map is no error (xapi's database filters the key out); an
 *   error answer to it is tolerated all the same.
 * - FACTS §1.2: map keys and values are strings on both wires.
 *
 * A call whose answer was lost (TransportError, `mayHaveActed`) is not sent again blindly: the add is
 * sent again only when it surely never reached xapi; otherwise the lock is read, and it is this run's
 * when it carries this run's token. A remove is made only after reading that the lock still carries
 * the releasing run's token (xapi has no compare-and-delete: between that read and the remove a
 * `hyperplan unlock` and another run's take would have to fit, which the person unlocking is told
 * to rule out). A lock whose run died stays until `hyperplan unlock`; its holder data lets
 * `describeLock` say when that process is gone from this machine.
 *
 * No message made here holds a password or a session ref: errors come from the client, which
 * redacts them, and the lock's own data has neither.
 */
import type { LockAttempt, LockHolder, LockState, StackLocks } from "../../planner/stack-lock.js";
import { TransportError } from "../kit/http-transport.js";
import type { XenApiClient } from "./client.js";
import { isXenApiError, XenProtocolError } from "./errors.js";
import { describeValue, isRef, type Ref, type WireValue } from "./field-types.js";

/** The prefix of the lock keys in the pool's other_config. */
export const LOCK_KEY_PREFIX = "hyperplan-lock/";

/** The key of stack `stack`'s lock in the pool's other_config. */
export function lockKey(stack: string): string {
  return `${LOCK_KEY_PREFIX}${stack}`;
}

/** How many times an add that surely never reached xapi, or lost a race to a release, is tried. */
const MAX_ATTEMPTS = 4;

/** What the lock's value says: when it was taken, and by whom when that can be read. */
interface LockValue {
  since: number;
  holder?: LockHolder;
}

export class XenServerStackLocks implements StackLocks {
  #pool: Promise<Ref<"pool">> | undefined;

  constructor(
    private readonly client: XenApiClient,
    private readonly clock: { now(): number } = { now: () => Date.now() },
  ) {}

  async tryAcquire(stack: string, holder: LockHolder): Promise<LockAttempt> {
    const pool = await this.pool();
    const key = lockKey(stack);
    let lastError: unknown;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const value = encodeLockValue(holder, this.clock.now());
      try {
        await this.client.call("pool.add_to_other_config", pool, key, value);
        return { acquired: true };
      } catch (error) {
        if (isXenApiError(error, "MAP_DUPLICATE_KEY")) {
          lastError = undefined;
          const current = await this.read(pool, key);
          // Released between the add and the read: try again.
          if (current === undefined) continue;
          // This run's token: an earlier attempt of this run took it.
          if (current.holder?.run === holder.run) return { acquired: true };
          return refused(current);
        }
        if (!(error instanceof TransportError)) throw error;
        lastError = error;
        // It never reached xapi: nothing was written, the add is sent again.
        if (!error.mayHaveActed) continue;
        // It may have been written: the lock says whose it is.
        const current = await this.read(pool, key);
        if (current === undefined) continue;
        if (current.holder?.run === holder.run) return { acquired: true };
        return refused(current);
      }
    }
    if (lastError !== undefined) throw lastError;
    // The lock was taken and released again under each attempt: someone holds it, now or a moment ago.
    return { acquired: false, since: this.clock.now() };
  }

  async release(stack: string, holder: LockHolder): Promise<void> {
    const pool = await this.pool();
    const key = lockKey(stack);
    for (let attempt = 1; ; attempt++) {
      const current = await this.read(pool, key);
      // Gone, or taken by another run after a `hyperplan unlock`: not this run's to touch.
      if (current === undefined || current.holder?.run !== holder.run) return;
      try {
        await this.client.call("pool.remove_from_other_config", pool, key);
        return;
      } catch (error) {
        // The remove may or may not have been made: the next read tells.
        if (!(error instanceof TransportError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  async inspect(stack: string): Promise<LockState> {
    const current = await this.read(await this.pool(), lockKey(stack));
    if (current === undefined) return { held: false };
    return { held: true, since: current.since, ...(current.holder ? { holder: current.holder } : {}) };
  }

  async forceRelease(stack: string): Promise<void> {
    const pool = await this.pool();
    const key = lockKey(stack);
    try {
      await this.client.call("pool.remove_from_other_config", pool, key);
    } catch (error) {
      // A xapi that refuses to remove a missing key: gone is what was asked for.
      if (isXenApiError(error) && (await this.read(pool, key)) === undefined) return;
      throw error;
    }
  }

  /** The pool's ref: there is one pool object per xapi (FACTS §1.5). */
  private pool(): Promise<Ref<"pool">> {
    this.#pool ??= this.findPool().catch((error: unknown) => {
      this.#pool = undefined;
      throw error;
    });
    return this.#pool;
  }

  private async findPool(): Promise<Ref<"pool">> {
    const refs = await this.client.call("pool.get_all");
    if (!Array.isArray(refs) || refs.length === 0 || !isRef(refs[0])) {
      throw new XenProtocolError("pool.get_all", `expected the pool's ref, got ${describeValue(refs)}`, { className: "pool" });
    }
    return refs[0] as Ref<"pool">;
  }

  /** The lock under `key`, or undefined when no one holds it. */
  private async read(pool: Ref<"pool">, key: string): Promise<LockValue | undefined> {
    const config = await this.client.call("pool.get_other_config", pool);
    if (typeof config !== "object" || config === null || Array.isArray(config) || config instanceof Date) {
      throw new XenProtocolError("pool.get_other_config", `expected a map, got ${describeValue(config)}`, { className: "pool", ref: pool, field: "other_config" });
    }
    if (!Object.prototype.hasOwnProperty.call(config, key)) return undefined;
    return decodeLockValue((config as Record<string, WireValue>)[key]);
  }
}

function refused(current: LockValue): LockAttempt {
  return { acquired: false, since: current.since, ...(current.holder ? { holder: current.holder } : {}) };
}

/** The value written under the lock's key: the holder's fields (only those) and `since`. */
export function encodeLockValue(holder: LockHolder, since: number): string {
  return JSON.stringify({
    who: holder.who,
    host: holder.host,
    pid: holder.pid,
    command: holder.command,
    ...(holder.job !== undefined ? { job: holder.job } : {}),
    run: holder.run,
    since,
  });
}

/**
 * What a lock's value says. A value of no known shape (written by hand, by another tool) still is a
 * held lock: since 0 (unknown) and no holder when it is not JSON; the parts that read when it is.
 */
export function decodeLockValue(value: WireValue | undefined): LockValue {
  if (typeof value !== "string") return { since: 0 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return { since: 0 };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { since: 0 };
  const o = parsed as Record<string, unknown>;
  const since = typeof o.since === "number" && Number.isFinite(o.since) && o.since >= 0 ? o.since : 0;
  const text = (v: unknown): v is string => typeof v === "string";
  if (!text(o.who) || !text(o.host) || !text(o.command) || !text(o.run) || typeof o.pid !== "number" || !Number.isInteger(o.pid)) return { since };
  if (o.job !== undefined && !text(o.job)) return { since };
  const holder: LockHolder = { who: o.who, host: o.host, pid: o.pid, command: o.command, ...(text(o.job) ? { job: o.job } : {}), run: o.run };
  return { since, holder };
}
