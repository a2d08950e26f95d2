/**
 * StackOutput: a value the stack publishes, typically an attribute known only after apply.
 *
 * ```ts
 * new StackOutput(stack, "web-ip", { value: web.ipAddress, description: "where to point DNS" });
 * ```
 */
import { Construct, type IConstruct } from "constructs";
import { HyperplanError } from "../errors.js";
import type { Attribute } from "./attribute.js";
import { OUTPUT_BRAND, enclosingStack } from "./brands.js";

export interface StackOutputProps {
  /** The value: an attribute of a resource of the same stack, or a literal. */
  value: Attribute<string> | Attribute<number> | string | number | boolean;
  /**
   * What the value is for.
   * @default no description
   */
  description?: string;
}

export class StackOutput extends Construct {
  readonly [OUTPUT_BRAND] = true;
  /** The id exactly as given; checked by validation. */
  readonly rawId: string;
  readonly props: StackOutputProps;

  constructor(scope: IConstruct, id: string, props: StackOutputProps) {
    super(scope, id);
    this.rawId = id;
    if (!enclosingStack(this)) {
      throw new HyperplanError("OUTPUT_OUTSIDE_STACK", `StackOutput "${this.node.path}" must be created inside a Stack`);
    }
    this.props = { ...props };
  }

  /** The output's key in the DesiredState: its construct path below the stack. */
  get outputName(): string {
    const stack = enclosingStack(this)!;
    return this.node.path.slice(stack.node.path.length + (stack.node.path ? 1 : 0));
  }
}
