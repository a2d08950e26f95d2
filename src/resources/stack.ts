/**
 * App and Stack: the roots of a declaration.
 *
 * A Stack is one unit of plan and apply: its name is the first segment of every address in it and
 * the ownership tag of every object it creates. An App holds several stacks, so one file can
 * declare, say, `staging` and `production`.
 *
 * ```ts
 * const app = new App();
 * const lab = new Stack(app, "lab");
 * new VirtualMachine(lab, "web-1", { cpu: 1, memory: 2048 });
 * export default app;
 * ```
 */
import { Construct, type IConstruct } from "constructs";
import { HyperplanError } from "../errors.js";
import { APP_BRAND, STACK_BRAND, enclosingStack, isAppLike, isResourceLike } from "./brands.js";
import type { AppDesiredState, DesiredState } from "./desired-state.js";
import { DESIRED_STATE_FORMAT_VERSION } from "./desired-state.js";
import type { Resource } from "./resource.js";
import { analyseStack, type AnalyseOptions } from "./synthesis.js";
import { StackValidationError, type ValidationIssue } from "./validation-issue.js";

/**
 * Which cloud a stack lives in: exactly one key, the backend's name, holding that backend's settings
 * (`{ opennebula: { endpoint: "https://one.example.org:2633/RPC2" } }`). Each backend adds its own key
 * and settings type to this interface (`src/providers/<backend>/settings.ts`); what a stack gives is
 * checked against the backend's settings schema by `validate`. Settings, not resources: they are not
 * part of the DesiredState.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ProviderSettings {
  [backend: string]: object | undefined;
}

export interface StackProps {
  /**
   * What the stack is for; carried into the DesiredState.
   * @default no description
   */
  description?: string;
  /**
   * Where the stack's cloud is: one backend's settings under its name.
   * @default the default backend (OpenNebula) as its own environment names it (`ONE_XMLRPC`, `ONE_AUTH`)
   */
  provider?: ProviderSettings;
}

export class App extends Construct {
  readonly [APP_BRAND] = true;

  constructor() {
    // The root's id is empty so that paths, and hence addresses, start with the stack name.
    super(undefined as unknown as Construct, "");
  }

  /** The stacks of this app, sorted by name. */
  get stacks(): Stack[] {
    return (this.node.children.filter((c) => (c as Stack)[STACK_BRAND] === true) as Stack[]).sort((a, b) =>
      a.stackName < b.stackName ? -1 : a.stackName > b.stackName ? 1 : 0,
    );
  }

  /**
   * Every issue of every stack (empty when all are valid). With a backend's profile, also what that
   * backend does not support (`hyperplan validate` checks each stack against its own backend's).
   */
  validate(options: AnalyseOptions = {}): ValidationIssue[] {
    return this.stacks.flatMap((s) => s.validate(options));
  }

  /** The desired state of every stack; throws StackValidationError with every issue of every stack. */
  synth(options: AnalyseOptions = {}): AppDesiredState {
    const analyses = this.stacks.map((s) => analyseStack(s, options));
    const issues = analyses.flatMap((a) => a.issues);
    if (issues.length > 0) throw new StackValidationError(analyses.length === 1 ? `stack "${analyses[0]!.name}"` : "the app", issues);
    return { formatVersion: DESIRED_STATE_FORMAT_VERSION, stacks: analyses.map((a) => a.state!) };
  }
}

export class Stack extends Construct {
  readonly [STACK_BRAND] = true;
  /** The id exactly as given; checked by validation. */
  readonly rawId: string;
  readonly description: string | undefined;
  /** Where the stack's cloud is (see StackProps.provider). */
  readonly providerSettings: ProviderSettings;

  /**
   * @param scope the App holding the stack, or undefined for a stack on its own
   * @param id the stack's name: the first segment of every address in it
   */
  constructor(scope: App | undefined, id: string, props: StackProps = {}) {
    if (scope !== undefined && !isAppLike(scope)) {
      throw new HyperplanError("STACK_SCOPE_INVALID", `Stack "${id}" must be created in an App or on its own (new Stack(undefined, "${id}")), not inside another construct`);
    }
    super(scope as unknown as Construct, id);
    this.rawId = id;
    this.description = props.description;
    this.providerSettings = props.provider ?? {};
  }

  /** The stack's name. */
  get stackName(): string {
    return this.node.id;
  }

  /** The stack `construct` belongs to. */
  static of(construct: IConstruct): Stack {
    const stack = enclosingStack(construct);
    if (!stack) throw new HyperplanError("NOT_IN_STACK", `construct "${construct.node.path}" is not inside a Stack`);
    return stack as Stack;
  }

  /** The resources declared in this stack, in construct order. */
  get resources(): Resource[] {
    return this.node.findAll().filter(isResourceLike) as unknown as Resource[];
  }

  /** Every issue of this stack, all at once, sorted (empty when the stack is valid); see App.validate. */
  validate(options: AnalyseOptions = {}): ValidationIssue[] {
    return analyseStack(this, options).issues;
  }

  /** The stack's DesiredState; throws StackValidationError carrying every issue. */
  synth(options: AnalyseOptions = {}): DesiredState {
    const analysis = analyseStack(this, options);
    if (analysis.issues.length > 0) throw new StackValidationError(`stack "${analysis.name}"`, analysis.issues);
    return analysis.state!;
  }
}
