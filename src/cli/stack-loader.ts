/**
 * Loads a user's stack file: a TypeScript module run directly (tsx is registered before the first
 * one, so a dynamic `import()` of a .ts file compiles it on the fly; there is no build step for the
 * user).
 *
 * Which file: the argument, else `hyperplan.config.ts`, else `stack.ts`, in the working directory.
 * What it must export: see `src/resources/stack-file.ts` (an App, a Stack, an array of stacks, or a
 * function of `{ env, cwd }` returning one of those).
 *
 * `import ... from "hyperplan"` in the user's file always resolves to this very package — the copy
 * the CLI runs — whether or not the user's project has hyperplan installed. One copy means the
 * user's constructs are the ones the CLI validates, with no version skew.
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as nodeModule from "node:module";
import { HyperplanError } from "../errors.js";
import { isAppLike, isStackLike } from "../resources/brands.js";
import type { Stack } from "../resources/stack.js";
import type { StackFileContext } from "../resources/stack-file.js";

/** Looked for in this order when no file is named. */
export const DEFAULT_STACK_FILES = ["hyperplan.config.ts", "stack.ts"] as const;

export class StackFileError extends HyperplanError {}

/**
 * Where in the user's own file an error of their stack code was thrown (`stack.ts:12:7`): the first
 * frame of its trace in `file`, as the person wrote it; undefined when the trace does not pass there.
 */
export function userFrame(error: unknown, file: string, cwd: string): string | undefined {
  const trace = error instanceof Error ? error.stack : undefined;
  if (!trace) return undefined;
  const url = pathToFileURL(file).href;
  for (const line of trace.split("\n").slice(1)) {
    const m = /\(?((?:file:\/\/)?[^()\s]+?):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (!m) continue;
    const where = m[1]!;
    if (where !== url && where !== file) continue;
    const shown = relative(cwd, file) || file;
    return `${shown.startsWith("..") ? file : shown}:${m[2]}:${m[3]}`;
  }
  return undefined;
}

/** The error of the user's stack code, pointed at their file and line. */
function stackCodeError(code: string, summary: string, error: unknown, file: string, cwd: string): StackFileError {
  const at = userFrame(error, file, cwd);
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new StackFileError(code, summary, { cause: error, detail: at ? `${at}: ${what}` : what });
}

/** The stack file to load: `argument` relative to `cwd`, or the first default file that exists. */
export function resolveStackFile(cwd: string, argument?: string): string {
  if (argument !== undefined) {
    const file = isAbsolute(argument) ? argument : resolve(cwd, argument);
    if (!existsSync(file)) throw new StackFileError("STACK_FILE_NOT_FOUND", `stack file ${argument} does not exist (looked at ${file})`);
    if (!statSync(file).isFile()) throw new StackFileError("STACK_FILE_NOT_FOUND", `stack file ${argument} is not a file`);
    return file;
  }
  for (const name of DEFAULT_STACK_FILES) {
    const file = resolve(cwd, name);
    if (existsSync(file) && statSync(file).isFile()) return file;
  }
  throw new StackFileError(
    "STACK_FILE_NOT_FOUND",
    `no stack file given and neither ${DEFAULT_STACK_FILES.join(" nor ")} exists in ${cwd}`,
  );
}

let resolutionHookInstalled = false;

/**
 * Installs a module resolution hook for every module loaded after this call:
 * - `import "hyperplan"` resolves to this package's entry point;
 * - TypeScript files outside node_modules load as ES modules. Without this, a stack file in a
 *   project without `"type": "module"` would be compiled to CommonJS, whose `require` neither sees
 *   this hook nor can load this package's ES modules.
 */
export function installHyperplanResolution(): void {
  if (resolutionHookInstalled) return;
  resolutionHookInstalled = true;
  // This module runs from src/ (a .ts file, under tsx) or from the package's compiled dist/ (a .js file).
  const entry = new URL(import.meta.url.endsWith(".ts") ? "../index.ts" : "../index.js", import.meta.url);
  // Under a bundler-style runner (the test runner) modules are not file URLs and it resolves itself.
  // module.register exists since Node 20.6; the installed @types/node predates its typing.
  const register = (nodeModule as unknown as { register?: (specifier: string) => void }).register;
  if (entry.protocol !== "file:" || typeof register !== "function") return;
  // tsx marks a .ts file of a CommonJS-scoped project with a `tsx-commonjs-*` query and format
  // "commonjs"; the hook strips that so the file loads as an ES module like the rest.
  const hook = [
    'import { pathToFileURL } from "node:url";',
    `const target = ${JSON.stringify(entry.href)};`,
    "export async function resolve(specifier, context, next) {",
    '  if (specifier === "hyperplan") return { url: target, format: "module", shortCircuit: true };',
    "  const resolved = await next(specifier, context);",
    '  if (!resolved.url.startsWith("file:")) return resolved;',
    "  const url = new URL(resolved.url);",
    "  const match = /^(.*?\\.(?:ts|tsx|mts))(?:\\?.*)?$/.exec(decodeURIComponent(url.pathname));",
    '  if (!match || match[1].includes("/node_modules/")) return resolved;',
    '  if (resolved.format === "commonjs" || resolved.url.includes("tsx-commonjs")) {',
    '    return { url: pathToFileURL(match[1]).href, format: "module" };',
    "  }",
    '  return { ...resolved, format: "module" };',
    "}",
  ].join("\n");
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}

export interface LoadedStackFile {
  file: string;
  /** Sorted by name. */
  stacks: Stack[];
}

let typeScriptLoader: Promise<void> | undefined;

/**
 * tsx, which compiles a TypeScript stack file as it loads. Run from src/ the CLI is under tsx already
 * (this very module is TypeScript); run from the package's dist/, tsx is registered for the first
 * stack file, so commands that load none (`--version`, `sim`, a saved plan's apply) never pay for it.
 */
function typeScriptLoaded(): Promise<void> {
  if (import.meta.url.endsWith(".ts")) return Promise.resolve();
  typeScriptLoader ??= import("tsx/esm/api").then((tsx) => {
    tsx.register();
  });
  return typeScriptLoader;
}

/** Imports `file`, evaluates its default export and returns its stacks. */
export async function loadStackFile(file: string, context: StackFileContext): Promise<LoadedStackFile> {
  await typeScriptLoaded();
  installHyperplanResolution();
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw stackCodeError("STACK_FILE_LOAD_FAILED", `could not load ${file}`, error, file, context.cwd);
  }
  let exported = module.default;
  // A stack file compiled to CommonJS arrives as { default: { __esModule, default } }.
  if (isModuleRecord(exported)) exported = (exported as Record<string, unknown>).default;
  if (exported === undefined) {
    throw new StackFileError(
      "STACK_FILE_EXPORT_INVALID",
      `${file} has no default export; export an App, a Stack, an array of stacks, or a function ({ env, cwd }) returning one`,
    );
  }
  if (typeof exported === "function" && !isAppLike(exported) && !isStackLike(exported)) {
    try {
      exported = await (exported as (c: StackFileContext) => unknown)(context);
    } catch (error) {
      throw stackCodeError("STACK_FILE_LOAD_FAILED", `the default export of ${file} threw while building the stacks`, error, file, context.cwd);
    }
  }
  return { file, stacks: stacksOf(exported, file) };
}

function isModuleRecord(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as { __esModule?: unknown }).__esModule === true && "default" in value;
}

function stacksOf(value: unknown, file: string): Stack[] {
  let stacks: Stack[];
  if (isAppLike(value)) stacks = (value as { stacks: Stack[] }).stacks;
  else if (isStackLike(value)) stacks = [value as Stack];
  else if (Array.isArray(value) && value.length > 0 && value.every(isStackLike)) stacks = value as Stack[];
  else {
    throw new StackFileError(
      "STACK_FILE_EXPORT_INVALID",
      `the default export of ${file} is ${describe(value)}; export an App, a Stack, an array of stacks, or a function returning one`,
    );
  }
  if (stacks.length === 0) throw new StackFileError("STACK_FILE_EXPORT_INVALID", `${file} declares no stack: its App has no Stack in it`);
  const seen = new Set<string>();
  for (const stack of stacks) {
    if (seen.has(stack.stackName)) throw new StackFileError("STACK_NAME_DUPLICATE", `${file} declares two stacks named "${stack.stackName}"`);
    seen.add(stack.stackName);
  }
  return [...stacks].sort((a, b) => (a.stackName < b.stackName ? -1 : a.stackName > b.stackName ? 1 : 0));
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty array" : "an array holding something other than stacks";
  if (typeof value === "object") return "an object that is neither an App nor a Stack";
  return `a ${typeof value}`;
}

/** The stacks to work on: all, or the one named by `--stack`. */
export function selectStacks(loaded: LoadedStackFile, name: string | undefined): Stack[] {
  if (name === undefined) return loaded.stacks;
  const stack = loaded.stacks.find((s) => s.stackName === name);
  if (!stack) {
    throw new StackFileError("STACK_NOT_FOUND", `${loaded.file} has no stack "${name}" (it has: ${loaded.stacks.map((s) => s.stackName).join(", ")})`);
  }
  return [stack];
}
