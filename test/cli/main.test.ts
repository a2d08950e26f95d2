import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main";
import { captureIo } from "../support/cli-io";

describe("cli main", () => {
  it("rejects an unknown command with status 2 and the command list", async () => {
    const io = captureIo();
    expect(await main(["frobnicate"], io)).toBe(2);
    expect(io.err()).toContain('unknown command "frobnicate"');
    expect(io.err()).toContain("Usage: hyperplan <command>");
  });

  it("prints the package version", async () => {
    const io = captureIo();
    expect(await main(["--version"], io)).toBe(0);
    expect(io.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
