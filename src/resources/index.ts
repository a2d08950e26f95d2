// The declarative resources: what a user's stack file imports through `hyperplan`.
export { App, Stack, type StackProps, type ProviderSettings } from "./stack.js";
export { StackOutput, type StackOutputProps } from "./stack-output.js";
export { Resource, type ResourceProps } from "./resource.js";
export { Attribute } from "./attribute.js";
export {
  VirtualNetwork,
  type VirtualNetworkProps,
  type AddressRangeProps,
  type Ipv4RangeProps,
  type Ipv6RangeProps,
  type EthernetRangeProps,
  type NetworkDriver,
} from "./virtual-network.js";
export { Image, type ImageProps } from "./image.js";
export { SecurityGroup, type SecurityGroupProps, type SecurityGroupRule, type PortRange } from "./security-group.js";
export { VmTemplate, type VmTemplateProps } from "./vm-template.js";
export { VirtualMachine, type VirtualMachineProps } from "./virtual-machine.js";
export type {
  MachineProps,
  DiskProps,
  ImageDiskProps,
  VolatileDiskProps,
  NicProps,
  ContextProps,
  GraphicsProps,
  OsProps,
  SchedulingProps,
} from "./machine-spec.js";
export * from "./desired-state.js";
export { canonicalJson } from "./canonical-json.js";
export { formatIssue, sortIssues, StackValidationError, type ValidationIssue, type ValidationRule } from "./validation-issue.js";
export { idProblem, nameProblem, NAME_FORBIDDEN_CHARACTERS } from "./address.js";
export { analyseStack, type StackAnalysis } from "./synthesis.js";
export type { StackFileContext, StackFileExport, StackFileValue } from "./stack-file.js";
