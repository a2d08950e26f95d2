/**
 * The calls an apply makes on OpenNebula, with the retry policy each one may have:
 * - reads are retried on every transient failure;
 * - an allocate is retried only after the object is looked for by its address tag (the lost answer
 *   may have come after oned made it);
 * - a step's call is sent again, after an answer lost once it may have reached oned, only when that is
 *   harmless (`resendOf` in steps.ts), or after the VM read back shows the call did not happen; a call
 *   that can be checked neither way is not sent twice.
 */
import type { Operation } from "../../core/operation.js";
import { isTransientError, type Retrier } from "../../core/retry.js";
import type { OneClient } from "./client.js";
import { resultId } from "./client.js";
import { TransportError } from "../kit/http-transport.js";
import { POOL_OF, type OneKind } from "./map-common.js";
import { describeOneError, OperationError } from "./operation-error.js";
import { ownedSlicePredicate, readOwnershipTag } from "./ownership.js";
import { readPool, readVmsByIds } from "./pools.js";
import type { VmRecord } from "./records.js";
import { resendOf } from "./steps.js";
import { templateVectors, type Template } from "./template-syntax.js";

/** Rounds of "the answer was lost, the VM shows the call did not happen, send it again" before giving up. */
const MAX_RESENDS = 3;

/**
 * What a VM call visibly changes, from the fields the short body has too (`one.vmpool.infoset` without
 * extended): state, each disk's id and size, each NIC's id, network and security groups.
 */
export function vmFingerprint(vm: VmRecord): string {
  const disks = templateVectors(vm.template, "DISK").map((d) => `${d.DISK_ID}:${d.SIZE ?? ""}`);
  const nics = templateVectors(vm.template, "NIC").map((n) => `${n.NIC_ID}:${n.NETWORK_ID ?? ""}:${n.SECURITY_GROUPS ?? ""}`);
  return `${vm.state}/${vm.lcmState} disks ${disks.join(",")} nics ${nics.join(",")}`;
}

/** How each VM an operation calls looked when last read, by id: what a lost call's effect is looked for against. */
export type SeenVms = Record<number, string>;

export class OneCalls {
  constructor(
    private readonly client: OneClient,
    private readonly stack: string,
    readonly retrier: Retrier,
  ) {}

  /** A call that only reads: retried on every transient failure. */
  read(method: string, params: (string | number | boolean)[], address?: string) {
    return this.retrier.run(method, () => this.client.call(method, ...params), address === undefined ? {} : { address });
  }

  /**
   * One step's call on `target`. `seen` holds how the VMs of the operation looked when last read; a
   * VM call that changes the VM drops its entry.
   */
  async send(op: Operation, step: { label: string; method: string }, params: (string | number | boolean)[], target: number, seen: SeenVms): Promise<void> {
    const resend = resendOf(step.method);
    const lost = (error: unknown): boolean => error instanceof TransportError && error.mayHaveActed;
    for (let round = 1; ; round++) {
      try {
        await this.retrier.run(step.method, () => this.client.call(step.method, ...params), {
          address: op.address,
          ...(resend === "safe" ? {} : { isTransient: (error: unknown) => isTransientError(error) && !lost(error) }),
        });
        if (resend === "verify-vm") delete seen[target];
        return;
      } catch (error) {
        if (!lost(error) || resend === "safe") throw error;
        const unknown = (why: string) =>
          new OperationError(op.address, `${step.label}: the answer was lost, and ${why}; it is not sent twice. Plan again to see where the object stands`, describeOneError(error), error);
        if (resend === "never") throw unknown("whether OpenNebula carried the call out cannot be told");
        const before = seen[target];
        if (before === undefined) throw unknown("the VM changed since it was last read, so whether OpenNebula carried the call out cannot be told");
        const [now] = await this.retrier.run("one.vmpool.infoset", () => readVmsByIds(this.client, [target], { extended: false }), { address: op.address });
        if (!now || vmFingerprint(now) !== before) {
          // The VM moved since it was last read: the call reached oned.
          delete seen[target];
          return;
        }
        if (round >= MAX_RESENDS) throw unknown(`the VM still shows no trace of it after ${round} tries`);
      }
    }
  }

  /** An allocate: before each retry the object is looked for by its address tag (not `except`, the one a replacement removes). */
  async allocate(op: Operation, step: { label: string; method: string }, params: (string | number | boolean)[], kind: OneKind, except: number | undefined): Promise<number> {
    try {
      return await this.retrier.run(
        step.method,
        async (attempt) => {
          if (attempt > 1) {
            const found = await this.findByTag(kind, op.address, except);
            if (found !== undefined) return found;
          }
          return resultId(step.method, await this.client.call(step.method, ...params));
        },
        { address: op.address },
      );
    } catch (error) {
      throw new OperationError(op.address, `${step.label} failed`, describeOneError(error), error);
    }
  }

  /** The stack's object of `kind` carrying `address` (not `except`). */
  private async findByTag(kind: OneKind, address: string, except: number | undefined): Promise<number | undefined> {
    const { records } = await readPool(this.client, POOL_OF[kind], { keep: ownedSlicePredicate(this.stack), retrier: this.retrier });
    for (const r of records as Array<{ id: number; template: Template; userTemplate?: Template }>) {
      if (r.id === except) continue;
      const tag = readOwnershipTag(kind === "VirtualMachine" ? (r.userTemplate ?? []) : r.template);
      if (tag && tag.stack === this.stack && tag.kind === kind && tag.address === address) return r.id;
    }
    return undefined;
  }

  /** The id of the datastore named `name`. */
  async datastoreId(address: string, name: string): Promise<number> {
    const { records } = await readPool(this.client, "datastore", { retrier: this.retrier });
    const ds = records.find((d) => d.name === name);
    if (!ds) throw new OperationError(address, `names the datastore "${name}", which does not exist`);
    return ds.id;
  }
}
