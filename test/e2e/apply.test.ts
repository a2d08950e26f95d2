import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PassThrough } from "node:stream";
import { main } from "../../src/cli/main";
import { parsePlan } from "../../src/core/plan";
import { captureIo } from "../support/cli-io";

const examples = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "stacks");

describe("hyperplan apply --simulate", () => {
  let dir: string;
  const run = async (argv: string[], extra: { stdin?: PassThrough & { isTTY?: boolean } } = {}) => {
    const io = captureIo({ cwd: dir, env: { HYPERPLAN_SIM_DELAYS: "fast" }, ...(extra.stdin ? { stdin: extra.stdin } : {}) });
    const code = await main(argv, io);
    return { code, out: io.out(), err: io.err() };
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "hyperplan-apply-"));
    copyFileSync(join(examples, "lab.ts"), join(dir, "lab.ts"));
  });
  afterEach(() => undefined);

  it("refuses to prompt when stdin is not a terminal, and asks when it is", async () => {
    const refused = await run(["apply", "lab.ts", "--simulate"]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("pass --auto-approve");
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    const json = await run(["apply", "lab.ts", "--simulate", "--json"], { stdin: tty });
    expect(json.code).toBe(1);
    expect(json.err).toContain("pass --auto-approve with it");
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    stdin.end("no\n");
    const declined = await run(["apply", "lab.ts", "--simulate"], { stdin });
    expect(declined.code).toBe(1);
    expect(declined.out).toContain('Only "yes" is accepted');
    expect(declined.out).toContain("Apply cancelled; nothing was changed.");
    const yes = Object.assign(new PassThrough(), { isTTY: true });
    yes.end("yes\n");
    const accepted = await run(["apply", "lab.ts", "--simulate"], { stdin: yes });
    expect(accepted.code).toBe(0);
  }, 30_000);

  it("lists outputs as unknown before the first apply", async () => {
    expect((await run(["output", "lab.ts", "--simulate"])).out).toBe("lab-1-ip = (unknown: not applied yet)\n");
    const one = await run(["output", "lab.ts", "lab-1-ip", "--simulate"]);
    expect(one.code).toBe(1);
    expect(one.err).toContain("lab-1-ip is not known yet");
    expect((await run(["output", "lab.ts", "nope", "--simulate"])).err).toContain('declares no output "nope"; it declares lab-1-ip');
  });

  it("fails a VM that cannot boot with the cloud's message, finishes the rest, and replaces it on the next run", async () => {
    const fault = JSON.stringify({ type: "fail-state", kind: "vm", match: "lab-2", state: "BOOT_FAILURE", message: "Could not create domain: cannot allocate hugepages" });
    const io = captureIo({ cwd: dir, env: { HYPERPLAN_SIM_DELAYS: "fast", HYPERPLAN_SIM_FAULTS: fault } });
    expect(await main(["apply", "lab.ts", "--simulate", "--auto-approve"], io)).toBe(1);
    expect(io.out()).toMatch(/lab\/lab-2 +FAILED .*BOOT_FAILURE.*cannot allocate hugepages/);
    expect(io.out()).toMatch(/apply finished in \S+: 7 done, 1 failed, 0 skipped/);
    const rerun = await run(["apply", "lab.ts", "--simulate", "--auto-approve"]);
    expect(rerun.code).toBe(0);
    expect(rerun.out).toContain("0 to create, 0 to update, 1 to replace, 0 to delete.");
    // lab-1 was kept as it is: its address is still the stack's output.
    expect(rerun.out).toMatch(/output lab-1-ip = 10\.20\.0\.\d+/);
    const bad = captureIo({ cwd: dir, env: { HYPERPLAN_SIM_FAULTS: "{nope" } });
    expect(await main(["plan", "lab.ts", "--simulate"], bad)).toBe(1);
    expect(bad.err()).toContain("HYPERPLAN_SIM_FAULTS: fault rules must be JSON");
  }, 30_000);

  it("applies only the targets and what they need", async () => {
    const { code, out } = await run(["apply", "lab.ts", "--simulate", "--auto-approve", "--target", "lab/lab-small"]);
    expect(code).toBe(0);
    expect(out).toContain("Plan: 4 to create, 0 to update, 0 to replace, 0 to delete.");
    const rest = await run(["plan", "lab.ts", "--simulate", "--json"]);
    expect(parsePlan(rest.out).changes.filter((c) => c.action === "create").map((c) => c.address)).toEqual(["lab/lab-scratch", "lab/lab-1", "lab/lab-2", "lab/lab-3"]);
  }, 30_000);

  it("stops on Ctrl-C: in-flight changes are reported interrupted, exit 130, and a rerun picks up", async () => {
    let stop!: (signal: string) => void;
    const io = captureIo({ cwd: dir, env: { HYPERPLAN_SIM_DELAYS: "realistic" }, stopSignal: new Promise((resolve) => (stop = resolve)) });
    const applying = main(["apply", "lab.ts", "--simulate", "--auto-approve"], io);
    // The images copy for 20 s: interrupt once their copy has started.
    for (let waited = 0; !/lab\/debian-12 +create +started/.test(io.out()); waited += 50) {
      if (waited > 20_000) throw new Error(`the apply did not start the image:\n${io.out()}${io.err()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    stop("SIGINT");
    expect(await applying).toBe(130);
    expect(io.out()).toMatch(/lab\/debian-12 +INTERRUPTED/i);
    const again = await run(["plan", "lab.ts", "--simulate", "--json"]);
    const plan = parsePlan(again.out);
    // What was allocated is the stack's (tags went in with the allocate): only the rest is left to create.
    expect(plan.changes.find((c) => c.address === "lab/debian-12")?.action).toBe("noop");
    expect(plan.changes.find((c) => c.address === "lab/lab-1")?.action).toBe("create");
  }, 30_000);

  it.each(["web-app", "ci-runners"])("applies the %s example from empty and plans it clean afterwards", async (name) => {
    copyFileSync(join(examples, `${name}.ts`), join(dir, `${name}.ts`));
    const applied = await run(["apply", `${name}.ts`, "--simulate", "--auto-approve"]);
    expect(applied.err).toBe("");
    expect(applied.code).toBe(0);
    expect((await run(["plan", `${name}.ts`, "--simulate", "--detailed-exitcode"])).code).toBe(0);
  }, 30_000);

  it("rejects bad options with a clear message", async () => {
    expect((await run(["apply", "lab.ts", "--parallelism", "0"])).err).toContain("--parallelism needs a whole number ≥ 1");
    expect((await run(["apply", "lab.ts", "--timeout", "VirtualMachine=soon"])).err).toContain("needs a duration like 90s");
    expect((await run(["apply", "lab.ts", "--timeout", "Disk=5m"])).err).toContain("KIND one of");
  });
});
