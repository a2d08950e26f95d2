/** Printing what validation found, for the commands that read a stack file. */
import { canonicalJson } from "../resources/canonical-json.js";
import type { StackAnalysis } from "../resources/synthesis.js";
import { formatIssue } from "../resources/validation-issue.js";

/** `stack "lab": 2 errors` followed by one indented line per issue. */
export function issuesText(analyses: readonly StackAnalysis[]): string {
  const lines: string[] = [];
  for (const a of analyses) {
    if (a.issues.length === 0) continue;
    lines.push(`stack "${a.name}": ${a.issues.length === 1 ? "1 error" : `${a.issues.length} errors`}`);
    for (const issue of a.issues) lines.push(`  ${formatIssue(issue)}`);
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

/** `warning: lab/web-1: raw.xenserver: is for xenserver and is ignored on opennebula`, one line each. */
export function warningsText(analyses: readonly StackAnalysis[]): string {
  return analyses.flatMap((a) => a.warnings.map((w) => `warning: ${formatIssue(w)}\n`)).join("");
}

/** One line per valid stack: `lab: valid, 7 resources, 1 output`. */
export function summaryText(analyses: readonly StackAnalysis[]): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  return analyses
    .map((a) => {
      if (!a.state) return `${a.name}: ${plural(a.issues.length, "error")}\n`;
      const outputs = Object.keys(a.state.outputs).length;
      return `${a.name}: valid, ${plural(a.state.resources.length, "resource")}, ${plural(outputs, "output")}\n`;
    })
    .join("");
}

/** The `--json` report of `validate`: every stack, valid or not, with its issues. */
export function issuesJson(analyses: readonly StackAnalysis[]): string {
  return `${canonicalJson({
    valid: analyses.every((a) => a.issues.length === 0),
    stacks: analyses.map((a) => ({
      stack: a.name,
      valid: a.issues.length === 0,
      resources: a.state ? a.state.resources.length : undefined,
      issues: a.issues,
      warnings: a.warnings,
    })),
  })}\n`;
}
