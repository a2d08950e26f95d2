/**
 * The golden cases of the diff and the plan builder: each a declaration, a live state and options.
 * `golden.test.ts` writes them to `__golden__/<case>/` (desired.json, live.json, options.json) beside
 * the expected plan.json (or error.json), all rewritten only with UPDATE_GOLDEN=1.
 */
import type { DesiredState, DiskSpec, NicSpec, VirtualMachineSpec } from "../../src/resources/desired-state";
import type { LiveResource, LiveState } from "../../src/diff/live-state";
import { fingerprintLive } from "../../src/diff/live-state";
import type { BuildPlanInput } from "../../src/planner/plan-builder";
import { SSH_KEY, labStack, withAdded, withResource, withoutResource } from "./fixtures";
import { liveOf } from "./live-of";

export interface GoldenCase {
  name: string;
  desired: DesiredState;
  live: LiveState;
  options?: Partial<Pick<BuildPlanInput, "mode" | "targets" | "replaceOrders">>;
}

type Props = Record<string, unknown>;

function editLive(live: LiveState, address: string, edit: (r: LiveResource & { props: Props }) => void): LiveState {
  const copy = JSON.parse(JSON.stringify(live)) as LiveState;
  const r = copy.resources.find((x) => x.address === address);
  if (!r) throw new Error(`no live ${address}`);
  edit(r as LiveResource & { props: Props });
  copy.fingerprint = fingerprintLive(copy.resources);
  return copy;
}

function props(state: DesiredState, address: string, edit: (p: Props) => void): DesiredState {
  return withResource(state, address, (r) => edit(r.props as unknown as Props));
}

const base = labStack();
const baseLive = liveOf(base);

const scratch = withAdded(base, {
  address: "lab/scratch",
  kind: "Image",
  name: "scratch",
  dependsOn: [],
  props: { type: "datablock", size: 1024, persistent: false, attributes: {} },
});
const withNet2 = withAdded(base, {
  address: "lab/net2",
  kind: "VirtualNetwork",
  name: "lab-net-2",
  dependsOn: [],
  props: { bridge: "br1", driver: "bridge", addressRanges: [{ type: "ipv4", start: "10.1.0.10", size: 20 }], dns: [], attributes: {} },
});
const withOs13 = withAdded(base, {
  address: "lab/os-13",
  kind: "Image",
  name: "debian-13",
  dependsOn: [],
  props: { type: "os", path: "/var/images/debian-13.qcow2", format: "qcow2", persistent: false, attributes: {} },
});
const withBig = withAdded(base, {
  address: "lab/big",
  kind: "VmTemplate",
  name: "big",
  dependsOn: ["lab/net", "lab/os", "lab/web-sg"],
  props: {
    cpu: 2,
    vcpu: 2,
    memory: 8192,
    disks: [{ source: "image", image: { ref: "lab/os" }, size: 20480 }],
    nics: [{ network: { ref: "lab/net" }, securityGroups: [{ ref: "lab/web-sg" }] }],
    attributes: {},
  },
});

const dbDisks = (disks: DiskSpec[]) => (p: Props) => {
  p.disks = disks;
};
const osDisk: DiskSpec = { source: "image", image: { ref: "lab/os" } };
const dataDisk: DiskSpec = { source: "image", image: { ref: "lab/data" } };
const swapDisk: DiskSpec = { source: "volatile", size: 512, type: "swap" };

function vm(state: DesiredState, address: string, edit: (p: VirtualMachineSpec) => void): DesiredState {
  return withResource(state, address, (r) => edit(r.props as VirtualMachineSpec));
}

export const GOLDEN_CASES: GoldenCase[] = [
  { name: "create-all", desired: base, live: { ...baseLive, resources: [], fingerprint: fingerprintLive([]) } },
  { name: "no-change", desired: base, live: baseLive },
  {
    name: "no-change-backend-spelling",
    desired: base,
    live: liveOf(base, {
      noise: {
        upperCaseEnums: true,
        numbersAsStrings: true,
        upperCaseKeys: true,
        reorderSets: true,
        secretVarsAsPlain: true,
        cidrAsRange: true,
        splitPorts: true,
        trailingNewline: true,
        appendedDevices: true,
      },
    }),
  },
  (() => {
    // A VM from a template with its own memory: the inherited disks and NICs are no difference.
    const desired = vm(base, "lab/web-1", (p) => (p.memory = 2048));
    return { name: "vm-template-inherited-no-diff", desired, live: liveOf(desired) };
  })(),
  { name: "vm-rename", desired: withResource(base, "lab/db", (r) => (r.name = "database")), live: baseLive },
  { name: "vm-resize-memory-only", desired: vm(base, "lab/db", (p) => (p.memory = 4096)), live: baseLive },
  (() => {
    const off = vm(base, "lab/db", (p) => (p.powerState = "poweroff"));
    return { name: "vm-resize-cpu-only-poweroff", desired: vm(off, "lab/db", (p) => (p.cpu = 2)), live: liveOf(off) };
  })(),
  {
    name: "vm-resize-while-powering-off",
    desired: vm(base, "lab/db", (p) => {
      p.powerState = "poweroff";
      p.memory = 4096;
    }),
    live: baseLive,
  },
  { name: "vm-power-off", desired: vm(base, "lab/web-1", (p) => (p.powerState = "poweroff")), live: baseLive },
  {
    name: "vm-power-on-from-hold",
    desired: base,
    live: editLive(baseLive, "lab/web-1", (r) => {
      r.status = { state: "HOLD", healthy: true };
      r.props.powerState = "poweroff";
    }),
  },
  {
    name: "vm-context-update",
    desired: vm(base, "lab/db", (p) => {
      p.context!.sshKeys = [SSH_KEY, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb dev@example"];
      p.context!.startScript = "#!/bin/sh\nsystemctl enable --now postgresql\n";
    }),
    live: baseLive,
  },
  { name: "vm-graphics-next-boot", desired: vm(base, "lab/db", (p) => (p.graphics!.keymap = "fr")), live: baseLive },
  {
    name: "vm-labels-attributes-description",
    desired: vm(base, "lab/db", (p) => {
      p.labels = ["db", "prod"];
      p.attributes = { team: "platform", tier: "data" };
      p.description = "primary database";
    }),
    live: baseLive,
  },
  {
    name: "vm-secret-change",
    desired: vm(base, "lab/db", (p) => (p.context!.secretVars = { DB_PASSWORD: { secret: "n3w-s3cret" } })),
    live: baseLive,
  },
  { name: "vm-disk-attach", desired: props(base, "lab/db", dbDisks([osDisk, dataDisk, swapDisk])), live: baseLive },
  // The memory change power-cycles the VM: the disk is attached while it is off, and the plan says so.
  { name: "vm-disk-attach-during-power-cycle", desired: vm(props(base, "lab/db", dbDisks([osDisk, dataDisk, swapDisk])), "lab/db", (p) => (p.memory = 4096)), live: baseLive },
  {
    name: "vm-disk-detach-middle",
    desired: props(base, "lab/db", dbDisks([osDisk, swapDisk])),
    live: liveOf(props(base, "lab/db", dbDisks([osDisk, dataDisk, swapDisk]))),
  },
  { name: "vm-disk-grow", desired: props(base, "lab/db", dbDisks([osDisk, { ...dataDisk, size: 4096 }])), live: baseLive },
  {
    name: "vm-disk-shrink-replace",
    desired: props(base, "lab/db", dbDisks([osDisk, { ...dataDisk, size: 4096 }])),
    live: liveOf(props(base, "lab/db", dbDisks([osDisk, { ...dataDisk, size: 8192 }]))),
  },
  {
    name: "vm-root-image-replace",
    desired: vm(withOs13, "lab/web-1", (p) => (p.disks = [{ source: "image", image: { ref: "lab/os-13" } }])),
    live: liveOf(withOs13),
  },
  {
    name: "vm-fixed-ip-replace-delete-first",
    desired: props(withOs13, "lab/db", dbDisks([{ source: "image", image: { ref: "lab/os-13" } }, dataDisk])),
    live: liveOf(withOs13),
  },
  {
    name: "vm-replace-order-user",
    desired: vm(withOs13, "lab/web-1", (p) => (p.disks = [{ source: "image", image: { ref: "lab/os-13" } }])),
    live: liveOf(withOs13),
    options: { replaceOrders: { "lab/web-1": "delete-before-create" } },
  },
  {
    name: "vm-nic-security-group",
    desired: vm(base, "lab/db", (p) => (p.nics = [{ network: { ref: "lab/net" }, ip: "10.0.0.20", securityGroups: [{ ref: "lab/web-sg" }] }])),
    live: baseLive,
  },
  (() => {
    const nics: NicSpec[] = [{ network: { ref: "lab/net2" }, securityGroups: [{ ref: "lab/web-sg" }] }];
    return { name: "vm-nic-network-change", desired: vm(withNet2, "lab/web-1", (p) => (p.nics = nics)), live: liveOf(withNet2) };
  })(),
  {
    // Another template: the VM changes where the attributes it would get from it differ, as the rules say.
    name: "vm-template-change-follows-content",
    desired: withResource(
      vm(withBig, "lab/web-1", (p) => (p.template = { ref: "lab/big" })),
      "lab/web-1",
      (r) => (r.dependsOn = ["lab/big"]),
    ),
    live: liveOf(withBig),
  },
  {
    name: "vm-context-var-known-after-replace",
    desired: withResource(
      vm(withBig, "lab/web-1", (p) => (p.template = { ref: "lab/big" })),
      "lab/web-1",
      (r) => (r.dependsOn = ["lab/big"]),
    ),
    live: liveOf(withBig),
    options: { targets: ["lab/db"] },
  },
  // A VM that cannot leave its failure state in place is replaced; one in UNKNOWN (the host lost
  // contact, the guest may run) is left as it is, its state named in the reason.
  {
    name: "vm-failed-replaced",
    desired: base,
    live: editLive(baseLive, "lab/db", (r) => (r.status = { state: "BOOT_FAILURE", healthy: false, message: "Error deploying virtual machine: disk not found" })),
  },
  // A VM still booting matches its declaration; the plan says apply waits for it to run.
  {
    name: "vm-booting-arriving",
    desired: base,
    live: editLive(baseLive, "lab/db", (r) => (r.status = { state: "PROLOG", healthy: true })),
  },
  {
    name: "vm-unknown-noop",
    desired: base,
    live: editLive(baseLive, "lab/db", (r) => (r.status = { state: "UNKNOWN", healthy: false })),
  },
  {
    name: "rename-every-kind",
    desired: [
      ["lab/os", "debian-12-base"],
      ["lab/net", "lab-net-a"],
      ["lab/web-sg", "web-in"],
      ["lab/small", "small-v2"],
    ].reduce(
      (state, [address, name]) => withResource(state, address!, (r) => (r.name = name!)),
      props(base, "lab/os", (p) => {
        p.description = "Debian 12 base image";
        p.attributes = { OS_FAMILY: "debian" };
      }),
    ),
    live: baseLive,
  },
  { name: "image-persistent", desired: props(base, "lab/data", (p) => (p.persistent = false)), live: baseLive },
  // Two VMs use lab/os: a persistent image is one VM's at a time, so the plan refuses it.
  { name: "image-persistent-shared-refused", desired: props(base, "lab/os", (p) => (p.persistent = true)), live: baseLive },
  { name: "image-chtype", desired: props(base, "lab/data", (p) => (p.type = "os")), live: baseLive },
  { name: "image-size-replace", desired: props(scratch, "lab/scratch", (p) => (p.size = 2048)), live: liveOf(scratch) },
  {
    name: "image-size-replace-renamed",
    desired: withResource(props(scratch, "lab/scratch", (p) => (p.size = 2048)), "lab/scratch", (r) => (r.name = "scratch-2")),
    live: liveOf(scratch),
  },
  {
    name: "image-replace-order-user-impossible",
    desired: props(scratch, "lab/scratch", (p) => (p.size = 2048)),
    live: liveOf(scratch),
    options: { replaceOrders: { "lab/scratch": "create-before-destroy" } },
  },
  // The VM that uses the image moves to the new one between the replacement's two phases.
  { name: "image-replace-two-phases", desired: props(base, "lab/data", (p) => (p.size = 4096)), live: baseLive },
  // A user outside the targets cannot move: refused, with the way out.
  {
    name: "image-replace-blocked-by-target",
    desired: props(base, "lab/data", (p) => (p.size = 4096)),
    live: baseLive,
    options: { targets: ["lab/data"] },
  },
  (() => {
    const desired = withAdded(withoutResource(scratch, "lab/scratch"), {
      address: "lab/scratch-new",
      kind: "Image",
      name: "scratch",
      dependsOn: [],
      props: { type: "datablock", size: 1024, persistent: false, attributes: {} },
    });
    return { name: "image-name-reused-by-new-address", desired, live: liveOf(scratch) };
  })(),
  {
    name: "vnet-ar-add",
    desired: props(base, "lab/net", (p) => (p.addressRanges = [{ type: "ipv4", start: "10.0.0.10", size: 50 }, { type: "ipv4", start: "10.0.0.100", size: 20 }])),
    live: baseLive,
  },
  {
    name: "vnet-ar-remove",
    desired: base,
    live: liveOf(props(base, "lab/net", (p) => (p.addressRanges = [{ type: "ipv4", start: "10.0.0.10", size: 50 }, { type: "ipv4", start: "10.0.0.100", size: 20 }]))),
  },
  { name: "vnet-ar-resize", desired: props(base, "lab/net", (p) => (p.addressRanges = [{ type: "ipv4", start: "10.0.0.10", size: 100 }])), live: baseLive },
  {
    name: "vnet-driver-replace",
    desired: props(withNet2, "lab/net2", (p) => {
      p.driver = "802.1Q";
      p.vlanId = 42;
      p.physicalDevice = "eth1";
    }),
    live: liveOf(withNet2),
  },
  {
    name: "vnet-dns-gateway",
    desired: props(base, "lab/net", (p) => {
      p.dns = ["10.0.0.2", "10.0.0.1"];
      p.gateway = "10.0.0.254";
    }),
    live: baseLive,
  },
  {
    name: "sg-rules",
    desired: props(base, "lab/web-sg", (p) => {
      p.rules = [
        { protocol: "tcp", direction: "inbound", ports: [{ from: 22, to: 22 }, { from: 80, to: 80 }, { from: 443, to: 443 }] },
        { protocol: "udp", direction: "inbound", ports: [{ from: 53, to: 53 }], cidr: "10.0.0.0/24" },
      ];
    }),
    live: baseLive,
  },
  (() => {
    // A template on a network that is replaced: its NIC refers to the new network (a new id).
    const withTemplate = withAdded(withNet2, {
      address: "lab/edge",
      kind: "VmTemplate",
      name: "edge",
      dependsOn: ["lab/net2"],
      props: { memory: 512, cpu: 0.25, disks: [], nics: [{ network: { ref: "lab/net2" }, securityGroups: [] }], attributes: {} },
    });
    return {
      name: "template-follows-replaced-network",
      desired: props(withTemplate, "lab/net2", (p) => (p.driver = "vxlan")),
      live: liveOf(withTemplate),
    };
  })(),
  { name: "template-update", desired: props(base, "lab/small", (p) => (p.memory = 2048)), live: baseLive },
  { name: "delete-ordered", desired: withoutResource(withoutResource(base, "lab/db"), "lab/data"), live: baseLive },
  { name: "delete-after-detach", desired: withoutResource(props(base, "lab/db", dbDisks([osDisk])), "lab/data"), live: baseLive },
  {
    name: "targets",
    desired: vm(vm(base, "lab/web-1", (p) => (p.labels = ["frontend", "web"])), "lab/db", (p) => (p.memory = 4096)),
    live: baseLive,
    options: { targets: ["lab/web-1"] },
  },
  { name: "targets-unknown", desired: base, live: baseLive, options: { targets: ["lab/nope"] } },
  { name: "destroy", desired: base, live: baseLive, options: { mode: "destroy" } },
  { name: "destroy-target-takes-users", desired: base, live: baseLive, options: { mode: "destroy", targets: ["lab/os"] } },
];
