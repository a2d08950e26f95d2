/**
 * Two web servers on Gandi hosting, each with a data disk of its own.
 *
 *   hyperplan apply examples/stacks/gandi-web.ts --simulate --auto-approve
 *
 * Against the real API, set GANDI_LOGIN, GANDI_PASSWORD and GANDI_ROOT_PASSWORD (or the stack's
 * provider settings) and leave out --simulate. The VMs are named web-1.gandi-web-7pri4s and
 * web-2.gandi-web-ftn3cw on the account, their disks web-1-data.gandi-web-… likewise: the stack knows
 * its objects by these names, whose last six characters are a mark only hyperplan writes.
 */
import { App, Image, Stack, VirtualMachine } from "hyperplan";

const app = new App();
const web = new Stack(app, "gandi-web", { description: "Two web servers with their data disks", provider: { gandi: {} } });

// The VMs' root password comes from the environment; the fallback is for the simulator only.
const rootPassword = process.env.GANDI_ROOT_PASSWORD ?? "Simulated-r00t";

[1, 2].forEach((i) => {
  const data = new Image(web, `web-${i}-data`, { type: "datablock", size: 2048, persistent: true, raw: { gandi: { fstype: "ext3" } } });
  new VirtualMachine(web, `web-${i}`, {
    vcpu: 1,
    memory: 256,
    disks: [{ image: data }],
    context: { password: rootPassword },
    raw: { gandi: { os: "Debian 12" } },
  });
});

export default app;
