/**
 * Validation issues: one mistake in a stack, with where it is and what was expected.
 *
 * Validation never stops at the first mistake: every check runs and every issue is collected, so a
 * user fixes a stack in one round trip.
 */
import { HyperplanError } from "../errors.js";

/** Which check found the issue. */
export type ValidationRule =
  | "address" // a construct id breaks the id rule, or a stack is misplaced
  | "name" // a backend object name breaks the name rule
  | "schema" // a prop has the wrong type, range, format or is unknown
  | "semantic" // props that are fine alone but not together (a datablock with neither size nor path)
  | "reference" // a reference to something that is not a resource of this stack, or of the wrong kind
  | "duplicate-name" // two resources of a kind whose names the backend needs unique
  | "cycle" // a dependency cycle
  | "secret" // something that looks like a secret in a field that is not masked
  | "conflict" // two resources claim the same thing (a fixed IP address)
  | "reserved" // a key reserved for hyperplan's own bookkeeping
  | "backend" // a kind, property or value the chosen backend does not support (its profile)
  | "custom"; // a validation added with `node.addValidation`

export interface ValidationIssue {
  /** Address of the construct at fault (`lab/web-1`), or the stack name for stack-wide issues. */
  address: string;
  /** Property path inside the construct's props (`disks[0].size`), empty for the construct itself. */
  path: string;
  rule: ValidationRule;
  /** What was expected and what was given: `must be >= 1 MiB, got 0`. */
  message: string;
}

/** `lab/web-1: memory: must be >= 1 MiB, got 0`. */
export function formatIssue(issue: ValidationIssue): string {
  return issue.path ? `${issue.address}: ${issue.path}: ${issue.message}` : `${issue.address}: ${issue.message}`;
}

/** Issues in a stable order: by address, then property path (disks[2] before disks[10]), then message. */
export function sortIssues(issues: readonly ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  const unique = issues.filter((i) => {
    const key = `${i.address}\u0000${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort(
    (a, b) => naturalCompare(a.address, b.address) || naturalCompare(a.path, b.path) || naturalCompare(a.message, b.message),
  );
}

/** Compares strings with runs of digits compared as numbers; independent of the machine's locale. */
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** Thrown by `synth()` when a stack has issues; carries all of them. */
export class StackValidationError extends HyperplanError {
  readonly issues: readonly ValidationIssue[];

  constructor(scope: string, issues: readonly ValidationIssue[]) {
    const sorted = sortIssues(issues);
    const count = sorted.length === 1 ? "1 error" : `${sorted.length} errors`;
    super("STACK_INVALID", `${scope} has ${count}`);
    this.issues = sorted;
    this.message = [`${scope} has ${count}:`, ...sorted.map((i) => `  ${formatIssue(i)}`)].join("\n");
  }
}
