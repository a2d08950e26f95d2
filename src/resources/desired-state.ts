/**
 * The DesiredState document: what `stack.synth()` returns and `hyperplan synth` prints, and what the
 * later diff reads. A plain JSON value — no classes, no functions — so it can be written to disk,
 * compared byte for byte and read back by another process.
 *
 * Rules that hold for every document:
 * - Keys are sorted when serialised (`canonicalJson`), so one stack always prints the same bytes.
 * - `resources` are sorted by address; every `dependsOn` list is sorted and holds addresses of the
 *   same stack only.
 * - A reference to another resource is `{ "ref": "<address>" }`; a value that exists only after apply
 *   (an IP address, an object id) is `{ "ref": "<address>", "attr": "<name>" }` and is shown by the plan
 *   as "known after apply".
 * - A secret value (a graphics password, a context password, a secret context variable) is
 *   `{ "secret": "<value>" }`, so every renderer can mask it without knowing the kind.
 * - Defaults that are facts of hyperplan's model are applied (a VM's power state is `running`, an
 *   image is not persistent, collections are present and empty). Defaults that are the backend's
 *   (device prefix, datastore, CPU model) are left out: an absent key means "the backend decides".
 * - Names of backends appear only as keys of `raw`.
 */

/** The version of this document's shape; a reader refuses any other. */
/** 2: the DesiredState records the backend it was checked for (`backend`). */
export const DESIRED_STATE_FORMAT_VERSION = 2;

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A reference to another resource of the same stack, by address. */
export interface Ref {
  ref: string;
}

/** A value known only after apply: attribute `attr` of the resource at `ref`. */
export interface AttributeRef {
  ref: string;
  attr: string;
}

/** A secret value. Renderers print it masked; `maskSecrets` replaces every one. */
export interface SecretValue {
  secret: string;
}

/** A value in a backend's raw attributes: what that backend's template syntax can hold. */
export type RawValue = string | number | boolean | RawValue[] | { [key: string]: RawValue };

/**
 * Backend-specific attributes, keyed by backend (`opennebula`, `xenapi`, `gandi`, `openvz`). Each
 * backend reads only its own key and passes the values to its API as they are.
 */
export type RawAttributes = { [backend: string]: { [attribute: string]: RawValue } };

/** Every kind of resource hyperplan declares. */
export type ResourceKind = "VirtualNetwork" | "Image" | "SecurityGroup" | "VmTemplate" | "VirtualMachine";

/** The kinds in a fixed order (documentation, listings). */
export const RESOURCE_KINDS: readonly ResourceKind[] = ["VirtualNetwork", "Image", "SecurityGroup", "VmTemplate", "VirtualMachine"];

/** Fields every kind's props share. */
export interface CommonSpec {
  /** Free text shown by the backend beside the object. */
  description?: string;
  /** Free attributes, stored on the object as they are. Keys are unique; values are strings. */
  attributes: { [key: string]: string };
  /** Backend-specific attributes (see RawAttributes). */
  raw?: RawAttributes;
}

// ---------------------------------------------------------------------------------------------
// VirtualNetwork

/** One address range of a network: the leases VMs draw their addresses from. */
export type AddressRangeSpec =
  | { type: "ipv4"; start: string; size: number; mac?: string }
  | { type: "ipv6"; size: number; globalPrefix?: string; ulaPrefix?: string; start?: string; prefixLength?: number; mac?: string }
  | { type: "ethernet"; size: number; mac?: string };

export interface VirtualNetworkSpec extends CommonSpec {
  /** Host bridge the VMs' interfaces are plugged into. */
  bridge?: string;
  /** Network driver on the hosts (`bridge`, `802.1Q`, `vxlan`, `ovswitch`, …). */
  driver?: string;
  /** VLAN id (802.1Q) or VXLAN network identifier. */
  vlanId?: number;
  /** Host interface the VLAN or VXLAN is built on. */
  physicalDevice?: string;
  /** MTU of the guest interfaces, in bytes. */
  mtu?: number;
  /** Address ranges, in declaration order. */
  addressRanges: AddressRangeSpec[];
  /** DNS servers handed to the guests, in order of preference. */
  dns: string[];
  /** Default IPv4 gateway handed to the guests. */
  gateway?: string;
  /** IPv4 network mask, dotted (`255.255.255.0`). */
  networkMask?: string;
  /** IPv4 network address (`10.0.0.0`). */
  networkAddress?: string;
}

// ---------------------------------------------------------------------------------------------
// Image

export type ImageType = "os" | "datablock" | "cdrom";
export type DevicePrefix = "hd" | "sd" | "vd" | "xvd";
export type ImageFormat = "raw" | "qcow2" | "vmdk" | "vdi" | "vhd";

export interface ImageSpec extends CommonSpec {
  /** What the image holds: a bootable OS disk, an empty or imported data disk, or a CD-ROM. */
  type: ImageType;
  /** Size in MiB of an empty data disk. */
  size?: number;
  /** Where the image's contents are imported from: a path on the frontend or an http(s) URL. */
  path?: string;
  /** Datastore, by name or id. */
  datastore?: string | number;
  /** A persistent image keeps a VM's writes and can be used by one VM at a time. */
  persistent: boolean;
  /** Bus prefix of the guest device. */
  devicePrefix?: DevicePrefix;
  /** Disk image format. */
  format?: ImageFormat;
}

// ---------------------------------------------------------------------------------------------
// SecurityGroup

export type RuleProtocol = "tcp" | "udp" | "icmp" | "icmpv6" | "ipsec" | "all";
export type RuleDirection = "inbound" | "outbound";

/** An inclusive port range; a single port has `from === to`. */
export interface PortRangeSpec {
  from: number;
  to: number;
}

export interface SecurityGroupRuleSpec {
  protocol: RuleProtocol;
  direction: RuleDirection;
  /** Sorted, merged port ranges; absent = every port. Only for tcp and udp. */
  ports?: PortRangeSpec[];
  /** ICMP type; absent = every type. Only for icmp and icmpv6. */
  icmpType?: number;
  /** Peer addresses as a CIDR block (`10.0.0.0/24`, `2001:db8::/64`). */
  cidr?: string;
  /** Peer addresses as a first address and a count. */
  addressRange?: { start: string; size: number };
  /** Peer addresses: every lease of this network. */
  network?: Ref;
}

export interface SecurityGroupSpec extends CommonSpec {
  /** Rules, in declaration order. A group with no rule allows nothing it governs. */
  rules: SecurityGroupRuleSpec[];
}

// ---------------------------------------------------------------------------------------------
// Machines: what VmTemplate and VirtualMachine share

/** A disk backed by an Image of the stack. */
export interface ImageDiskSpec {
  source: "image";
  image: Ref;
  /** Size in MiB the disk is grown to at instantiation; absent = the image's size. */
  size?: number;
  devicePrefix?: DevicePrefix;
  /** Guest device name (`vdb`). */
  target?: string;
  readOnly?: boolean;
}

/** A disk created empty for the VM and deleted with it. */
export interface VolatileDiskSpec {
  source: "volatile";
  /** Size in MiB. */
  size: number;
  /** `fs`: a blank filesystem disk; `swap`: a swap area. */
  type: "fs" | "swap";
  format?: ImageFormat;
  devicePrefix?: DevicePrefix;
  target?: string;
}

export type DiskSpec = ImageDiskSpec | VolatileDiskSpec;

export interface NicSpec {
  network: Ref;
  /** A fixed IPv4 address from one of the network's address ranges; absent = the next free lease. */
  ip?: string;
  /** A fixed MAC address; absent = derived by the backend. */
  mac?: string;
  /** Security groups applied to this interface, in declaration order. */
  securityGroups: Ref[];
  /** Emulated device model (`virtio`, `e1000`). */
  model?: string;
}

export interface ContextSpec {
  /** Configure the guest's interfaces from the NIC leases at boot. */
  network: boolean;
  /** Public SSH keys authorised for the guest's default user. */
  sshKeys: string[];
  /** Shell script run once at first boot. */
  startScript?: string;
  /** Guest host name. */
  hostname?: string;
  /** Password of the guest's default user. */
  password?: SecretValue;
  /** Variables handed to the guest; values may be attributes known after apply. */
  vars: { [key: string]: string | AttributeRef };
  /** Variables handed to the guest that are secret. */
  secretVars: { [key: string]: SecretValue };
}

export interface GraphicsSpec {
  type: "vnc" | "spice";
  /** Address the console listens on, on the host. */
  listen?: string;
  /** TCP port of the console; absent = the backend picks one. */
  port?: number;
  password?: SecretValue;
  /** Keyboard layout (`en-us`, `fr`). */
  keymap?: string;
}

export interface OsSpec {
  arch?: "x86_64" | "aarch64" | "i686" | "ppc64le" | "s390x";
  /** Boot order: `disk<N>` and `nic<N>` name the machine's disks and NICs by index. */
  boot?: string[];
  firmware?: "bios" | "uefi";
  /** Emulated machine type (`q35`, `pc`). */
  machine?: string;
  /** Kernel command line, for direct kernel boot. */
  kernelCmd?: string;
}

export interface SchedulingSpec {
  /** Boolean expression a host must satisfy, in the backend's expression language. */
  requirements?: string;
  /** Expression ranking the eligible hosts; the highest wins. */
  rank?: string;
  /** Boolean expression a datastore must satisfy. */
  datastoreRequirements?: string;
}

export interface MachineSpec {
  /** Physical CPU share (1 = one whole physical CPU). */
  cpu?: number;
  /** Virtual CPUs the guest sees. */
  vcpu?: number;
  /** Memory in MiB. */
  memory?: number;
  /** Disks in guest order. */
  disks?: DiskSpec[];
  /** Network interfaces in guest order. */
  nics?: NicSpec[];
  context?: ContextSpec;
  graphics?: GraphicsSpec;
  os?: OsSpec;
  scheduling?: SchedulingSpec;
}

/** A template: `disks` and `nics` are always present. */
export interface VmTemplateSpec extends CommonSpec, MachineSpec {
  disks: DiskSpec[];
  nics: NicSpec[];
}

export type PowerState = "running" | "poweroff";

/**
 * A VM. Without `template`, `disks` and `nics` are always present. With a `template`, an absent
 * `disks` (or `nics`) means "the template's", a present one replaces the template's list; CPU,
 * memory, context, graphics and OS given on the VM override the template's, and each scheduling field
 * given on the VM overrides the template's one.
 */
export interface VirtualMachineSpec extends CommonSpec, MachineSpec {
  template?: Ref;
  /** Labels, sorted and without repeats. */
  labels: string[];
  powerState: PowerState;
}

// ---------------------------------------------------------------------------------------------
// The document

/**
 * How the plan treats the object beside its props (Terraform's `lifecycle`, Pulumi's resource
 * options): never compared with the live object, never sent to the cloud.
 */
export interface Lifecycle {
  /** A plan that would delete or replace the object fails instead (destroy included). */
  protect?: true;
  /** Attribute paths whose differences the plan leaves alone (`memory`, `context.vars.*`), sorted. */
  ignoreChanges?: string[];
  /** Attribute paths whose differences replace the object even where the backend changes them in place, sorted. */
  replaceOnChanges?: string[];
  /** A replacement deletes the old object before it creates the new one, whatever the kind's default. */
  deleteBeforeReplace?: true;
  /** The address the object had before its construct was renamed or moved: it keeps its object, retagged. */
  movedFrom?: string;
  /** The id of an object the stack does not own yet that the declaration adopts (`importId`). */
  importId?: string;
}

interface ResourceBase<K extends ResourceKind, P> {
  /** `<stack>/<construct path below the stack>`. */
  address: string;
  kind: K;
  /** The backend object's name. */
  name: string;
  props: P;
  /** Addresses this resource needs to exist first, sorted. */
  dependsOn: string[];
  /** Present only when the declaration sets a lifecycle control. */
  lifecycle?: Lifecycle;
}

export type VirtualNetworkResource = ResourceBase<"VirtualNetwork", VirtualNetworkSpec>;
export type ImageResource = ResourceBase<"Image", ImageSpec>;
export type SecurityGroupResource = ResourceBase<"SecurityGroup", SecurityGroupSpec>;
export type VmTemplateResource = ResourceBase<"VmTemplate", VmTemplateSpec>;
export type VirtualMachineResource = ResourceBase<"VirtualMachine", VirtualMachineSpec>;

export type DesiredResource =
  | VirtualNetworkResource
  | ImageResource
  | SecurityGroupResource
  | VmTemplateResource
  | VirtualMachineResource;

/** A value the stack publishes after apply. */
export interface DesiredOutput {
  value: string | number | boolean | AttributeRef;
  description?: string;
}

/** The desired state of one stack. */
export interface DesiredState {
  formatVersion: typeof DESIRED_STATE_FORMAT_VERSION;
  stack: string;
  /** The backend the stack is declared for (`opennebula`), checked against its profile. */
  backend?: string;
  description?: string;
  /** Sorted by address. */
  resources: DesiredResource[];
  /** Keyed by the output's path below the stack (`web-ip`, `tier/db-ip`). */
  outputs: { [name: string]: DesiredOutput };
}

/** The desired state of every stack of an app, sorted by stack name. */
export interface AppDesiredState {
  formatVersion: typeof DESIRED_STATE_FORMAT_VERSION;
  stacks: DesiredState[];
}

// ---------------------------------------------------------------------------------------------
// Helpers for readers

export function isRef(value: unknown): value is Ref {
  return typeof value === "object" && value !== null && !Array.isArray(value) && typeof (value as Ref).ref === "string" && Object.keys(value).length === 1;
}

export function isAttributeRef(value: unknown): value is AttributeRef {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const v = value as AttributeRef;
  return typeof v.ref === "string" && typeof v.attr === "string" && Object.keys(value).length === 2;
}

export function isSecretValue(value: unknown): value is SecretValue {
  return typeof value === "object" && value !== null && !Array.isArray(value) && typeof (value as SecretValue).secret === "string" && Object.keys(value).length === 1;
}

/** What `maskSecrets` puts in place of a secret. */
export const MASKED_SECRET = "(sensitive)";

/** A copy of `value` with every secret replaced by `{ "secret": "(sensitive)" }`. */
export function maskSecrets<T>(value: T): T {
  const walk = (v: unknown): unknown => {
    if (isSecretValue(v)) return { secret: MASKED_SECRET };
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
