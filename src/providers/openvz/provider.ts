/**
 * The OpenVZ Web Panel provider: the read side (reader.ts), the steps that carry a plan out
 * (operations.ts) and the stack lock (stack-lock.ts), over one client.
 */
import type { Plan, ResourceChange } from "../../core/plan.js";
import type { DesiredState } from "../../resources/desired-state.js";
import type { LiveState } from "../../diff/live-state.js";
import { Retrier, type CallRetry } from "../../core/retry.js";
import { systemClock } from "../../core/clock.js";
import type { Operation, OperationStatus, OwnershipReading, OwnershipTag, Provider } from "../provider.js";
import type { OwpClient } from "./client.js";
import { openVzDiffRules } from "./diff-rules.js";
import { OpenVzOperationError, OpenVzOperations } from "./operations.js";
import { liveStateOf, readPanel } from "./reader.js";
import { OpenVzStackLocks } from "./stack-lock.js";

/** Calls in flight answer in seconds to minutes: a look four times a second at first, then every two seconds. */
export const OPENVZ_POLL_INTERVAL = { initialMs: 250, maxMs: 2_000, factor: 1.5 };

export interface OpenVzProviderOptions {
  client: OwpClient;
  /** The hardware server of VMs that name none (the stack's `hardwareServer` setting). */
  hardwareServer?: string;
  retryTimeoutMs?: number;
  onRetry?: (retry: CallRetry) => void;
}

export class OpenVzProvider implements Provider {
  readonly name = "openvz";
  readonly rules = openVzDiffRules;
  readonly pollInterval = OPENVZ_POLL_INTERVAL;
  readonly locks: OpenVzStackLocks;
  private readonly client: OwpClient;
  private readonly hardwareServer: string | undefined;
  private readonly retrier: Retrier;
  private operations: OpenVzOperations | undefined;

  constructor(options: OpenVzProviderOptions) {
    this.client = options.client;
    this.hardwareServer = options.hardwareServer;
    this.locks = new OpenVzStackLocks(this.client);
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
    const view = await this.retrier.run("hardware_servers/list, virtual_servers", () => readPanel(this.client, stack, desired));
    return liveStateOf(stack, this.client.endpoint, view, desired, this.hardwareServer);
  }

  begin(plan: Plan): void {
    this.operations = new OpenVzOperations(this.client, plan.stack, this.hardwareServer);
    this.operations.begin(plan);
  }

  async readOwnership(kind: string, id: string): Promise<OwnershipReading> {
    if (!this.operations) throw new OpenVzOperationError(`${kind}#${id}`, "apply read an object's ownership before the provider was told the plan");
    return this.operations.readOwnership(kind, id);
  }

  async retag(kind: string, id: string, from: OwnershipTag, to: OwnershipTag): Promise<void> {
    if (!this.operations) throw new OpenVzOperationError(`${kind}#${id}`, "apply moved an object before the provider was told the plan");
    return this.operations.retag(kind, id, from, to);
  }

  async start(change: ResourceChange, desired: DesiredState | undefined): Promise<Operation> {
    if (!this.operations) {
      if (!desired) throw new OpenVzOperationError(change.address, "apply started a change before the provider was told the plan");
      this.operations = new OpenVzOperations(this.client, desired.stack, this.hardwareServer);
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
