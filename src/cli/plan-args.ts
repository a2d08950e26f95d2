/**
 * Arguments of the commands that compute a plan (`plan`, `destroy`) and of `show`. Parsed into typed
 * values here, tested without running a command.
 */
import { parseArgs } from "node:util";
import { DEFAULT_RETRY_TIMEOUT_MS } from "../core/retry.js";
import { UsageError } from "../core/command-io.js";

export interface PlanArgs {
  /** The stack file as given; undefined = the default files. */
  file: string | undefined;
  stack: string | undefined;
  /** Use the embedded simulator, its world kept in `.hyperplan/simulator-<backend>.json` beside the stack file. */
  simulate: boolean;
  json: boolean;
  /** Save the plan document here for `apply`. */
  out: string | undefined;
  /** Exit 0 without changes, 2 with changes, 1 on error. */
  detailedExitCode: boolean;
  /** Plan the removal of everything the stack owns (`plan --destroy`). */
  destroy: boolean;
  /** How the plan is printed: the text view, the plan document (`--json`), or Markdown for a pull request. */
  format: "text" | "json" | "markdown";
  /** Limit the plan to these addresses and what they depend on. */
  targets: string[];
  /** Replace these objects whatever the diff says. */
  replace: string[];
  /** How long calls failing on a lost or busy cloud are retried. */
  retryTimeoutMs: number;
  color: boolean | undefined;
}

/** The options every command that computes a plan takes (plan, destroy, apply). */
export const PLAN_OPTIONS = {
  stack: { type: "string" },
  simulate: { type: "boolean" },
  json: { type: "boolean" },
  target: { type: "string", multiple: true },
  replace: { type: "string", multiple: true },
  "retry-timeout": { type: "string" },
  color: { type: "boolean" },
  "no-color": { type: "boolean" },
} as const;

function formatOf(given: string | undefined, json: boolean): PlanArgs["format"] {
  if (given === undefined) return json ? "json" : "text";
  if (given !== "text" && given !== "json" && given !== "markdown") throw new UsageError(`--format takes text, json or markdown, got "${given}"`);
  if (json && given !== "json") throw new UsageError(`--json and --format ${given} ask for two forms; give one`);
  return given;
}

export function parsePlanArgs(argv: string[]): PlanArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ...PLAN_OPTIONS,
        out: { type: "string" },
        "detailed-exitcode": { type: "boolean" },
        destroy: { type: "boolean" },
        format: { type: "string" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (parsed.positionals.length > 1) throw new UsageError(`expected at most one stack file, got ${parsed.positionals.join(" ")}`);
  if (v.stack !== undefined && v.stack.trim() === "") throw new UsageError("--stack needs a stack name");
  if (v.out !== undefined && v.out.trim() === "") throw new UsageError("--out needs a file name");
  return {
    file: parsed.positionals[0],
    stack: v.stack,
    simulate: v.simulate === true,
    json: v.json === true,
    out: v.out,
    detailedExitCode: v["detailed-exitcode"] === true,
    destroy: v.destroy === true,
    format: formatOf(v.format, v.json === true),
    targets: targetsOf(v.target),
    replace: addressesOf("--replace", v.replace),
    retryTimeoutMs: retryTimeoutOf(v["retry-timeout"]),
    color: colorOf(v),
  };
}

/** `90s`, `20m`, `2h`, `1500ms` → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
  const ms = Math.round(Number(m[1]) * unit);
  return ms > 0 ? ms : undefined;
}

/** `--retry-timeout`: a duration, default DEFAULT_RETRY_TIMEOUT_MS. */
export function retryTimeoutOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_RETRY_TIMEOUT_MS;
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`--retry-timeout needs a duration like 90s, 5m or 1h, got "${value}"`);
  return ms;
}

/** The help lines of the options every command that reads the cloud takes. */
export const RETRY_HELP = `  --retry-timeout TIME  how long a call is retried while the cloud does not answer (connection
                        refused or reset, a timeout, HTTP 5xx) before it is given up, e.g. 90s or
                        10m (default ${DEFAULT_RETRY_TIMEOUT_MS / 60_000}m); INTERNAL or LOCKED answers get five attempts`;

/** `--target` values, checked, without repeats, sorted. */
export function targetsOf(values: string[] | undefined): string[] {
  return addressesOf("--target", values);
}

/** Values of an option that takes resource addresses, checked, without repeats, sorted. */
export function addressesOf(option: string, values: string[] | undefined): string[] {
  const addresses = (values ?? []).map((t) => t.trim());
  for (const t of addresses) if (t === "" || !t.includes("/")) throw new UsageError(`${option} needs a resource address like lab/web-1, got "${t}"`);
  return [...new Set(addresses)].sort();
}

/** `--color` / `--no-color`: forced on, forced off, or undefined for the default. */
export function colorOf(values: { color?: boolean; "no-color"?: boolean }): boolean | undefined {
  if (values.color && values["no-color"]) throw new UsageError("--color and --no-color contradict each other");
  return values.color ? true : values["no-color"] ? false : undefined;
}

export interface ShowArgs {
  file: string;
  json: boolean;
  color: boolean | undefined;
}

export function parseShowArgs(argv: string[]): ShowArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { json: { type: "boolean" }, color: { type: "boolean" }, "no-color": { type: "boolean" } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length !== 1) throw new UsageError("show needs exactly one saved plan file");
  const v = parsed.values;
  return { file: parsed.positionals[0]!, json: v.json === true, color: v.color ? true : v["no-color"] ? false : undefined };
}

/** Colour when asked, else when stdout is a terminal and NO_COLOR is not set. */
export function useColor(flag: boolean | undefined, isTTY: boolean | undefined, env: Record<string, string | undefined>): boolean {
  if (flag !== undefined) return flag;
  return isTTY === true && env.NO_COLOR === undefined;
}
