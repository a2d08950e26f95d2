/**
 * DiffRules: how a backend carries out each attribute change. The diff finds WHAT differs; a provider
 * supplies, per kind, one ranked table saying HOW each attribute path changes (in place, with a power
 * cycle, or by replacing the object), by which named operation, and with which side effects a person
 * must read before approving. The first rule whose path matches wins.
 *
 * Path patterns, matched segment by segment against a diff path (`disks[2].size`, `context.vars.DB`):
 * - a name matches itself, `[3]` matches index 3;
 * - `*` matches any one name, `[*]` any one index;
 * - `**` matches everything that is left (one segment or more).
 */
import type { ReplaceOrder, ReplaceOrderSource, Impact } from "../core/action.js";
import type { DesiredResource, ResourceKind } from "../resources/desired-state.js";
import { HyperplanError } from "../errors.js";

/** The diff cannot compare what it was given (a kind the backend has no rules for, two stacks …). */
export class DiffError extends HyperplanError {
  constructor(code: string, summary: string, address?: string) {
    super(code, summary, address === undefined ? {} : { address });
  }
}
import type { LiveResource, LiveStatus } from "./live-state.js";
import { matchPath } from "../resources/property-path.js";
import type { BackendFills } from "./fields.js";

export { matchPath, pathSegments } from "../resources/property-path.js";

/** What happened to the value at a path. */
export type ChangeType = "add" | "remove" | "modify";

/** Everything a rule may look at to decide. */
export interface AttributeContext {
  kind: ResourceKind;
  address: string;
  path: string;
  change: ChangeType;
  before: unknown;
  after: unknown;
  /** The live object's status. */
  status: LiveStatus;
  /** The declaration, with a VM's template folded in (the effective props). */
  desired: DesiredResource;
  live: LiveResource;
  /** For a change inside a collection element (a disk, a NIC): the element and its other changed keys. */
  element?: { before: unknown; after: unknown; changedKeys: string[] };
  /** True when the value is a reference to an object this plan creates or replaces (a new id). */
  renewed: boolean;
  /**
   * True when another attribute of the same change needs a power cycle: apply then makes this change
   * while the object is powered off, and the effects must say so (not "hot-plugged into the running guest").
   */
  powerCycle?: boolean;
}

type Decide<T> = T | ((ctx: AttributeContext) => T);

/**
 * `Op`: the backend's operation names. A backend types its tables with its own union (OpenNebula's
 * `OneOperation`), so a rule can only name an operation its steps carry out.
 */
export interface AttributeRule<Op extends string = string> {
  /** Path pattern (see the file comment). */
  path: string;
  /** Only for this kind of change (attach vs detach); absent: any. */
  when?: ChangeType;
  impact: Decide<Impact>;
  /** The named operation that applies it (the backend's call name), or `replace`. */
  operation: Decide<Op | "replace">;
  /** Side effects a person must know before approving; an empty list is none. */
  effects?: Decide<string[]>;
}

/** Something only one object can hold at a time: a unique name, a fixed address lease. */
export interface Claim {
  key: string;
  /** For people: `the image name "debian"`, `the address 10.0.0.5 on lab/net`. */
  what: string;
  /** Where a delete-before-create forced by this claim comes from. */
  source: Exclude<ReplaceOrderSource, "user">;
}

/** Another object, declared or live, by address. */
export type ClaimLookup = (address: string) => { kind: ResourceKind; props: unknown } | undefined;

export interface KindRules {
  /** The ranked table; an attribute no rule names forces a replacement (the safe reading). */
  attributes: AttributeRule[];
  /** The kind's replacement order when nothing forces another one. */
  replaceOrder: ReplaceOrder;
  /** The operation a create uses, named on every line of a create. */
  createOperation: string | ((desired: DesiredResource) => string);
  /** The operation a delete uses. */
  deleteOperation: string;
  /**
   * The kinds whose live objects, while they use an object of this kind, make the backend refuse to
   * delete it (an image under a running VM). Users of other kinds only order the plan by convention.
   */
  deleteBlockedBy: readonly ResourceKind[];
  /**
   * True when the backend refuses two objects of this kind with one name for one owner: the name is
   * then a claim of its own (a replacement goes delete-first or under a temporary name), and a plan
   * that would create one under a name a foreign object holds warns.
   */
  uniqueNames?: boolean;
  /**
   * What the object holds exclusively beside a unique name; two objects holding the same claim cannot
   * exist together.
   * `lookup` finds another object of the same side (declared, or live) by address: what a VM holds can
   * depend on what it uses (a persistent image).
   */
  claims?: (resource: { name: string; props: unknown }, lookup: ClaimLookup) => Claim[];
  /**
   * States in which a live object cannot be brought to its declaration in place (a VM in
   * BOOT_FAILURE, an image in ERROR): the plan replaces it, the way Terraform replaces a tainted
   * resource, so a rerun after a failed apply converges.
   */
  failedStates?: (state: string) => boolean;
  /**
   * For a live object that matches its declaration: the state it is still heading for by itself (a VM
   * in PROLOG heading for RUNNING), or undefined when it is there.
   */
  arriving?: (state: string, declared: Record<string, unknown>) => string | undefined;
}

export interface DiffRules {
  /** The backend whose `raw` attributes the diff compares (`opennebula`). */
  backend: string;
  /**
   * Why the backend cannot rewrite an object's ownership mark in place, when it cannot (a mark in a
   * name no call changes): a construct's `moved` is then refused at plan time with this reason.
   */
  cannotMove?: string;
  /** How the backend keeps attribute names (free attributes, context variables, raw keys). */
  keyCase: "exact" | "insensitive";
  /** The fields the backend sets by itself when a declaration leaves them out (fields.ts); none when absent. */
  fields?: BackendFills;
  /**
   * How a VM made from one of the backend's VM templates carries the template's props (effective.ts).
   * Required when the backend has VM templates: a VM naming a template is refused without it.
   */
  templateMerge?: TemplateMerge;
  /** The kinds the backend supports; a declaration of another kind is refused (by its profile first). */
  kinds: { readonly [K in ResourceKind]?: KindRules };
}

/** A VM prop a template can give. */
type InheritedProp = "cpu" | "vcpu" | "memory" | "context" | "graphics" | "os" | "disks" | "nics" | "description" | "scheduling" | "attributes" | "raw";

/** How a VM made from a template carries the template's props: see effective.ts. */
export interface TemplateMerge {
  whole: readonly InheritedProp[];
  fields: readonly InheritedProp[];
  keys: readonly InheritedProp[];
}

/** The rules of `kind`, or a DiffError naming the backend that has none (its profile should have said so). */
export function kindRulesOf(rules: DiffRules, kind: ResourceKind, address: string): KindRules {
  const found = rules.kinds[kind];
  if (!found) throw new DiffError("KIND_UNSUPPORTED", `${kind} is not supported on ${rules.backend}`, address);
  return found;
}

/** A rule's decision for one attribute diff. */
export interface Classification {
  impact: Impact;
  operation: string;
  effects: string[];
}

const NO_RULE: Omit<Classification, "effects"> = { impact: "replace", operation: "replace" };

/** The first matching rule's decision; no rule: replace, with an effect saying so. */
export function classify(rules: KindRules, ctx: AttributeContext): Classification {
  for (const rule of rules.attributes) {
    if (rule.when !== undefined && rule.when !== ctx.change) continue;
    if (!matchPath(rule.path, ctx.path)) continue;
    const pick = <T>(d: Decide<T>): T => (typeof d === "function" ? (d as (c: AttributeContext) => T)(ctx) : d);
    return { impact: pick(rule.impact), operation: pick(rule.operation), effects: rule.effects === undefined ? [] : pick(rule.effects) };
  }
  return { ...NO_RULE, effects: [`no rule says how ${ctx.path} changes in place, so the object is replaced`] };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Appends a key to a path: `.KEY` when it reads as a name, `["odd.key"]` when not. */
export function joinKey(path: string, key: string): string {
  if (IDENTIFIER.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

export function joinIndex(path: string, index: number): string {
  return `${path}[${index}]`;
}
