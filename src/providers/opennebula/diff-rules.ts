/**
 * OpenNebula's diff rules: for each kind, which XML-RPC call applies each attribute change, whether the
 * VM must be power-cycled, which changes need a new object, and what a person must know before
 * approving. Ranked: the first rule whose path matches decides. Sources: FACTS.md §6 (one.vm.action)
 * and §7 (reconfiguration calls and the states they work in).
 *
 * Choices written down:
 * - Capacity (`cpu`, `vcpu`, `memory`): one `one.vm.resize` line each, so a memory-only resize is
 *   never lost. On a RUNNING VM the KVM driver resizes live only with hot-plug settings hyperplan does
 *   not assume, so the plan says power cycle; a VM in POWEROFF, PENDING, HOLD or UNDEPLOYED is resized
 *   without one, and so is a VM the same plan powers off.
 * - OS and console (`os`, `graphics`): `one.vm.updateconf` stores them, they take effect at the next
 *   boot; on a running VM the plan says power cycle and hyperplan does it, so the declared state is
 *   the state the guest runs with when apply ends.
 * - Context: `one.vm.updateconf` applies it to a running guest live.
 * - The first disk is the boot disk: its image, or anything but its size, changes by replacement.
 * - A NIC's security groups change through attachsg/detachsg, which keeps the NIC and its address; its
 *   network, address, MAC or model change by detaching and attaching it again, which changes its lease.
 * - Replacement: every kind defaults to create-before-destroy; images, networks and security groups
 *   claim their name (`UNIQUE(name, uid)` in oned's database), and a VM claims the fixed addresses and
 *   MACs of its NICs, so reusing one forces delete-before-create.
 * - Deleting an object in use: oned refuses it for an image used by VMs ("There are N VMs using it"),
 *   a network whose leases VMs hold ("Can not remove a virtual network with leases in use") and a
 *   security group with VMs ("The security group has VMs using it"). A template referring to them
 *   does not block anything, and a VM template can go while VMs made from it run (they are copies).
 */
import type { Impact } from "../../core/action.js";
import type { DesiredResource, ResourceKind, VirtualMachineSpec } from "../../resources/desired-state.js";
import type { AttributeContext, AttributeRule, Claim, ClaimLookup, DiffRules, KindRules } from "../../diff/rules.js";
import { pathSegments } from "../../diff/rules.js";
import type { BackendFills } from "../../diff/fields.js";
import type { TemplateMerge } from "../../diff/effective.js";
import { asArray, asRecord, canonicalLower, canonicalNumber, refAddress } from "../../diff/values.js";
import { guestIsUp, powerAction, vmPowerState } from "./live-model.js";
import { isVmFailureName, resizeIsCold, UPDATECONF_SECTIONS } from "./states.js";
import { openNebulaProfile } from "./profile.js";
import type { OneOperation } from "./operation-names.js";

// ---------------------------------------------------------------------------------------------
// VM helpers

function wantsRunning(ctx: AttributeContext): boolean {
  return (ctx.desired.props as VirtualMachineSpec).powerState !== "poweroff";
}

function up(ctx: AttributeContext): boolean {
  return guestIsUp(ctx.status.state);
}

/**
 * The effect of a hot-plug call (attach, detach, attachnic, detachnic, diskresize) by live state:
 * oned takes them from a RUNNING or a POWEROFF VM only (FACTS.md §7; diskresize also UNDEPLOYED), so
 * for any other state the plan says what apply must wait for.
 */
const UNDER_GUEST = (ctx: AttributeContext, running: string, stopped: string): string[] => {
  const state = ctx.status.state;
  // Apply powers the VM off first (for a power cycle, or because it is declared off): it is not hot.
  if (state === "RUNNING" && offDuringChange(ctx)) return [`${stopped}, during the power-off this change makes`];
  if (state === "RUNNING") return [running];
  if (state === "POWEROFF" || state === "UNDEPLOYED") return [stopped];
  return [`${stopped}; OpenNebula does this only to a RUNNING or POWEROFF VM, and this one is in ${state}`];
};

/** Apply makes this change while the running VM is powered off: a power cycle, or a poweroff declared. */
function offDuringChange(ctx: AttributeContext): boolean {
  return up(ctx) && (ctx.powerCycle === true || !wantsRunning(ctx));
}

function resizeImpact(ctx: AttributeContext): Impact {
  if (resizeIsCold(ctx.status.state)) return "in-place";
  if (up(ctx) && !wantsRunning(ctx)) return "in-place";
  return "in-place-with-power-cycle";
}

function resizeEffects(ctx: AttributeContext): string[] {
  if (resizeIsCold(ctx.status.state)) return [];
  if (up(ctx) && !wantsRunning(ctx)) return ["resized after the VM is powered off, as declared"];
  if (up(ctx)) {
    return [
      "powers the VM off and on again: a running VM is resized live only by drivers set up for CPU and memory hot-plug, which hyperplan does not assume",
    ];
  }
  return [`OpenNebula cannot resize a VM in ${ctx.status.state}: hyperplan powers it off first, resizes it, and starts it again`];
}

function nextBootImpact(ctx: AttributeContext): Impact {
  return up(ctx) && wantsRunning(ctx) ? "in-place-with-power-cycle" : "in-place";
}

function nextBootEffects(ctx: AttributeContext): string[] {
  if (up(ctx) && wantsRunning(ctx)) return ["stored by one.vm.updateconf and applied at the next boot: hyperplan powers the VM off and on again"];
  return ["applied when the VM next boots"];
}

const REATTACH_NIC: OneOperation = "one.vm.detachnic+one.vm.attachnic";
const NIC_IDENTITY_KEYS = new Set(["network", "ip", "mac", "model"]);

/** The NIC moves to another network (or to the new object of its network): apply attaches before it detaches. */
function nicMoves(ctx: AttributeContext): boolean {
  return ctx.renewed || (ctx.element?.changedKeys ?? []).includes("network");
}

function nicReattached(ctx: AttributeContext): boolean {
  return (ctx.element?.changedKeys ?? []).some((k) => NIC_IDENTITY_KEYS.has(k));
}

function securityGroupOperation(ctx: AttributeContext): OneOperation {
  if (nicReattached(ctx)) return REATTACH_NIC;
  const before = new Set(asArray(ctx.before).map(refAddress));
  const after = new Set(asArray(ctx.after).map(refAddress));
  const attach = ctx.renewed || [...after].some((g) => !before.has(g));
  const detach = ctx.renewed || [...before].some((g) => !after.has(g));
  return attach && detach ? "one.vm.detachsg+one.vm.attachsg" : attach ? "one.vm.attachsg" : "one.vm.detachsg";
}

function securityGroupEffects(ctx: AttributeContext): string[] {
  if (nicReattached(ctx)) return ["the re-attached NIC gets these security groups"];
  const effects = ["the VM keeps its IP: security groups change through attachsg/detachsg"];
  if (ctx.renewed) effects.push("the NIC leaves the old security group and joins the new one");
  return effects;
}

function diskSize(value: unknown): number | undefined {
  const n = canonicalNumber(asRecord(value).size ?? value);
  return typeof n === "number" ? n : undefined;
}

function diskGrows(ctx: AttributeContext): boolean {
  const before = diskSize(ctx.before);
  const after = diskSize(ctx.after);
  return before === undefined || after === undefined || after >= before;
}

function isVolatile(disk: unknown): boolean {
  const d = asRecord(disk);
  return canonicalLower(d.source) === "volatile" || (d.source === undefined && d.image === undefined);
}


function rawSection(ctx: AttributeContext): string {
  return (pathSegments(ctx.path)[2] ?? "").toUpperCase();
}

// ---------------------------------------------------------------------------------------------
// Tables

const vmRules: OneRule[] = [
  { path: "name", impact: "in-place", operation: "one.vm.rename" },
  { path: "labels", impact: "in-place", operation: "one.vm.update" },
  { path: "attributes.**", impact: "in-place", operation: "one.vm.update" },
  { path: "description", impact: "in-place", operation: "one.vm.update" },
  {
    path: "scheduling.**",
    impact: "in-place",
    operation: "one.vm.update",
    effects: ["used the next time the scheduler places the VM; a running VM is not moved"],
  },
  { path: "cpu", impact: resizeImpact, operation: "one.vm.resize", effects: resizeEffects },
  { path: "vcpu", impact: resizeImpact, operation: "one.vm.resize", effects: resizeEffects },
  { path: "memory", impact: resizeImpact, operation: "one.vm.resize", effects: resizeEffects },
  {
    path: "powerState",
    impact: "in-place",
    operation: (ctx) => `one.vm.action ${powerAction(ctx.status.state, wantsRunning(ctx) ? "running" : "poweroff")}`,
    effects: (ctx) =>
      wantsRunning(ctx)
        ? [`the VM boots from ${ctx.status.state}`]
        : ["the guest is asked to shut down (ACPI) and the VM waits in POWEROFF; its disks and leases are kept"],
  },
  {
    path: "context.**",
    impact: "in-place",
    operation: "one.vm.updateconf",
    effects: (ctx) =>
      offDuringChange(ctx)
        ? ["read by the guest when it boots again after the power-off this change makes"]
        : up(ctx)
          ? ["applied to the running guest: OpenNebula re-runs its contextualization live"]
          : ["read by the guest at its next boot"],
  },
  // oned's updateconf neither adds a CONTEXT to a VM that has none nor removes one (FACTS.md §7).
  {
    path: "context",
    impact: (ctx) => (ctx.change === "modify" ? "in-place" : "replace"),
    operation: (ctx) => (ctx.change === "modify" ? "one.vm.updateconf" : "replace"),
    effects: (ctx) =>
      ctx.change === "add"
        ? ["OpenNebula cannot add a context to a VM created without one: the VM is replaced"]
        : ctx.change === "remove"
          ? ["OpenNebula cannot remove a VM's context: the VM is replaced (keep the context declared to keep the VM)"]
          : [],
  },
  // updateconf takes a console's TYPE, LISTEN, PASSWD and KEYMAP, not its PORT (FACTS.md §7).
  { path: "graphics.port", impact: "replace", operation: "replace", effects: ["OpenNebula cannot change the console port of an existing VM (one.vm.updateconf drops PORT)"] },
  { path: "graphics", impact: nextBootImpact, operation: "one.vm.updateconf", effects: nextBootEffects },
  { path: "graphics.**", impact: nextBootImpact, operation: "one.vm.updateconf", effects: nextBootEffects },
  { path: "os.**", impact: nextBootImpact, operation: "one.vm.updateconf", effects: nextBootEffects },
  // Disks. The first disk is the boot disk.
  {
    path: "disks[0].size",
    impact: (ctx) => (diskGrows(ctx) ? "in-place" : "replace"),
    operation: (ctx) => (diskGrows(ctx) ? "one.vm.diskresize" : "replace"),
    effects: (ctx) =>
      diskGrows(ctx)
        ? UNDER_GUEST(ctx, "the disk grows under the running guest: grow its partition and filesystem inside", "the disk grows; the guest sees the new size at boot")
        : ["a disk cannot shrink: the VM is replaced"],
  },
  { path: "disks[0].image", impact: "replace", operation: "replace", effects: ["the boot disk comes from another image: the VM is replaced"] },
  { path: "disks[0]", when: "modify", impact: "replace", operation: "replace", effects: ["the boot disk changes: the VM is replaced"] },
  { path: "disks[0].**", impact: "replace", operation: "replace", effects: ["the boot disk cannot be re-attached: the VM is replaced"] },
  {
    path: "disks[*]",
    when: "add",
    impact: "in-place",
    operation: "one.vm.attach",
    effects: (ctx) => UNDER_GUEST(ctx, "hot-plugged into the running guest", "attached while the VM is powered off"),
  },
  {
    path: "disks[*]",
    when: "remove",
    impact: "in-place",
    operation: "one.vm.detach",
    effects: (ctx) => [
      ...UNDER_GUEST(ctx, "hot-unplugged from the running guest: unmount it inside first", "detached while the VM is powered off"),
      ...(isVolatile(ctx.before) ? ["a volatile disk is deleted with its data"] : []),
    ],
  },
  {
    path: "disks[*].size",
    impact: (ctx) => (diskGrows(ctx) ? "in-place" : "replace"),
    operation: (ctx) => (diskGrows(ctx) ? "one.vm.diskresize" : "replace"),
    effects: (ctx) =>
      diskGrows(ctx)
        ? UNDER_GUEST(ctx, "the disk grows under the running guest: grow its partition and filesystem inside", "the disk grows; the guest sees the new size at boot")
        : ["a disk cannot shrink: the VM is replaced"],
  },
  {
    path: "disks[*]",
    when: "modify",
    impact: "in-place",
    operation: "one.vm.detach+one.vm.attach",
    effects: (ctx) => [...UNDER_GUEST(ctx, "detaches and re-attaches the disk under the running guest", "detaches and re-attaches the disk"), "the new disk starts from its image or empty"],
  },
  {
    path: "disks[*].**",
    impact: "in-place",
    operation: "one.vm.detach+one.vm.attach",
    effects: (ctx) => [
      ...UNDER_GUEST(ctx, "detaches and re-attaches the disk under the running guest", "detaches and re-attaches the disk"),
      ...(isVolatile(ctx.element?.before) ? ["a volatile disk is re-created empty: its data is lost"] : []),
      ...(ctx.renewed ? ["the disk is made again from the new image"] : []),
    ],
  },
  // NICs.
  {
    path: "nics[*]",
    when: "add",
    impact: "in-place",
    operation: "one.vm.attachnic",
    effects: (ctx) => UNDER_GUEST(ctx, "hot-plugged into the running guest", "attached while the VM is powered off"),
  },
  {
    path: "nics[*]",
    when: "remove",
    impact: "in-place",
    operation: "one.vm.detachnic",
    effects: (ctx) => [...UNDER_GUEST(ctx, "hot-unplugged from the running guest", "detached while the VM is powered off"), "the lease returns to the network"],
  },
  { path: "nics[*].securityGroups", impact: "in-place", operation: securityGroupOperation, effects: securityGroupEffects },
  {
    path: "nics[*].*",
    impact: "in-place",
    operation: REATTACH_NIC,
    effects: (ctx) => [
      ...(nicMoves(ctx)
        ? UNDER_GUEST(ctx, "a NIC on the new network is hot-plugged first, then the old one unplugged: the guest stays reachable", "a NIC on the new network is attached, then the old one detached")
        : UNDER_GUEST(ctx, "the NIC is detached and attached again under the running guest", "the NIC is detached and attached again")),
      "the VM's IP address on this NIC changes",
      ...(ctx.renewed ? ["the NIC is attached to the new network"] : []),
    ],
  },
  // Raw template attributes: the updateconf sections can change; anything else is fixed at creation.
  {
    path: "raw.*.*",
    impact: (ctx) => (rawSection(ctx) === "CONTEXT" ? "in-place" : UPDATECONF_SECTIONS.has(rawSection(ctx)) ? nextBootImpact(ctx) : "replace"),
    operation: (ctx) => (UPDATECONF_SECTIONS.has(rawSection(ctx)) ? "one.vm.updateconf" : "replace"),
    effects: (ctx) =>
      rawSection(ctx) === "CONTEXT"
        ? []
        : UPDATECONF_SECTIONS.has(rawSection(ctx))
          ? nextBootEffects(ctx)
          : [`OpenNebula cannot change ${rawSection(ctx)} on an existing VM (one.vm.updateconf takes only ${[...UPDATECONF_SECTIONS].join(", ")})`],
  },
];

const imageRules: OneRule[] = [
  { path: "name", impact: "in-place", operation: "one.image.rename" },
  {
    path: "persistent",
    impact: "in-place",
    operation: "one.image.persistent",
    effects: (ctx) =>
      ctx.status.state.startsWith("USED") || ctx.status.state.startsWith("LOCKED_USED")
        ? ["OpenNebula refuses this while VMs use the image: the VMs using it must release it first"]
        : ["VMs created from now on see the new mode"],
  },
  { path: "type", impact: "in-place", operation: "one.image.chtype" },
  { path: "description", impact: "in-place", operation: "one.image.update" },
  { path: "attributes.**", impact: "in-place", operation: "one.image.update" },
  { path: "devicePrefix", impact: "in-place", operation: "one.image.update", effects: ["used by disks attached from now on"] },
  { path: "format", impact: "in-place", operation: "one.image.update", effects: ["used by disks attached from now on"] },
  { path: "size", impact: "replace", operation: "replace", effects: ["an image's size is fixed when it is created"] },
  { path: "path", impact: "replace", operation: "replace", effects: ["an image's contents are imported when it is created"] },
  { path: "datastore", impact: "replace", operation: "replace", effects: ["an image stays in the datastore it was created in"] },
  { path: "raw.**", impact: "in-place", operation: "one.image.update" },
];

const NEXT_CONTEXT = "VMs see the new value at their next contextualization (boot or context update)";

const networkRules: OneRule[] = [
  { path: "name", impact: "in-place", operation: "one.vn.rename" },
  { path: "driver", impact: "replace", operation: "replace", effects: ["a network's driver (VN_MAD) cannot change"] },
  { path: "bridge", impact: "replace", operation: "replace", effects: ["the hosts' bridge is fixed when the network is created"] },
  { path: "vlanId", impact: "replace", operation: "replace", effects: ["the VLAN is fixed when the network is created"] },
  { path: "physicalDevice", impact: "replace", operation: "replace", effects: ["the physical device is fixed when the network is created"] },
  { path: "addressRanges[*]", when: "add", impact: "in-place", operation: "one.vn.add_ar" },
  {
    path: "addressRanges[*]",
    when: "remove",
    impact: "in-place",
    operation: "one.vn.rm_ar",
    effects: ["OpenNebula refuses to remove a range while VMs hold leases in it"],
  },
  {
    path: "addressRanges[*].size",
    impact: "in-place",
    operation: "one.vn.update_ar",
    effects: (ctx) => {
      const before = canonicalNumber(ctx.before);
      const after = canonicalNumber(ctx.after);
      return typeof before === "number" && typeof after === "number" && after < before
        ? ["shrinking fails while VMs hold leases beyond the new size"]
        : [];
    },
  },
  {
    path: "addressRanges[*].**",
    impact: "in-place",
    operation: "one.vn.rm_ar+one.vn.add_ar",
    effects: ["the range is removed and added again: OpenNebula refuses while VMs hold leases in it"],
  },
  { path: "dns", impact: "in-place", operation: "one.vn.update", effects: [NEXT_CONTEXT] },
  { path: "gateway", impact: "in-place", operation: "one.vn.update", effects: [NEXT_CONTEXT] },
  { path: "networkMask", impact: "in-place", operation: "one.vn.update", effects: [NEXT_CONTEXT] },
  { path: "networkAddress", impact: "in-place", operation: "one.vn.update", effects: [NEXT_CONTEXT] },
  { path: "mtu", impact: "in-place", operation: "one.vn.update", effects: ["NICs attached from now on get the new MTU"] },
  { path: "description", impact: "in-place", operation: "one.vn.update" },
  { path: "attributes.**", impact: "in-place", operation: "one.vn.update" },
  { path: "raw.**", impact: "in-place", operation: "one.vn.update" },
];

const securityGroupRules: OneRule[] = [
  { path: "name", impact: "in-place", operation: "one.secgroup.rename" },
  { path: "rules[*]", impact: "in-place", operation: "one.secgroup.update", effects: ["the rules are pushed to every VM using the group"] },
  { path: "description", impact: "in-place", operation: "one.secgroup.update" },
  { path: "attributes.**", impact: "in-place", operation: "one.secgroup.update" },
  { path: "raw.**", impact: "in-place", operation: "one.secgroup.update" },
];

const TEMPLATE_EFFECT = "existing VMs are not changed by a template update: they are compared against the new template and show their own diffs";

const templateRules: OneRule[] = [
  { path: "name", impact: "in-place", operation: "one.template.rename" },
  { path: "**", impact: "in-place", operation: "one.template.update", effects: [TEMPLATE_EFFECT] },
];

// ---------------------------------------------------------------------------------------------
// Claims

/** A VM's fixed IPs and MACs: a network leases each to one VM at a time. */
function vmClaims(r: { props: unknown }, lookup: ClaimLookup): Claim[] {
  const claims: Claim[] = [];
  for (const nic of asArray(asRecord(r.props).nics)) {
    const n = asRecord(nic);
    const network = refAddress(n.network);
    if (network === undefined) continue;
    for (const key of ["ip", "mac"] as const) {
      const value = canonicalLower(n[key]);
      if (typeof value !== "string") continue;
      const noun = key === "ip" ? "address" : "MAC";
      claims.push({ key: `lease:${network}:${value}`, what: `the ${noun} ${value} on ${network}`, source: "dependency" });
    }
  }
  // A persistent image is attached to one VM at a time (oned: "Cannot acquire image N, it is
  // persistent and already in use"): a VM replaced while it keeps one goes before its successor.
  for (const disk of asArray(asRecord(r.props).disks)) {
    const image = refAddress(asRecord(disk).image);
    const target = image === undefined ? undefined : lookup(image);
    if (target?.kind !== "Image" || asRecord(target.props).persistent !== true) continue;
    claims.push({ key: `persistent-image:${image}`, what: `the persistent image ${image}`, source: "dependency" });
  }
  return claims;
}

/** A rule of OpenNebula's tables: it can only name an operation the steps carry out. */
type OneRule = AttributeRule<OneOperation>;

function kind(
  attributes: OneRule[],
  createOperation: KindRules["createOperation"],
  deleteOperation: string,
  deleteBlockedBy: KindRules["deleteBlockedBy"],
  uniqueNames: boolean,
  claims?: KindRules["claims"],
  failedStates?: KindRules["failedStates"],
  arriving?: KindRules["arriving"],
): KindRules {
  return {
    attributes,
    replaceOrder: "create-before-destroy",
    createOperation,
    deleteOperation,
    deleteBlockedBy,
    ...(uniqueNames ? { uniqueNames } : {}),
    ...(claims ? { claims } : {}),
    ...(failedStates ? { failedStates } : {}),
    ...(arriving ? { arriving } : {}),
  };
}

/**
 * A VM in a failure state (BOOT_FAILURE, PROLOG_FAILURE …, CLONING_FAILURE) waits for a person's
 * `recover`; declaring it again means making it anew. UNKNOWN is left alone: the guest may still run.
 */
const vmFailed = isVmFailureName;
/** An image or network in ERROR cannot be used or repaired through the API. */
const inError = (state: string) => state === "ERROR";

/** A VM declared running that is on its way there by itself (PENDING, PROLOG, BOOT, a hot-plug …). */
const vmArriving = (state: string, declared: Record<string, unknown>) =>
  state !== "RUNNING" && state !== "UNKNOWN" && declared.powerState !== "poweroff" && vmPowerState(state) === "running" ? "RUNNING" : undefined;
/** An image being copied or cloned, a network being made. */
const imageArriving = (state: string) => (state === "LOCKED" || state === "INIT" || state === "CLONE" ? "READY" : undefined);
const networkArriving = (state: string) => (state === "LOCK_CREATE" || state === "INIT" ? "READY" : undefined);

/** Whether oned keeps names of `kind` unique: the profile says (profile.ts). */
const unique = (kind: ResourceKind): boolean => openNebulaProfile.kinds[kind]?.uniqueNames === true;

/**
 * What oned sets by itself when a template leaves it out, so an undeclared value is left alone: an
 * image's size, path and datastore (from the file it copied, the default datastore), its format and
 * device prefix (the datastore's defaults); a network's bridge, driver, VLAN and MTU (`onebr.<id>`,
 * the bridge driver, the VN_MAD's defaults); an address range's MACs and IPv6 prefix length; a
 * machine's CPU, VCPU and memory (the template's, or oned's defaults), every disk's size, prefix and
 * target (the image's, `hd`/`vd` letters in order), every NIC's IP, MAC and model (leased from the
 * range, the default model); the context's hostname (the VM's name); the console's listen address,
 * port and keymap; the OS section's arch, firmware, machine and boot order; a VM's power state
 * (RUNNING after instantiate).
 */
const ONED_FILLS: BackendFills = {
  image: ["size", "path", "datastore", "devicePrefix", "format"],
  network: ["bridge", "driver", "vlanId", "physicalDevice", "mtu"],
  addressRange: ["mac", "prefixLength"],
  capacity: ["cpu", "vcpu", "memory"],
  imageDisk: ["size", "devicePrefix", "target"],
  volatileDisk: ["format", "devicePrefix", "target"],
  nic: ["ip", "mac", "model"],
  context: ["hostname"],
  graphics: ["listen", "port", "keymap"],
  os: ["arch", "firmware", "machine", "boot"],
  virtualMachine: ["powerState"],
};

/**
 * How `one.template.instantiate` makes a VM from a template: the extra template given to it is merged
 * into the template's attribute by attribute name (VirtualMachineTemplate merge), so a section that is
 * one attribute (CONTEXT, GRAPHICS, OS) or a list of same-named attributes (DISK, NIC) given on the VM
 * replaces the template's; the scheduling fields (SCHED_REQUIREMENTS, SCHED_RANK,
 * SCHED_DS_REQUIREMENTS) are attributes of their own, so a VM keeps those it does not give; free
 * attributes and raw keys, likewise, name by name. oned copies a template's DESCRIPTION into the VM.
 */
const INSTANTIATE_MERGE: TemplateMerge = {
  whole: ["cpu", "vcpu", "memory", "context", "graphics", "os", "disks", "nics", "description"],
  fields: ["scheduling"],
  keys: ["attributes", "raw"],
};

export const openNebulaDiffRules: DiffRules & { kinds: { readonly [K in ResourceKind]: KindRules } } = {
  backend: "opennebula",
  // oned upper-cases template attribute names (`Template` keys), so `team` comes back as `TEAM`.
  keyCase: "insensitive",
  fields: ONED_FILLS,
  templateMerge: INSTANTIATE_MERGE,
  kinds: {
    VirtualMachine: kind(
      vmRules,
      (d: DesiredResource) => (d.kind === "VirtualMachine" && d.props.template ? "one.template.instantiate" : "one.vm.allocate"),
      "one.vm.action terminate-hard",
      [],
      unique("VirtualMachine"),
      vmClaims,
      vmFailed,
      vmArriving,
    ),
    Image: kind(imageRules, "one.image.allocate", "one.image.delete", ["VirtualMachine"], unique("Image"), undefined, inError, imageArriving),
    VirtualNetwork: kind(networkRules, "one.vn.allocate", "one.vn.delete", ["VirtualMachine"], unique("VirtualNetwork"), undefined, inError, networkArriving),
    SecurityGroup: kind(securityGroupRules, "one.secgroup.allocate", "one.secgroup.delete", ["VirtualMachine"], unique("SecurityGroup")),
    VmTemplate: kind(templateRules, "one.template.allocate", "one.template.delete", [], unique("VmTemplate")),
  },
};
