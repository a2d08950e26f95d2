/**
 * diffStack: DesiredState × LiveState → one ResourceChange per address. Pure: no I/O, no clock, no
 * randomness; the same inputs give the same changes, byte for byte.
 *
 * - Declared, not live → `create`: every declared attribute is a diff line without `before`, so
 *   renderers treat creates like updates; attributes known only after apply are UNKNOWN.
 * - Live, not declared → `delete`.
 * - Both → the attribute differences, each classified by the provider's rules; the resource's action
 *   is the worst impact among them (`replace` → replace, anything else → update, none → noop).
 *
 * Resources are visited in dependency order, so that when a resource is created or replaced, the
 * resources referring to it already know its id will change: a reference to it differs (`renewed`)
 * and a variable holding one of its attributes becomes UNKNOWN.
 *
 * Attributes known after apply (a context variable holding `db.ipAddress`): on a create they are
 * UNKNOWN. On an update they resolve against the live value of the referenced object (the provider
 * reports it in `values`): equal to the live variable → no diff; different → a diff to the live
 * value; the referenced object created or replaced by this plan → a diff to UNKNOWN; the live value
 * not reported → no diff unless the variable is missing live.
 *
 * Secrets compare by value; every diff line carrying one is `sensitive` and shows `(sensitive)` in
 * place of both values. The change's `after` keeps the declared values (apply needs them).
 */
import type { AttributeDiff, ResourceChange } from "../core/plan.js";
import { makeChange } from "../core/plan.js";
import { worstImpact, type Impact, type ReplaceOrder, type ReplaceOrderSource } from "../core/action.js";
import { Graph } from "../graph.js";
import { HyperplanError } from "../errors.js";
import type { AttributeRef, DesiredResource, DesiredState } from "../resources/desired-state.js";
import type { CompareEnv, RawDiff, Resolution } from "./compare.js";
import { compareResource } from "./compare-kinds.js";
import { effectiveProps } from "./effective.js";
import { fieldTables } from "./fields.js";
import { LiveStateError, indexLiveState, liveStatusOf, type LiveResource, type LiveState, type LiveStatus } from "./live-state.js";
import { ignoredBy } from "./ignore.js";
import { classify, DiffError, kindRulesOf, type AttributeContext, type Claim, type ClaimLookup, type DiffRules, type KindRules } from "./rules.js";
import { asRecord, displayText } from "./values.js";

export interface DiffOptions {
  /** Replacement orders asked for by the user, by address (source `user`). */
  replaceOrders?: { [address: string]: ReplaceOrder };
  /** Addresses whose live object is replaced whatever the diff says (`--replace`, Terraform's `-replace`). */
  replace?: readonly string[];
}

export { DiffError };

/** One resource's change with what the plan builder needs beside it. */
export interface DiffEntry {
  change: ResourceChange;
  desired?: DesiredResource;
  live?: LiveResource;
  /**
   * Addresses the declared object uses once built: its `dependsOn` and every reference in its
   * effective props (a VM uses the images and networks it inherits from its template).
   */
  uses: string[];
  /** Claims the declared object will hold, and the ones the live object holds. */
  claims: { desired: Claim[]; live: Claim[] };
}

export function diffStack(desired: DesiredState, live: LiveState, rules: DiffRules, options: DiffOptions = {}): ResourceChange[] {
  return analyseStack(desired, live, rules, options).map((e) => e.change);
}

/** The changes of every declared or live address, sorted by address. */
export function analyseStack(desired: DesiredState, live: LiveState, rules: DiffRules, options: DiffOptions = {}): DiffEntry[] {
  if (desired.stack !== live.stack) {
    throw new DiffError("STACK_MISMATCH", `the declaration is stack "${desired.stack}" but the live state was read for stack "${live.stack}"`);
  }
  const liveByAddress = indexLiveState(live);
  const desiredByAddress = new Map<string, DesiredResource>();
  for (const r of desired.resources) {
    if (desiredByAddress.has(r.address)) throw new DiffError("DUPLICATE_ADDRESS", "is declared twice", r.address);
    desiredByAddress.set(r.address, r);
  }

  const renewed = new Set<string>();
  const resolve = (ref: AttributeRef): Resolution => {
    if (renewed.has(ref.ref)) return { state: "renewed" };
    const target = liveByAddress.get(ref.ref);
    if (!target) return desiredByAddress.has(ref.ref) ? { state: "renewed" } : { state: "unreported" };
    if (ref.attr === "id" && (typeof target.id === "string" || typeof target.id === "number")) return { state: "known", value: target.id };
    const value = asRecord(target.values)[ref.attr];
    return typeof value === "string" || typeof value === "number" ? { state: "known", value } : { state: "unreported" };
  };

  const declaredLookup: ClaimLookup = (address) => desiredByAddress.get(address);
  const liveLookup: ClaimLookup = (address) => liveByAddress.get(address);

  // Each declared resource's effective props and the addresses it uses, worked out once.
  const effective = new Map<string, { props: Record<string, unknown>; uses: string[] }>();
  for (const [address, d] of desiredByAddress) {
    const props = effectiveProps(d, desiredByAddress, rules);
    effective.set(address, { props, uses: usesOf(d, props) });
  }

  // A moved construct keeps the object at its former address, when nothing lives at its new one yet
  // and nothing declared claims the former one.
  const moves = new Map<string, string>();
  for (const [address, d] of desiredByAddress) {
    const from = d.lifecycle?.movedFrom;
    if (from === undefined || from === address || liveByAddress.has(address) || !liveByAddress.has(from)) continue;
    if (desiredByAddress.has(from)) throw new DiffError("MOVE_CONFLICT", `is moved from ${from}, which is still declared: a former address must no longer be declared`, address);
    const taken = [...moves].find(([, f]) => f === from);
    if (taken) throw new DiffError("MOVE_CONFLICT", `is moved from ${from}, as ${taken[0]} is: one object can move to one address`, address);
    if (rules.cannotMove !== undefined) throw new DiffError("MOVE_UNSUPPORTED", `is moved from ${from}, but ${rules.cannotMove}`, address);
    const live = liveByAddress.get(from)!;
    if (live.kind !== d.kind) throw new DiffError("MOVE_CONFLICT", `is a ${d.kind} moved from ${from}, which is a ${live.kind}`, address);
    moves.set(address, from);
  }

  // A declaration's importId adopts the object read by that id, when the stack owns none at its
  // address yet: it is compared as the declaration's live object (and references resolve to it).
  const adopted = adoptions(desiredByAddress, liveByAddress, live, rules);
  for (const [address, l] of adopted) liveByAddress.set(address, l);

  const entries: DiffEntry[] = [];
  for (const address of dependencyOrder(effective)) {
    const d = desiredByAddress.get(address)!;
    const movedFrom = moves.get(address);
    const l = movedFrom !== undefined ? { ...liveByAddress.get(movedFrom)!, address } : liveByAddress.get(address);
    const kindRules = kindRulesOf(rules, d.kind, address);
    const { props, uses } = effective.get(address)!;
    const desiredClaims = claimsOf(kindRules, d.name, props, declaredLookup, d.kind);
    if (!l) {
      renewed.add(address);
      entries.push({ change: createChange(d, props, rules, resolve, renewed), desired: d, uses, claims: { desired: desiredClaims, live: [] } });
      continue;
    }
    if (l.kind !== d.kind) {
      throw new LiveStateError(`is declared as ${d.kind} but the live object with this address (id ${displayText(l.id)}) is ${displayText(l.kind)}`, address);
    }
    const liveClaims = claimsOf(kindRules, l.name, l.props, liveLookup, l.kind);
    const updated = updateChange(d, props, l, rules, options, resolve, renewed, { desired: desiredClaims, live: liveClaims });
    const change = movedFrom !== undefined ? movedChange(updated, movedFrom) : adopted.has(address) ? importChange(updated, l.id) : updated;
    if (change.action === "replace") renewed.add(address);
    entries.push({ change, desired: d, live: l, uses, claims: { desired: desiredClaims, live: liveClaims } });
  }
  const movedAway = new Set(moves.values());
  for (const [address, l] of liveByAddress) {
    if (desiredByAddress.has(address) || movedAway.has(address)) continue;
    const liveRules = kindRulesOf(rules, l.kind, address);
    const reason = l.duplicateOf
      ? `a second object carrying the address ${l.duplicateOf.address} (the oldest, id ${l.duplicateOf.keptId}, keeps it): deleted through ${liveRules.deleteOperation}`
      : `no longer declared: deleted through ${liveRules.deleteOperation}`;
    entries.push({
      change: deleteChange(l, rules, reason),
      live: l,
      uses: [],
      claims: { desired: [], live: claimsOf(liveRules, l.name, l.props, liveLookup, l.kind) },
    });
  }
  return entries.sort((a, b) => (a.change.address < b.change.address ? -1 : a.change.address > b.change.address ? 1 : 0));
}

/**
 * Declared addresses, each after the ones it uses: its `dependsOn` and the references in its effective
 * props (so the order holds even for a document whose `dependsOn` lists less than it refers to).
 */
function dependencyOrder(effective: ReadonlyMap<string, { uses: string[] }>): string[] {
  const graph = new Graph(effective.keys());
  for (const [address, { uses }] of effective) {
    for (const dep of uses) if (effective.has(dep)) graph.addEdge(address, dep);
  }
  return graph.topologicalOrder();
}

function usesOf(d: DesiredResource, props: Record<string, unknown>): string[] {
  const found = new Set<string>(Array.isArray(d.dependsOn) ? d.dependsOn : []);
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object" && v !== null) {
      const ref = (v as { ref?: unknown }).ref;
      if (typeof ref === "string") found.add(ref);
      else Object.values(v).forEach(walk);
    }
  };
  walk(props);
  found.delete(d.address);
  return [...found].sort();
}

function claimsOf(rules: KindRules, name: unknown, props: unknown, lookup: ClaimLookup, kind: string): Claim[] {
  const text = displayText(name);
  const named: Claim[] = rules.uniqueNames ? [{ key: `name:${kind}:${text}`, what: `the ${kindNoun(kind)} name "${text}"`, source: "kind-default" }] : [];
  return [...named, ...(rules.claims ? rules.claims({ name: text, props }, lookup) : [])];
}

/** `VmTemplate` → `VM template`, `SecurityGroup` → `security group`. */
export function kindNoun(kind: string): string {
  return kind.replace(/^Vm/, "VM ").replace(/([a-z])([A-Z])/g, "$1 $2").replace(/ ([A-Z])(?=[a-z])/g, (m) => m.toLowerCase()).replace(/^([A-Z])(?=[a-z])/, (m) => m.toLowerCase());
}

function compareEnv(rules: DiffRules, mode: "create" | "update", resolve: (r: AttributeRef) => Resolution, renewed: Set<string>, live?: LiveResource): CompareEnv {
  const aliases: { [path: string]: unknown[] } = {};
  for (const [path, list] of Object.entries(asRecord(live?.aliases))) if (Array.isArray(list)) aliases[path] = list;
  return { keyCase: rules.keyCase, backend: rules.backend, mode, renewed: (a) => renewed.has(a), resolve, aliases, fields: fieldTables(rules.fields) };
}

function toAttributeDiff(raw: RawDiff, impact: Impact, operation: string, effects: string[]): AttributeDiff {
  return {
    path: raw.path,
    ...(raw.before !== undefined ? { before: raw.before } : {}),
    ...(raw.after !== undefined ? { after: raw.after } : {}),
    impact,
    operation,
    ...(effects.length > 0 ? { effects } : {}),
    ...(raw.sensitive ? { sensitive: true } : {}),
    ...(raw.element ? { liveIndex: raw.element.liveIndex } : {}),
    ...(raw.renewed.length > 0 ? { renewed: [...raw.renewed] } : {}),
  };
}

function declaredAfter(d: DesiredResource): Record<string, unknown> {
  return { name: d.name, ...(d.props as unknown as Record<string, unknown>) };
}

/** The live object's values known only after apply (a VM's ip), for the stack's outputs. */
function liveValues(l: LiveResource): { values?: Record<string, string | number> } {
  const values: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(asRecord(l.values))) if (typeof v === "string" || typeof v === "number") values[k] = v;
  return Object.keys(values).length > 0 ? { values } : {};
}

/**
 * The live object as a change's `before`. A context variable the declaration calls secret is moved to
 * `secretVars` as a secret, so that every view masks it, whether or not the backend could tell.
 */
function liveBefore(l: LiveResource, declared?: Record<string, unknown>, keyCase: "exact" | "insensitive" = "exact"): Record<string, unknown> {
  const before: Record<string, unknown> = { name: l.name, ...asRecord(l.props) };
  const secret = Object.keys(asRecord(asRecord(declared?.context).secretVars));
  const context = asRecord(before.context);
  if (secret.length === 0 || Object.keys(asRecord(context.vars)).length === 0) return before;
  const norm = (k: string) => (keyCase === "insensitive" ? k.toUpperCase() : k);
  const wanted = new Set(secret.map(norm));
  const vars: Record<string, unknown> = {};
  const secretVars: Record<string, unknown> = { ...asRecord(context.secretVars) };
  for (const [k, v] of Object.entries(asRecord(context.vars))) {
    if (wanted.has(norm(k))) secretVars[k] = typeof v === "string" ? { secret: v } : v;
    else vars[k] = v;
  }
  return { ...before, context: { ...context, vars, secretVars } };
}

function createChange(
  d: DesiredResource,
  props: Record<string, unknown>,
  rules: DiffRules,
  resolve: (r: AttributeRef) => Resolution,
  renewed: Set<string>,
): ResourceChange {
  const kindRules = kindRulesOf(rules, d.kind, d.address);
  const operation = typeof kindRules.createOperation === "function" ? kindRules.createOperation(d) : kindRules.createOperation;
  const raw = compareResource(compareEnv(rules, "create", resolve, renewed), d.kind, { name: d.name, props }, { name: undefined, props: undefined });
  return makeChange({
    address: d.address,
    kind: d.kind,
    action: "create",
    after: declaredAfter(d),
    diff: raw.map((r) => toAttributeDiff(r, "in-place", operation, [])),
    dependsOn: [],
    reason: `declared, no live object: created through ${operation}`,
  });
}

function updateChange(
  d: DesiredResource,
  props: Record<string, unknown>,
  l: LiveResource,
  rules: DiffRules,
  options: DiffOptions,
  resolve: (r: AttributeRef) => Resolution,
  renewed: Set<string>,
  claims: { desired: Claim[]; live: Claim[] },
): ResourceChange {
  const kindRules = kindRulesOf(rules, d.kind, d.address);
  const status = liveStatusOf(l);
  const compared = compareResource(compareEnv(rules, "update", resolve, renewed, l), d.kind, { name: d.name, props }, { name: l.name, props: l.props });
  // What the declaration's ignoreChanges covers is left as it is, and said.
  const ignore = d.lifecycle?.ignoreChanges ?? [];
  const raw = compared.filter((r) => ignoredBy(ignore, r.path) === undefined);
  const ignored = compared.filter((r) => ignoredBy(ignore, r.path) !== undefined).map((r) => r.path);
  const leftAlone = ignored.length > 0 ? `; ignoreChanges leaves ${unique(ignored).join(", ")} as ${ignored.length === 1 ? "it is" : "they are"}` : "";
  const effective = { ...d, props } as unknown as DesiredResource;
  const contextOf = (r: RawDiff, powerCycle: boolean): AttributeContext => ({
    kind: d.kind,
    address: d.address,
    path: r.path,
    change: r.change,
    before: r.before,
    after: r.after,
    status,
    desired: effective,
    live: l,
    renewed: r.renewed.length > 0,
    ...(r.element ? { element: r.element } : {}),
    ...(powerCycle ? { powerCycle } : {}),
  });
  // Each attribute is classified alone, then again knowing whether the change power-cycles the object:
  // apply makes the other changes while it is off, and their effects must say so.
  const powerCycle = raw.some((r) => classify(kindRules, contextOf(r, false)).impact === "in-place-with-power-cycle");
  const replaceOn = d.lifecycle?.replaceOnChanges ?? [];
  const diff = raw.map((r) => {
    const forced = ignoredBy(replaceOn, r.path);
    const cls = forced !== undefined ? { impact: "replace" as const, operation: "replace", effects: [`replaceOnChanges names ${forced}: the object is made again`] } : classify(kindRules, contextOf(r, powerCycle));
    const renewal =
      r.renewed.length === 0 ? [] : [`${r.renewed.join(", ")} ${r.renewed.length === 1 ? "is" : "are"} created anew by this plan: the reference moves to the new object`];
    return toAttributeDiff(r, cls.impact, cls.operation, [...renewal, ...cls.effects]);
  });
  if (kindRules.failedStates?.(status.state)) {
    diff.unshift({
      path: "status",
      before: status.state,
      after: "healthy",
      impact: "replace",
      operation: "replace",
      effects: [`the live object is in ${status.state}${status.message ? ` (${status.message})` : ""}, which it cannot leave in place: it is replaced`],
    });
  }
  const base = {
    address: d.address,
    kind: d.kind,
    id: displayText(l.id),
    before: liveBefore(l, props, rules.keyCase),
    after: declaredAfter(d),
    diff,
    dependsOn: [],
    ...liveValues(l),
    ...(ignored.length > 0 ? { ignored: unique(ignored) } : {}),
  };
  const requested = options.replace?.includes(d.address) === true;
  if (diff.length === 0 && !requested) {
    const arriving = kindRules.arriving?.(status.state, props);
    if (arriving !== undefined) {
      return makeChange({ ...base, action: "noop", arriving, reason: `matches the declaration; still on its way to ${arriving} (now ${status.state}): apply waits for it` });
    }
    return makeChange({ ...base, action: "noop", reason: withStatus(`matches the declaration${leftAlone}`, status) });
  }

  const worst = requested ? "replace" : diff.map((x) => x.impact).reduce(worstImpact);
  if (worst !== "replace") {
    const cycled = unique(diff.filter((x) => x.impact === "in-place-with-power-cycle").map((x) => x.path));
    const paths = unique(diff.map((x) => x.path));
    const reason = `${paths.join(", ")} ${paths.length === 1 ? "changes" : "change"} in place${
      cycled.length > 0 ? `; ${cycled.join(", ")} ${cycled.length === 1 ? "needs" : "need"} a power cycle` : ""
    }${leftAlone}`;
    return makeChange({ ...base, action: "update", reason: withStatus(reason, status) });
  }
  const forcedBy = unique([...(requested ? [REPLACE_REQUESTED] : []), ...diff.filter((x) => x.impact === "replace").map((x) => x.path)]);
  // In a replacement every line is carried out by creating the new object: the in-place operations
  // and their side effects (a resize's power cycle) do not happen. `forcedBy` keeps which lines force it.
  const replaced = diff.map((x): AttributeDiff => {
    if (x.impact === "replace") return x;
    const { effects: _effects, ...rest } = x;
    return { ...rest, impact: "replace", operation: "replace" };
  });
  const order = decideReplaceOrder(kindRules, d, claims, options.replaceOrders?.[d.address] ?? (d.lifecycle?.deleteBeforeReplace ? "delete-before-create" : undefined));
  const orderText = order.order === "create-before-destroy" ? "the new object is created before the old one is deleted" : "the old object is deleted before the new one is created";
  return makeChange({
    ...base,
    diff: replaced,
    action: "replace",
    forcedBy,
    replaceOrder: order.order,
    replaceOrderSource: order.source,
    replaceOrderWhy: order.why,
    reason: withStatus(
      `${requested ? `replaced as asked with ${REPLACE_REQUESTED}${forcedBy.length > 1 ? `; ${forcedBy.slice(1).join(", ")} cannot change in place either` : ""}` : `${forcedBy.join(", ")} cannot change in place`}; ${orderText} (${order.why})${leftAlone}`,
      status,
    ),
  });
}

/**
 * A change of an object whose construct moved: its tag is rewritten first (the `address` line, through
 * `retag`), then the rest as planned. A replacement deletes the object under its former tag.
 */
function movedChange(change: ResourceChange, from: string): ResourceChange {
  const moved = `moved from ${from}`;
  if (change.action === "replace") return makeChange({ ...change, movedFrom: from, reason: `${moved}; ${change.reason}` });
  const retag: AttributeDiff = { path: "address", before: from, after: change.address, impact: "in-place", operation: "retag", effects: ["the object's ownership tag is rewritten in place: it keeps its id"] };
  return tagFirst(change, retag, moved, { movedFrom: from });
}

/**
 * The change as an update whose first line writes the object's ownership tag (`line`, the `address`
 * attribute), then the rest of what it planned; its reason says `why` first.
 */
function tagFirst(change: ResourceChange, line: AttributeDiff, why: string, marks: Pick<ResourceChange, "movedFrom" | "importId">): ResourceChange {
  return makeChange({
    ...change,
    ...marks,
    action: "update",
    diff: [line, ...change.diff],
    reason: change.action === "noop" ? `${why}; otherwise it matches the declaration` : `${why}; ${change.reason}`,
  });
}

/**
 * The objects the declarations' `importId`s adopt, by address, from the provider's readings; each
 * reading that forbids its import stops the plan with what to do instead. A declaration whose address
 * has an object already was imported before (the same id: nothing to adopt) or names another object.
 */
function adoptions(desiredByAddress: ReadonlyMap<string, DesiredResource>, liveByAddress: ReadonlyMap<string, LiveResource>, live: LiveState, rules: DiffRules): Map<string, LiveResource> {
  const readings = new Map((Array.isArray(live.imports) ? live.imports : []).map((r) => [r.address, r]));
  const adopted = new Map<string, LiveResource>();
  for (const [address, d] of desiredByAddress) {
    const id = d.lifecycle?.importId;
    if (id === undefined) continue;
    const noun = kindNoun(d.kind);
    const asked = `adopts ${noun} ${id} (importId)`;
    if (rules.cannotMove !== undefined) throw new DiffError("IMPORT_UNSUPPORTED", `${asked}, but ${rules.cannotMove}`, address);
    const owned = liveByAddress.get(address);
    if (owned) {
      if (String(owned.id) === id || owned.otherIds?.includes(id)) continue;
      throw new DiffError("IMPORT_CONFLICT", `${asked}, but the stack owns ${noun} ${displayText(owned.id)} at this address already: a resource stands for one object. Remove importId (or delete that object first)`, address);
    }
    const reading = readings.get(address);
    if (!reading || reading.id !== id) throw new DiffError("IMPORT_UNSUPPORTED", `${asked}, but the ${rules.backend} provider did not read that object`, address);
    switch (reading.state) {
      case "gone":
        throw new DiffError("IMPORT_NOT_FOUND", `${asked}, but ${live.endpoint} has no ${noun} with the id ${id}`, address);
      case "tagged": {
        const { tag } = reading;
        if (tag.stack === live.stack) {
          throw new DiffError("IMPORT_CONFLICT", `${asked}, but it is already stack "${tag.stack}"'s object at ${tag.address}: a renamed construct keeps it with \`moved: { from: "${tag.address}" }\` instead`, address);
        }
        throw new DiffError("IMPORT_CONFLICT", `${asked}, but it carries the tag of stack "${tag.stack}" (${tag.address}): an object another stack owns is never adopted; nothing was changed`, address);
      }
      case "found":
        if (reading.live.kind !== d.kind) throw new DiffError("IMPORT_CONFLICT", `${asked}, but object ${id} is a ${kindNoun(reading.live.kind)}`, address);
        adopted.set(address, { ...reading.live, address });
    }
  }
  return adopted;
}

/**
 * The change of an adopted object: the stack's tag written first (the `address` line, through the
 * provider's `retag`), then what differs from the declaration, in place. An import that would replace
 * the object is refused: the stack would delete what it was asked to adopt.
 */
function importChange(change: ResourceChange, id: string): ResourceChange {
  if (change.action === "replace") {
    throw new DiffError(
      "IMPORT_REPLACES",
      `adopts ${kindNoun(change.kind)} ${id} (importId), but ${(change.forcedBy ?? []).join(", ")} cannot change in place: adopting it would replace it. Declare what the object has, or drop importId and let the stack make its own`,
      change.address,
    );
  }
  const tag: AttributeDiff = { path: "address", after: change.address, impact: "in-place", operation: "import", effects: ["the stack's ownership tag is written on it: it keeps its id"] };
  return tagFirst(change, tag, `import of ${kindNoun(change.kind)} ${id}, which the stack did not own`, { importId: id });
}

/** What `forcedBy` names for a replacement asked for with `--replace`. */
export const REPLACE_REQUESTED = "--replace";

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

function withStatus(reason: string, status: LiveStatus): string {
  if (status.healthy) return reason;
  return `${reason}; the live object is in ${status.state}${status.message ? `: ${status.message}` : ""}`;
}

interface OrderDecision {
  order: ReplaceOrder;
  source: ReplaceOrderSource;
  why: string;
}

function decideReplaceOrder(kindRules: KindRules, d: DesiredResource, claims: { desired: Claim[]; live: Claim[] }, user: ReplaceOrder | undefined): OrderDecision {
  const overlap = claims.desired.filter((c) => claims.live.some((h) => h.key === c.key));
  const first = overlap[0];
  if (user !== undefined) {
    if (user === "create-before-destroy" && first) {
      throw new DiffError("REPLACE_ORDER", `cannot be replaced create-before-destroy as asked: ${first.what} is held by the old object until it is deleted`, d.address);
    }
    return { order: user, source: "user", why: "as asked" };
  }
  if (first) return { order: "delete-before-create", source: first.source, why: `${first.what} must be free before the new object takes it` };
  return { order: kindRules.replaceOrder, source: "kind-default", why: `the default for ${d.kind}` };
}

/** A delete of a live object, with the given reason. */
export function deleteChange(l: LiveResource, rules: DiffRules, reason: string): ResourceChange {
  return makeChange({
    address: l.address,
    kind: l.kind,
    action: "delete",
    id: displayText(l.id),
    before: liveBefore(l),
    diff: [],
    dependsOn: [],
    reason: withStatus(reason, liveStatusOf(l)),
  });
}

