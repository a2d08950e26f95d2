/**
 * `hyperplan sim openvz`: its arguments, usage and help, the base URL printed once it listens,
 * served until stopped, the state file saved on stop.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_AUTH, DEFAULT_PORT, OPENVZ_SIM_USAGE, parseOpenVzSimArgs, runOpenVzSimCommand } from "../../../src/sim/openvz/index";
import { PanelApi } from "./helpers";

function capture() {
  let out = "";
  let err = "";
  let stop: (signal: string) => void = () => undefined;
  const stopSignal = new Promise<string>((resolve) => (stop = resolve));
  return { io: { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, stopSignal }, out: () => out, err: () => err, stop: (s: string) => stop(s) };
}

describe("hyperplan sim openvz", () => {
  it("parses its options, with a value after the flag or after =", () => {
    expect(parseOpenVzSimArgs([])).toEqual({ port: DEFAULT_PORT, host: "127.0.0.1", auth: DEFAULT_AUTH, stateFile: undefined, seed: 1, delays: "fast", faults: [], users: [], descriptions: true, help: false });
    expect(
      parseOpenVzSimArgs([
        "--port", "0", "--host=::1", "--auth", "root:p:w", "--user", "bob:pw", "--user=carol:x", "--no-descriptions", "--state", "p.json", "--seed", "9",
        "--delays", '{"create":3000}', "--fault", '{"type":"vzctl","action":"create","count":1}',
      ]),
    ).toEqual({
      port: 0, host: "::1", auth: "root:p:w", stateFile: "p.json", seed: 9, delays: { create: 3000 }, faults: [{ type: "vzctl", action: "create", count: 1 }],
      users: [{ login: "bob", password: "pw" }, { login: "carol", password: "x" }], descriptions: false, help: false,
    });
  });

  it("names what is wrong, prints its usage and exits 2", async () => {
    for (const [argv, message] of [
      [["--port", "70000"], "--port must be a number from 0 to 65535"],
      [["--port"], "--port needs a value"],
      [["--auth", "nopassword"], "--auth must be USER:PASSWORD"],
      [["--user", "bob"], '--user must be USER:PASSWORD, got "bob"'],
      [["--user", "Admin:x"], 'user "admin" is given twice'],
      [["--delays", "slow"], "--delays: must be one of instant, fast, realistic"],
      [["--delays", '{"boot":1}'], '--delays: unknown delay setting "boot"'],
      [["--fault", "{"], "--fault: fault rules must be JSON"],
      [["--fault", '{"type":"op-error","method":"x"}'], "--fault: invalid fault rule"],
      [["--verbose"], 'unknown option "--verbose"'],
    ] as const) {
      const c = capture();
      expect(await runOpenVzSimCommand(argv, c.io)).toBe(2);
      expect(c.err()).toContain(message);
      expect(c.err()).toContain("Usage: hyperplan sim openvz");
    }
    const help = capture();
    expect(await runOpenVzSimCommand(["--help"], help.io)).toBe(0);
    expect(help.out()).toBe(`${OPENVZ_SIM_USAGE}\n`);
    for (const word of ["--fault", '"type":"vzctl"', "reset-after", "drop", "delay", "create, update, delete, start, stop, restart, reinstall, sync, jitter", "default 3000", "admin:admin", "users/*"]) expect(OPENVZ_SIM_USAGE).toContain(word);
  });

  it("prints its URL once it listens, serves until stopped, then saves its state", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hyperplan-openvzsim-cli-"));
    try {
      const c = capture();
      const running = runOpenVzSimCommand(["--port", "0", "--delays", "instant", "--state", "panel.json", "--auth", "root:t0p-secret", "--user", "bob:pw"], { ...c.io, cwd: dir });
      for (let i = 0; i < 400 && !c.out().includes("\n"); i++) await new Promise((r) => setTimeout(r, 5));
      const url = c.out().trim();
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(c.err()).toContain("superadmin root, users bob");
      expect(c.err()).not.toContain("t0p-secret");
      const api = new PanelApi(url, "root", "t0p-secret");
      await api.create({ host_name: "from-the-cli.lan" });
      expect((await api.as("bob", "pw").list("virtual_servers/own_servers")).length).toBe(0);
      c.stop("SIGTERM");
      expect(await running).toBe(0);
      expect(c.err()).toContain("OpenVZ Web Panel simulator stopped (SIGTERM)");
      expect(await readFile(join(dir, "panel.json"), "utf8")).toContain("from-the-cli.lan");
      // The port is free again.
      await expect(fetch(url)).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("exits 1 when it cannot start", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hyperplan-openvzsim-cli-"));
    try {
      const c = capture();
      await (await import("node:fs/promises")).writeFile(join(dir, "bad.json"), "[]");
      expect(await runOpenVzSimCommand(["--port", "0", "--state", "bad.json"], { ...c.io, cwd: dir })).toBe(1);
      expect(c.err()).toContain("hyperplan sim openvz: cannot start:");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
