/**
 * What VM templates and VMs share: capacity, DISK and NIC vectors, CONTEXT, GRAPHICS, OS and the
 * scheduler's expressions, in both directions.
 *
 * Context: NETWORK, SSH_PUBLIC_KEY (keys one per line), START_SCRIPT_BASE64 (the script, so that any
 * byte survives the template syntax), SET_HOSTNAME, PASSWORD and the guest variables as they are.
 * oned adds ETHn_* variables, DISK_ID and TARGET to a VM's CONTEXT; they are not the user's and are
 * not read back.
 */
import type { ContextSpec, DiskSpec, GraphicsSpec, ImageFormat, MachineSpec, NicSpec, OsSpec, SchedulingSpec, VolatileDiskSpec } from "../../resources/desired-state.js";
import { isAttributeRef, type AttributeRef } from "../../resources/desired-state.js";
import { nonEmpty, numberOf, single, vectors, type IdOf, type RefMap } from "./map-common.js";
import type { Template, TemplateVector } from "./template-syntax.js";

/** Resolves a value known after apply (another VM's IP) when the template is written. */
export type ResolveAttribute = (ref: AttributeRef) => string;

export interface MachineWriteContext {
  idOf: IdOf;
  resolve: ResolveAttribute;
}

const yesNo = (b: boolean) => (b ? "YES" : "NO");

function diskVector(disk: DiskSpec, idOf: IdOf): TemplateVector {
  const v: TemplateVector = {};
  if (disk.source === "image") {
    v.IMAGE_ID = String(idOf(disk.image.ref));
    if (disk.size !== undefined) v.SIZE = String(disk.size);
    if (disk.readOnly) v.READONLY = "YES";
  } else {
    v.TYPE = disk.type;
    v.SIZE = String(disk.size);
    if (disk.format !== undefined) v.FORMAT = disk.format;
  }
  if (disk.devicePrefix !== undefined) v.DEV_PREFIX = disk.devicePrefix;
  if (disk.target !== undefined) v.TARGET = disk.target;
  return v;
}

export function nicVector(nic: NicSpec, idOf: IdOf): TemplateVector {
  const v: TemplateVector = { NETWORK_ID: String(idOf(nic.network.ref)) };
  if (nic.ip !== undefined) v.IP = nic.ip;
  if (nic.mac !== undefined) v.MAC = nic.mac;
  if (nic.model !== undefined) v.MODEL = nic.model;
  // oned adds the default group 0 to every NIC; naming it keeps the list what the user declared.
  if (nic.securityGroups.length > 0) v.SECURITY_GROUPS = nic.securityGroups.map((sg) => String(idOf(sg.ref))).join(",");
  return v;
}

export function contextVector(context: ContextSpec, resolve: ResolveAttribute): TemplateVector {
  const v: TemplateVector = { NETWORK: yesNo(context.network) };
  if (context.sshKeys.length > 0) v.SSH_PUBLIC_KEY = context.sshKeys.join("\n");
  if (context.startScript !== undefined) v.START_SCRIPT_BASE64 = Buffer.from(context.startScript, "utf8").toString("base64");
  if (context.hostname !== undefined) v.SET_HOSTNAME = context.hostname;
  if (context.password !== undefined) v.PASSWORD = context.password.secret;
  for (const key of Object.keys(context.vars).sort()) {
    const value = context.vars[key]!;
    v[key.toUpperCase()] = isAttributeRef(value) ? resolve(value) : value;
  }
  for (const key of Object.keys(context.secretVars).sort()) v[key.toUpperCase()] = context.secretVars[key]!.secret;
  return v;
}

export function graphicsVector(g: GraphicsSpec): TemplateVector {
  const v: TemplateVector = { TYPE: g.type.toUpperCase() };
  if (g.listen !== undefined) v.LISTEN = g.listen;
  if (g.port !== undefined) v.PORT = String(g.port);
  if (g.password !== undefined) v.PASSWD = g.password.secret;
  if (g.keymap !== undefined) v.KEYMAP = g.keymap;
  return v;
}

export function osVector(os: OsSpec): TemplateVector {
  const v: TemplateVector = {};
  if (os.arch !== undefined) v.ARCH = os.arch;
  if (os.boot !== undefined) v.BOOT = os.boot.join(",");
  if (os.firmware !== undefined) v.FIRMWARE = os.firmware.toUpperCase();
  if (os.machine !== undefined) v.MACHINE = os.machine;
  if (os.kernelCmd !== undefined) v.KERNEL_CMD = os.kernelCmd;
  return v;
}

export function schedulingAttributes(s: SchedulingSpec): Template {
  const t: Template = [];
  if (s.requirements !== undefined) t.push({ name: "SCHED_REQUIREMENTS", value: s.requirements });
  if (s.rank !== undefined) t.push({ name: "SCHED_RANK", value: s.rank });
  if (s.datastoreRequirements !== undefined) t.push({ name: "SCHED_DS_REQUIREMENTS", value: s.datastoreRequirements });
  return t;
}

/** The machine part of a template: what a VM template holds, or what a VM sets over its template. */
export function machineAttributes(spec: MachineSpec, ctx: MachineWriteContext): Template {
  const t: Template = [];
  if (spec.cpu !== undefined) t.push({ name: "CPU", value: String(spec.cpu) });
  if (spec.vcpu !== undefined) t.push({ name: "VCPU", value: String(spec.vcpu) });
  if (spec.memory !== undefined) t.push({ name: "MEMORY", value: String(spec.memory) });
  for (const disk of spec.disks ?? []) t.push({ name: "DISK", value: diskVector(disk, ctx.idOf) });
  for (const nic of spec.nics ?? []) t.push({ name: "NIC", value: nicVector(nic, ctx.idOf) });
  if (spec.context !== undefined) t.push({ name: "CONTEXT", value: contextVector(spec.context, ctx.resolve) });
  if (spec.graphics !== undefined) t.push({ name: "GRAPHICS", value: graphicsVector(spec.graphics) });
  if (spec.os !== undefined) t.push({ name: "OS", value: osVector(spec.os) });
  if (spec.scheduling !== undefined) t.push(...schedulingAttributes(spec.scheduling));
  return t;
}

// ------------------------------------------------------------------------------------- reading

const GENERATED_CONTEXT = /^(ETH\d+_.*|DISK_ID|TARGET)$/;
const OWN_CONTEXT = new Set(["NETWORK", "SSH_PUBLIC_KEY", "START_SCRIPT_BASE64", "START_SCRIPT", "SET_HOSTNAME", "PASSWORD"]);

function readDisk(v: TemplateVector, refs: RefMap): DiskSpec {
  const common: { devicePrefix?: DiskSpec["devicePrefix"]; target?: string } = {};
  if (nonEmpty(v.DEV_PREFIX) !== undefined) common.devicePrefix = v.DEV_PREFIX as DiskSpec["devicePrefix"];
  if (nonEmpty(v.TARGET) !== undefined) common.target = v.TARGET!;
  if (nonEmpty(v.IMAGE_ID) !== undefined) {
    const disk: DiskSpec = { source: "image", image: refs.ref("Image", v.IMAGE_ID)!, ...common };
    const size = numberOf(v.SIZE);
    if (size !== undefined) disk.size = size;
    if ((v.READONLY ?? "").toUpperCase() === "YES") disk.readOnly = true;
    return disk;
  }
  const disk: VolatileDiskSpec = { source: "volatile", size: numberOf(v.SIZE) ?? 0, type: (v.TYPE ?? "fs").toLowerCase() as "fs" | "swap", ...common };
  if (nonEmpty(v.FORMAT) !== undefined) disk.format = v.FORMAT as ImageFormat;
  return disk;
}

function readNic(v: TemplateVector, refs: RefMap): NicSpec {
  const groups = (v.SECURITY_GROUPS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "" && s !== "0");
  const nic: NicSpec = {
    network: refs.ref("VirtualNetwork", v.NETWORK_ID ?? v.NETWORK ?? "")!,
    securityGroups: [...new Set(groups)].map((id) => refs.ref("SecurityGroup", id)!),
  };
  if (nonEmpty(v.IP) !== undefined) nic.ip = v.IP!;
  if (nonEmpty(v.MAC) !== undefined) nic.mac = v.MAC!;
  if (nonEmpty(v.MODEL) !== undefined) nic.model = v.MODEL!;
  return nic;
}

/** `secret`: the variable names the object records as secret (TAG_SECRETS): read back as secrets. */
function readContext(v: TemplateVector, secret: ReadonlySet<string>): ContextSpec {
  const context: ContextSpec = {
    network: (v.NETWORK ?? "").toUpperCase() === "YES",
    sshKeys: (v.SSH_PUBLIC_KEY ?? "").split("\n").map((k) => k.trim()).filter((k) => k !== ""),
    vars: {},
    secretVars: {},
  };
  if (v.START_SCRIPT_BASE64 !== undefined) context.startScript = Buffer.from(v.START_SCRIPT_BASE64, "base64").toString("utf8");
  else if (v.START_SCRIPT !== undefined) context.startScript = v.START_SCRIPT;
  if (nonEmpty(v.SET_HOSTNAME) !== undefined) context.hostname = v.SET_HOSTNAME!;
  if (v.PASSWORD !== undefined) context.password = { secret: v.PASSWORD };
  // oned cannot tell a secret variable from a plain one: the object's own record says (the diff compares
  // both maps as one, so an object without the record still plans right; only its masking is weaker).
  for (const [key, value] of Object.entries(v)) {
    if (OWN_CONTEXT.has(key) || GENERATED_CONTEXT.test(key)) continue;
    if (secret.has(key.toUpperCase())) context.secretVars[key] = { secret: value };
    else context.vars[key] = value;
  }
  return context;
}

function readGraphics(v: TemplateVector): GraphicsSpec {
  const g: GraphicsSpec = { type: (v.TYPE ?? "vnc").toLowerCase() as GraphicsSpec["type"] };
  if (nonEmpty(v.LISTEN) !== undefined) g.listen = v.LISTEN!;
  const port = numberOf(v.PORT);
  if (port !== undefined) g.port = port;
  if (v.PASSWD !== undefined) g.password = { secret: v.PASSWD };
  if (nonEmpty(v.KEYMAP) !== undefined) g.keymap = v.KEYMAP!;
  return g;
}

function readOs(v: TemplateVector): OsSpec {
  const os: OsSpec = {};
  if (nonEmpty(v.ARCH) !== undefined) os.arch = v.ARCH as OsSpec["arch"];
  if (nonEmpty(v.BOOT) !== undefined) os.boot = v.BOOT!.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (nonEmpty(v.FIRMWARE) !== undefined) os.firmware = v.FIRMWARE!.toLowerCase() as OsSpec["firmware"];
  if (nonEmpty(v.MACHINE) !== undefined) os.machine = v.MACHINE!;
  if (nonEmpty(v.KERNEL_CMD) !== undefined) os.kernelCmd = v.KERNEL_CMD!;
  return os;
}

export function readScheduling(template: Template): SchedulingSpec | undefined {
  const s: SchedulingSpec = {};
  const req = single(template, "SCHED_REQUIREMENTS");
  if (req !== undefined) s.requirements = req;
  const rank = single(template, "SCHED_RANK");
  if (rank !== undefined) s.rank = rank;
  const ds = single(template, "SCHED_DS_REQUIREMENTS");
  if (ds !== undefined) s.datastoreRequirements = ds;
  return Object.keys(s).length > 0 ? s : undefined;
}

/** Reads the machine part of a template (a VM's TEMPLATE, or a VM template's). */
export function readMachine(template: Template, refs: RefMap, secretNames: ReadonlySet<string> = new Set()): MachineSpec & { disks: DiskSpec[]; nics: NicSpec[] } {
  const spec: MachineSpec & { disks: DiskSpec[]; nics: NicSpec[] } = {
    disks: vectors(template, "DISK").map((v) => readDisk(v, refs)),
    nics: vectors(template, "NIC").map((v) => readNic(v, refs)),
  };
  const cpu = numberOf(single(template, "CPU"));
  if (cpu !== undefined) spec.cpu = cpu;
  const vcpu = numberOf(single(template, "VCPU"));
  if (vcpu !== undefined) spec.vcpu = vcpu;
  const memory = numberOf(single(template, "MEMORY"));
  if (memory !== undefined) spec.memory = memory;
  const context = vectors(template, "CONTEXT")[0];
  if (context) spec.context = readContext(context, secretNames);
  const graphics = vectors(template, "GRAPHICS")[0];
  if (graphics) spec.graphics = readGraphics(graphics);
  const os = vectors(template, "OS")[0];
  if (os) spec.os = readOs(os);
  return spec;
}

