/**
 * A cloud that hiccups, restarts or loses answers: plan and apply ride it out, and nothing is made
 * twice. The cloud is the simulator on loopback with its call-level faults: INTERNAL errors, dropped
 * connections, answers lost after oned acted (`reset-after`), and a restart on the same port.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main";
import { OneClient } from "../../src/providers/opennebula/client";
import { readOwned } from "../../src/providers/opennebula/reader";
import { templateVectors } from "../../src/providers/opennebula/template-syntax";
import { startOneSimulator, type FaultRule, type RunningOneSimulator } from "../../src/sim/opennebula/index";
import { captureIo, oneEnv, runCli } from "../support/cli-io";

const examples = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "stacks");

describe("a flaky cloud", () => {
  let dir: string;
  let sim: RunningOneSimulator;
  let url: string;

  const start = async (options: { port?: number; faults?: FaultRule[] } = {}) => {
    sim = await startOneSimulator({ port: options.port ?? 0, delays: { bootMs: 300 }, stateFile: join(dir, "world.json"), ...(options.faults ? { faults: options.faults } : {}) });
    url = sim.url;
  };
  const run = (...argv: string[]) => runCli(argv, { cwd: dir, env: oneEnv(url, dir) });
  /** The stack's VMs in the cloud, by address, each with its NIC count: a duplicate shows as two entries. */
  const vmsByAddress = async () => {
    const client = new OneClient({ endpoint: url, session: "oneadmin:opennebula" });
    try {
      const { owned, addresses } = await readOwned(client, "lab");
      return owned.VirtualMachine.map((vm) => `${addresses.get(`VirtualMachine#${vm.id}`)} nics=${templateVectors(vm.template, "NIC").length}`).sort();
    } finally {
      await client.close();
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "hyperplan-flaky-"));
    copyFileSync(join(examples, "lab.ts"), join(dir, "lab.ts"));
    writeFileSync(join(dir, "one_auth"), "oneadmin:opennebula\n");
  });
  afterEach(async () => {
    await sim.close();
  });

  it("plans through INTERNAL errors and dropped connections on the pool reads, saying it retries", async () => {
    await start({
      faults: [
        { type: "error", method: "one.vmpool.infoextended", code: "INTERNAL", count: 2 },
        { type: "drop", method: "one.imagepool.info", count: 1 },
        { type: "error", method: "one.vnpool.info", code: "LOCKED", count: 1 },
      ],
    });
    const plan = await run("plan", "lab.ts", "--detailed-exitcode");
    expect(plan.out).toContain("Plan: 8 to create");
    expect(plan.code).toBe(2);
    expect(plan.err).toMatch(/hyperplan: one\.vmpool\.infoextended failed \(attempt 1\), retrying in \S+, giving up in \S+: .*INTERNAL/);
    expect(plan.err).toMatch(/one\.imagepool\.info failed \(attempt 1\)/);
  });

  it("gives up a plan when the cloud stays away longer than --retry-timeout, naming the call", async () => {
    await start({ faults: [{ type: "drop", method: "one.vmpool.infoextended" }] });
    const started = Date.now();
    const plan = await run("plan", "lab.ts", "--retry-timeout", "2s");
    expect(plan.code).toBe(1);
    expect(plan.err).toMatch(/hyperplan plan: one\.vmpool\.infoextended to \S+: /);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("retries an error the cloud answered (INTERNAL) a few times only, then reports oned's message", async () => {
    await start({ faults: [{ type: "error", method: "one.vmpool.infoextended", code: "INTERNAL", message: "Error getting pool: database is locked" }] });
    const plan = await run("plan", "lab.ts");
    expect(plan.code).toBe(1);
    expect(plan.err.match(/one\.vmpool\.infoextended failed \(attempt \d\)/g)).toHaveLength(4);
    expect(plan.err).toContain("database is locked");
  });

  it("makes nothing twice when answers are lost after oned acted: allocates are looked for by tag, hot-plugs checked on the VM", async () => {
    await start({
      faults: [
        { type: "reset-after", method: "one.template.instantiate", count: 2 },
        { type: "reset-after", method: "one.image.allocate", count: 1 },
        { type: "reset-after", method: "one.secgroup.allocate", count: 1 },
      ],
    });
    const applied = await run("apply", "lab.ts", "--auto-approve");
    expect(applied.err).toBe("");
    expect(applied.code).toBe(0);
    expect(await vmsByAddress()).toEqual(["lab/lab-1 nics=1", "lab/lab-2 nics=1", "lab/lab-3 nics=1"]);
    expect((await run("plan", "lab.ts", "--detailed-exitcode")).code).toBe(0);

    // A second NIC for every VM; the first attachnic's answer is lost after oned attached it.
    const text = readFileSync(join(dir, "lab.ts"), "utf8").replace(
      "context: { sshKeys: [ADMIN_KEY], hostname: `lab-${i}` },",
      "context: { sshKeys: [ADMIN_KEY], hostname: `lab-${i}` },\n      nics: [{ network: net, securityGroups: [ssh], model: \"virtio\" }, { network: net, model: \"virtio\" }],",
    );
    writeFileSync(join(dir, "lab-v2.ts"), text);
    sim.faults.add({ type: "reset-after", method: "one.vm.attachnic", count: 1 });
    const grown = await run("apply", "lab-v2.ts", "--auto-approve");
    expect(grown.err).toBe("");
    expect(grown.code).toBe(0);
    expect(await vmsByAddress()).toEqual(["lab/lab-1 nics=2", "lab/lab-2 nics=2", "lab/lab-3 nics=2"]);
    expect((await run("plan", "lab-v2.ts", "--detailed-exitcode")).code).toBe(0);
  });

  it("rides out a cloud that restarts in the middle of an apply", async () => {
    await start();
    const port = Number(new URL(url).port);
    const io = captureIo({ cwd: dir, env: { ONE_XMLRPC: url, ONE_AUTH: join(dir, "one_auth"), NO_COLOR: "1" } });
    const applying = main(["apply", "lab.ts", "--auto-approve"], io);
    // Let the first objects be made, then take the cloud away for two seconds.
    await new Promise((r) => setTimeout(r, 250));
    await sim.close();
    await new Promise((r) => setTimeout(r, 2_000));
    await start({ port });
    expect(await applying).toBe(0);
    expect(io.out()).toMatch(/RETRY|retrying/);
    expect(io.out()).toMatch(/8 done, 0 failed/);
    expect(await vmsByAddress()).toEqual(["lab/lab-1 nics=1", "lab/lab-2 nics=1", "lab/lab-3 nics=1"]);
  }, 30_000);
});
