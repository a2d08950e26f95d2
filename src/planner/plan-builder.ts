/**
 * buildPlan: the diff's changes, ordered into the Plan document. Pure, like the diff.
 *
 * Order (each change's `dependsOn` lists the changes it waits for):
 * - Creates, updates and replacements wait for the changes of what they reference (the declaration's
 *   `dependsOn`): an image before the VM that boots from it.
 * - Destroy order is the reverse of create order, read from the LIVE references: a change that stops
 *   a live object from using another (its delete, or an update or replacement that no longer refers to
 *   it) comes before the delete or replacement of the object it used. A VM is deleted before its image.
 *   Where the backend refuses to delete a used object (the rules' `deleteBlockedBy`) this order is
 *   required; elsewhere it is kept unless it contradicts a required order (a template that referred
 *   to a network being replaced need not go first).
 * - Something only one object can hold (a unique name, a fixed address: the rules' claims) is taken
 *   only after the change that frees it: an image renamed in code waits for the delete of the old one.
 * - A replacement carries its order inside the change (`replaceOrder`), decided by the diff.
 * Among changes ready together, addresses sort; `noop` changes stay in the document (so `show` can
 * list them) in declaration dependency order, waiting for nothing.
 *
 * - Replacing an object that objects changed by the plan still use, when their use makes the backend
 *   refuse its deletion, is done in two phases (`finishAfter`): the new object first (under a temporary
 *   name when names are unique), then the users move to it, then the old one is deleted.
 * Refused as impossible, with the way out in the message:
 * - replacing such an object while a user outside the targets, or one the plan keeps as it is, uses it;
 * - deleting such an object while a kept object still uses it that way;
 * - taking a claim that a kept object holds.
 *
 * `targets`: the plan is limited to those addresses (or construct paths: `lab/tier` covers
 * `lab/tier/web`) and what they depend on, transitively. In destroy mode, to those and everything
 * that uses them, since users must go first.
 */
import { HyperplanError } from "../errors.js";
import type { DesiredState } from "../resources/desired-state.js";
import { analyseStack, deleteChange, DiffError, kindNoun, type DiffEntry } from "../diff/diff-stack.js";
import { indexLiveState, type LiveResource, type LiveState } from "../diff/live-state.js";
import { kindRulesOf, type DiffRules } from "../diff/rules.js";
import type { ReplaceOrder } from "../core/action.js";
import { Graph } from "../graph.js";
import { PLAN_FORMAT_VERSION, makeChange, summarize, type Plan, type PlanWarning, type ResourceChange } from "../core/plan.js";

export interface BuildPlanInput {
  desired: DesiredState;
  live: LiveState;
  rules: DiffRules;
  mode: "plan" | "destroy";
  /** Limit the plan to these addresses (repeatable `--target`). */
  targets?: string[];
  /** Replacement orders the user asked for, by address. */
  replaceOrders?: { [address: string]: ReplaceOrder };
  /** Addresses to replace whatever the diff says (`--replace`); each must be a live object of the stack. */
  replace?: string[];
}

export class PlanBuildError extends HyperplanError {
  constructor(code: string, summary: string, address?: string) {
    super(code, summary, address === undefined ? {} : { address });
  }
}

export function buildPlan(input: BuildPlanInput): Plan {
  const { desired, live, rules, mode } = input;
  if (desired.backend !== undefined && desired.backend !== rules.backend) {
    throw new DiffError("BACKEND_MISMATCH", `the declaration was checked for ${desired.backend} but the live state comes from ${rules.backend}`);
  }
  if (desired.stack !== live.stack) {
    throw new DiffError("STACK_MISMATCH", `the declaration is stack "${desired.stack}" but the live state was read for stack "${live.stack}"`);
  }
  const changes = mode === "destroy" ? destroyChanges(input) : planChanges(input);
  refuseProtected(changes, desired, mode);
  const warnings = mode === "destroy" ? [] : foreignFindings(changes, input.live, input.rules);
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    stack: live.stack,
    backend: rules.backend,
    endpoint: live.endpoint,
    liveFingerprint: live.fingerprint,
    mode,
    ...(input.targets && input.targets.length > 0 ? { targets: [...input.targets].sort() } : {}),
    ...(input.replace && input.replace.length > 0 ? { replace: [...new Set(input.replace)].sort() } : {}),
    changes,
    summary: summarize(changes),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/**
 * What a person must read before approving the creates: an object the stack does not own bears the
 * name of one it would create. Where names are unique (the backend's, or the stack's own rule where
 * names are its only mark of ownership) the plan refuses: the create would fail, or make a second
 * object the person may take for the first. Where they are not (VMs on most clouds) it may be the
 * stack's own object whose tags were removed by hand, which the plan would make twice: a warning.
 */
function foreignFindings(changes: readonly ResourceChange[], live: LiveState, rules: DiffRules): PlanWarning[] {
  const foreign = Array.isArray(live.foreign) ? live.foreign : [];
  const warnings: PlanWarning[] = [];
  const taken: PlanWarning[] = [];
  for (const change of changes) {
    if (change.action !== "create") continue;
    const name = (change.after as { name?: unknown } | undefined)?.name;
    for (const f of foreign.filter((o) => o.kind === change.kind && o.name === name)) {
      const noun = kindNoun(change.kind);
      const whose = f.stack !== undefined ? `it belongs to stack "${f.stack}"` : (f.why ?? "it carries no hyperplan ownership tag");
      const shown = f.cloudName !== undefined && f.cloudName !== f.name ? ` (named "${f.cloudName}" on the cloud)` : "";
      const remedy = f.remedy ?? `rename or remove the other one, or adopt it: \`importId: "${f.id}"\` on the declaration (or \`hyperplan import ${change.address} ${f.id}\`)`;
      if (rules.kinds[change.kind as keyof DiffRules["kinds"]]?.uniqueNames) {
        taken.push({
          address: change.address,
          message: `the ${noun} name "${f.name}" is taken by ${noun} id ${f.id}${shown}, which stack "${live.stack}" does not own (${whose}); names of this kind are unique, so the plan will not create another beside it. Give the declared one another name (its name prop), or ${remedy}`,
        });
      } else {
        warnings.push({
          address: change.address,
          message: `a ${noun} named "${f.name}" already exists (id ${f.id})${shown} that stack "${live.stack}" does not own (${whose}): if it is this stack's ${noun} whose ownership tags were removed by hand, this plan makes a second one. Give the declared one another name (its name prop), or ${remedy}`,
        });
      }
    }
  }
  if (taken.length > 0) {
    const [first, ...rest] = taken;
    const more = rest.length > 0 ? `; and ${rest.map((t) => `${t.address}: ${t.message}`).join("; ")}` : "";
    throw new PlanBuildError("NAME_TAKEN", `${first!.message}${more}`, first!.address);
  }
  return warnings;
}

/**
 * `protect: true`: a plan that would delete or replace a protected object is refused, each one named
 * with what forces it. A duplicate of it (`~duplicate-<id>`) is another object and may go.
 */
function refuseProtected(changes: readonly ResourceChange[], desired: DesiredState, mode: "plan" | "destroy"): void {
  const declared = new Map(desired.resources.map((r) => [r.address, r]));
  const problems: { address: string; message: string }[] = [];
  for (const change of changes) {
    if (change.action !== "delete" && change.action !== "replace") continue;
    if (declared.get(change.address)?.lifecycle?.protect !== true) continue;
    const id = change.id !== undefined ? ` (id ${change.id})` : "";
    problems.push({
      address: change.address,
      message:
        change.action === "replace"
          ? `is protected (protect: true), but this plan would replace it${id}: ${(change.forcedBy ?? []).join(", ")} cannot change in place. Put the declaration back, or remove protect first if the replacement is meant`
          : `is protected (protect: true), but this ${mode === "destroy" ? "destroy" : "plan"} would delete it${id}. Remove protect from its declaration first if it is meant to go${mode === "destroy" ? ", or destroy the rest with --target" : ""}`,
    });
  }
  if (problems.length === 0) return;
  const [first, ...rest] = problems;
  const more = rest.length > 0 ? `; and ${rest.map((p) => `${p.address} ${p.message}`).join("; ")}` : "";
  throw new PlanBuildError("PROTECTED", `${first!.message}${more}`, first!.address);
}

/** True when `target` names `address` or a construct path above it. */
function covers(target: string, address: string): boolean {
  const t = target.endsWith("/") ? target.slice(0, -1) : target;
  return address === t || address.startsWith(`${t}/`);
}

function matchTargets(targets: readonly string[], addresses: readonly string[]): string[] {
  const matched = new Set<string>();
  for (const target of targets) {
    const hits = addresses.filter((a) => covers(target, a));
    if (hits.length === 0) {
      throw new PlanBuildError("UNKNOWN_TARGET", `the target ${JSON.stringify(target)} matches no declared or live resource of the stack`);
    }
    for (const h of hits) matched.add(h);
  }
  return [...matched];
}

// ---------------------------------------------------------------------------------------------
// plan mode

/** The wait edges of a plan, each with why, for people when the edges cannot be ordered. */
class WaitEdges {
  readonly graph: Graph;
  private readonly why = new Map<string, string>();
  private readonly soft: { node: string; dep: string; why: string }[] = [];

  constructor(nodes: Iterable<string>) {
    this.graph = new Graph(nodes);
  }

  /** A required order: `node` cannot start before `dep` is done. */
  hard(node: string, dep: string, why: string): void {
    if (node === dep) return;
    this.graph.addEdge(node, dep);
    if (!this.why.has(`${node}\n${dep}`)) this.why.set(`${node}\n${dep}`, why);
  }

  /** An order kept only where it contradicts no required one. */
  convention(node: string, dep: string, why: string): void {
    if (node !== dep) this.soft.push({ node, dep, why });
  }

  /** Checks the required orders, then adds the conventional ones that fit, in a stable order. */
  settle(): Graph {
    const cycle = this.graph.findCycle();
    if (cycle) {
      const steps = cycle.slice(0, -1).map((node, i) => `${node} waits for ${cycle[i + 1]!} (${this.why.get(`${node}\n${cycle[i + 1]!}`)})`);
      throw new PlanBuildError("PLAN_CYCLE", `the changes cannot be ordered: ${steps.join("; ")}`, cycle[0]);
    }
    const sorted = [...this.soft].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : a.dep < b.dep ? -1 : a.dep > b.dep ? 1 : 0));
    for (const { node, dep, why } of sorted) {
      if (this.graph.transitiveDependencies(dep).has(node)) continue;
      this.hard(node, dep, why);
    }
    return this.graph;
  }
}

function planChanges(input: BuildPlanInput): ResourceChange[] {
  const entries = analyseStack(input.desired, input.live, input.rules, {
    ...(input.replaceOrders ? { replaceOrders: input.replaceOrders } : {}),
    ...(input.replace ? { replace: input.replace } : {}),
  });
  for (const address of input.replace ?? []) {
    const entry = entries.find((e) => e.change.address === address);
    if (!entry || !entry.live || !entry.desired) {
      const why = !entry ? "matches no declared or live resource of the stack" : !entry.live ? "has no live object yet: it is created anyway" : "is no longer declared: it is deleted anyway";
      throw new PlanBuildError("UNKNOWN_REPLACE", `--replace ${address}: ${why}`, address);
    }
  }
  const byAddress = new Map(entries.map((e) => [e.change.address, e]));
  const scope = planScope(input.targets, byAddress);
  const inScope = (address: string) => scope.has(address);
  const action = (address: string) => byAddress.get(address)?.change.action;

  const edges = new WaitEdges(scope);
  const orderOnly: [string, string][] = [];
  /** Replacements done in two phases, with the users that move between them. */
  const split = new Map<string, string[]>();

  // Create order: after the changes of what the declaration uses. A new object (create, replace)
  // needs what it uses in its declared state; an update needs the objects it newly refers to. An
  // update after another update is only a convention.
  for (const address of scope) {
    const e = byAddress.get(address)!;
    const a = e.change.action;
    for (const dep of declaredDeps(e)) {
      if (!inScope(dep) || dep === address) continue;
      const depAction = action(dep);
      const depNew = depAction === "create" || depAction === "replace";
      if ((a === "create" || a === "replace") && (depNew || depAction === "update")) {
        edges.hard(address, dep, `it is built from what ${dep} becomes`);
      } else if (a === "update" && depNew) {
        edges.hard(address, dep, `it refers to the new ${dep}`);
      } else if (a === "update" && depAction === "update") {
        edges.convention(address, dep, `${dep} is updated first by convention`);
      } else {
        // No wait, but the listing still shows a resource after what it uses.
        orderOnly.push([address, dep]);
      }
    }
  }

  // Destroy order: users let go before what they used is deleted or replaced. Required where the
  // backend refuses to delete a used object; a convention otherwise.
  for (const user of byAddress.values()) {
    if (!user.live) continue;
    const userAddress = user.change.address;
    for (const used of liveDeps(user.live)) {
      if (used === userAddress || !inScope(used)) continue;
      const usedEntry = byAddress.get(used);
      if (!usedEntry) continue;
      const usedAction = usedEntry.change.action;
      if (usedAction !== "delete" && usedAction !== "replace") continue;
      const blocking = (input.rules.kinds[usedEntry.change.kind as keyof DiffRules["kinds"]]?.deleteBlockedBy ?? []).includes(
        user.change.kind as keyof DiffRules["kinds"],
      );
      const userAction = inScope(userAddress) ? user.change.action : undefined;
      const stillUses =
        userAction !== "delete" && (userAction === undefined || userAction === "noop" || (usedAction === "replace" && declaredDeps(user).includes(used)));
      if (!stillUses) {
        const why = userAction === "delete" ? `${userAddress}, which uses it, is deleted first` : `${userAddress} stops using it first`;
        if (blocking) edges.hard(used, userAddress, `${why}: the backend refuses to delete it while used`);
        else edges.convention(used, userAddress, why);
      } else if (blocking && usedAction === "replace" && (userAction === "update" || userAction === "replace")) {
        // The user moves to the new object in this plan: replace in two phases around it.
        split.set(used, [...(split.get(used) ?? []), userAddress]);
      } else if (blocking) {
        throw blocked(usedEntry, user, userAction === undefined);
      }
    }
  }
  for (const [used, users] of split) {
    const e = byAddress.get(used)!;
    const names = users.sort().join(", ");
    e.change = {
      ...e.change,
      replaceOrder: "create-before-destroy",
      replaceOrderSource: "dependency",
      replaceOrderWhy: `${names} ${users.length === 1 ? "uses" : "use"} it and the backend refuses to delete it while used`,
      finishAfter: users,
      reason: `${(e.change.forcedBy ?? []).join(", ")} cannot change in place, and ${names} ${users.length === 1 ? "uses" : "use"} it: the new one is created first${
        e.claims.desired.length > 0 ? " under a temporary name" : ""
      }, ${names} ${users.length === 1 ? "moves" : "move"} to it, then the old one is deleted${e.claims.desired.length > 0 ? " and the new one renamed" : ""}`,
    };
  }

  addClaimEdges(byAddress, scope, edges);
  return ordered(edges.settle(), orderOnly, (address) => byAddress.get(address)!.change);
}

/** What the declared object uses once built (its template's images and networks included). */
function declaredDeps(e: DiffEntry): string[] {
  return e.uses;
}

function liveDeps(l: LiveResource): string[] {
  return Array.isArray(l.dependsOn) ? l.dependsOn.filter((d): d is string => typeof d === "string") : [];
}

function planScope(targets: readonly string[] | undefined, byAddress: ReadonlyMap<string, DiffEntry>): Set<string> {
  if (!targets || targets.length === 0) return new Set(byAddress.keys());
  const scope = new Set<string>();
  const stack = matchTargets(targets, [...byAddress.keys()]);
  while (stack.length > 0) {
    const address = stack.pop()!;
    if (scope.has(address)) continue;
    const e = byAddress.get(address);
    if (!e) continue;
    scope.add(address);
    for (const dep of declaredDeps(e)) stack.push(dep);
  }
  return scope;
}

function describe(e: DiffEntry): string {
  return e.change.id !== undefined ? `${e.change.address} (id ${e.change.id})` : e.change.address;
}

function blocked(used: DiffEntry, user: DiffEntry, outsideTargets: boolean): PlanBuildError {
  const kind = used.change.kind;
  const refusal = `the backend refuses to delete ${/^[AEIOU]/.test(kind) ? "an" : "a"} ${kind} that is in use`;
  if (outsideTargets) {
    return new PlanBuildError(
      used.change.action === "replace" ? "REPLACE_BLOCKED" : "DELETE_BLOCKED",
      `must be ${used.change.action === "replace" ? "replaced" : "deleted"}, but ${describe(user)} uses it and is not among the targets (${refusal}); add ${user.change.address} to the targets`,
      used.change.address,
    );
  }
  if (used.change.action === "delete") {
    return new PlanBuildError(
      "DELETE_BLOCKED",
      `is no longer declared, but ${describe(user)} still uses it and the plan keeps it as it is (${refusal}); remove the use from ${user.change.address}'s declaration first`,
      used.change.address,
    );
  }
  return new PlanBuildError(
    "REPLACE_BLOCKED",
    `must be replaced (forced by ${(used.change.forcedBy ?? []).join(", ")}), but ${describe(user)} keeps using it: the old ${kind} cannot be deleted before its users let go of it (${refusal}), and they need the new one to exist first. Declare the new ${kind} under another id, point ${user.change.address} at it, and remove the old one once nothing uses it`,
    used.change.address,
  );
}

function addClaimEdges(byAddress: ReadonlyMap<string, DiffEntry>, scope: ReadonlySet<string>, edges: WaitEdges): void {
  const holders = new Map<string, DiffEntry[]>();
  for (const e of byAddress.values()) {
    for (const claim of e.claims.live) {
      const list = holders.get(claim.key) ?? [];
      list.push(e);
      holders.set(claim.key, list);
    }
  }
  const declaredBy = new Map<string, string>();
  for (const e of byAddress.values()) {
    for (const claim of e.claims.desired) {
      const other = declaredBy.get(claim.key);
      if (other !== undefined && other !== e.change.address) {
        throw new PlanBuildError("CLAIM_CONFLICT", `declares ${claim.what}, which ${other} declares too`, e.change.address);
      }
      declaredBy.set(claim.key, e.change.address);
    }
  }
  for (const address of scope) {
    const e = byAddress.get(address)!;
    const a = e.change.action;
    if (a !== "create" && a !== "update" && a !== "replace") continue;
    for (const claim of e.claims.desired) {
      for (const holder of holders.get(claim.key) ?? []) {
        const h = holder.change.address;
        if (h === address) continue;
        const hAction = scope.has(h) ? holder.change.action : undefined;
        const frees = hAction === "delete" || ((hAction === "update" || hAction === "replace") && !holder.claims.desired.some((c) => c.key === claim.key));
        if (!frees) {
          const where = hAction === undefined ? ", is not among the targets" : "";
          throw new PlanBuildError("CLAIM_CONFLICT", `needs ${claim.what}, but ${describe(holder)} holds it${where} and keeps it in this plan`, address);
        }
        edges.hard(address, h, `${claim.what} is freed by ${h} first`);
      }
    }
  }
}

/**
 * The changes in a stable topological order with their `dependsOn`. The wait graph must be acyclic
 * (a cycle is reported with its addresses); the extra ordering of noop changes is dropped if it would
 * make a cycle, since it is only for reading.
 */
function ordered(wait: Graph, orderOnly: readonly [string, string][], changeOf: (address: string) => ResourceChange): ResourceChange[] {
  wait.assertAcyclic();
  // The listing order also places noop changes after what they use; those edges are for reading only.
  const view = new WaitEdges(wait.nodes);
  for (const node of wait.nodes) for (const dep of wait.dependenciesOf(node)) view.hard(node, dep, "");
  for (const [node, dep] of orderOnly) view.convention(node, dep, "");
  const order = view.settle().topologicalOrder();
  return order.map((address) => makeChange({ ...changeOf(address), dependsOn: wait.dependenciesOf(address) }));
}

// ---------------------------------------------------------------------------------------------
// destroy mode

function destroyChanges(input: BuildPlanInput): ResourceChange[] {
  const liveByAddress = indexLiveState(input.live);
  const users = new Map<string, string[]>();
  for (const l of liveByAddress.values()) {
    for (const used of liveDeps(l)) {
      if (used === l.address || !liveByAddress.has(used)) continue;
      users.set(used, [...(users.get(used) ?? []), l.address]);
    }
  }
  let scope: Set<string>;
  if (input.targets && input.targets.length > 0) {
    const declared = input.desired.resources.map((r) => r.address);
    const known = [...new Set([...liveByAddress.keys(), ...declared])];
    const stack = matchTargets(input.targets, known).filter((a) => liveByAddress.has(a));
    scope = new Set();
    while (stack.length > 0) {
      const address = stack.pop()!;
      if (scope.has(address)) continue;
      scope.add(address);
      for (const user of users.get(address) ?? []) stack.push(user);
    }
  } else {
    scope = new Set(liveByAddress.keys());
  }
  const wait = new Graph(scope);
  const changes = new Map<string, ResourceChange>();
  for (const address of scope) {
    const l = liveByAddress.get(address)!;
    changes.set(address, deleteChange(l, input.rules, `destroy: deleted through ${kindRulesOf(input.rules, l.kind, address).deleteOperation}`));
    // Reverse dependency order: the object waits for every user of it to be deleted first.
    for (const user of users.get(address) ?? []) if (scope.has(user)) wait.addEdge(address, user);
  }
  return ordered(wait, [], (address) => changes.get(address)!);
}
