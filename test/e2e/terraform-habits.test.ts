/**
 * The habits Terraform users bring, against the OpenNebula simulator on loopback: `destroy` destroys
 * after confirmation and says when there is nothing to destroy, `plan --destroy` only plans it, and a
 * saved plan is recognised by its content whatever its file name.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startOneSimulator, type RunningOneSimulator } from "../../src/sim/opennebula/index";
import { OneClient } from "../../src/providers/opennebula/client";
import type { Plan } from "../../src/core/plan";
import { oneEnv, runCli } from "../support/cli-io";

const examples = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "stacks");

describe("Terraform habits", () => {
  let dir: string;
  let sim: RunningOneSimulator;
  const run = (...argv: string[]) => runCli(argv, { cwd: dir, env: oneEnv(sim.url, dir) });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "hyperplan-habits-"));
    copyFileSync(join(examples, "lab.ts"), join(dir, "lab.ts"));
    writeFileSync(join(dir, "one_auth"), "oneadmin:opennebula\n");
    sim = await startOneSimulator({ port: 0, delays: "instant" });
  });
  afterEach(async () => {
    await sim.close();
  });

  it("plans with --out under any file name and applies that file as a saved plan", async () => {
    const planned = await run("plan", "lab.ts", "--out", "tfplan");
    expect(planned.code).toBe(0);
    const applied = await run("apply", "tfplan");
    expect(applied.err).toBe("");
    expect(applied.code).toBe(0);
    expect((await run("plan", "lab.ts", "--detailed-exitcode")).code).toBe(0);
  });

  it("names the user and the credentials file oned refused, never the password", async () => {
    writeFileSync(join(dir, "wrong_auth"), "oneadmin:not-the-password-42\n");
    const planned = await runCli(["plan", "lab.ts"], { cwd: dir, env: { ...oneEnv(sim.url, dir), ONE_AUTH: join(dir, "wrong_auth") } });
    expect(planned.code).toBe(1);
    expect(planned.err).toContain(`refused the user "oneadmin", read from the auth file ${join(dir, "wrong_auth")} (ONE_AUTH): check the user and password there`);
    expect(planned.err + planned.out).not.toContain("not-the-password-42");
  });

  it("imports a VM whose tags were removed by hand, then updates it as any other, never making a second", async () => {
    expect((await run("apply", "lab.ts", "--auto-approve")).code).toBe(0);
    const client = new OneClient({ endpoint: sim.url, session: "oneadmin:opennebula" });
    try {
      const plan = JSON.parse((await run("plan", "lab.ts", "--json")).out) as Plan;
      const lab2 = plan.changes.find((c) => c.address === "lab/lab-2")!.id!;
      await client.call("one.vm.update", Number(lab2), 'LABELS="lab"', 0);
      expect((JSON.parse((await run("plan", "lab.ts", "--json")).out) as Plan).summary.create).toBe(1);

      expect(await run("import", "lab/nope", lab2, "lab.ts")).toMatchObject({ code: 1, err: expect.stringContaining("lab/nope: is not declared in stack \"lab\"") });
      expect(await run("import", "lab/lab-1", lab2, "lab.ts")).toMatchObject({ code: 1, err: expect.stringContaining("lab/lab-1: has an object already") });
      const imported = await run("import", "lab/lab-2", lab2, "lab.ts");
      expect(imported.err).toBe("");
      expect(imported.out).toContain(`Imported VirtualMachine ${lab2} as lab/lab-2`);
      expect(await run("import", "lab/lab-2", lab2, "lab.ts")).toMatchObject({ code: 0, out: expect.stringContaining("nothing to import") });

      // Adopted: no second VM; what it lost by hand is planned back as an update of the same VM.
      const after = JSON.parse((await run("plan", "lab.ts", "--json")).out) as Plan;
      expect(after.summary.create).toBe(0);
      expect(after.changes.find((c) => c.address === "lab/lab-2")).toMatchObject({ id: lab2 });
      expect((await run("apply", "lab.ts", "--auto-approve")).code).toBe(0);
      expect((await run("plan", "lab.ts", "--detailed-exitcode")).code).toBe(0);
      expect((JSON.parse((await run("plan", "lab.ts", "--json")).out) as Plan).changes.find((c) => c.address === "lab/lab-2")!.id).toBe(lab2);
    } finally {
      await client.close();
    }
  });

  it("says when a plan made with --simulate is applied without it", async () => {
    const planned = await runCli(["plan", "lab.ts", "--simulate", "--out", "sim.plan"], { cwd: dir, env: { ...oneEnv(sim.url, dir), HYPERPLAN_SIM_DELAYS: "instant" } });
    expect(planned.code).toBe(0);
    const applied = await run("apply", "sim.plan");
    expect(applied.code).toBe(1);
    expect(applied.err).toContain("sim.plan was made with --simulate (against OpenNebula simulator");
    expect(applied.err).toContain("apply it with --simulate, or plan again against");
  });

  it("destroys after confirmation, plan --destroy only plans, and a destroy of nothing says so", async () => {
    const created = await run("apply", "lab.ts", "--auto-approve");
    expect(created.err).toBe("");
    expect(created.code).toBe(0);
    const planned = await run("plan", "lab.ts", "--destroy", "--detailed-exitcode");
    expect(planned.code).toBe(2);
    expect(planned.out).toContain("Stack lab (destroy)");
    expect((await run("plan", "lab.ts", "--detailed-exitcode")).code).toBe(0);
    expect(await run("destroy", "lab.ts", "--destroy")).toMatchObject({ code: 2, err: expect.stringContaining("--destroy belongs to apply") });
    expect(await run("destroy", "lab.ts", "--replace", "lab/lab-1")).toMatchObject({ code: 2 });
    // A saved plan that keeps the stack is not a destroy.
    await run("plan", "lab.ts", "--out", "keep.plan");
    expect(await run("destroy", "keep.plan")).toMatchObject({ code: 2, err: expect.stringContaining("is a plan that keeps the stack, not a destroy plan") });
    const destroyed = await run("destroy", "lab.ts", "--auto-approve");
    expect(destroyed.code).toBe(0);
    expect(destroyed.out).toMatch(/Plan: 0 to create, 0 to update, 0 to replace, \d+ to delete\./);
    const nothing = await run("destroy", "lab.ts", "--auto-approve");
    expect(nothing.code).toBe(0);
    expect(nothing.out).toContain('Nothing to destroy: stack "lab" owns no objects there.');
  });
});
