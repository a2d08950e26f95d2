/**
 * The ids of the stack's objects by address, and the values known only after apply (a VM's ip and
 * mac), for the steps of an apply: what a reference in a template or a context variable becomes.
 * Learnt from the plan, then from each create; a plan limited by targets can refer to an object it
 * does not list, and then the stack's pools are read once.
 */
import type { Plan, ResourceChange } from "../../core/plan.js";
import type { Retrier } from "../../core/retry.js";
import type { AttributeRef } from "../../resources/desired-state.js";
import type { OneClient } from "./client.js";
import { OperationError } from "./operation-error.js";
import { POOL_OF, type OneKind } from "./map-common.js";
import { ownedSlicePredicate, readOwnershipTag } from "./ownership.js";
import { TAG_REPLACES } from "../kit/ownership.js";
import { readPool } from "./pools.js";
import type { VmRecord } from "./records.js";
import { templateGet, templateVectors, type Template } from "./template-syntax.js";

export class IdRegistry {
  private readonly ids = new Map<string, number>();
  private readonly values = new Map<string, string>();
  private scan: Promise<void> | undefined;

  constructor(
    private readonly client: OneClient,
    private readonly stack: string,
    private readonly retrier: Retrier,
  ) {}

  /** Learns the ids and values of the objects the plan reads or keeps. */
  begin(plan: Plan): void {
    for (const change of plan.changes) {
      if (change.id === undefined || change.action === "delete" || change.action === "replace") continue;
      this.ids.set(change.address, Number(change.id));
      for (const [attr, value] of Object.entries(change.values ?? {})) this.values.set(`${change.address}.${attr}`, String(value));
    }
  }

  get(address: string): number | undefined {
    return this.ids.get(address);
  }

  set(address: string, id: number): void {
    this.ids.set(address, id);
  }

  delete(address: string): void {
    this.ids.delete(address);
  }

  /** A VM's after-apply values (the first NIC's ip and mac), for the references to them. */
  rememberVm(address: string, vm: VmRecord): void {
    const nic = templateVectors(vm.template, "NIC")[0];
    if (nic?.IP) this.values.set(`${address}.ip`, nic.IP);
    if (nic?.MAC) this.values.set(`${address}.mac`, nic.MAC);
  }

  /** The id of `address`, which the change of `user` refers to. */
  idOf(user: string, address: string): number {
    const id = this.ids.get(address);
    if (id === undefined) throw new OperationError(user, `refers to ${address}, which does not exist in the cloud`);
    return id;
  }

  /** The value an attribute reference stands for. */
  resolveValue(user: string, ref: AttributeRef): string {
    const value = this.values.get(`${ref.ref}.${ref.attr}`) ?? (ref.attr === "id" && this.ids.has(ref.ref) ? String(this.ids.get(ref.ref)) : undefined);
    if (value === undefined) throw new OperationError(user, `needs ${ref.attr} of ${ref.ref}, which is not known`);
    return value;
  }

  /**
   * Makes sure every owned object the change refers to has a known id. The plan names them all; only
   * a plan limited by targets can refer to an object it does not list, and then the pools are read.
   */
  async learnReferences(change: ResourceChange): Promise<void> {
    const refs = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (typeof v === "object" && v !== null) {
        const ref = (v as { ref?: unknown }).ref;
        if (typeof ref === "string" && !ref.includes("#")) refs.add(ref);
        Object.values(v).forEach(walk);
      }
    };
    walk(change.after);
    if ([...refs].every((a) => this.ids.has(a))) return;
    // One scan per apply, shared by the changes that start while it runs.
    this.scan ??= this.scanOwned();
    await this.scan;
  }

  /** Learns the ids (and VM values) of every object the stack owns, from one paged read per kind. */
  private async scanOwned(): Promise<void> {
    for (const kind of Object.keys(POOL_OF) as OneKind[]) {
      const { records } = await readPool(this.client, POOL_OF[kind], { keep: ownedSlicePredicate(this.stack), retrier: this.retrier });
      for (const r of records as Array<{ id: number; template: Template; userTemplate?: Template }>) {
        const template = kind === "VirtualMachine" ? (r.userTemplate ?? []) : r.template;
        const tag = readOwnershipTag(template);
        if (!tag || tag.stack !== this.stack || tag.kind !== kind || this.ids.has(tag.address)) continue;
        if (templateGet(template, TAG_REPLACES) !== undefined) continue;
        this.ids.set(tag.address, r.id);
        if (kind === "VirtualMachine") this.rememberVm(tag.address, r as unknown as VmRecord);
      }
    }
  }
}
