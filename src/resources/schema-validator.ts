/**
 * Runs a kind's JSON schema with ajv and turns ajv's errors into issues a person can act on:
 * the property path in the user's words (`disks[0].size`), what was expected (with its unit) and
 * what was given (never when the field is secret).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import type { Ajv, ErrorObject, Options, ValidateFunction } from "ajv";
import type { JsonSchema } from "./schema-parts.js";
import { secretInValue } from "./secret-scan.js";

export interface SchemaProblem {
  /** `disks[0].size`; empty for the object itself. */
  path: string;
  message: string;
  /** Keys and indices down to the value at fault (for `required`/unknown keys: to its object). */
  pointer: (string | number)[];
}

/**
 * allErrors: every mistake of a stack comes out in one run. verbose: errors carry the data and the
 * parent schema, which hold the value given and the `unit`/`expected` annotations.
 */
export const AJV_OPTIONS: Options = { allErrors: true, verbose: true, strict: true, allowUnionTypes: true };
/** The annotation keywords the schemas carry for the messages (schema-parts.ts). */
export const AJV_VOCABULARY = ["unit", "expected", "secret"];

/**
 * The validators the package build compiled ahead of time (scripts/precompile-validators.ts), by the
 * JSON text of their schema: compiling the schemas a stack uses took ~150 ms of every cold command
 * (BENCHMARKS.md "cold-plan"). Run from the sources there are none, and a schema the build did not
 * see (its text differs) is compiled here as before.
 */
export const PRECOMPILED_FILE = "precompiled-validators.cjs";

const requireHere = createRequire(import.meta.url);
let precompiled: ReadonlyMap<string, ValidateFunction> | null | undefined;

function precompiledValidators(): ReadonlyMap<string, ValidateFunction> | null {
  if (precompiled === undefined) {
    const file = new URL(`./${PRECOMPILED_FILE}`, import.meta.url);
    precompiled = file.protocol === "file:" && existsSync(file) ? (requireHere(`./${PRECOMPILED_FILE}`) as { validators: ReadonlyMap<string, ValidateFunction> }).validators : null;
  }
  return precompiled;
}

let ajv: Ajv | undefined;
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

/** An ajv instance as the validators need it (ajv is loaded only when a schema must be compiled here). */
export function newAjv(options: Options = {}): Ajv {
  const { Ajv: AjvClass } = requireHere("ajv") as typeof import("ajv");
  const instance = new AjvClass({ ...AJV_OPTIONS, ...options });
  instance.addVocabulary(AJV_VOCABULARY);
  return instance;
}

function validatorFor(schema: JsonSchema): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = precompiledValidators()?.get(JSON.stringify(schema));
    if (!fn) {
      ajv ??= newAjv();
      fn = ajv.compile(schema);
    }
    compiled.set(schema, fn);
  }
  return fn;
}

/** Every problem of `data` against `schema`; empty when it conforms. */
export function checkSchema(schema: JsonSchema, data: unknown): SchemaProblem[] {
  const validate = validatorFor(schema);
  if (validate(data)) return [];
  return describeErrors(validate.errors ?? []);
}

function describeErrors(errors: ErrorObject[]): SchemaProblem[] {
  // An anyOf/oneOf failure is reported once, in the words of its `expected`, not as the failures of
  // each alternative; the same for propertyNames and the pattern inside it.
  const unions = errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf");
  const shadowed = (e: ErrorObject): boolean =>
    unions.some((u) => u !== e && e.schemaPath.startsWith(`${u.schemaPath}/`) && e.instancePath.startsWith(u.instancePath)) ||
    e.schemaPath.includes("/propertyNames/");
  const problems: SchemaProblem[] = [];
  for (const error of errors) {
    // "must match the then schema" adds nothing to the error inside the `then` it points at.
    if (shadowed(error) || error.keyword === "if") continue;
    problems.push({ ...describeError(error), pointer: pointerSegments(error.instancePath) });
  }
  return problems;
}

function pointerSegments(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split("/")
    .map((raw) => raw.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function describeError(e: ErrorObject): Omit<SchemaProblem, "pointer"> {
  const parent = (e.parentSchema ?? {}) as JsonSchema;
  const secret = parent.secret === true;
  const path = pointerToPath(e.instancePath);
  const unit = typeof parent.unit === "string" ? ` ${parent.unit}` : "";
  const expected = typeof parent.expected === "string" ? parent.expected : undefined;
  const given = secret ? describeSecret(e.data) : describeValue(e.data);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return { path: joinPath(path, String(params.missingProperty)), message: "is required" };
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      const known = Object.keys((parent.properties ?? {}) as object);
      const guess = closest(key, known);
      const hint = guess ? `; did you mean "${guess}"?` : known.length > 0 ? ` (known: ${known.join(", ")})` : "";
      return { path: joinPath(path, key), message: `is not a known property${hint}` };
    }
    case "propertyNames": {
      const key = String(params.propertyName);
      const rule = ((parent.propertyNames ?? {}) as JsonSchema).expected;
      return { path: joinPath(path, key), message: `key ${JSON.stringify(key)} is not allowed: must be ${rule ?? "a valid key"}` };
    }
    case "type":
      return { path, message: `must be ${expected ?? typeWords(params.type)}, got ${given}` };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return { path, message: `must be ${params.comparison} ${params.limit}${unit}, got ${given}` };
    case "minLength":
      return params.limit === 1
        ? { path, message: "must not be empty" }
        : { path, message: `must be at least ${params.limit} characters long, got ${lengthOf(e.data)}` };
    case "maxLength":
      return { path, message: `must be at most ${params.limit} characters long, got ${lengthOf(e.data)}` };
    case "minItems":
      return { path, message: `must have at least ${params.limit} item${params.limit === 1 ? "" : "s"}, got ${arrayLength(e.data)}` };
    case "maxItems":
      return { path, message: `must have at most ${params.limit} items, got ${arrayLength(e.data)}` };
    case "uniqueItems":
      return { path, message: `must not repeat items, got the same value at [${params.j}] and [${params.i}]` };
    case "pattern":
      return { path, message: `must be ${expected ?? `text matching ${params.pattern}`}, got ${given}` };
    case "enum": {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      const guess = typeof e.data === "string" ? closest(e.data, allowed.filter((a): a is string => typeof a === "string")) : undefined;
      const hint = guess ? ` (did you mean "${guess}"?)` : "";
      return { path, message: `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${given}${hint}` };
    }
    case "const":
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}, got ${given}` };
    case "anyOf":
    case "oneOf":
      return { path, message: `must be ${expected ?? "one of the allowed shapes"}, got ${given}` };
    default:
      return { path, message: `${e.message ?? "is invalid"}${secret ? "" : `, got ${given}`}` };
  }
}

/** `/disks/0/size` → `disks[0].size`. */
export function pointerToPath(pointer: string): string {
  if (!pointer) return "";
  let out = "";
  for (const raw of pointer.slice(1).split("/")) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out = /^\d+$/.test(part) ? `${out}[${part}]` : joinPath(out, part);
  }
  return out;
}

/** Appends a key to a property path, quoting keys that are not plain words. */
export function joinPath(path: string, key: string): string {
  const plain = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key);
  if (!plain) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}

function typeWords(type: unknown): string {
  const one = (t: string): string =>
    ({ integer: "a whole number", number: "a number", string: "a string", boolean: "true or false", array: "a list", object: "an object", null: "null" })[t] ?? t;
  return Array.isArray(type) ? type.map(String).map(one).join(" or ") : one(String(type));
}

/** The value a user gave, in words, short. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") {
    // An error message must not leak what it complains about: a private key pasted in the wrong field.
    if (secretInValue(value)) return "a value that looks like a secret (not shown)";
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object") {
    const v = value as Record<string, unknown>;
    const keys = Object.keys(v);
    if (typeof v.ref === "string" && typeof v.attr === "string" && keys.length === 2) return `the attribute ${v.ref}.${v.attr}`;
    if (typeof v.ref === "string" && keys.length === 1) return `a reference to ${v.ref}`;
    return "an object";
  }
  return typeof value;
}

function describeSecret(value: unknown): string {
  if (typeof value === "string") return `a string of ${value.length} characters`;
  if (value === null || value === undefined) return describeValue(value);
  return Array.isArray(value) ? "a list" : `a ${typeof value}`;
}

function lengthOf(value: unknown): number {
  return typeof value === "string" ? value.length : 0;
}

function arrayLength(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

/** The candidate closest to `word` (case-insensitive equality or edit distance ≤ 2), if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    if (c.toLowerCase() === lower) return c;
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
