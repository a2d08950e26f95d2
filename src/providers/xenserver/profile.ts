/**
 * What XenServer supports, for `validate` (see `src/resources/backend-profile.ts`).
 *
 * - VirtualNetwork → a network: name, description, MTU, bridge (FACTS §1.5 network). Address ranges,
 *   DNS, gateways, VLAN drivers are OpenNebula's IP management: a XenServer network carries none.
 * - Image → a VDI on an SR (`datastore`: the SR's name_label or uuid; the pool's default SR otherwise),
 *   a datablock (VDI type `user`) or a system disk (`os`, type `system`): empty, of `size`, or a copy
 *   of the pool's disk named by `raw.xenserver.copyOf` (a base VDI's name_label). A persistent image is attached to
 *   its VMs as it is; any other is copied for each VM that has it. A CD image is not a VDI hyperplan
 *   makes.
 * - VirtualMachine → a VM cloned from a pool template (`raw.xenserver.template`, its name_label),
 *   provisioned, its memory (MiB) and VCPUs set, one VBD per image disk and one VIF per NIC, then
 *   started or left halted (`powerState`). OpenNebula's physical-CPU share, context, console, OS
 *   section and scheduling have no XenServer meaning.
 * - VmTemplate → a VM template the stack owns: a clone of a pool template (`raw.xenserver.template`)
 *   kept a template, with its memory, VCPUs and VIFs; a VM naming it is cloned from it and carries its
 *   memory, VCPUs and NICs unless it gives its own. Its disks are the pool template's.
 * - SecurityGroup: not supported (XenServer has no security groups).
 * Names: xapi keeps name_label free text and does not make it unique (FACTS §1.5), so no kind claims
 * its name.
 */
import type { BackendProfile } from "../../resources/backend-profile.js";
import type { CheckContext } from "../../resources/kind-definition.js";

/** The raw.xenserver settings hyperplan carries out, by kind; any other is refused rather than ignored. */
const RAW_KEYS: Record<string, readonly string[]> = {
  Image: ["copyOf"],
  VmTemplate: ["template", "platform", "HVM_boot_params"],
  VirtualMachine: ["template", "platform", "HVM_boot_params"],
  VirtualNetwork: [],
};

function checkRawKeys(kind: string, input: Record<string, unknown>, ctx: CheckContext): void {
  const raw = (input.raw as Record<string, Record<string, unknown>> | undefined)?.xenserver;
  const known = RAW_KEYS[kind] ?? [];
  for (const key of Object.keys(raw ?? {})) {
    if (!known.includes(key)) ctx.report(`raw.xenserver.${key}`, `is not a XenServer setting hyperplan carries out on a ${kind} (${known.length > 0 ? `it takes ${known.join(", ")}` : "it takes none"})`);
    const value = raw![key];
    if ((key === "platform" || key === "HVM_boot_params") && (typeof value !== "object" || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== "string"))) {
      ctx.report(`raw.xenserver.${key}`, `must be a map of strings, as xapi keeps a VM's ${key} (e.g. ${key === "platform" ? '{ viridian: "true" }' : '{ order: "cd" }'})`);
    }
  }
}

const COMMON = ["description", "attributes"];

export const xenServerProfile: BackendProfile = {
  backend: "xenserver",
  title: "XenServer",
  kinds: {
    VirtualNetwork: {
      properties: [...COMMON, "bridge", "mtu"],
      uniqueNames: false,
      check: (input, ctx) => checkRawKeys("VirtualNetwork", input, ctx),
    },
    Image: {
      properties: [...COMMON, "type", "size", "datastore", "persistent"],
      uniqueNames: false,
      check(input, ctx) {
        checkRawKeys("Image", input, ctx);
        if (input.type === "cdrom") ctx.report("type", "cdrom is not supported on XenServer: hyperplan makes disks (datablock or os)");
        const raw = (input.raw as Record<string, Record<string, unknown>> | undefined)?.xenserver;
        if (input.size === undefined && raw?.copyOf === undefined) ctx.report("size", "is required on XenServer unless raw.xenserver.copyOf names a disk to copy: a VDI is made empty, of a size (MiB)");
        if (raw?.copyOf !== undefined && typeof raw.copyOf !== "string") ctx.report("raw.xenserver.copyOf", "must be the name of a disk (VDI) in the pool");
      },
    },
    VmTemplate: {
      properties: [...COMMON, "vcpu", "memory", "nics[*].network"],
      uniqueNames: false,
      check(input, ctx) {
        checkRawKeys("VmTemplate", input, ctx);
        const raw = (input.raw as Record<string, Record<string, unknown>> | undefined)?.xenserver;
        if (typeof raw?.template !== "string") ctx.report("raw.xenserver.template", "is required on XenServer: the name of the pool template this template is cloned from (\"Debian Bookworm 12\")");
      },
    },
    VirtualMachine: {
      properties: [...COMMON, "template", "vcpu", "memory", "disks[*].image", "disks[*].readOnly", "nics[*].network", "nics[*].mac", "labels", "powerState"],
      uniqueNames: false,
      check(input, ctx) {
        checkRawKeys("VirtualMachine", input, ctx);
        const raw = (input.raw as Record<string, Record<string, unknown>> | undefined)?.xenserver;
        if (input.template !== undefined && raw?.template !== undefined) ctx.report("raw.xenserver.template", "names a pool template, and template a template of the stack: give one of them");
        if (input.template === undefined && typeof raw?.template !== "string") ctx.report("raw.xenserver.template", "is required on XenServer unless the VM names a template of the stack: the name of the pool template the VM is cloned from (\"Debian Bookworm 12\")");
        const disks = input.disks;
        if (Array.isArray(disks)) {
          disks.forEach((disk, i) => {
            if ((disk as { image?: unknown }).image === undefined) ctx.report(`disks[${i}].image`, "is required on XenServer: a disk is an Image of the stack attached to the VM (volatile disks are not supported)");
          });
        }
      },
    },
  },
  // other_config keys and raw settings: xapi keeps keys as given.
  rawKey: { pattern: "^[A-Za-z][A-Za-z0-9_.-]*$", describe: "a XenServer setting name (template, sr)" },
};
