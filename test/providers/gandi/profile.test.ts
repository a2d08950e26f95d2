import { describe, expect, it } from "vitest";
import { App, Image, Stack, VirtualMachine, VirtualNetwork } from "../../../src/index";
import { formatIssue } from "../../../src/resources/validation-issue";
import { gandiProfile } from "../../../src/providers/gandi/profile";

function issuesOf(build: (stack: Stack) => void): string[] {
  const app = new App();
  const stack = new Stack(app, "shop");
  build(stack);
  return stack.validate({ profile: gandiProfile }).map((i) => formatIssue(i));
}

describe("Gandi's profile", () => {
  it("takes two web VMs with data disks", () => {
    expect(
      issuesOf((shop) => {
        const data = new Image(shop, "web-1-data", { type: "datablock", size: 10240, persistent: true, raw: { gandi: { fstype: "xfs" } } });
        new VirtualMachine(shop, "web-1", { vcpu: 2, memory: 1024, disks: [{ image: data }], context: { password: "Root-passw0rd" }, raw: { gandi: { os: "Debian 12" } } });
      }),
    ).toEqual([]);
  });

  it("names what Gandi does not carry out", () => {
    const issues = issuesOf((shop) => {
      new VirtualNetwork(shop, "net", {});
      new Image(shop, "os", { type: "os", path: "/var/lib/os.qcow2" });
      new Image(shop, "bad_name", { type: "datablock", size: 10, persistent: true, raw: { gandi: { fstype: "ntfs" } } });
      new VirtualMachine(shop, "web", { memory: 1000, cpu: 1, raw: { gandi: { os: "Debian 12", zone: "fr" } } });
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^shop\/net: VirtualNetwork is not supported on gandi/),
        "shop/os: path: not supported on gandi",
        expect.stringMatching(/^shop\/os: type: must be "datablock" on Gandi/),
        expect.stringMatching(/^shop\/os: persistent: must be true on Gandi/),
        expect.stringMatching(/^shop\/bad_name: .*must be a host name label on Gandi/),
        expect.stringMatching(/^shop\/bad_name: raw\.gandi\.fstype: must be one of ext3, reiserfs, xfs, jfs/),
        "shop/web: cpu: not supported on gandi",
        expect.stringMatching(/^shop\/web: memory: must be a multiple of 256 MiB on Gandi/),
        expect.stringMatching(/^shop\/web: context\.password: is required on Gandi/),
        expect.stringMatching(/^shop\/web: raw\.gandi\.zone: is not a Gandi setting/),
      ]),
    );
  });
});
