import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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
  // A stack file is imported once per process, so each edit goes to a new file beside it (same
  // directory, so the same simulator world).
  let version = 1;
  const edit = (from: string | RegExp, to: string): string => {
    const text = readFileSync(join(dir, version === 1 ? "lab.ts" : `lab-v${version}.ts`), "utf8");
    const next = text.replace(from, to);
    expect(next).not.toBe(text);
    version++;
    writeFileSync(join(dir, `lab-v${version}.ts`), next);
    return `lab-v${version}.ts`;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "hyperplan-apply-"));
    copyFileSync(join(examples, "lab.ts"), join(dir, "lab.ts"));
  });
  afterEach(() => undefined);

  it("applies the lab from empty; a second plan has no changes; memory updates in place; removing a VM deletes only it", async () => {
    const first = await run(["apply", "lab.ts", "--simulate", "--auto-approve"]);
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    expect(first.out).toContain("Plan: 8 to create, 0 to update, 0 to replace, 0 to delete.");
    expect(first.out).toMatch(/apply finished in \S+: 8 done, 0 failed, 0 skipped/);
    expect(first.out).toMatch(/output lab-1-ip = 10\.20\.0\.\d+/);
    expect((await run(["plan", "lab.ts", "--simulate", "--detailed-exitcode"])).code).toBe(0);
    const ip = /output lab-1-ip = (\S+)/.exec(first.out)![1]!;
    expect(await run(["output", "lab.ts", "--simulate", "--json"])).toMatchObject({ code: 0, out: `${JSON.stringify({ values: { "lab-1-ip": ip }, unknown: [] })}\n` });
    expect(await run(["output", "lab.ts", "lab-1-ip", "--simulate"])).toMatchObject({ code: 0, out: `${ip}\n` });

    const bigger = edit("memory: 1024,", "memory: 2048,");
    const resized = await run(["apply", bigger, "--simulate", "--auto-approve"]);
    expect(resized.code).toBe(0);
    expect(resized.out).toContain("Plan: 0 to create, 4 to update, 0 to replace, 0 to delete.");
    expect(resized.out).toContain("poweroff → wait POWEROFF → resize memory → resume → wait RUNNING");
    expect((await run(["plan", bigger, "--simulate", "--detailed-exitcode"])).code).toBe(0);

    const fewer = edit("[1, 2, 3].map(", "[1, 2].map(");
    const removed = await run(["apply", fewer, "--simulate", "--auto-approve", "--json"]);
    expect(removed.code).toBe(0);
    const events = removed.out.trim().split("\n").map((l) => JSON.parse(l) as { type: string; address?: string; action?: string });
    expect(events.filter((e) => e.type === "change-done").map((e) => `${e.action} ${e.address}`)).toEqual(["delete lab/lab-3"]);
    expect((await run(["plan", fewer, "--simulate", "--detailed-exitcode"])).code).toBe(0);
  }, 30_000);

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

  it("carries out a saved plan, and refuses one the cloud moved away from", async () => {
    expect((await run(["plan", "lab.ts", "--simulate", "--out", "plan.json"])).code).toBe(0);
    expect(parsePlan(readFileSync(join(dir, "plan.json"), "utf8")).desired?.stack).toBe("lab");
    const applied = await run(["apply", "plan.json", "--simulate"]);
    expect(applied.err).toBe("");
    expect(applied.code).toBe(0);
    expect(applied.out).toMatch(/8 done, 0 failed/);
    // The same plan again: the objects it was made from have changed (they exist now).
    const stale = await run(["apply", "plan.json", "--simulate"]);
    expect(stale.code).toBe(1);
    expect(stale.err).toContain("changed since the plan was made");
  }, 30_000);

  it("destroys everything the stack owns with --destroy", async () => {
    expect((await run(["apply", "lab.ts", "--simulate", "--auto-approve"])).code).toBe(0);
    const destroyed = await run(["apply", "lab.ts", "--simulate", "--auto-approve", "--destroy"]);
    expect(destroyed.code).toBe(0);
    expect(destroyed.out).toContain("0 to create, 0 to update, 0 to replace, 8 to delete.");
    const after = await run(["plan", "lab.ts", "--simulate", "--json"]);
    expect(parsePlan(after.out).summary.create).toBe(8);
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
