/**
 * Build containers for CI on an OpenVZ Web Panel: OPENVZ_BUILDERS of them (3 when unset), each with a
 * fixed share of CPU and memory, on the panel's venet with an address from its IP pool.
 *
 *   hyperplan apply examples/stacks/openvz-ci.ts --simulate --auto-approve
 *   OPENVZ_BUILDERS=5 hyperplan plan examples/stacks/openvz-ci.ts --simulate
 *
 * Against a real panel, set OWP_URL, OWP_USER, OWP_PASSWORD and OPENVZ_ROOT_PASSWORD (or the stack's
 * provider settings) and leave out --simulate. The containers carry the description
 * "hyperplan openvz-ci build-N": that mark is how the stack knows them.
 */
import { App, Image, Stack, StackOutput, VirtualMachine, VirtualNetwork, VmTemplate } from "hyperplan";

const app = new App();
const ci = new Stack(app, "openvz-ci", { description: "CI build containers", provider: { openvz: { hardwareServer: "node1.lan" } } });

const count = Number(process.env.OPENVZ_BUILDERS ?? "3");
if (!Number.isInteger(count) || count < 0 || count > 200) throw new Error(`OPENVZ_BUILDERS must be a whole number from 0 to 200, got ${JSON.stringify(process.env.OPENVZ_BUILDERS)}`);

// The root password comes from the environment; the fallback is for the simulator only.
const rootPassword = process.env.OPENVZ_ROOT_PASSWORD ?? "Simulated-r00t";

// The panel's own objects, looked up by name: the OS template, the server template and the venet.
const debian = new Image(ci, "debian-11-x86_64", { type: "os", persistent: false });
const basic = new VmTemplate(ci, "vps.basic", {});
// The venet of the hardware servers; its range is the part of the panel's IP pool the stack's fixed IPs come from.
const venet = new VirtualNetwork(ci, "venet", { addressRanges: [{ type: "ipv4", start: "10.10.1.10", size: 241 }] });

const builders: VirtualMachine[] = [];
for (let i = 1; i <= count; i++) {
  const vm = new VirtualMachine(ci, `build-${i}`, {
    template: basic,
    vcpu: 2,
    memory: 1024,
    disks: [{ image: debian, size: 10240 }],
    nics: [{ network: venet }],
    context: { password: rootPassword },
    raw: { openvz: { cpuUnits: 1000, nameserver: "10.10.0.53", searchDomain: "ci.lan" } },
  });
  builders.push(vm);
}

if (builders[0]) new StackOutput(ci, "build-1-ip", { value: builders[0].ipAddress, description: "Address of the first build container" });

export default app;
