/**
 * One line for a mistyped command or option, as a person used to Terraform types them: `-auto-approve`
 * and `-out=plan` (Terraform's single dash), `--auto-aprove` (a typo). The options a command takes
 * are read from its usage text (`  --out FILE  …`), so the suggestion never names one it lacks.
 */

/** The `--options` a usage text lists. */
export function optionsOf(usage: string): string[] {
  const found = new Set<string>();
  for (const m of usage.matchAll(/^\s{2,}(--[a-z][a-z-]*)(?:,\s*(--[a-z][a-z-]*))?/gm)) {
    found.add(m[1]!);
    if (m[2]) found.add(m[2]);
  }
  return [...found];
}

/** Levenshtein distance, for typos. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The closest of `known` to `given`, when it is close enough to be what was meant. */
export function closest(given: string, known: readonly string[]): string | undefined {
  let best: { word: string; d: number } | undefined;
  for (const word of known) {
    const d = distance(given, word);
    if (!best || d < best.d) best = { word, d };
  }
  return best && best.d <= Math.max(2, Math.floor(given.length / 4)) ? best.word : undefined;
}

/** The unknown option of a `node:util` parseArgs message ("Unknown option '-x'…"), if it is one. */
export function unknownOptionOf(message: string): string | undefined {
  return /^Unknown option '([^']+)'/.exec(message)?.[1];
}

/** What was meant by `option`, among a command's `known` options: `-auto-approve` → `--auto-approve`, `-out=plan` → `--out plan`. */
export function suggestOption(option: string, known: readonly string[]): string | undefined {
  const [flag, value] = option.split("=", 2) as [string, string | undefined];
  const long = flag.startsWith("--") ? flag : `-${flag}`;
  const meant = known.includes(long) ? long : closest(long, known);
  if (meant === undefined) return undefined;
  return value === undefined ? meant : `${meant} ${value}`;
}
