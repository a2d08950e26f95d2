/**
 * JSON with sorted keys at every level, so the same value always serialises to the same bytes
 * (golden files, `hyperplan synth` output, fingerprints).
 */
export function canonicalJson(value: unknown, indent = 2): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

/** A deep copy of `value` whose objects have their keys inserted in sorted order. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    // Plain code-unit order, not localeCompare: it must not depend on the machine's locale.
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** The JSON path where two values first differ, or undefined when they are equal. */
export function firstDifference(a: unknown, b: unknown, path = ""): string | undefined {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path === "" ? k : `${path}.${k}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return canonicalJson(a) === canonicalJson(b) ? undefined : path === "" ? "the top" : path;
}
