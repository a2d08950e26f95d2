import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main";
import { simulatorStateFile } from "../../src/cli/cloud";
import { OneClient } from "../../src/providers/opennebula/client";
import { parsePlan } from "../../src/core/plan";
import { analyseStack } from "../../src/resources/synthesis";
import { startOneSimulator } from "../../src/sim/opennebula/index";
import { captureIo } from "../support/cli-io";
import { writeDesired } from "../support/one-writer";
import lab from "../../examples/stacks/lab";

const examples = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "stacks");

describe("hyperplan plan --simulate", () => {
  let dir: string;
  const run = async (...argv: string[]) => {
    const io = captureIo({ cwd: dir, env: { HYPERPLAN_SIM_DELAYS: "instant" } });
    const code = await main(argv, io);
    return { code, out: io.out(), err: io.err() };
  };

  /** Makes the simulator world of the stack dir hold what apply would have made. */
  async function worldWithLab(): Promise<void> {
    const sim = await startOneSimulator({ port: 0, delays: "instant", stateFile: simulatorStateFile(join(dir, "lab.ts"), "opennebula") });
    const client = new OneClient({ endpoint: sim.url, session: "oneadmin:opennebula" });
    await writeDesired(client, analyseStack((lab as never as { stacks: Parameters<typeof analyseStack>[0][] }).stacks[0]!).state!);
    await client.call("one.system.version");
    await client.close();
    await sim.close();
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "hyperplan-plan-"));
    copyFileSync(join(examples, "lab.ts"), join(dir, "lab.ts"));
  });
  afterEach(() => undefined);

  it("saves a plan that show renders exactly as plan printed it", async () => {
    const planned = await run("plan", "lab.ts", "--simulate", "--out", "plan.json");
    const shown = await run("show", "plan.json");
    expect(shown.code).toBe(0);
    expect(planned.out.replace(/\nSaved the plan to plan\.json;.*\n$/s, "")).toBe(shown.out);
    expect(parsePlan(readFileSync(join(dir, "plan.json"), "utf8")).summary.create).toBe(8);
  });

  it("limits the plan to a target and what it depends on", async () => {
    const { out } = await run("plan", "lab.ts", "--simulate", "--target", "lab/lab-scratch", "--json");
    expect(parsePlan(out).changes.map((c) => c.address)).toEqual(["lab/lab-scratch"]);
    const withDeps = await run("plan", "lab.ts", "--simulate", "--target", "lab/lab-small", "--json");
    expect(parsePlan(withDeps.out).changes.map((c) => c.address).sort()).toEqual(["lab/debian-12", "lab/lab-net", "lab/lab-small", "lab/lab-ssh"]);
    const bad = await run("plan", "lab.ts", "--simulate", "--target", "lab/nope");
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('the target "lab/nope" matches no declared or live resource');
  });

  it("reports no changes, exit 0, once the cloud holds what the stack declares", async () => {
    await worldWithLab();
    const { code, out } = await run("plan", "lab.ts", "--simulate", "--detailed-exitcode");
    expect(out).toContain("No changes.");
    expect(code).toBe(0);
  });
});

describe("hyperplan plan: which cloud", () => {
  it("reads the endpoint and auth file from the stack's provider settings before ONE_XMLRPC/ONE_AUTH", async () => {
    const sim = await startOneSimulator({ port: 0, delays: "instant", auth: "ci:s3cret" });
    const dir = mkdtempSync(join(tmpdir(), "hyperplan-cloud-"));
    try {
      writeFileSync(join(dir, "auth"), "ci:s3cret\n");
      writeFileSync(
        join(dir, "stack.ts"),
        [
          'import { App, Stack, VirtualNetwork } from "hyperplan";',
          "const app = new App();",
          `const s = new Stack(app, "edge", { provider: { opennebula: { endpoint: ${JSON.stringify(sim.url)}, authFile: ${JSON.stringify(join(dir, "auth"))} } } });`,
          'new VirtualNetwork(s, "net", { bridge: "br0", addressRanges: [{ type: "ipv4", start: "10.9.0.2", size: 4 }] });',
          "export default app;",
        ].join("\n"),
      );
      const io = captureIo({ cwd: dir, env: { ONE_XMLRPC: "http://127.0.0.1:1/RPC2", ONE_AUTH: join(dir, "missing") } });
      expect(await main(["plan"], io)).toBe(0);
      expect(io.out().split("\n")[0]).toBe(`Reading OpenNebula ${sim.url}`);
      expect(io.out()).toContain("+ edge/net (VirtualNetwork)");
      expect(sim.callCounts()["one.vnpool.info"]).toBe(1);
    } finally {
      await sim.close();
    }
  });

  it("falls back to ONE_XMLRPC and ONE_AUTH, and names the endpoint that failed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hyperplan-cloud-"));
    copyFileSync(join(examples, "lab.ts"), join(dir, "lab.ts"));
    writeFileSync(join(dir, "auth"), "oneadmin:pw\n");
    const io = captureIo({ cwd: dir, env: { ONE_XMLRPC: "http://127.0.0.1:1/RPC2", ONE_AUTH: join(dir, "auth") } });
    expect(await main(["plan", "lab.ts", "--retry-timeout", "1s"], io)).toBe(1);
    expect(io.err()).toMatch(/failed \(attempt 1\), retrying in/);
    expect(io.err()).toContain("http://127.0.0.1:1/RPC2: connection refused");
    expect(io.err()).not.toContain("oneadmin:pw");
  });
});
