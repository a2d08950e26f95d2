/**
 * `ignoreChanges`: which attribute differences a declaration leaves alone. A pattern covers a path
 * when its segments match the path's first segments: `nics` covers `nics[0].ip`, `context.vars.*`
 * covers `context.vars.ROLE`, `*` stands for one key or one index (`disks[*].size`).
 */

/** `nics[0].ip` → `nics`, `[0]`, `ip`. */
function segments(path: string): string[] {
  return path.split(/\.|(?=\[)/).filter((s) => s !== "");
}

function segmentMatches(want: string, got: string): boolean {
  if (want === "*" || want === "[*]") return true;
  return want === got;
}

/** True when `pattern` covers `path`. */
export function ignoreCovers(pattern: string, path: string): boolean {
  const want = segments(pattern);
  const got = segments(path);
  if (want.length > got.length) return false;
  return want.every((w, i) => segmentMatches(w, got[i]!));
}

/** The patterns of `patterns` that cover `path`. */
export function ignoredBy(patterns: readonly string[], path: string): string | undefined {
  return patterns.find((p) => ignoreCovers(p, path));
}
