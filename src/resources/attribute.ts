/**
 * Attributes: values that exist only after apply (a VM's IP address, an image's object id).
 *
 * An Attribute is a typed token. It is passed where a value is accepted (a context variable, a stack
 * output), becomes a dependency edge to the resource it belongs to, and synthesises to
 * `{ "ref": "<address>", "attr": "<name>" }`, which the plan shows as "known after apply".
 *
 * Unlike CDK tokens, an attribute cannot be embedded in a string: `${vm.ipAddress}` yields a marker
 * that validation reports, because a string that is half known would have to be re-assembled by
 * every backend. Pass the attribute itself instead.
 */
import { ATTRIBUTE_BRAND } from "./brands.js";
import type { AttributeRef } from "./desired-state.js";

/** What an attribute needs from the resource it belongs to. */
export interface AttributeOwner {
  readonly address: string;
}

/** The marker `String(attribute)` produces; validation reports any string that contains one. */
export const ATTRIBUTE_MARKER_PREFIX = "${hyperplan-attribute:";

export class Attribute<T extends string | number = string | number> {
  readonly [ATTRIBUTE_BRAND] = true;
  /** Keeps `Attribute<string>` and `Attribute<number>` apart for the type checker; never set. */
  declare readonly valueType?: T;

  constructor(
    /** The resource the value belongs to. */
    readonly owner: AttributeOwner,
    /** The attribute's name (`ip`, `id`). */
    readonly attr: string,
  ) {}

  toJSON(): AttributeRef {
    return { ref: this.owner.address, attr: this.attr };
  }

  toString(): string {
    return `${ATTRIBUTE_MARKER_PREFIX}${this.owner.address}.${this.attr}}`;
  }
}
