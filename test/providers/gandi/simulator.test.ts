/**
 * hyperplan's Gandi client against the Gandi simulator: a VM and a disk made, their operations
 * followed to DONE through operation_list and operation_details, refusals decoded by cause, and a
 * wrong password refused without being printed.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GandiClient } from "../../../src/providers/gandi/client";
import { isGandiFault } from "../../../src/providers/gandi/errors";
import { startGandiSimulator } from "../../../src/sim/gandi/index";

type Sim = Awaited<ReturnType<typeof startGandiSimulator>>;

describe("the Gandi client against the simulator", () => {
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

  /** Polls operation_details until the operation leaves PENDING and RUN. */
  async function settle(opId: number): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const op = await client.operationDetails(opId);
      if (op.state !== "PENDING" && op.state !== "RUN") return op.state;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`operation ${opId} did not settle`);
  }

  it("makes a VM and a disk through operations, and decodes each refusal by its cause", async () => {
    const os = (await client.osList())[0]!;
    const account = await client.hostingAccountInfo();
    expect(account.shares).toBeGreaterThan(0);
    const vm = await client.vmCreate({ hostname: "web-1", password: "Sup3r-secret-root", os_id: os.id, shares: 1, cpu: 1 });
    const created = (await client.operationList({ type: "vm_create" })).at(-1)!;
    expect((await client.operationDetails(created)).param).toMatchObject({ param_type: "vm", vm_id: vm });
    expect(await settle(created)).toBe("DONE");
    expect(await client.vmInfo(vm)).toMatchObject({ id: vm, hostname: "web-1", os_id: os.id, shares: 1, cpu: 1 });
    expect(await client.vmList()).toContain(vm);

    const disk = await client.diskCreate({ size: 1024, name: "web-1-data", fstype: "ext3" });
    const diskOp = (await client.operationList({ type: "disk_create" })).at(-1)!;
    expect(await settle(diskOp)).toBe("DONE");
    expect(await settle(await client.diskAttach(disk, vm))).toBe("DONE");
    expect((await client.diskInfo(disk)).vm_id).toBe(vm);

    // A running VM cannot be deleted, an attached disk neither: data faults, wrong state.
    await expect(client.vmDelete(vm)).rejects.toSatisfy((e: unknown) => isGandiFault(e, "wrong-state"));
    await expect(client.diskDelete(disk)).rejects.toSatisfy((e: unknown) => isGandiFault(e, "wrong-state"));
    await expect(client.vmInfo(999_999)).rejects.toSatisfy((e: unknown) => isGandiFault(e, "not-found"));
    // More shares than the account has free.
    await expect(client.vmCreate({ hostname: "huge", password: "Sup3r-secret-root", os_id: os.id, shares: 1_000, cpu: 1 })).rejects.toSatisfy((e: unknown) => isGandiFault(e));

    expect(await settle(await client.diskDetach(disk, vm))).toBe("DONE");
    expect(await settle(await client.vmStop(vm))).toBe("DONE");
    expect(await settle(await client.vmDelete(vm))).toBe("DONE");
    expect(await settle(await client.diskDelete(disk))).toBe("DONE");
    expect(await client.vmList()).not.toContain(vm);
  });

  it("refuses a wrong password without printing it", async () => {
    const wrong = new GandiClient({ url: sim.url, login: "AA1234-GANDI", password: "not-the-Passw0rd" });
    try {
      const error = await wrong.osList().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error).toBeDefined();
      expect(String(error)).not.toContain("not-the-Passw0rd");
      expect(isGandiFault(error)).toBe(true);
    } finally {
      await wrong.close();
    }
  });
});
