/**
 * No secret reaches any output: every command a user runs on a stack with a secret context variable,
 * a root password, a console password and credentials in the endpoint URL, in every output mode, is
 * scanned for the secret values. The files that must hold secrets (a saved plan, the simulator's world)
 * are readable by their owner only, also when they were there before; no other file holds one.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main";
import { startOneSimulator, type RunningOneSimulator } from "../../src/sim/opennebula/index";
import { captureIo } from "../support/cli-io";

const SECRETS = ["s3cret-db-9f2c", "s3cret-root-4be1", "vnc7f3k", "hunter2-in-url"];

const stack = (secretVars: string) => `
import { App, Image, Stack, StackOutput, VirtualMachine, VirtualNetwork } from "hyperplan";
const app = new App();
const s = new Stack(app, "vault");
const net = new VirtualNetwork(s, "net", { bridge: "br0", addressRanges: [{ type: "ipv4", start: "10.9.0.10", size: 10 }] });
const os = new Image(s, "os", { type: "datablock", size: 1024 });
const db = new VirtualMachine(s, "db", {
  cpu: 0.5, memory: 512, disks: [{ image: os }], nics: [{ network: net }],
  context: { password: "s3cret-root-4be1", vars: { ROLE: "db" }, secretVars: { ${secretVars} } },
  graphics: { type: "vnc", password: "vnc7f3k" },
});
new StackOutput(s, "db-ip", { value: db.ipAddress });
export default app;
`;

describe("secrets", () => {
  let dir: string;
  let sim: RunningOneSimulator;
  let printed = "";

  const run = async (...argv: string[]) => {
    const [host, port] = new URL(sim.url).host.split(":");
    const io = captureIo({ cwd: dir, env: { ONE_XMLRPC: `http://alice:hunter2-in-url@${host}:${port}/RPC2`, ONE_AUTH: join(dir, "one_auth"), NO_COLOR: "1" } });
    const code = await main(argv, io);
    printed += `\n$ hyperplan ${argv.join(" ")}\n${io.out()}${io.err()}`;
    return { code, out: io.out(), err: io.err() };
  };
  const mode = (file: string) => statSync(join(dir, file)).mode & 0o777;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "hyperplan-secrets-"));
    writeFileSync(join(dir, "one_auth"), "oneadmin:opennebula\n");
    writeFileSync(join(dir, "v1.ts"), stack(`DB_PASSWORD: "s3cret-db-9f2c", API_TOKEN: "s3cret-db-9f2c-token"`));
    writeFileSync(join(dir, "v2.ts"), stack(`API_TOKEN: "s3cret-db-9f2c-token2"`));
    sim = await startOneSimulator({ port: 0, delays: "fast", stateFile: join(dir, "world.json") });
    printed = "";
  });
  let closed = false;
  afterEach(async () => {
    if (!closed) await sim.close();
    closed = false;
  });

  it("are printed by no command in any mode, and live only in owner-only files", async () => {
    // A plan file that exists already, readable by everyone: --out must not keep it so.
    writeFileSync(join(dir, "plan.json"), "{}");
    chmodSync(join(dir, "plan.json"), 0o644);
    for (const argv of [["validate", "v1.ts"], ["synth", "v1.ts"], ["plan", "v1.ts"], ["plan", "v1.ts", "--json"], ["plan", "v1.ts", "--out", "plan.json"], ["show", "plan.json"], ["show", "plan.json", "--json"]]) {
      expect((await run(...argv)).code).not.toBe(1);
    }
    expect(mode("plan.json")).toBe(0o600);
    const saved = readFileSync(join(dir, "plan.json"), "utf8");
    expect(saved).toContain("s3cret-db-9f2c"); // apply sets it: the saved plan must carry it
    expect(saved).not.toContain("hunter2-in-url");
    expect((await run("apply", "plan.json", "--json")).code).toBe(0);
    expect(mode("world.json")).toBe(0o600);

    // The live state now holds the secrets: a plan, its JSON, a saved plan shown, outputs.
    for (const argv of [["plan", "v1.ts", "--json"], ["plan", "v1.ts", "--detailed-exitcode"], ["output", "v1.ts"], ["output", "v1.ts", "--json"]]) {
      expect((await run(...argv)).code).not.toBe(1);
    }
    // DB_PASSWORD removed, API_TOKEN changed: the removed secret's line and the live before-state.
    const removed = await run("plan", "v2.ts");
    expect(removed.out).toMatch(/- context\.secretVars\.DB_PASSWORD = \(sensitive\)/);
    expect(removed.out).toMatch(/~ context\.secretVars\.API_TOKEN: \(sensitive\) → \(sensitive\)/);
    for (const argv of [["plan", "v2.ts", "--json"], ["plan", "v2.ts", "--out", "plan.json"], ["show", "plan.json", "--json"], ["apply", "v2.ts", "--auto-approve"], ["apply", "v2.ts", "--auto-approve", "--json"]]) {
      expect((await run(...argv)).code).not.toBe(1);
    }
    for (const argv of [["plan", "v2.ts", "--destroy", "--json"], ["destroy", "v2.ts", "--auto-approve", "--json"]]) {
      expect((await run(...argv)).code).toBe(0);
    }

    for (const secret of SECRETS) expect(printed).not.toContain(secret);
    expect(printed).toContain("(sensitive)");
    // Every other file in the folder is free of them.
    // The simulator's world is written through a temporary file beside it: close it first.
    await sim.close();
    closed = true;
    for (const file of readdirSync(dir)) {
      if (file === "plan.json" || file === "world.json" || statSync(join(dir, file)).isDirectory()) continue;
      const text = readFileSync(join(dir, file), "utf8");
      if (file.endsWith(".ts")) continue; // the stack files the user wrote
      for (const secret of SECRETS) expect(text, file).not.toContain(secret);
    }
  }, 60_000);
});

void dirname;
void fileURLToPath;
