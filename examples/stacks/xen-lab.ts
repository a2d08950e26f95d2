/**
 * The lab of lab.ts on a XenServer pool: one network, a persistent data disk, and three Debian VMs
 * cloned from the pool's "debian-12-cloud" template, the first with the data disk attached.
 *
 *   hyperplan apply examples/stacks/xen-lab.ts --simulate --auto-approve
 *
 * Against a real pool, set XENSERVER_HOST, XENSERVER_USER and XENSERVER_PASSWORD (or the stack's
 * provider settings) and leave out --simulate.
 */
import { App, Image, Stack, StackOutput, VirtualMachine, VirtualNetwork } from "hyperplan";

const app = new App();
const lab = new Stack(app, "xen-lab", { description: "Disposable lab: three Debian VMs on one network", provider: { xenserver: {} } });

const net = new VirtualNetwork(lab, "lab-net", { description: "Lab network", mtu: 1500 });

const scratch = new Image(lab, "lab-scratch", {
  description: "Shared scratch space, kept across rebuilds of lab-1",
  type: "datablock",
  size: 20 * 1024,
  persistent: true,
});

const vms = [1, 2, 3].map(
  (i) =>
    new VirtualMachine(lab, `lab-${i}`, {
      description: `Lab machine ${i}`,
      vcpu: 1,
      memory: 1024,
      labels: ["lab"],
      nics: [{ network: net }],
      ...(i === 1 ? { disks: [{ image: scratch }] } : {}),
      raw: { xenserver: { template: "debian-12-cloud" } },
    }),
);

new StackOutput(lab, "lab-1-ip", { value: vms[0]!.ipAddress, description: "Address of the VM holding the scratch disk" });

export default app;
