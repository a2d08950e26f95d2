/**
 * The error base every hyperplan error extends.
 *
 * Errors are typed, coded, addressed and chained: `code` is a stable machine name, `address` the
 * resource address when one is involved, `summary` one line for a person, `detail` the backend's own
 * code and message when there is one, and `cause` the error underneath.
 *
 * Recognise an error by its brand, never by `instanceof`: user stacks load through tsx, so a second
 * copy of this module can exist in one process and `instanceof` would then say no.
 */
export const HYPERPLAN_ERROR = Symbol.for("hyperplan.error");

export interface HyperplanErrorOptions {
  /** Resource address (`lab/web-1`) the error is about, when there is one. */
  address?: string;
  /** The backend's own words: its error code and message, kept verbatim. */
  detail?: string;
  cause?: unknown;
}

export class HyperplanError extends Error {
  readonly [HYPERPLAN_ERROR] = true;
  readonly code: string;
  readonly address: string | undefined;
  readonly summary: string;
  readonly detail: string | undefined;

  constructor(code: string, summary: string, options: HyperplanErrorOptions = {}) {
    super(composeMessage(summary, options), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.address = options.address;
    this.summary = summary;
    this.detail = options.detail;
  }
}

function composeMessage(summary: string, options: HyperplanErrorOptions): string {
  const head = options.address ? `${options.address}: ${summary}` : summary;
  return options.detail ? `${head} (${options.detail})` : head;
}

/** True for any hyperplan error, whichever copy of this module made it. */
export function isHyperplanError(value: unknown): value is HyperplanError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[HYPERPLAN_ERROR] === true;
}

/** True when `value` is a hyperplan error with this code. */
export function hasErrorCode(value: unknown, code: string): value is HyperplanError {
  return isHyperplanError(value) && value.code === code;
}

/** Exhaustiveness check for switches over closed unions. */
export function assertNever(value: never, what = "value"): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
