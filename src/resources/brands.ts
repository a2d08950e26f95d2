/**
 * Brands for recognising hyperplan's constructs and tokens.
 *
 * Recognition goes by `Symbol.for` brands, never `instanceof`: a user's stack file is loaded through
 * tsx, so a second copy of these modules can exist in one process, and `instanceof` would then
 * reject a perfectly good Stack.
 */
import type { IConstruct } from "constructs";

export const APP_BRAND = Symbol.for("hyperplan.app");
export const STACK_BRAND = Symbol.for("hyperplan.stack");
export const RESOURCE_BRAND = Symbol.for("hyperplan.resource");
export const OUTPUT_BRAND = Symbol.for("hyperplan.output");
export const ATTRIBUTE_BRAND = Symbol.for("hyperplan.attribute");

function branded(value: unknown, brand: symbol): boolean {
  return (typeof value === "object" || typeof value === "function") && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/** True for a construct of the `constructs` library, whichever copy made it. */
export function isConstruct(value: unknown): value is IConstruct {
  return branded(value, Symbol.for("constructs.Construct"));
}

export const isAppLike = (value: unknown): boolean => branded(value, APP_BRAND);
export const isStackLike = (value: unknown): boolean => branded(value, STACK_BRAND);
export const isResourceLike = (value: unknown): boolean => branded(value, RESOURCE_BRAND);
export const isOutputLike = (value: unknown): boolean => branded(value, OUTPUT_BRAND);
export const isAttributeLike = (value: unknown): boolean => branded(value, ATTRIBUTE_BRAND);

/** The innermost stack-branded scope of `construct` (itself included), or undefined. */
export function enclosingStack(construct: IConstruct): IConstruct | undefined {
  const scopes = construct.node.scopes;
  for (let i = scopes.length - 1; i >= 0; i--) if (isStackLike(scopes[i])) return scopes[i];
  return undefined;
}
