/**
 * The hosting API's methods (seed 001): each call's parameters checked in FACTS §2.3's order (the
 * number of parameters, the session, then per parameter its type, then syntax and value, then
 * whether the objects exist, then rights, finally state), then carried out. Mutating calls create
 * an operation (operations.ts) and answer its id, the create calls the new object's id.
 */
import { XmlRpcDouble, XmlRpcI8, isXmlRpcStruct, type XmlRpcStruct, type XmlRpcValue } from "../../xmlrpc/index.js";
import { CAUSE, OBJ, failData, unsupportedMethod, type DataObject } from "./failure.js";
import { MEMORY_PER_SHARE_MB, MONTH_MS, Operations, monthsOf } from "./operations.js";
import type { Disk, Operation, OperationState, Product, ProductName, Vm, World } from "./world.js";

/** A session is usable for 12 hours after login (seed 001, login). */
export const SESSION_TTL_MS = 12 * 3_600_000;

/** Filesystems disk_create takes (seed 001). */
export const FSTYPES = ["ext3", "reiserfs", "xfs", "jfs"] as const;

/** operation_list's state filter values (seed 001). */
const FILTER_STATES = ["ALL", "PENDING", "RUN", "ERROR", "CANCEL", "DONE"] as const;

/** Methods that change nothing (the state file is not written again for them). */
const READS = new Set(["account_currency", "account_balance", "hosting_account_info", "vm_info", "vm_list", "vm_disk_list", "disk_info", "disk_list", "operation_list", "operation_details", "os_list"]);

/** How many ids operation_list answers at most (seed 001: "the last 300"). */
export const OPERATION_LIST_LIMIT = 300;

/** Prices in cents per unit and month (unverified): a share, a fixed share, 1024 MB of disk. */
export const PRICES_CENTS: Readonly<Record<ProductName, number>> = { shares: 1000, shares_fixed: 800, disk: 100 };

export const MAX_CPU = 8;
export const MAX_DISK_MB = 1_048_576;
export const MAX_VM_MEMORY_MB = 65_536;

type Kind = "string" | "int" | "boolean" | "struct";

interface ParamSpec {
  name: string;
  kind: Kind;
  object: DataObject;
  optional?: boolean;
}

type Value = string | number | boolean | XmlRpcStruct;

interface MethodSpec {
  /** Whether the session comes first (every method but login). */
  session: boolean;
  params: ParamSpec[];
  run(args: Value[]): XmlRpcValue;
}

const p = (name: string, kind: Kind, object: DataObject, optional = false): ParamSpec => ({ name, kind, object, ...(optional ? { optional } : {}) });

export class Hosting {
  readonly operations: Operations;
  private readonly methods: Record<string, MethodSpec>;

  constructor(readonly world: World) {
    this.operations = new Operations(world);
    const vmId = p("vm_id", "int", OBJ.vm);
    const diskId = p("disk_id", "int", OBJ.disk);
    const productId = p("product_id", "int", OBJ.product);
    const opid = p("opid", "int", OBJ.operation);
    const m = (params: ParamSpec[], run: (args: Value[]) => XmlRpcValue, session = true): MethodSpec => ({ session, params, run });
    this.methods = {
      login: m([p("login", "string", OBJ.auth), p("password", "string", OBJ.auth), p("safe", "boolean", OBJ.auth, true)], (a) => this.login(a[0] as string, a[1] as string), false),
      account_currency: m([], () => this.world.account.currency),
      account_balance: m([], () => new XmlRpcDouble(this.world.account.balanceCents / 100)),
      hosting_account_info: m([], () => this.accountInfo()),
      hosting_account_product_add: m([p("product_name", "string", OBJ.product), p("quantity", "int", OBJ.product), p("duration", "string", OBJ.product)], (a) =>
        this.productAdd(a[0] as string, a[1] as number, a[2] as string),
      ),
      hosting_account_product_renew: m([productId, p("duration", "string", OBJ.product)], (a) => this.productRenew(a[0] as number, a[1] as string)),
      hosting_account_product_remove: m([productId], (a) => this.productRemove(a[0] as number)),
      hosting_account_product_update: m([productId, p("quantity", "int", OBJ.product)], (a) => this.productUpdate(a[0] as number, a[1] as number)),
      vm_create: m(
        [p("hostname", "string", OBJ.vm), p("password", "string", OBJ.auth), p("os_id", "int", OBJ.os), p("shares", "int", OBJ.vm), p("cpu", "int", OBJ.vm), p("specs", "struct", OBJ.vm)],
        (a) => this.vmCreate(a[0] as string, a[1] as string, a[2] as number, a[3] as number, a[4] as number, a[5] as XmlRpcStruct),
      ),
      vm_info: m([vmId], (a) => this.vmInfo(this.vm(a[0] as number))),
      vm_list: m([], () => [...this.world.vms.keys()].sort((x, y) => x - y)),
      vm_update: m([vmId, p("specs", "struct", OBJ.vm)], (a) => this.vmUpdate(a[0] as number, a[1] as XmlRpcStruct)),
      vm_delete: m([vmId], (a) => this.vmPower("vm_delete", a[0] as number)),
      vm_start: m([vmId], (a) => this.vmPower("vm_start", a[0] as number)),
      vm_stop: m([vmId], (a) => this.vmPower("vm_stop", a[0] as number)),
      vm_reboot: m([vmId], (a) => this.vmPower("vm_reboot", a[0] as number)),
      vm_disk_list: m([vmId], (a) => this.disksOf(this.vm(a[0] as number))),
      disk_create: m([p("specs", "struct", OBJ.disk)], (a) => this.diskCreate(a[0] as XmlRpcStruct)),
      disk_info: m([diskId], (a) => this.diskInfo(this.disk(a[0] as number))),
      disk_list: m([], () => [...this.world.disks.keys()].sort((x, y) => x - y)),
      disk_delete: m([diskId], (a) => this.diskDelete(a[0] as number)),
      disk_attach: m([diskId, vmId], (a) => this.diskAttach(a[0] as number, a[1] as number)),
      disk_detach: m([diskId, vmId], (a) => this.diskDetach(a[0] as number, a[1] as number)),
      operation_list: m([p("filter", "struct", OBJ.operation, true)], (a) => this.operationList((a[0] as XmlRpcStruct | undefined) ?? {})),
      operation_details: m([opid], (a) => this.operationDetails(this.operation(a[0] as number))),
      operation_cancel: m([opid], (a) => this.operationCancel(a[0] as number)),
      os_list: m([], () => this.world.os.map((o) => ({ ...o }))),
    };
  }

  /** Whether the API has `method`. */
  knows(method: string): boolean {
    return Object.hasOwn(this.methods, method);
  }

  /**
   * Serves one call: throws a GandiFault for every refusal. `injected` is asked, after the session
   * is checked, for a fault a rule injects.
   */
  call(method: string, params: readonly XmlRpcValue[], injected: () => Error | null = () => null): XmlRpcValue {
    this.world.advance();
    const spec = Object.hasOwn(this.methods, method) ? this.methods[method] : undefined;
    if (!spec) throw unsupportedMethod(method);
    const offset = spec.session ? 1 : 0;
    const required = offset + spec.params.filter((x) => !x.optional).length;
    const most = offset + spec.params.length;
    if (params.length < required) failData(OBJ.request, CAUSE.missing, `${method} takes ${required === most ? required : `${required} to ${most}`} parameters, got ${params.length}`, "parameters", params.length);
    if (params.length > most) failData(OBJ.request, CAUSE.type, `${method} takes ${required === most ? most : `${required} to ${most}`} parameters, got ${params.length}`, "parameters", params.length);
    if (spec.session) this.checkSession(params[0] as XmlRpcValue);
    const fault = injected();
    if (fault) throw fault;
    const args: Value[] = [];
    spec.params.forEach((param, i) => {
      const value = params[offset + i];
      if (value === undefined) return;
      args.push(typed(value, param));
    });
    const result = spec.run(args);
    if (!READS.has(method)) this.world.changed();
    return result;
  }

  // ---------------------------------------------------------------- sessions

  private login(login: string, password: string): string {
    const account = this.world.account;
    if (login !== account.handle) failData(OBJ.auth, CAUSE.notFound, "account does not exist", "login", login);
    // FACTS §2.3's example (`500130 … [password: 123456]`), with the password masked.
    if (password !== account.password) failData(OBJ.auth, CAUSE.value, "invalid value for password", "password", "******");
    const id = this.world.newSessionId();
    this.world.sessions.set(id, this.world.nowMs() + SESSION_TTL_MS);
    return id;
  }

  private checkSession(session: XmlRpcValue): void {
    if (typeof session !== "string") failData(OBJ.auth, CAUSE.type, "wrong type for session, expected string", "session", session);
    const expires = this.world.sessions.get(session);
    if (expires === undefined || expires <= this.world.nowMs()) {
      if (expires !== undefined) this.world.sessions.delete(session);
      failData(OBJ.auth, CAUSE.notFound, "session does not exist or has expired", "session", "******");
    }
  }

  // ---------------------------------------------------------------- account and products

  /** Shares the account can give VMs: its active share products, a pending decrease counted already. */
  shareCapacity(): number {
    let total = 0;
    for (const product of this.world.products.values()) {
      if (product.state !== "active" || product.product_name === "disk") continue;
      total += Math.min(product.quantity, product.pending_quantity ?? product.quantity);
    }
    return total;
  }

  /** Shares VMs hold, a pending increase counted already. */
  sharesUsed(): number {
    let used = 0;
    for (const vm of this.world.vms.values()) used += Math.max(vm.shares, vm.pending?.shares ?? 0);
    return used;
  }

  private accountInfo(): XmlRpcStruct {
    const world = this.world;
    const capacity = this.shareCapacity();
    const used = this.sharesUsed();
    let diskQuota = 0;
    let diskUsed = 0;
    for (const product of world.products.values()) if (product.state === "active" && product.product_name === "disk") diskQuota += product.quantity;
    for (const disk of world.disks.values()) diskUsed += disk.size;
    return {
      handle: world.account.handle,
      shares: capacity,
      shares_used: used,
      shares_free: capacity - used,
      disk: diskQuota,
      disk_used: diskUsed,
      vm_count: world.vms.size,
      products: [...world.products.values()]
        .sort((a, b) => a.id - b.id)
        .map((x) => ({
          id: x.id,
          product_name: x.product_name,
          quantity: x.quantity,
          duration: x.duration,
          state: x.state,
          date_created: new Date(x.date_created),
          date_end: new Date(x.date_end),
        })),
    };
  }

  private product(id: number): Product {
    const product = this.world.products.get(id);
    if (!product) failData(OBJ.product, CAUSE.notFound, "product does not exist", "product_id", id);
    return product;
  }

  private checkDuration(duration: string): void {
    if (!/^[1-9]\d{0,2}[my]$/.test(duration)) failData(OBJ.product, CAUSE.syntax, "invalid syntax for duration (e.g. 1m, 1y)", "duration", duration);
  }

  private cost(name: ProductName, quantity: number, months: number): number {
    const unit = name === "disk" ? quantity / 1024 : quantity;
    return Math.ceil(unit * PRICES_CENTS[name] * months);
  }

  private charge(cents: number): void {
    const account = this.world.account;
    if (cents > account.balanceCents) {
      failData(OBJ.account, CAUSE.notPermitted, `prepaid account balance too low (needs ${(cents / 100).toFixed(2)} ${account.currency}, has ${(account.balanceCents / 100).toFixed(2)} ${account.currency})`, "login", account.handle);
    }
    account.balanceCents -= cents;
  }

  private checkProductIdle(product: Product): void {
    if (product.state !== "active") failData(OBJ.product, CAUSE.state, `product is ${product.state}`, "product_id", product.id);
    const busy = this.operations.busy("product_id", product.id);
    if (busy) failData(OBJ.product, CAUSE.state, `operation ${busy.uid} (${busy.type}) is in progress on this product`, "product_id", product.id);
  }

  private productAdd(name: string, quantity: number, duration: string): number {
    if (name !== "shares" && name !== "shares_fixed" && name !== "disk") failData(OBJ.product, CAUSE.value, "invalid value for product_name (shares, shares_fixed or disk)", "product_name", name);
    if (quantity < 1) failData(OBJ.product, CAUSE.value, "invalid value for quantity", "quantity", quantity);
    this.checkDuration(duration);
    const months = monthsOf(duration);
    const cents = this.cost(name, quantity, months);
    this.charge(cents);
    const now = this.world.stamp();
    const product: Product = { id: this.world.nextId("product"), product_name: name, quantity, duration, date_created: now, date_end: now + months * MONTH_MS, state: "being_created" };
    this.world.products.set(product.id, product);
    const op = this.operations.create("hosting_account_product_add", { param_type: "product", product_id: product.id, product_name: name, quantity, duration }, [name], cents);
    return op.uid;
  }

  private productRenew(id: number, duration: string): number {
    this.checkDuration(duration);
    const product = this.product(id);
    this.checkProductIdle(product);
    const cents = this.cost(product.product_name, product.quantity, monthsOf(duration));
    this.charge(cents);
    return this.operations.create("hosting_account_product_renew", { param_type: "product", product_id: id, duration }, [product.product_name], cents).uid;
  }

  private productRemove(id: number): number {
    const product = this.product(id);
    // Seed 001: fixed shares can be renewed, but neither updated nor released.
    if (product.product_name === "shares_fixed") failData(OBJ.product, CAUSE.notPermitted, "fixed shares cannot be released", "product_id", id);
    this.checkProductIdle(product);
    if (product.product_name === "shares") {
      const after = this.shareCapacity() - product.quantity;
      if (after < this.sharesUsed()) failData(OBJ.product, CAUSE.policy, `VMs use ${this.sharesUsed()} shares, ${after} would remain`, "product_id", id);
    }
    product.pending_quantity = 0;
    return this.operations.create("hosting_account_product_remove", { param_type: "product", product_id: id }, [product.product_name]).uid;
  }

  private productUpdate(id: number, quantity: number): number {
    if (quantity < 1) failData(OBJ.product, CAUSE.value, "invalid value for quantity", "quantity", quantity);
    const product = this.product(id);
    if (product.product_name === "shares_fixed") failData(OBJ.product, CAUSE.notPermitted, "fixed shares cannot be updated", "product_id", id);
    this.checkProductIdle(product);
    if (product.product_name === "shares" && quantity < product.quantity) {
      const after = this.shareCapacity() - product.quantity + quantity;
      if (after < this.sharesUsed()) failData(OBJ.product, CAUSE.policy, `VMs use ${this.sharesUsed()} shares, ${after} would remain`, "quantity", quantity);
    }
    let cents = 0;
    if (quantity > product.quantity) {
      const months = Math.max(1, Math.ceil((product.date_end - this.world.nowMs()) / MONTH_MS));
      cents = this.cost(product.product_name, quantity - product.quantity, months);
      this.charge(cents);
    }
    product.pending_quantity = quantity;
    return this.operations.create("hosting_account_product_update", { param_type: "product", product_id: id, quantity }, [product.product_name], cents).uid;
  }

  // ---------------------------------------------------------------- VMs

  private vm(id: number): Vm {
    const vm = this.world.vms.get(id);
    if (!vm) failData(OBJ.vm, CAUSE.notFound, "VM does not exist", "vm_id", id);
    return vm;
  }

  private checkVmIdle(vm: Vm): void {
    const busy = this.operations.busy("vm_id", vm.id);
    if (busy) failData(OBJ.vm, CAUSE.state, `operation ${busy.uid} (${busy.type}) is in progress on this VM`, "vm_id", vm.id);
  }

  private checkShares(shares: number): void {
    if (shares < 1) failData(OBJ.vm, CAUSE.value, "invalid value for shares", "shares", shares);
  }

  private checkCpu(cpu: number): void {
    if (cpu < 1 || cpu > MAX_CPU) failData(OBJ.vm, CAUSE.value, `invalid value for cpu (1 to ${MAX_CPU})`, "cpu", cpu);
  }

  private vmCreate(hostname: string, password: string, osId: number, shares: number, cpu: number, specs: XmlRpcStruct): number {
    // type
    for (const [key, value] of Object.entries(specs)) {
      if (key !== "login") failData(OBJ.vm, CAUSE.value, "unknown key in specs (login)", "specs", key);
      if (typeof value !== "string") failData(OBJ.vm, CAUSE.type, "wrong type for login, expected string", "login", value);
    }
    const login = specs.login as string | undefined;
    // syntax and value
    if (!isHostname(hostname)) failData(OBJ.vm, CAUSE.syntax, "invalid syntax for hostname", "hostname", hostname);
    if (password.length < 8 || password.length > 64) failData(OBJ.auth, CAUSE.value, "invalid value for password (8 to 64 characters)", "password", "******");
    if (login !== undefined && !/^[a-z_][a-z0-9_-]{0,31}$/.test(login)) failData(OBJ.vm, CAUSE.syntax, "invalid syntax for login", "login", login);
    this.checkShares(shares);
    this.checkCpu(cpu);
    // existence
    const os = this.world.os.find((o) => o.id === osId);
    if (!os) failData(OBJ.os, CAUSE.notFound, "OS does not exist", "os_id", osId);
    for (const vm of this.world.vms.values()) if (vm.hostname === hostname) failData(OBJ.vm, CAUSE.exists, "a VM with this hostname already exists", "hostname", hostname);
    // policy: the free shares
    const free = this.shareCapacity() - this.sharesUsed();
    if (shares > free) failData(OBJ.vm, CAUSE.policy, `not enough free shares (${free} free)`, "shares", shares);
    const world = this.world;
    const now = world.stamp();
    const vm: Vm = {
      id: world.nextId("vm"),
      hostname,
      os_id: osId,
      shares,
      cpu,
      vm_max_memory: shares * MEMORY_PER_SHARE_MB,
      state: "being_created",
      login: login ?? "",
      date_created: now,
      boot_disk_id: world.nextId("disk"),
    };
    world.vms.set(vm.id, vm);
    world.disks.set(vm.boot_disk_id, { id: vm.boot_disk_id, name: `sys_${hostname}`, size: os.size, fstype: "ext3", vm_id: vm.id, state: "being_created", is_boot_disk: true, date_created: now });
    this.operations.create("vm_create", { param_type: "vm", vm_id: vm.id, hostname, os_id: osId, shares, cpu }, [hostname]);
    return vm.id;
  }

  private disksOf(vm: Vm): number[] {
    const ids = [...this.world.disks.values()].filter((d) => d.vm_id === vm.id && d.id !== vm.boot_disk_id).map((d) => d.id).sort((a, b) => a - b);
    return this.world.disks.has(vm.boot_disk_id) ? [vm.boot_disk_id, ...ids] : ids;
  }

  private vmInfo(vm: Vm): XmlRpcStruct {
    return {
      id: vm.id,
      hostname: vm.hostname,
      os_id: vm.os_id,
      shares: vm.shares,
      cpu: vm.cpu,
      memory: vm.shares * MEMORY_PER_SHARE_MB,
      vm_max_memory: vm.vm_max_memory,
      state: vm.state,
      login: vm.login,
      disks: this.disksOf(vm),
      boot_disk_id: vm.boot_disk_id,
      date_created: new Date(vm.date_created),
    };
  }

  private vmUpdate(id: number, specs: XmlRpcStruct): number {
    const update: { shares?: number; cpu?: number; vm_max_memory?: number } = {};
    for (const [key, value] of Object.entries(specs)) {
      if (key !== "shares" && key !== "cpu" && key !== "vm_max_memory") failData(OBJ.vm, CAUSE.value, "unknown key in specs (shares, cpu, vm_max_memory)", "specs", key);
      const n = asInt(value);
      if (n === undefined) failData(OBJ.vm, CAUSE.type, `wrong type for ${key}, expected int`, key, value);
      update[key] = n;
    }
    if (Object.keys(update).length === 0) failData(OBJ.vm, CAUSE.missing, "specs names nothing to change (shares, cpu, vm_max_memory)", "specs", "struct");
    if (update.shares !== undefined) this.checkShares(update.shares);
    if (update.cpu !== undefined) this.checkCpu(update.cpu);
    const vm = this.vm(id);
    if (update.vm_max_memory !== undefined) {
      const least = (update.shares ?? vm.shares) * MEMORY_PER_SHARE_MB;
      if (update.vm_max_memory < least || update.vm_max_memory > MAX_VM_MEMORY_MB) failData(OBJ.vm, CAUSE.value, `invalid value for vm_max_memory (${least} to ${MAX_VM_MEMORY_MB} MB)`, "vm_max_memory", update.vm_max_memory);
    }
    if (vm.state === "being_created" || vm.state === "invalid") failData(OBJ.vm, CAUSE.state, `VM is ${vm.state}`, "vm_id", id);
    this.checkVmIdle(vm);
    if (update.shares !== undefined && update.shares > vm.shares) {
      const free = this.shareCapacity() - this.sharesUsed();
      if (update.shares - vm.shares > free) failData(OBJ.vm, CAUSE.policy, `not enough free shares (${free} free)`, "shares", update.shares);
    }
    const op = this.operations.create("vm_update", { param_type: "vm", vm_id: id, ...update }, [vm.hostname]);
    vm.pending = { ...update, op: op.uid };
    return op.uid;
  }

  /** vm_start, vm_stop, vm_reboot, vm_delete: the VM's state says whether it may. */
  private vmPower(type: "vm_start" | "vm_stop" | "vm_reboot" | "vm_delete", id: number): number {
    const vm = this.vm(id);
    const allowed: Record<typeof type, readonly string[]> = {
      vm_start: ["halted"],
      vm_stop: ["running"],
      vm_reboot: ["running"],
      // Seed 001: vm_delete deletes "a stopped VM"; one whose creation ended in ERROR may go too.
      vm_delete: ["halted", "invalid"],
    };
    if (!allowed[type].includes(vm.state)) {
      const need = type === "vm_delete" ? "the VM must be stopped before it is deleted" : type === "vm_start" ? "the VM is not stopped" : "the VM is not running";
      failData(OBJ.vm, CAUSE.state, `${need} (state ${vm.state})`, "vm_id", id);
    }
    this.checkVmIdle(vm);
    return this.operations.create(type, { param_type: "vm", vm_id: id }, [vm.hostname]).uid;
  }

  // ---------------------------------------------------------------- disks

  private disk(id: number): Disk {
    const disk = this.world.disks.get(id);
    if (!disk) failData(OBJ.disk, CAUSE.notFound, "disk does not exist", "disk_id", id);
    return disk;
  }

  private checkDiskIdle(disk: Disk): void {
    const busy = this.operations.busy("disk_id", disk.id);
    if (busy) failData(OBJ.disk, CAUSE.state, `operation ${busy.uid} (${busy.type}) is in progress on this disk`, "disk_id", disk.id);
  }

  private diskCreate(specs: XmlRpcStruct): number {
    for (const [key, value] of Object.entries(specs)) {
      if (key === "size") {
        if (asInt(value) === undefined) failData(OBJ.disk, CAUSE.type, "wrong type for size, expected int", "size", value);
      } else if (key === "name" || key === "fstype") {
        if (typeof value !== "string") failData(OBJ.disk, CAUSE.type, `wrong type for ${key}, expected string`, key, value);
      } else {
        failData(OBJ.disk, CAUSE.value, "unknown key in specs (size, name, fstype)", "specs", key);
      }
    }
    if (specs.size === undefined) failData(OBJ.disk, CAUSE.missing, "missing required parameter size", "specs", "size");
    if (specs.name === undefined) failData(OBJ.disk, CAUSE.missing, "missing required parameter name", "specs", "name");
    const size = asInt(specs.size) as number;
    const name = specs.name as string;
    const fstype = (specs.fstype as string | undefined) ?? "ext3";
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) failData(OBJ.disk, CAUSE.syntax, "invalid syntax for name", "name", name);
    if (size < 1 || size > MAX_DISK_MB) failData(OBJ.disk, CAUSE.value, `invalid value for size (1 to ${MAX_DISK_MB} MB)`, "size", size);
    if (!(FSTYPES as readonly string[]).includes(fstype)) failData(OBJ.disk, CAUSE.value, `invalid value for fstype (${FSTYPES.join(", ")})`, "fstype", fstype);
    for (const disk of this.world.disks.values()) if (disk.name === name) failData(OBJ.disk, CAUSE.exists, "a disk with this name already exists", "name", name);
    const world = this.world;
    const disk: Disk = { id: world.nextId("disk"), name, size, fstype, vm_id: 0, state: "being_created", is_boot_disk: false, date_created: world.stamp() };
    world.disks.set(disk.id, disk);
    this.operations.create("disk_create", { param_type: "disk", disk_id: disk.id, name, size, fstype }, [name]);
    return disk.id;
  }

  private diskInfo(disk: Disk): XmlRpcStruct {
    return { id: disk.id, name: disk.name, size: disk.size, fstype: disk.fstype, vm_id: disk.vm_id, state: disk.state, is_boot_disk: disk.is_boot_disk, date_created: new Date(disk.date_created) };
  }

  private diskDelete(id: number): number {
    const disk = this.disk(id);
    // Seed 001: disk_delete deletes "an unattached disk".
    if (disk.vm_id !== 0) failData(OBJ.disk, CAUSE.state, `the disk is attached to VM ${disk.vm_id}`, "disk_id", id);
    if (disk.state === "being_created") failData(OBJ.disk, CAUSE.state, "the disk is being_created", "disk_id", id);
    this.checkDiskIdle(disk);
    return this.operations.create("disk_delete", { param_type: "disk", disk_id: id }, [disk.name]).uid;
  }

  private diskAttach(diskId: number, vmId: number): number {
    const disk = this.disk(diskId);
    const vm = this.vm(vmId);
    if (disk.state !== "created") failData(OBJ.disk, CAUSE.state, `the disk is ${disk.state}`, "disk_id", diskId);
    if (disk.vm_id !== 0) failData(OBJ.disk, CAUSE.state, `the disk is already attached to VM ${disk.vm_id}`, "disk_id", diskId);
    if (vm.state === "being_created" || vm.state === "invalid") failData(OBJ.vm, CAUSE.state, `VM is ${vm.state}`, "vm_id", vmId);
    this.checkDiskIdle(disk);
    this.checkVmIdle(vm);
    return this.operations.create("disk_attach", { param_type: "disk", disk_id: diskId, vm_id: vmId }, [disk.name, vm.hostname]).uid;
  }

  private diskDetach(diskId: number, vmId: number): number {
    const disk = this.disk(diskId);
    const vm = this.vm(vmId);
    if (disk.vm_id !== vmId) failData(OBJ.disk, CAUSE.state, `the disk is not attached to VM ${vmId}`, "disk_id", diskId);
    if (disk.is_boot_disk) failData(OBJ.disk, CAUSE.notPermitted, "the system disk of a VM cannot be detached", "disk_id", diskId);
    this.checkDiskIdle(disk);
    this.checkVmIdle(vm);
    return this.operations.create("disk_detach", { param_type: "disk", disk_id: diskId, vm_id: vmId }, [disk.name, vm.hostname]).uid;
  }

  // ---------------------------------------------------------------- operations

  private operation(id: number): Operation {
    const op = this.world.operations.get(id);
    if (!op) failData(OBJ.operation, CAUSE.notFound, "operation does not exist", "opid", id);
    return op;
  }

  private operationDetails(op: Operation): XmlRpcStruct {
    return {
      uid: op.uid,
      type: op.type,
      state: op.state,
      date_create: new Date(op.created),
      date_update: new Date(op.updated),
      param: { ...op.param },
      ...(op.state === "ERROR" && op.comment !== undefined ? { comment: op.comment } : {}),
    };
  }

  private operationList(filter: XmlRpcStruct): number[] {
    let type: string | undefined;
    let state: string = "ALL";
    const dates: Partial<Record<"created_after" | "created_before" | "updated_after" | "updated_before", number>> = {};
    for (const [key, value] of Object.entries(filter)) {
      if (key === "type" || key === "state") {
        if (typeof value !== "string") failData(OBJ.operation, CAUSE.type, `wrong type for ${key}, expected string`, key, value);
        if (key === "type") type = value;
        else state = value;
      } else if (key === "created_after" || key === "created_before" || key === "updated_after" || key === "updated_before") {
        if (!(value instanceof Date)) failData(OBJ.operation, CAUSE.type, `wrong type for ${key}, expected dateTime.iso8601`, key, value);
        dates[key] = value.getTime();
      } else {
        failData(OBJ.operation, CAUSE.value, "unknown key in filter (type, state, created_after, created_before, updated_after, updated_before)", "filter", key);
      }
    }
    if (!(FILTER_STATES as readonly string[]).includes(state)) failData(OBJ.operation, CAUSE.value, `invalid value for state (${FILTER_STATES.join(", ")})`, "state", state);
    const matching = [...this.world.operations.values()].filter(
      (op) =>
        (type === undefined || op.type === type) &&
        (state === "ALL" || op.state === (state as OperationState)) &&
        (dates.created_after === undefined || op.created > dates.created_after) &&
        (dates.created_before === undefined || op.created < dates.created_before) &&
        (dates.updated_after === undefined || op.updated > dates.updated_after) &&
        (dates.updated_before === undefined || op.updated < dates.updated_before),
    );
    return matching
      .map((op) => op.uid)
      .sort((a, b) => a - b)
      .slice(-OPERATION_LIST_LIMIT);
  }

  private operationCancel(id: number): boolean {
    const op = this.operation(id);
    // Seed 001: PENDING is queued; ERROR "must be modified or canceled". RUN, DONE and CANCEL cannot be.
    if (op.state !== "PENDING" && op.state !== "ERROR") failData(OBJ.operation, CAUSE.state, `the operation is ${op.state} and cannot be cancelled`, "opid", id);
    this.operations.cancel(op);
    return true;
  }
}

/** An `<int>`/`<i4>` (or an `<i8>` within 32 bits) as a number; undefined for anything else. */
function asInt(value: XmlRpcValue | undefined): number | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (value instanceof XmlRpcI8) {
    const n = Number(value.value);
    if (Number.isInteger(n) && n >= -2147483648 && n <= 2147483647) return n;
  }
  return undefined;
}

/** The value as the parameter's kind, or the type fault (cause 10) naming it. */
function typed(value: XmlRpcValue, param: ParamSpec): Value {
  switch (param.kind) {
    case "int": {
      const n = asInt(value);
      if (n !== undefined) return n;
      break;
    }
    case "string":
      if (typeof value === "string") return value;
      break;
    case "boolean":
      if (typeof value === "boolean") return value;
      break;
    case "struct":
      if (value !== null && isXmlRpcStruct(value)) return value;
      break;
  }
  const shown = param.name === "password" ? "******" : value;
  return failData(param.object, CAUSE.type, `wrong type for ${param.name}, expected ${param.kind}`, param.name, shown);
}

/** RFC 1123 host name: labels of letters, digits and hyphens, 1-63 characters, no hyphen at either end; 255 at most. */
function isHostname(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  return name.split(".").every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}
