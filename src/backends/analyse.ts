/**
 * A stack analysed for the backend its provider settings choose: the settings checked against the
 * backend's schema, and the declaration against the backend's profile, every problem reported at once.
 */
import type { Stack } from "../resources/stack.js";
import { analyseStack, type StackAnalysis } from "../resources/synthesis.js";
import { sortIssues } from "../resources/validation-issue.js";
import { selectBackend, type BackendChoice } from "./registry.js";

export interface BackendAnalysis {
  analysis: StackAnalysis;
  /** Undefined when the settings name no backend hyperplan can use (the issues say why). */
  choice: BackendChoice | undefined;
}

export function analyseForBackend(stack: Stack): BackendAnalysis {
  const { choice, issues } = selectBackend(stack.stackName, stack.providerSettings);
  const analysis = analyseStack(stack, choice ? { profile: choice.backend.profile } : {});
  if (issues.length === 0) return { analysis, choice };
  return { analysis: { ...analysis, issues: sortIssues([...issues, ...analysis.issues]), state: undefined }, choice };
}
