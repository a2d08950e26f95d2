import { describe, expect, it } from "vitest";
import { App, Image, SecurityGroup, Stack, VirtualMachine, VirtualNetwork, VmTemplate } from "../../../src/index";
import { formatIssue } from "../../../src/resources/validation-issue";
import { xenServerProfile } from "../../../src/providers/xenserver/profile";

function issuesOf(build: (stack: Stack) => void): string[] {
  const app = new App();
  const stack = new Stack(app, "lab", { provider: { xenserver: {} } });
  build(stack);
  return stack.validate({ profile: xenServerProfile }).map((i) => formatIssue(i));
}

describe("XenServer's profile", () => {
  it("takes the lab of examples/stacks/xen-lab.ts's shapes", () => {
    expect(
      issuesOf((lab) => {
        const net = new VirtualNetwork(lab, "net", { mtu: 9000 });
        const base = new Image(lab, "base", { type: "os", raw: { xenserver: { copyOf: "debian-12-cloud base" } } });
        const data = new Image(lab, "data", { type: "datablock", size: 1024, persistent: true, datastore: "Local storage" });
        const small = new VmTemplate(lab, "small", { vcpu: 1, memory: 1024, nics: [{ network: net }], raw: { xenserver: { template: "Other install media" } } });
        new VirtualMachine(lab, "vm", { template: small, labels: ["x"], disks: [{ image: base }, { image: data, readOnly: true }], powerState: "poweroff" });
      }),
    ).toEqual([]);
  });

  it("names what XenServer does not carry out, each at its construct and property", () => {
    const issues = issuesOf((lab) => {
      const net = new VirtualNetwork(lab, "net", { addressRanges: [{ type: "ipv4", start: "10.0.0.10", size: 5 }], dns: ["10.0.0.1"] });
      const ssh = new SecurityGroup(lab, "ssh", { rules: [{ protocol: "tcp", direction: "inbound", ports: [22] }] });
      new Image(lab, "empty", { type: "datablock", raw: { xenserver: { copyOf: "x" } }, path: "/var/lib/x.qcow2" });
      new Image(lab, "nosize", { type: "datablock", persistent: true });
      new VirtualMachine(lab, "vm", {
        cpu: 0.5,
        memory: 512,
        nics: [{ network: net, securityGroups: [ssh] }],
        context: { sshKeys: [] },
        raw: { xenserver: { template: "debian-12-cloud", PV_args: "console=hvc0", HVM_boot_params: { order: 3 } } },
      });
      new VirtualMachine(lab, "bare", { memory: 512 });
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        "lab/net: addressRanges: not supported on xenserver",
        "lab/net: dns: not supported on xenserver",
        expect.stringMatching(/^lab\/ssh: SecurityGroup is not supported on xenserver/),
        "lab/empty: path: not supported on xenserver",
        expect.stringMatching(/^lab\/nosize: size: is required on XenServer unless raw\.xenserver\.copyOf names a disk to copy/),
        "lab/vm: cpu: not supported on xenserver",
        "lab/vm: context: not supported on xenserver",
        "lab/vm: nics[0].securityGroups: not supported on xenserver",
        expect.stringMatching(/^lab\/vm: raw\.xenserver\.PV_args: is not a XenServer setting hyperplan carries out on a VirtualMachine \(it takes template, platform, HVM_boot_params\)/),
        expect.stringMatching(/^lab\/vm: raw\.xenserver\.HVM_boot_params: must be a map of strings/),
        expect.stringMatching(/^lab\/bare: raw\.xenserver\.template: is required on XenServer unless the VM names a template of the stack/),
      ]),
    );
  });
});
