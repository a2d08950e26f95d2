/**
 * The lab of lab.ts on a XenServer pool: one network, a Debian base disk, a persistent scratch disk,
 * a template, and three VMs cloned from it, each with its own copy of the base disk, the first also
 * with the scratch disk.
 *
 *   hyperplan apply examples/stacks/xen-lab.ts --simulate --auto-approve
 *
 * Against a real pool, set XENSERVER_HOST, XENSERVER_USER and XENSERVER_PASSWORD (or the stack's
 * provider settings) and leave out --simulate. The pool template and the base disk named below are
 * those of hyperplan's simulator: name your pool's own.
 */
import { App, Image, Stack, StackOutput, VirtualMachine, VirtualNetwork, VmTemplate } from "hyperplan";

const app = new App();
const lab = new Stack(app, "xen-lab", { description: "Disposable lab: three Debian VMs on one network", provider: { xenserver: {} } });

const net = new VirtualNetwork(lab, "lab-net", { description: "Lab network", mtu: 1500 });

// Not persistent: every VM that has it gets a copy of its own.
const debian = new Image(lab, "debian-12", {
  description: "Debian 12 generic cloud image",
  type: "os",
  raw: { xenserver: { copyOf: "debian-12-cloud base" } },
});

const scratch = new Image(lab, "lab-scratch", {
  description: "Shared scratch space, kept across rebuilds of lab-1",
  type: "datablock",
  size: 20 * 1024,
  persistent: true,
});

const small = new VmTemplate(lab, "lab-small", {
  description: "One VCPU, 1 GiB, on the lab network",
  vcpu: 1,
  memory: 1024,
  nics: [{ network: net }],
  raw: { xenserver: { template: "Other install media" } },
});

// lab-1 also gets the persistent scratch disk.
const vms = [1, 2, 3].map(
  (i) =>
    new VirtualMachine(lab, `lab-${i}`, {
      template: small,
      labels: ["lab"],
      disks: i === 1 ? [{ image: debian }, { image: scratch }] : [{ image: debian }],
    }),
);

new StackOutput(lab, "lab-1-ip", { value: vms[0]!.ipAddress, description: "Address of the VM holding the scratch disk" });

export default app;
