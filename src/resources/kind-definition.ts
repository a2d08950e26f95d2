/**
 * What the validation and synthesis engine needs to know about a kind. Each kind's file exports
 * one definition beside its class: its schema, the attributes it exposes after apply, its
 * cross-field checks and its normalisation into the DesiredState form.
 */
import type { IConstruct } from "constructs";
import type { Attribute } from "./attribute.js";
import type { AttributeRef, Ref, ResourceKind } from "./desired-state.js";
import type { JsonSchema } from "./schema-parts.js";
import type { ValidationRule } from "./validation-issue.js";

/**
 * The JSON form of a kind's props, as the schema sees them: constructs became `{ ref }`,
 * attributes `{ ref, attr }`.
 */
export type PropsInput<T> =
  T extends string | number | boolean | bigint | null | undefined
    ? T
    : T extends Attribute<infer _V>
    ? AttributeRef
    : T extends IConstruct
      ? Ref
      : T extends readonly (infer U)[]
        ? PropsInput<U>[]
        : T extends object
          ? { [K in keyof T]: PropsInput<T[K]> }
          : T;

/** What a resource of the stack looks like to another resource's checks. */
export interface ResourceView {
  kind: ResourceKind;
  address: string;
  /**
   * Its props in JSON form, without the top-level props that failed the schema (those are listed in
   * `unknown`); undefined when the props are not an object at all.
   */
  input: Record<string, unknown> | undefined;
  /** Top-level props that failed the schema: their value is unknown, not absent. */
  unknown: ReadonlySet<string>;
}

export interface CheckContext {
  /** Reports a problem at a property path (`disks[0].size`) of the resource being checked. */
  report(path: string, message: string, rule?: ValidationRule): void;
  /** A resource of the same stack by address. */
  lookup(address: string): ResourceView | undefined;
}

export interface KindDefinition<Input = Record<string, unknown>, Spec = unknown> {
  kind: ResourceKind;
  /** JSON schema of the props in JSON form (see schema-parts). */
  schema: JsonSchema;
  /** Names of the attributes known after apply that an Attribute of this kind may carry. */
  attributes: readonly string[];
  /**
   * Property paths that hold secrets, as segments with `*` for any key or index. They are masked
   * in the DesiredState and are the only places the secret scan leaves alone.
   */
  secretPaths: readonly (readonly string[])[];
  /** Rules the schema cannot express. Runs only when the schema passed. */
  check(input: Input, ctx: CheckContext): void;
  /** The DesiredState props. Runs only when there is no issue in the stack. */
  normalise(input: Input): Spec;
}
