import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main";
import { captureIo } from "../support/cli-io";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURES = fileURLToPath(new URL("../resources/fixtures/stacks/", import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);
const run = promisify(execFile);

const outside = mkdtempSync(join(tmpdir(), "hyperplan-synth-"));
afterAll(() => rmSync(outside, { recursive: true, force: true }));

async function synth(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo({ env });
  const code = await main(["synth", ...args], io);
  return { code, out: io.out(), err: io.err() };
}

describe("hyperplan synth", () => {
  it("prints every stack's DesiredState, sorted by name, with secrets masked", async () => {
    const { code, out, err } = await synth([fixture("two-stacks.ts")]);
    expect(err).toBe("");
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc.formatVersion).toBe(2);
    expect(doc.stacks.map((s: { stack: string }) => s.stack)).toEqual(["prod", "staging"]);
    expect(out).not.toContain("root-password");
    expect(out).not.toContain("k-123456");
    const vm = doc.stacks[0].resources.find((r: { address: string }) => r.address === "prod/web-1");
    expect(vm.props.context.password).toEqual({ secret: "(sensitive)" });
    expect(vm.props.context.secretVars).toEqual({ API_KEY: { secret: "(sensitive)" } });
  });

  it("prints byte-identical output from run to run, keys sorted", async () => {
    const first = await synth([fixture("two-stacks.ts")]);
    const second = await synth([fixture("two-stacks.ts")]);
    expect(second.out).toBe(first.out);
    expect(first.out.endsWith("}\n")).toBe(true);
    const keys = Object.keys(JSON.parse(first.out).stacks[0]);
    expect(keys).toEqual([...keys].sort());
  });

  it("prints one stack's DesiredState alone with --stack, and secrets with --show-secrets", async () => {
    const { code, out } = await synth([fixture("two-stacks.ts"), "--stack", "staging", "--show-secrets"]);
    expect(code).toBe(0);
    const state = JSON.parse(out);
    expect(state.stack).toBe("staging");
    expect(state.outputs).toEqual({ "web-ip": { value: { ref: "staging/web-1", attr: "ip" } } });
    expect(out).toContain('"secret": "staging-root-password"');
  });

  it("prints nothing on stdout, the errors on stderr and exits 1 for an invalid stack", async () => {
    const { code, out, err } = await synth([fixture("mistakes.ts")]);
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err.split("\n")[0]).toBe('stack "lab": 6 errors');
    expect(err).toContain("  lab/web-1: memory: must be >= 1 MiB, got 0\n");
  });

  it("builds a function-exported stack file from the CLI's environment", async () => {
    const { out } = await synth([fixture("from-env.ts"), "--stack", "a"], { VM_COUNT: "2" });
    expect(JSON.parse(out).resources.map((r: { address: string }) => r.address)).toEqual(["a/vm-1", "a/vm-2"]);
  });

  it("refuses a flag it does not know in one line, pointing at its help", async () => {
    const { code, err } = await synth(["--json"]);
    expect(code).toBe(2);
    expect(err).toBe("hyperplan synth: unknown option --json (`hyperplan help synth` lists its options)\n");
  });

  it("runs a stack file outside any project from the real CLI, resolving `hyperplan` to itself", async () => {
    // No package.json and no node_modules here: the file is CommonJS-scoped and cannot find
    // `hyperplan` on its own; the CLI must load it as an ES module and hand it this package.
    writeFileSync(
      join(outside, "net.ts"),
      'import { VirtualNetwork, type Stack } from "hyperplan";\n' +
        'export const net = (s: Stack) => new VirtualNetwork(s, "net", { addressRanges: [{ type: "ipv4", start: "10.3.0.1", size: 2 }] });\n',
    );
    writeFileSync(
      join(outside, "stack.ts"),
      'import { App, Stack, VirtualMachine } from "hyperplan";\nimport { net } from "./net";\n' +
        'const app = new App();\nconst s = new Stack(app, "outside");\n' +
        'new VirtualMachine(s, "vm", { cpu: 1, memory: 64, nics: [{ network: net(s) }], context: { password: "pw" } });\nexport default app;\n',
    );
    const bin = join(ROOT, "bin/hyperplan.mjs");
    const first = await run(process.execPath, [bin, "synth"], { cwd: outside });
    const second = await run(process.execPath, [bin, "synth", join(outside, "stack.ts")], { cwd: ROOT });
    expect(second.stdout).toBe(first.stdout);
    const doc = JSON.parse(first.stdout);
    expect(doc.stacks[0].resources.map((r: { address: string }) => r.address)).toEqual(["outside/net", "outside/vm"]);
    expect(first.stdout).not.toContain('"pw"');
    await expect(run(process.execPath, [bin, "validate", fixture("mistakes.ts")], { cwd: ROOT })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("lab/web-1: memory: must be >= 1 MiB, got 0"),
    });
  });
});
