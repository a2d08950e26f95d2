/**
 * cold-plan: `hyperplan plan` as a user runs it, a whole process from start to exit, against an
 * OpenNebula simulator in a process of its own (the cloud, on another machine). The lab example
 * (8 resources) and a stack of 5,000 (the plan-scale mix, no other objects in the pool), each already
 * applied, so the plan reads, diffs and prints "No changes".
 *
 * Where the time goes, from three commands of growing reach, median of the runs each:
 * - `hyperplan --version`: node, tsx and the CLI's own modules (no backend, no stack);
 * - `hyperplan validate`: that, plus loading and compiling the stack file and checking it;
 * - `hyperplan plan`: that, plus the backend's provider loaded, one read per kind, diff and order.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { analyseStack } from "../../src/resources/synthesis";
import { loadStackFile } from "../../src/cli/stack-loader";
import { OneClient } from "../../src/providers/opennebula/client";
import { writeDesired } from "../../test/support/one-writer";
import { round, type Scenario, type ScenarioResult } from "../scenario";
import { startSimProcess } from "../sim-process";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "hyperplan.mjs");
const SESSION = "oneadmin:opennebula";

/** A stack file of `total` resources in the plan-scale mix (1% networks, 4% images, 1% templates, VMs). */
function bigStackSource(total: number): string {
  return `import { App, Image, Stack, VirtualMachine, VirtualNetwork, VmTemplate } from "hyperplan";

const total = ${total};
const app = new App();
const stack = new Stack(app, "fleet");
const nets = Math.max(1, Math.round(total * 0.01));
const images = Math.max(1, Math.round(total * 0.04));
const templates = Math.max(1, Math.round(total * 0.01));
const netList = Array.from({ length: nets }, (_, i) =>
  new VirtualNetwork(stack, \`net-\${i}\`, { bridge: \`br\${i}\`, addressRanges: [{ type: "ipv4", start: \`10.\${i % 250}.\${Math.floor(i / 250)}.1\`, size: 250 }] }),
);
const imageList = Array.from({ length: images }, (_, i) => new Image(stack, \`img-\${i}\`, { type: "datablock", size: 1024 }));
const templateList = Array.from({ length: templates }, (_, i) =>
  new VmTemplate(stack, \`tmpl-\${i}\`, { cpu: 1, vcpu: 2, memory: 2048, disks: [{ size: 1024, type: "fs" }], nics: [{ network: netList[i % nets]! }] }),
);
for (let i = 0; i < total - nets - images - templates; i++) {
  new VirtualMachine(stack, \`vm-\${i}\`, { template: templateList[i % templates]!, disks: [{ image: imageList[i % images]! }], nics: [{ network: netList[i % nets]! }] });
}
export default app;
`;
}

/**
 * The CLI as a user's project has it: this repository packed with `npm pack` (which builds dist/) and
 * installed into an empty project; its bin runs the compiled JavaScript.
 */
function installedCli(): { bin: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), "hyperplan-cold-install-"));
  const npm = (args: string[], cwd: string) => {
    const r = spawnSync("npm", args, { cwd, encoding: "utf8", env: { ...process.env, CI: "" } });
    if (r.status !== 0) throw new Error(`npm ${args.join(" ")} failed:\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", dir], ROOT)) as { filename: string }[];
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "cold-plan", private: true, type: "module" }));
  npm(["install", "--save-dev", "--prefer-offline", "--no-audit", "--no-fund", join(dir, packed!.filename)], dir);
  return { bin: join(dir, "node_modules", "hyperplan", "bin", "hyperplan.mjs"), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

let bin = BIN;

/** Wall time of one whole process (ms), and its exit code. */
function once(argv: string[], cwd: string, env: Record<string, string>): { ms: number; code: number; out: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, ...argv], { cwd, env: { ...process.env, ...env, NO_COLOR: "1" }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** The median of `runs` processes; throws with the output when one fails. */
function medianProcess(runs: number, argv: string[], cwd: string, env: Record<string, string>, expect?: RegExp): { ms: number; runsMs: number[] } {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = once(argv, cwd, env);
    if (r.code !== 0 || (expect && !expect.test(r.out))) throw new Error(`hyperplan ${argv.join(" ")} failed (exit ${r.code}):\n${r.out.slice(0, 2000)}`);
    times.push(r.ms);
  }
  return { ms: median(times), runsMs: times.map((t) => round(t, 0)) };
}

async function run(name: string, file: string, source: string, runs: number, cli: "installed" | "repository", warm = true): Promise<ScenarioResult> {
  const dir = mkdtempSync(join(tmpdir(), `hyperplan-cold-${name}-`));
  const sim = await startSimProcess({ port: 0, delays: "instant", seed: 1, hosts: [{ name: "big-1", cpu: 1e7, memoryMb: 1e9 }] });
  const client = new OneClient({ endpoint: sim.url, session: SESSION });
  try {
    writeFileSync(join(dir, file), source);
    writeFileSync(join(dir, "one_auth"), `${SESSION}\n`);
    const env = { ONE_XMLRPC: sim.url, ONE_AUTH: join(dir, "one_auth") };
    // The stack, as its plan would have applied it.
    const loaded = await loadStackFile(join(dir, file), { env: {}, cwd: dir });
    const analysis = analyseStack(loaded.stacks[0]!);
    if (!analysis.state) throw new Error(`the ${name} stack is invalid`);
    await writeDesired(client, analysis.state);
    // One run each first: tsx's cache of compiled modules is warm, as on a user's second run.
    if (warm) {
      once(["--version"], dir, env);
      once(["plan", file], dir, env);
    }
    const version = medianProcess(runs, ["--version"], dir, env);
    const validate = medianProcess(runs, ["validate", file], dir, env, /valid/);
    const plan = medianProcess(runs, ["plan", file, "--detailed-exitcode"], dir, env, /No changes/);
    return {
      name: "cold-plan",
      params: { stack: name, resources: analysis.state.resources.length, runs, cli },
      metrics: {
        planMs: round(plan.ms, 0),
        planMsRuns: plan.runsMs.join(" "),
        // Where the time goes: the process with the CLI loaded, the stack file, then the cloud.
        startAndCliMs: round(version.ms, 0),
        stackFileMs: round(validate.ms - version.ms, 0),
        readDiffAndPrintMs: round(plan.ms - validate.ms, 0),
        validateMs: round(validate.ms, 0),
      },
    };
  } finally {
    await client.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const coldPlan: Scenario = {
  name: "cold-plan",
  summary: "`hyperplan plan` as a whole process, small stack and 5,000 resources, where the time goes",
  async run({ smoke }) {
    const lab = readFileSync(join(ROOT, "examples", "stacks", "lab.ts"), "utf8");
    // The smoke run (the test suite's) plans the lab once with the repository's CLI, without warming up.
    if (smoke) return [await run("lab", "lab.ts", lab, 1, "repository", false)];
    // What a user runs: the installed package (compiled JavaScript; tsx loaded for the stack file
    // only). Beside it, the repository's CLI, which tsx compiles module by module.
    const installed = installedCli();
    try {
      bin = installed.bin;
      const results = [await run("lab", "lab.ts", lab, 7, "installed"), await run("fleet-5000", "fleet.ts", bigStackSource(5000), 3, "installed")];
      bin = BIN;
      results.push(await run("lab", "lab.ts", lab, 7, "repository"));
      return results;
    } finally {
      bin = BIN;
      installed.dispose();
    }
  },
};
