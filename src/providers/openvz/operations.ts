/**
 * The panel's apply: the kit's step engine driven by synchronous panel calls (steps.ts says which).
 *
 * A call that changes a container answers when vzctl is done, minutes later for a create. Each one is
 * sent when its step comes and followed as a handle: the engine's look checks which calls in flight
 * have answered, and a change moves on when its own has. Many changes run side by side; the panel
 * itself runs one vzctl at a time per hardware server.
 *
 * Nothing that changes a container is sent twice. A create whose answer was lost (a reset, a timeout)
 * may still be running on the panel, which saves the container only when vzctl is done: its
 * container is looked up by the stack's mark, and when it is not there yet the change fails saying
 * so, rather than make it again; the next plan finds it, or makes it if it never came.
 */
import { HyperplanError } from "../../errors.js";
import type { Operation, OperationStatus, OwnershipReading, OwnershipTag } from "../../core/operation.js";
import type { Plan, ResourceChange } from "../../core/plan.js";
import type { DesiredResource, DesiredState, VirtualMachineSpec } from "../../resources/desired-state.js";
import { systemClock, type Clock } from "../../core/clock.js";
import { TransportError } from "../kit/http-transport.js";
import { StepEngine, dataOf, operationFor, type Arrival, type StepDriver } from "../kit/step-engine.js";
import type { OwpClient, OwpParams } from "./client.js";
import { isOwpError, OwpApiError, OwpValidationError } from "./errors.js";
import { markedFor, markOf } from "./marks.js";
import { RAW_FIELDS, type RawKey } from "./profile.js";
import type { OwpHardwareServer, OwpVirtualServer } from "./records.js";
import { stepsFor, type OpenVzAction, type OpenVzWait } from "./steps.js";

export class OpenVzOperationError extends HyperplanError {
  constructor(address: string, summary: string, detail?: string, cause?: unknown) {
    super("OPENVZ_OPERATION", summary, { address, ...(detail !== undefined ? { detail } : {}), ...(cause !== undefined ? { cause } : {}) });
  }
}

/** The panel's fields, as the declaration's paths name them (for refusals the panel words by field). */
const FIELD_PATHS: Record<string, string> = {
  ip_address: "nics[*].ip",
  host_name: "name",
  nameserver: "raw.openvz.nameserver",
  search_domain: "raw.openvz.searchDomain",
  password: "context.password",
  description: "the stack's mark (description)",
  identity: "the container's identity",
};

function describe(error: unknown): string {
  if (error instanceof OwpValidationError) {
    return `${error.call} was refused: ${error.problems.map((p) => `${FIELD_PATHS[p.field] ?? p.field} (${p.field}): ${p.error}`).join("; ")}`;
  }
  if (error instanceof HyperplanError) return error.detail ? `${error.summary}: ${error.detail}` : error.summary;
  return error instanceof Error ? error.message : String(error);
}

/** A call in flight, by handle. */
interface InFlight {
  label: string;
  where: string;
  outcome?: { ok: true; id?: number } | { ok: false; error: unknown };
}

type Looked = Map<string, InFlight>;

export class OpenVzOperations {
  private readonly engine: StepEngine<{ openvz: OpenVzAction }, OpenVzWait, Looked>;
  private readonly clock: Clock;
  private readonly desired = new Map<string, DesiredResource>();
  private readonly calls: Looked = new Map();
  private nextHandle = 1;
  private hardware: Promise<OwpHardwareServer[]> | undefined;

  constructor(
    private readonly client: OwpClient,
    private readonly stack: string,
    private readonly defaultHardware: string | undefined,
    options: { clock?: Clock } = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.engine = new StepEngine(this.driver());
  }

  begin(_plan: Plan): void {}

  async start(change: ResourceChange, desired: DesiredState | undefined): Promise<Operation> {
    for (const r of desired?.resources ?? []) this.desired.set(r.address, r);
    return this.engine.start(operationFor(change, stepsFor(change), this.clock.now()));
  }

  poll(operations: Operation[]): Promise<OperationStatus[]> {
    return this.engine.poll(operations);
  }

  /** A moved container's mark: its description written over with the new address's (`virtual_servers/update`). */
  async retag(kind: string, id: string, _from: OwnershipTag, to: OwnershipTag): Promise<void> {
    // Looked-up objects carry no mark: they follow their declaration.
    if (kind !== "VirtualMachine") return;
    await this.client.updateVirtualServer(Number(id), { description: markOf(this.stack, to.address) });
  }

  /**
   * The stack a container's description marks it for (marks.ts), this one's or another's: an import
   * must find no mark at all. Looked-up objects hold nothing of the stack's.
   */
  async readOwnership(kind: string, id: string): Promise<OwnershipReading> {
    if (kind !== "VirtualMachine") return { state: "gone" };
    try {
      const vs = await this.client.virtualServer(Number(id));
      const mark = markedFor(vs.description);
      return mark === undefined ? { state: "untagged" } : { state: "tagged", tag: { ...mark, kind } };
    } catch (error) {
      if (isOwpError(error, "object_not_found")) return { state: "gone" };
      throw error;
    }
  }

  // -------------------------------------------------------------------------------------------

  private driver(): StepDriver<{ openvz: OpenVzAction }, OpenVzWait, Looked> {
    return {
      call: async (op, step) => {
        if (step.openvz.do !== "check") throw new OpenVzOperationError(op.address, `${step.label} is an asynchronous call`);
        await this.check(op);
      },
      allocate: async (op) => {
        throw new OpenVzOperationError(op.address, "panel creates are followed as calls in flight");
      },
      handle: async (op, step) => this.send(op, step.label, step.openvz),
      look: async () => this.calls,
      arrival: (op, _step, looked) => this.arrival(op, looked),
      done: (op) => ({
        address: op.address,
        phase: "done",
        state: op.action === "delete" ? "GONE" : "DONE",
        ...(op.id !== undefined && op.action !== "delete" ? { id: op.id } : {}),
        ...(op.data.values ? { outputs: op.data.values as Record<string, string> } : {}),
      }),
      failure: (address, summary, detail, cause) => new OpenVzOperationError(address, summary, detail, cause),
      describe,
      restored: "the container was started again, as it was before the change",
    };
  }

  private resource(op: Operation): DesiredResource {
    const r = this.desired.get(op.address);
    if (!r) throw new OpenVzOperationError(op.address, "apply has no declaration for this change");
    return r;
  }

  private async hardwareServer(op: Operation): Promise<OwpHardwareServer> {
    this.hardware ??= this.client.hardwareServers();
    const servers = await this.hardware;
    const raw = ((op.data.after as VirtualMachineSpec | null)?.raw?.openvz ?? {}) as Record<string, unknown>;
    const wanted = (raw.hardwareServer as string | undefined) ?? this.defaultHardware;
    const found = wanted === undefined ? (servers.length === 1 ? servers[0] : undefined) : servers.find((s) => s.host === wanted);
    if (!found) throw new OpenVzOperationError(op.address, `the hardware server ${wanted === undefined ? "(none named)" : JSON.stringify(wanted)} is not one the panel has (${servers.map((s) => s.host).join(", ")})`);
    return found;
  }

  /** Starts the step's call and returns its handle; the call runs on while the engine looks at others. */
  private async send(op: Operation, label: string, action: OpenVzAction): Promise<string> {
    const work = await this.prepare(op, action);
    const handle = `call-${this.nextHandle++}`;
    const entry: InFlight = { label, where: work.where };
    this.calls.set(handle, entry);
    work.run().then(
      (id) => (entry.outcome = { ok: true, ...(id !== undefined ? { id } : {}) }),
      (error: unknown) => (entry.outcome = { ok: false, error }),
    );
    return handle;
  }

  /** What a step calls, once its inputs are known (a refusal before sending fails the step at once). */
  private async prepare(op: Operation, action: OpenVzAction): Promise<{ where: string; run: () => Promise<number | undefined> }> {
    const props = (op.data.after ?? {}) as VirtualMachineSpec;
    switch (action.do) {
      case "create": {
        const hw = await this.hardwareServer(op);
        const mark = markOf(this.stack, op.address);
        // The panel starts a new container whatever start_after_creation says (a Ruby string is true): sent only to start it.
        const params: OwpParams = { ...this.fields(op, props, hw), hardware_server_id: hw.id, description: mark, ...(props.powerState !== "poweroff" ? { start_after_creation: true } : {}) };
        const password = props.context?.password?.secret;
        if (password !== undefined) params.password = params.password_confirmation = password;
        return {
          where: `vzctl create on ${hw.host}`,
          run: async () => {
            try {
              const id = await this.client.createVirtualServer(params);
              op.id = String(id);
              return id;
            } catch (error) {
              if (!(error instanceof TransportError && error.mayHaveActed)) throw error;
              const found = (await this.client.virtualServersOf(hw.id)).find((vs) => vs.description === mark);
              if (found === undefined) {
                throw new OpenVzOperationError(op.address, `the answer to virtual_servers/create was lost and the container is not on ${hw.host} yet: the panel may still be making it (vzctl create runs for minutes). Plan again in a few minutes: the plan finds it by its mark, or makes it if it never came`, describe(error), error);
              }
              op.id = String(found.id);
              return found.id;
            }
          },
        };
      }
      case "update": {
        const hw = await this.hardwareServer(op);
        const params = this.fields(op, props, hw);
        return { where: `vzctl set on ${hw.host}`, run: async () => (await this.client.updateVirtualServer(this.idOf(op), params), undefined) };
      }
      case "reinstall": {
        const hw = await this.hardwareServer(op);
        const password = props.context?.password?.secret;
        if (password === undefined) throw new OpenVzOperationError(op.address, "another OS template is a reinstall, and virtual_servers/reinstall needs the root password: give context.password");
        const template = this.imageName(op, props);
        return { where: `vzctl destroy and create on ${hw.host}`, run: async () => (await this.client.reinstall(this.idOf(op), password, template), undefined) };
      }
      case "start":
        return { where: "vzctl start", run: async () => (await this.client.start(this.idOf(op)), undefined) };
      case "stop":
        return { where: "vzctl stop", run: async () => (await this.client.stop(this.idOf(op)), undefined) };
      case "delete": {
        const id = Number(action.old === true || op.action === "delete" ? (op.data.old as string | undefined) : op.id);
        if (!Number.isFinite(id)) throw new OpenVzOperationError(op.address, "the container's id is not known");
        return {
          where: "vzctl stop and destroy",
          run: async () => {
            try {
              await this.client.deleteVirtualServer(id);
            } catch (error) {
              // Gone already: the wanted state.
              if (!isOwpError(error, "object_not_found")) throw error;
            }
            return undefined;
          },
        };
      }
      case "check":
        throw new OpenVzOperationError(op.address, "the read-back is a call, not a call in flight");
    }
  }

  private idOf(op: Operation): number {
    if (op.id === undefined) throw new OpenVzOperationError(op.address, "the container's id is not known");
    return Number(op.id);
  }

  private imageName(op: Operation, props: VirtualMachineSpec): string {
    const disk = props.disks?.[0];
    const image = disk?.source === "image" ? this.desired.get(disk.image.ref) : undefined;
    if (!image) throw new OpenVzOperationError(op.address, "its disk names no OS template of the stack (disks[0].image)");
    return image.name;
  }

  /** The panel fields a VM declares (FACTS §3.3), for create and update. */
  private fields(op: Operation, props: VirtualMachineSpec, hw: OwpHardwareServer): OwpParams {
    const r = this.resource(op);
    const template = props.template ? this.desired.get(props.template.ref)?.name : undefined;
    const disk = props.disks?.[0];
    // On an update a NIC without ip keeps the address the panel gave it; a new container's (a replacement's
    // on another hardware server too) asks for the next free one of its pools.
    const before = op.action === "update" ? ((op.data.before ?? {}) as VirtualMachineSpec) : undefined;
    const ips = (props.nics ?? []).map((n, i) => {
      const ip = n.ip ?? before?.nics?.[i]?.ip;
      if (ip !== undefined) return ip;
      // The panel hands out an address from its pools (ip_address=auto) only to a container it makes.
      if (before !== undefined) {
        throw new OpenVzOperationError(op.address, `nics[${i}] has no ip and the container has none there: the panel gives an address from its pools only to a container it makes. Give nics[${i}].ip, or make the container again with --replace ${op.address}`);
      }
      return "auto";
    });
    const raw = (props.raw?.openvz ?? {}) as Record<string, unknown>;
    const params: OwpParams = {
      host_name: r.name,
      orig_os_template: this.imageName(op, props),
      orig_server_template: template ?? hw.defaultServerTemplate ?? undefined,
      memory: props.memory,
      cpus: props.vcpu,
      diskspace: disk?.size,
      ip_address: ips.length > 0 ? ips.join(" ") : undefined,
    };
    for (const key of Object.keys(raw) as RawKey[]) {
      if (key === "hardwareServer" || !(key in RAW_FIELDS)) continue;
      params[RAW_FIELDS[key]] = raw[key] as string | number | boolean;
    }
    return params;
  }

  /** The container as the panel reads it after its calls answered, against the declaration: every difference named. */
  private async check(op: Operation): Promise<void> {
    const props = (op.data.after ?? {}) as VirtualMachineSpec;
    const vs = await this.client.virtualServer(this.idOf(op));
    const wrong = differences(this.resource(op).name, this.imageName(op, props), props, vs);
    if (wrong.length > 0) throw new OpenVzOperationError(op.address, `container ${vs.id} answered every call but does not read back as declared: ${wrong.join("; ")}`);
    // What the stack's outputs may read of it: its first address.
    if (vs.ipAddresses[0] !== undefined) op.data.values = { ip: vs.ipAddresses[0] };
  }

  private arrival(op: Operation, looked: Looked): Arrival {
    const handle = dataOf(op).handle;
    const entry = handle === undefined ? undefined : looked.get(handle);
    if (!entry) return { phase: "failed", state: "LOST", error: new OpenVzOperationError(op.address, "the call this change waited for was made by another run; plan again") };
    // What is being waited on, stable while it lasts: the progress view says for how long.
    if (!entry.outcome) return { phase: "running", state: `${entry.label}: ${entry.where}` };
    looked.delete(handle!);
    if (entry.outcome.ok) return { phase: "arrived" };
    const error = entry.outcome.error;
    const state = error instanceof OwpApiError ? error.errorCode.toUpperCase() : error instanceof OwpValidationError ? "REFUSED" : "FAILED";
    return { phase: "failed", state, error: error instanceof OpenVzOperationError ? error : new OpenVzOperationError(op.address, describe(error), undefined, error) };
  }
}

/** How a container differs from its declaration, in words (empty when it reads back as declared). */
export function differences(name: string, osTemplate: string, props: VirtualMachineSpec, vs: OwpVirtualServer): string[] {
  const wrong: string[] = [];
  const differs = (what: string, live: unknown, wanted: unknown) => {
    if (wanted !== undefined && live !== wanted) wrong.push(`${what} ${JSON.stringify(live)}, declared ${JSON.stringify(wanted)}`);
  };
  differs("host name", vs.hostName, name);
  differs("OS template", vs.osTemplate, osTemplate);
  differs("memory", vs.memory, props.memory);
  differs("CPUs", vs.cpus, props.vcpu);
  differs("disk space", vs.diskspace, props.disks?.[0]?.size);
  const fixed = (props.nics ?? []).map((n) => n.ip).filter((ip): ip is string => ip !== undefined);
  const missing = fixed.filter((ip) => !vs.ipAddresses.includes(ip));
  if (missing.length > 0 || vs.ipAddresses.length !== (props.nics ?? []).length) wrong.push(`IPs [${vs.ipAddresses.join(", ")}], declared ${props.nics?.length ?? 0} (${fixed.join(", ") || "any"})`);
  differs("state", vs.state === "running" ? "running" : "stopped", props.powerState === "poweroff" ? "stopped" : "running");
  return wrong;
}
