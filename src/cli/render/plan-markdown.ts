/**
 * The plan as Markdown, for a pull-request comment: the summary first, then the changes grouped by
 * action (deletes and replacements first: what a reviewer must not miss), replacements and power
 * cycles called out, each change's attribute lines in a code block, long groups folded into
 * `<details>`. It renders a plan whose secrets are already masked (the caller masks them).
 */
import type { Plan, ResourceChange } from "../../core/plan.js";
import { attributeLinesOf, summaryLine } from "./plan-text.js";

/** Groups longer than this are folded. */
const FOLD_AFTER = 10;

const GROUPS: { action: ResourceChange["action"]; title: string }[] = [
  { action: "delete", title: "Delete" },
  { action: "replace", title: "Replace" },
  { action: "update", title: "Update in place" },
  { action: "create", title: "Create" },
];

function inline(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/`/g, "'");
}

function callouts(change: ResourceChange): string[] {
  const out: string[] = [];
  if (change.action === "replace") out.push(`**replaced** (${change.replaceOrder === "create-before-destroy" ? "create before destroy" : "delete before create"}; forced by ${(change.forcedBy ?? []).map((p) => `\`${inline(p)}\``).join(", ")})`);
  if (change.importId !== undefined) out.push(`**import**: the stack adopts it, its tag written first`);
  if (change.movedFrom !== undefined) out.push(`**moved** from \`${inline(change.movedFrom)}\``);
  if (change.diff.some((d) => d.impact === "in-place-with-power-cycle")) out.push("**power cycle**: the object is stopped and started again");
  if (change.ignored) out.push(`ignoreChanges leaves ${change.ignored.map((p) => `\`${inline(p)}\``).join(", ")} as it is`);
  return out;
}

function changeBlock(change: ResourceChange): string[] {
  const id = change.id !== undefined ? ` (id ${inline(change.id)})` : "";
  const lines = [`- \`${inline(change.address)}\` ${change.kind}${id}${callouts(change).map((c) => ` — ${c}`).join("")}`];
  const attributes = attributeLinesOf(change);
  if (attributes.length > 0) lines.push("", "  ```diff", ...attributes.map((a) => `  ${a}`), "  ```");
  return lines;
}

export function renderPlanMarkdown(plan: Plan): string {
  const changes = plan.changes.filter((c) => c.action !== "noop");
  const out: string[] = [`### hyperplan ${plan.mode === "destroy" ? "destroy" : "plan"}: stack \`${inline(plan.stack)}\``, "", `**${summaryLine(plan)}**`, "", `Read from ${inline(plan.endpoint)}.`];
  if (changes.length === 0) {
    out.push("", plan.mode === "destroy" ? "Nothing to destroy." : "No changes: the live objects match the declaration.");
  }
  for (const { action, title } of GROUPS) {
    const group = changes.filter((c) => c.action === action);
    if (group.length === 0) continue;
    const body = group.flatMap(changeBlock);
    out.push("", `#### ${title} (${group.length})`, "");
    if (group.length > FOLD_AFTER) out.push(`<details><summary>${group.length} changes</summary>`, "", ...body, "", "</details>");
    else out.push(...body);
  }
  const warnings = plan.warnings ?? [];
  if (warnings.length > 0) out.push("", "#### Warnings", "", ...warnings.map((w) => `- \`${inline(w.address)}\`: ${inline(w.message)}`));
  return `${out.join("\n")}\n`;
}
