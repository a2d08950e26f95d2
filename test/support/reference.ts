/**
 * The reference documents some tests read — oned's XSDs and documents captured from real oned
 * servers — live in `../shared/reference` beside the checkout, not in the repository. A user's clean
 * clone has no such folder, and its test run must still pass; CI has it, and there those tests must
 * never be skipped by accident.
 *
 * So every test file that needs a part of it asks `referenceMissing(part, what)` once, at the top,
 * and wraps those tests in `describe.skipIf(…)`:
 * - present: the tests run;
 * - missing, outside CI: they are skipped, with one line on stderr saying what and why;
 * - missing with `CI=true`: collecting the file fails with an error naming the missing path, so a
 *   CI run without the reference cannot pass.
 */
import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export type ReferencePart = "opennebula/xsd" | "opennebula/samples";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** `../shared/reference` as seen from the checkout. */
export const REFERENCE_ROOT = resolve(REPO_ROOT, "../shared/reference");

/** The absolute path of a part of the reference. */
export function referencePath(part: ReferencePart): string {
  return resolve(REFERENCE_ROOT, part);
}

/** The path as the messages print it: relative to the checkout (`../shared/reference/…`). */
function shownPath(path: string): string {
  return relative(REPO_ROOT, path) || path;
}

export type ReferenceDecision = { kind: "run" } | { kind: "skip"; message: string } | { kind: "fail"; message: string };

/**
 * What to do about tests that need `path`, given whether it exists and whether this is CI
 * (`CI=true`, as GitHub Actions, GitLab CI and most runners set it). Pure, for its own tests.
 */
export function decideReference(path: string, what: string, situation: { exists: boolean; ci: boolean }): ReferenceDecision {
  if (situation.exists) return { kind: "run" };
  const shown = shownPath(path);
  if (situation.ci) {
    return {
      kind: "fail",
      message: `${shown} is missing (looked for ${path}): CI=true requires the reference documents beside the checkout for ${what}`,
    };
  }
  return { kind: "skip", message: `skipped ${what}: ${shown} is not beside the checkout (a clean clone); CI runs it` };
}

/**
 * True when the tests needing `part` must be skipped (after printing one line saying why); false
 * when they can run. Throws, naming the missing path, when the part is missing under `CI=true`.
 */
export function referenceMissing(part: ReferencePart, what: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const path = referencePath(part);
  const decision = decideReference(path, what, { exists: existsSync(path), ci: env.CI === "true" });
  switch (decision.kind) {
    case "run":
      return false;
    case "skip":
      console.warn(decision.message);
      return true;
    case "fail":
      throw new Error(decision.message);
  }
}
