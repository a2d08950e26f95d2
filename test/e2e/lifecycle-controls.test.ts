/**
 * Lifecycle controls declared on constructs, against the OpenNebula simulator through the CLI:
 * `protect` refuses a plan that would replace the object and a destroy that would delete it, and
 * `ignoreChanges` leaves a change made by hand alone while saying so.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { OneClient } from "../../src/providers/opennebula/client";
import type { Plan } from "../../src/core/plan";
import { startOneSimulator, type RunningOneSimulator } from "../../src/sim/opennebula/index";
import { oneEnv, runCli } from "../support/cli-io";

const LAB = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "stacks", "lab.ts"), "utf8");

function edited(from: string, to: string, source = LAB): string {
  if (!source.includes(from)) throw new Error(`lab.ts no longer contains ${JSON.stringify(from)}`);
  return source.replace(from, to);
}

/** The lab with its scratch disk protected and lab-2's memory owned by someone else. */
const CONTROLLED = edited(
  `      template: small,\n      labels: ["lab"],\n`,
  `      template: small,\n      labels: ["lab"],\n      ...(i === 2 ? { ignoreChanges: ["memory"] } : {}),\n`,
  edited(`  persistent: true,\n  format: "raw",\n`, `  persistent: true,\n  format: "raw",\n  protect: true,\n`),
);

describe("lifecycle controls", () => {
  let dir: string;
  let sim: RunningOneSimulator;
  let client: OneClient;
  const run = (...argv: string[]) => runCli(argv, { cwd: dir, env: oneEnv(sim.url, dir) });
  const planJson = async (...extra: string[]) => JSON.parse((await run("plan", "lab.ts", "--json", ...extra)).out) as Plan;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "hyperplan-lifecycle-"));
    writeFileSync(join(dir, "lab.ts"), CONTROLLED);
    writeFileSync(join(dir, "one_auth"), "oneadmin:opennebula\n");
    sim = await startOneSimulator({ port: 0, delays: "instant" });
    client = new OneClient({ endpoint: sim.url, session: "oneadmin:opennebula" });
    const created = await run("apply", "lab.ts", "--auto-approve");
    expect(created.err).toBe("");
    expect(created.code).toBe(0);
  });
  afterEach(async () => {
    await client.close();
    await sim.close();
  });

  it("protect refuses a plan that would replace the object, naming what forces it, and changes nothing", async () => {
    const scratch = (await planJson()).changes.find((c) => c.address === "lab/lab-scratch")!.id;
    // The edited stack in a file of its own: a module is loaded once per process.
    writeFileSync(join(dir, "shrunk.ts"), edited("  size: 20 * 1024,\n  persistent: true,", "  size: 10 * 1024,\n  persistent: true,", CONTROLLED));
    const planned = await run("plan", "shrunk.ts");
    expect(planned.code).toBe(1);
    expect(planned.err).toMatch(new RegExp(`lab/lab-scratch: is protected \\(protect: true\\), but this plan would replace it \\(id ${scratch}\\): size cannot change in place`));
    const applied = await run("apply", "shrunk.ts", "--auto-approve");
    expect(applied.code).toBe(1);
    expect((await planJson()).changes.find((c) => c.address === "lab/lab-scratch")!.id).toBe(scratch);
  });

  it("protect refuses a destroy that would delete the object; the rest can go with --target", async () => {
    const destroyed = await run("destroy", "lab.ts", "--auto-approve");
    expect(destroyed.code).toBe(1);
    expect(destroyed.err).toContain("lab/lab-scratch: is protected (protect: true), but this destroy would delete it");
    expect((await planJson()).summary).toEqual({ create: 0, update: 0, replace: 0, delete: 0 });
    const some = await run("destroy", "lab.ts", "--auto-approve", "--target", "lab/lab-2");
    expect(some.code).toBe(0);
    expect((await planJson()).summary).toEqual({ create: 1, update: 0, replace: 0, delete: 0 });
  });

  it("ignoreChanges leaves a change made by hand alone and says so; other changes are still planned", async () => {
    const lab2 = Number((await planJson()).changes.find((c) => c.address === "lab/lab-2")!.id);
    // Someone else resizes lab-2 (the simulator takes a resize of a running VM, as the drift scenarios do).
    await client.call("one.vm.resize", lab2, "MEMORY = 1536", false);
    const plan = await planJson();
    expect(plan.summary).toEqual({ create: 0, update: 0, replace: 0, delete: 0 });
    expect(plan.changes.find((c) => c.address === "lab/lab-2")).toMatchObject({ action: "noop", ignored: ["memory"] });
    const text = await run("plan", "lab.ts");
    expect(text.out).toContain("No changes.");
    expect(text.out).toContain("  = lab/lab-2 (VirtualMachine): ignoreChanges leaves memory as it is");
    // The same change on a VM without ignoreChanges is planned.
    const lab3 = Number(plan.changes.find((c) => c.address === "lab/lab-3")!.id);
    await client.call("one.vm.resize", lab3, "MEMORY = 1536", false);
    const after = await planJson();
    expect(after.summary).toEqual({ create: 0, update: 1, replace: 0, delete: 0 });
    expect(after.changes.find((c) => c.address === "lab/lab-3")?.diff.map((d) => d.path)).toEqual(["memory"]);
  });

  it("moved keeps the object of a renamed construct, retagged in place, instead of a delete and a create", async () => {
    const before = await planJson();
    const lab3 = before.changes.find((c) => c.address === "lab/lab-3")!.id;
    writeFileSync(
      join(dir, "renamed.ts"),
      edited("    new VirtualMachine(lab, `lab-${i}`, {\n", '    new VirtualMachine(lab, i === 3 ? "lab-three" : `lab-${i}`, {\n      ...(i === 3 ? { moved: { from: "lab/lab-3" } } : {}),\n', CONTROLLED),
    );
    const planned = JSON.parse((await run("plan", "renamed.ts", "--json")).out) as Plan;
    expect(planned.summary).toEqual({ create: 0, update: 1, replace: 0, delete: 0 });
    const moved = planned.changes.find((c) => c.address === "lab/lab-three")!;
    expect(moved).toMatchObject({ action: "update", id: lab3, movedFrom: "lab/lab-3" });
    expect(moved.diff.map((d) => `${d.path} ${d.operation}`)).toEqual(["address retag", "name one.vm.rename"]);
    const text = await run("plan", "renamed.ts");
    expect(text.out).toContain(`~ lab/lab-three (VirtualMachine) id=${lab3} moved from lab/lab-3, and updated in place`);
    expect(text.out).toContain(`~ address: "lab/lab-3" → "lab/lab-three" [retag]`);
    const applied = await run("apply", "renamed.ts", "--auto-approve");
    expect(applied.err).toBe("");
    expect(applied.code).toBe(0);
    const after = JSON.parse((await run("plan", "renamed.ts", "--json", "--detailed-exitcode")).out) as Plan;
    expect(after.summary).toEqual({ create: 0, update: 0, replace: 0, delete: 0 });
    expect(after.changes.find((c) => c.address === "lab/lab-three")!.id).toBe(lab3);
    expect(String(await client.call("one.vm.info", Number(lab3)))).toContain("<HYPERPLAN_ADDRESS><![CDATA[lab/lab-three]]></HYPERPLAN_ADDRESS>");
  });

  it("keeps the controls in a saved plan, which applies as saved", async () => {
    expect((await run("plan", "lab.ts", "--destroy", "--out", "gone.plan")).code).toBe(1);
    expect((await run("plan", "lab.ts", "--out", "keep.plan")).code).toBe(0);
    const saved = JSON.parse(readFileSync(join(dir, "keep.plan"), "utf8")) as Plan;
    expect(saved.desired?.resources.find((r) => r.address === "lab/lab-scratch")?.lifecycle).toEqual({ protect: true });
    expect(saved.desired?.resources.find((r) => r.address === "lab/lab-2")?.lifecycle).toEqual({ ignoreChanges: ["memory"] });
    expect(await run("apply", "keep.plan")).toMatchObject({ code: 0, err: "" });
  });
});
