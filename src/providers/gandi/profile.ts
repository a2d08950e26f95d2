/**
 * What Gandi hosting supports, for `validate` (see `src/resources/backend-profile.ts`).
 *
 * - VirtualMachine → a VM (`vm_create(hostname, password, os_id, shares, cpu)`, FACTS §2.1): named
 *   `<name>.<stack>-<mark>` (naming.ts), its OS a name of the catalogue (`raw.gandi.os`, looked up in
 *   `os_list`, never made), its root password `context.password` (a secret), its CPUs `vcpu`, its
 *   memory in shares (`memory` a multiple of 256 MiB, one share each: the simulator's rule, unverified
 *   against a live endpoint), its data disks `disks[*].image`, running or stopped (`powerState`).
 * - Image → a data disk (`disk_create(size MB, name, fstype)`): `size`, `raw.gandi.fstype` (ext3,
 *   reiserfs, xfs, jfs); attached to its VM as it is (`persistent: true`).
 * - VirtualNetwork, VmTemplate, SecurityGroup: the hosting API has none of them.
 */
import type { BackendProfile } from "../../resources/backend-profile.js";
import type { CheckContext } from "../../resources/kind-definition.js";
import { gandiNameProblem } from "./naming.js";

/** One share of a VM's memory (MiB). */
export const SHARE_MIB = 256;
export const FSTYPES = ["ext3", "reiserfs", "xfs", "jfs"] as const;

const RAW_KEYS: Record<string, readonly string[]> = { VirtualMachine: ["os"], Image: ["fstype"] };

function rawOf(input: Record<string, unknown>): Record<string, unknown> {
  return ((input.raw as Record<string, Record<string, unknown>> | undefined)?.gandi ?? {}) as Record<string, unknown>;
}

function checkRawKeys(kind: string, input: Record<string, unknown>, ctx: CheckContext): void {
  const known = RAW_KEYS[kind] ?? [];
  for (const key of Object.keys(rawOf(input))) {
    if (!known.includes(key)) ctx.report(`raw.gandi.${key}`, `is not a Gandi setting hyperplan carries out on a ${kind} (it takes ${known.join(", ")})`);
  }
}

export const gandiProfile: BackendProfile = {
  backend: "gandi",
  title: "Gandi hosting",
  kinds: {
    VirtualMachine: {
      // context.network is a default every context carries (a saved declaration has it): Gandi has no
      // place for it and leaves it alone.
      properties: ["vcpu", "memory", "disks[*].image", "powerState", "context.password", "context.network"],
      uniqueNames: true,
      check(input, ctx) {
        checkRawKeys("VirtualMachine", input, ctx);
        const raw = rawOf(input);
        if (typeof raw.os !== "string") ctx.report("raw.gandi.os", 'is required on Gandi: the name of an OS of the catalogue (os_list), e.g. "Debian 12"');
        const context = input.context as { password?: unknown } | undefined;
        if (context?.password === undefined) ctx.report("context.password", "is required on Gandi: vm_create sets the VM's root password (give it as a secret)");
        if (typeof input.memory === "number" && input.memory % SHARE_MIB !== 0) ctx.report("memory", `must be a multiple of ${SHARE_MIB} MiB on Gandi (one share each), got ${input.memory}`);
        if (input.memory === undefined) ctx.report("memory", `is required on Gandi: it buys the VM's shares (${SHARE_MIB} MiB each)`);
      },
    },
    Image: {
      properties: ["size", "persistent", "type"],
      uniqueNames: true,
      check(input, ctx) {
        checkRawKeys("Image", input, ctx);
        if (input.type !== "datablock") ctx.report("type", 'must be "datablock" on Gandi: an image is a data disk; a VM\'s OS is raw.gandi.os');
        if (input.size === undefined) ctx.report("size", "is required on Gandi: a disk is made empty, of a size (MiB)");
        if (input.persistent !== true) ctx.report("persistent", "must be true on Gandi: a disk is attached to its VM as it is, never copied");
        const fstype = rawOf(input).fstype;
        if (fstype !== undefined && !(FSTYPES as readonly unknown[]).includes(fstype)) ctx.report("raw.gandi.fstype", `must be one of ${FSTYPES.join(", ")}, got ${JSON.stringify(fstype)}`);
      },
    },
  },
  nameProblem: (name) => gandiNameProblem(name),
  rawKey: { pattern: "^[a-z][A-Za-z0-9]*$", describe: "a Gandi setting name (os, fstype)" },
};
