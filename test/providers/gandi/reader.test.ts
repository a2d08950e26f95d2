/**
 * Gandi's read side against the Gandi simulator: a stack's plan from an empty account creates
 * everything; objects named as the stack names them (mark included) are read back as its own and plan
 * clean; objects of other names, and another stack's, are never read as the stack's; a name that reads
 * as a declared one without the mark stops the plan.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { App, Image, Stack, VirtualMachine } from "../../../src/index";
import { analyseStack } from "../../../src/resources/synthesis";
import { buildPlan } from "../../../src/planner/plan-builder";
import { GandiClient } from "../../../src/providers/gandi/client";
import { gandiDiffRules } from "../../../src/providers/gandi/diff-rules";
import { gandiProfile } from "../../../src/providers/gandi/profile";
import { liveStateOf, readAccount } from "../../../src/providers/gandi/reader";
import { gandiName } from "../../../src/providers/gandi/naming";
import type { HyperplanError } from "../../../src/errors";
import { startGandiSimulator } from "../../../src/sim/gandi/index";

type Sim = Awaited<ReturnType<typeof startGandiSimulator>>;

function shop(memory = 512, vm = "web-1") {
  const s = new Stack(new App(), "shop");
  const data = new Image(s, `${vm}-data`, { type: "datablock", size: 1024, persistent: true, raw: { gandi: { fstype: "ext3" } } });
  new VirtualMachine(s, vm, { vcpu: 1, memory, disks: [{ image: data }], context: { password: "Root-passw0rd" }, raw: { gandi: { os: "Debian 12" } } });
  const analysis = analyseStack(s, { profile: gandiProfile });
  if (!analysis.state) throw new Error(analysis.issues.map((i) => `${i.address}: ${i.path}: ${i.message}`).join("\n"));
  return analysis.state;
}

describe("Gandi's read side", () => {
  let sim: Sim;
  let client: GandiClient;
  beforeEach(async () => {
    sim = await startGandiSimulator({ port: 0, delays: "instant" });
    client = new GandiClient({ url: sim.url, login: "AA1234-GANDI", password: "gandi" });
  });
  afterEach(async () => {
    await client.close();
    await sim.close();
  });

  const planOf = async (memory?: number) => {
    const desired = shop(memory);
    const live = liveStateOf("shop", sim.url, await readAccount(client), desired);
    return buildPlan({ desired, live, rules: gandiDiffRules, mode: "plan" });
  };

  async function settle(opId: number): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const op = await client.operationDetails(opId);
      if (op.state === "DONE") return;
      if (op.state !== "PENDING" && op.state !== "RUN") throw new Error(`operation ${opId} ended ${op.state}: ${op.comment ?? ""}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  it("reads the stack's objects by their names, and nothing else as the stack's", async () => {
    expect((await planOf()).summary).toEqual({ create: 2, update: 0, replace: 0, delete: 0 });
    const debian = (await client.osList()).find((os) => os.name === "Debian" && os.version === "12")!;
    // Others' objects: a VM of another name, another stack's VM.
    await client.vmCreate({ hostname: "web-1", password: "Other-passw0rd", os_id: debian.id, shares: 1, cpu: 1 });
    await client.vmCreate({ hostname: "web-1.blog", password: "Other-passw0rd", os_id: debian.id, shares: 1, cpu: 1 });
    // The stack's own, named as it names them (the marks are naming.test.ts's golden values' kind).
    const vm = await client.vmCreate({ hostname: gandiName("shop", "VirtualMachine", "web-1"), password: "Root-passw0rd", os_id: debian.id, shares: 2, cpu: 1 });
    const disk = await client.diskCreate({ size: 1024, name: gandiName("shop", "Image", "web-1-data"), fstype: "ext3" });
    for (const op of await client.operationList({ state: "ALL" })) await settle(op);
    await settle(await client.diskAttach(disk, vm));

    const clean = await planOf();
    expect(clean.changes.filter((c) => c.action !== "noop").map((c) => `${c.action} ${c.address}`)).toEqual([]);
    expect(clean.changes.map((c) => `${c.address}=${c.id}`).sort()).toEqual([`shop/web-1-data=${disk}`, `shop/web-1=${vm}`]);
    // Memory is the VM's shares: 1024 MiB is four shares, an update through vm_update.
    const grown = await planOf(1024);
    expect(grown.changes.filter((c) => c.action === "update").flatMap((c) => c.diff.map((d) => `${c.address} ${d.path} ${d.operation}`))).toEqual(["shop/web-1 memory vm_update"]);
  });

  it("never takes a name a person wrote for the stack's: a declared name so taken is a plan-time conflict naming the object's id", async () => {
    const debian = (await client.osList()).find((os) => os.name === "Debian" && os.version === "12")!;
    // Named as the stack's would read, without the mark: by hand, and by copying another object's pattern.
    const vm = await client.vmCreate({ hostname: "web-1.shop", password: "Other-passw0rd", os_id: debian.id, shares: 1, cpu: 1 });
    const disk = await client.diskCreate({ size: 1024, name: "web-1-data.shop-aaaaaa", fstype: "ext3" });
    for (const op of await client.operationList({ state: "ALL" })) await settle(op);

    const live = liveStateOf("shop", sim.url, await readAccount(client), shop());
    expect(live.resources).toEqual([]);
    expect(live.foreign?.map((f) => `${f.kind} ${f.id} ${f.name} ${f.cloudName}`).sort()).toEqual([`Image ${disk} web-1-data web-1-data.shop-aaaaaa`, `VirtualMachine ${vm} web-1 web-1.shop`]);
    const refused = await planOf().then(
      () => undefined,
      (error: unknown) => error as HyperplanError,
    );
    expect(refused?.code).toBe("NAME_TAKEN");
    expect(refused?.message).toContain(`the image name "web-1-data" is taken by image id ${disk} (named "web-1-data.shop-aaaaaa" on the cloud), which stack "shop" does not own`);
    expect(refused?.message).toContain(`the virtual machine name "web-1" is taken by virtual machine id ${vm} (named "web-1.shop" on the cloud)`);
    expect(refused?.message).toContain("a Gandi name cannot be changed");
    // Renamed in the declaration, nothing stands in the way.
    const renamed = liveStateOf("shop", sim.url, await readAccount(client), shop(undefined, "web-9"));
    expect(renamed.foreign ?? []).toEqual([]);
  });
});
