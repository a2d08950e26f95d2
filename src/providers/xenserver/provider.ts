/**
 * The XenServer provider: the read side (reader.ts), the step machines that carry a plan out
 * (operations.ts) and the stack lock (stack-lock.ts), over one XenAPI client and its one session.
 */
import type { Plan, ResourceChange } from "../../core/plan.js";
import type { DesiredState } from "../../resources/desired-state.js";
import type { LiveState } from "../../diff/live-state.js";
import { Retrier } from "../../core/retry.js";
import { systemClock } from "../../core/clock.js";
import type { Operation, OperationStatus, OwnershipReading, OwnershipTag, Provider } from "../provider.js";
import type { XenApiClient } from "./client.js";
import { xenServerDiffRules } from "./diff-rules.js";
import { XenOperationError, XenServerOperations, type XenOperationsOptions } from "./operations.js";
import { liveStateOf, readPool } from "./reader.js";
import { XenServerStackLocks } from "./stack-lock.js";

/**
 * XenServer's tasks are followed through event.from, and each look waits up to a second for one to
 * finish, so the tracker may look again at once; its interval only paces runs where nothing moves.
 */
export const XEN_POLL_INTERVAL = { initialMs: 50, maxMs: 1_000, factor: 2 };

export interface XenServerProviderOptions extends XenOperationsOptions {
  client: XenApiClient;
}

export class XenServerProvider implements Provider {
  readonly name = "xenserver";
  readonly rules = xenServerDiffRules;
  readonly pollInterval = XEN_POLL_INTERVAL;
  readonly locks: XenServerStackLocks;
  private readonly client: XenApiClient;
  private readonly retrier: Retrier;
  private operations: XenServerOperations | undefined;

  constructor(private readonly options: XenServerProviderOptions) {
    this.client = options.client;
    this.locks = new XenServerStackLocks(this.client);
    this.retrier = new Retrier({
      clock: options.clock ?? systemClock,
      ...(options.retryTimeoutMs !== undefined ? { timeoutMs: options.retryTimeoutMs } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    });
  }

  get endpoint(): string {
    return this.client.url;
  }

  async read(stack: string, desired?: DesiredState): Promise<LiveState> {
    const pool = await this.retrier.run("get_all_records", () => readPool(this.client, stack, desired));
    return liveStateOf(stack, this.client.url, pool, desired);
  }

  begin(plan: Plan): void {
    this.operations = new XenServerOperations(this.client, plan.stack, this.options);
    this.operations.begin(plan);
  }

  async readOwnership(kind: string, id: string): Promise<OwnershipReading> {
    if (!this.operations) throw new XenOperationError(`${kind}#${id}`, "apply read an object's ownership before the provider was told the plan");
    return this.operations.readOwnership(kind, id);
  }

  async retag(kind: string, id: string, from: OwnershipTag, to: OwnershipTag): Promise<void> {
    if (!this.operations) throw new XenOperationError(`${kind}#${id}`, "apply moved an object before the provider was told the plan");
    return this.operations.retag(kind, id, from, to);
  }

  async start(change: ResourceChange, desired: DesiredState | undefined): Promise<Operation> {
    if (!this.operations) {
      if (!desired) throw new XenOperationError(change.address, "apply started a change before the provider was told the plan");
      this.operations = new XenServerOperations(this.client, desired.stack, this.options);
    }
    return this.operations.start(change, desired);
  }

  async poll(operations: Operation[]): Promise<OperationStatus[]> {
    if (!this.operations) return [];
    return this.operations.poll(operations);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export function createXenServerProvider(options: XenServerProviderOptions): XenServerProvider {
  return new XenServerProvider(options);
}
