import { describe, expect, it, vi, afterEach } from "vitest";
import fc from "fast-check";
import type { App } from "../../src/index";
import type { DesiredState, VirtualMachineSpec } from "../../src/resources/desired-state";
import { analyseSavedDeclaration } from "../../src/resources/saved-declaration";
import { labStack, withResource } from "../diff/fixtures";
import { shop } from "../support/shop-stack";
import { desiredStateArb } from "../diff/arbitraries";

afterEach(() => vi.unstubAllEnvs());

const copy = (s: DesiredState): DesiredState => JSON.parse(JSON.stringify(s)) as DesiredState;
const messages = (s: unknown) => analyseSavedDeclaration(s, "plan.json").issues.map((i) => `${i.address}: ${i.path ? `${i.path}: ` : ""}${i.message}`);

describe("a saved declaration", () => {
  it("passes, and is given back unchanged, for every example stack and the test stacks", async () => {
    vi.stubEnv("SHOP_DB_PASSWORD", "correct horse");
    const states: DesiredState[] = [labStack(), shop(), shop({ extraDisk: true, console: true, firmware: "uefi", powerOff: ["shop/web-1"] })];
    for (const name of ["lab", "web-app"]) states.push(...((await import(`../../examples/stacks/${name}.ts`)).default as App).synth().stacks);
    const runners = (await import("../../examples/stacks/ci-runners.ts")).default as (o: { env: Record<string, string>; cwd: string }) => App;
    states.push(...runners({ env: {}, cwd: "/" }).synth().stacks);
    for (const state of states) {
      const analysis = analyseSavedDeclaration(copy(state), "plan.json");
      expect(analysis.issues).toEqual([]);
      expect(analysis.state).toEqual(state);
    }
  });

  it("is refused with the address and property path of a value a stack file could not give", () => {
    const bad = withResource(labStack(), "lab/web-1", (r) => ((r.props as VirtualMachineSpec).memory = -5));
    expect(messages(bad)).toEqual(["lab/web-1: memory: must be >= 1 MiB, got -5"]);
  });

  it("is refused when it refers to an address it does not declare, or names a kind hyperplan does not know", () => {
    const dangling = withResource(labStack(), "lab/web-1", (r) => ((r.props as VirtualMachineSpec).nics = [{ network: { ref: "lab/elsewhere" }, securityGroups: [] }]));
    expect(messages(dangling)).toEqual(["lab/web-1: nics[0].network: refers to lab/elsewhere, which the saved declaration does not declare"]);
    const kind = copy(labStack());
    (kind.resources[0] as { kind: string }).kind = "Bucket";
    expect(messages(kind)[0]).toMatch(/kind: must be one of VirtualNetwork, Image/);
    expect(messages("nope")).toEqual(["plan.json: the saved declaration is not an object"]);
  });

  it("is refused when synthesis would not write it so: an unknown key, a secret left unwrapped", () => {
    const extra = withResource(labStack(), "lab/web-1", (r) => ((r.props as unknown as Record<string, unknown>).hostAffinity = "node-3"));
    expect(messages(extra)[0]).toMatch(/^lab\/web-1: hostAffinity: is not a known property/);
    const lab = labStack();
    const withSecret = lab.resources.find((r) => JSON.stringify(r.props).includes('"secret"'));
    if (withSecret) {
      const plain = JSON.parse(JSON.stringify(lab).replace(/\{"secret":("[^"]*")\}/, "$1")) as DesiredState;
      expect(messages(plain).join("\n")).toMatch(/not as hyperplan writes it|must be/);
    }
  });

  it("never throws on a generated declaration: it is either given back unchanged or refused with issues", () => {
    fc.assert(
      fc.property(desiredStateArb, (state) => {
        const analysis = analyseSavedDeclaration(copy(state), "plan.json");
        if (analysis.issues.length === 0) expect(analysis.state).toEqual(state);
        else expect(analysis.state).toBeUndefined();
      }),
      { numRuns: 60 },
    );
  });
});
