/**
 * A small lab stack as a DesiredState, the base most diff and plan cases change one thing in: a
 * network, two images, a security group, a template, a VM made from the template and an inline VM with
 * a fixed address, a secret and a variable holding the other VM's IP.
 */
import type { DesiredResource, DesiredState } from "../../src/resources/desired-state";

export const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3bW2yZ8wQ1c4eT7uJ9pLr0sXv6nAa5dFg2hK3jM4N ops@example";

export function labStack(): DesiredState {
  const resources: DesiredResource[] = [
    {
      address: "lab/net",
      kind: "VirtualNetwork",
      name: "lab-net",
      dependsOn: [],
      props: {
        bridge: "br0",
        driver: "bridge",
        addressRanges: [{ type: "ipv4", start: "10.0.0.10", size: 50 }],
        dns: ["10.0.0.1"],
        gateway: "10.0.0.1",
        networkMask: "255.255.255.0",
        attributes: {},
      },
    },
    {
      address: "lab/os",
      kind: "Image",
      name: "debian-12",
      dependsOn: [],
      props: { type: "os", path: "/var/images/debian-12.qcow2", format: "qcow2", persistent: false, attributes: {} },
    },
    {
      address: "lab/data",
      kind: "Image",
      name: "pgdata",
      dependsOn: [],
      props: { type: "datablock", size: 2048, persistent: true, attributes: {} },
    },
    {
      address: "lab/web-sg",
      kind: "SecurityGroup",
      name: "web",
      dependsOn: [],
      props: {
        rules: [
          { protocol: "tcp", direction: "inbound", ports: [{ from: 22, to: 22 }, { from: 80, to: 80 }, { from: 443, to: 443 }] },
          { protocol: "all", direction: "outbound" },
        ],
        attributes: {},
      },
    },
    {
      address: "lab/small",
      kind: "VmTemplate",
      name: "small",
      dependsOn: ["lab/net", "lab/os", "lab/web-sg"],
      props: {
        cpu: 0.5,
        vcpu: 1,
        memory: 1024,
        disks: [{ source: "image", image: { ref: "lab/os" } }],
        nics: [{ network: { ref: "lab/net" }, securityGroups: [{ ref: "lab/web-sg" }] }],
        context: { network: true, sshKeys: [SSH_KEY], vars: {}, secretVars: {} },
        attributes: {},
      },
    },
    {
      address: "lab/web-1",
      kind: "VirtualMachine",
      name: "web-1",
      dependsOn: ["lab/small"],
      props: { template: { ref: "lab/small" }, labels: ["web"], powerState: "running", attributes: {} },
    },
    {
      address: "lab/db",
      kind: "VirtualMachine",
      name: "db",
      dependsOn: ["lab/data", "lab/net", "lab/os", "lab/web-1"],
      props: {
        cpu: 1,
        memory: 2048,
        disks: [
          { source: "image", image: { ref: "lab/os" } },
          { source: "image", image: { ref: "lab/data" } },
        ],
        nics: [{ network: { ref: "lab/net" }, ip: "10.0.0.20", securityGroups: [] }],
        context: {
          network: true,
          sshKeys: [SSH_KEY],
          vars: { WEB_IP: { ref: "lab/web-1", attr: "ip" } },
          secretVars: { DB_PASSWORD: { secret: "s3cret" } },
        },
        graphics: { type: "vnc", password: { secret: "vncpw" } },
        labels: ["db"],
        powerState: "running",
        attributes: { team: "data" },
      },
    },
  ];
  return { formatVersion: 2, stack: "lab", resources: resources.sort((a, b) => (a.address < b.address ? -1 : 1)), outputs: {} };
}

/** A deep copy with `edit` applied to the resource at `address`. */
export function withResource(state: DesiredState, address: string, edit: (r: DesiredResource) => void): DesiredState {
  const copy = JSON.parse(JSON.stringify(state)) as DesiredState;
  const r = copy.resources.find((x) => x.address === address);
  if (!r) throw new Error(`no resource ${address} in the fixture`);
  edit(r);
  return copy;
}

export function withoutResource(state: DesiredState, address: string): DesiredState {
  const copy = JSON.parse(JSON.stringify(state)) as DesiredState;
  copy.resources = copy.resources.filter((x) => x.address !== address);
  for (const r of copy.resources) r.dependsOn = r.dependsOn.filter((d) => d !== address);
  return copy;
}

export function withAdded(state: DesiredState, resource: DesiredResource): DesiredState {
  const copy = JSON.parse(JSON.stringify(state)) as DesiredState;
  copy.resources = [...copy.resources, resource].sort((a, b) => (a.address < b.address ? -1 : 1));
  return copy;
}
