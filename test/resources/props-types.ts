/**
 * Type-level test: what an editor tells a user writing a stack. Checked by `tsc --noEmit -p .`
 * (part of `npm test`, and run on this file alone by props-types.test.ts): every line marked
 * `@ts-expect-error` must be a type error, and every other line must compile. Never executed.
 */
import {
  App,
  Image,
  SecurityGroup,
  Stack,
  StackOutput,
  VirtualMachine,
  VirtualNetwork,
  VmTemplate,
  type Attribute,
  type StackFileExport,
} from "hyperplan";

export function declarations(): void {
  const stack = new Stack(new App(), "types");
  const net = new VirtualNetwork(stack, "net", { addressRanges: [{ type: "ipv4", start: "10.0.0.1", size: 10 }] });
  const img = new Image(stack, "img", { type: "datablock", size: 1024 });
  const sg = new SecurityGroup(stack, "sg", { rules: [{ protocol: "tcp", direction: "inbound", ports: [22, { from: 80, to: 81 }] }] });
  const tmpl = new VmTemplate(stack, "t", { cpu: 0.5, memory: 512, disks: [{ image: img }, { size: 10 }], nics: [{ network: net, securityGroups: [sg] }] });
  const vm = new VirtualMachine(stack, "vm", { template: tmpl, powerState: "poweroff", context: { vars: { PEER: net.objectId } } });

  // Attributes are typed: an IP is a string attribute, an object id a number attribute.
  const ip: Attribute<string> = vm.ipAddress;
  const id: Attribute<number> = img.objectId;
  new StackOutput(stack, "ip", { value: ip });
  new StackOutput(stack, "id", { value: id, description: "image id" });

  // @ts-expect-error memory is a number of MiB, not a string
  new VirtualMachine(stack, "e1", { cpu: 1, memory: "512" });
  // @ts-expect-error unknown prop (a typo of memory)
  new VirtualMachine(stack, "e2", { cpu: 1, memroy: 512 });
  // @ts-expect-error powerState is "running" or "poweroff"
  new VirtualMachine(stack, "e3", { template: tmpl, powerState: "stopped" });
  // @ts-expect-error a disk's image must be an Image, not a network
  new VirtualMachine(stack, "e4", { cpu: 1, memory: 64, disks: [{ image: net }] });
  // @ts-expect-error a NIC's network must be a VirtualNetwork
  new VirtualMachine(stack, "e5", { cpu: 1, memory: 64, nics: [{ network: img }] });
  // @ts-expect-error a NIC's security groups must be SecurityGroups
  new VirtualMachine(stack, "e6", { cpu: 1, memory: 64, nics: [{ network: net, securityGroups: [net] }] });
  // @ts-expect-error a VM's template must be a VmTemplate
  new VirtualMachine(stack, "e7", { template: vm });
  // @ts-expect-error a NIC needs a network
  new VirtualMachine(stack, "e8", { cpu: 1, memory: 64, nics: [{ ip: "10.0.0.5" }] });
  // @ts-expect-error image type is os, datablock or cdrom
  new Image(stack, "e9", { type: "iso", path: "/x.iso" });
  // @ts-expect-error persistent is a boolean
  new Image(stack, "e10", { path: "/x", persistent: "yes" });
  // @ts-expect-error address range type is ipv4, ipv6 or ethernet
  new VirtualNetwork(stack, "e11", { addressRanges: [{ type: "ipv5", size: 1 }] });
  // @ts-expect-error an ipv4 range needs its start
  new VirtualNetwork(stack, "e12", { addressRanges: [{ type: "ipv4", size: 1 }] });
  // @ts-expect-error rule direction is inbound or outbound
  new SecurityGroup(stack, "e13", { rules: [{ protocol: "tcp", direction: "in" }] });
  // @ts-expect-error rule protocol must be a known one
  new SecurityGroup(stack, "e14", { rules: [{ protocol: "sctp", direction: "inbound" }] });
  // @ts-expect-error graphics type is vnc or spice
  new VmTemplate(stack, "e15", { graphics: { type: "rdp" } });
  // @ts-expect-error context vars take strings or attributes, not numbers
  new VmTemplate(stack, "e16", { context: { vars: { N: 1 } } });
  // @ts-expect-error free attributes are strings
  new VirtualNetwork(stack, "e17", { attributes: { TIER: 1 } });
  // @ts-expect-error an IP attribute is a string, not a number
  const wrong: Attribute<number> = vm.ipAddress;
  // @ts-expect-error an output value must be a literal or an attribute
  new StackOutput(stack, "e18", { value: vm });
  // @ts-expect-error a stack lives in an App (or on its own), not in another stack
  new Stack(stack, "nested");
  void wrong;
}

// Every form a stack file may export.
export const asApp: StackFileExport = new App();
export const asStack: StackFileExport = new Stack(undefined, "solo");
export const asFunction: StackFileExport = ({ env }) => new Stack(undefined, env.NAME ?? "x");
export const asAsync: StackFileExport = async () => [new Stack(undefined, "a"), new Stack(undefined, "b")];
// @ts-expect-error a stack file cannot export a bare resource
export const asResource: StackFileExport = new VirtualNetwork(new Stack(undefined, "s"), "n");
