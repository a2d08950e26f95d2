/**
 * What a VmTemplate and a VirtualMachine share: capacity, disks, NICs, context, graphics, OS/boot
 * and scheduling. Props, schema fragment, checks and normalisation, used by both kinds' files.
 */
import type { Attribute } from "./attribute.js";
import type {
  ContextSpec,
  DevicePrefix,
  DiskSpec,
  GraphicsSpec,
  ImageFormat,
  MachineSpec,
  NicSpec,
  OsSpec,
  SchedulingSpec,
} from "./desired-state.js";
import { DEVICE_PREFIXES, IMAGE_FORMATS, type Image } from "./image.js";
import { formatIpv4, parseIpv4, parseIpv6 } from "./ip-address.js";
import type { CheckContext, PropsInput } from "./kind-definition.js";
import {
  ATTRIBUTE_KEY_PATTERN,
  arrayOf,
  boolean,
  enumOf,
  integer,
  ipv4,
  mac,
  mebibytes,
  nonEmptyString,
  object,
  ref,
  secretString,
  string,
  stringOrAttribute,
  type JsonSchema,
} from "./schema-parts.js";
import type { SecurityGroup } from "./security-group.js";
import type { VirtualNetwork } from "./virtual-network.js";

/** A disk backed by an Image of the stack. */
export interface ImageDiskProps {
  /** The image the disk is made from; a dependency of the machine. */
  image: Image;
  /**
   * Size in MiB to grow the disk to when the VM is created; at least the image's size.
   * @default the image's size
   */
  size?: number;
  /**
   * Bus prefix of the guest device.
   * @default the image's
   */
  devicePrefix?: DevicePrefix;
  /**
   * Guest device name (`vdb`).
   * @default assigned by the backend in disk order
   */
  target?: string;
  /**
   * Attach the disk read-only.
   * @default false
   */
  readOnly?: boolean;
}

/** A disk created blank for the VM and deleted with it. */
export interface VolatileDiskProps {
  /** Absent: what makes the disk volatile. */
  image?: undefined;
  /** Size in MiB. */
  size: number;
  /**
   * `fs`: a blank disk the guest formats; `swap`: a swap area.
   * @default "fs"
   */
  type?: "fs" | "swap";
  /**
   * Disk image format of the blank disk.
   * @default the backend's
   */
  format?: ImageFormat;
  /**
   * Bus prefix of the guest device.
   * @default the backend's
   */
  devicePrefix?: DevicePrefix;
  /**
   * Guest device name (`vdc`).
   * @default assigned by the backend in disk order
   */
  target?: string;
}

export type DiskProps = ImageDiskProps | VolatileDiskProps;

export interface NicProps {
  /** The network the interface is plugged into; a dependency of the machine. */
  network: VirtualNetwork;
  /**
   * A fixed IPv4 address, inside one of the network's IPv4 address ranges and given to one NIC of
   * the stack only.
   * @default the network's next free lease
   */
  ip?: string;
  /**
   * A fixed MAC address.
   * @default derived by the backend
   */
  mac?: string;
  /**
   * Security groups applied to the interface; dependencies of the machine.
   * @default none beyond the backend's defaults
   */
  securityGroups?: SecurityGroup[];
  /**
   * Emulated device model (`virtio`, `e1000`).
   * @default the backend's
   */
  model?: string;
}

export interface ContextProps {
  /**
   * Configure the guest's interfaces (addresses, gateway, DNS) from its NIC leases at boot.
   * @default true
   */
  network?: boolean;
  /**
   * Public SSH keys authorised for the guest's default user (`ssh-ed25519 AAAA… user@host`).
   * @default none
   */
  sshKeys?: string[];
  /**
   * Shell script run once at first boot. Not masked: put secrets in `secretVars`.
   * @default none
   */
  startScript?: string;
  /**
   * Guest host name (RFC 1123).
   * @default the backend's (usually derived from the VM name)
   */
  hostname?: string;
  /**
   * Password of the guest's default user. Secret: masked in plans and output.
   * @default none (SSH keys only)
   */
  password?: string;
  /**
   * Variables handed to the guest. Values are strings or attributes of other resources known
   * after apply (`{ DB_HOST: db.ipAddress }`), which become dependencies. Not masked.
   * @default none
   */
  vars?: Record<string, string | Attribute<string> | Attribute<number>>;
  /**
   * Variables handed to the guest that are secret: masked in plans and output.
   * @default none
   */
  secretVars?: Record<string, string>;
}

export interface GraphicsProps {
  /** Remote console protocol. */
  type: "vnc" | "spice";
  /**
   * Host address the console listens on.
   * @default the backend's (often 127.0.0.1)
   */
  listen?: string;
  /**
   * TCP port of the console, 1 to 65535.
   * @default picked by the backend
   */
  port?: number;
  /**
   * Console password; at most 8 characters for VNC, whose protocol ignores the rest. Secret.
   * @default no password
   */
  password?: string;
  /**
   * Keyboard layout (`en-us`, `fr`, `de-ch`).
   * @default the backend's
   */
  keymap?: string;
}

export interface OsProps {
  /**
   * CPU architecture of the guest.
   * @default the host's
   */
  arch?: "x86_64" | "aarch64" | "i686" | "ppc64le" | "s390x";
  /**
   * Boot order: `disk<N>` and `nic<N>` name the machine's disks and NICs by index (`["disk0", "nic0"]`).
   * @default the backend's (first disk)
   */
  boot?: string[];
  /**
   * Firmware: legacy BIOS or UEFI.
   * @default the backend's (BIOS)
   */
  firmware?: "bios" | "uefi";
  /**
   * Emulated machine type (`q35`, `pc`).
   * @default the backend's
   */
  machine?: string;
  /**
   * Kernel command line for direct kernel boot.
   * @default none
   */
  kernelCmd?: string;
}

export interface SchedulingProps {
  /**
   * Boolean expression a host must satisfy, in the backend's expression language
   * (OpenNebula: `HYPERVISOR = "kvm" & FREE_CPU > 100`).
   * @default any host
   */
  requirements?: string;
  /**
   * Expression ranking eligible hosts; the highest wins (`FREE_CPU`).
   * @default the backend's policy
   */
  rank?: string;
  /**
   * Boolean expression a system datastore must satisfy.
   * @default any datastore
   */
  datastoreRequirements?: string;
}

export interface MachineProps {
  /**
   * Share of a physical CPU reserved for the machine (0.5 = half a CPU, 2 = two CPUs).
   * @default on a VirtualMachine with a template: the template's; required without one
   */
  cpu?: number;
  /**
   * Virtual CPUs the guest sees, a whole number.
   * @default the backend's (1)
   */
  vcpu?: number;
  /**
   * Memory in MiB, a whole number.
   * @default on a VirtualMachine with a template: the template's; required without one
   */
  memory?: number;
  /**
   * Disks in guest order: from an Image (`{ image }`) or volatile (`{ size }`).
   * @default none (on a VirtualMachine with a template: the template's disks)
   */
  disks?: DiskProps[];
  /**
   * Network interfaces in guest order.
   * @default none (on a VirtualMachine with a template: the template's NICs)
   */
  nics?: NicProps[];
  /**
   * Contextualization: what the guest learns at boot (SSH keys, network, start script, variables).
   * @default no context
   */
  context?: ContextProps;
  /**
   * Remote console.
   * @default no console
   */
  graphics?: GraphicsProps;
  /**
   * Firmware, architecture and boot order.
   * @default the backend's
   */
  os?: OsProps;
  /**
   * Where the machine may run.
   * @default anywhere the backend's scheduler chooses
   */
  scheduling?: SchedulingProps;
}

export type MachineInput = PropsInput<MachineProps>;
type DiskInput = { image?: { ref: string }; size?: number; type?: "fs" | "swap"; format?: ImageFormat; devicePrefix?: DevicePrefix; target?: string; readOnly?: boolean };

const SSH_PUBLIC_KEY_PATTERN =
  "^\\s*(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\\.com) [A-Za-z0-9+/]+={0,3}( [^\\n]*)?$";
const HOSTNAME_PATTERN = "^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$";

const diskSchema = object({
  image: ref("an Image"),
  size: mebibytes(1),
  type: enumOf(["fs", "swap"]),
  format: enumOf(IMAGE_FORMATS),
  devicePrefix: enumOf(DEVICE_PREFIXES),
  target: string("a device name (vdb, sdc)", { pattern: "^(hd|sd|vd|xvd)[a-z]{1,2}$" }),
  readOnly: boolean(),
});

const nicSchema = object(
  {
    network: ref("a VirtualNetwork"),
    ip: ipv4(),
    mac: mac(),
    securityGroups: arrayOf(ref("a SecurityGroup")),
    model: string("a device model name (virtio, e1000)", { pattern: "^[A-Za-z0-9_.-]{1,64}$" }),
  },
  ["network"],
);

const keyRule = { pattern: ATTRIBUTE_KEY_PATTERN, expected: "a letter or \"_\" followed by letters, digits or \"_\"" };

const contextSchema = object({
  network: boolean(),
  sshKeys: arrayOf(string("a public SSH key (ssh-ed25519 AAAA… comment)", { pattern: SSH_PUBLIC_KEY_PATTERN, maxLength: 16384 })),
  startScript: string("a script", { maxLength: 65536 }),
  hostname: string("a host name (RFC 1123)", { pattern: HOSTNAME_PATTERN }),
  password: secretString(),
  vars: { type: "object", propertyNames: keyRule, additionalProperties: stringOrAttribute() },
  secretVars: { type: "object", propertyNames: keyRule, additionalProperties: secretString(65536) },
});

const graphicsSchema = object(
  {
    type: enumOf(["vnc", "spice"]),
    listen: nonEmptyString("an IP address", 45),
    port: integer(1, 65535),
    password: secretString(),
    keymap: string("a keyboard layout (en-us, fr)", { pattern: "^[a-z]{2}(-[a-z]{2,3})?$" }),
  },
  ["type"],
);

const osSchema = object({
  arch: enumOf(["x86_64", "aarch64", "i686", "ppc64le", "s390x"]),
  boot: arrayOf(string("disk<N> or nic<N>", { pattern: "^(disk|nic)(0|[1-9][0-9]*)$" }), { minItems: 1, uniqueItems: true }),
  firmware: enumOf(["bios", "uefi"]),
  machine: string("a machine type (q35, pc)", { pattern: "^[A-Za-z0-9_.-]{1,64}$" }),
  kernelCmd: string("a kernel command line", { maxLength: 4096 }),
});

const schedulingSchema = object({
  requirements: nonEmptyString("an expression", 4096),
  rank: nonEmptyString("an expression", 4096),
  datastoreRequirements: nonEmptyString("an expression", 4096),
});

/** Schema properties of a machine. */
export function machineSchemaProperties(): Record<string, JsonSchema> {
  return {
    cpu: { type: "number", exclusiveMinimum: 0, maximum: 4096, unit: "physical CPUs", expected: "a number of physical CPUs (0.5)" },
    vcpu: integer(1, 4096),
    memory: mebibytes(1),
    disks: arrayOf(diskSchema),
    nics: arrayOf(nicSchema),
    context: contextSchema,
    graphics: graphicsSchema,
    os: osSchema,
    scheduling: schedulingSchema,
  };
}

/** Props holding secrets in a machine. */
export const MACHINE_SECRET_PATHS: readonly (readonly string[])[] = [
  ["context", "password"],
  ["context", "secretVars", "*"],
  ["graphics", "password"],
];

/** How many disks and NICs the machine ends up with, when known (a VM may inherit its template's). */
export interface MachineCounts {
  disks: number | undefined;
  nics: number | undefined;
}

export function checkMachine(input: MachineInput, ctx: CheckContext, counts: MachineCounts): void {
  (input.disks ?? []).forEach((disk, i) => checkDisk(disk as DiskInput, `disks[${i}]`, ctx));
  const targets = new Map<string, number>();
  (input.disks ?? []).forEach((disk, i) => {
    const target = (disk as DiskInput).target;
    if (target === undefined) return;
    const first = targets.get(target);
    if (first !== undefined) ctx.report(`disks[${i}].target`, `${target} is also the target of disks[${first}]`, "conflict");
    else targets.set(target, i);
  });
  (input.nics ?? []).forEach((nic, i) => checkNicAddress(nic, `nics[${i}]`, ctx));

  const context = input.context;
  if (context?.vars && context.secretVars) {
    for (const key of Object.keys(context.vars)) {
      if (key in context.secretVars) ctx.report(`context.secretVars.${key}`, "is also set in context.vars; give each variable once");
    }
  }
  const graphics = input.graphics;
  if (graphics) {
    if (graphics.listen !== undefined && parseIpv4(graphics.listen) === undefined && parseIpv6(graphics.listen) === undefined) {
      ctx.report("graphics.listen", `must be an IPv4 or IPv6 address, got ${JSON.stringify(graphics.listen)}`);
    }
    if (graphics.type === "vnc" && graphics.password !== undefined && graphics.password.length > 8) {
      ctx.report("graphics.password", `must be at most 8 characters for vnc (the VNC protocol ignores the rest), got ${graphics.password.length}`);
    }
  }
  (input.os?.boot ?? []).forEach((entry, i) => {
    const match = /^(disk|nic)(\d+)$/.exec(entry);
    if (!match) return;
    const index = Number(match[2]);
    const count = match[1] === "disk" ? counts.disks : counts.nics;
    if (count !== undefined && index >= count) {
      const what = match[1] === "disk" ? "disk" : "NIC";
      ctx.report(`os.boot[${i}]`, `names ${what} ${index}, but the machine has ${count} ${what}${count === 1 ? "" : "s"}`);
    }
  });
}

function checkDisk(disk: DiskInput, at: string, ctx: CheckContext): void {
  if (disk.image !== undefined) {
    for (const key of ["type", "format"] as const) {
      if (disk[key] !== undefined) ctx.report(`${at}.${key}`, "applies to volatile disks only; an image disk takes it from the image");
    }
    const image = ctx.lookup(disk.image.ref);
    if (image?.kind === "Image" && image.input && !image.unknown.has("type") && !image.unknown.has("size")) {
      const imageType = (image.input.type as string | undefined) ?? "os";
      const imageSize = image.input.size;
      if (disk.size !== undefined && imageType === "cdrom") ctx.report(`${at}.size`, `cannot be set: ${image.address} is a cdrom, which cannot be resized`);
      else if (disk.size !== undefined && typeof imageSize === "number" && disk.size < imageSize) {
        ctx.report(`${at}.size`, `must be >= the size of ${image.address} (${imageSize} MiB), got ${disk.size}: disks grow, never shrink`);
      }
    }
  } else {
    if (disk.size === undefined) ctx.report(`${at}.size`, "is required for a volatile disk (a disk without image)");
    if (disk.readOnly !== undefined) ctx.report(`${at}.readOnly`, "applies to image disks only; a blank volatile disk is always writable");
  }
}

function checkNicAddress(nic: PropsInput<NicProps>, at: string, ctx: CheckContext): void {
  if (nic.ip === undefined) return;
  const network = ctx.lookup(nic.network.ref);
  if (network?.kind !== "VirtualNetwork" || !network.input || network.unknown.has("addressRanges")) return;
  const ip = parseIpv4(nic.ip)!;
  const ranges = ((network.input.addressRanges ?? []) as { type?: string; start?: string; size?: number }[])
    .filter((r) => r.type === "ipv4" && typeof r.start === "string" && typeof r.size === "number")
    .map((r) => ({ from: parseIpv4(r.start!), size: r.size! }))
    .filter((r): r is { from: number; size: number } => r.from !== undefined);
  if (ranges.length === 0) {
    ctx.report(`${at}.ip`, `${nic.ip} cannot be leased: ${network.address} has no IPv4 address range`);
  } else if (!ranges.some((r) => ip >= r.from && ip < r.from + r.size)) {
    const list = ranges.map((r) => `${formatIpv4(r.from)}-${formatIpv4(r.from + r.size - 1)}`).join(", ");
    ctx.report(`${at}.ip`, `${nic.ip} is outside the IPv4 address ranges of ${network.address} (${list})`);
  }
}

function normaliseDisk(disk: DiskInput): DiskSpec {
  const common = {
    ...(disk.devicePrefix !== undefined ? { devicePrefix: disk.devicePrefix } : {}),
    ...(disk.target !== undefined ? { target: disk.target } : {}),
  };
  if (disk.image !== undefined) {
    return {
      source: "image",
      image: { ref: disk.image.ref },
      ...(disk.size !== undefined ? { size: disk.size } : {}),
      ...common,
      ...(disk.readOnly !== undefined ? { readOnly: disk.readOnly } : {}),
    };
  }
  return {
    source: "volatile",
    size: disk.size!,
    type: disk.type ?? "fs",
    ...(disk.format !== undefined ? { format: disk.format } : {}),
    ...common,
  };
}

function normaliseNic(nic: PropsInput<NicProps>): NicSpec {
  return {
    network: { ref: nic.network.ref },
    ...(nic.ip !== undefined ? { ip: nic.ip } : {}),
    ...(nic.mac !== undefined ? { mac: nic.mac.toLowerCase() } : {}),
    securityGroups: (nic.securityGroups ?? []).map((g) => ({ ref: g.ref })),
    ...(nic.model !== undefined ? { model: nic.model } : {}),
  };
}

function normaliseContext(context: PropsInput<ContextProps>): ContextSpec {
  return {
    network: context.network ?? true,
    sshKeys: (context.sshKeys ?? []).map((k) => k.trim()),
    ...(context.startScript !== undefined ? { startScript: context.startScript } : {}),
    ...(context.hostname !== undefined ? { hostname: context.hostname.toLowerCase() } : {}),
    ...(context.password !== undefined ? { password: { secret: context.password } } : {}),
    vars: Object.fromEntries(
      Object.entries(context.vars ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : { ref: v.ref, attr: v.attr }]),
    ),
    secretVars: Object.fromEntries(Object.entries(context.secretVars ?? {}).map(([k, v]) => [k, { secret: v }])),
  };
}

function normaliseGraphics(graphics: PropsInput<GraphicsProps>): GraphicsSpec {
  return {
    type: graphics.type,
    ...(graphics.listen !== undefined ? { listen: graphics.listen.toLowerCase() } : {}),
    ...(graphics.port !== undefined ? { port: graphics.port } : {}),
    ...(graphics.password !== undefined ? { password: { secret: graphics.password } } : {}),
    ...(graphics.keymap !== undefined ? { keymap: graphics.keymap } : {}),
  };
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The machine part of the DesiredState props. `withLists`: disks and NICs are present even when
 * not given (a template, an inline VM); without it an absent list stays absent (a VM that
 * inherits its template's).
 */
export function normaliseMachine(input: MachineInput, withLists: boolean): MachineSpec {
  const out: MachineSpec = {};
  if (input.cpu !== undefined) out.cpu = input.cpu;
  if (input.vcpu !== undefined) out.vcpu = input.vcpu;
  if (input.memory !== undefined) out.memory = input.memory;
  if (input.disks !== undefined || withLists) out.disks = (input.disks ?? []).map((d) => normaliseDisk(d as DiskInput));
  if (input.nics !== undefined || withLists) out.nics = (input.nics ?? []).map(normaliseNic);
  if (input.context !== undefined) out.context = normaliseContext(input.context);
  if (input.graphics !== undefined) out.graphics = normaliseGraphics(input.graphics);
  if (input.os !== undefined) out.os = definedOnly<OsSpec>({ ...input.os, ...(input.os.boot ? { boot: [...input.os.boot] } : {}) });
  if (input.scheduling !== undefined) out.scheduling = definedOnly<SchedulingSpec>({ ...input.scheduling });
  return out;
}
