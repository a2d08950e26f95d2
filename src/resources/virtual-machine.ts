/**
 * VirtualMachine: a VM, created from a VmTemplate or from inline capacity, kept in the power state
 * the stack declares.
 */
import type { IConstruct } from "constructs";
import { Attribute } from "./attribute.js";
import type { PowerState, VirtualMachineSpec } from "./desired-state.js";
import type { CheckContext, KindDefinition, PropsInput } from "./kind-definition.js";
import {
  MACHINE_SECRET_PATHS,
  checkMachine,
  machineSchemaProperties,
  normaliseMachine,
  type DiskProps,
  type MachineProps,
  type NicProps,
} from "./machine-spec.js";
import { Resource, copyProps, type ResourceProps } from "./resource.js";
import { arrayOf, enumOf, kindSchema, ref, string } from "./schema-parts.js";
import type { VmTemplate } from "./vm-template.js";

export const POWER_STATES: readonly PowerState[] = ["running", "poweroff"];

export interface VirtualMachineProps extends ResourceProps, MachineProps {
  /**
   * The template the VM is created from. Capacity, context, graphics and OS given on the VM override
   * the template's, each scheduling field given on the VM the template's one; `disks` and `nics`
   * given on the VM replace the template's lists.
   * @default none: `cpu` and `memory` are then required
   */
  template?: VmTemplate;
  /**
   * Labels for grouping and search (`web`, `team/infra`); no commas. Kept sorted, without repeats.
   * @default none
   */
  labels?: string[];
  /**
   * The power state apply keeps the VM in.
   * @default "running"
   */
  powerState?: PowerState;
}

type Input = PropsInput<VirtualMachineProps>;

const schema = kindSchema({
  ...machineSchemaProperties(),
  template: ref("a VmTemplate"),
  labels: arrayOf(string("a label without commas, 1 to 128 characters", { pattern: "^[^,\\s]([^,]{0,126}[^,\\s])?$" })),
  powerState: enumOf(POWER_STATES),
});

function check(input: Input, ctx: CheckContext): void {
  if (!input.template && input.memory === undefined) ctx.report("memory", "is required when the VM has no template");
  const template = input.template ? ctx.lookup(input.template.ref) : undefined;
  // How many disks (NICs) the VM ends up with: its own list, else its template's when that is known.
  const count = (key: "disks" | "nics"): number | undefined => {
    const own = input[key];
    if (own !== undefined) return own.length;
    if (!input.template) return 0;
    if (template?.kind !== "VmTemplate" || !template.input || template.unknown.has(key)) return undefined;
    const inherited = template.input[key];
    return Array.isArray(inherited) ? inherited.length : 0;
  };
  checkMachine(input, ctx, { disks: count("disks"), nics: count("nics") });
}

function normalise(input: Input): VirtualMachineSpec {
  return {
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.template !== undefined ? { template: { ref: input.template.ref } } : {}),
    ...normaliseMachine(input, input.template === undefined),
    labels: [...new Set(input.labels ?? [])].sort(),
    powerState: input.powerState ?? "running",
    attributes: { ...(input.attributes ?? {}) },
    ...(input.raw !== undefined ? { raw: input.raw } : {}),
  };
}

export const virtualMachineDefinition: KindDefinition<Input, VirtualMachineSpec> = {
  kind: "VirtualMachine",
  schema,
  // ip and mac: those of the first NIC.
  attributes: ["id", "ip", "mac"],
  secretPaths: MACHINE_SECRET_PATHS,
  check,
  normalise,
};

/**
 * A virtual machine. Many VMs are a plain loop:
 *
 * ```ts
 * for (let i = 1; i <= 3; i++) new VirtualMachine(stack, `web-${i}`, { template: small, labels: ["web"] });
 * ```
 */
export class VirtualMachine extends Resource<VirtualMachineProps> {
  readonly kind = "VirtualMachine" as const;
  /** @internal */
  readonly definition = virtualMachineDefinition as KindDefinition<never, unknown>;

  constructor(scope: IConstruct, id: string, props: VirtualMachineProps = {}) {
    super(scope, id, copyProps(props));
  }

  /** The IPv4 address of the VM's first NIC, known after apply. */
  get ipAddress(): Attribute<string> {
    return new Attribute<string>(this, "ip");
  }

  /** The MAC address of the VM's first NIC, known after apply. */
  get macAddress(): Attribute<string> {
    return new Attribute<string>(this, "mac");
  }

  /** Appends a disk (on a VM with a template, the VM's disks then replace the template's). */
  addDisk(disk: DiskProps): this {
    this.appendTo("disks", disk);
    return this;
  }

  /** Appends a network interface (on a VM with a template, the VM's NICs then replace the template's). */
  addNic(nic: NicProps): this {
    this.appendTo("nics", nic);
    return this;
  }

  /** Adds labels. */
  addLabel(...labels: string[]): this {
    for (const label of labels) this.appendTo("labels", label);
    return this;
  }
}
