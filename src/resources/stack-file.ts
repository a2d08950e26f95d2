/**
 * The contract between a user's stack file and the CLI (`hyperplan validate|synth|plan [stack.ts]`).
 *
 * A stack file's default export is one of:
 * - an `App` (every stack in it),
 * - a `Stack`, or an array of stacks,
 * - a function taking a `StackFileContext` and returning (or resolving to) one of the above. The
 *   function form lets a file read its configuration from `env` rather than `process.env`, and
 *   builds fresh constructs on every call.
 */
import type { App, Stack } from "./stack.js";

export interface StackFileContext {
  /** The environment the CLI runs with (`process.env` when run from a shell). */
  env: Readonly<Record<string, string | undefined>>;
  /** The directory the CLI runs in. */
  cwd: string;
}

export type StackFileValue = App | Stack | Stack[];

export type StackFileExport = StackFileValue | ((context: StackFileContext) => StackFileValue | Promise<StackFileValue>);
