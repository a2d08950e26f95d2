/**
 * The operations XenServer's diff rules can name, each carried out by apply's steps (steps.ts): a
 * XenAPI call, or calls joined with `+` in the order they are made.
 */
export const XEN_OPERATIONS = [
  "VM.set_name_label",
  "VIF.create",
  "VIF.destroy",
  "VIF.destroy+VIF.create",
  "VM.set_name_description",
  "VM.set_other_config",
  "VM.set_tags",
  "VM.set_platform",
  "VM.set_HVM_boot_params",
  "VM.set_memory_limits",
  "VM.set_VCPUs_max+VM.set_VCPUs_at_startup",
  "VM.start",
  "VM.clean_shutdown",
  "VBD.create+VBD.plug",
  "VBD.unplug+VBD.destroy",
  "VBD.unplug+VBD.destroy+VBD.create+VBD.plug",
  "VIF.create+VIF.plug",
  "VIF.unplug+VIF.destroy",
  "VIF.unplug+VIF.destroy+VIF.create+VIF.plug",
  "VDI.set_name_label",
  "VDI.set_name_description",
  "VDI.set_other_config",
  "VDI.resize",
  "network.set_name_label",
  "network.set_name_description",
  "network.set_other_config",
  "network.set_MTU",
] as const;

export type XenOperation = (typeof XEN_OPERATIONS)[number];

/** The XenAPI methods an operation calls, in order. */
export function methodsOf(operation: XenOperation): string[] {
  return operation.split("+");
}
