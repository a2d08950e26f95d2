import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_AUTH, DEFAULT_PORT, GANDI_SIM_USAGE, parseGandiSimArgs, runGandiSimCommand } from "../../../src/sim/gandi/index";
import { gandiBackend } from "../../../src/backends/gandi/index";
import { Api } from "./helpers";

function capture() {
  let out = "";
  let err = "";
  let stop: (signal: string) => void = () => undefined;
  const stopSignal = new Promise<string>((resolve) => (stop = resolve));
  return { io: { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, stopSignal }, out: () => out, err: () => err, stop: (s: string) => stop(s) };
}

describe("hyperplan sim gandi", () => {
  it("parses its options, with a value after the flag or after =", () => {
    expect(DEFAULT_PORT).toBe(8888);
    expect(parseGandiSimArgs([])).toEqual({ port: 8888, host: "127.0.0.1", auth: DEFAULT_AUTH, stateFile: undefined, seed: 1, delays: "fast", faults: [], help: false });
    expect(
      parseGandiSimArgs(["--port", "0", "--host=::1", "--auth", "XY1-GANDI:p:w", "--state", "s.json", "--seed", "9", "--delays", '{"vmCreate":3000}', "--fault", '{"type":"op-error","method":"vm_create","count":1}']),
    ).toEqual({ port: 0, host: "::1", auth: "XY1-GANDI:p:w", stateFile: "s.json", seed: 9, delays: { vmCreate: 3000 }, faults: [{ type: "op-error", method: "vm_create", count: 1 }], help: false });
  });

  it("names what is wrong, prints its usage and exits 2", async () => {
    for (const [argv, message] of [
      [["--port", "70000"], "--port must be a number from 0 to 65535"],
      [["--port"], "--port needs a value"],
      [["--auth", "nopassword"], "--auth must be LOGIN:PASSWORD"],
      [["--delays", "slow"], "--delays: must be one of instant, fast, realistic"],
      [["--delays", '{"boot":1}'], '--delays: unknown delay setting "boot"'],
      [["--fault", "{"], "--fault: fault rules must be JSON"],
      [["--fault", '{"type":"task-failure","method":"x"}'], "--fault: invalid fault rule"],
      [["--verbose"], 'unknown option "--verbose"'],
    ] as const) {
      const c = capture();
      expect(await runGandiSimCommand(argv, c.io)).toBe(2);
      expect(c.err()).toContain(message);
      expect(c.err()).toContain("Usage: hyperplan sim gandi");
    }
    const help = capture();
    expect(await runGandiSimCommand(["--help"], help.io)).toBe(0);
    expect(help.out()).toBe(`${GANDI_SIM_USAGE}\n`);
  });

  it("prints its URL once it listens, serves until stopped, then saves its state", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hyperplan-gandisim-cli-"));
    try {
      const c = capture();
      const running = runGandiSimCommand(["--port", "0", "--delays", "instant", "--state", "account.json"], { ...c.io, cwd: dir });
      for (let i = 0; i < 400 && !c.out().includes("\n"); i++) await new Promise((r) => setTimeout(r, 5));
      const url = c.out().trim();
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hosting\/$/);
      expect(c.err()).toContain("account AA1234-GANDI");
      expect(c.err()).not.toContain(":gandi");
      const api = new Api(url);
      await api.login();
      await api.s("disk_create", { size: 1024, name: "from-the-cli" });
      c.stop("SIGTERM");
      expect(await running).toBe(0);
      expect(c.err()).toContain("Gandi hosting simulator stopped (SIGTERM)");
      expect(await readFile(join(dir, "account.json"), "utf8")).toContain("from-the-cli");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("has a registry entry that runs it as `hyperplan sim gandi`", async () => {
    expect([gandiBackend.name, gandiBackend.simulator.usage]).toEqual(["gandi", GANDI_SIM_USAGE]);
    const c = capture();
    expect(await gandiBackend.simulator.run(["--help"], { ...c.io, stdin: process.stdin, env: {}, cwd: process.cwd() })).toBe(0);
    expect(c.out()).toContain("Usage: hyperplan sim gandi");
  });
});
