/**
 * VirtualMachine ↔ OpenNebula VM. A VM without a template is allocated with its whole machine; one
 * from a VmTemplate is instantiated from it with an extra template holding what the VM sets over the
 * template (oned merges them: an attribute of the extra template replaces the template's of that name).
 * Either way the ownership tags, labels and free attributes go in the same call; oned keeps them in
 * USER_TEMPLATE, and the machine (CPU, DISK, NIC, CONTEXT …) in TEMPLATE.
 */
import type { VirtualMachineSpec } from "../../resources/desired-state.js";
import { commonAttributes, rawOf, readCommon, single, type RefMap } from "./map-common.js";
import { machineAttributes, readMachine, readScheduling, type MachineWriteContext } from "./map-machine.js";
import { vmPowerState } from "./live-model.js";
import { labelsValue, ownershipAttributes, readOwnershipTag, readSecretNames, secretNamesAttribute, splitLabels, type OwnershipTag } from "./ownership.js";
import type { VmRecord } from "./records.js";
import { vmStateName } from "./states.js";
import type { Template } from "./template-syntax.js";

/** USER_TEMPLATE attributes that are oned's or hyperplan's own, never free attributes. */
const KNOWN_USER = new Set([
  "LABELS", "SCHED_REQUIREMENTS", "SCHED_RANK", "SCHED_DS_REQUIREMENTS", "SCHED_DS_RANK", "SCHED_MESSAGE", "ERROR", "USER_PRIORITY",
  "CPU_MODEL",
]);

/**
 * The USER_TEMPLATE part a VM gets: labels, free attributes, description, raw, tags, and the names of
 * its own context's secret variables (a VM without a context of its own keeps the record it copies
 * from its template at instantiate).
 */
export function vmUserAttributes(spec: VirtualMachineSpec, tag: OwnershipTag): Template {
  const t: Template = [];
  t.push({ name: "LABELS", value: labelsValue(spec.labels, tag.stack) });
  t.push(...commonAttributes(spec), ...rawOf(spec.raw), ...ownershipAttributes(tag));
  t.push(...secretNamesAttribute(spec.context));
  return t;
}

/** The allocate template of a VM without a template, or the extra template of an instantiate. */
export function vmToTemplate(name: string, spec: VirtualMachineSpec, ctx: MachineWriteContext, tag: OwnershipTag): Template {
  return [{ name: "NAME", value: name }, ...machineAttributes(spec, ctx), ...vmUserAttributes(spec, tag)];
}

export interface LiveVm {
  spec: VirtualMachineSpec;
  state: string;
  values: { ip?: string; mac?: string };
}

export function vmToSpec(record: VmRecord, declared: VirtualMachineSpec | undefined, refs: RefMap): LiveVm {
  const state = vmStateName(record.state, record.lcmState);
  const machine = readMachine(record.template, refs, readSecretNames(record.userTemplate));
  // oned keeps what a VM's allocate gave it apart: the attributes it parses (FEATURES, INPUT, RAW …) in
  // TEMPLATE, BACKUP_CONFIG under BACKUPS, the rest in USER_TEMPLATE; a declared raw attribute is
  // looked for in all of them.
  const backup = record.backupConfig.filter((a): a is { name: string; value: string } => typeof a.value === "string");
  const placed = backup.length > 0 ? [...record.template, { name: "BACKUP_CONFIG", value: Object.fromEntries(backup.map((a) => [a.name, a.value])) }] : record.template;
  const common = readCommon(record.userTemplate, KNOWN_USER, declared?.raw, placed);
  // The stack's own ownership label is hyperplan's, never one the user declared.
  const { labels } = splitLabels(single(record.userTemplate, "LABELS"), readOwnershipTag(record.userTemplate)?.stack);
  const spec: VirtualMachineSpec = { ...common, ...machine, labels: [...new Set(labels)].sort(), powerState: vmPowerState(state) };
  const scheduling = readScheduling(record.userTemplate);
  if (scheduling) spec.scheduling = scheduling;
  const template = refs.ref("VmTemplate", single(record.template, "TEMPLATE_ID"));
  if (template) spec.template = template;
  const values: LiveVm["values"] = {};
  const nic = machine.nics[0];
  if (nic?.ip !== undefined) values.ip = nic.ip;
  if (nic?.mac !== undefined) values.mac = nic.mac;
  return { spec, state, values };
}
