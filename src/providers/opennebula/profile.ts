/**
 * What OpenNebula supports, for `validate` (see `src/resources/backend-profile.ts`): every kind and
 * every property of the declaration, names unique per owner for every kind but VMs, a VM's physical
 * CPU share required when it has no template, and the rules of the network drivers (VN_MAD).
 */
import type { BackendProfile, KindProfile } from "../../resources/backend-profile.js";
import { checkImageContents } from "../../resources/image.js";

/** Properties every kind has on OpenNebula. */
const COMMON = ["description", "attributes"];
const MACHINE = ["cpu", "vcpu", "memory", "disks", "nics", "context", "graphics", "os", "scheduling"];

/** VN_MAD drivers whose VLAN id is an 802.1Q tag (at most 4094), and those that need the host interface. */
const VLAN_DRIVERS = new Set(["802.1Q", "ovswitch"]);
const NEEDS_PHYSICAL_DEVICE = new Set(["802.1Q", "vxlan"]);

const virtualNetwork: KindProfile = {
  properties: [...COMMON, "bridge", "driver", "vlanId", "physicalDevice", "mtu", "addressRanges", "dns", "gateway", "networkMask", "networkAddress"],
  // UNIQUE(name, uid) in oned's network_pool (FACTS.md §7).
  uniqueNames: true,
  check(input, ctx) {
    const driver = typeof input.driver === "string" ? input.driver : undefined;
    const vlanId = typeof input.vlanId === "number" ? input.vlanId : undefined;
    if (vlanId !== undefined && driver !== undefined && VLAN_DRIVERS.has(driver) && vlanId > 4094) {
      ctx.report("vlanId", `must be <= 4094 for the ${driver} driver, got ${vlanId}`);
    }
    if (driver !== undefined && NEEDS_PHYSICAL_DEVICE.has(driver) && input.physicalDevice === undefined) {
      ctx.report("physicalDevice", `is required by the ${driver} driver: the host interface the network is built on`);
    }
  },
};

export const openNebulaProfile: BackendProfile = {
  backend: "opennebula",
  title: "OpenNebula",
  kinds: {
    VirtualNetwork: virtualNetwork,
    // Images, security groups: UNIQUE(name, uid) in oned's database; VM templates: VMTemplatePool::allocate
    // refuses a taken name (FACTS.md §7). Only VMs may share names.
    Image: {
      properties: [...COMMON, "type", "size", "path", "datastore", "persistent", "devicePrefix", "format"],
      uniqueNames: true,
      // oned imports an image's contents from PATH, or makes an empty datablock of SIZE.
      check: (input, ctx) => checkImageContents(input, (path, message) => ctx.report(path, message, "semantic")),
    },
    SecurityGroup: { properties: [...COMMON, "rules"], uniqueNames: true },
    VmTemplate: { properties: [...COMMON, ...MACHINE], uniqueNames: true },
    VirtualMachine: {
      properties: [...COMMON, ...MACHINE, "template", "labels", "powerState"],
      uniqueNames: false,
      check(input, ctx) {
        // oned needs CPU (the share of a physical CPU) in every VM; a template can give it.
        if (input.template === undefined && input.cpu === undefined) ctx.report("cpu", "is required on OpenNebula when the VM has no template (the share of a physical CPU, 0.5 = half a CPU)");
      },
    },
  },
  // oned upper-cases template attribute names: a raw key is one as oned would store it.
  rawKey: { pattern: "^[A-Z][A-Z0-9_]*$", describe: "an upper-case template attribute name (SCHED_RANK)" },
};
