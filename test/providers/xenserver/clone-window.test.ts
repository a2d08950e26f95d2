/**
 * A VM's create on XenServer is a dozen calls, and `VM.clone` takes no other_config: the clone lives
 * untagged until the next call tags it. This test cuts an apply off after each of those calls in turn
 * — the pool keeps whatever it was told, the run hears nothing more, its lock stays — then runs apply
 * again, and proves every time that the stack ends with exactly one VM and nothing left behind: no
 * clone under the marker name, no untagged copy of the template's disk.
 *
 * The cut is a loopback proxy in front of the simulator that forwards calls until the Nth write of the
 * VM's create has been answered, then closes and refuses every connection: what a `kill -9` of the
 * run leaves, with the asynchronous tasks already started still running in the pool.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../../src/cli/main";
import { startXenServerSimulator, type RunningXenServerSimulator } from "../../../src/sim/xenserver/index";
import { captureIo } from "../../support/cli-io";

const STACK = (withVm: boolean) => `
import { App, Image, Stack, VirtualMachine, VirtualNetwork } from "hyperplan";
const app = new App();
const lab = new Stack(app, "lab", { provider: { xenserver: {} } });
const net = new VirtualNetwork(lab, "net", {});
const data = new Image(lab, "data", { type: "datablock", size: 256, persistent: true });
// Not persistent: the VM gets a copy of its own.
const base = new Image(lab, "base", { type: "datablock", raw: { xenserver: { copyOf: "debian-12-cloud base" } } });
${withVm ? `new VirtualMachine(lab, "web", { vcpu: 2, memory: 512, labels: ["web"], nics: [{ network: net }], disks: [{ image: data }, { image: base }], raw: { xenserver: { template: "debian-12-cloud" } } });` : "void data; void net; void base;"}
export default app;
`;

/** A write of the VM's create: not a read, not the event loop, not the session or the stack lock. */
function isVmWrite(method: string): boolean {
  if (/(^|\.)get_|^event\.|^task\.|^session\.|^pool\./.test(method)) return false;
  return /^(Async\.)?(VM|VBD|VIF|VDI)\./.test(method);
}

interface Cut {
  url: string;
  writes(): string[];
  close(): Promise<void>;
}

/** Forwards JSON-RPC to `target` until `after` VM writes were answered (Infinity: never cuts). */
async function cutAfter(target: string, after: number): Promise<Cut> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  let cut = false;
  const server = http.createServer((req, res) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (text += c));
    req.on("end", () => {
      if (cut) return req.socket.destroy();
      const body = text;
      const method = (JSON.parse(body) as { method: string }).method;
      void fetch(new URL(req.url ?? "/", target), { method: "POST", headers: { "Content-Type": "application/json" }, body }).then(async (answer) => {
        const reply = await answer.text();
        if (cut) return req.socket.destroy();
        res.writeHead(answer.status, { "Content-Type": "application/json" }).end(reply);
        if (isVmWrite(method)) {
          seen.push(method);
          if (seen.length >= after) {
            cut = true;
            server.close();
            for (const s of sockets) s.destroy();
          }
        }
      });
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    writes: () => [...seen],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}

describe("a VM's create cut off after any of its calls", () => {
  let dir: string;
  let sim: RunningXenServerSimulator;

  const run = async (url: string, ...argv: string[]) => {
    const io = captureIo({ cwd: dir, env: { XENSERVER_HOST: url, XENSERVER_USER: "root", XENSERVER_PASSWORD: "xenserver", NO_COLOR: "1" } });
    const code = await main(argv, io);
    return { code, out: io.out(), err: io.err() };
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "hyperplan-xen-cut-"));
    writeFileSync(join(dir, "base.ts"), STACK(false));
    writeFileSync(join(dir, "web.ts"), STACK(true));
  });
  afterEach(async () => {
    await sim?.close();
  });

  async function jsonRpc(method: string, ...params: unknown[]): Promise<unknown> {
    const response = await fetch(`${sim.url}jsonrpc`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
    return ((await response.json()) as { result: unknown }).result;
  }

  it("converges on the rerun with exactly one VM and no untagged leftover, whichever call it was", async () => {
    // How many writes a whole create makes, counted through a proxy that never cuts.
    sim = await startXenServerSimulator({ port: 0, delays: "instant", slaveHost: false });
    expect((await run(sim.url, "apply", "base.ts", "--auto-approve")).code).toBe(0);
    const counting = await cutAfter(sim.url, Infinity);
    expect((await run(counting.url, "apply", "web.ts", "--auto-approve")).code).toBe(0);
    const all = counting.writes();
    await counting.close();
    await sim.close();
    expect(all[0]).toBe("Async.VM.clone");
    expect(all.length).toBeGreaterThanOrEqual(10);

    for (let n = 1; n < all.length; n++) {
      sim = await startXenServerSimulator({ port: 0, delays: "instant", slaveHost: false });
      expect((await run(sim.url, "apply", "base.ts", "--auto-approve")).code).toBe(0);
      const session = (await jsonRpc("session.login_with_password", "root", "xenserver")) as string;
      const vdisBefore = Object.keys((await jsonRpc("VDI.get_all_records", session)) as object).length;

      const cut = await cutAfter(sim.url, n);
      const killed = await run(cut.url, "apply", "web.ts", "--auto-approve", "--retry-timeout", "200ms");
      await cut.close();
      expect(killed.code, `cut after ${all[n - 1]} (${n})`).not.toBe(0);

      // The cut run's lock stays, as a killed run's does: unlocked by hand, then applied again.
      expect((await run(sim.url, "unlock", "lab", "web.ts", "--force")).code).toBe(0);
      const rerun = await run(sim.url, "apply", "web.ts", "--auto-approve");
      expect(rerun.code, `rerun after a cut after ${all[n - 1]} (${n}):\n${rerun.out}${rerun.err}`).toBe(0);
      const clean = await run(sim.url, "plan", "web.ts", "--detailed-exitcode");
      expect(clean.code, `plan after a cut after ${all[n - 1]} (${n}):\n${clean.out}`).toBe(0);

      const vms = Object.values((await jsonRpc("VM.get_all_records", session)) as Record<string, { name_label: string; other_config: Record<string, string> }>);
      expect(vms.filter((v) => v.other_config.HYPERPLAN_ADDRESS === "lab/web"), `VMs after a cut after ${all[n - 1]}`).toHaveLength(1);
      expect(vms.filter((v) => v.name_label.startsWith("hyperplan-unfinished:"))).toEqual([]);
      // Two new VDIs: the VM's own copies of the template's disk and of the image "base", tagged as the VM's.
      const vdis = Object.values((await jsonRpc("VDI.get_all_records", session)) as Record<string, { other_config: Record<string, string> }>);
      expect(vdis.length, `VDIs after a cut after ${all[n - 1]}`).toBe(vdisBefore + 2);
      expect(vdis.filter((d) => d.other_config.HYPERPLAN_KIND === "VmDisk")).toHaveLength(2);
      await sim.close();
    }
  }, 120_000);

  it("converges when a destroy is cut off after any of its calls: nothing of the stack is left, nothing of the pool is gone", async () => {
    sim = await startXenServerSimulator({ port: 0, delays: "instant", slaveHost: false });
    const session0 = (await jsonRpc("session.login_with_password", "root", "xenserver")) as string;
    const seeded = Object.keys((await jsonRpc("VDI.get_all_records", session0)) as object).length;
    expect((await run(sim.url, "apply", "web.ts", "--auto-approve")).code).toBe(0);
    const counting = await cutAfter(sim.url, Infinity);
    expect((await run(counting.url, "apply", "web.ts", "--destroy", "--auto-approve")).code).toBe(0);
    const all = counting.writes();
    await counting.close();
    await sim.close();
    expect(all).toContain("Async.VM.destroy");

    for (let n = 1; n < all.length; n++) {
      sim = await startXenServerSimulator({ port: 0, delays: "instant", slaveHost: false });
      expect((await run(sim.url, "apply", "web.ts", "--auto-approve")).code).toBe(0);
      const cut = await cutAfter(sim.url, n);
      expect((await run(cut.url, "apply", "web.ts", "--destroy", "--auto-approve", "--retry-timeout", "200ms")).code).not.toBe(0);
      await cut.close();
      expect((await run(sim.url, "unlock", "lab", "web.ts", "--force")).code).toBe(0);
      const rerun = await run(sim.url, "apply", "web.ts", "--destroy", "--auto-approve");
      expect(rerun.code, `destroy rerun after a cut after ${all[n - 1]} (${n}):\n${rerun.out}${rerun.err}`).toBe(0);
      const session = (await jsonRpc("session.login_with_password", "root", "xenserver")) as string;
      for (const cls of ["VM", "VDI", "network", "VBD", "VIF"]) {
        const records = Object.values((await jsonRpc(`${cls}.get_all_records`, session)) as Record<string, { other_config: Record<string, string> }>);
        expect(records.filter((r) => r.other_config.HYPERPLAN_STACK === "lab"), `${cls} after a cut after ${all[n - 1]}`).toEqual([]);
      }
      expect(Object.keys((await jsonRpc("VDI.get_all_records", session)) as object)).toHaveLength(seeded);
      await sim.close();
    }
  }, 120_000);
});
