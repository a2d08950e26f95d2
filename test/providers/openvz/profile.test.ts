import { describe, expect, it } from "vitest";
import { App, Image, Stack, VirtualMachine, VirtualNetwork, VmTemplate } from "../../../src/index";
import { analyseStack } from "../../../src/resources/synthesis";
import { openVzProfile } from "../../../src/providers/openvz/profile";

function issuesOf(build: (s: Stack, os: Image, net: VirtualNetwork) => void): string[] {
  const s = new Stack(new App(), "ci");
  const os = new Image(s, "debian-11-x86_64", { type: "os", persistent: false });
  const net = new VirtualNetwork(s, "venet", { addressRanges: [{ type: "ipv4", start: "10.10.1.10", size: 200 }] });
  build(s, os, net);
  return analyseStack(s, { profile: openVzProfile }).issues.map((i) => `${i.address}: ${i.path}: ${i.message}`);
}

describe("the OpenVZ profile", () => {
  it("takes build containers with an OS template, a server template, venet IPs and panel limits", () => {
    expect(
      issuesOf((s, os, net) => {
        const t = new VmTemplate(s, "vps.basic", {});
        new VirtualMachine(s, "build-1", {
          template: t,
          vcpu: 2,
          memory: 1024,
          disks: [{ image: os, size: 10240 }],
          nics: [{ network: net, ip: "10.10.1.20" }],
          context: { password: "r00t-pw" },
          powerState: "poweroff",
          raw: { openvz: { hardwareServer: "node1.lan", vswap: 512, cpuUnits: 1000, cpuLimit: 50, nameserver: "10.0.0.53 10.0.0.54", searchDomain: "ci.lan", startOnBoot: true } },
        });
      }),
    ).toEqual([]);
  });

  it("refuses what a container cannot be, with the reason", () => {
    const issues = issuesOf((s, os, net) => {
      const data = new Image(s, "data", { type: "datablock", size: 10, persistent: true });
      new VirtualMachine(s, "two_disks", { memory: 512, disks: [{ image: os, size: 1 }, { image: data }], nics: [{ network: net }, { network: net }] });
      new VirtualMachine(s, "no-size", { disks: [{ image: os }], raw: { openvz: { vswap: -1, nameserver: "dns.lan", color: "red" } } });
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ci\/data: type: must be "os" on OpenVZ/),
        expect.stringMatching(/^ci\/two_disks: disks: must be exactly one disk on OpenVZ, got 2/),
        expect.stringMatching(/^ci\/two_disks: nics: may have at most one NIC without ip/),
        expect.stringMatching(/^ci\/two_disks: .*must be a host name on OpenVZ .*got "two_disks"/),
        expect.stringMatching(/^ci\/no-size: disks\[0\]\.size: is required on OpenVZ/),
        expect.stringMatching(/^ci\/no-size: memory: is required on OpenVZ/),
        expect.stringMatching(/^ci\/no-size: raw\.openvz\.vswap: must be a whole number >= 0/),
        expect.stringMatching(/^ci\/no-size: raw\.openvz\.nameserver: must be DNS server IPs/),
        expect.stringMatching(/^ci\/no-size: raw\.openvz\.color: is not a panel setting/),
      ]),
    );
  });
});
