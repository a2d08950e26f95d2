/**
 * The OpenNebula provider: the read side (reader.ts) and the step machines that carry a plan out
 * (operations.ts), over one client and one keep-alive connection pool.
 */
import type { Plan, ResourceChange } from "../../core/plan.js";
import type { DesiredState } from "../../resources/desired-state.js";
import type { Operation, OperationStatus, OwnershipReading, OwnershipTag, Provider } from "../provider.js";
import { OpenNebulaOperations, OperationError, type OperationsOptions } from "./operations.js";
import { OpenNebulaReader, type OpenNebulaReaderOptions } from "./reader.js";
import { OpenNebulaStackLocks } from "./stack-lock.js";

export interface OpenNebulaProviderOptions extends OpenNebulaReaderOptions, OperationsOptions {}

/**
 * OpenNebula objects move in seconds (a VM is RUNNING 17–56 s after its allocate, an image copies for
 * tens of seconds), so two looks a second at most are plenty: at most 2 calls per second per kind.
 */
export const ONE_POLL_INTERVAL = { initialMs: 500, maxMs: 5_000, factor: 1.5 };

export class OpenNebulaProvider extends OpenNebulaReader implements Provider {
  readonly pollInterval = ONE_POLL_INTERVAL;
  readonly locks: OpenNebulaStackLocks;
  private operations: OpenNebulaOperations | undefined;

  constructor(private readonly options: OpenNebulaProviderOptions) {
    super(options);
    this.locks = new OpenNebulaStackLocks(this.client, this.retrier);
  }

  begin(plan: Plan): void {
    this.operations = new OpenNebulaOperations(this.client, plan.stack, this.options);
    this.operations.begin(plan);
  }

  async readOwnership(kind: string, id: string): Promise<OwnershipReading> {
    if (!this.operations) throw new OperationError(`${kind}#${id}`, "apply read an object's ownership before the provider was told the plan");
    return this.operations.readOwnership(kind, id);
  }

  async retag(kind: string, id: string, from: OwnershipTag, to: OwnershipTag): Promise<void> {
    if (!this.operations) throw new OperationError(`${kind}#${id}`, "apply moved an object before the provider was told the plan");
    return this.operations.retag(kind, id, from, to);
  }

  async start(change: ResourceChange, desired: DesiredState | undefined): Promise<Operation> {
    if (!this.operations) {
      if (!desired) throw new OperationError(change.address, "apply started a change before the provider was told the plan");
      this.operations = new OpenNebulaOperations(this.client, desired.stack, this.options);
    }
    return this.operations.start(change, desired);
  }

  async poll(operations: Operation[]): Promise<OperationStatus[]> {
    if (!this.operations) return [];
    return this.operations.poll(operations);
  }
}

export function createOpenNebulaProvider(options: OpenNebulaProviderOptions): OpenNebulaProvider {
  return new OpenNebulaProvider(options);
}
