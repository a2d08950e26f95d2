/**
 * A declaration read back from a file (a saved plan's `desired`), checked exactly as a stack file is.
 *
 * A saved plan is applied from the declaration it carries, so that declaration must pass every check a
 * stack file passes before a single call is made: a plan edited to `memory: -5` is refused here, not
 * by the cloud half way through a power cycle. Rather than a second set of rules for DesiredState
 * documents, the declaration is turned back into constructs — one per resource at its address, the
 * references as references, the secrets as the plain values a stack file gives, the outputs as
 * outputs — and run through `analyseStack`, the one validation engine. The analysis must then give
 * back the very declaration that was read: anything it would write otherwise (a key the kind does not
 * know, a value in a form synthesis never produces) is refused too, naming the first place it differs.
 */
import { Construct, type IConstruct } from "constructs";
import { Attribute } from "./attribute.js";
import { firstDifference } from "./canonical-json.js";
import { RESOURCE_KINDS, isAttributeRef, isRef, isSecretValue, type DesiredState, type ResourceKind } from "./desired-state.js";
import { imageDefinition } from "./image.js";
import type { KindDefinition } from "./kind-definition.js";
import { Resource } from "./resource.js";
import { securityGroupDefinition } from "./security-group.js";
import { Stack } from "./stack.js";
import { StackOutput } from "./stack-output.js";
import { analyseStack, type AnalyseOptions, type StackAnalysis } from "./synthesis.js";
import { sortIssues, type ValidationIssue } from "./validation-issue.js";
import { virtualMachineDefinition } from "./virtual-machine.js";
import { virtualNetworkDefinition } from "./virtual-network.js";
import { vmTemplateDefinition } from "./vm-template.js";

/** Every kind's definition, by kind. */
export const KIND_DEFINITIONS: Record<ResourceKind, KindDefinition<never, unknown>> = {
  VirtualNetwork: virtualNetworkDefinition as KindDefinition<never, unknown>,
  Image: imageDefinition as KindDefinition<never, unknown>,
  SecurityGroup: securityGroupDefinition as KindDefinition<never, unknown>,
  VmTemplate: vmTemplateDefinition as KindDefinition<never, unknown>,
  VirtualMachine: virtualMachineDefinition as KindDefinition<never, unknown>,
};

/** A resource of any kind, rebuilt from its DesiredState entry. */
class SavedResource extends Resource<Record<string, unknown>> {
  readonly kind: ResourceKind;
  readonly definition: KindDefinition<never, unknown>;

  constructor(scope: IConstruct, id: string, kind: ResourceKind, props: Record<string, unknown>) {
    super(scope, id, props);
    this.kind = kind;
    this.definition = KIND_DEFINITIONS[kind];
  }
}

/** Keys whose values are passed to the backend as they are: never references or secrets. */
const OPAQUE_KEYS = new Set(["raw", "attributes"]);

/**
 * Validates `value` (a DesiredState read from a file) as a stack file would be validated, and checks
 * that synthesis gives it back unchanged. `source` names the file in the issues.
 */
export function analyseSavedDeclaration(value: unknown, source: string, options: AnalyseOptions = {}): StackAnalysis {
  const fail = (message: string, address = source): StackAnalysis => ({
    name: typeof (value as { stack?: unknown })?.stack === "string" ? (value as { stack: string }).stack : source,
    issues: [{ address, path: "", rule: "schema", message }],
    warnings: [],
    state: undefined,
  });
  if (typeof value !== "object" || value === null || Array.isArray(value)) return fail("the saved declaration is not an object");
  const doc = value as Partial<DesiredState>;
  if (typeof doc.stack !== "string" || doc.stack === "") return fail("the saved declaration names no stack");
  if (!Array.isArray(doc.resources)) return fail("the saved declaration has no resources list");
  if (typeof doc.outputs !== "object" || doc.outputs === null || Array.isArray(doc.outputs)) return fail("the saved declaration has no outputs object");

  const stack = new Stack(undefined, doc.stack, doc.description !== undefined ? { description: String(doc.description) } : {});
  const issues: ValidationIssue[] = [];
  const scopes = new Map<string, IConstruct>([["", stack]]);
  /** The construct scope for a path below the stack (`tier/db` → the `tier` group), made as needed. */
  const scopeFor = (segments: string[]): IConstruct => {
    let path = "";
    let scope: IConstruct = stack;
    for (const segment of segments) {
      path = path === "" ? segment : `${path}/${segment}`;
      let next = scopes.get(path);
      if (!next) {
        next = new Construct(scope as Construct, segment);
        scopes.set(path, next);
      }
      scope = next;
    }
    return scope;
  };

  // Every resource first, with empty props, so references in any order (even a cycle, which the
  // analysis reports) find their target.
  const made = new Map<string, { resource: SavedResource; props: Record<string, unknown>; entry: Record<string, unknown> }>();
  doc.resources.forEach((entry: unknown, i) => {
    const r = entry as { address?: unknown; kind?: unknown; name?: unknown; props?: unknown; dependsOn?: unknown };
    const where = typeof r?.address === "string" ? r.address : `${doc.stack}/resources[${i}]`;
    if (typeof r !== "object" || r === null || typeof r.address !== "string") {
      issues.push({ address: where, path: "", rule: "schema", message: "is not a resource entry with an address" });
      return;
    }
    if (!(RESOURCE_KINDS as readonly unknown[]).includes(r.kind)) {
      issues.push({ address: where, path: "kind", rule: "schema", message: `must be one of ${RESOURCE_KINDS.join(", ")}, got ${JSON.stringify(r.kind)}` });
      return;
    }
    const segments = r.address.split("/");
    if (segments[0] !== doc.stack || segments.length < 2 || segments.some((s) => s === "")) {
      issues.push({ address: where, path: "address", rule: "address", message: `must be "${doc.stack}/<construct path>"` });
      return;
    }
    if (made.has(r.address)) {
      issues.push({ address: where, path: "", rule: "address", message: "is declared twice" });
      return;
    }
    const below = segments.slice(1);
    const props: Record<string, unknown> = {};
    try {
      const resource = new SavedResource(scopeFor(below.slice(0, -1)), below[below.length - 1]!, r.kind as ResourceKind, props);
      made.set(r.address, { resource, props, entry: r as Record<string, unknown> });
    } catch (error) {
      issues.push({ address: where, path: "", rule: "address", message: (error as Error).message });
    }
  });

  const unresolved = (address: string, path: string, target: string): void => {
    issues.push({ address, path, rule: "reference", message: `refers to ${target}, which the saved declaration does not declare` });
  };
  /** The value a stack file would give: references as constructs, attributes as Attributes, secrets in the clear. */
  const asInput = (v: unknown, from: string, path: string): unknown => {
    if (isAttributeRef(v)) {
      const target = made.get(v.ref);
      if (!target) {
        unresolved(from, path, v.ref);
        return v;
      }
      return new Attribute(target.resource, v.attr);
    }
    if (isRef(v)) {
      const target = made.get(v.ref);
      if (!target) {
        unresolved(from, path, v.ref);
        return v;
      }
      return target.resource;
    }
    if (isSecretValue(v)) return v.secret;
    if (Array.isArray(v)) return v.map((x, i) => asInput(x, from, `${path}[${i}]`));
    if (typeof v === "object" && v !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        // A disk's `source` is what synthesis writes for which of its two shapes the disk has.
        if (k === "source" && /^disks\[\d+\]$/.test(path)) continue;
        out[k] = OPAQUE_KEYS.has(k) ? x : asInput(x, from, path === "" ? k : `${path}.${k}`);
      }
      return out;
    }
    return v;
  };

  for (const [address, { resource, props, entry }] of made) {
    const given = entry.props;
    if (typeof given !== "object" || given === null || Array.isArray(given)) {
      issues.push({ address, path: "props", rule: "schema", message: "must be an object" });
      continue;
    }
    Object.assign(props, asInput(given, address, ""));
    if (typeof entry.name === "string") props.name = entry.name;
    // Lifecycle controls are the declaration's too: back into the props a stack file gives them in.
    const lifecycle = entry.lifecycle as Record<string, unknown> | undefined;
    if (lifecycle !== undefined) {
      if (typeof lifecycle !== "object" || lifecycle === null || Array.isArray(lifecycle)) issues.push({ address, path: "lifecycle", rule: "schema", message: "must be an object" });
      else {
        for (const key of ["protect", "ignoreChanges", "replaceOnChanges", "deleteBeforeReplace"]) if (lifecycle[key] !== undefined) props[key] = lifecycle[key];
        if (lifecycle.movedFrom !== undefined) props.moved = { from: lifecycle.movedFrom };
        if (lifecycle.importId !== undefined) props.importId = lifecycle.importId;
      }
    }
    const dependsOn = Array.isArray(entry.dependsOn) ? entry.dependsOn : [];
    for (const dep of dependsOn) {
      const target = typeof dep === "string" ? made.get(dep) : undefined;
      if (target) resource.addDependency(target.resource);
      else unresolved(address, "dependsOn", String(dep));
    }
  }

  for (const [name, output] of Object.entries(doc.outputs as Record<string, unknown>)) {
    const segments = name.split("/");
    if (segments.some((s) => s === "")) {
      issues.push({ address: `${doc.stack}/${name}`, path: "", rule: "address", message: "is not an output path" });
      continue;
    }
    const o = (typeof output === "object" && output !== null ? output : {}) as Record<string, unknown>;
    const props = asInput(o, `${doc.stack}/${name}`, "") as { value: never; description?: string };
    new StackOutput(scopeFor(segments.slice(0, -1)), segments[segments.length - 1]!, props);
  }

  if (issues.length > 0) return { name: doc.stack, issues: sortIssues(issues), warnings: [], state: undefined };
  const analysis = analyseStack(stack, options);
  if (!analysis.state) return analysis;
  const difference = firstDifference(analysis.state, value, "");
  if (difference !== undefined) {
    return fail(`the saved declaration is not as hyperplan writes it: it differs at ${difference}; save the plan again with \`hyperplan plan --out\``);
  }
  return analysis;
}
