/**
 * The base of every resource construct.
 *
 * A resource keeps its props as the user gave them; nothing is checked in the constructor, so a
 * stack with ten mistakes reports ten issues from `validate()` instead of throwing at the first.
 * Only structural misuse (a resource created outside any Stack) throws at once.
 */
import { Construct, type IConstruct } from "constructs";
import { HyperplanError } from "../errors.js";
import { Attribute } from "./attribute.js";
import { RESOURCE_BRAND, enclosingStack } from "./brands.js";
import type { RawAttributes, ResourceKind } from "./desired-state.js";
import type { KindDefinition } from "./kind-definition.js";

/** Props every kind accepts. */
export interface ResourceProps {
  /**
   * The backend object's name.
   * @default the construct id (`web-1`). Names must follow the name rule (see `address.ts`); images,
   * networks, security groups and VM templates must also be unique within the stack, because backends
   * such as OpenNebula refuse two of those with one name for one owner.
   */
  name?: string;
  /**
   * Free text stored with the object.
   * @default no description
   */
  description?: string;
  /**
   * Resources that must exist before this one, beyond the ones its props reference. A construct
   * that groups resources stands for every resource inside it.
   * @default no explicit dependency
   */
  dependsOn?: IConstruct[];
  /**
   * Never delete or replace the object: a plan that would (a change forcing a replacement, the
   * construct's removal while it is still declared protected, a destroy) fails, naming it and what
   * forces it. Pulumi's `protect`, Terraform's `prevent_destroy`. Like Terraform's, it lives in the
   * declaration: removing the construct and its `protect` together removes the protection.
   * @default false
   */
  protect?: boolean;
  /**
   * Attribute paths whose differences the plan leaves alone, for what someone else owns
   * (`["memory", "context.vars.*"]`): a path covers everything below it (`nics` covers `nics[0].ip`),
   * `*` stands for one key or index. The plan says what it ignored. Creates still use the declared
   * values.
   * @default nothing ignored
   */
  ignoreChanges?: string[];
  /**
   * Attribute paths whose differences replace the object, even where the backend would change them in
   * place (Pulumi's `replaceOnChanges`), in the same form as `ignoreChanges`.
   * @default the backend decides
   */
  replaceOnChanges?: string[];
  /**
   * A replacement deletes the old object first, then creates the new one (Pulumi's
   * `deleteBeforeReplace`), where the kind's default is the other way round: for an object whose name
   * or address must be free first.
   * @default the kind's order, or what a unique name or address forces
   */
  deleteBeforeReplace?: boolean;
  /**
   * The construct's former address, after a rename or a move in the tree (Terraform's `moved` block):
   * the object there keeps serving this construct, its ownership tag rewritten in place, instead of a
   * delete and a create. Once applied it can stay or go: it does nothing when nothing lives there.
   * @default not moved
   */
  moved?: { from: string };
  /**
   * The id of an object made outside the stack (by hand, by another tool, or one whose ownership tags
   * were removed) that this construct adopts (Terraform's `import` block): the plan shows `import`,
   * the object must be of this construct's kind and carry no stack's tag, and apply writes the
   * stack's tag as its first call, then changes what differs from the declaration in place. Once
   * imported it can stay or go: it does nothing when the stack owns the object already.
   * @default nothing imported
   */
  importId?: string | number;
  /**
   * Free attributes stored on the object as they are (keys: a letter or `_`, then letters, digits
   * or `_`). Keys starting with `HYPERPLAN` are reserved for ownership tags. Not masked: never put a
   * secret here.
   * @default no free attribute
   */
  attributes?: Record<string, string>;
  /**
   * Backend-specific attributes, passed verbatim to that backend only:
   * `raw: { opennebula: { SCHED_RANK: "FREE_CPU" } }`. The escape hatch for what the core does not
   * model; other backends ignore it.
   * @default nothing backend-specific
   */
  raw?: RawAttributes;
}

export abstract class Resource<P extends ResourceProps = ResourceProps> extends Construct {
  readonly [RESOURCE_BRAND] = true;
  abstract readonly kind: ResourceKind;
  /** The id exactly as given (the constructs library rewrites `/` in ids); checked by validation. */
  readonly rawId: string;
  /** The props as given; `add*` methods append to their lists. */
  protected readonly props: P;
  private readonly addedDependencies: IConstruct[] = [];

  protected constructor(scope: IConstruct, id: string, props: P) {
    super(scope, id);
    this.rawId = id;
    if (!enclosingStack(this)) {
      throw new HyperplanError("RESOURCE_OUTSIDE_STACK", `${new.target.name} "${this.node.path}" must be created inside a Stack`);
    }
    this.props = props;
  }

  /** @internal The engine's view of this kind. */
  abstract readonly definition: KindDefinition<never, unknown>;

  /** `<stack>/<construct path below the stack>`, stable while the ids are. */
  get address(): string {
    const stack = enclosingStack(this)!;
    const below = this.node.path.slice(stack.node.path.length + (stack.node.path ? 1 : 0));
    return `${stack.node.id}/${below}`;
  }

  /** The backend object's name: the `name` prop, else the construct id. */
  get name(): string {
    const given = (this.props as { name?: unknown } | undefined)?.name;
    return typeof given === "string" ? given : this.node.id;
  }

  /** The backend's id for the object, known after apply. */
  get objectId(): Attribute<number> {
    return new Attribute<number>(this, "id");
  }

  /** Adds explicit dependencies (see `ResourceProps.dependsOn`). */
  addDependency(...targets: IConstruct[]): this {
    this.addedDependencies.push(...targets);
    return this;
  }

  /** @internal The props as given, with what `add*` methods appended. */
  inputProps(): Record<string, unknown> {
    const given = this.props as Record<string, unknown>;
    // Props that are not an object at all go to the schema as they are, which names the mistake.
    if (typeof given !== "object" || given === null || Array.isArray(given)) return given;
    const out: Record<string, unknown> = { ...given };
    if (this.addedDependencies.length > 0) {
      const base = Array.isArray(given.dependsOn) ? (given.dependsOn as unknown[]) : given.dependsOn === undefined ? [] : [given.dependsOn];
      out.dependsOn = [...base, ...this.addedDependencies];
    }
    return out;
  }

  /**
   * Appends to a list prop, creating it when absent. A prop that is not a list is left as given:
   * validation reports it ("must be a list"), and guessing what was meant would hide the mistake.
   */
  protected appendTo<K extends keyof P>(key: K, item: unknown): void {
    const current = this.props[key] as unknown;
    if (current === undefined) (this.props as Record<string, unknown>)[key as string] = [item];
    else if (Array.isArray(current)) current.push(item);
  }
}

/** Copies the props so later `add*` calls never write into the caller's object or arrays. */
export function copyProps<P extends object>(props: P | undefined): P {
  // null from JavaScript callers means "no props", like undefined.
  if (props === undefined || props === null) return {} as P;
  if (typeof props !== "object" || Array.isArray(props)) return props;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) out[k] = Array.isArray(v) ? [...v] : v;
  return out as P;
}
