/**
 * The package a user installs: `npm pack` of this repository, installed into an empty project with
 * `npm install --save-dev`, then used the way the README's Install section says. The project's
 * stack type-checks against the shipped .d.ts files under the settings `tsc --init` writes
 * (`module: nodenext`) and under `moduleResolution: bundler`, and `npx hyperplan` validates, plans
 * and applies it on the simulator from the compiled dist/ (no sources are shipped).
 */
import { createRequire } from "node:module";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkedSchemas } from "../../scripts/precompile-validators";

const run = promisify(execFile);
const REPO = fileURLToPath(new URL("../..", import.meta.url));
const TSC = join(REPO, "node_modules/typescript/bin/tsc");

const STACK = `import { App, Image, Stack, VirtualMachine, VirtualNetwork } from "hyperplan";

const app = new App();
const stack = new Stack(app, "packed");
const net = new VirtualNetwork(stack, "net", { bridge: "br0", addressRanges: [{ type: "ipv4", start: "10.0.0.10", size: 10 }] });
const data = new Image(stack, "data", { type: "datablock", size: 1024, persistent: true });
new VirtualMachine(stack, "vm", { cpu: 1, memory: 512, disks: [{ image: data }], nics: [{ network: net }] });

export default app;
`;

let dir: string;
let project: string;
let tarball: string;

interface Ran {
  code: number;
  /** stdout and stderr together, as a person sees them. */
  out: string;
  stdout: string;
}

async function sh(file: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<Ran> {
  // The simulated cloud answers at once; the user's shell knows nothing of this repository's CI.
  const env: Record<string, string | undefined> = { ...process.env, HYPERPLAN_SIM_DELAYS: "instant", NO_COLOR: "1", ...options.env };
  delete env.CI;
  try {
    const { stdout, stderr } = await run(file, args, { cwd: options.cwd, env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, out: stdout + stderr, stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}`, stdout: e.stdout ?? "" };
  }
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const npx = process.platform === "win32" ? "npx.cmd" : "npx";

describe("the package a user installs", { timeout: 240_000 }, () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "hyperplan-pack-"));
    // npm pack runs the prepack build: dist/ compiled from src/.
    const packed = await sh(npm, ["pack", "--json", "--pack-destination", dir], { cwd: REPO });
    expect(packed.code, packed.out).toBe(0);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    tarball = join(dir, info!.filename);
    project = join(dir, "project");
    await mkdir(project);
    await run(npm, ["init", "-y"], { cwd: project });
    // A stack written in ES module syntax needs an ES module project (README, Install).
    await run(npm, ["pkg", "set", "type=module"], { cwd: project });
    const installed = await sh(npm, ["install", "--save-dev", "--prefer-offline", "--no-audit", "--no-fund", tarball], { cwd: project });
    expect(installed.code, installed.out).toBe(0);
    await writeFile(join(project, "stack.ts"), STACK);
  }, 240_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("ships compiled JavaScript and declarations, not the sources or the tests", async () => {
    const packed = join(project, "node_modules/hyperplan");
    const top = (await readdir(packed)).sort();
    expect(top).toEqual(expect.arrayContaining(["bin", "dist", "examples", "package.json", "README.md"]));
    expect(top).not.toContain("src");
    expect(top).not.toContain("test");
    const dist = await readdir(join(packed, "dist"));
    expect(dist).toEqual(expect.arrayContaining(["index.js", "index.d.ts", "cli"]));
    // The build compiled the schemas' validators ahead of time, one for each schema a stack meets.
    const validators = createRequire(join(packed, "dist/resources/"))("./precompiled-validators.cjs") as { validators: Map<string, unknown> };
    expect([...validators.validators.keys()].sort()).toEqual(checkedSchemas().map((s) => JSON.stringify(s)).sort());
  });

  it("type-checks a stack under the settings `tsc --init` writes (nodenext) and under bundler", async () => {
    const init = await sh(process.execPath, [TSC, "--init"], { cwd: project });
    expect(init.code, init.out).toBe(0);
    const nodenext = await sh(process.execPath, [TSC, "--noEmit", "-p", "."], { cwd: project });
    expect(nodenext.code, nodenext.out).toBe(0);
    await writeFile(
      join(project, "tsconfig.bundler.json"),
      JSON.stringify({ compilerOptions: { module: "esnext", moduleResolution: "bundler", target: "es2022", strict: true, noEmit: true, skipLibCheck: false, types: [] }, include: ["stack.ts"] }),
    );
    const bundler = await sh(process.execPath, [TSC, "-p", "tsconfig.bundler.json"], { cwd: project });
    expect(bundler.code, bundler.out).toBe(0);
    // The declarations are real: a prop of the wrong type is an error at the user's line.
    await writeFile(join(project, "wrong.ts"), STACK.replace("cpu: 1", 'cpu: "one"'));
    const wrong = await sh(process.execPath, [TSC, "--noEmit", "-p", "."], { cwd: project });
    expect(wrong.code).not.toBe(0);
    expect(wrong.out).toMatch(/wrong\.ts\(7,\d+\): error TS2322/);
    await rm(join(project, "wrong.ts"));
  });

  it("validates, plans and applies the stack on the simulator through npx hyperplan", async () => {
    const version = await sh(npx, ["hyperplan", "--version"], { cwd: project });
    expect(version.out.trim()).toBe("0.1.0");
    const valid = await sh(npx, ["hyperplan", "validate"], { cwd: project });
    expect(valid.code, valid.out).toBe(0);
    expect(valid.out).toContain("packed: valid, 3 resources");
    const plan = await sh(npx, ["hyperplan", "plan", "--simulate"], { cwd: project });
    expect(plan.code, plan.out).toBe(0);
    expect(plan.out).toContain("Plan: 3 to create, 0 to update, 0 to replace, 0 to delete.");
    const apply = await sh(npx, ["hyperplan", "apply", "--simulate", "--auto-approve"], { cwd: project });
    expect(apply.code, apply.out).toBe(0);
    expect(apply.out).toMatch(/apply finished in .*: 3 done, 0 failed/);
    const again = await sh(npx, ["hyperplan", "plan", "--simulate", "--detailed-exitcode"], { cwd: project });
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain("No changes.");
  });
});

