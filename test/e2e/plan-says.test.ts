/**
 * What the plan says is what apply does, and what a person must know is said at plan time: objects
 * the stack does not own under its names, duplicates, objects still on their way, forced
 * replacements, and a VM template made again by hand. Against the simulator on loopback.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { OneClient } from "../../src/providers/opennebula/client";
import type { Plan } from "../../src/core/plan";
import { startOneSimulator, type RunningOneSimulator } from "../../src/sim/opennebula/index";
import { oneEnv, runCli } from "../support/cli-io";

const examples = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "stacks");

describe("the plan says what apply will do", () => {
  let dir: string;
  let sim: RunningOneSimulator;
  let client: OneClient;

  const run = (...argv: string[]) => runCli(argv, { cwd: dir, env: oneEnv(sim.url, dir) });
  const planJson = async (...extra: string[]) => JSON.parse((await run("plan", "lab.ts", "--json", ...extra)).out) as Plan;
  const idOf = (plan: Plan, address: string) => Number(plan.changes.find((c) => c.address === address)!.id);
  const active = (plan: Plan) => plan.changes.filter((c) => c.action !== "noop").map((c) => `${c.action} ${c.address}`);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "hyperplan-says-"));
    copyFileSync(join(examples, "lab.ts"), join(dir, "lab.ts"));
    writeFileSync(join(dir, "one_auth"), "oneadmin:opennebula\n");
    sim = await startOneSimulator({ port: 0, delays: { bootMs: 600 } });
    client = new OneClient({ endpoint: sim.url, session: "oneadmin:opennebula" });
  });
  afterEach(async () => {
    await client.close();
    await sim.close();
  });

  it("refuses, naming the id, when an object it does not own holds a unique name it would create", async () => {
    const image = Number(await client.call("one.image.allocate", 'NAME="debian-12"\nTYPE="DATABLOCK"\nSIZE="10"', 1));
    const plan = await run("plan", "lab.ts");
    expect(plan.code).not.toBe(0);
    expect(plan.out + plan.err).toContain(`lab/debian-12: the image name "debian-12" is taken by image id ${image}, which stack "lab" does not own (it carries no hyperplan ownership tag); names of this kind are unique, so the plan will not create another beside it.`);
    const apply = await run("apply", "lab.ts", "--auto-approve");
    expect(apply.code).not.toBe(0);
    expect(String(await client.call("one.imagepool.info", -2, -1, -1))).not.toContain("lab/");
  });

  it.each(["sqlite", "mysql"] as const)("warns when a VM's tags were removed by hand, instead of making a second one silently (%s-backed oned)", async (database) => {
    if (database === "mysql") {
      // A MySQL-backed oned is searched for the stack's VMs, so the untagged one needs a look of its own.
      await client.close();
      await sim.close();
      sim = await startOneSimulator({ port: 0, delays: { bootMs: 600 }, database });
      client = new OneClient({ endpoint: sim.url, session: "oneadmin:opennebula" });
    }
    expect((await run("apply", "lab.ts", "--auto-approve")).code).toBe(0);
    const lab2 = idOf(await planJson(), "lab/lab-2");
    await client.call("one.vm.update", lab2, 'LABELS="lab"', 0);
    const plan = await run("plan", "lab.ts");
    expect(plan.out).toContain("Plan: 1 to create");
    expect(plan.out).toContain(`Warning: lab/lab-2: a virtual machine named "lab-2" already exists (id ${lab2}) that stack "lab" does not own (it carries no hyperplan ownership tag): if it is this stack's virtual machine whose ownership tags were removed by hand, this plan makes a second one.`);
  });

  it("names a duplicate, keeps the oldest and deletes the other as an ordinary change", async () => {
    expect((await run("apply", "lab.ts", "--auto-approve")).code).toBe(0);
    const lab2 = idOf(await planJson(), "lab/lab-2");
    const copy = Number(await client.call("one.vm.allocate", 'NAME="lab-2"\nCPU="0.1"\nMEMORY="64"\nHYPERPLAN_STACK="lab"\nHYPERPLAN_ADDRESS="lab/lab-2"\nHYPERPLAN_KIND="VirtualMachine"', false));
    const plan = await run("plan", "lab.ts");
    expect(plan.out).toContain(`- lab/lab-2~duplicate-${copy} (VirtualMachine) id=${copy} a second object carrying the address lab/lab-2 (the oldest, id ${lab2}, keeps it)`);
    expect(plan.out).toContain("Plan: 0 to create, 0 to update, 0 to replace, 1 to delete.");
    expect((await run("apply", "lab.ts", "--auto-approve")).code).toBe(0);
    const after = await planJson();
    expect(active(after)).toEqual([]);
    expect(idOf(after, "lab/lab-2")).toBe(lab2);
  });

  it("exits 2 with --detailed-exitcode while a declared object is still on its way, and says so", async () => {
    expect((await run("apply", "lab.ts", "--auto-approve")).code).toBe(0);
    const lab3 = idOf(await planJson(), "lab/lab-3");
    await client.call("one.vm.action", "poweroff", lab3);
    await new Promise((r) => setTimeout(r, 100));
    await client.call("one.vm.action", "resume", lab3);
    const plan = await run("plan", "lab.ts", "--detailed-exitcode");
    expect(plan.out).toContain("lab/lab-3 (VirtualMachine) still on its way to RUNNING: apply waits for it");
    expect(plan.code).toBe(2);
  });

  it("does not replace the VMs of a VM template deleted by hand and made again with the same content", async () => {
    expect((await run("apply", "lab.ts", "--auto-approve")).code).toBe(0);
    const first = await planJson();
    await client.call("one.template.delete", idOf(first, "lab/lab-small"), false);
    expect(active(await planJson())).toEqual(["create lab/lab-small"]);
    expect((await run("apply", "lab.ts", "--auto-approve")).code).toBe(0);
    const after = await planJson();
    expect(active(after)).toEqual([]);
    for (const vm of ["lab/lab-1", "lab/lab-2", "lab/lab-3"]) expect(idOf(after, vm)).toBe(idOf(first, vm));
  });
});
