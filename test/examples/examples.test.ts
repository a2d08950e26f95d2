import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main";
import { App, canonicalJson, maskSecrets, type DesiredState, type ImageSpec, type VirtualMachineSpec } from "../../src/index";
import { expectGolden } from "../resources/golden";
import { openNebulaProfile } from "../../src/providers/opennebula/profile";
import { captureIo } from "../support/cli-io";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const example = (name: string) => fileURLToPath(new URL(`../../examples/stacks/${name}.ts`, import.meta.url));

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

function only(doc: { stacks: DesiredState[] }): DesiredState {
  expect(doc.stacks).toHaveLength(1);
  return doc.stacks[0]!;
}

const byKind = (state: DesiredState, kind: string) => state.resources.filter((r) => r.kind === kind);

async function cliSynth(name: string, env: Record<string, string> = {}): Promise<string> {
  const io = captureIo({ env });
  expect(await main(["synth", example(name)], io)).toBe(0);
  expect(io.err()).toBe("");
  return io.out();
}

describe("example stacks", () => {
  it("lab: a network with a range, an OS image, a data disk, a security group, a template and three VMs", async () => {
    const app = (await import("../../examples/stacks/lab")).default as App;
    const state = only(app.synth());
    expect(byKind(state, "VirtualNetwork")).toHaveLength(1);
    expect(byKind(state, "SecurityGroup")).toHaveLength(1);
    expect(byKind(state, "VmTemplate")).toHaveLength(1);
    expect(byKind(state, "Image").map((r) => (r.props as ImageSpec).type)).toEqual(["os", "datablock"]);
    const vms = byKind(state, "VirtualMachine");
    expect(vms.map((v) => v.address)).toEqual(["lab/lab-1", "lab/lab-2", "lab/lab-3"]);
    expect(vms[0]!.dependsOn).toContain("lab/lab-scratch");
    expectGolden(HERE, "lab", { "desired-state.json": `${canonicalJson(state)}\n` });
    expect(await cliSynth("lab")).toBe(`${canonicalJson(maskSecrets(app.synth({ profile: openNebulaProfile })))}\n`);
  });

  it("ci-runners: N identical runners from one template, N from RUNNER_COUNT, 4 by default", async () => {
    const { default: build, DEFAULT_RUNNER_COUNT } = await import("../../examples/stacks/ci-runners");
    const state = only(build({ env: {}, cwd: "/" }).synth());
    const runners = byKind(state, "VirtualMachine");
    expect(runners).toHaveLength(DEFAULT_RUNNER_COUNT);
    expect(new Set(runners.map((r) => JSON.stringify(r.props)))).toEqual(new Set([JSON.stringify(runners[0]!.props)]));
    expect((runners[0]!.props as VirtualMachineSpec).template).toEqual({ ref: "ci/ci-runner" });
    expectGolden(HERE, "ci-runners", { "desired-state.json": `${canonicalJson(state)}\n` });

    expect(byKind(only(build({ env: { RUNNER_COUNT: "12" }, cwd: "/" }).synth()), "VirtualMachine")).toHaveLength(12);
    expect(() => build({ env: { RUNNER_COUNT: "lots" }, cwd: "/" })).toThrow('RUNNER_COUNT must be a whole number from 1 to 200, got "lots"');
    expect(() => build({ env: { RUNNER_COUNT: "0" }, cwd: "/" })).toThrow("RUNNER_COUNT must be a whole number");

    const out = JSON.parse(await cliSynth("ci-runners", { RUNNER_COUNT: "7" }));
    expect(byKind(only(out), "VirtualMachine").map((r) => r.address).at(-1)).toBe("ci/runner-07");
  });

  it("web-app: load balancer, app servers and a database VM with a persistent disk", async () => {
    vi.stubEnv("SHOP_DB_PASSWORD", "");
    const app = (await import("../../examples/stacks/web-app")).default as App;
    const state = only(app.synth());
    const find = (address: string) => state.resources.find((r) => r.address === address)!;
    const db = find("shop/data/db");
    expect(db.dependsOn).toContain("shop/shop-pgdata");
    expect(state.resources.filter((r) => r.address.startsWith("shop/app/")).every((r) => r.dependsOn.includes("shop/data/db"))).toBe(true);
    expect(find("shop/lb").dependsOn).toEqual(expect.arrayContaining(["shop/app/app-1", "shop/app/app-2", "shop/app/app-3"]));
    expect((find("shop/shop-pgdata").props as ImageSpec).persistent).toBe(true);
    expectGolden(HERE, "web-app", { "desired-state.json": `${canonicalJson(state)}\n` });
  });

  it("web-app: the database password from the environment is a masked secret", async () => {
    vi.stubEnv("SHOP_DB_PASSWORD", "correct horse");
    const out = await cliSynth("web-app");
    expect(out).not.toContain("correct horse");
    const db = only(JSON.parse(out)).resources.find((r) => r.address === "shop/data/db")!;
    expect((db.props as VirtualMachineSpec).context!.secretVars).toEqual({ POSTGRES_PASSWORD: { secret: "(sensitive)" } });
  });
});
