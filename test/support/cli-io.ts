import { PassThrough } from "node:stream";
import type { CliIo } from "../../src/core/command-io";

/** A CliIo that records what a command writes. */
export function captureIo(overrides: Partial<CliIo> = {}): CliIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    stdin: new PassThrough(),
    env: {},
    cwd: process.cwd(),
    stopSignal: new Promise(() => {}),
    out: () => out,
    err: () => err,
    ...overrides,
  };
}

/** Runs `hyperplan <argv>` in-process with a captured io; its exit code and what it printed. */
export async function runCli(argv: string[], overrides: Partial<CliIo> = {}): Promise<{ code: number; out: string; err: string }> {
  // Loaded when first run, so a test that only captures output does not load every command.
  const { main } = await import("../../src/cli/main");
  const io = captureIo(overrides);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

/** The environment that points the CLI at an OpenNebula endpoint, with the auth file kept in `dir`. */
export function oneEnv(endpoint: string, dir: string): Record<string, string> {
  return { ONE_XMLRPC: endpoint, ONE_AUTH: `${dir}/one_auth`, NO_COLOR: "1" };
}
