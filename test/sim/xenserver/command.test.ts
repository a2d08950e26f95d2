import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_AUTH, DEFAULT_PORT, XENSERVER_SIM_USAGE, parseXenServerSimArgs, runXenServerSimCommand } from "../../../src/sim/xenserver/index";
import { Xen } from "./helpers";

function capture() {
  let out = "";
  let err = "";
  let stop: (signal: string) => void = () => undefined;
  const stopSignal = new Promise<string>((resolve) => (stop = resolve));
  return { io: { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, stopSignal }, out: () => out, err: () => err, stop: (s: string) => stop(s) };
}

describe("the standalone XenServer simulator", () => {
  it("parses its options, with a value after the flag or after =", () => {
    expect(parseXenServerSimArgs([])).toEqual({ port: DEFAULT_PORT, host: "127.0.0.1", auth: DEFAULT_AUTH, stateFile: undefined, seed: 1, delays: "fast", faults: [], help: false });
    expect(
      parseXenServerSimArgs(["--port", "0", "--host=127.0.0.1", "--auth", "admin:p:w", "--state", "s.json", "--seed", "9", "--delays", '{"start":3000}', "--fault", '{"type":"drop","method":"VM.*","count":1}']),
    ).toEqual({ port: 0, host: "127.0.0.1", auth: "admin:p:w", stateFile: "s.json", seed: 9, delays: { start: 3000 }, faults: [{ type: "drop", method: "VM.*", count: 1 }], help: false });
    expect(parseXenServerSimArgs(["--delays=realistic"]).delays).toBe("realistic");
  });

  it("names what is wrong, prints its usage and exits 2", async () => {
    for (const [argv, message] of [
      [["--port", "70000"], "--port must be a number from 0 to 65535"],
      [["--port"], "--port needs a value"],
      [["--auth", "nopassword"], "--auth must be USER:PASSWORD"],
      [["--delays", "slow"], "--delays: must be one of instant, fast, realistic"],
      [["--delays", '{"strat":1}'], '--delays: unknown delay setting "strat"'],
      [["--fault", "{"], "--fault: fault rules must be JSON"],
      [["--verbose"], 'unknown option "--verbose"'],
    ] as const) {
      const c = capture();
      expect(await runXenServerSimCommand(argv, c.io)).toBe(2);
      expect(c.err()).toContain(message);
      expect(c.err()).toContain("Usage: hyperplan sim xenserver");
    }
    const help = capture();
    expect(await runXenServerSimCommand(["--help"], help.io)).toBe(0);
    expect(help.out()).toBe(`${XENSERVER_SIM_USAGE}\n`);
  });

  it("prints its URL once it listens, serves until stopped, then saves its state", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hyperplan-xensim-cli-"));
    try {
      const c = capture();
      const running = runXenServerSimCommand(["--port", "0", "--delays", "instant", "--state", "pool.json"], { ...c.io, cwd: dir });
      for (let i = 0; i < 400 && !c.out().includes("\n"); i++) await new Promise((r) => setTimeout(r, 5));
      const url = c.out().trim();
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const xen = new Xen(url);
      await xen.login();
      await xen.ok("pool.set_name_label", (await xen.ok("pool.get_all"))[0], "from-the-cli");
      c.stop("SIGTERM");
      expect(await running).toBe(0);
      expect(c.err()).toContain("XenServer simulator stopped (SIGTERM)");
      expect(await readFile(join(dir, "pool.json"), "utf8")).toContain("from-the-cli");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
