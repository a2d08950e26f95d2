/**
 * The Gandi hosting provider: the read side (reader.ts), the steps that carry a plan out
 * (operations.ts) and the stack lock (stack-lock.ts), over one client and its one session.
 */
import type { Plan, ResourceChange } from "../../core/plan.js";
import type { DesiredState } from "../../resources/desired-state.js";
import type { LiveState } from "../../diff/live-state.js";
import { Retrier, type CallRetry } from "../../core/retry.js";
import { systemClock } from "../../core/clock.js";
import type { Operation, OperationStatus, OwnershipReading, Provider } from "../provider.js";
import type { GandiClient } from "./client.js";
import { gandiDiffRules } from "./diff-rules.js";
import { GandiOperationError, GandiOperations } from "./operations.js";
import { liveStateOf, readAccount } from "./reader.js";
import { GandiStackLocks } from "./stack-lock.js";

/** Hosting operations take seconds to minutes: a look twice a second at first, then every few seconds. */
export const GANDI_POLL_INTERVAL = { initialMs: 500, maxMs: 5_000, factor: 1.5 };

export interface GandiProviderOptions {
  client: GandiClient;
  retryTimeoutMs?: number;
  onRetry?: (retry: CallRetry) => void;
}

export class GandiProvider implements Provider {
  readonly name = "gandi";
  readonly rules = gandiDiffRules;
  readonly pollInterval = GANDI_POLL_INTERVAL;
  readonly locks: GandiStackLocks;
  private readonly client: GandiClient;
  private readonly retrier: Retrier;
  private operations: GandiOperations | undefined;

  constructor(options: GandiProviderOptions) {
    this.client = options.client;
    this.locks = new GandiStackLocks(this.client);
    this.retrier = new Retrier({
      clock: systemClock,
      ...(options.retryTimeoutMs !== undefined ? { timeoutMs: options.retryTimeoutMs } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    });
  }

  get endpoint(): string {
    return this.client.endpoint;
  }

  async read(stack: string, desired?: DesiredState): Promise<LiveState> {
    const account = await this.retrier.run("vm_list, disk_list", () => readAccount(this.client));
    return liveStateOf(stack, this.client.endpoint, account, desired);
  }

  begin(plan: Plan): void {
    this.operations = new GandiOperations(this.client, plan.stack);
    this.operations.begin(plan);
  }

  async readOwnership(kind: string, id: string): Promise<OwnershipReading> {
    if (!this.operations) throw new GandiOperationError(`${kind}#${id}`, "apply read an object's ownership before the provider was told the plan");
    return this.operations.readOwnership(kind, id);
  }

  async start(change: ResourceChange, desired: DesiredState | undefined): Promise<Operation> {
    if (!this.operations) {
      if (!desired) throw new GandiOperationError(change.address, "apply started a change before the provider was told the plan");
      this.operations = new GandiOperations(this.client, desired.stack);
    }
    return this.operations.start(change, desired);
  }

  async poll(operations: Operation[]): Promise<OperationStatus[]> {
    return this.operations ? this.operations.poll(operations) : [];
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
