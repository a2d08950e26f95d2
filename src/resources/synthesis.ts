/**
 * Validation and synthesis of one stack: from constructs to a DesiredState, or to the complete list
 * of what is wrong with them.
 *
 * Order of work: ids; each resource's props through its JSON schema; references (existence, kind,
 * stack); each kind's cross-field checks; whole-stack checks (names, secrets, reserved keys, fixed
 * IPs, cycles); outputs; validations added with `node.addValidation`. Nothing stops early: every
 * check that can run does, so one run reports every mistake.
 *
 * The one staging: a kind's cross-field checks rely on the types the schema guarantees, so for a
 * resource whose props fail the schema they run only on the list elements that passed it, and
 * checks across resources only look at top-level props that passed it. A resource-wide rule such
 * as "memory is required without a template" is thus reported once the schema errors are fixed.
 */
import type { IConstruct } from "constructs";
import { Graph } from "../graph.js";
import { idProblem, nameProblem } from "./address.js";
import { ATTRIBUTE_MARKER_PREFIX } from "./attribute.js";
import { enclosingStack, isAppLike, isOutputLike, isResourceLike, isStackLike } from "./brands.js";
import { sortKeys } from "./canonical-json.js";
import {
  DESIRED_STATE_FORMAT_VERSION,
  type DesiredOutput,
  type DesiredResource,
  type DesiredState,
  type ResourceKind,
} from "./desired-state.js";
import type { CheckContext, KindDefinition, ResourceView } from "./kind-definition.js";
import { constructAddress, toInput, type FoundReference } from "./prop-input.js";
import type { Resource } from "./resource.js";
import { attributeRef, description, object, type JsonSchema } from "./schema-parts.js";
import { checkSchema, joinPath, type SchemaProblem } from "./schema-validator.js";
import { unsupportedPaths, type BackendProfile } from "./backend-profile.js";
import { isPlainObject, scanForSecrets } from "./secret-scan.js";
import type { StackOutput } from "./stack-output.js";
import { sortIssues, type ValidationIssue, type ValidationRule } from "./validation-issue.js";

export interface StackAnalysis {
  name: string;
  /** Sorted; empty when the stack is valid. */
  issues: ValidationIssue[];
  /** What is not wrong but will not do what it seems to (a raw section for another backend), sorted. */
  warnings: ValidationIssue[];
  /** Present exactly when `issues` is empty. */
  state: DesiredState | undefined;
}

export interface AnalyseOptions {
  /**
   * The profile of the backend the stack is for: its kinds, properties, unique names and own rules are
   * checked too, and the DesiredState records the backend. Without one, only what every backend
   * shares is checked.
   */
  profile?: BackendProfile;
}

interface StackLike extends IConstruct {
  readonly rawId: string;
  readonly description: string | undefined;
}

interface Entry {
  resource: Resource;
  definition: KindDefinition<Record<string, unknown>, unknown>;
  address: string;
  input: Record<string, unknown>;
  references: FoundReference[];
  /** The props passed the schema. */
  valid: boolean;
  /** Where the schema failed: whole top-level props, and single list elements (`disks[1]`). */
  failed: FailedParts;
  dependsOn: Set<string>;
}

interface FailedParts {
  /** The props are not an object at all. */
  root: boolean;
  keys: Set<string>;
  elements: Set<string>;
}

function failedParts(input: Record<string, unknown>, problems: readonly SchemaProblem[]): FailedParts {
  const failed: FailedParts = { root: false, keys: new Set(), elements: new Set() };
  for (const p of problems) {
    const [key, index] = p.pointer;
    if (typeof key !== "string") {
      // At the root: an unknown or missing key, named by the path; or props that are not an object.
      const top = /^[^.[]+/.exec(p.path)?.[0];
      if (top) failed.keys.add(top);
      else failed.root = true;
    } else if (typeof index === "number" && Array.isArray(input[key])) failed.elements.add(`${key}[${index}]`);
    else failed.keys.add(key);
  }
  return failed;
}

/** Which kind a reference must point at, by the key it sits under. */
const EXPECTED_KIND: Record<string, ResourceKind | "any"> = {
  image: "Image",
  network: "VirtualNetwork",
  securityGroups: "SecurityGroup",
  template: "VmTemplate",
  dependsOn: "any",
};

const ARTICLE: Record<ResourceKind, string> = {
  VirtualNetwork: "a VirtualNetwork",
  Image: "an Image",
  SecurityGroup: "a SecurityGroup",
  VmTemplate: "a VmTemplate",
  VirtualMachine: "a VirtualMachine",
};

/** The schema of a StackOutput's props. */
export const outputSchema: JsonSchema = object(
  {
    value: {
      anyOf: [{ type: "string", maxLength: 65536 }, { type: "number" }, { type: "boolean" }, attributeRef()],
      expected: "a string, a number, true/false or an attribute of a resource (vm.ipAddress)",
    },
    description: description(),
  },
  ["value"],
);

/** Validates a stack and, when it has no issue, synthesises its DesiredState. */
export function analyseStack(stack: StackLike, options: AnalyseOptions = {}): StackAnalysis {
  const name = stack.node.id;
  const profile = options.profile;
  const issues: ValidationIssue[] = [];
  const warnings: ValidationIssue[] = [];
  const add = (address: string, path: string, rule: ValidationRule, message: string): void => {
    issues.push({ address, path, rule, message });
  };
  const addressOf = (c: IConstruct): string => {
    if (c === stack) return name;
    if (isResourceLike(c)) return constructAddress(c);
    return `${name}/${c.node.path.slice(stack.node.path.length + (stack.node.path ? 1 : 0))}`;
  };

  const stackIdProblem = idProblem(stack.rawId);
  if (stackIdProblem) add(name, "", "address", `stack ${stackIdProblem}`);

  const all = stack.node.findAll();
  for (const c of all) {
    if (c === stack || !(isResourceLike(c) || isOutputLike(c))) continue;
    const problem = idProblem((c as unknown as { rawId: string }).rawId);
    if (problem) add(addressOf(c), "", "address", problem);
  }

  // Props through the schema.
  const entries = new Map<string, Entry>();
  for (const c of all) {
    if (!isResourceLike(c)) continue;
    const resource = c as unknown as Resource;
    const definition = resource.definition as unknown as KindDefinition<Record<string, unknown>, unknown>;
    const address = resource.address;
    const converted = toInput(resource.inputProps());
    const input = (converted.input ?? {}) as Record<string, unknown>;
    const problems = checkSchema(definition.schema, input);
    for (const p of problems) add(address, p.path, "schema", p.message);
    entries.set(address, {
      resource,
      definition,
      address,
      input,
      references: converted.references,
      valid: problems.length === 0,
      failed: failedParts(input, problems),
      dependsOn: new Set(),
    });
  }

  // What other resources' checks see of a resource: the top-level props that passed the schema.
  const views = new Map<string, ResourceView>();
  for (const e of entries.values()) {
    const unknown = new Set([...e.failed.keys, ...[...e.failed.elements].map((el) => el.slice(0, el.indexOf("[")))]);
    const input = e.failed.root ? undefined : Object.fromEntries(Object.entries(e.input).filter(([k]) => !unknown.has(k)));
    views.set(e.address, { kind: e.resource.kind, address: e.address, input, unknown });
  }
  const view = (address: string): ResourceView | undefined => views.get(address);

  // References: existence, kind, stack; they become the dependency edges.
  for (const entry of entries.values()) {
    for (const reference of entry.references) {
      for (const target of resolveReference(reference, entry.address)) entry.dependsOn.add(target);
    }
  }

  function resolveReference(reference: FoundReference, from: string): string[] {
    const report = (message: string): string[] => {
      add(from, reference.path, "reference", message);
      return [];
    };
    const key = [...reference.segments].reverse().find((s): s is string => typeof s === "string") ?? "";
    const expected = reference.attr !== undefined ? "any" : EXPECTED_KIND[key];
    if (expected === undefined) return report(`${describeTarget(reference.target)} cannot be used here; only references named by the props (image, network, securityGroups, template, dependsOn) are`);
    const target = reference.target;
    if (isStackLike(target) || isAppLike(target)) {
      return report(`cannot reference a whole ${isStackLike(target) ? "stack" : "app"}; name resources, or constructs that group them, inside this stack`);
    }
    const targetStack = enclosingStack(target);
    if (targetStack !== stack) {
      const where = targetStack ? `stack "${targetStack.node.id}"` : "no stack";
      return report(`refers to ${constructAddress(target)} of ${where}; a resource can only reference resources of its own stack`);
    }
    if (!isResourceLike(target)) {
      if (key === "dependsOn" && reference.attr === undefined) {
        const inside = target.node.findAll().filter(isResourceLike).map((r) => constructAddress(r)).filter((a) => a !== from);
        if (inside.length === 0) return report(`the construct ${addressOf(target)} holds no resource to depend on`);
        return inside;
      }
      return report(`must be ${expected === "any" ? "a resource" : ARTICLE[expected]}, got ${describeTarget(target)}`);
    }
    const resource = target as unknown as Resource;
    if (expected !== "any" && resource.kind !== expected) return report(`must be ${ARTICLE[expected]}, got ${resource.kind} ${resource.address}`);
    if (reference.attr !== undefined && !resource.definition.attributes.includes(reference.attr)) {
      return report(`${resource.kind} ${resource.address} has no attribute "${reference.attr}" (it has: ${resource.definition.attributes.join(", ")})`);
    }
    return [resource.address];
  }

  function describeTarget(target: IConstruct): string {
    if (isResourceLike(target)) return `${(target as unknown as Resource).kind} ${constructAddress(target)}`;
    return `the construct ${addressOf(target)}, which is not a resource`;
  }

  // Each kind's own cross-field checks, then the backend's.
  for (const entry of entries.values()) {
    const ctx = { report: (path: string, message: string, rule: ValidationRule = "semantic") => add(entry.address, path, rule, message), lookup: view };
    if (entry.valid) {
      entry.definition.check(entry.input, ctx);
      profile?.kinds[entry.resource.kind]?.check?.(entry.input, { ...ctx, report: (path, message, rule = "backend") => add(entry.address, path, rule, message) });
    } else {
      checkValidElements(entry, view, add);
    }
  }
  if (profile) checkProfile(profile, entries, add, (address, path, message) => warnings.push({ address, path, rule: "backend", message }));

  // An IP or MAC attribute of a VM that has no NIC would never become known.
  const nicless = (address: string): boolean => {
    const vm = view(address);
    if (vm?.kind !== "VirtualMachine" || !vm.input || vm.unknown.has("nics") || vm.unknown.has("template")) return false;
    if (Array.isArray(vm.input.nics)) return vm.input.nics.length === 0;
    const template = vm.input.template as { ref: string } | undefined;
    if (!template) return true;
    const t = view(template.ref);
    return t?.kind === "VmTemplate" && t.input !== undefined && !t.unknown.has("nics") && (!Array.isArray(t.input.nics) || t.input.nics.length === 0);
  };
  const checkNicAttribute = (from: string, reference: FoundReference): void => {
    if ((reference.attr === "ip" || reference.attr === "mac") && isResourceLike(reference.target)) {
      const address = constructAddress(reference.target);
      if (enclosingStack(reference.target) === stack && nicless(address)) {
        add(from, reference.path, "reference", `${address} has no NIC, so its ${reference.attr} will never be known`);
      }
    }
  };
  for (const entry of entries.values()) for (const r of entry.references) checkNicAttribute(entry.address, r);

  checkNames(entries, add, profile);
  for (const entry of entries.values()) {
    checkStrings(entry.input, entry.address, entry.definition.secretPaths, add);
    checkReservedKeys(entry.input, entry.address, add);
  }
  checkFixedAddresses(entries, view, add);
  checkCycles(entries, add);

  // Outputs.
  const outputs: Record<string, DesiredOutput> = {};
  for (const c of all) {
    if (!isOutputLike(c)) continue;
    const output = c as unknown as StackOutput;
    const address = addressOf(output);
    const converted = toInput({ ...output.props });
    for (const p of checkSchema(outputSchema, converted.input)) add(address, p.path, "schema", p.message);
    // A construct given as the value itself is reported by the schema; attributes are checked here.
    for (const r of converted.references.filter((x) => x.attr !== undefined)) {
      resolveReference(r, address);
      checkNicAttribute(address, r);
    }
    checkStrings(converted.input, address, [], add);
    outputs[output.outputName] = converted.input as DesiredOutput;
  }

  // Validations added through the constructs API.
  for (const c of all) for (const message of c.node.validate()) add(addressOf(c), "", "custom", message);

  checkImports(entries, add);

  const sorted = sortIssues(issues);
  const sortedWarnings = sortIssues(warnings);
  if (sorted.length > 0) return { name, issues: sorted, warnings: sortedWarnings, state: undefined };

  const resources: DesiredResource[] = [...entries.values()]
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
    .map((e) => {
      // Lifecycle controls are the plan's, not the object's: they never reach the props.
      const { protect, ignoreChanges, replaceOnChanges, deleteBeforeReplace, moved, importId, ...input } = e.input;
      const sorted = (paths: unknown) => (Array.isArray(paths) && paths.length > 0 ? [...(paths as string[])].sort() : undefined);
      const lifecycle = {
        ...(protect === true ? { protect: true as const } : {}),
        ...(sorted(ignoreChanges) ? { ignoreChanges: sorted(ignoreChanges) } : {}),
        ...(sorted(replaceOnChanges) ? { replaceOnChanges: sorted(replaceOnChanges) } : {}),
        ...(deleteBeforeReplace === true ? { deleteBeforeReplace: true as const } : {}),
        ...(typeof (moved as { from?: unknown } | undefined)?.from === "string" ? { movedFrom: (moved as { from: string }).from } : {}),
        ...(typeof importId === "string" || typeof importId === "number" ? { importId: String(importId) } : {}),
      };
      return {
        address: e.address,
        kind: e.resource.kind,
        name: e.resource.name,
        props: e.definition.normalise(input),
        dependsOn: [...e.dependsOn].sort(),
        ...(Object.keys(lifecycle).length > 0 ? { lifecycle } : {}),
      } as DesiredResource;
    });
  const state: DesiredState = {
    formatVersion: DESIRED_STATE_FORMAT_VERSION,
    stack: name,
    ...(profile ? { backend: profile.backend } : {}),
    ...(stack.description !== undefined ? { description: stack.description } : {}),
    resources,
    outputs,
  };
  return { name, issues: [], warnings: sortedWarnings, state: sortKeys(state) as DesiredState };
}

/**
 * What the backend's profile says of each resource: a kind it does not support, properties outside
 * what it carries out, raw keys it would not take; raw sections of other backends are warned about.
 */
function checkProfile(profile: BackendProfile, entries: Map<string, Entry>, add: Add, warn: (address: string, path: string, message: string) => void): void {
  const where = `on ${profile.backend}`;
  const rawKey = new RegExp(profile.rawKey.pattern);
  for (const entry of entries.values()) {
    const kind = profile.kinds[entry.resource.kind];
    if (!kind) {
      add(entry.address, "", "backend", `${entry.resource.kind} is not supported ${where} (it supports ${Object.keys(profile.kinds).join(", ")})`);
      continue;
    }
    for (const path of unsupportedPaths(entry.input, kind.properties)) add(entry.address, path, "backend", `not supported ${where}`);
    const raw = entry.input.raw;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) continue;
    for (const [backend, section] of Object.entries(raw)) {
      if (backend !== profile.backend) {
        warn(entry.address, `raw.${backend}`, `is for ${backend} and is ignored ${where}`);
        continue;
      }
      if (typeof section !== "object" || section === null) continue;
      for (const key of Object.keys(section)) if (!rawKey.test(key)) add(entry.address, `raw.${backend}.${key}`, "backend", `must be ${profile.rawKey.describe}`);
    }
  }
}

type Add = (address: string, path: string, rule: ValidationRule, message: string) => void;

/**
 * `importId`: one construct adopts one object, and says either where its object was (`moved`) or
 * which object it adopts (`importId`), not both.
 */
function checkImports(entries: Map<string, Entry>, add: Add): void {
  const claimed = new Map<string, string>();
  for (const e of entries.values()) {
    const id = e.input.importId;
    if (typeof id !== "string" && typeof id !== "number") continue;
    if (e.input.moved !== undefined) add(e.address, "importId", "semantic", "is given with moved: a construct either keeps the stack's object from its former address (moved) or adopts one the stack does not own (importId), not both");
    const key = `${e.resource.kind}#${String(id)}`;
    const first = claimed.get(key);
    if (first !== undefined) add(e.address, "importId", "conflict", `adopts ${e.resource.kind} ${String(id)}, which ${first} adopts too: one object is one resource`);
    else claimed.set(key, e.address);
  }
}

/**
 * The cross-field checks of a resource whose props failed the schema, limited to what is sound:
 * the checks run on a copy without the failing top-level props and list elements, and only the
 * issues inside list elements that passed the schema are kept (`nics[1].ip` outside every range is
 * reported even when `memory` is wrong). Resource-wide checks wait for the schema errors to be fixed,
 * since they may hinge on a prop that is wrong.
 */
function checkValidElements(entry: Entry, view: (a: string) => ResourceView | undefined, add: Add): void {
  const { root, keys: badKeys, elements: badElements } = entry.failed;
  if (root) return;
  const pruned: Record<string, unknown> = { ...entry.input };
  for (const key of badKeys) delete pruned[key];
  for (const [key, value] of Object.entries(pruned)) {
    if (!Array.isArray(value)) continue;
    const copy = [...value];
    copy.forEach((_, i) => {
      // A hole, not a removal: the other elements keep their indices, and forEach skips holes.
      if (badElements.has(`${key}[${i}]`)) delete copy[i];
    });
    pruned[key] = copy;
  }
  const report = (path: string, message: string, rule: ValidationRule = "semantic"): void => {
    const element = /^([A-Za-z_$][\w$-]*)\[(\d+)\]/.exec(path);
    if (!element || badKeys.has(element[1]!) || badElements.has(element[0])) return;
    add(entry.address, path, rule, message);
  };
  entry.definition.check(pruned, { report, lookup: view });
}

/** The name rules: the common one, the backend's own, and the kinds whose names the backend keeps unique. */
function checkNames(entries: Map<string, Entry>, add: Add, profile: BackendProfile | undefined): void {
  const byKindAndName = new Map<string, Entry[]>();
  for (const entry of entries.values()) {
    const given = entry.input.name;
    if (given !== undefined) {
      if (typeof given !== "string") continue; // the schema reported it
      const problem = nameProblem(given);
      if (problem) {
        add(entry.address, "name", "name", problem);
        continue;
      }
    }
    const own = profile?.nameProblem?.(entry.resource.name, entry.resource.kind);
    if (own) {
      add(entry.address, given !== undefined ? "name" : "", "name", `${own} on ${profile!.backend}`);
      continue;
    }
    if (!profile?.kinds[entry.resource.kind]?.uniqueNames) continue;
    const key = `${entry.resource.kind}\u0000${entry.resource.name}`;
    byKindAndName.set(key, [...(byKindAndName.get(key) ?? []), entry]);
  }
  for (const group of byKindAndName.values()) {
    if (group.length < 2) continue;
    const [first, ...rest] = group.sort((a, b) => (a.address < b.address ? -1 : 1));
    for (const entry of rest) {
      add(
        entry.address,
        entry.input.name !== undefined ? "name" : "",
        "duplicate-name",
        `${entry.resource.kind} name "${entry.resource.name}" is also used by ${first!.address}; backends need ${entry.resource.kind} names unique per owner (set name to tell them apart)`,
      );
    }
  }
}

function pathOf(segments: readonly (string | number)[]): string {
  let path = "";
  for (const s of segments) path = typeof s === "number" ? `${path}[${s}]` : joinPath(path, s);
  return path;
}

/** Secrets outside secret fields, and attributes embedded in strings. */
function checkStrings(input: unknown, address: string, secretPaths: readonly (readonly string[])[], add: Add): void {
  for (const finding of scanForSecrets(input, secretPaths)) {
    add(address, pathOf(finding.segments), "secret", `${finding.why}; this field is printed as it is: put secrets in context.secretVars, context.password or graphics.password, which are masked`);
  }
  const marker = new RegExp(`${ATTRIBUTE_MARKER_PREFIX.replace(/[$.{]/g, "\\$&")}([^}]*)\\}`);
  const walk = (v: unknown, segments: (string | number)[]): void => {
    if (typeof v === "string") {
      const m = marker.exec(v);
      if (m) {
        add(address, pathOf(segments), "reference", `embeds the attribute ${m[1]} in a string; a value known only after apply must be passed on its own (vars: { DB_HOST: db.ipAddress })`);
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...segments, i]));
    else if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) walk(x, [...segments, k]);
  };
  walk(input, []);
}

/** Keys hyperplan keeps for its ownership tags. */
function checkReservedKeys(input: Record<string, unknown>, address: string, add: Add): void {
  const maps: [string[], unknown][] = [
    [["attributes"], input.attributes],
    [["context", "vars"], (input.context as Record<string, unknown> | undefined)?.vars],
    [["context", "secretVars"], (input.context as Record<string, unknown> | undefined)?.secretVars],
  ];
  const raw = input.raw;
  if (typeof raw === "object" && raw !== null) for (const [backend, attrs] of Object.entries(raw)) maps.push([["raw", backend], attrs]);
  for (const [segments, map] of maps) {
    if (typeof map !== "object" || map === null) continue;
    for (const key of Object.keys(map)) {
      if (/^hyperplan/i.test(key)) {
        add(address, pathOf([...segments, key]), "reserved", `key "${key}" is reserved: hyperplan keeps its ownership tags under names starting with HYPERPLAN`);
      }
    }
  }
}

interface Claim {
  address: string;
  path: string;
  via?: string;
}

/** A fixed IP address on a network is given to one NIC of the stack only. */
function checkFixedAddresses(entries: Map<string, Entry>, view: (a: string) => ResourceView | undefined, add: Add): void {
  const claims = new Map<string, Claim[]>();
  const claim = (network: string, ip: string, c: Claim): void => {
    const key = `${network} ${ip}`;
    claims.set(key, [...(claims.get(key) ?? []), c]);
  };
  const nicsOf = (input: Record<string, unknown>): { network?: { ref?: unknown }; ip?: unknown }[] =>
    Array.isArray(input.nics) ? (input.nics as { network?: { ref?: unknown }; ip?: unknown }[]) : [];
  for (const entry of entries.values()) {
    if (entry.resource.kind !== "VirtualMachine" || !entry.valid) continue;
    let nics = nicsOf(entry.input);
    let via: string | undefined;
    if (entry.input.nics === undefined && entry.input.template) {
      const template = view((entry.input.template as { ref: string }).ref);
      if (template?.kind !== "VmTemplate" || !template.input || template.unknown.has("nics")) continue;
      nics = nicsOf(template.input);
      via = template.address;
    }
    nics.forEach((nic, i) => {
      if (typeof nic.ip !== "string" || typeof nic.network?.ref !== "string") return;
      claim(nic.network.ref, nic.ip, { address: entry.address, path: via ? "template" : `nics[${i}].ip`, ...(via ? { via: `${via} nics[${i}]` } : {}) });
    });
  }
  for (const [key, list] of claims) {
    if (list.length < 2) continue;
    const [network, ip] = key.split(" ");
    const [first, ...rest] = list.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.path < b.path ? -1 : 1));
    for (const c of rest) {
      const origin = c.via ? ` (its template ${c.via} fixes it)` : "";
      add(c.address, c.path, "conflict", `fixed ip ${ip} on ${network} is also given to ${first!.address}${origin}; each fixed ip goes to one NIC`);
    }
  }
}

/** Every dependency cycle, each printed from its smallest address. */
function checkCycles(entries: Map<string, Entry>, add: Add): void {
  let nodes = [...entries.keys()];
  for (;;) {
    const graph = new Graph(nodes);
    for (const address of nodes) {
      for (const dep of entries.get(address)!.dependsOn) if (graph.has(dep)) graph.addEdge(address, dep);
    }
    const cycle = graph.findCycle();
    if (!cycle) return;
    add(cycle[0]!, "", "cycle", `dependency cycle: ${cycle.join(" → ")}`);
    const inCycle = new Set(cycle);
    nodes = nodes.filter((n) => !inCycle.has(n));
  }
}
