/**
 * VmTemplate ↔ OpenNebula VMTEMPLATE: everything lives in its TEMPLATE.
 */
import type { VmTemplateSpec } from "../../resources/desired-state.js";
import { commonAttributes, rawOf, readCommon, type RefMap } from "./map-common.js";
import { machineAttributes, readMachine, readScheduling, type MachineWriteContext } from "./map-machine.js";
import { ownershipAttributes, readSecretNames, secretNamesAttribute, type OwnershipTag } from "./ownership.js";
import type { VmTemplateRecord } from "./records.js";
import type { Template } from "./template-syntax.js";

const KNOWN = new Set(["CPU", "VCPU", "MEMORY", "SCHED_REQUIREMENTS", "SCHED_RANK", "SCHED_DS_REQUIREMENTS", "ERROR"]);

/** The allocate (with `name`) or update (without) template of a VM template. */
export function vmTemplateToTemplate(name: string | undefined, spec: VmTemplateSpec, ctx: MachineWriteContext, tag: OwnershipTag): Template {
  const t: Template = name === undefined ? [] : [{ name: "NAME", value: name }];
  t.push(...machineAttributes(spec, ctx), ...commonAttributes(spec), ...rawOf(spec.raw), ...ownershipAttributes(tag));
  t.push(...secretNamesAttribute(spec.context));
  return t;
}

export function vmTemplateToSpec(record: VmTemplateRecord, declared: VmTemplateSpec | undefined, refs: RefMap): VmTemplateSpec {
  const spec: VmTemplateSpec = { ...readCommon(record.template, KNOWN, declared?.raw), ...readMachine(record.template, refs, readSecretNames(record.template)) };
  const scheduling = readScheduling(record.template);
  if (scheduling) spec.scheduling = scheduling;
  return spec;
}
