/**
 * The LiveState contract: what a provider's `read` hands to the diff. A plain JSON value, built by the
 * provider from the backend's pools and never reaching back to the backend.
 *
 * What a provider promises (the diff relies on each point; breaking one gives plans that never settle):
 * - Only objects carrying the stack's ownership tag are listed. A missing object, or a VM that reached
 *   its final state (OpenNebula DONE), is simply absent: the diff proposes a create. Two objects that
 *   carry one address (made twice, however that happened) are both listed: the core keeps the oldest
 *   and plans the others' deletion (`indexLiveState`).
 * - `props` has the SAME Spec type as the declaration of that kind, mapped from the live object:
 *   - A reference to an object of the stack becomes `{ ref: <address> }` through the id → address map of
 *     the owned objects. A reference to an object the stack does not own becomes `{ ref: "<kind>#<id>" }`
 *     (never an address, so no declaration can match it), except the backend's implicit defaults that
 *     every object gets without asking (OpenNebula: security group 0 on every NIC), which are left out.
 *   - Disks and NICs a VM inherited from its template are listed as the VM has them: the VM's own,
 *     complete lists, whatever their origin.
 *   - Keys the backend chose by itself (device prefix, target, bridge name …) may be reported; the diff
 *     ignores them where the declaration leaves them to the backend.
 *   - `attributes` holds the free attributes only, not the backend's own bookkeeping (ownership tags,
 *     scheduler messages, error text); context `vars` holds the guest variables only, not the ones the
 *     backend generates (OpenNebula `ETHn_*`). A provider cannot tell a secret variable from a plain one
 *     and may report all of them under `vars`: the diff compares `vars` and `secretVars` as one map.
 * - `values` holds the after-apply attributes of the kind (`ip`, `mac` of a VM) as read, so that a
 *   declaration using `vm.ipAddress` compares against the address the VM really has. `id` is read from
 *   the `id` field.
 * - `aliases` lists other spellings of a live value, by attribute path (`datastore: [1, "default"]`):
 *   a declared value equal to any of them is no change. For values a user may give by id or by name.
 * - `dependsOn` lists the addresses of owned objects this one uses (a VM: its images, networks,
 *   template, security groups): the plan deletes users before what they use.
 */
import type { OwnershipTag } from "../core/operation.js";
import { createHash } from "node:crypto";
import { HyperplanError } from "../errors.js";
import {
  RESOURCE_KINDS,
  type ImageSpec,
  type ResourceKind,
  type SecurityGroupSpec,
  type VirtualMachineSpec,
  type VirtualNetworkSpec,
  type VmTemplateSpec,
} from "../resources/desired-state.js";
import { displayText } from "./values.js";

/** The Spec type of each kind: the same for the declaration and the live object. */
export interface SpecByKind {
  VirtualNetwork: VirtualNetworkSpec;
  Image: ImageSpec;
  SecurityGroup: SecurityGroupSpec;
  VmTemplate: VmTemplateSpec;
  VirtualMachine: VirtualMachineSpec;
}
export type SpecOf<K extends ResourceKind> = SpecByKind[K];

/** The backend's view of the object's health, in the backend's own state names. */
export interface LiveStatus {
  /** The backend's state name: `RUNNING`, `POWEROFF`, `BOOT_FAILURE`, `READY`, `ERROR` … */
  state: string;
  /** False when the object is in a failure state a person must look at. */
  healthy: boolean;
  /** The backend's own message about that state (OpenNebula: the VM's USER_TEMPLATE/ERROR). */
  message?: string;
}

export interface LiveResource<K extends ResourceKind = ResourceKind> {
  /** From the object's ownership tag. */
  address: string;
  kind: K;
  name: string;
  /** The backend's id. */
  id: string;
  /** Other ids the backend knows the object by (a XenServer object's uuid beside its ref): an `importId` may name it by any. */
  otherIds?: string[];
  /** The live object mapped into the declaration's Spec type (see the contract above). */
  props: SpecOf<K>;
  /** Addresses of owned objects this one uses. */
  dependsOn: string[];
  status: LiveStatus;
  /** After-apply attributes as read (`ip`, `mac`); `id` comes from the field above. */
  values?: { [attr: string]: string | number };
  /** Other spellings of live values, by attribute path (`datastore`). */
  aliases?: { [path: string]: (string | number)[] };
  /** When the object was made (ms since the epoch), where the backend says: which of two duplicates is older. */
  createdAt?: number;
  /**
   * Set by the core, never by a provider: this object carries another object's address, which keeps
   * it; this one is listed under `<address>~duplicate-<id>` and the plan deletes it.
   */
  duplicateOf?: { address: string; keptId: string };
}

/** An object the stack does not own that bears a name the stack declares for its kind. */
export interface ForeignObject {
  kind: ResourceKind;
  id: string;
  name: string;
  /** The stack its ownership tag names, when it is another stack's. */
  stack?: string;
  /** Its name as the cloud shows it, when that is not the declared name (a name carrying a stack's mark). */
  cloudName?: string;
  /** Why it is not the stack's, in the backend's words (default: it carries no ownership tag). */
  why?: string;
  /** What a person can do about it, besides renaming the declared one, in the backend's words (default: rename, remove or tag it). */
  remedy?: string;
}

/**
 * What a provider found for a declaration's `importId`, read by that id alone (never by scanning what
 * the stack does not own): the object as the declaration's own (`found`, mapped like an owned object
 * at the declaration's address, references to the stack's objects as addresses), or why it cannot be
 * adopted: there is no such object of that kind (`gone`), or it carries a stack's tag (`tagged`).
 * A provider lists one reading per declared `importId` whose address has no object yet; a backend
 * that cannot adopt objects lists none (its rules' `cannotMove` says why).
 */
export type ImportReading =
  | { address: string; id: string; state: "found"; live: LiveResource }
  | { address: string; id: string; state: "gone" }
  | { address: string; id: string; state: "tagged"; tag: OwnershipTag };

export interface LiveState {
  stack: string;
  /** The endpoint the objects were read from. */
  endpoint: string;
  resources: LiveResource[];
  /**
   * Objects the stack does not own whose names the stack declares for their kind (read no further
   * than their id and name): the plan refuses to create one beside them where names are unique, and
   * warns where they are not.
   */
  foreign?: ForeignObject[];
  /** The objects the declarations' `importId`s name, read for the plan that adopts them. */
  imports?: ImportReading[];
  /** A digest of the objects as read: a saved plan is refused when the live objects moved since. */
  fingerprint: string;
}

export class LiveStateError extends HyperplanError {
  constructor(summary: string, address?: string) {
    super("LIVE_STATE", summary, address === undefined ? {} : { address });
  }
}

/**
 * The digest a provider puts into `LiveState.fingerprint`: SHA-256 over the objects in address order,
 * keys sorted. Statuses count (a VM that went from RUNNING to POWEROFF makes an older plan stale),
 * status messages do not (they carry timestamps).
 */
export function fingerprintLive(resources: readonly LiveResource[]): string {
  const items = [...resources]
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((r) => ({
      address: r.address,
      kind: r.kind,
      id: r.id,
      name: r.name,
      props: r.props,
      dependsOn: [...r.dependsOn].sort(),
      state: r.status.state,
      values: r.values ?? {},
    }));
  // The same bytes as stableJson(items), fed to the hash object by object: a large stack never
  // builds the whole text at once.
  const hash = createHash("sha256").update("[");
  items.forEach((item, i) => hash.update(i === 0 ? stableJson(item) : `,${stableJson(item)}`));
  return `sha256:${hash.update("]").digest("hex")}`;
}

function stableJson(value: unknown): string {
  const out: string[] = [];
  writeStableJson(value, out);
  return out.join("");
}

/** JSON with object keys sorted and undefined members left out, appended piece by piece. */
function writeStableJson(value: unknown, out: string[]): void {
  if (Array.isArray(value)) {
    out.push("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(",");
      writeStableJson(value[i], out);
    }
    out.push("]");
  } else if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    out.push("{");
    let first = true;
    for (const k of Object.keys(record).sort()) {
      if (record[k] === undefined) continue;
      out.push(first ? JSON.stringify(k) : `,${JSON.stringify(k)}`, ":");
      first = false;
      writeStableJson(record[k], out);
    }
    out.push("}");
  } else {
    out.push(JSON.stringify(value) ?? "null");
  }
}

/** The address under which a plan deletes a second object that carries `address`. */
export function duplicateAddress(address: string, id: string): string {
  return `${address}~duplicate-${id}`;
}

/** Older first: by `createdAt` where both have one, else by id (numeric ids compare as numbers: OpenNebula's only grow). */
function olderFirst(a: LiveResource, b: LiveResource): number {
  if (typeof a.createdAt === "number" && typeof b.createdAt === "number" && a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  const [x, y] = [displayText(a.id), displayText(b.id)];
  if (/^\d+$/.test(x) && /^\d+$/.test(y)) return Number(x) - Number(y);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Checks the envelope of a LiveState (the part the diff cannot read around) and returns the resources
 * by address. The props inside are not checked here: the diff reads them defensively, so a provider
 * mapping a strange object produces a diff line, never a crash.
 *
 * Duplicates — several objects carrying one address, however they were made (two runs at once before
 * the stack lock, an object copied by hand with its tags) — do not stall the stack: the oldest keeps
 * the address, every other one is listed under `<address>~duplicate-<id>`, which no declaration
 * matches, so the plan deletes it as an ordinary, visible change.
 */
export function indexLiveState(live: LiveState): Map<string, LiveResource> {
  if (typeof live !== "object" || live === null || !Array.isArray(live.resources)) {
    throw new LiveStateError("the live state has no resources list (a provider bug)");
  }
  const byAddress = new Map<string, LiveResource[]>();
  live.resources.forEach((r, i) => {
    if (typeof r !== "object" || r === null || typeof r.address !== "string" || r.address === "") {
      throw new LiveStateError(`live object #${i} has no address (a provider bug)`);
    }
    if (!(RESOURCE_KINDS as readonly unknown[]).includes(r.kind)) {
      throw new LiveStateError(`the live object has an unknown kind ${displayText(r.kind)} (a provider bug)`, r.address);
    }
    byAddress.set(r.address, [...(byAddress.get(r.address) ?? []), r]);
  });
  const out = new Map<string, LiveResource>();
  for (const [address, list] of byAddress) {
    const [kept, ...others] = [...list].sort(olderFirst);
    out.set(address, kept!);
    for (const other of others) {
      const extra = duplicateAddress(address, displayText(other.id));
      if (out.has(extra) || byAddress.has(extra)) throw new LiveStateError(`two live objects carry this address and the id ${displayText(other.id)} (a provider bug)`, address);
      out.set(extra, { ...other, address: extra, duplicateOf: { address, keptId: displayText(kept!.id) } });
    }
  }
  return out;
}

/** The live status, read defensively (a provider may hand over anything). */
export function liveStatusOf(resource: LiveResource): LiveStatus {
  const s = resource.status as Partial<LiveStatus> | undefined;
  if (typeof s !== "object" || s === null) return { state: "UNKNOWN", healthy: true };
  return {
    state: typeof s.state === "string" ? s.state : "UNKNOWN",
    healthy: s.healthy !== false,
    ...(typeof s.message === "string" && s.message !== "" ? { message: s.message } : {}),
  };
}
