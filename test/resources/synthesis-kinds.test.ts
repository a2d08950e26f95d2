import { Construct } from "constructs";
import { describe, expect, it } from "vitest";
import {
  App,
  Image,
  SecurityGroup,
  Stack,
  StackOutput,
  VirtualMachine,
  VirtualNetwork,
  VmTemplate,
  canonicalJson,
  maskSecrets,
  type DesiredState,
} from "../../src/index";
import { expectGolden } from "./golden";

const HERE = new URL(".", import.meta.url).pathname;
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3bW2yZ8wQ1c4eT7uJ9pLr0sXv6nAa5dFg2hK3jM4N ops@example";

function synthOf(build: (stack: Stack) => void, name = "lab"): DesiredState {
  const stack = new Stack(new App(), name);
  build(stack);
  return stack.synth();
}

function golden(caseName: string, state: DesiredState): void {
  expectGolden(HERE, caseName, { "desired-state.json": `${canonicalJson(state)}\n` });
}

/** Every kind, every prop: the stack the determinism tests synthesise. */
function everything(stack: Stack): void {
  const net = new VirtualNetwork(stack, "net", {
    description: "all the props",
    bridge: "br0",
    driver: "802.1Q",
    vlanId: 42,
    physicalDevice: "eth1",
    mtu: 9000,
    addressRanges: [
      { type: "ipv4", start: "10.0.0.10", size: 20, mac: "02:00:0A:00:00:0A" },
      { type: "ipv6", size: 64, globalPrefix: "2001:DB8:1:2::", ulaPrefix: "fd00:1:2:3::" },
      { type: "ipv6", size: 16, start: "2001:db8:9::10", prefixLength: 64 },
      { type: "ethernet", size: 8 },
    ],
    dns: ["10.0.0.1", "2001:DB8::53"],
    gateway: "10.0.0.1",
    networkAddress: "10.0.0.0",
    networkMask: "255.255.255.0",
    attributes: { OWNER_TEAM: "infra" },
    raw: { opennebula: { FILTER_IP_SPOOFING: "YES", INBOUND_AVG_BW: 1000 } },
  });
  const os = new Image(stack, "os", { path: "/var/images/os.qcow2", datastore: "images", devicePrefix: "vd", format: "qcow2" });
  const data = new Image(stack, "data", { type: "datablock", size: 2048, persistent: true, datastore: 101 });
  const iso = new Image(stack, "iso", { type: "cdrom", path: "https://example.org/tools.iso" });
  const sg = new SecurityGroup(stack, "sg", {
    rules: [
      { protocol: "tcp", direction: "inbound", ports: [443, 80, { from: 8000, to: 8099 }, 8080], cidr: "10.0.0.0/24" },
      { protocol: "udp", direction: "inbound", ports: [53], addressRange: { start: "10.0.0.10", size: 20 } },
      { protocol: "icmp", direction: "inbound", icmpType: 8, network: net },
      { protocol: "all", direction: "outbound" },
    ],
  });
  const template = new VmTemplate(stack, "small", {
    description: "a small machine",
    cpu: 0.25,
    vcpu: 2,
    memory: 512,
    disks: [{ image: os, size: 10240, target: "vda" }, { size: 1024, type: "swap", format: "raw" }, { image: iso, readOnly: true }],
    nics: [{ network: net, securityGroups: [sg], model: "virtio", mac: "02:00:0A:00:00:FF" }],
    context: { sshKeys: [KEY], startScript: "#!/bin/sh\necho hello\n", password: "root-pw", secretVars: { API_TOKEN: "t0k3n" } },
    graphics: { type: "vnc", listen: "0.0.0.0", port: 5901, password: "vncpw", keymap: "en-us" },
    os: { arch: "x86_64", boot: ["disk0", "nic0"], firmware: "uefi", machine: "q35" },
    scheduling: { requirements: 'HYPERVISOR = "kvm"', rank: "FREE_CPU", datastoreRequirements: 'NAME = "ssd"' },
    raw: { opennebula: { CPU_MODEL: { MODEL: "host-passthrough" } } },
  });
  const db = new VirtualMachine(stack, "db", {
    cpu: 1,
    memory: 2048,
    disks: [{ image: os }, { image: data }],
    nics: [{ network: net, ip: "10.0.0.10" }],
    powerState: "poweroff",
    labels: ["db", "app/db", "db"],
  });
  const tier = new Construct(stack, "tier");
  for (let i = 1; i <= 2; i++) {
    new VirtualMachine(tier, `app-${i}`, {
      template,
      name: `shop-app-${i}`,
      memory: 1024,
      context: { hostname: `App-${i}`, vars: { DB_HOST: db.ipAddress, DB_ID: db.objectId, INDEX: String(i) } },
      attributes: { ROLE: "app" },
    });
  }
  new StackOutput(stack, "db-ip", { value: db.ipAddress, description: "database address" });
  new StackOutput(tier, "count", { value: 2 });
}

describe("synthesis of each kind", () => {
  it("synthesises a VirtualNetwork with every kind of address range", () => {
    golden(
      "kind-virtual-network",
      synthOf((s) => {
        new VirtualNetwork(s, "plain");
        new VirtualNetwork(s, "full", {
          bridge: "br-lab",
          driver: "vxlan",
          vlanId: 70000,
          physicalDevice: "eth1",
          mtu: 1450,
          addressRanges: [{ type: "ipv4", start: "10.1.0.100", size: 100 }],
          dns: ["10.1.0.1"],
          gateway: "10.1.0.1",
          networkAddress: "10.1.0.0",
          networkMask: "255.255.255.0",
        }).addAddressRange({ type: "ethernet", size: 4, mac: "02:AA:BB:CC:DD:00" });
      }),
    );
  });

  it("synthesises Images with the model's defaults applied (type os, not persistent)", () => {
    golden(
      "kind-image",
      synthOf((s) => {
        new Image(s, "os", { path: "https://example.org/debian.qcow2" });
        new Image(s, "blank", { type: "datablock", size: 512 });
        new Image(s, "imported", { type: "datablock", path: "/srv/data.img", persistent: true, format: "raw", name: "imported-data" });
        new Image(s, "iso", { type: "cdrom", path: "/srv/tools.iso", devicePrefix: "sd" });
      }),
    );
  });

  it("synthesises SecurityGroup rules with ports sorted and merged", () => {
    golden(
      "kind-security-group",
      synthOf((s) => {
        const net = new VirtualNetwork(s, "net", { addressRanges: [{ type: "ipv4", start: "10.0.0.2", size: 10 }] });
        new SecurityGroup(s, "empty");
        new SecurityGroup(s, "web", { rules: [{ protocol: "tcp", direction: "inbound", ports: [443, 80, 81, { from: 82, to: 90 }, 85] }] })
          .addRule({ protocol: "icmpv6", direction: "inbound" })
          .addRule({ protocol: "tcp", direction: "inbound", ports: [22], cidr: "2001:DB8::/32" })
          .addRule({ protocol: "udp", direction: "outbound", network: net });
      }),
    );
  });

  it("synthesises a VmTemplate with image and volatile disks, NICs, context, graphics, OS and scheduling", () => {
    golden(
      "kind-vm-template",
      synthOf((s) => {
        const net = new VirtualNetwork(s, "net", { addressRanges: [{ type: "ipv4", start: "10.0.0.2", size: 10 }] });
        const os = new Image(s, "os", { path: "/srv/os.qcow2" });
        const sg = new SecurityGroup(s, "sg", { rules: [{ protocol: "all", direction: "outbound" }] });
        new VmTemplate(s, "bare");
        new VmTemplate(s, "full", {
          cpu: 1.5,
          vcpu: 4,
          memory: 4096,
          disks: [{ image: os, size: 20480, devicePrefix: "sd" }],
          context: { network: false, sshKeys: [`  ${KEY}  `], password: "s3cret-root", vars: { MODE: "prod" } },
          graphics: { type: "spice" },
          os: { boot: ["nic0", "disk1"] },
        })
          .addDisk({ size: 2048 })
          .addNic({ network: net, securityGroups: [sg] });
      }),
    );
  });

  it("synthesises VirtualMachines inline and from a template, with attributes as references", () => {
    golden(
      "kind-virtual-machine",
      synthOf((s) => {
        const net = new VirtualNetwork(s, "net", { addressRanges: [{ type: "ipv4", start: "10.0.0.2", size: 10 }] });
        const os = new Image(s, "os", { path: "/srv/os.qcow2" });
        const t = new VmTemplate(s, "t", { cpu: 1, memory: 1024, disks: [{ image: os }], nics: [{ network: net }] });
        const inline = new VirtualMachine(s, "inline", { cpu: 0.5, memory: 256, labels: ["b", "a", "b"] })
          .addNic({ network: net, ip: "10.0.0.5" })
          .addDisk({ image: os })
          .addLabel("c");
        new VirtualMachine(s, "from-template", {
          template: t,
          vcpu: 2,
          powerState: "poweroff",
          context: { vars: { PEER: inline.ipAddress, PEER_MAC: inline.macAddress } },
        });
        new VirtualMachine(s, "override-nics", { template: t, nics: [] }).addDependency(inline);
      }),
    );
  });

  it("synthesises outputs keyed by their path below the stack, and nested addresses", () => {
    const state = synthOf((s) => {
      const group = new Construct(s, "tier");
      const vm = new VirtualMachine(group, "web-1", {
        cpu: 1,
        memory: 512,
        nics: [{ network: new VirtualNetwork(group, "net", { addressRanges: [{ type: "ipv4", start: "10.0.0.2", size: 2 }] }) }],
      });
      new StackOutput(s, "web-ip", { value: vm.ipAddress, description: "public address" });
      new StackOutput(group, "web-id", { value: vm.objectId });
      new StackOutput(s, "literal", { value: true });
    });
    expect(state.resources.map((r) => r.address)).toEqual(["lab/tier/net", "lab/tier/web-1"]);
    expect(state.resources.map((r) => r.name)).toEqual(["net", "web-1"]);
    golden("outputs-and-nesting", state);
  });

  it("synthesises a stack with every kind and every prop", () => {
    golden("all-kinds", synthOf(everything));
  });
});

describe("synthesis output", () => {
  it("is byte-identical across runs and across construction order", () => {
    const first = canonicalJson(synthOf(everything));
    const second = canonicalJson(synthOf(everything));
    expect(second).toBe(first);
    const reversed = canonicalJson(
      synthOf((s) => {
        new VirtualNetwork(s, "b", {});
        new VirtualNetwork(s, "a", {});
      }),
    );
    const ordered = canonicalJson(
      synthOf((s) => {
        new VirtualNetwork(s, "a", {});
        new VirtualNetwork(s, "b", {});
      }),
    );
    expect(reversed).toBe(ordered);
  });

  it("is plain JSON: parsing and re-serialising gives the same bytes", () => {
    const text = canonicalJson(synthOf(everything));
    expect(canonicalJson(JSON.parse(text))).toBe(text);
  });

  it("marks secrets so maskSecrets hides every one of them", () => {
    const state = synthOf(everything);
    const template = state.resources.find((r) => r.address === "lab/small");
    expect(template?.kind).toBe("VmTemplate");
    const props = template!.props as { context: { password: unknown; secretVars: Record<string, unknown> }; graphics: { password: unknown } };
    expect(props.context.password).toEqual({ secret: "root-pw" });
    expect(props.context.secretVars.API_TOKEN).toEqual({ secret: "t0k3n" });
    expect(props.graphics.password).toEqual({ secret: "vncpw" });
    const masked = canonicalJson(maskSecrets(state));
    for (const secret of ["root-pw", "t0k3n", "vncpw"]) expect(masked).not.toContain(secret);
    expect(masked).toContain('"secret": "(sensitive)"');
  });

  it("lists dependencies sorted, from references, attributes and dependsOn", () => {
    const state = synthOf(everything);
    const app1 = state.resources.find((r) => r.address === "lab/tier/app-1")!;
    expect(app1.dependsOn).toEqual(["lab/db", "lab/small"]);
    const db = state.resources.find((r) => r.address === "lab/db")!;
    expect(db.dependsOn).toEqual(["lab/data", "lab/net", "lab/os"]);
  });

  it("expands a dependency on a grouping construct into every resource inside it", () => {
    const state = synthOf((s) => {
      const group = new Construct(s, "group");
      new VirtualNetwork(group, "n1");
      new VirtualNetwork(new Construct(group, "inner"), "n2");
      new VirtualMachine(s, "vm", { cpu: 1, memory: 64, dependsOn: [group] });
    });
    expect(state.resources.find((r) => r.address === "lab/vm")!.dependsOn).toEqual(["lab/group/inner/n2", "lab/group/n1"]);
  });

  it("synthesises every stack of an app, sorted by name", () => {
    const app = new App();
    new VirtualNetwork(new Stack(app, "zeta"), "n");
    new VirtualNetwork(new Stack(app, "alpha", { description: "first" }), "n");
    const doc = app.synth();
    expect(doc.formatVersion).toBe(2);
    expect(doc.stacks.map((s) => s.stack)).toEqual(["alpha", "zeta"]);
    expect(doc.stacks[0]!.description).toBe("first");
  });

  it("does not let later changes to the caller's props object leak into the resource", () => {
    const ranges = [{ type: "ipv4" as const, start: "10.0.0.2", size: 2 }];
    const state = synthOf((s) => {
      new VirtualNetwork(s, "net", { addressRanges: ranges }).addAddressRange({ type: "ethernet", size: 1 });
    });
    expect(ranges).toHaveLength(1);
    expect((state.resources[0]!.props as { addressRanges: unknown[] }).addressRanges).toHaveLength(2);
  });
});
