import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main";
import { parseSimArgs } from "../../../src/backends/opennebula/sim-command";
import { captureIo } from "../../support/cli-io";
import { callRaw } from "./helpers";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hyperplan-sim-cli-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Waits for `get` to give a value; a cold process start on a busy 2-core runner can take seconds. */
async function until<T>(get: () => T | undefined, what: string): Promise<T> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    const v = get();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("hyperplan sim arguments", () => {
  it("default to port 2633, loopback, oneadmin:opennebula and fast delays", () => {
    expect(parseSimArgs([])).toEqual({ port: 2633, host: "127.0.0.1", auth: "oneadmin:opennebula", stateFile: undefined, seed: 1, delays: "fast", database: "sqlite", faults: [] });
  });

  it("read every option, with a value after it or after =", () => {
    expect(parseSimArgs(["--port", "0", "--host=::1", "--auth", "me:p:w", "--state", "s.json", "--seed", "9", "--delays=realistic", "--database", "mysql", "--fault", '{"type":"error","method":"one.vm.*","code":"LOCKED","count":1}'])).toEqual({
      port: 0,
      host: "::1",
      auth: "me:p:w",
      stateFile: "s.json",
      seed: 9,
      delays: "realistic",
      database: "mysql",
      faults: [{ type: "error", method: "one.vm.*", code: "LOCKED", count: 1 }],
    });
  });

  it("name what is wrong", async () => {
    const none = captureIo();
    expect(await main(["sim"], none)).toBe(2);
    expect(none.out()).toContain("Simulators: opennebula (OpenNebula)");
    const unknown = captureIo();
    expect(await main(["sim", "vmware"], unknown)).toBe(2);
    expect(unknown.err()).toMatch(/unknown backend "vmware" \(known: opennebula[,)]/);
    expect(() => parseSimArgs(["--port", "70000"])).toThrow("--port must be a number from 0 to 65535");
    expect(() => parseSimArgs(["--port"])).toThrow("--port needs a value");
    expect(() => parseSimArgs(["--auth", "nopassword"])).toThrow("--auth must be USER:PASSWORD");
    expect(() => parseSimArgs(["--delays", "slow"])).toThrow("--delays must be one of instant, fast, realistic");
    expect(() => parseSimArgs(["--verbose"])).toThrow('unknown option "--verbose"');
    expect(() => parseSimArgs(["--database", "postgres"])).toThrow("--database must be sqlite or mysql");
    expect(() => parseSimArgs(["--fault", "{nope"])).toThrow("--fault: fault rules must be JSON");
    expect(() => parseSimArgs(["--fault", '{"type":"error","method":"x","code":"INTERNAL","probability":2}'])).toThrow("probability must be between 0 and 1");
  });

  it("read --delays as a preset or a JSON object of per-step delays over fast, and name a bad one", () => {
    expect(parseSimArgs(["--delays", '{"epilog":3000}']).delays).toEqual({ epilog: 3000 });
    expect(parseSimArgs(['--delays={"shutdownMs":0,"boot":10}']).delays).toEqual({ shutdownMs: 0, boot: 10 });
    expect(parseSimArgs(["--delays", "instant"]).delays).toBe("instant");
    expect(() => parseSimArgs(["--delays", '{"epilgo":3000}'])).toThrow('--delays: unknown delay setting "epilgo" (expected one of schedulerPeriod, schedulerMaxPerHost, prolog, boot, shutdown, epilog');
    expect(() => parseSimArgs(["--delays", '{"epilog":-1}'])).toThrow('--delays: delay setting "epilog" must be a finite number >= 0, got -1');
    expect(() => parseSimArgs(["--delays", '{"epilog":"3s"}'])).toThrow('delay setting "epilog" must be a finite number >= 0, got "3s"');
    expect(() => parseSimArgs(["--delays", "{epilog"])).toThrow("--delays: per-step delays must be a JSON object");
    expect(() => parseSimArgs(["--delays", "[1]"])).toThrow("--delays must be one of instant, fast, realistic or a JSON object of per-step delays");
  });

  it("document the per-step delays and the reset-after fault in the command's help", async () => {
    const io = captureIo();
    expect(await main(["sim", "--help"], io)).toBe(0);
    const help = io.out() + io.err();
    expect(help).toContain("--delays PRESET|JSON");
    expect(help).toContain(`'{"epilog":3000}'`);
    expect(help).toContain('"type":"reset-after"');
  });
});

describe("hyperplan sim opennebula", () => {
  it("prints its URL, serves calls, stops on the stop signal and keeps the state file", async () => {
    const file = join(dir, "state.json");
    const start = async () => {
      let stop: (signal: string) => void = () => undefined;
      const io = captureIo({ stopSignal: new Promise<string>((resolve) => (stop = resolve)) });
      const running = main(["sim", "opennebula", "--port", "0", "--state", file, "--delays", "instant"], io);
      const url = await until(() => /^(http:\/\/127\.0\.0\.1:\d+\/RPC2)\n/.exec(io.out())?.[1], "the endpoint URL");
      return { io, url, stop, running };
    };
    const first = await start();
    const created = await callRaw(first.url, "one.vm.allocate", ['NAME="kept"\nCPU="1"\nMEMORY="64"']);
    expect(created).toMatchObject({ fault: false, reply: { ok: true, value: 0 } });
    first.stop("SIGTERM");
    expect(await first.running).toBe(0);
    expect(first.io.err()).toContain("stopped (SIGTERM)");
    expect(JSON.parse(await readFile(file, "utf8")).pools.vms.records.map((v: { name: string }) => v.name)).toEqual(["kept"]);

    const second = await start();
    const info = await callRaw(second.url, "one.vm.info", [0]);
    expect(info.fault === false && info.reply.ok && String(info.reply.value)).toContain("<NAME>kept</NAME>");
    second.stop("SIGINT");
    expect(await second.running).toBe(0);
  });

  it("holds VMs in EPILOG for as long as --delays says", async () => {
    let stop: (signal: string) => void = () => undefined;
    const io = captureIo({ stopSignal: new Promise<string>((resolve) => (stop = resolve)) });
    const running = main(["sim", "opennebula", "--port", "0", "--delays", '{"schedulerPeriod":0,"prolog":0,"boot":0,"shutdown":0,"epilog":1500}'], io);
    const url = await until(() => /^(http:\/\/127\.0\.0\.1:\d+\/RPC2)\n/.exec(io.out())?.[1], "the endpoint URL");
    expect(io.err()).toContain('delays fast with {"schedulerPeriod":0');
    const state = async (): Promise<[number, number]> => {
      const r = await callRaw(url, "one.vm.info", [0]);
      const xml = r.fault === false && r.reply.ok ? String(r.reply.value) : "";
      return [Number(/<STATE>(\d+)<\/STATE>/.exec(xml)?.[1]), Number(/<LCM_STATE>(\d+)<\/LCM_STATE>/.exec(xml)?.[1])];
    };
    try {
      await callRaw(url, "one.vm.allocate", ['NAME="slow-epilog"\nCPU="1"\nMEMORY="64"']);
      for (let i = 0; i < 100 && (await state())[1] !== 3; i++) await new Promise((r) => setTimeout(r, 10));
      expect(await state()).toEqual([3, 3]);
      await callRaw(url, "one.vm.action", ["terminate", 0]);
      await new Promise((r) => setTimeout(r, 500));
      expect(await state()).toEqual([3, 11]);
      const refused = await callRaw(url, "one.vm.action", ["terminate-hard", 0]);
      expect(refused).toMatchObject({ fault: false, reply: { ok: false, code: 0x800, message: '[one.vm.action] Error performing action "terminate-hard": Could not terminate VM 0, wrong state EPILOG.' } });
      for (let i = 0; i < 300 && (await state())[0] !== 6; i++) await new Promise((r) => setTimeout(r, 10));
      expect((await state())[0]).toBe(6);
    } finally {
      stop("SIGTERM");
      expect(await running).toBe(0);
    }
  });

  it("refuses bad arguments with its usage and status 2", async () => {
    const io = captureIo();
    expect(await main(["sim", "opennebula", "--port", "x"], io)).toBe(2);
    expect(io.err()).toContain("--port must be a number");
    expect(io.err()).toContain("Usage: hyperplan sim opennebula");
  });

  it("runs as a process that stops cleanly on SIGTERM", async () => {
    const file = join(dir, "proc.json");
    const child = spawn(process.execPath, [join(REPO, "bin/hyperplan.mjs"), "sim", "opennebula", "--port", "0", "--state", file, "--delays", "instant"], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const url = await until(() => /(http:\/\/127\.0\.0\.1:\d+\/RPC2)/.exec(out)?.[1], `the endpoint URL (stderr: ${err})`);
      const r = await callRaw(url, "one.image.allocate", ['NAME="img"\nSIZE="10"\nTYPE="DATABLOCK"', 1]);
      expect(r).toMatchObject({ fault: false, reply: { ok: true, value: 0 } });
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(JSON.parse(await readFile(file, "utf8")).pools.images.records[0].name).toBe("img");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
