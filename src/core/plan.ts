/**
 * The Plan document: a plain, versioned JSON value. The text renderer, `--json`, `show` and `apply`
 * all read it; none recomputes it.
 */
import { HyperplanError } from "../errors.js";
import type { Action, Impact, ReplaceOrder, ReplaceOrderSource } from "./action.js";
import { isAction } from "./action.js";
import { sortKeys } from "../resources/canonical-json.js";
import type { DesiredState } from "../resources/desired-state.js";
import type { ProviderSettings } from "../resources/stack.js";

/**
 * 2: a saved plan is applied from the declaration it carries (re-planned and compared change for
 * change), so it records what it was limited to (`targets`, `replace`), which backend (`backend`) and
 * which cloud (`settings`).
 */
export const PLAN_FORMAT_VERSION = 2;

/** A value that exists only after apply (a VM's IP, an image's id). */
export interface UnknownValue {
  unknown: true;
}
export const UNKNOWN: UnknownValue = Object.freeze({ unknown: true as const });
export function isUnknownValue(value: unknown): value is UnknownValue {
  return typeof value === "object" && value !== null && (value as { unknown?: unknown }).unknown === true && Object.keys(value).length === 1;
}

/** One attribute that differs, at a JSON-ish path (`memory`, `disks[1].size`, `context.SSH_PUBLIC_KEY`). */
export interface AttributeDiff {
  path: string;
  before?: unknown;
  after?: unknown;
  /** How this attribute can be applied. */
  impact: Impact;
  /** The named operation that applies it (`resize`, `attach-disk`, `update-user-template` …). */
  operation: string;
  /** Side effects a person must know before approving (power cycle, disk swapped under a running guest …). */
  effects?: string[];
  /** True when the value is secret: renderers print `(sensitive)` instead. */
  sensitive?: boolean;
  /**
   * References in this line to objects the plan creates or replaces: the reference stays the same
   * address but moves to a new object, which renderers mark `(new object)`.
   */
  renewed?: string[];
  /**
   * For a change inside a collection element kept by the plan (a disk that grows, a NIC whose security
   * groups change): the element's index in `before`. The path names its declared index; apply needs
   * both to find the live element (its DISK_ID, NIC_ID, AR_ID).
   */
  liveIndex?: number;
}

export interface ResourceChange {
  address: string;
  kind: string;
  action: Action;
  /** The live object as read (provider-neutral props), absent for a create. */
  before?: Record<string, unknown>;
  /** The declared props, absent for a delete. */
  after?: Record<string, unknown>;
  /** The backend's id of the live object, when there is one. */
  id?: string;
  /** The live object's values known only after apply (a VM's `ip`, `mac`): what outputs read when it is kept. */
  values?: Record<string, string | number>;
  diff: AttributeDiff[];
  /** Addresses this change waits for. */
  dependsOn: string[];
  /** Why, for renderers only: no logic branches on it. */
  reason: string;
  /** For a replace: the attribute paths that force it. */
  forcedBy?: string[];
  replaceOrder?: ReplaceOrder;
  replaceOrderSource?: ReplaceOrderSource;
  /** Why the replacement goes in that order (`the image name "debian" must be free …`), for renderers. */
  replaceOrderWhy?: string;
  /**
   * A replacement in two phases, because objects the plan keeps use the old one and the backend
   * refuses to delete a used object: the new object is created first (under a temporary name when the
   * name is unique), these changes move their users to it, and only then is the old one deleted (and
   * the new one given its name). Apply runs the second phase after every change listed here.
   */
  finishAfter?: string[];
  /**
   * A kept object still on its way to the state it is declared in (a VM booting after an apply that
   * was stopped, an image still copying): the state it is heading for. Nothing is changed; apply waits
   * until it arrives.
   */
  arriving?: string;
  /** Attribute paths that differ from the declaration and that its `ignoreChanges` leaves as they are. */
  ignored?: string[];
  /** The address the object carries now, when its construct moved: apply rewrites its tag first. */
  movedFrom?: string;
  /**
   * The id of an object the stack did not own that this change adopts (`importId`): apply writes the
   * stack's tag on it first (after reading that it carries none), then the rest of the update.
   */
  importId?: string;
  /** Set by apply only, when it starts one phase of a two-phase replacement. Never in a plan document. */
  phase?: "create" | "finish";
}

export interface PlanSummary {
  create: number;
  update: number;
  replace: number;
  delete: number;
  /** Updates that adopt an object (`importId`), counted among `update` too; present only when there are some. */
  import?: number;
}

/** Something a person should know before approving that is not a change (a name a foreign object holds). */
export interface PlanWarning {
  address: string;
  message: string;
}

export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  stack: string;
  /** The backend the plan is for (`opennebula`): apply refuses it against another one. */
  backend: string;
  /** The endpoint the live state was read from. */
  endpoint: string;
  /**
   * Fingerprint of the live objects the plan was computed from. For people and tools comparing two
   * plans; a saved plan is checked by planning again and comparing the changes, which, unlike this
   * digest, lets objects that were on their way (a VM booting) arrive in the meantime.
   */
  liveFingerprint: string;
  /** `plan` for a normal plan, `destroy` for a plan that removes everything the stack owns. */
  mode: "plan" | "destroy";
  /** The `--target` addresses the plan was limited to (planning again for apply uses them too). */
  targets?: string[];
  /** The addresses `--replace` forced to be replaced. */
  replace?: string[];
  changes: ResourceChange[];
  summary: PlanSummary;
  /** What a person should read before approving, beside the changes. */
  warnings?: PlanWarning[];
  /**
   * In a saved plan (`--out`): the declaration it was computed from, from which apply plans again and
   * which gives the values known after apply and the stack's outputs; the stack's provider settings
   * (which cloud, as the stack file said when the plan was made); and the stack file relative to the
   * plan file (where `--simulate` keeps its world).
   */
  desired?: DesiredState;
  settings?: ProviderSettings;
  stackFile?: string;
}

export class PlanFormatError extends HyperplanError {
  constructor(summary: string, detail?: string) {
    super("PLAN_FORMAT", summary, detail === undefined ? {} : { detail });
  }
}

export class ChangeShapeError extends HyperplanError {
  constructor(address: string, summary: string) {
    super("CHANGE_SHAPE", summary, { address });
  }
}

/**
 * The one factory for changes: refuses shapes that cannot exist (a create with a before, a delete with
 * an after, an update without a diff), naming the address.
 */
export function makeChange(change: ResourceChange): ResourceChange {
  const { address, action, before, after } = change;
  const fail = (why: string): never => {
    throw new ChangeShapeError(address, `${/^[aeiou]/.test(action) ? "an" : "a"} ${action} ${why}`);
  };
  switch (action) {
    case "create":
      if (before !== undefined) fail("cannot have a before state");
      if (after === undefined) fail("needs an after state");
      break;
    case "delete":
      if (after !== undefined) fail("cannot have an after state");
      if (before === undefined) fail("needs a before state");
      break;
    case "update":
      if (before === undefined || after === undefined) fail("needs both before and after");
      if (change.diff.length === 0) fail("needs at least one attribute diff");
      break;
    case "replace":
      if (before === undefined || after === undefined) fail("needs both before and after");
      if (!change.forcedBy || change.forcedBy.length === 0) fail("needs the attributes that force it");
      if (!change.replaceOrder) fail("needs a replacement order");
      break;
    case "noop":
      if (change.diff.length > 0) fail("cannot have attribute diffs");
      break;
  }
  if (change.finishAfter !== undefined && action !== "replace") fail("cannot have a second phase");
  if (change.arriving !== undefined && action !== "noop") fail("cannot be waited for as arriving");
  return {
    ...change,
    dependsOn: [...new Set(change.dependsOn)].sort(),
    ...(change.finishAfter !== undefined ? { finishAfter: [...new Set(change.finishAfter)].sort() } : {}),
  };
}

export function summarize(changes: readonly ResourceChange[]): PlanSummary {
  const summary: PlanSummary = { create: 0, update: 0, replace: 0, delete: 0 };
  let imports = 0;
  for (const c of changes) {
    if (c.action !== "noop") summary[c.action]++;
    if (c.importId !== undefined) imports++;
  }
  return imports > 0 ? { ...summary, import: imports } : summary;
}

export function hasChanges(plan: Plan): boolean {
  return plan.changes.some((c) => c.action !== "noop");
}

/** True when apply has something to do: a change, or a kept object to wait for. */
export function hasWork(plan: Plan): boolean {
  return plan.changes.some((c) => c.action !== "noop" || c.arriving !== undefined);
}

/** Reads a saved plan, refusing another format version and naming both. */
export function parsePlan(text: string, source = "plan file"): Plan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PlanFormatError(`${source} is not JSON`, (error as Error).message);
  }
  if (typeof value !== "object" || value === null) throw new PlanFormatError(`${source} is not a plan document`);
  const doc = value as Partial<Plan>;
  if (doc.formatVersion !== PLAN_FORMAT_VERSION) {
    throw new PlanFormatError(
      `${source} has plan format version ${JSON.stringify(doc.formatVersion)}; this hyperplan reads version ${PLAN_FORMAT_VERSION}: make the plan again with \`hyperplan plan --out\``,
    );
  }
  if (typeof doc.stack !== "string" || typeof doc.backend !== "string" || typeof doc.endpoint !== "string" || typeof doc.liveFingerprint !== "string") {
    throw new PlanFormatError(`${source} lacks stack, backend, endpoint or liveFingerprint`);
  }
  if (doc.mode !== "plan" && doc.mode !== "destroy") throw new PlanFormatError(`${source} has an unknown mode ${JSON.stringify(doc.mode)}`);
  if (!Array.isArray(doc.changes)) throw new PlanFormatError(`${source} has no changes array`);
  const changes = doc.changes.map((c, i) => {
    if (typeof c !== "object" || c === null || typeof c.address !== "string" || !isAction(c.action)) {
      throw new PlanFormatError(`${source}: change #${i} is malformed`);
    }
    if (c.finishAfter !== undefined && (!Array.isArray(c.finishAfter) || c.finishAfter.some((a) => typeof a !== "string"))) {
      throw new PlanFormatError(`${source}: change #${i} (${c.address}) has a malformed finishAfter`);
    }
    return makeChange({ ...c, diff: Array.isArray(c.diff) ? c.diff : [], dependsOn: Array.isArray(c.dependsOn) ? c.dependsOn : [] });
  });
  return { ...(doc as Plan), changes, summary: summarize(changes) };
}

/** The plan as the JSON text `--out` writes and `--json` prints: stable key order. */
export function serializePlan(plan: Plan): string {
  return `${JSON.stringify(sortKeys(plan), null, 2)}\n`;
}
