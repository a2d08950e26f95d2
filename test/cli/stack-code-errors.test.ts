import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main";
import { captureIo } from "../support/cli-io";

describe("an error of the user's stack code", () => {
  it("points at the user's file and line, and --debug adds the whole trace", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hyperplan-stack-error-"));
    writeFileSync(
      join(dir, "stack.ts"),
      ['import { App, Stack } from "hyperplan";', "", "const app = new App();", 'new Stack(app, "x");', 'throw new RangeError("no such region: mars");', "export default app;", ""].join("\n"),
    );
    const io = captureIo({ cwd: dir });
    expect(await main(["synth"], io)).toBe(1);
    expect(io.err()).toBe(`hyperplan synth: could not load ${join(dir, "stack.ts")} (stack.ts:5:7: RangeError: no such region: mars)\n`);
    const debug = captureIo({ cwd: dir });
    expect(await main(["synth", "--debug"], debug)).toBe(1);
    expect(debug.err()).toContain("caused by: RangeError: no such region: mars\n    at ");
  });
});
