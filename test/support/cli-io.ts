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
