/**
 * The human plan, in the style Terraform and Pulumi users know: `+` create, `~` update, `-/+` replace,
 * `-` delete, attribute lines with old → new, values known only after apply marked, secrets masked,
 * side effects named, and a closing summary line. A pure function of the Plan document.
 */
import { actionSymbol, isChange } from "../../core/action.js";
import type { AttributeDiff, Plan, ResourceChange } from "../../core/plan.js";
import { isUnknownValue } from "../../core/plan.js";

export interface RenderOptions {
  /** ANSI colours (a terminal). */
  color?: boolean;
}

const COLORS = { "+": "\x1b[32m", "~": "\x1b[33m", "-/+": "\x1b[35m", "-": "\x1b[31m", reset: "\x1b[0m", dim: "\x1b[2m" } as const;

export function renderPlanText(plan: Plan, options: RenderOptions = {}): string {
  const paint = (symbol: string, text: string) =>
    options.color && symbol in COLORS ? `${COLORS[symbol as keyof typeof COLORS]}${text}${COLORS.reset}` : text;
  const lines: string[] = [];
  lines.push(`Reading ${plan.endpoint}`);
  lines.push(`Stack ${plan.stack}${plan.mode === "destroy" ? " (destroy)" : ""}`);
  lines.push("");
  const changes = plan.changes.filter((c) => isChange(c.action));
  const arriving = plan.changes.filter((c) => c.arriving !== undefined);
  const arrivingLines = arriving.map((c) => `  … ${c.address} (${c.kind}) still on its way to ${c.arriving}: apply waits for it`);
  // Differences a declaration's ignoreChanges leaves alone: said, never carried out.
  const ignoredLines = plan.changes.filter((c) => c.action === "noop" && c.ignored !== undefined).map((c) => `  = ${c.address} (${c.kind}): ${leftAlone(c.ignored!)}`);
  if (changes.length === 0) {
    lines.push(plan.mode === "destroy" ? `Nothing to destroy: stack "${plan.stack}" owns no objects there.` : "No changes. The live objects match the declaration.");
    if (arriving.length > 0) lines.push("", ...arrivingLines);
    if (ignoredLines.length > 0) lines.push("", ...ignoredLines);
    return `${lines.join("\n")}\n`;
  }
  if (arriving.length > 0) lines.push(...arrivingLines, "");
  for (const change of changes) {
    const symbol = actionSymbol(change.action);
    lines.push(paint(symbol, `${symbol.padStart(3)} ${change.address} (${change.kind})${headline(change)}`));
    for (const line of attributeLines(change)) lines.push(`      ${line}`);
    if (change.ignored !== undefined) lines.push(`      = ${leftAlone(change.ignored)}`);
    lines.push("");
  }
  if (ignoredLines.length > 0) lines.push(...ignoredLines, "");
  for (const w of plan.warnings ?? []) lines.push(paint("-/+", `Warning: ${w.address}: ${w.message}`), "");
  lines.push(summaryLine(plan));
  return `${lines.join("\n")}\n`;
}

function leftAlone(paths: readonly string[]): string {
  return `ignoreChanges leaves ${paths.join(", ")} as ${paths.length === 1 ? "it is" : "they are"}`;
}

export function summaryLine(plan: Plan): string {
  const s = plan.summary;
  // An import is an update whose first call writes the stack's tag: counted there, and said.
  const imports = s.import !== undefined && s.import > 0 ? ` (${s.import} ${s.import === 1 ? "import" : "imports"})` : "";
  return `Plan: ${s.create} to create, ${s.update} to update${imports}, ${s.replace} to replace, ${s.delete} to delete.`;
}

function headline(change: ResourceChange): string {
  const id = change.id !== undefined ? ` id=${change.id}` : "";
  switch (change.action) {
    case "replace": {
      const why =
        change.replaceOrderSource === "user" ? ", as asked" : change.replaceOrderWhy !== undefined && change.replaceOrderSource !== "kind-default" ? `, because ${change.replaceOrderWhy}` : "";
      const order = change.finishAfter
        ? `in two phases: the new one first, the old one deleted after ${change.finishAfter.join(", ")} ${change.finishAfter.length === 1 ? "moves" : "move"} to it`
        : change.replaceOrder === "create-before-destroy"
          ? `create before destroy${why}`
          : `delete before create${why}`;
      return `${id} must be replaced (${order}; forced by ${(change.forcedBy ?? []).join(", ")})`;
    }
    case "update":
      if (change.movedFrom !== undefined) return `${id} moved from ${change.movedFrom}${change.diff.length > 1 ? ", and updated in place" : ""}`;
      if (change.importId !== undefined) return `${id} imported: the stack's tag written on it${change.diff.length > 1 ? ", then updated in place" : ""}`;
      return `${id} updated in place`;
    case "delete":
      return `${id} ${change.reason}`;
    case "create":
      return change.reason === "" ? "" : ` ${change.reason}`;
    case "noop":
      return "";
  }
}

/** A change's attribute lines as the text view prints them (`~ memory: 1024 → 2048 [resize]`, effects after `!`). */
export function attributeLinesOf(change: ResourceChange): string[] {
  return attributeLines(change);
}

function attributeLines(change: ResourceChange): string[] {
  if (change.action === "delete") return [];
  const out: string[] = [];
  for (const d of change.diff) {
    out.push(change.action === "create" ? `${d.path} = ${formatValue(d.after, d.sensitive)}` : diffLine(d, change.forcedBy ?? []));
    for (const effect of d.effects ?? []) out.push(`  ! ${effect}`);
  }
  return out;
}

function diffLine(d: AttributeDiff, forcedBy: string[]): string {
  const forces = forcedBy.includes(d.path) ? "  # forces replacement" : "";
  const how = d.impact === "in-place-with-power-cycle" ? ` [${d.operation}, power cycle]` : ` [${d.operation}]`;
  const after = formatValue(d.after, d.sensitive, d.renewed);
  if (d.before === undefined) return `+ ${d.path} = ${after}${how}${forces}`;
  if (d.after === undefined) return `- ${d.path} = ${formatValue(d.before, d.sensitive)}${how}${forces}`;
  return `~ ${d.path}: ${formatValue(d.before, d.sensitive)} → ${after}${how}${forces}`;
}

/**
 * A value as the plan shows it: a reference as the address it names (`lab/net`), followed by
 * `(new object)` where it names an object this plan creates anew (`renewed`).
 */
export function formatValue(value: unknown, sensitive = false, renewed: readonly string[] = []): string {
  if (sensitive) return "(sensitive)";
  if (isUnknownValue(value)) return "(known after apply)";
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const ref = refText(value, renewed);
  if (ref !== undefined) return ref;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => refText(v, renewed) !== undefined)) return `[${value.map((v) => refText(v, renewed)).join(", ")}]`;
  return JSON.stringify(value, (_k, v: unknown) => (isUnknownValue(v) ? "(known after apply)" : v));
}

function refText(value: unknown, renewed: readonly string[]): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  const ref = (value as { ref?: unknown }).ref;
  if (keys.length !== 1 || typeof ref !== "string") return undefined;
  return renewed.includes(ref) ? `${ref} (new object)` : ref;
}
