/**
 * Time (FACTS §3.3: every call is synchronous): a call that runs vzctl answers when its duration
 * has passed; one vzctl at a time per hardware server, so two creates on one node take twice as
 * long as on two nodes; reads never wait; durations are drawn from the seed; a clock with `sleep`
 * replaces real timers.
 */
import { afterEach, describe, expect, it } from "vitest";
import { resolveDelays, startOpenVzSimulator, type OpenVzClock, type RunningOpenVzSimulator } from "../../../src/sim/openvz/index";
import { PanelApi } from "./helpers";

let sim: RunningOpenVzSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const CREATE_MS = 400;
const node = (hardware_server_id: number, extra: Record<string, string | number> = {}) => ({
  hardware_server_id,
  orig_os_template: hardware_server_id === 1 ? "centos-7-x86_64" : "debian-11-x86_64",
  orig_server_template: "vps.basic",
  ...extra,
});

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await work();
  return { ms: performance.now() - t0, value };
}

describe("the panel's timing", () => {
  it("runs one vzctl at a time per hardware server: two creates on one node take twice as long as on two", async () => {
    sim = await startOpenVzSimulator({ delays: { preset: "instant", create: CREATE_MS, jitter: 0 } });
    const api = new PanelApi(sim.url);
    const sameNode = await timed(() => Promise.all([api.result("virtual_servers/create", node(1), "POST"), api.result("virtual_servers/create", node(1), "POST")]));
    expect(sameNode.value.map((r) => r.status)).toEqual([true, true]);
    expect(sameNode.ms).toBeGreaterThanOrEqual(2 * CREATE_MS - 20);
    const twoNodes = await timed(() => Promise.all([api.result("virtual_servers/create", node(1), "POST"), api.result("virtual_servers/create", node(2), "POST")]));
    expect(twoNodes.value.map((r) => r.status)).toEqual([true, true]);
    expect(twoNodes.ms).toBeGreaterThanOrEqual(CREATE_MS - 20);
    expect(twoNodes.ms).toBeLessThan(2 * CREATE_MS - 100);
    // Queued creates with no identity and auto addresses get the next ones in turn.
    const made = await Promise.all((await api.list("hardware_servers/virtual_servers", { id: 1 })).map((v) => [v.identity, v.ip_address]));
    expect(made.slice(2)).toEqual([
      [103, null],
      [104, null],
      [105, null],
    ]);
  });

  it("checks a queued create again once the node is free: the identity or address the first took is refused", async () => {
    sim = await startOpenVzSimulator({ delays: { preset: "instant", create: 100, jitter: 0 } });
    const api = new PanelApi(sim.url);
    const [a, b, c, d] = await Promise.all([
      api.result("virtual_servers/create", node(1, { identity: 200 })),
      api.result("virtual_servers/create", node(1, { identity: 200 })),
      api.result("virtual_servers/create", node(1, { ip_address: "auto" })),
      api.result("virtual_servers/create", node(1, { ip_address: "auto" })),
    ]);
    expect(a).toEqual({ status: true, id: 4 });
    expect(b).toEqual({ status: false, errors: [["identity", "Such identity belongs to the other server."]] });
    expect([c.status, d.status]).toEqual([true, true]);
    expect([(await api.server(c.id as number)).ip_address, (await api.server(d.id as number)).ip_address]).toEqual(["10.10.1.13", "10.10.1.14"]);
  });

  it("answers reads at once while a node runs vzctl, and queues start behind a create on the same node", async () => {
    sim = await startOpenVzSimulator({ delays: { preset: "instant", create: CREATE_MS, start: 100, jitter: 0 } });
    const api = new PanelApi(sim.url);
    const t0 = performance.now();
    let created = false;
    const creating = timed(() => api.result("virtual_servers/create", node(1))).finally(() => (created = true));
    await new Promise((r) => setTimeout(r, 30));
    await Promise.all([api.list("hardware_servers/list"), api.server(1), api.list("hardware_servers/virtual_servers", { id: 1 }), api.list("tasks/list")]);
    // The reads came back while the node was still running the create's vzctl.
    expect(created).toBe(false);
    // Node 2 is free: its start does not wait.
    await api.result("virtual_servers/stop", { id: 3 });
    const otherNode = await timed(() => api.result("virtual_servers/start", { id: 3 }));
    expect(otherNode.ms).toBeLessThan(CREATE_MS - 50);
    const queued = await timed(() => api.result("virtual_servers/start", { id: 2 }));
    expect((await creating).value.status).toBe(true);
    expect(queued.value).toEqual({ status: true });
    // It ran after the create: the create's 400 ms, then its own 100 ms.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(CREATE_MS + 100 - 20);
    expect(queued.ms).toBeGreaterThanOrEqual(100 - 20);
    // Refusals come at once: validation does not wait for the node, even while it is busy.
    let busyDone = false;
    const busy = api.result("virtual_servers/create", node(1)).finally(() => (busyDone = true));
    await new Promise((r) => setTimeout(r, 30));
    const refused = await api.result("virtual_servers/create", node(1, { host_name: "a b" }));
    expect(refused).toEqual({ status: false, errors: [["host_name", "Hostname is invalid."]] });
    expect(busyDone).toBe(false);
    expect((await busy).status).toBe(true);
  });

  it("draws each duration from the seed with the preset's jitter, and waits on the clock's sleep when it has one", async () => {
    const requested: number[] = [];
    const clock: OpenVzClock = { now: () => 0, sleep: async (ms) => void requested.push(ms) };
    const run = async () => {
      requested.length = 0;
      const s = await startOpenVzSimulator({ delays: "realistic", seed: 42, clock });
      const api = new PanelApi(s.url);
      const id = (await api.result("virtual_servers/create", node(1, { start_after_creation: 1 }))).id as number;
      await api.result("virtual_servers/update", { id, cpus: 3 });
      await api.result("virtual_servers/restart", { id });
      await api.result("virtual_servers/stop", { id });
      await api.result("virtual_servers/reinstall", { id, password: "pw" });
      await api.result("virtual_servers/delete", { id });
      await api.result("hardware_servers/sync", { id: 1 });
      await s.close();
      return [...requested];
    };
    const first = await run();
    const realistic = resolveDelays("realistic");
    const bases = [realistic.createMs, realistic.startMs, realistic.updateMs, realistic.restartMs, realistic.stopMs, realistic.reinstallMs, realistic.deleteMs, realistic.syncMs];
    expect(first).toHaveLength(bases.length);
    first.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual((bases[i] as number) * 0.8);
      expect(ms).toBeLessThan((bases[i] as number) * 1.2);
    });
    expect(await run()).toEqual(first);
    expect(resolveDelays("fast")).toMatchObject({ createMs: 40, updateMs: 10, jitter: 0.2 });
    expect(resolveDelays({ preset: "instant", create: 7, restartMs: 3 })).toMatchObject({ createMs: 7, restartMs: 3, startMs: 0 });
    expect(() => resolveDelays({ boot: 1 } as never)).toThrow('unknown delay setting "boot"');
  });
});
