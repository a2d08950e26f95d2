import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main";
import { BACKENDS } from "../../src/backends/registry";
import { parseStackArgs } from "../../src/cli/stack-args";
import { captureIo } from "../support/cli-io";

const FIXTURES = fileURLToPath(new URL("../resources/fixtures/stacks/", import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);
const empty = mkdtempSync(join(tmpdir(), "hyperplan-validate-"));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

describe("stack command arguments", () => {
  it("parse a file, --stack and the command's own flags", () => {
    expect(parseStackArgs(["s.ts", "--stack", "lab", "--json"], { json: true })).toEqual({ file: "s.ts", stack: "lab", json: true, showSecrets: false });
    expect(parseStackArgs(["--stack=prod", "--show-secrets"], { showSecrets: true })).toEqual({ file: undefined, stack: "prod", json: false, showSecrets: true });
    expect(parseStackArgs([])).toEqual({ file: undefined, stack: undefined, json: false, showSecrets: false });
  });

  it("refuse two files, unknown flags, a flag of another command and an empty stack name", () => {
    expect(() => parseStackArgs(["a.ts", "b.ts"])).toThrow("expected at most one stack file, got 2: a.ts b.ts");
    expect(() => parseStackArgs(["--bogus"])).toThrow(/bogus/);
    expect(() => parseStackArgs(["--show-secrets"], { json: true })).toThrow(/show-secrets/);
    expect(() => parseStackArgs(["--stack", " "])).toThrow("--stack needs a stack name");
  });
});

describe("hyperplan validate", () => {
  it("lists every mistake of a stack with its address and property path, and exits 1", async () => {
    const io = captureIo();
    expect(await main(["validate", fixture("mistakes.ts")], io)).toBe(1);
    expect(io.out()).toBe("lab: 6 errors\n");
    expect(io.err()).toBe(
      [
        'stack "lab": 6 errors',
        "  lab/data: a datablock needs size (an empty disk, in MiB) or path (contents to import)",
        '  lab/data-copy: name: Image name "data" is also used by lab/data; backends need Image names unique per owner (set name to tell them apart)',
        '  lab/net: gateway: must be a dotted IPv4 address (10.0.0.1), got "10.0.0"',
        "  lab/web-1: labels[0]: looks like a password assignment; this field is printed as it is: put secrets in context.secretVars, context.password or graphics.password, which are masked",
        "  lab/web-1: memory: must be >= 1 MiB, got 0",
        "  lab/web-1: nics[0].ip: 10.0.1.1 is outside the IPv4 address ranges of lab/net (10.0.0.10-10.0.0.14)",
        "",
      ].join("\n"),
    );
  });

  it("refuses provider settings that name two backends, an unknown one, or settings its schema refuses, with the backend's own rules", async () => {
    const io = captureIo();
    expect(await main(["validate", fixture("backends.ts")], io)).toBe(1);
    const lines = io.err().split("\n");
    expect(lines).toContain("  two: provider: names 2 backends (gandi, opennebula); a stack lives in exactly one");
    expect(lines).toContain(`  unknown: provider.vmware: is not a backend hyperplan knows (it knows ${BACKENDS.map((b) => b.name).join(", ")})`);
    expect(io.err()).toMatch(/ {2}bad: provider\.opennebula\.endpoint: .*http/);
    expect(io.err()).toContain("  bad: provider.opennebula.port: is not a known property (known: endpoint, authFile, caFile)");
    // Wrong settings still choose their backend: its rules are reported at once (OpenNebula needs cpu).
    expect(io.err()).toContain("  bad/vm: cpu: is required on OpenNebula when the VM has no template");
    expect(io.err()).not.toContain("two/vm");
  });

  it("reports valid stacks on stdout and exits 0", async () => {
    const io = captureIo();
    expect(await main(["validate", fixture("two-stacks.ts")], io)).toBe(0);
    expect(io.out()).toBe("prod: valid, 3 resources, 1 output\nstaging: valid, 3 resources, 1 output\n");
    expect(io.err()).toBe("");
  });

  it("prints the result as JSON with --json", async () => {
    const io = captureIo();
    expect(await main(["validate", fixture("mistakes.ts"), "--json"], io)).toBe(1);
    const report = JSON.parse(io.out());
    expect(report.valid).toBe(false);
    expect(report.stacks).toHaveLength(1);
    expect(report.stacks[0].issues).toContainEqual({ address: "lab/web-1", path: "memory", rule: "schema", message: "must be >= 1 MiB, got 0" });
    const ok = captureIo();
    expect(await main(["validate", fixture("two-stacks.ts"), "--json", "--stack", "prod"], ok)).toBe(0);
    expect(JSON.parse(ok.out())).toEqual({ valid: true, stacks: [{ stack: "prod", valid: true, resources: 3, issues: [], warnings: [] }] });
  });

  it("reads hyperplan.config.ts, then stack.ts, from the working directory", async () => {
    const both = captureIo({ cwd: fixture("default-both") });
    expect(await main(["validate"], both)).toBe(0);
    expect(both.out()).toBe("from-config: valid, 1 resource, 0 outputs\n");
    const stackOnly = captureIo({ cwd: fixture("default-stack-only") });
    expect(await main(["validate"], stackOnly)).toBe(0);
    expect(stackOnly.out()).toBe("from-stack-ts: valid, 1 resource, 0 outputs\n");
  });

  it("says which files it looked for when there is none", async () => {
    const io = captureIo({ cwd: empty });
    expect(await main(["validate"], io)).toBe(1);
    expect(io.err()).toBe(`hyperplan validate: no stack file given and neither hyperplan.config.ts nor stack.ts exists in ${empty}\n`);
    const missing = captureIo({ cwd: empty });
    expect(await main(["validate", "nope.ts"], missing)).toBe(1);
    expect(missing.err()).toContain("stack file nope.ts does not exist");
  });

  it("passes the environment to a stack file that exports a function", async () => {
    const io = captureIo({ env: { VM_COUNT: "3" } });
    expect(await main(["validate", fixture("from-env.ts")], io)).toBe(0);
    expect(io.out()).toBe("a: valid, 3 resources, 0 outputs\nb: valid, 3 resources, 0 outputs\n");
  });

  it("explains a default export that is not a stack, a missing one, and code that throws", async () => {
    const notStack = captureIo();
    expect(await main(["validate", fixture("not-a-stack.ts")], notStack)).toBe(1);
    expect(notStack.err()).toContain("is an object that is neither an App nor a Stack; export an App, a Stack, an array of stacks, or a function returning one");
    const noDefault = captureIo();
    expect(await main(["validate", fixture("no-default.ts")], noDefault)).toBe(1);
    expect(noDefault.err()).toContain("has no default export");
    const throws = captureIo();
    expect(await main(["validate", fixture("throws.ts")], throws)).toBe(1);
    expect(throws.err()).toMatch(/threw while building the stacks \(\S*throws\.ts:\d+:\d+: HyperplanError: VirtualNetwork "outside-any-stack" must be created inside a Stack\)\n$/);
    const duplicate = captureIo();
    expect(await main(["validate", fixture("duplicate-stacks.ts")], duplicate)).toBe(1);
    expect(duplicate.err()).toContain('declares two stacks named "same"');
  });

  it("names the stacks there are when --stack names another", async () => {
    const io = captureIo();
    expect(await main(["validate", fixture("two-stacks.ts"), "--stack", "dev"], io)).toBe(1);
    expect(io.err()).toContain('has no stack "dev" (it has: prod, staging)');
  });

  it("prints its usage, which documents the stack file lookup, on bad arguments", async () => {
    const io = captureIo();
    expect(await main(["validate", "a.ts", "b.ts"], io)).toBe(2);
    expect(io.err()).toContain("expected at most one stack file");
    expect(io.err()).toContain("hyperplan.config.ts, else stack.ts");
  });
});
