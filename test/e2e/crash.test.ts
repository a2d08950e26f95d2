/**
 * Crash safety: `kill -9` of apply at several points, then a second apply, converges with no duplicate
 * and no orphan. The cloud (the simulator) runs in its own process, as a real one would, and outlives
 * the killed apply.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { OneClient } from "../../src/providers/opennebula/client";
import { readOwned } from "../../src/providers/opennebula/reader";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = join(root, "bin", "hyperplan.mjs");
const DECLARED = ["lab/debian-12", "lab/lab-1", "lab/lab-2", "lab/lab-3", "lab/lab-net", "lab/lab-scratch", "lab/lab-small", "lab/lab-ssh"];

interface Event {
  type: string;
  address?: string;
  action?: string;
  state?: string;
}

describe("apply killed with SIGKILL, then run again", () => {
  let dir: string;
  let sim: ChildProcess;
  let url: string;
  let env: NodeJS.ProcessEnv;

  /** Starts the cloud on the world kept in the test's folder. */
  async function startCloud(delays: string): Promise<void> {
    sim = spawn(process.execPath, [bin, "sim", "opennebula", "--port", "0", "--delays", delays, "--state", join(dir, "world.json")], { stdio: ["ignore", "pipe", "inherit"] });
    url = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: sim.stdout! });
      lines.on("line", (line) => {
        const m = /(http:\/\/\S+\/RPC2)/.exec(line);
        if (m) resolve(m[1]!);
      });
      sim.once("exit", (code) => reject(new Error(`the simulator exited with ${code}`)));
    });
    env = { ...process.env, ONE_XMLRPC: url, ONE_AUTH: join(dir, "one_auth"), NO_COLOR: "1" };
  }

  async function stopCloud(): Promise<void> {
    sim.kill("SIGTERM");
    await new Promise((resolve) => sim.once("exit", resolve));
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "hyperplan-crash-"));
    copyFileSync(join(root, "examples", "stacks", "lab.ts"), join(dir, "lab.ts"));
    writeFileSync(join(dir, "one_auth"), "oneadmin:opennebula\n");
    await startCloud("fast");
  }, 30_000);

  afterEach(async () => {
    await stopCloud();
  });

  /** Runs apply with JSON events; kills it with SIGKILL once `killWhen` says so. */
  function apply(killWhen?: (event: Event, seen: Event[]) => boolean, ...extra: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; events: Event[] }> {
    const child = spawn(process.execPath, [bin, "apply", "lab.ts", "--auto-approve", "--json", ...extra], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    const events: Event[] = [];
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const event = JSON.parse(line) as Event;
      events.push(event);
      if (killWhen?.(event, events) && child.exitCode === null) child.kill("SIGKILL");
    });
    return new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        if (code !== 0 && signal === null) events.push({ type: `stderr: ${stderr}` });
        resolve({ code, signal, events });
      }),
    );
  }

  async function ownedAddresses(): Promise<string[]> {
    const client = new OneClient({ endpoint: url, session: "oneadmin:opennebula" });
    try {
      const { owned, addresses } = await readOwned(client, "lab");
      const live = Object.entries(owned).flatMap(([kind, records]) =>
        (records as Array<{ id: number; state?: number }>).filter((r) => !(kind === "VirtualMachine" && r.state === 6)).map((r) => addresses.get(`${kind}#${r.id}`)!),
      );
      return live.sort();
    } finally {
      await client.close();
    }
  }

  const killPoints: [string, (event: Event, seen: Event[]) => boolean][] = [
    ["while the first allocates are in flight", (e) => e.type === "change-started"],
    ["after the images and the network are ready", (e, seen) => e.type === "change-done" && seen.filter((x) => x.type === "change-done").length === 3],
    ["while the VMs boot", (e) => e.type === "change-started" && e.address === "lab/lab-2"],
  ];

  /** Runs another hyperplan command to its end. */
  function hyperplan(...argv: string[]): Promise<{ code: number | null; out: string; err: string }> {
    const child = spawn(process.execPath, [bin, ...argv], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    return new Promise((resolve) => child.once("exit", (code) => resolve({ code, out, err })));
  }

  it.each(killPoints)("converges when killed %s", async (_, killWhen) => {
    const killed = await apply(killWhen);
    expect(killed.signal).toBe("SIGKILL");
    // The killed run left the stack's lock: the next apply says whose, and that its process is gone.
    const locked = await hyperplan("apply", "lab.ts", "--auto-approve");
    expect(locked.code).toBe(1);
    expect(locked.err).toMatch(/another apply of stack "lab" is running: its lock is held by \S+ \(pid \d+, hyperplan apply\) since .*that process no longer runs on this machine/);
    expect(locked.err).toContain("hyperplan unlock lab");
    const unlocked = await hyperplan("unlock", "lab", "lab.ts", "--force");
    expect(unlocked.out).toContain('Removed the lock of stack "lab".');
    expect(unlocked.code).toBe(0);
    const rerun = await apply();
    expect(rerun.events.at(-1)).toMatchObject({ type: "apply-finished", failed: 0, skipped: 0 });
    expect(rerun.code).toBe(0);
    // Every declared address once: no duplicate, no orphan.
    expect(await ownedAddresses()).toEqual(DECLARED);
    const again = await apply();
    expect(again.code).toBe(0);
    expect(again.events.filter((e) => e.type === "change-started")).toEqual([]);
  }, 60_000);

  it("converges on the first rerun of a destroy killed while its VMs were in EPILOG", async () => {
    expect((await apply()).code).toBe(0);
    // The same world, with epilogs long enough to kill the destroy in the middle of them.
    await stopCloud();
    await startCloud('{"epilog":3000}');
    const killed = await apply((e) => e.type === "change-progress" && e.state === "EPILOG", "--destroy");
    expect(killed.signal).toBe("SIGKILL");
    expect((await hyperplan("unlock", "lab", "lab.ts", "--force")).code).toBe(0);
    // oned refuses to terminate a VM in EPILOG: the rerun waits for it instead, and finishes at once.
    const rerun = await apply(undefined, "--destroy");
    expect(rerun.events.filter((e) => e.type === "change-failed")).toEqual([]);
    expect(rerun.events.at(-1)).toMatchObject({ type: "apply-finished", failed: 0, skipped: 0 });
    expect(rerun.code).toBe(0);
    expect(await ownedAddresses()).toEqual([]);
  }, 60_000);
});
