/**
 * A lab environment: one network with an address range, an OS image, a persistent data disk, a
 * security group, a template, and three VMs made from it.
 *
 *   hyperplan validate examples/stacks/lab.ts
 *   hyperplan synth examples/stacks/lab.ts
 */
import { App, Image, SecurityGroup, Stack, StackOutput, VirtualMachine, VirtualNetwork, VmTemplate } from "hyperplan";

const ADMIN_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq7mS0gXr1bD4kR8nT2yVw3pLq9sZx6uHc5aEf1oJ2K admin@lab";

const app = new App();
const lab = new Stack(app, "lab", { description: "Disposable lab: three Debian VMs on one bridged network" });

const net = new VirtualNetwork(lab, "lab-net", {
  description: "Lab network, bridged on the hosts' br-lab",
  driver: "bridge",
  bridge: "br-lab",
  addressRanges: [{ type: "ipv4", start: "10.20.0.10", size: 50 }],
  networkAddress: "10.20.0.0",
  networkMask: "255.255.255.0",
  gateway: "10.20.0.1",
  dns: ["10.20.0.1", "9.9.9.9"],
});

const debian = new Image(lab, "debian-12", {
  description: "Debian 12 generic cloud image",
  type: "os",
  path: "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-generic-amd64.qcow2",
  format: "qcow2",
  devicePrefix: "vd",
});

const scratch = new Image(lab, "lab-scratch", {
  description: "Shared scratch space, kept across rebuilds of lab-1",
  type: "datablock",
  size: 20 * 1024,
  persistent: true,
  format: "raw",
});

const ssh = new SecurityGroup(lab, "lab-ssh", {
  description: "SSH and ping in, everything out",
  rules: [
    { protocol: "tcp", direction: "inbound", ports: [22] },
    { protocol: "icmp", direction: "inbound", icmpType: 8 },
    { protocol: "all", direction: "outbound" },
  ],
});

const small = new VmTemplate(lab, "lab-small", {
  cpu: 0.5,
  vcpu: 1,
  memory: 1024,
  disks: [{ image: debian, size: 8 * 1024 }],
  nics: [{ network: net, securityGroups: [ssh], model: "virtio" }],
  context: { sshKeys: [ADMIN_KEY] },
  graphics: { type: "vnc", listen: "127.0.0.1" },
  os: { arch: "x86_64", boot: ["disk0"] },
});

// lab-1 also gets the persistent scratch disk; its disks then replace the template's list.
const vms = [1, 2, 3].map(
  (i) =>
    new VirtualMachine(lab, `lab-${i}`, {
      template: small,
      labels: ["lab"],
      ...(i === 1 ? { disks: [{ image: debian, size: 8 * 1024 }, { image: scratch }] } : {}),
      context: { sshKeys: [ADMIN_KEY], hostname: `lab-${i}` },
    }),
);

new StackOutput(lab, "lab-1-ip", { value: vms[0]!.ipAddress, description: "Address of the VM holding the scratch disk" });

export default app;
