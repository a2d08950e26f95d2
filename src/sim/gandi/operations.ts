/**
 * Operations (seed 001, FACTS §2.2): every mutating call creates one, PENDING while queued, RUN
 * while processed, then DONE, or ERROR with a `comment` when an injected fault says so; CANCEL
 * when operation_cancel takes it out of the queue or out of ERROR. What each operation type does
 * to the world when it ends, and what a cancel or an ERROR leaves behind, is here.
 */
import { OPERATION_DELAY } from "./delays.js";
import type { Operation, OperationState, ParamValue, Step, World } from "./world.js";

/** Memory a VM gets per share, MB (unverified). */
export const MEMORY_PER_SHARE_MB = 256;

/** A month of a product's duration: 30 days (unverified). */
export const MONTH_MS = 30 * 86_400_000;

export class Operations {
  constructor(private readonly world: World) {
    world.stepHandler = (step) => this.step(step);
  }

  /**
   * Creates an operation of `type` and queues it: RUN after the queue delay, then its end. `names`
   * are what an `op-error` rule's `match` is tried on.
   */
  create(type: string, param: Record<string, ParamValue>, names: readonly string[], chargedCents = 0): Operation {
    const world = this.world;
    const now = world.stamp();
    const key = OPERATION_DELAY[type];
    const op: Operation = {
      uid: world.nextId("operation"),
      type,
      state: "PENDING",
      created: now,
      updated: now,
      param,
      failWith: world.faults.operationError(type, names),
      runMs: world.duration(key ? world.delays[key] : 0),
      chargedCents,
      refunded: false,
    };
    world.operations.set(op.uid, op);
    world.schedule({ kind: "run", op: op.uid }, world.duration(world.delays.queueMs));
    return op;
  }

  /** Whether an operation of the object (`vm_id` or `disk_id`) is PENDING or RUN. */
  busy(key: "vm_id" | "disk_id" | "product_id", id: number): Operation | undefined {
    for (const op of this.world.operations.values()) {
      if ((op.state === "PENDING" || op.state === "RUN") && op.param[key] === id) return op;
    }
    return undefined;
  }

  private setState(op: Operation, state: OperationState): void {
    op.state = state;
    op.updated = this.world.stamp();
  }

  private step(step: Step): void {
    const op = this.world.operations.get(step.op);
    if (!op) return;
    if (step.kind === "run") {
      if (op.state !== "PENDING") return;
      this.setState(op, "RUN");
      this.world.schedule({ kind: "end", op: op.uid }, op.runMs);
      return;
    }
    if (op.state !== "RUN") return;
    if (op.failWith !== null) {
      op.comment = op.failWith;
      this.setState(op, "ERROR");
      this.failed(op);
      return;
    }
    this.done(op);
    this.setState(op, "DONE");
  }

  /** What the operation does when it ends well. */
  private done(op: Operation): void {
    const w = this.world;
    const vm = typeof op.param.vm_id === "number" ? w.vms.get(op.param.vm_id) : undefined;
    const disk = typeof op.param.disk_id === "number" ? w.disks.get(op.param.disk_id) : undefined;
    const product = typeof op.param.product_id === "number" ? w.products.get(op.param.product_id) : undefined;
    switch (op.type) {
      case "vm_create":
        if (vm) vm.state = "running";
        if (vm) {
          const boot = w.disks.get(vm.boot_disk_id);
          if (boot) boot.state = "created";
        }
        return;
      case "vm_update":
        if (vm?.pending) {
          const { shares, cpu, vm_max_memory } = vm.pending;
          if (shares !== undefined) vm.shares = shares;
          if (cpu !== undefined) vm.cpu = cpu;
          if (vm_max_memory !== undefined) vm.vm_max_memory = vm_max_memory;
          if (vm.vm_max_memory < vm.shares * MEMORY_PER_SHARE_MB) vm.vm_max_memory = vm.shares * MEMORY_PER_SHARE_MB;
          delete vm.pending;
        }
        return;
      case "vm_start":
      case "vm_reboot":
        if (vm) vm.state = "running";
        return;
      case "vm_stop":
        if (vm) vm.state = "halted";
        return;
      case "vm_delete":
        if (vm) this.removeVm(vm.id);
        return;
      case "disk_create":
        if (disk) disk.state = "created";
        return;
      case "disk_delete":
        if (disk) w.disks.delete(disk.id);
        return;
      case "disk_attach":
        if (disk && vm) disk.vm_id = vm.id;
        return;
      case "disk_detach":
        if (disk) disk.vm_id = 0;
        return;
      case "hosting_account_product_add":
        if (product) product.state = "active";
        return;
      case "hosting_account_product_renew":
        if (product) product.date_end += monthsOf(String(op.param.duration)) * MONTH_MS;
        return;
      case "hosting_account_product_update":
        if (product && product.pending_quantity !== undefined) {
          product.quantity = product.pending_quantity;
          delete product.pending_quantity;
        }
        return;
      case "hosting_account_product_remove":
        if (product) w.products.delete(product.id);
        return;
    }
  }

  /** What an operation that ends in ERROR leaves: the object it was making is invalid, pending changes are dropped, money comes back. */
  private failed(op: Operation): void {
    const w = this.world;
    this.refund(op);
    this.dropPending(op);
    if (op.type === "vm_create") {
      const vm = w.vms.get(op.param.vm_id as number);
      if (vm) {
        vm.state = "invalid";
        const boot = w.disks.get(vm.boot_disk_id);
        if (boot) boot.state = "invalid";
      }
    } else if (op.type === "disk_create") {
      const disk = w.disks.get(op.param.disk_id as number);
      if (disk) disk.state = "invalid";
    } else if (op.type === "hosting_account_product_add") {
      const product = w.products.get(op.param.product_id as number);
      if (product) product.state = "invalid";
    }
  }

  /** operation_cancel: PENDING or ERROR → CANCEL (the caller checked the state). The object a create was making goes. */
  cancel(op: Operation): void {
    const w = this.world;
    const wasPending = op.state === "PENDING";
    this.setState(op, "CANCEL");
    this.refund(op);
    if (wasPending) this.dropPending(op);
    if (op.type === "vm_create") this.removeVm(op.param.vm_id as number);
    else if (op.type === "disk_create") w.disks.delete(op.param.disk_id as number);
    else if (op.type === "hosting_account_product_add") w.products.delete(op.param.product_id as number);
  }

  private refund(op: Operation): void {
    if (op.refunded || op.chargedCents === 0) return;
    op.refunded = true;
    this.world.account.balanceCents += op.chargedCents;
  }

  private dropPending(op: Operation): void {
    const w = this.world;
    if (op.type === "vm_update") {
      const vm = w.vms.get(op.param.vm_id as number);
      if (vm?.pending?.op === op.uid) delete vm.pending;
    } else if (op.type === "hosting_account_product_update" || op.type === "hosting_account_product_remove") {
      const product = w.products.get(op.param.product_id as number);
      if (product) delete product.pending_quantity;
    }
  }

  /** A VM goes with its system disk; its data disks stay, detached. */
  private removeVm(id: number): void {
    const w = this.world;
    const vm = w.vms.get(id);
    if (!vm) return;
    for (const disk of w.disks.values()) {
      if (disk.id === vm.boot_disk_id) w.disks.delete(disk.id);
      else if (disk.vm_id === id) disk.vm_id = 0;
    }
    w.vms.delete(id);
  }
}

/** Months a duration (`1m`, `2y`) stands for; the caller checked its syntax. */
export function monthsOf(duration: string): number {
  const m = /^(\d+)([my])$/.exec(duration);
  if (!m) return 0;
  return Number(m[1]) * (m[2] === "y" ? 12 : 1);
}
