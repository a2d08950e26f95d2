/**
 * A saved plan is a promise: `apply plan.json` plans again from the declaration it carries and refuses,
 * before any call that changes the cloud, unless that gives exactly the saved changes. The cloud is the
 * simulator on loopback, counting every call; the edits are the ones a careless or hostile hand makes.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { OneClient } from "../../src/providers/opennebula/client";
import type { Plan, ResourceChange } from "../../src/core/plan";
import { startOneSimulator, type RunningOneSimulator } from "../../src/sim/opennebula/index";
import { oneEnv, runCli } from "../support/cli-io";

const examples = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "stacks");

/** Calls that change the stack's objects: everything but reads and the stack lock's document. */
function mutatingCalls(counts: Record<string, number>): string[] {
  return Object.keys(counts).filter((m) => !/\.(info|infoset|infoextended|version|config)$|pool\.|^system\.|^one\.document\./.test(m));
}

describe("apply of a saved plan", () => {
  let dir: string;
  let sim: RunningOneSimulator;
  let client: OneClient;

  const run = (...argv: string[]) => runCli(argv, { cwd: dir, env: oneEnv(sim.url, dir) });
  const readPlan = (): Plan => JSON.parse(readFileSync(join(dir, "plan.json"), "utf8")) as Plan;
  const writePlan = (plan: Plan) => writeFileSync(join(dir, "plan.json"), JSON.stringify(plan, null, 2));
  const editStack = (from: string, to: string, file = "lab-v2.ts") => {
    const text = readFileSync(join(dir, "lab.ts"), "utf8");
    expect(text).toContain(from);
    writeFileSync(join(dir, file), text.replace(from, to));
    return file;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "hyperplan-saved-"));
    copyFileSync(join(examples, "lab.ts"), join(dir, "lab.ts"));
    writeFileSync(join(dir, "one_auth"), "oneadmin:opennebula\n");
    // Boots take long enough for a plan to be made while a VM is on its way.
    sim = await startOneSimulator({ port: 0, delays: { bootMs: 800 } });
    client = new OneClient({ endpoint: sim.url, session: "oneadmin:opennebula" });
    expect((await run("apply", "lab.ts", "--auto-approve")).code).toBe(0);
  });

  afterEach(async () => {
    await client.close();
    await sim.close();
  });

  it("refuses a plan edited to delete a foreign VM, before any call, and the VM lives on", async () => {
    const foreign = Number(await client.call("one.vm.allocate", 'NAME="payroll"\nCPU="0.1"\nMEMORY="64"', false));
    expect((await run("plan", "lab.ts", "--out", "plan.json")).code).toBe(0);
    const plan = readPlan();
    const intruder: ResourceChange = { address: "lab/payroll", kind: "VirtualMachine", action: "delete", id: String(foreign), before: { name: "payroll" }, diff: [], dependsOn: [], reason: "no longer declared" };
    writePlan({ ...plan, changes: [...plan.changes, intruder], summary: { ...plan.summary, delete: 1 } });
    sim.resetCallCounts();
    const applied = await run("apply", "plan.json");
    expect(applied.code).toBe(1);
    expect(applied.err).toContain("lab/payroll: refusing plan.json: the saved plan has a delete that planning again does not give; nothing was changed");
    expect(mutatingCalls(sim.callCounts())).toEqual([]);
    expect(String(await client.call("one.vm.info", foreign))).toContain("<NAME>payroll</NAME>");
  });

  it("refuses a plan whose changes were cut short instead of reporting no changes", async () => {
    expect((await run("plan", editStack("memory: 1024,", "memory: 2048,"), "--out", "plan.json")).code).toBe(0);
    const plan = readPlan();
    expect(plan.summary.update).toBe(4);
    writePlan({ ...plan, changes: plan.changes.filter((c) => c.action === "noop"), summary: { create: 0, update: 0, replace: 0, delete: 0 } });
    sim.resetCallCounts();
    const applied = await run("apply", "plan.json");
    expect(applied.code).toBe(1);
    expect(applied.err).toMatch(/: refusing plan\.json: planning again gives an update that the saved plan does not have/);
    expect(applied.out).not.toContain("No changes");
    expect(mutatingCalls(sim.callCounts())).toEqual([]);
  });

  it("refuses a plan whose attribute line and after-state disagree, naming where", async () => {
    expect((await run("plan", editStack("memory: 1024,", "memory: 2048,"), "--out", "plan.json")).code).toBe(0);
    const plan = readPlan();
    const lab1 = plan.changes.find((c) => c.address === "lab/lab-1")!;
    (lab1.after as { memory: number }).memory = 3072;
    writePlan(plan);
    const applied = await run("apply", "plan.json");
    expect(applied.code).toBe(1);
    expect(applied.err).toContain("lab/lab-1: refusing plan.json: the saved update differs from the change planned now at after.memory");
  });

  it("refuses a saved declaration a stack file could not give, with the address and path, before any call", async () => {
    expect((await run("plan", editStack("memory: 1024,", "memory: 2048,"), "--out", "plan.json")).code).toBe(0);
    const plan = readPlan();
    for (const r of plan.desired!.resources) if (r.address === "lab/lab-small") (r.props as { memory: number }).memory = -5;
    writePlan(plan);
    sim.resetCallCounts();
    const applied = await run("apply", "plan.json");
    expect(applied.code).toBe(1);
    expect(applied.err).toContain("the declaration saved in plan.json is not valid; nothing was changed");
    expect(applied.err).toContain("lab/lab-small: memory: must be >= 1 MiB, got -5");
    expect(sim.callCounts()).toEqual({});
  });

  it("carries out a plan made while a VM was still booting, once it has arrived", async () => {
    const lab2 = Number((JSON.parse((await run("plan", "lab.ts", "--json")).out) as Plan).changes.find((c) => c.address === "lab/lab-2")!.id);
    await client.call("one.vm.action", "poweroff", lab2);
    await new Promise((r) => setTimeout(r, 200));
    await client.call("one.vm.action", "resume", lab2);
    // The VM is on its way back to RUNNING: the plan waits for it (and updates the security group).
    const lab = editStack("SSH and ping in, everything out", "SSH and ping in");
    expect((await run("plan", lab, "--out", "plan.json")).code).toBe(0);
    expect(readPlan().changes.find((c) => c.address === "lab/lab-2")!.arriving).toBe("RUNNING");
    await new Promise((r) => setTimeout(r, 1000));
    expect((JSON.parse((await run("plan", lab, "--json")).out) as Plan).changes.find((c) => c.address === "lab/lab-2")!.arriving).toBeUndefined();
    const applied = await run("apply", "plan.json");
    expect(applied.err).toBe("");
    expect(applied.code).toBe(0);
    expect(applied.out).toMatch(/1 done, 0 failed/);
  });
});
