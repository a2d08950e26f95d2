/**
 * `hyperplan sim`: lists the simulators the registry knows, and runs XenServer's through the same
 * command as OpenNebula's, until it is told to stop.
 */
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main";
import { SIMULATORS } from "../../src/backends/registry";
import { captureIo } from "../support/cli-io";

async function until<T>(get: () => T | undefined, what: string): Promise<T> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    const v = get();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("hyperplan sim", () => {
  it("lists every simulator when no backend is named", async () => {
    const io = captureIo();
    expect(await main(["sim"], io)).toBe(2);
    expect(io.out()).toContain("opennebula (OpenNebula), xenserver (XenServer), gandi (Gandi hosting)");
  });

  it("refuses a backend it has no simulator for, naming those it has", async () => {
    const io = captureIo();
    expect(await main(["sim", "vmware"], io)).toBe(2);
    expect(io.err()).toContain(`unknown backend "vmware" (known: ${SIMULATORS.map((s) => s.name).join(", ")})`);
  });

  it("runs the XenServer simulator, which answers a login, until it is stopped", async () => {
    let stop: (signal: string) => void = () => undefined;
    const io = captureIo({ stopSignal: new Promise<string>((resolve) => (stop = resolve)) });
    const running = main(["sim", "xenserver", "--port", "0", "--delays", "instant"], io);
    const url = await until(() => /^(http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(io.out())?.[1], "the endpoint URL");
    try {
      const answer = await fetch(`${url}jsonrpc`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "session.login_with_password", params: ["root", "xenserver"] }),
      });
      expect(answer.headers.get("content-type")).toBe("application/json");
      expect(((await answer.json()) as { result: string }).result).toMatch(/^OpaqueRef:/);
    } finally {
      stop("SIGTERM");
      expect(await running).toBe(0);
    }
    expect(io.err()).toContain("stopped (SIGTERM)");
  });

  it("shows XenServer's options with --help, and refuses a bad one with its usage", async () => {
    const help = captureIo();
    expect(await main(["sim", "xenserver", "--help"], help)).toBe(0);
    expect(help.out()).toContain("Usage: hyperplan sim xenserver");
    const bad = captureIo();
    expect(await main(["sim", "xenserver", "--port", "x"], bad)).toBe(2);
    expect(bad.err()).toContain("Usage: hyperplan sim xenserver");
  });
});
