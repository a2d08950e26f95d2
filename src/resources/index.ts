// The declarative resources: what a user's stack file imports through `hyperplan`.
export { App, Stack, type StackProps, type ProviderSettings } from "./stack";
export { StackOutput, type StackOutputProps } from "./stack-output";
export { Resource, type ResourceProps } from "./resource";
export { Attribute } from "./attribute";
export {
  VirtualNetwork,
  type VirtualNetworkProps,
  type AddressRangeProps,
  type Ipv4RangeProps,
  type Ipv6RangeProps,
  type EthernetRangeProps,
  type NetworkDriver,
} from "./virtual-network";
export { Image, type ImageProps } from "./image";
export { SecurityGroup, type SecurityGroupProps, type SecurityGroupRule, type PortRange } from "./security-group";
export { VmTemplate, type VmTemplateProps } from "./vm-template";
export { VirtualMachine, type VirtualMachineProps } from "./virtual-machine";
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
} from "./machine-spec";
export * from "./desired-state";
export { canonicalJson } from "./canonical-json";
export { formatIssue, sortIssues, StackValidationError, type ValidationIssue, type ValidationRule } from "./validation-issue";
export { idProblem, nameProblem, NAME_FORBIDDEN_CHARACTERS } from "./address";
export { analyseStack, type StackAnalysis } from "./synthesis";
export type { StackFileContext, StackFileExport, StackFileValue } from "./stack-file";
