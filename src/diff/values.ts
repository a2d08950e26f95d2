/**
 * Value normalisation: when a declared value and a live value say the same thing in different
 * spellings. Each function takes anything (live input is read defensively) and returns a canonical
 * form, or `undefined` when there is no value.
 *
 * The choices, for people reading a plan:
 * - Numbers: `0.5`, `"0.5"` and `".50"` are one value; a string that is not a number stays a string.
 * - Enum-like values (image type, driver, protocol, firmware …) compare without case: backends print
 *   them in upper case (`OS`, `TCP`) where declarations use lower case.
 * - Booleans: `true`, `"true"`, `"YES"`, `"yes"`, `1` are true (OpenNebula writes YES/NO).
 * - Addresses (IP, MAC, CIDR, host names) compare without case.
 * - Scripts: line ends are `\n`, and whitespace at the very end of the script does not count (an editor
 *   adding or dropping the final newline changes nothing the guest runs); whitespace inside counts.
 * - SSH keys: runs of blanks inside a key are one blank, leading and trailing blanks do not count.
 */
import { isAttributeRef, isRef, isSecretValue, type AttributeRef } from "../resources/desired-state.js";

export type Canonical = string | number | boolean | undefined;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asRecord(value: unknown): Record<string, unknown> {
  return isPlainObject(value) ? value : {};
}

const NUMERIC = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

export function canonicalNumber(value: unknown): Canonical {
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "string") return NUMERIC.test(value) ? Number(value) : value;
  if (typeof value === "boolean") return String(value);
  return undefined;
}

export function canonicalText(value: unknown): Canonical {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

export function canonicalLower(value: unknown): Canonical {
  const text = canonicalText(value);
  return typeof text === "string" ? text.toLowerCase() : text;
}

const TRUE_WORDS = new Set(["true", "yes", "1", "on"]);
const FALSE_WORDS = new Set(["false", "no", "0", "off", ""]);

export function canonicalBoolean(value: unknown): Canonical {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string") {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    return value;
  }
  return undefined;
}

export function canonicalScript(value: unknown): Canonical {
  const text = canonicalText(value);
  return typeof text === "string" ? text.replace(/\r\n?/g, "\n").replace(/\s+$/u, "") : text;
}

export function canonicalSshKey(value: unknown): Canonical {
  const text = canonicalText(value);
  return typeof text === "string" ? text.trim().replace(/\s+/gu, " ") : text;
}

/** A secret's value, whether the side gives `{ secret }` or a plain string. */
export function canonicalSecret(value: unknown): Canonical {
  if (isSecretValue(value)) return value.secret;
  return canonicalText(value);
}

/** The address a reference names (`{ ref }`), or undefined. */
export function refAddress(value: unknown): string | undefined {
  if (isRef(value)) return value.ref;
  if (isPlainObject(value) && typeof value.ref === "string" && !("attr" in value)) return value.ref;
  return undefined;
}

export function asAttributeRef(value: unknown): AttributeRef | undefined {
  return isAttributeRef(value) ? value : undefined;
}

/** A live value as text for ids and messages, whatever a provider handed over. */
export function displayText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value === undefined) return "(none)";
  try {
    return JSON.stringify(value) ?? "(none)";
  } catch {
    return "(unreadable)";
  }
}

export type Normaliser = (value: unknown) => Canonical;

/** Normalisers by name, so field tables stay data. */
export const NORMALISERS = {
  text: canonicalText,
  number: canonicalNumber,
  lower: canonicalLower,
  boolean: canonicalBoolean,
  script: canonicalScript,
  secret: canonicalSecret,
  ref: (value: unknown): Canonical => refAddress(value),
} satisfies Record<string, Normaliser>;

export type ValueType = keyof typeof NORMALISERS;

/**
 * Deep equality for raw backend values (RawValue): objects by key, arrays in order, scalars through
 * the number rule then as text.
 */
export function sameRawValue(a: unknown, b: unknown, keyCase: "exact" | "insensitive"): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameRawValue(x, b[i], keyCase));
  }
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    const ka = keyMap(a, keyCase);
    const kb = keyMap(b, keyCase);
    if (ka.size !== kb.size) return false;
    for (const [k, v] of ka) {
      if (!kb.has(k) || !sameRawValue(v, kb.get(k), keyCase)) return false;
    }
    return true;
  }
  const na = canonicalNumber(a);
  const nb = canonicalNumber(b);
  return na === nb;
}

/** An object's entries keyed by the comparison key (upper case when the backend ignores case). */
export function keyMap(record: Record<string, unknown>, keyCase: "exact" | "insensitive"): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined) continue;
    out.set(keyCase === "insensitive" ? k.toUpperCase() : k, v);
  }
  return out;
}
