/**
 * The benchmark scenarios and how their results print; `bench/run.ts` is the command.
 */
import { cpus, totalmem } from "node:os";
import type { Scenario, ScenarioResult } from "./scenario";
import { applyDagScenario, pollLoadScenario } from "./scenarios/apply";
import { planScale } from "./scenarios/plan-scale";
import { poolRead } from "./scenarios/pool-read";
import { templateParse } from "./scenarios/template-parse";
import { xenapiTransport } from "./scenarios/xenapi-transport";
import { xenPollLoadScenario } from "./scenarios/xen-poll-load";
import { gandiPlanApply, openVzPlanApply } from "./scenarios/gandi-openvz";
import { coldPlan } from "./scenarios/cold-plan";
import { xenApplyDag } from "./scenarios/xen-apply";
import { xenPlanScale } from "./scenarios/xen-plan-scale";

export const SCENARIOS: Scenario[] = [planScale, applyDagScenario, poolRead, pollLoadScenario, templateParse, xenapiTransport, xenPollLoadScenario, gandiPlanApply, openVzPlanApply, coldPlan, xenApplyDag, xenPlanScale];

export async function runBenchmarks(options: { only?: string[]; smoke: boolean }): Promise<ScenarioResult[]> {
  const chosen = options.only?.length ? SCENARIOS.filter((s) => options.only!.includes(s.name)) : SCENARIOS;
  const results: ScenarioResult[] = [];
  for (const scenario of chosen) results.push(...(await scenario.run({ smoke: options.smoke })));
  return results;
}

export function machine(): Record<string, string | number> {
  return { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", memoryGiB: Math.round(totalmem() / 2 ** 30) };
}

export function formatTable(results: ScenarioResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.name}  ${Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(" ")}`);
    for (const [k, v] of Object.entries(r.metrics)) lines.push(`  ${k.padEnd(24)} ${typeof v === "object" ? JSON.stringify(v) : v}`);
    lines.push("");
  }
  return lines.join("\n");
}

