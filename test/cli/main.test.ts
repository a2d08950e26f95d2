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

  it("names what a Terraform hand or a typo meant, in one line", async () => {
    const cases: [string[], string][] = [
      [["apply", "-auto-approve"], "hyperplan apply: unknown option -auto-approve: did you mean `--auto-approve`? (`hyperplan help apply` lists its options)\n"],
      [["plan", "-out=plan.json"], "hyperplan plan: unknown option -out=plan.json: did you mean `--out plan.json`? (`hyperplan help plan` lists its options)\n"],
      [["plan", "--detailed-exit-code"], "hyperplan plan: unknown option --detailed-exit-code: did you mean `--detailed-exitcode`? (`hyperplan help plan` lists its options)\n"],
      [["destroy", "--auto-aprove"], "hyperplan destroy: unknown option --auto-aprove: did you mean `--auto-approve`? (`hyperplan help destroy` lists its options)\n"],
      [["plan", "--frobnicate"], "hyperplan plan: unknown option --frobnicate (`hyperplan help plan` lists its options)\n"],
    ];
    for (const [argv, said] of cases) {
      const io = captureIo();
      expect(await main(argv, io), argv.join(" ")).toBe(2);
      expect(io.err(), argv.join(" ")).toBe(said);
    }
    const typo = captureIo();
    expect(await main(["aply"], typo)).toBe(2);
    expect(typo.err()).toContain('unknown command "aply": did you mean `hyperplan apply`?');
  });

  it("prints a command's help with hyperplan help COMMAND", async () => {
    const io = captureIo();
    expect(await main(["help", "plan"], io)).toBe(0);
    expect(io.out()).toContain("Usage: hyperplan plan [stack.ts] [options]");
  });

  it("prints the package version", async () => {
    const io = captureIo();
    expect(await main(["--version"], io)).toBe(0);
    expect(io.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
