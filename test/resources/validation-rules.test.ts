import { Construct } from "constructs";
import { describe, expect, it } from "vitest";
import {
  App,
  Attribute,
  Image,
  SecurityGroup,
  Stack,
  StackOutput,
  StackValidationError,
  VirtualMachine,
  VirtualNetwork,
  VmTemplate,
  formatIssue,
  hasErrorCode,
  type ValidationIssue,
  type ValidationRule,
} from "../../src/index";
import { expectGolden } from "./golden";
import { analyseStack } from "../../src/resources/synthesis";
import { openNebulaProfile } from "../../src/providers/opennebula/profile";

const HERE = new URL(".", import.meta.url).pathname;
const PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----";

/** Builds a stack (or several in one app) and returns the issues of the stack named `lab`. */
function issuesOf(build: (stack: Stack, app: App) => void): ValidationIssue[] {
  const app = new App();
  const stack = new Stack(app, "lab");
  build(stack, app);
  return stack.validate({ profile: openNebulaProfile });
}

function golden(caseName: string, issues: ValidationIssue[]): void {
  expectGolden(HERE, caseName, { "issues.txt": issues.map((i) => `[${i.rule}] ${formatIssue(i)}`).join("\n") + "\n" });
}

function rules(issues: ValidationIssue[]): Set<ValidationRule> {
  return new Set(issues.map((i) => i.rule));
}

const net = (s: Construct, id = "net") =>
  new VirtualNetwork(s, id, { addressRanges: [{ type: "ipv4", start: "10.0.0.10", size: 10 }] });

describe("validation rules", () => {
  it("address: refuses ids that are unsafe in addresses and backend names", () => {
    const issues = issuesOf((s) => {
      new VirtualNetwork(s, "web/1");
      new VirtualNetwork(s, "-leading-dash");
      new VirtualNetwork(s, "x".repeat(65));
      new VirtualNetwork(s, "spaces here");
      new StackOutput(s, "out put", { value: 1 });
    });
    expect(rules(issues)).toEqual(new Set(["address"]));
    golden("rule-address", issues);
  });

  it("address: refuses a bad stack name", () => {
    const stack = new Stack(new App(), "my lab");
    const issues = stack.validate({ profile: openNebulaProfile });
    expect(issues.map(formatIssue)).toEqual([
      'my lab: stack id "my lab" must use only letters, digits, "-", "_" and ".", and start with a letter or digit',
    ]);
  });

  it("name: refuses backend names with characters a backend rejects", () => {
    const issues = issuesOf((s) => {
      new Image(s, "a", { path: "/i.qcow2", name: "debian:12" });
      new Image(s, "b", { path: "/i.qcow2", name: "" });
      new VirtualMachine(s, "c", { cpu: 1, memory: 64, name: " padded" });
      new VmTemplate(s, "d", { name: "x".repeat(129) });
      new SecurityGroup(s, "e", { name: "web$" });
      new VirtualNetwork(s, "f", { name: "tab\there" });
    });
    expect(rules(issues)).toEqual(new Set(["name"]));
    golden("rule-name", issues);
  });

  it("schema: reports types, ranges, formats, unknown and missing props with the property path", () => {
    const issues = issuesOf((s) => {
      const n = net(s);
      new VirtualMachine(s, "web-1", { cpu: 1, memory: 0 });
      new VirtualMachine(s, "web-2", { cpu: "1" as unknown as number, memory: 1.5, vcpu: 0, powerState: "stopped" as "running" });
      new VirtualMachine(s, "web-3", { cpu: 1, memory: 64, memroy: 64 } as never);
      new VirtualMachine(s, "web-4", {
        cpu: 1,
        memory: 64,
        disks: [{ size: -1 }],
        nics: [{ network: n, ip: "10.0.0.256" }, {} as never],
        labels: ["ok", "a,b"],
        graphics: { type: "rdp" as "vnc", port: 70000, password: 12345 as unknown as string },
        context: { sshKeys: ["not a key"], hostname: "bad_host", vars: { "1BAD": "x", GOOD: 7 as unknown as string } },
        os: { boot: ["disk0", "cdrom"], firmware: "efi" as "uefi" },
      });
      new VirtualNetwork(s, "net2", {
        bridge: "a-bridge-name-too-long",
        gateway: "10.0.0",
        networkMask: "255.255.255.0.0",
        mtu: 20,
        addressRanges: [{ type: "ipv5" as "ipv4", start: "1.2.3.4", size: 1 }, { type: "ipv4", size: 0 } as never],
      });
      new Image(s, "img", { type: "datablok" as "datablock", size: 10, path: "ftp://example.org/x", datastore: -1 });
      new SecurityGroup(s, "sg", {
        rules: [{ protocol: "tcp", direction: "in" as "inbound", ports: [0, 65536, { from: 1 } as never] }],
      });
      new VmTemplate(s, "t", { raw: { opennebula: { lower_case: "x" }, vmware: {} } as never, attributes: { "bad key": "v" } });
    });
    // A raw key OpenNebula would not store as given is the backend's rule (its profile), not the schema's.
    expect(rules(issues)).toEqual(new Set(["schema", "backend"]));
    expect(issues.map(formatIssue)).toContain("lab/web-1: memory: must be >= 1 MiB, got 0");
    golden("rule-schema", issues);
  });

  it("semantic: reports props that are fine alone but not together", () => {
    const issues = issuesOf((s) => {
      const n = new VirtualNetwork(s, "net", {
        driver: "802.1Q",
        vlanId: 5000,
        networkAddress: "10.0.0.0",
        networkMask: "255.255.255.0",
        gateway: "10.0.1.1",
        dns: ["not-an-ip"],
        addressRanges: [
          { type: "ipv4", start: "10.0.0.10", size: 10 },
          { type: "ipv4", start: "10.0.0.15", size: 10 },
          { type: "ipv4", start: "10.0.0.250", size: 10 },
          { type: "ipv6", size: 4, start: "2001:db8::1", globalPrefix: "2001:db8::" },
          { type: "ipv6", size: 4, ulaPrefix: "2001:db8::" },
          { type: "ipv6", size: 4, globalPrefix: "2001:db8::1" },
          { type: "ethernet", size: 4, start: "10.0.0.1" } as never,
        ],
      });
      new VirtualNetwork(s, "net2", { networkAddress: "10.0.0.5", networkMask: "255.0.255.0" });
      new VirtualNetwork(s, "net3", { networkAddress: "10.0.0.5", networkMask: "255.255.255.0" });
      const data = new Image(s, "data", { type: "datablock", size: 1000 });
      const iso = new Image(s, "iso", { type: "cdrom", path: "/x.iso", persistent: true });
      new Image(s, "neither", { type: "datablock" });
      new Image(s, "both", { type: "datablock", size: 10, path: "/x.img" });
      new Image(s, "os-sized", { size: 10 });
      new SecurityGroup(s, "sg", {
        rules: [
          { protocol: "icmp", direction: "inbound", ports: [22] },
          { protocol: "tcp", direction: "inbound", icmpType: 8, ports: [{ from: 90, to: 80 }] },
          { protocol: "tcp", direction: "inbound", cidr: "10.0.0.5/24", network: n },
          { protocol: "tcp", direction: "inbound", cidr: "10.0.0.0" },
          { protocol: "udp", direction: "inbound", addressRange: { start: "255.255.255.250", size: 10 } },
        ],
      });
      new VirtualMachine(s, "no-capacity", {});
      new VirtualMachine(s, "vm", {
        cpu: 1,
        memory: 64,
        disks: [
          { image: data, size: 500, type: "fs" } as never,
          { image: iso, size: 10 },
          { size: 10, readOnly: true } as never,
          {} as never,
          { size: 1, target: "vdb" },
          { size: 1, target: "vdb" },
        ],
        nics: [{ network: n }],
        os: { boot: ["disk6", "nic1"] },
        graphics: { type: "vnc", password: "longer-than-8", listen: "localhost" },
        context: { vars: { TOKEN_TTL: "3600" }, secretVars: { TOKEN_TTL: "3600" } },
      });
    });
    // The network drivers' rules and a VM's CPU share are OpenNebula's (its profile).
    expect(rules(issues)).toEqual(new Set(["semantic", "conflict", "backend"]));
    golden("rule-semantic", issues);
  });

  it("reference: refuses wrong kinds, other stacks, non-resources and unknown attributes", () => {
    const issues = issuesOf((s, app) => {
      const other = new Stack(app, "other");
      const foreignNet = net(other);
      const foreignImage = new Image(other, "img", { path: "/x.qcow2" });
      const n = net(s);
      const group = new Construct(s, "group");
      const emptyGroup = new Construct(s, "empty");
      const nicless = new VirtualMachine(s, "nicless", { cpu: 1, memory: 64 });
      const t = new VmTemplate(s, "t", { cpu: 1, memory: 64 });
      new VirtualMachine(group, "member", { cpu: 1, memory: 64 });
      new VirtualMachine(s, "vm", {
        cpu: 1,
        memory: 64,
        template: n as unknown as VmTemplate,
        disks: [{ image: n as unknown as Image }, { image: foreignImage }, { image: group as unknown as Image }],
        nics: [{ network: foreignNet, securityGroups: [n as unknown as SecurityGroup] }],
        dependsOn: [emptyGroup, other, foreignNet],
        context: {
          vars: { A: nicless.ipAddress, B: t.objectId, C: foreignNet.objectId },
          startScript: `ping ${nicless.ipAddress}`,
        },
        raw: { opennebula: { X: n as never } },
      });
      new VirtualMachine(s, "from-nicless-template", { template: t, context: { vars: { M: nicless.macAddress } } });
      new StackOutput(s, "foreign", { value: foreignImage.objectId });
      new StackOutput(s, "nic-ip", { value: nicless.ipAddress });
      new StackOutput(s, "whole", { value: n as never });
    });
    expect(rules(issues)).toEqual(new Set(["reference", "schema"]));
    golden("rule-reference", issues);
  });

  it("reference: an attribute name a kind does not have is refused", () => {
    const issues = issuesOf((s) => {
      const n = net(s);
      new VirtualMachine(s, "vm", { cpu: 1, memory: 64, context: { vars: { X: new Attribute<string>(n, "ip") } } });
    });
    expect(issues.map(formatIssue)).toEqual(['lab/vm: context.vars.X: VirtualNetwork lab/net has no attribute "ip" (it has: id)']);
  });

  it("duplicate-name: images, networks, security groups and VM templates need unique names; VMs may repeat", () => {
    const issues = issuesOf((s) => {
      new Image(s, "debian", { path: "/a.qcow2" });
      new Image(new Construct(s, "group"), "debian", { path: "/b.qcow2" });
      new Image(s, "third", { path: "/c.qcow2", name: "debian" });
      net(s, "net-a");
      new VirtualNetwork(s, "net-b", { name: "net-a" });
      new SecurityGroup(s, "sg-a", { name: "web" });
      new SecurityGroup(s, "sg-b", { name: "web" });
      new VirtualMachine(s, "vm-a", { cpu: 1, memory: 64, name: "same" });
      new VirtualMachine(s, "vm-b", { cpu: 1, memory: 64, name: "same" });
      new VmTemplate(s, "t-a", { name: "same" });
      new VmTemplate(s, "t-b", { name: "same" });
    });
    expect(rules(issues)).toEqual(new Set(["duplicate-name"]));
    golden("rule-duplicate-name", issues);
  });

  it("backend: a kind or property the backend does not support, every one at once; a raw section of another backend is a warning", () => {
    const profile = {
      backend: "tiny",
      title: "Tiny",
      kinds: { VirtualMachine: { properties: ["vcpu", "memory", "disks", "nics"], uniqueNames: true } },
      rawKey: { pattern: "^[a-z]+$", describe: "a lower-case word" },
    };
    const app = new App();
    const s = new Stack(app, "lab");
    const n = net(s);
    new VirtualMachine(s, "vm", { memory: 64, cpu: 1, nics: [{ network: n }], graphics: { type: "vnc" }, raw: { tiny: { ok: 1, Bad: 2 }, opennebula: { X: "y" } } });
    new VirtualMachine(s, "twin", { memory: 64, name: "vm" });
    const analysis = analyseStack(s, { profile });
    expect(analysis.issues.map((i) => `${i.address}: ${i.path}: ${i.message}`)).toEqual([
      "lab/net: : VirtualNetwork is not supported on tiny (it supports VirtualMachine)",
      "lab/vm: : VirtualMachine name \"vm\" is also used by lab/twin; backends need VirtualMachine names unique per owner (set name to tell them apart)",
      "lab/vm: cpu: not supported on tiny",
      "lab/vm: graphics: not supported on tiny",
      "lab/vm: raw.tiny.Bad: must be a lower-case word",
    ]);
    expect(analysis.warnings.map((i) => `${i.address}: ${i.path}: ${i.message}`)).toEqual(["lab/vm: raw.opennebula: is for opennebula and is ignored on tiny"]);
  });

  it("cycle: reports every dependency cycle, each from its smallest address", () => {
    const issues = issuesOf((s) => {
      const a = new VirtualMachine(s, "a", { cpu: 1, memory: 64 });
      const b = new VirtualMachine(s, "b", { cpu: 1, memory: 64, dependsOn: [a] });
      a.addDependency(b);
      const n = net(s);
      const x = new VirtualMachine(s, "x", { cpu: 1, memory: 64, nics: [{ network: n }] });
      const y = new VirtualMachine(s, "y", { cpu: 1, memory: 64, nics: [{ network: n }], context: { vars: { X: x.ipAddress } } });
      const z = new VirtualMachine(s, "z", { cpu: 1, memory: 64, context: { vars: { Y: y.ipAddress } } });
      x.addDependency(z);
      const self = new VirtualMachine(s, "self", { cpu: 1, memory: 64 });
      self.addDependency(self);
    });
    expect(rules(issues)).toEqual(new Set(["cycle"]));
    golden("rule-cycle", issues);
  });

  it("secret: flags secrets in fields that are printed, and leaves secret fields alone", () => {
    const issues = issuesOf((s) => {
      new Image(s, "img", { path: "https://user:hunter22@example.org/img.qcow2" });
      new VirtualNetwork(s, "net", { attributes: { ADMIN_PASSWORD: "hunter22", TOKEN_TTL: "3600", SECRET_REF: "$VAULT_PATH" } });
      new VirtualMachine(s, "vm", {
        cpu: 1,
        memory: 64,
        labels: [PRIVATE_KEY.replace(/\n/g, " ").slice(0, 120)],
        description: "key AKIAIOSFODNN7EXAMPLE",
        context: {
          startScript: "#!/bin/sh\nexport password=hunter22\n",
          vars: { DB_PASSWORD: "hunter22", GH: "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB" },
          secretVars: { DB_PASSWORD: PRIVATE_KEY },
          password: "hunter22",
          sshKeys: [PRIVATE_KEY],
        },
        graphics: { type: "vnc", password: "hunter22" },
        raw: { opennebula: { GRAPHICS: { PASSWD: "hunter22" } } },
      });
      new StackOutput(s, "leak", { value: "xoxb-123456789012-abcdefghij" });
    });
    expect(rules(issues)).toEqual(new Set(["secret", "schema"]));
    const text = issues.map(formatIssue).join("\n");
    expect(text).not.toContain("hunter22");
    expect(text).not.toContain("b3BlbnNzaC1rZXkt");
    golden("rule-secret", issues);
  });

  it("conflict: a fixed IP goes to one NIC, including through a shared template", () => {
    const issues = issuesOf((s) => {
      const n = net(s);
      new VirtualMachine(s, "a", { cpu: 1, memory: 64, nics: [{ network: n, ip: "10.0.0.11" }] });
      new VirtualMachine(s, "b", { cpu: 1, memory: 64, nics: [{ network: n, ip: "10.0.0.11" }] });
      const t = new VmTemplate(s, "fixed", { cpu: 1, memory: 64, nics: [{ network: n, ip: "10.0.0.12" }] });
      new VirtualMachine(s, "c", { template: t });
      new VirtualMachine(s, "d", { template: t });
      new VirtualMachine(s, "e", { template: t, nics: [{ network: n, ip: "10.0.0.13" }] });
    });
    expect(rules(issues)).toEqual(new Set(["conflict"]));
    golden("rule-conflict", issues);
  });

  it("reserved: keys starting with HYPERPLAN belong to the ownership tags", () => {
    const issues = issuesOf((s) => {
      new VirtualMachine(s, "vm", {
        cpu: 1,
        memory: 64,
        attributes: { HYPERPLAN_STACK: "other" },
        context: { vars: { hyperplan_address: "x" }, secretVars: { HYPERPLAN: "x" } },
        raw: { opennebula: { HYPERPLAN_OWNER: "me" } },
      });
    });
    expect(rules(issues)).toEqual(new Set(["reserved"]));
    golden("rule-reserved", issues);
  });

  it("custom: validations added with node.addValidation are reported with the construct's address", () => {
    const issues = issuesOf((s) => {
      const vm = new VirtualMachine(s, "vm", { cpu: 1, memory: 64 });
      vm.node.addValidation({ validate: () => ["must carry a cost-center label"] });
      s.node.addValidation({ validate: () => ["stack needs an owner"] });
      new Construct(s, "group").node.addValidation({ validate: () => [] });
    });
    expect(issues.map(formatIssue)).toEqual(["lab: stack needs an owner", "lab/vm: must carry a cost-center label"]);
    expect(rules(issues)).toEqual(new Set(["custom"]));
  });
});

describe("validation as a whole", () => {
  /** A stack with many mistakes of different kinds, spread over resources. */
  function messy(s: Stack): void {
    const n = new VirtualNetwork(s, "net", { addressRanges: [{ type: "ipv4", start: "10.0.0.10", size: 5 }] });
    const img = new Image(s, "img", { type: "datablock" });
    new Image(s, "img-2", { name: "img", path: "/x.qcow2" });
    const web1 = new VirtualMachine(s, "web-1", {
      cpu: 1,
      memory: 0,
      disks: [{ image: img }],
      nics: [{ network: n, ip: "10.0.1.1" }],
      labels: ["password=hunter22"],
    });
    const web2 = new VirtualMachine(s, "web-2", { cpu: 1, memory: 512, dependsOn: [web1] });
    web1.addDependency(web2);
  }

  it("reports every mistake of a stack in one run, sorted by address and path", () => {
    const issues = issuesOf(messy);
    expect(issues.map(formatIssue)).toEqual([
      "lab/img: a datablock needs size (an empty disk, in MiB) or path (contents to import)",
      'lab/img-2: name: Image name "img" is also used by lab/img; backends need Image names unique per owner (set name to tell them apart)',
      "lab/web-1: dependency cycle: lab/web-1 → lab/web-2 → lab/web-1",
      "lab/web-1: labels[0]: looks like a password assignment; this field is printed as it is: put secrets in context.secretVars, context.password or graphics.password, which are masked",
      "lab/web-1: memory: must be >= 1 MiB, got 0",
      "lab/web-1: nics[0].ip: 10.0.1.1 is outside the IPv4 address ranges of lab/net (10.0.0.10-10.0.0.14)",
    ]);
  });

  it("synth throws one StackValidationError carrying every issue", () => {
    const stack = new Stack(new App(), "lab");
    messy(stack);
    let caught: unknown;
    try {
      stack.synth({ profile: openNebulaProfile });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StackValidationError);
    expect(hasErrorCode(caught, "STACK_INVALID")).toBe(true);
    const error = caught as StackValidationError;
    expect(error.issues).toHaveLength(6);
    expect(error.summary).toBe('stack "lab" has 6 errors');
    expect(error.message.split("\n")[0]).toBe('stack "lab" has 6 errors:');
    expect(error.message).toContain("  lab/web-1: memory: must be >= 1 MiB, got 0");
  });

  it("app.synth reports the issues of every stack together", () => {
    const app = new App();
    new VirtualMachine(new Stack(app, "a"), "vm", { cpu: 1, memory: 0 });
    new VirtualMachine(new Stack(app, "b"), "vm", { cpu: 0, memory: 1 });
    expect(() => app.synth({ profile: openNebulaProfile })).toThrow(/the app has 2 errors:\n {2}a\/vm: memory: must be >= 1 MiB, got 0\n {2}b\/vm: cpu: must be > 0 physical CPUs, got 0/);
    expect(app.validate({ profile: openNebulaProfile })).toHaveLength(2);
  });

  it("keeps checking list elements of a resource whose other props fail the schema", () => {
    const issues = issuesOf((s) => {
      const n = net(s);
      new VirtualMachine(s, "vm", {
        cpu: 1,
        memory: -5,
        nics: [{ network: n, ip: "10.0.9.9" }, { network: n, ip: "bad" }],
        disks: [{ size: 1, target: "vdb" }, { size: 2, target: "vdb" }],
      });
    });
    expect(issues.map(formatIssue)).toEqual([
      "lab/vm: disks[1].target: vdb is also the target of disks[0]",
      "lab/vm: memory: must be >= 1 MiB, got -5",
      "lab/vm: nics[0].ip: 10.0.9.9 is outside the IPv4 address ranges of lab/net (10.0.0.10-10.0.0.19)",
      'lab/vm: nics[1].ip: must be a dotted IPv4 address (10.0.0.1), got "bad"',
    ]);
  });

  it("a valid stack has no issue and synthesises", () => {
    const stack = new Stack(new App(), "lab");
    net(stack);
    expect(stack.validate()).toEqual([]);
    expect(stack.synth().resources).toHaveLength(1);
  });
});
