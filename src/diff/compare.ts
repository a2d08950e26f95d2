/**
 * The comparison engine: walks a declared value and a live value side by side and records the
 * attribute paths that differ, each with the raw values of both sides. Classification (how the change
 * is carried out) happens later, from the provider's rules; this file only knows what differs.
 *
 * Absent keys. Each field says what its absence in a declaration means (fields.ts: the backend says
 * which fields it fills):
 * - `backend`: the backend decides. An undeclared value is never compared, whatever the live side has
 *   (device prefixes, bridge names, VCPU, a VM's MAC).
 * - `none`: nothing. An undeclared value that exists live is a diff (a description removed from the
 *   declaration is removed from the object).
 */
import { MASKED_SECRET, type AttributeRef } from "../resources/desired-state.js";
import { UNKNOWN } from "../core/plan.js";
import type { ChangeType } from "./rules.js";
import { joinKey } from "./rules.js";
import type { Absence, FieldSpec, FieldTables } from "./fields.js";
import {
  NORMALISERS,
  asArray,
  asAttributeRef,
  asRecord,
  canonicalText,
  keyMap,
  sameRawValue,
  type Canonical,
  type Normaliser,
} from "./values.js";

/** One difference found, before classification. */
export interface RawDiff {
  path: string;
  change: ChangeType;
  before?: unknown;
  after?: unknown;
  sensitive: boolean;
  /** The objects this plan creates or replaces that the value refers to under an unchanged address. */
  renewed: string[];
  /** Set for changes inside a collection element (a disk, a NIC). */
  element?: { before: unknown; after: unknown; changedKeys: string[]; liveIndex: number };
}

/** What an attribute reference resolves to when comparing. */
export type Resolution = { state: "known"; value: string | number } | { state: "renewed" } | { state: "unreported" };

export interface CompareEnv {
  keyCase: "exact" | "insensitive";
  /** The backend whose `raw` key is compared. */
  backend: string;
  /** `create`: the live side is empty and every declared value becomes an `add` line. */
  mode: "create" | "update";
  /** True for addresses this plan creates or replaces (references to them get a new id). */
  renewed: (address: string) => boolean;
  resolve: (ref: AttributeRef) => Resolution;
  /** Other spellings of live values, by path. */
  aliases: { [path: string]: unknown[] };
  /** The field tables, with what the backend fills by itself (fields.ts). */
  fields: FieldTables;
}

export class DiffCollector {
  readonly diffs: RawDiff[] = [];
  constructor(readonly env: CompareEnv) {}

  /** A collector for a sub-comparison (a collection element), sharing the environment. */
  scratch(): DiffCollector {
    return new DiffCollector(this.env);
  }

  push(diff: Omit<RawDiff, "sensitive" | "renewed"> & { sensitive?: boolean; renewed?: string[] }): void {
    const sensitive = diff.sensitive === true;
    this.diffs.push({
      ...diff,
      before: sensitive ? mask(diff.before) : diff.before,
      after: sensitive ? mask(diff.after) : diff.after,
      sensitive,
      renewed: diff.renewed ?? [],
    });
  }

  /** A line for a value that changed as a whole. */
  line(path: string, before: unknown, after: unknown, options: { sensitive?: boolean; renewed?: string[] } = {}): void {
    const change: ChangeType = before === undefined ? "add" : after === undefined ? "remove" : "modify";
    this.push({ path, change, before, after, ...options });
  }

  fields(base: string, desired: Record<string, unknown>, live: Record<string, unknown>, specs: readonly FieldSpec[]): void {
    for (const spec of specs) this.scalar(joinKey(base, spec.key), desired[spec.key], live[spec.key], spec);
  }

  /** One scalar field. References compare by address; a reference to a renewed object differs. */
  scalar(path: string, desired: unknown, live: unknown, spec: Omit<FieldSpec, "key">): void {
    const d = desired === undefined || desired === null ? spec.default : desired;
    const l = this.env.mode === "create" ? undefined : live === undefined || live === null ? spec.default : live;
    if (d === undefined && spec.absent === "backend") return;
    const norm: Normaliser = NORMALISERS[spec.type];
    const cd = norm(d);
    const cl = norm(l);
    // The same address on both sides, but this plan creates the object anew: the live object refers
    // to the old one (its id), so the reference changes even though the declaration did not.
    if (spec.type === "ref" && this.env.mode === "update" && typeof cd === "string" && cd === cl && this.env.renewed(cd)) {
      this.push({ path, change: "modify", before: l, after: d, renewed: [cd] });
      return;
    }
    if (cd === cl || this.aliasMatches(path, cd, norm)) return;
    if (cd === undefined && cl === undefined) return;
    this.push({
      path,
      change: cl === undefined ? "add" : cd === undefined ? "remove" : "modify",
      before: cl === undefined ? undefined : l,
      after: cd === undefined ? undefined : d,
      sensitive: spec.sensitive === true,
    });
  }

  private aliasMatches(path: string, cd: Canonical, norm: Normaliser): boolean {
    if (cd === undefined) return false;
    const aliases = this.env.aliases[path];
    return Array.isArray(aliases) && aliases.some((a) => norm(a) === cd);
  }

  /** A list where order carries no meaning and repeats do not count (labels, SSH keys). */
  set(path: string, desired: unknown, live: unknown, norm: Normaliser, absent: Absence = "none"): void {
    if (desired === undefined && absent === "backend") return;
    const l = this.env.mode === "create" ? undefined : live;
    const key = (v: unknown) => JSON.stringify([...new Set(asArray(v).map(norm))].map(String).sort());
    if (key(desired) === key(l)) return;
    this.line(path, l, desired === undefined ? [] : desired);
  }

  /** A list whose order carries meaning (DNS servers, boot order). */
  list(path: string, desired: unknown, live: unknown, norm: Normaliser, absent: Absence = "none"): void {
    if (desired === undefined && absent === "backend") return;
    const l = this.env.mode === "create" ? undefined : live;
    const key = (v: unknown) => JSON.stringify(asArray(v).map((x) => String(norm(x))));
    if (key(desired) === key(l)) return;
    this.line(path, l, desired === undefined ? [] : desired);
  }

  /** A map of string values compared key by key (free attributes). */
  map(path: string, desired: unknown, live: unknown, norm: Normaliser = NORMALISERS.text): void {
    const d = keyMap(asRecord(desired), this.env.keyCase);
    const l = keyMap(this.env.mode === "create" ? {} : asRecord(live), this.env.keyCase);
    const names = spelling(asRecord(desired), this.env.mode === "create" ? {} : asRecord(live), this.env.keyCase);
    for (const key of sortedUnion(d, l)) {
      const dv = d.get(key);
      const lv = l.get(key);
      if (dv !== undefined && lv !== undefined && norm(dv) === norm(lv)) continue;
      this.line(joinKey(path, names.get(key)!), lv, dv);
    }
  }

  /** The declared keys of this backend's raw attributes; the backend's other attributes are its own. */
  raw(desired: unknown, live: unknown): void {
    const backend = this.env.backend;
    const d = keyMap(asRecord(asRecord(desired)[backend]), this.env.keyCase);
    const l = keyMap(this.env.mode === "create" ? {} : asRecord(asRecord(live)[backend]), this.env.keyCase);
    const names = spelling(asRecord(asRecord(desired)[backend]), {}, this.env.keyCase);
    for (const [key, dv] of [...d].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const lv = l.get(key);
      if (lv !== undefined && sameRawValue(dv, lv, this.env.keyCase)) continue;
      this.line(joinKey(joinKey("raw", backend), names.get(key)!), lv, dv);
    }
  }

  /**
   * A map whose values may be attributes known after apply (context variables), merged with a map of
   * secret values: both sides' plain and secret variables form one map, since a backend does not say
   * which of its variables were secret.
   */
  variables(base: string, desiredPlain: unknown, desiredSecret: unknown, livePlain: unknown, liveSecret: unknown): void {
    type Entry = { value: unknown; secret: boolean; spelled: string };
    const collect = (plain: unknown, secret: unknown): Map<string, Entry> => {
      const out = new Map<string, Entry>();
      for (const [record, isSecret] of [
        [asRecord(plain), false],
        [asRecord(secret), true],
      ] as const) {
        for (const [k, v] of Object.entries(record)) {
          if (v === undefined) continue;
          out.set(this.env.keyCase === "insensitive" ? k.toUpperCase() : k, { value: v, secret: isSecret, spelled: k });
        }
      }
      return out;
    };
    const d = collect(desiredPlain, desiredSecret);
    const l = this.env.mode === "create" ? new Map<string, Entry>() : collect(livePlain, liveSecret);
    for (const key of sortedUnion(d, l)) {
      const de = d.get(key);
      const le = l.get(key);
      const secret = de?.secret === true || le?.secret === true;
      const path = joinKey(joinKey(base, secret ? "secretVars" : "vars"), (de ?? le)!.spelled);
      const liveValue = le === undefined ? undefined : NORMALISERS.secret(le.value);
      if (de === undefined) {
        this.line(path, le!.value, undefined, { sensitive: secret });
        continue;
      }
      const ref = asAttributeRef(de.value);
      if (ref) {
        const resolved = this.env.mode === "create" ? ({ state: "renewed" } as const) : this.env.resolve(ref);
        if (resolved.state === "known") {
          if (liveValue !== undefined && canonicalText(resolved.value) === liveValue) continue;
          this.line(path, le?.value, resolved.value, { sensitive: secret });
        } else if (resolved.state === "renewed") {
          this.line(path, le?.value, UNKNOWN, { sensitive: secret });
        } else if (le === undefined) {
          // The value is not reported live; whether it changes cannot be told, but a missing variable can.
          this.line(path, undefined, UNKNOWN, { sensitive: secret });
        }
        continue;
      }
      if (liveValue !== undefined && NORMALISERS.secret(de.value) === liveValue) continue;
      this.line(path, le?.value, de.value, { sensitive: secret });
    }
  }
}

function mask(value: unknown): unknown {
  return value === undefined ? undefined : MASKED_SECRET;
}

function sortedUnion<V>(a: Map<string, V>, b: Map<string, V>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort();
}

/** How each comparison key is spelled for people: the declaration's spelling first. */
function spelling(desired: Record<string, unknown>, live: Record<string, unknown>, keyCase: "exact" | "insensitive"): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of Object.keys(live)) out.set(keyCase === "insensitive" ? k.toUpperCase() : k, k);
  for (const k of Object.keys(desired)) out.set(keyCase === "insensitive" ? k.toUpperCase() : k, k);
  return out;
}
