/**
 * `hyperplan state list` and `state show`, read straight from the cloud (here the OpenVZ Web Panel's
 * embedded simulator, whose VMs carry a root password): what the stack owns, objects it no longer
 * declares marked, one object's live attributes with its secret masked.
 */
import { describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../support/cli-io";

const examples = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "stacks");

describe("hyperplan state", () => {
  it("lists what the stack owns and shows one object with its secrets masked", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hyperplan-state-"));
    copyFileSync(join(examples, "openvz-ci.ts"), join(dir, "ci.ts"));
    const run = (...argv: string[]) => runCli([...argv, "--simulate"], { cwd: dir, env: { HYPERPLAN_SIM_DELAYS: "instant", NO_COLOR: "1" } });
    const empty = await run("state", "list", "ci.ts");
    expect(empty.code).toBe(0);
    expect(empty.out).toContain("Stack openvz-ci owns no objects there.");
    expect((await run("apply", "ci.ts", "--auto-approve")).code).toBe(0);

    const listed = await run("state", "list", "ci.ts");
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^ADDRESS\s+KIND\s+ID\s+STATUS$/m);
    expect(listed.out).toMatch(/^openvz-ci\/build-2\s+VirtualMachine\s+\d+\s+RUNNING$/m);
    const json = JSON.parse((await run("state", "list", "ci.ts", "--json")).out) as { address: string; declared: boolean }[];
    expect(json.map((l) => l.address)).toEqual(["openvz-ci/build-1", "openvz-ci/build-2", "openvz-ci/build-3", "openvz-ci/debian-11-x86_64", "openvz-ci/venet", "openvz-ci/vps.basic"]);

    const shown = await run("state", "show", "openvz-ci/build-1", "ci.ts");
    expect(shown.code).toBe(0);
    const object = JSON.parse(shown.out) as { id: string; props: { memory: number }; values: { ip: string } };
    expect(object.props.memory).toBe(1024);
    expect(object.values.ip).toMatch(/^10\.10\.1\.\d+$/);
    expect(shown.out).toContain(`"secret": "(sensitive)"`);
    expect(shown.out).not.toContain("Simulated-r00t");

    // build-3 no longer declared: still owned, marked, and the next plan deletes it.
    writeFileSync(join(dir, "two.ts"), readFileSync(join(dir, "ci.ts"), "utf8").replace(`?? "3"`, `?? "2"`));
    const fewer = await runCli(["state", "list", "two.ts", "--simulate"], { cwd: dir, env: { HYPERPLAN_SIM_DELAYS: "instant", NO_COLOR: "1" } });
    expect(fewer.out).toMatch(/^openvz-ci\/build-3\s+VirtualMachine\s+\d+\s+RUNNING \(not declared\)$/m);
    const missing = await run("state", "show", "openvz-ci/nope", "ci.ts");
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('stack "openvz-ci" owns no live object at openvz-ci/nope (it owns openvz-ci/build-1');
  });
});
