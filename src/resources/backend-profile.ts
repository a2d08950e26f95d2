/**
 * A backend's profile: what it supports, as static data with no I/O, so that `validate` tells a user
 * before any call what the chosen cloud cannot carry out (`lab/web-1: graphics: not supported on
 * gandi`). Each backend ships one beside its provider (`src/providers/<backend>/profile.ts`); the
 * validation engine reads it and knows no backend by name.
 *
 * What a profile says:
 * - the kinds the backend supports, and for each the property paths it carries out (patterns as in
 *   `property-path.ts`): a declared property outside them is refused, so a property no profile knows
 *   can never turn into a diff the backend cannot settle;
 * - whether names of a kind are unique per owner in the backend (two in one stack are refused);
 * - its own rules on names and its own cross-field checks (required properties, values it refuses);
 * - what the keys of its raw section (`raw.<backend>`) look like. A raw section of another backend is
 *   ignored on this one, and said so as a warning.
 */
import type { ResourceKind } from "./desired-state.js";
import type { CheckContext } from "./kind-definition.js";
import { pathSegments } from "./property-path.js";

export interface KindProfile {
  /** Property paths the backend carries out, as patterns (`cpu`, `disks[*].size`, `context.**`). */
  properties: readonly string[];
  /** True when the backend refuses two objects of this kind with one name for one owner. */
  uniqueNames: boolean;
  /** The backend's own rules beyond the kind's schema, on props that passed it. */
  check?(input: Record<string, unknown>, ctx: CheckContext): void;
}

export interface BackendProfile {
  /** The key of the stack's provider settings and of raw sections (`opennebula`). */
  backend: string;
  /** For people (`OpenNebula`). */
  title: string;
  kinds: { readonly [K in ResourceKind]?: KindProfile };
  /** Why the backend refuses `name` for an object of `kind`, beyond the common name rule; undefined when it takes it. */
  nameProblem?(name: string, kind: ResourceKind): string | undefined;
  /** The keys of the backend's raw section: a regular expression, and what it means in words. */
  rawKey: { pattern: string; describe: string };
}

/** Props every kind carries on every backend: they are the declaration's, not the object's. */
const ALWAYS = ["name", "dependsOn", "raw", "protect", "ignoreChanges", "replaceOnChanges", "deleteBeforeReplace", "moved", "importId"];

function segmentMatches(want: string, got: string): boolean {
  const index = (s: string) => s.startsWith("[") && s.endsWith("]");
  if (want === "*") return !index(got);
  if (want === "[*]") return index(got);
  return want === got;
}

/** How `pattern` stands to `path`: it covers the path (and all below), may cover something below it, or neither. */
function relation(pattern: readonly string[], path: readonly string[]): "covers" | "below" | "none" {
  for (let i = 0; i < path.length; i++) {
    const want = pattern[i];
    if (want === undefined) return "none";
    if (want === "**") return "covers";
    if (!segmentMatches(want, path[i]!)) return "none";
  }
  return pattern.length === path.length ? "covers" : pattern[path.length] === "**" ? "covers" : "below";
}

function isEmptyMap(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => v === undefined);
}

/**
 * The paths of `input` (a resource's props in JSON form) that no pattern of `properties` covers, each
 * reported once at the highest place it starts (`graphics`, not `graphics.type` and `graphics.port`).
 */
export function unsupportedPaths(input: Record<string, unknown>, properties: readonly string[]): string[] {
  const patterns = [...properties, ...ALWAYS].map(pathSegments);
  const out: string[] = [];
  const walk = (value: unknown, segments: string[], path: string): void => {
    // An empty list or map declares nothing the backend would have to carry out (a saved
    // declaration holds every kind's empty defaults: `addressRanges: []`, `securityGroups: []`).
    if (Array.isArray(value) ? value.length === 0 : isEmptyMap(value)) return;
    const relations = patterns.map((p) => relation(p, segments));
    if (relations.includes("covers")) return;
    if (!relations.includes("below")) {
      out.push(path);
      return;
    }
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...segments, `[${i}]`], `${path}[${i}]`));
    else if (typeof value === "object" && value !== null) {
      for (const [k, v] of Object.entries(value)) if (v !== undefined) walk(v, [...segments, k], `${path}.${k}`);
    }
  };
  for (const [key, value] of Object.entries(input)) if (value !== undefined) walk(value, [key], key);
  return out;
}
