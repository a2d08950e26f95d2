/**
 * The OpenNebula provider: the read side (reader.ts) and the step machines that carry a plan out
 * (operations.ts), over one client and one keep-alive connection pool.
 */
import type { Plan, ResourceChange } from "../../core/plan.js";
import type { DesiredState } from "../../resources/desired-state.js";
import type { LiveState } from "../../diff/live-state.js";
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
  /**
   * Fifty changes in flight: the apply of 200 VMs runs 4× faster than at ten and is then bound by its
   * dependency chains, at 17 calls a second against the simulator's tenth-of-real lifecycles (a few a
   * second at a real cloud's), within oned's ~30 requests a second (BENCHMARKS.md, apply-dag).
   */
  readonly defaultParallelism = 50;
  readonly locks: OpenNebulaStackLocks;
  private operations: OpenNebulaOperations | undefined;

  /**
   * The stack's VMs as this run knows them, by stack: what the last read found, plus every VM create
   * started (a failed one may have left a VM), minus every VM delete finished. Recorded in the stack's
   * document when apply releases its lock (stack-lock.ts), erring high: a count too high only makes a
   * later plan read the whole VM pool.
   */
  private readonly vmTally = new Map<string, number>();
  /** The phase of each change started, by address (a two-phase replacement's halves). */
  private readonly phases = new Map<string, ResourceChange["phase"]>();

  constructor(private readonly options: OpenNebulaProviderOptions) {
    super(options);
    this.locks = new OpenNebulaStackLocks(this.client, this.retrier, (stack) => this.vmTally.get(stack));
  }

  override async read(stack: string, desired?: DesiredState): Promise<LiveState> {
    const live = await super.read(stack, desired);
    this.vmTally.set(stack, live.resources.filter((r) => r.kind === "VirtualMachine").length);
    return live;
  }

  private tally(stack: string, by: number): void {
    const known = this.vmTally.get(stack);
    if (known !== undefined) this.vmTally.set(stack, Math.max(0, known + by));
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
    const operation = await this.operations.start(change, desired);
    this.phases.set(change.address, change.phase);
    if (change.kind === "VirtualMachine" && (change.action === "create" || (change.action === "replace" && change.phase !== "finish"))) this.tally(this.operations.stack, 1);
    if (operation.finished) this.finished(operation);
    return operation;
  }

  async poll(operations: Operation[]): Promise<OperationStatus[]> {
    if (!this.operations) return [];
    const statuses = await this.operations.poll(operations);
    const byAddress = new Map(operations.map((o) => [o.address, o]));
    for (const status of statuses) {
      const operation = byAddress.get(status.address);
      if (status.phase === "done" && operation) this.finished(operation);
    }
    return statuses;
  }

  /** A VM delete, or the delete half of a VM replacement, finished: one VM less. */
  private finished(operation: Operation): void {
    if (operation.kind !== "VirtualMachine" || !this.operations) return;
    const phase = this.phases.get(operation.address);
    if (operation.action === "delete" || (operation.action === "replace" && phase !== "create")) this.tally(this.operations.stack, -1);
  }
}

export function createOpenNebulaProvider(options: OpenNebulaProviderOptions): OpenNebulaProvider {
  return new OpenNebulaProvider(options);
}
