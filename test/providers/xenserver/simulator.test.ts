/**
 * The XenAPI client against the XenServer simulator, through both wires: what it reads, what it
 * starts and follows, and the errors it types. The simulator is written from FACTS.md and shares no
 * code with the client; its fidelity is held to clients nobody here wrote (test/sim/xenserver).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startXenServerSimulator, type RunningXenServerSimulator } from "../../../src/sim/xenserver/index";
import { XenApiClient, isXenApiError, type Ref, type XenTransportKind } from "../../../src/providers/xenserver/index";

const CLASSES = ["pool", "host", "SR", "network", "PIF", "VM", "VDI", "VBD", "VIF", "task", "VM_guest_metrics"] as const;

describe.each<XenTransportKind>(["json-rpc", "xml-rpc"])("the XenAPI client against the simulator over %s", (transport) => {
  let sim: RunningXenServerSimulator;
  let client: XenApiClient;
  beforeAll(async () => {
    sim = await startXenServerSimulator({ port: 0, delays: "instant" });
    client = new XenApiClient({ url: sim.url, username: "root", password: "xenserver", transport, eventTimeoutSeconds: 2, taskPollIntervalMs: 20 });
  });
  afterAll(async () => {
    await client.close();
    await sim.close();
  });

  it("reads every class it knows as typed records, each with one call", async () => {
    sim.resetCallCounts();
    const [pools, hosts, vms, networks] = await Promise.all([client.getAllRecords("pool"), client.getAllRecords("host"), client.getAllRecords("VM"), client.getAllRecords("network")]);
    await Promise.all(CLASSES.filter((c) => !["pool", "host", "VM", "network"].includes(c)).map((c) => client.getAllRecords(c)));
    expect(pools.size).toBe(1);
    const [pool] = [...pools.values()];
    expect(hosts.has(pool!.master)).toBe(true);
    const templates = [...vms.values()].filter((vm) => vm.is_a_template && vm.is_default_template);
    expect(templates.length).toBeGreaterThanOrEqual(2);
    expect([...networks.values()].some((n) => n.bridge === "xenbr0")).toBe(true);
    for (const vm of vms.values()) expect(typeof vm.memory_static_max).toBe("number");
    for (const c of CLASSES) expect(sim.callCounts()[`${c}.get_all_records`], c).toBe(1);
  });

  it("clones a default template through a task, provisions it and starts it, then finds its guest's address", async () => {
    const vms = await client.getAllRecords("VM");
    const [templateRef] = [...vms].find(([, vm]) => vm.is_default_template && vm.name_label.startsWith("Debian"))!;
    sim.resetCallCounts();
    const vm = await client.callAsyncRef<"VM">("VM.clone", templateRef, `web-${transport}`);
    // Followed through event.from, not by polling the task.
    expect(sim.callCounts()["Async.VM.clone"]).toBe(1);
    expect(sim.callCounts()["event.from"]).toBeGreaterThan(0);
    expect(sim.callCounts()["task.get_record"] ?? 0).toBe(0);
    expect(sim.callCounts()["task.destroy"]).toBe(1);
    expect((await client.getRecord("VM", vm)).is_a_template).toBe(true);
    await client.callAsync("VM.provision", vm);
    await client.call("VM.set_is_a_template", vm, false);
    await client.callAsync("VM.start", vm, false, false);
    expect((await client.getRecord("VM", vm)).power_state).toBe("Running");
    // Finished tasks are destroyed: none is left behind.
    const tasks = [...(await client.getAllRecords("task")).values()];
    expect(tasks.filter((t) => t.status !== "pending")).toEqual([]);
    await client.callAsync("VM.hard_shutdown", vm);
    await client.callAsync("VM.destroy", vm);
    await expect(client.getRecord("VM", vm)).rejects.toSatisfy((e: unknown) => isXenApiError(e, "HANDLE_INVALID"));
  });

  it("types xapi's refusals with their code and parameters, from a call and from a task", async () => {
    const missing = "OpaqueRef:00000000-0000-0000-0000-00000000dead" as Ref<"VM">;
    const handle = await client.getRecord("VM", missing).catch((e: unknown) => e);
    expect(isXenApiError(handle, "HANDLE_INVALID")).toBe(true);
    expect((handle as { params: string[] }).params).toEqual(["VM", missing]);

    const vms = await client.getAllRecords("VM");
    const [templateRef] = [...vms].find(([, v]) => v.is_default_template)!;
    const refused = await client.callAsync("VM.start", templateRef, false, false).catch((e: unknown) => e);
    expect(isXenApiError(refused, "VM_IS_TEMPLATE")).toBe(true);
  });

  it("moves to the master a slave names, and goes on", async () => {
    if (sim.slaveUrl === null) throw new Error("the simulator has no slave host");
    const viaSlave = new XenApiClient({ url: sim.slaveUrl, username: "root", password: "xenserver", transport });
    try {
      expect((await viaSlave.getAllRecords("pool")).size).toBe(1);
      expect(viaSlave.url).not.toBe(sim.slaveUrl);
    } finally {
      await viaSlave.close();
    }
  });

  it("refuses bad credentials with xapi's code, never echoing the password", async () => {
    const wrong = new XenApiClient({ url: sim.url, username: "root", password: "not-the-password", transport });
    try {
      const error = await wrong.getAllRecords("pool").catch((e: unknown) => e);
      expect(isXenApiError(error, "SESSION_AUTHENTICATION_FAILED")).toBe(true);
      expect(String(error)).not.toContain("not-the-password");
      expect(JSON.stringify(error)).not.toContain("not-the-password");
    } finally {
      await wrong.close();
    }
  });
});
