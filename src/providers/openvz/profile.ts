/**
 * What the OpenVZ Web Panel supports, for `validate` (see `src/resources/backend-profile.ts`).
 *
 * - VirtualMachine → a container (virtual server) on a hardware server (`raw.openvz.hardwareServer`,
 *   its host as the panel lists it; else the stack's `hardwareServer` setting; else the panel's only
 *   one). Its name is its host name; `vcpu` its CPUs, `memory` its RAM (MB), its one disk the OS
 *   template it is made from (`disks[0].image`, an Image of the stack) and its disk space
 *   (`disks[0].size`, MB); its NICs' IPs its IP addresses (a NIC without `ip` takes the first free IP
 *   of the panel's pools); `template` a server template whose limits it starts from;
 *   `context.password` its root password (a secret); running or stopped. The panel's other limits are
 *   `raw.openvz`: vswap (MB), cpuUnits, cpuLimit (percent), nameserver, searchDomain, startOnBoot.
 * - Image → an OS template installed on the hardware servers (`type: "os"`, its name the template's,
 *   `debian-11-x86_64`): looked up, never made nor deleted.
 * - VmTemplate → a server template of the panel (`vps.basic`): looked up; its limits are the panel's,
 *   and a VM's own limits override them.
 * - VirtualNetwork → the hardware servers' venet, which every container is on: looked up; it is what a
 *   NIC names. Its `addressRanges` say which addresses of the panel's IP pools the stack's fixed IPs
 *   come from (checked before a plan; the panel's pools still decide).
 * - SecurityGroup: the panel has none.
 * Only a VirtualMachine can be adopted with `importId`: the looked-up kinds are the panel's, never a
 * stack's, and are used as soon as they are declared.
 * A container has exactly one disk and is on no network object of its own, so disks beyond the first,
 * volatile disks and network settings are refused with that reason.
 */
import type { BackendProfile } from "../../resources/backend-profile.js";
import type { CheckContext } from "../../resources/kind-definition.js";

/** The raw.openvz settings of a container, each the panel field it sets (FACTS §3.3). */
export const RAW_FIELDS = {
  hardwareServer: "hardware_server_id",
  vswap: "vswap",
  cpuUnits: "cpu_units",
  cpuLimit: "cpu_limit",
  nameserver: "nameserver",
  searchDomain: "search_domain",
  startOnBoot: "start_on_boot",
} as const;

export type RawKey = keyof typeof RAW_FIELDS;
const NUMBERS: readonly RawKey[] = ["vswap", "cpuUnits", "cpuLimit"];
const IP = /^(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9a-fA-F:]+)$/;

function rawOf(input: Record<string, unknown>): Record<string, unknown> {
  return ((input.raw as Record<string, Record<string, unknown>> | undefined)?.openvz ?? {}) as Record<string, unknown>;
}

/**
 * `importId` on a looked-up kind: the panel's OS templates, server templates and venet are never
 * marked as a stack's, so there is nothing to adopt: declaring one is all it takes to use it.
 */
function checkImport(what: string, input: Record<string, unknown>, ctx: CheckContext): void {
  if (input.importId === undefined) return;
  ctx.report("importId", `cannot adopt ${what} on OpenVZ: it is the panel's own, looked up by its name and never owned by a stack, so declaring it is all it takes to use it; remove importId (only a VirtualMachine, a container, is adopted)`);
}

function checkRaw(kind: string, input: Record<string, unknown>, ctx: CheckContext, known: readonly string[]): void {
  const raw = rawOf(input);
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      ctx.report(`raw.openvz.${key}`, `is not a panel setting hyperplan carries out on a ${kind} (${known.length > 0 ? `it takes ${known.join(", ")}` : "it takes none"})`);
      continue;
    }
    const value = raw[key];
    if ((NUMBERS as readonly string[]).includes(key) && !(typeof value === "number" && Number.isInteger(value) && value >= 0)) ctx.report(`raw.openvz.${key}`, `must be a whole number >= 0, got ${JSON.stringify(value)}`);
    if (key === "startOnBoot" && typeof value !== "boolean") ctx.report("raw.openvz.startOnBoot", `must be true or false, got ${JSON.stringify(value)}`);
    if (key === "hardwareServer" && (typeof value !== "string" || value === "")) ctx.report("raw.openvz.hardwareServer", "must be a hardware server's host, as the panel lists it (node1.lan)");
    if (key === "nameserver" && (typeof value !== "string" || !value.trim().split(/\s+/).every((ip) => IP.test(ip)))) ctx.report("raw.openvz.nameserver", `must be DNS server IPs separated by spaces, got ${JSON.stringify(value)} (the panel: "DNS server IP address is invalid.")`);
    if (key === "searchDomain" && (typeof value !== "string" || !/^([a-z0-9.-]+\s*)*$/i.test(value))) ctx.report("raw.openvz.searchDomain", `must be domain names separated by spaces (letters, digits, dots, hyphens), got ${JSON.stringify(value)}`);
  }
}

export const openVzProfile: BackendProfile = {
  backend: "openvz",
  title: "OpenVZ Web Panel",
  kinds: {
    VirtualMachine: {
      properties: ["template", "vcpu", "memory", "disks[*].image", "disks[*].size", "nics[*].network", "nics[*].ip", "powerState", "context.password", "context.network"],
      uniqueNames: false,
      check(input, ctx) {
        checkRaw("VirtualMachine", input, ctx, Object.keys(RAW_FIELDS));
        const disks = input.disks as Record<string, unknown>[] | undefined;
        if (!Array.isArray(disks) || disks.length !== 1) {
          ctx.report("disks", `must be exactly one disk on OpenVZ, got ${Array.isArray(disks) ? disks.length : "none"}: a container has one disk, made from an OS template (an Image of type "os") and sized by its size`);
        } else {
          if (disks[0]!.image === undefined) ctx.report("disks[0].image", 'is required on OpenVZ: the OS template the container is made from (an Image of type "os")');
          if (disks[0]!.size === undefined) ctx.report("disks[0].size", "is required on OpenVZ: the container's disk space (MiB)");
        }
        if (input.memory === undefined) ctx.report("memory", "is required on OpenVZ: the container's RAM (MiB); the panel reads 0 as unlimited");
        const nics = (input.nics as Record<string, unknown>[] | undefined) ?? [];
        if (nics.filter((n) => n.ip === undefined).length > 1) ctx.report("nics", "may have at most one NIC without ip on OpenVZ: the panel hands out one address from its pools (ip_address=auto)");
      },
    },
    Image: {
      properties: ["type", "persistent"],
      uniqueNames: false,
      check(input, ctx) {
        checkRaw("Image", input, ctx, []);
        checkImport("an OS template", input, ctx);
        if (input.type !== "os") ctx.report("type", 'must be "os" on OpenVZ: an image is an OS template installed on the hardware servers (data disks do not exist on the panel)');
      },
    },
    VmTemplate: {
      properties: [],
      uniqueNames: false,
      check(input, ctx) {
        checkRaw("VmTemplate", input, ctx, []);
        checkImport("a server template", input, ctx);
      },
    },
    VirtualNetwork: {
      properties: ["addressRanges"],
      uniqueNames: false,
      check(input, ctx) {
        checkRaw("VirtualNetwork", input, ctx, []);
        checkImport("the venet", input, ctx);
      },
    },
  },
  nameProblem(name, kind) {
    if (kind === "VirtualMachine" && !/^[a-z0-9.-]+$/i.test(name)) return `must be a host name on OpenVZ (letters, digits, dots and hyphens; the panel: "Hostname is invalid."), got ${JSON.stringify(name)}`;
    return undefined;
  },
  rawKey: { pattern: "^[a-z][A-Za-z]*$", describe: "a panel setting (hardwareServer, vswap, cpuUnits, cpuLimit, nameserver, searchDomain, startOnBoot)" },
};
