/**
 * The stack's label on OpenNebula VMs (`hyperplan/<stack>` in LABELS): a plan finds the stack's VMs
 * through the pool's short bodies and reads only those in full. A label removed by hand must neither
 * make a second VM nor leave one behind: the plan then reads the whole pool before deciding.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startOneSimulator, type RunningOneSimulator } from "../../src/sim/opennebula/index";
import { OneClient } from "../../src/providers/opennebula/client";
import { parsePlan, type Plan } from "../../src/core/plan";
import { oneEnv, runCli } from "../support/cli-io";

const examples = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "stacks");

describe("the stack's label on OpenNebula VMs", () => {
  let dir: string;
  let sim: RunningOneSimulator;
  let client: OneClient;
  const run = (...argv: string[]) => runCli(argv, { cwd: dir, env: oneEnv(sim.url, dir) });
  const plan = async (file = "lab.ts"): Promise<Plan> => parsePlan((await run("plan", file, "--json")).out);
  const vmLabels = async (id: string): Promise<string> => /<LABELS><!\[CDATA\[(.*?)\]\]><\/LABELS>|<LABELS>(.*?)<\/LABELS>/s.exec(String(await client.call("one.vm.info", Number(id))))?.slice(1).find((x) => x !== undefined) ?? "";
  const owned = async (): Promise<number> => (String(await client.call("one.vmpool.infoextended", -2, -1, -1, -1)).match(/<HYPERPLAN_STACK><!\[CDATA\[lab\]\]>|<HYPERPLAN_STACK>lab</g) ?? []).length;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "hyperplan-label-"));
    copyFileSync(join(examples, "lab.ts"), join(dir, "lab.ts"));
    writeFileSync(join(dir, "one_auth"), "oneadmin:opennebula\n");
    sim = await startOneSimulator({ port: 0, delays: "instant" });
    client = new OneClient({ endpoint: sim.url, session: "oneadmin:opennebula" });
    expect((await run("apply", "lab.ts", "--auto-approve")).code).toBe(0);
  });
  afterEach(async () => {
    await client.close();
    await sim.close();
  });

  it("labels every VM beside the user's labels, and plans through the label: short bodies, then the stack's VMs by id", async () => {
    const first = await plan();
    const id = first.changes.find((c) => c.address === "lab/lab-2")!.id!;
    expect((await vmLabels(id)).split(",").sort()).toEqual(["hyperplan/lab", "lab"]);
    sim.resetCallCounts();
    expect((await run("plan", "lab.ts", "--detailed-exitcode")).code).toBe(0);
    const calls = sim.callCounts();
    expect(calls["one.vmpool.info"]).toBe(1);
    expect(calls["one.vmpool.infoset"]).toBe(1);
    // The one VM pool read in full is the search a SQLite-backed oned refuses at once.
    expect(calls["one.vmpool.infoextended"]).toBe(1);
  });

  it("makes no second VM when a declared VM's label was removed by hand: the plan reads the whole pool first", async () => {
    const id = (await plan()).changes.find((c) => c.address === "lab/lab-2")!.id!;
    await client.call("one.vm.update", Number(id), 'LABELS="lab"', 1);
    expect(await vmLabels(id)).toBe("lab");
    sim.resetCallCounts();
    const again = await plan();
    expect(again.changes.filter((c) => c.action !== "noop")).toEqual([]);
    expect(again.changes.find((c) => c.address === "lab/lab-2")!.id).toBe(id);
    expect(sim.callCounts()["one.vmpool.infoextended"]).toBeGreaterThanOrEqual(2);
    expect((await run("apply", "lab.ts", "--auto-approve")).code).toBe(0);
    expect(await owned()).toBe(3);
  });

  it("still deletes a VM no longer declared whose label was removed by hand: the stack's document remembers how many it had", async () => {
    const before = await plan();
    const id = before.changes.find((c) => c.address === "lab/lab-3")!.id!;
    await client.call("one.vm.update", Number(id), 'LABELS="lab"', 1);
    // lab-3 declared no more: the labelled VMs are all the declared ones, but fewer than the 3 recorded.
    writeFileSync(join(dir, "two.ts"), readFileSync(join(dir, "lab.ts"), "utf8").replace("[1, 2, 3].map(", "[1, 2].map("));
    const planned = await plan("two.ts");
    expect(planned.changes.filter((c) => c.action !== "noop").map((c) => `${c.action} ${c.address} ${c.id}`)).toEqual([`delete lab/lab-3 ${id}`]);
    expect((await run("apply", "two.ts", "--auto-approve")).code).toBe(0);
    expect(await owned()).toBe(2);
    expect((await run("plan", "two.ts", "--detailed-exitcode")).code).toBe(0);
  });
});
