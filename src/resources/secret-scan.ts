/**
 * Finds secrets in fields that are not masked: a private key pasted into a label, a password in a
 * free attribute, a token in a start script. Plans and `synth` print those fields as they are, so a
 * secret there would end up in CI logs. Secret fields (context.password, context.secretVars,
 * graphics.password) are the place for them and are skipped.
 *
 * Heuristics, tuned to miss little and flag little: well-known secret shapes anywhere, and
 * secret-sounding keys in free maps when their value is a literal (not `$VAR`, not a number).
 */

const VALUE_PATTERNS: readonly [RegExp, string][] = [
  [/-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----/, "looks like a private key"],
  [/[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i, "holds a URL with a password in it"],
  [/\bAKIA[0-9A-Z]{16}\b/, "looks like an AWS access key"],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, "looks like a GitHub token"],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, "looks like a Slack token"],
  [/\$(1|2[abxy]?|5|6|y)\$[^\s$]{1,}\$[./A-Za-z0-9]{20,}/, "looks like a password hash"],
  [/\b(password|passwd|pwd|secret|api[_-]?key|token)\s*[=:]\s*["']?(?![$"'\s{<])[^\s"']{4,}/i, "looks like a password assignment"],
];

const SECRET_KEY = /passw|passphrase|^pass$|_pass$|^pwd$|_pwd$|secret|token|api_?key|private_?key|credential/i;

/** Why `text` looks like a secret, or undefined. */
export function secretInValue(text: string): string | undefined {
  for (const [pattern, why] of VALUE_PATTERNS) if (pattern.test(text)) return why;
  return undefined;
}

/** Why a `key: value` pair of a free map looks like a secret, or undefined. */
export function secretInPair(key: string, value: string): string | undefined {
  if (!SECRET_KEY.test(key)) return undefined;
  const v = value.trim();
  if (v === "" || v.startsWith("$") || /^-?\d+(\.\d+)?$/.test(v) || /^(yes|no|true|false|on|off)$/i.test(v)) return undefined;
  return `looks like a secret (the key ${JSON.stringify(key)} names one)`;
}

export interface SecretFinding {
  segments: (string | number)[];
  why: string;
}

/** Top-level props whose keys are the user's own words, where key names are looked at. */
const FREE_MAPS: readonly (readonly string[])[] = [["attributes"], ["context", "vars"], ["raw"]];

function matches(segments: readonly (string | number)[], pattern: readonly string[]): boolean {
  if (segments.length !== pattern.length) return false;
  return pattern.every((p, i) => p === "*" || p === String(segments[i]));
}

function startsWith(segments: readonly (string | number)[], prefix: readonly string[]): boolean {
  return prefix.length <= segments.length && prefix.every((p, i) => p === String(segments[i]));
}

/**
 * Plain objects only: props in JSON form hold no class instance unless the user passed one (the
 * schema reports it), and such an instance may reach the whole construct tree.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Every secret-looking value in `input` outside `secretPaths`. */
export function scanForSecrets(input: unknown, secretPaths: readonly (readonly string[])[]): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const walk = (v: unknown, segments: (string | number)[]): void => {
    if (secretPaths.some((p) => matches(segments, p))) return;
    if (typeof v === "string") {
      const why = secretInValue(v);
      const key = segments[segments.length - 1];
      const pairWhy =
        typeof key === "string" && FREE_MAPS.some((m) => startsWith(segments.slice(0, -1), m)) ? secretInPair(key, v) : undefined;
      if (why ?? pairWhy) findings.push({ segments, why: (why ?? pairWhy)! });
      return;
    }
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...segments, i]));
    else if (isPlainObject(v)) for (const [k, item] of Object.entries(v)) walk(item, [...segments, k]);
  };
  walk(input, []);
  return findings;
}
