/**
 * VmTemplate: a reusable machine description that VirtualMachines are created from.
 */
import type { IConstruct } from "constructs";
import type { VmTemplateSpec } from "./desired-state.js";
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
import { kindSchema } from "./schema-parts.js";

export interface VmTemplateProps extends ResourceProps, MachineProps {}

type Input = PropsInput<VmTemplateProps>;

const schema = kindSchema(machineSchemaProperties());

function check(input: Input, ctx: CheckContext): void {
  checkMachine(input, ctx, { disks: (input.disks ?? []).length, nics: (input.nics ?? []).length });
}

function normalise(input: Input): VmTemplateSpec {
  const machine = normaliseMachine(input, true);
  return {
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...machine,
    disks: machine.disks ?? [],
    nics: machine.nics ?? [],
    attributes: { ...(input.attributes ?? {}) },
    ...(input.raw !== undefined ? { raw: input.raw } : {}),
  };
}

export const vmTemplateDefinition: KindDefinition<Input, VmTemplateSpec> = {
  kind: "VmTemplate",
  schema,
  attributes: ["id"],
  secretPaths: MACHINE_SECRET_PATHS,
  check,
  normalise,
};

/**
 * A VM template.
 *
 * ```ts
 * const small = new VmTemplate(stack, "small", {
 *   cpu: 0.5, vcpu: 1, memory: 1024,
 *   disks: [{ image: os }],
 *   nics: [{ network: net, securityGroups: [ssh] }],
 *   context: { sshKeys: ["ssh-ed25519 AAAA… me@laptop"] },
 * });
 * ```
 */
export class VmTemplate extends Resource<VmTemplateProps> {
  readonly kind = "VmTemplate" as const;
  /** @internal */
  readonly definition = vmTemplateDefinition as KindDefinition<never, unknown>;

  constructor(scope: IConstruct, id: string, props: VmTemplateProps = {}) {
    super(scope, id, copyProps(props));
  }

  /** Appends a disk. */
  addDisk(disk: DiskProps): this {
    this.appendTo("disks", disk);
    return this;
  }

  /** Appends a network interface. */
  addNic(nic: NicProps): this {
    this.appendTo("nics", nic);
    return this;
  }
}
