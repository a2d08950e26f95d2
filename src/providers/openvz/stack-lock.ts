/**
 * A stack's lock on the panel. The panel has no lock call, but it keeps user logins unique (owp
 * app/models/user.rb `validates_uniqueness_of :login`): `users/create` of the login
 * `hplock-<stack>` succeeds for one run and is refused, "login has already been taken", for any
 * other. The lock is that user; releasing it deletes it. The user is made with a random password
 * nobody keeps and no role, and its contact name says who holds the lock (the holder, as JSON), so a
 * run refused the lock names the holder.
 *
 * Taking the lock also waits until the panel has finished what an earlier holder left running: a run
 * killed while its creates were in flight leaves them running on the panel, which saves a container
 * only once vzctl is done, so the next run would not see them yet and make them again. Each hardware
 * server is asked for `hardware_servers/sync`, which the panel runs after the vzctl work already
 * queued on that server (one vzctl at a time per hardware server): once every sync answered, those
 * containers are in the panel's database, and the apply's read finds them.
 *
 * Limits: only a superadmin may create users, as only a superadmin may create containers; a login
 * is at most 40 characters (the same model file), so the stack name at most 33; an answer lost while
 * the user is made leaves the run unsure whether the lock is its own, so it takes it for another's
 * (`hyperplan unlock` removes it).
 */
import { randomBytes } from "node:crypto";
import type { LockAttempt, LockHolder, LockState, StackLocks } from "../../planner/stack-lock.js";
import type { OwpClient } from "./client.js";
import { OpenVzConfigError } from "./config.js";
import { OwpCallFailed, OwpValidationError } from "./errors.js";

export function lockLogin(stack: string): string {
  const login = `hplock-${stack.toLowerCase()}`;
  if (login.length > 40) throw new OpenVzConfigError(`the stack name ${JSON.stringify(stack)} is too long for the panel's lock (a user login of at most 40 characters, "hplock-<stack>"): at most 33 characters`);
  return login;
}

function holderOf(contactName: string | null): LockHolder | undefined {
  if (contactName === null) return undefined;
  try {
    const parsed = JSON.parse(contactName) as LockHolder;
    return typeof parsed.who === "string" && typeof parsed.pid === "number" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export class OpenVzStackLocks implements StackLocks {
  /** The lock users this run made, by stack: the only ones `release` deletes. */
  readonly #mine = new Map<string, number>();

  constructor(private readonly client: OwpClient) {}

  async tryAcquire(stack: string, holder: LockHolder): Promise<LockAttempt> {
    for (let attempt = 0; ; attempt++) {
      try {
        const { job: _job, ...short } = holder;
        const password = randomBytes(18).toString("base64url");
        const id = await this.client.createUser({ login: lockLogin(stack), password, password_confirmation: password, contact_name: JSON.stringify(short) });
        this.#mine.set(stack, id);
        await this.settle();
        return { acquired: true };
      } catch (error) {
        if (!(error instanceof OwpValidationError && error.problems.some((p) => p.field === "login"))) throw error;
        const state = await this.inspect(stack);
        // Released between the refusal and the look: try once more.
        if (!state.held && attempt === 0) continue;
        return state.held ? { acquired: false, since: state.since, ...(state.holder ? { holder: state.holder } : {}) } : { acquired: false, since: Date.now() };
      }
    }
  }

  /** Waits for the vzctl work queued on every hardware server (see the file comment). */
  private async settle(): Promise<void> {
    const servers = await this.client.hardwareServers();
    await Promise.all(
      servers.map(async (server) => {
        try {
          await this.client.call("hardware_servers", "sync", { id: server.id }, "change");
        } catch (error) {
          // A sync whose vzlist failed still ran after the queued work: it was waited for all the same.
          if (!(error instanceof OwpCallFailed)) throw error;
        }
      }),
    );
  }

  async release(stack: string, _holder: LockHolder): Promise<void> {
    const id = this.#mine.get(stack);
    if (id === undefined) return;
    this.#mine.delete(stack);
    await this.client.deleteUser(id);
  }

  async inspect(stack: string): Promise<LockState> {
    const user = (await this.client.users()).find((u) => u.login === lockLogin(stack));
    if (!user) return { held: false };
    const since = user.createdAt ? Date.parse(user.createdAt) : Number.NaN;
    const holder = holderOf(user.contactName);
    return { held: true, since: Number.isFinite(since) ? since : Date.now(), ...(holder ? { holder } : {}) };
  }

  async forceRelease(stack: string): Promise<void> {
    const user = (await this.client.users()).find((u) => u.login === lockLogin(stack));
    if (user) await this.client.deleteUser(user.id);
    this.#mine.delete(stack);
  }
}
