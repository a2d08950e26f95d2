/**
 * A small stack whose shape tests vary (how many VMs, their memory, an extra disk, a VM powered off,
 * a security group's port, …): networks, images, a security group, a template and VMs from it.
 */
import { App, Image, SecurityGroup, Stack, StackOutput, VirtualMachine, VirtualNetwork, VmTemplate } from "../../src/index";
import { analyseStack } from "../../src/resources/synthesis";
import type { DesiredState } from "../../src/resources/desired-state";

export interface Shape {
  vms?: number;
  memory?: number;
  cpu?: number;
  extraDisk?: boolean;
  web?: boolean;
  powerOff?: string[];
  sshPort?: number;
  imageName?: string;
  bridgeOfNet?: string;
  arSize?: number;
  contextVar?: string;
  dataSize?: number;
  bootFromData?: boolean;
  /** The template gives its VMs a VNC console. */
  console?: boolean;
  /** The template's firmware (an OS section). */
  firmware?: "bios" | "uefi";
  /** The template declares no context. */
  noContext?: boolean;
}

/** The stack `shop` in the given shape. */
export function shop(shape: Shape = {}): DesiredState {
  const app = new App();
  const stack = new Stack(app, "shop");
  const net = new VirtualNetwork(stack, "net", {
    driver: "bridge",
    bridge: shape.bridgeOfNet ?? "br0",
    addressRanges: [{ type: "ipv4", start: "10.1.0.10", size: shape.arSize ?? 20 }],
    gateway: "10.1.0.1",
    dns: ["10.1.0.1"],
  });
  const os = new Image(stack, "os", { name: shape.imageName ?? "os", type: "os", path: "/var/tmp/os.qcow2", format: "qcow2" });
  const data = new Image(stack, "data", { type: "datablock", size: shape.dataSize ?? 1024 });
  const ssh = new SecurityGroup(stack, "ssh", { rules: [{ protocol: "tcp", direction: "inbound", ports: [shape.sshPort ?? 22] }] });
  const small = new VmTemplate(stack, "small", {
    cpu: 1,
    memory: 512,
    disks: [{ image: os }],
    nics: [{ network: net, securityGroups: [ssh] }],
    ...(shape.noContext ? {} : { context: { sshKeys: [], vars: shape.contextVar ? { ROLE: shape.contextVar } : {} } }),
    ...(shape.console ? { graphics: { type: "vnc" as const, listen: "0.0.0.0" } } : {}),
    ...(shape.firmware ? { os: { firmware: shape.firmware, boot: ["disk0"] } } : {}),
  });
  const vms: VirtualMachine[] = [];
  for (let i = 1; i <= (shape.vms ?? 2); i++) {
    vms.push(
      new VirtualMachine(stack, `vm-${i}`, {
        template: small,
        ...(shape.memory !== undefined ? { memory: shape.memory } : {}),
        ...(shape.cpu !== undefined ? { cpu: shape.cpu } : {}),
        ...(shape.extraDisk && i === 1 ? { disks: [{ image: os }, { image: data }] } : {}),
        ...(shape.bootFromData && i === 1 ? { disks: [{ image: data }] } : {}),
        ...(shape.powerOff?.includes(`vm-${i}`) ? { powerState: "poweroff" as const } : {}),
      }),
    );
  }
  if (shape.web) {
    new VirtualMachine(stack, "web", {
      cpu: 1,
      memory: 256,
      disks: [{ image: os }],
      nics: [{ network: net }],
      context: { sshKeys: [], vars: { DB: vms[0]!.ipAddress } },
    });
  }
  new StackOutput(stack, "first-ip", { value: vms[0]!.ipAddress });
  const analysis = analyseStack(stack);
  if (!analysis.state) throw new Error(JSON.stringify(analysis));
  return analysis.state;
}

