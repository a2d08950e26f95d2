/**
 * A stack's lock on Gandi hosting. The API has no test-and-set and no free-form metadata, but disk
 * names are unique per account (the simulator keeps them so, unverified against a live endpoint):
 * making a 1 MB disk named `hyperplan_lock.<stack>` succeeds for one run and is refused, "already
 * exists", for any other. The lock is that disk; releasing it deletes it.
 *
 * Limits, to say where users read them: the disk is billed while it exists (1 MB); nothing on it can
 * say who holds it, so a held lock names no holder, only since when (its `disk_create` operation);
 * and an answer lost while the disk is made leaves the run unsure whether the lock is its own, so it
 * takes it for another's (`hyperplan unlock` removes it). The underscore keeps the name outside the
 * stack's own names (naming.ts), so no plan ever takes the lock for one of its disks.
 */
import type { LockAttempt, LockHolder, LockState, StackLocks } from "../../planner/stack-lock.js";
import type { GandiClient } from "./client.js";
import { isGandiFault } from "./errors.js";

export function lockDiskName(stack: string): string {
  return `hyperplan_lock.${stack}`;
}

export class GandiStackLocks implements StackLocks {
  /** The lock disks this run made, by stack: the only ones `release` deletes. */
  readonly #mine = new Map<string, number>();

  constructor(private readonly client: GandiClient) {}

  async tryAcquire(stack: string): Promise<LockAttempt> {
    try {
      const disk = await this.client.diskCreate({ size: 1, name: lockDiskName(stack), fstype: "ext3" });
      this.#mine.set(stack, disk);
      return { acquired: true };
    } catch (error) {
      if (!isGandiFault(error, "already-exists")) throw error;
      const state = await this.inspect(stack);
      // Deleted between the refusal and the look: try once more.
      if (!state.held) return this.tryAcquireOnce(stack);
      return { acquired: false, since: state.since };
    }
  }

  private async tryAcquireOnce(stack: string): Promise<LockAttempt> {
    try {
      const disk = await this.client.diskCreate({ size: 1, name: lockDiskName(stack), fstype: "ext3" });
      this.#mine.set(stack, disk);
      return { acquired: true };
    } catch (error) {
      if (!isGandiFault(error, "already-exists")) throw error;
      const state = await this.inspect(stack);
      return { acquired: false, since: state.held ? state.since : Date.now() };
    }
  }

  async release(stack: string, _holder: LockHolder): Promise<void> {
    const disk = this.#mine.get(stack);
    if (disk === undefined) return;
    this.#mine.delete(stack);
    await this.deleteDisk(disk);
  }

  async inspect(stack: string): Promise<LockState> {
    const disk = await this.find(stack);
    if (disk === undefined) return { held: false };
    return { held: true, since: await this.since(disk) };
  }

  async forceRelease(stack: string): Promise<void> {
    const disk = await this.find(stack);
    if (disk !== undefined) await this.deleteDisk(disk);
    this.#mine.delete(stack);
  }

  private async find(stack: string): Promise<number | undefined> {
    const name = lockDiskName(stack);
    for (const id of await this.client.diskList()) {
      try {
        if ((await this.client.diskInfo(id)).name === name) return id;
      } catch (error) {
        if (!isGandiFault(error, "not-found")) throw error;
      }
    }
    return undefined;
  }

  /** When the lock disk was made: its disk_create operation's date (now, if the history lost it). */
  private async since(disk: number): Promise<number> {
    for (const id of await this.client.operationList({ type: "disk_create" })) {
      const op = await this.client.operationDetails(id);
      if (op.param.disk_id === disk) return op.date_create.getTime();
    }
    return Date.now();
  }

  /**
   * Deletes the lock disk once its creation has ended (a disk being made cannot be deleted yet), and
   * waits for the deletion to be DONE: until then the name is taken and the next run would be refused.
   */
  private async deleteDisk(disk: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const op = await this.client.diskDelete(disk);
        for (let look = 0; look < 300; look++) {
          const state = (await this.client.operationDetails(op)).state;
          if (state !== "PENDING" && state !== "RUN") return;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return;
      } catch (error) {
        if (isGandiFault(error, "not-found")) return;
        if (!isGandiFault(error, "wrong-state") || attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }
}
