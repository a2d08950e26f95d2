import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main";
import { parseSimArgs } from "../../../src/cli/commands/sim";
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

async function until<T>(get: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = get();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("hyperplan sim arguments", () => {
  it("default to port 2633, loopback, oneadmin:opennebula and fast delays", () => {
    expect(parseSimArgs(["opennebula"])).toEqual({ backend: "opennebula", port: 2633, host: "127.0.0.1", auth: "oneadmin:opennebula", stateFile: undefined, seed: 1, delays: "fast", database: "sqlite", faults: [] });
  });

  it("read every option, with a value after it or after =", () => {
    expect(parseSimArgs(["opennebula", "--port", "0", "--host=::1", "--auth", "me:p:w", "--state", "s.json", "--seed", "9", "--delays=realistic", "--database", "mysql", "--fault", '{"type":"error","method":"one.vm.*","code":"LOCKED","count":1}'])).toEqual({
      backend: "opennebula",
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

  it("name what is wrong", () => {
    expect(() => parseSimArgs([])).toThrow("missing the backend");
    expect(() => parseSimArgs(["xen"])).toThrow('unknown backend "xen"');
    expect(() => parseSimArgs(["opennebula", "--port", "70000"])).toThrow("--port must be a number from 0 to 65535");
    expect(() => parseSimArgs(["opennebula", "--port"])).toThrow("--port needs a value");
    expect(() => parseSimArgs(["opennebula", "--auth", "nopassword"])).toThrow("--auth must be USER:PASSWORD");
    expect(() => parseSimArgs(["opennebula", "--delays", "slow"])).toThrow("--delays must be one of instant, fast, realistic");
    expect(() => parseSimArgs(["opennebula", "--verbose"])).toThrow('unknown option "--verbose"');
    expect(() => parseSimArgs(["opennebula", "--database", "postgres"])).toThrow("--database must be sqlite or mysql");
    expect(() => parseSimArgs(["opennebula", "--fault", "{nope"])).toThrow("--fault: fault rules must be JSON");
    expect(() => parseSimArgs(["opennebula", "--fault", '{"type":"error","method":"x","code":"INTERNAL","probability":2}'])).toThrow("probability must be between 0 and 1");
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
