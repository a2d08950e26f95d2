/**
 * Turns props as the user wrote them into their JSON form for the schema: a construct becomes
 * `{ ref: <address> }`, an attribute `{ ref, attr }`. Every such reference is recorded with where
 * it sits, so the reference checks and the dependency edges need no knowledge of each kind.
 */
import type { IConstruct } from "constructs";
import { isAttributeLike, isConstruct, isResourceLike } from "./brands.js";
import { joinPath } from "./schema-validator.js";

export interface FoundReference {
  /** Property path where the reference sits (`nics[0].network`). */
  path: string;
  /** Keys and indices of that path. */
  segments: (string | number)[];
  /** The construct referenced (for an attribute, the resource it belongs to). */
  target: IConstruct;
  /** The attribute's name, for an attribute. */
  attr?: string;
}

export interface ConvertedProps {
  input: unknown;
  references: FoundReference[];
}

// Deeper than any real prop; only a self-containing object gets there.
const MAX_DEPTH = 32;

/** The address of a resource, or the construct path of any other construct. */
export function constructAddress(construct: IConstruct): string {
  if (isResourceLike(construct)) return (construct as unknown as { address: string }).address;
  return construct.node.path;
}

export function toInput(value: unknown): ConvertedProps {
  const references: FoundReference[] = [];
  const walk = (v: unknown, segments: (string | number)[], path: string, depth: number): unknown => {
    if (depth > MAX_DEPTH) return null;
    if (isAttributeLike(v)) {
      const attribute = v as { owner: IConstruct; attr: string };
      references.push({ path, segments, target: attribute.owner, attr: attribute.attr });
      return { ref: constructAddress(attribute.owner), attr: attribute.attr };
    }
    if (isConstruct(v)) {
      references.push({ path, segments, target: v });
      return { ref: constructAddress(v) };
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...segments, i], `${path}[${i}]`, depth + 1));
    if (typeof v === "object" && v !== null) {
      const proto = Object.getPrototypeOf(v);
      // Class instances (a Date, a Map) pass through as they are, for the schema to refuse.
      if (proto !== Object.prototype && proto !== null) return v;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v)) {
        if (item === undefined) continue;
        out[key] = walk(item, [...segments, key], joinPath(path, key), depth + 1);
      }
      return out;
    }
    return v;
  };
  return { input: walk(value, [], "", 0), references };
}
