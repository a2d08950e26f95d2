/**
 * The calls and waits apply makes for each kind of change, pinned as golden files: what a person
 * reviewing a change to the step machines must see change. Each case applies a first shape of the
 * `shop` stack to a fresh simulator, then the second shape, recording the steps of every operation.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startOneSimulator, type RunningOneSimulator } from "../../../src/sim/opennebula/index";
import { createOpenNebulaProvider, type OpenNebulaProvider } from "../../../src/providers/opennebula/provider";
import { mergeTemplate, StepPlanningError, updateSteps, type Step } from "../../../src/providers/opennebula/steps";
import { parseObject } from "../../../src/providers/opennebula/records";
import { idClusters } from "../../../src/providers/opennebula/operations";
import { OneClient } from "../../../src/providers/opennebula/client";
import { buildPlan } from "../../../src/planner/plan-builder";
import { applyPlan } from "../../../src/planner/executor";
import type { DesiredState } from "../../../src/resources/desired-state";
import { expectGolden } from "../../resources/golden";
import type { Template, TemplateAttribute } from "../../../src/providers/opennebula/template-syntax";
import { shop, type Shape } from "../../support/shop-stack";

const here = dirname(fileURLToPath(import.meta.url));
const fastPolls = { pollInterval: { initialMs: 5, maxMs: 20, factor: 1.5 } };

/** Steps as one line each: `call one.vm.resize [ID, "MEMORY=\"1024\"", true]`. */
function lines(steps: Step[]): string[] {
  return steps.flatMap((s) => {
    const params = (p: unknown[]) => p.map((x) => (typeof x === "object" && x !== null ? `<${(x as { $: string }).$}>` : JSON.stringify(x))).join(", ");
    switch (s.type) {
      case "call":
        return [`${s.label}: ${s.method}(${params(s.params)})${s.ignoreMissing ? " [gone is fine]" : ""}${s.endsCycle ? " [ends the power cycle]" : ""}`];
      case "allocate":
        return [`${s.label}: ${s.method}(${params(s.params)})`];
      case "handle":
        return [`${s.label}: ${s.method}(${params(s.params)}) → handle`];
      case "wait":
        return [
          `${s.label} (${s.until} of <${s.on}>${s.hotplug ? ", fails on a new ERROR" : ""})`,
          ...(s.restore ? lines(s.restore).map((l) => `    on a failure from here: ${l}`) : []),
        ];
    }
  });
}

describe("OpenNebula apply steps", () => {
  let sim: RunningOneSimulator;
  let provider: OpenNebulaProvider;
  beforeEach(async () => {
    sim = await startOneSimulator({ port: 0, delays: "instant" });
    provider = createOpenNebulaProvider({ endpoint: sim.url, session: "oneadmin:opennebula" });
  });
  afterEach(async () => {
    await provider.close();
    await sim.close();
  });

  /** Applies `desired`, returning each operation's steps by address. */
  async function applyRecording(desired: DesiredState, mode: "plan" | "destroy" = "plan"): Promise<string> {
    const plan = buildPlan({ desired, live: await provider.read(desired.stack, desired), rules: provider.rules, mode });
    const recorded: string[] = [];
    const start = provider.start.bind(provider);
    provider.start = async (...args: Parameters<OpenNebulaProvider["start"]>) => {
      const op = await start(...args);
      recorded.push([`${args[0].action} ${args[0].address}${args[0].phase ? ` (${args[0].phase})` : ""}`, ...lines((op.data as { plan: Step[] }).plan).map((l) => `  ${l}`)].join("\n"));
      return op;
    };
    try {
      const result = await applyPlan(plan, provider, { desired, ...fastPolls });
      expect(result.errors).toEqual([]);
    } finally {
      provider.start = start;
    }
    return `${recorded.sort().join("\n\n")}\n`;
  }

  const cases: [string, Shape, Shape][] = [
    ["create-every-kind", { vms: 0 }, { vms: 2, powerOff: ["vm-2"] }],
    ["vm-memory-on-running", { vms: 1 }, { vms: 1, memory: 1024 }],
    ["vm-cpu-on-poweroff", { vms: 1, powerOff: ["vm-1"] }, { vms: 1, powerOff: ["vm-1"], cpu: 2 }],
    ["vm-context-on-running", { vms: 1 }, { vms: 1, contextVar: "web" }],
    ["vm-context-keeps-os-and-console", { vms: 1, console: true, firmware: "uefi" }, { vms: 1, console: true, firmware: "uefi", contextVar: "web" }],
    ["vm-console-removed", { vms: 1, console: true, firmware: "uefi" }, { vms: 1, firmware: "uefi" }],
    ["vm-power-off-and-on", { vms: 2, powerOff: ["vm-2"] }, { vms: 2, powerOff: ["vm-1"] }],
    ["disk-attach-rules-range-size", { vms: 1 }, { vms: 1, extraDisk: true, sshPort: 2222, arSize: 40 }],
    ["disk-detach", { vms: 1, extraDisk: true }, { vms: 1 }],
    ["image-rename", { vms: 1 }, { vms: 1, imageName: "os-2" }],
    ["vm-delete", { vms: 2 }, { vms: 1 }],
    ["image-replace-and-vm-replace", { vms: 1 }, { vms: 1, dataSize: 2048, bootFromData: true }],
    ["network-replace-two-phases", { vms: 1 }, { vms: 1, bridgeOfNet: "br1" }],
  ];

  it.each(cases)("%s", async (name, first, second) => {
    if ((first.vms ?? 2) > 0) await applyRecording(shop(first));
    const text = await applyRecording(shop(second));
    expectGolden(here, `steps/${name}`, { "steps.txt": text });
  });

  it("destroys in the reverse order of creation", async () => {
    await applyRecording(shop({ vms: 1 }));
    expectGolden(here, "steps/destroy", { "steps.txt": await applyRecording(shop({ vms: 1 }), "destroy") });
  });

  it("refuses a hot-plug change on a VM in a state OpenNebula takes none in, naming the address", async () => {
    await applyRecording(shop({ vms: 1 }));
    const client = new OneClient({ endpoint: sim.url, session: "oneadmin:opennebula" });
    try {
      const desired = shop({ vms: 1, extraDisk: true });
      const plan = buildPlan({ desired, live: await provider.read(desired.stack, desired), rules: provider.rules, mode: "plan" });
      const change = plan.changes.find((c) => c.address === "shop/vm-1")!;
      await client.call("one.vm.action", "suspend", Number(change.id));
      await client.call("one.system.version");
      const live = parseObject("vm", String(await client.call("one.vm.info", Number(change.id))));
      const ctx = { stack: "shop", idOf: () => 1, resolve: () => "" };
      expect(() => updateSteps(change, change.after!, { kind: "VirtualMachine", record: live }, ctx)).toThrow(StepPlanningError);
      expect(() => updateSteps(change, change.after!, { kind: "VirtualMachine", record: live }, ctx)).toThrow(/OpenNebula takes disk and NIC hot-plug calls only from a RUNNING or POWEROFF VM, and this one is in SUSPENDED/);
    } finally {
      await client.close();
    }
  });
});

describe("steps for a VM still on its way up", () => {
  it("resizes a PENDING VM's template and waits for it to run; lets it arrive before powering it off", async () => {
    // The scheduler does not come round during the test: the VM stays PENDING.
    const sim = await startOneSimulator({ port: 0, delays: { schedulerPeriodMs: 3_600_000 } });
    const client = new OneClient({ endpoint: sim.url, session: "oneadmin:opennebula" });
    const provider = createOpenNebulaProvider({ endpoint: sim.url, session: "oneadmin:opennebula" });
    try {
      const desired = shop({ vms: 1 });
      const plan = buildPlan({ desired, live: await provider.read(desired.stack, desired), rules: provider.rules, mode: "plan" });
      // Create everything; the VM's create ends at its timeout, still PENDING.
      await applyPlan(plan, provider, { desired, ...fastPolls, timeouts: { VirtualMachine: 50 } });
      const stepsFor = async (shape: Shape) => {
        const next = shop(shape);
        const p = buildPlan({ desired: next, live: await provider.read(next.stack, next), rules: provider.rules, mode: "plan" });
        const change = p.changes.find((c) => c.address === "shop/vm-1")!;
        const live = parseObject("vm", String(await client.call("one.vm.info", Number(change.id))));
        expect(live.state).toBe(1);
        return lines(updateSteps(change, change.after!, { kind: "VirtualMachine", record: live }, { stack: "shop", idOf: () => 0, resolve: () => "" }));
      };
      expect(await stepsFor({ vms: 1, memory: 1024 })).toEqual(['resize memory: one.vm.resize(<id>, "MEMORY = \\"1024\\"\\n", true)', "wait RUNNING (vm-running of <id>)"]);
      expect(await stepsFor({ vms: 1, powerOff: ["vm-1"] })).toEqual([
        "wait RUNNING (vm-running of <id>)",
        'poweroff: one.vm.action("poweroff", <id>)',
        "wait POWEROFF (vm-poweroff of <id>)",
      ]);
    } finally {
      await provider.close();
      await client.close();
      await sim.close();
    }
  });
});

describe("mergeTemplate", () => {
  const keepOnes = (a: TemplateAttribute) => (typeof a.value === "string" ? a.name === "DEV_PREFIX" || a.name === "ERROR" : a.name !== "RULE");
  it("keeps the declaration, what oned keeps there, and vectors the declaration does not manage; drops free attributes no longer declared", () => {
    const live: Template = [
      { name: "DESCRIPTION", value: "old" },
      { name: "TEAM", value: "dropped by the declaration" },
      { name: "DEV_PREFIX", value: "vd" },
      { name: "ERROR", value: "last driver error" },
      { name: "FEATURES", value: { ACPI: "YES" } },
      { name: "RULE", value: { PROTOCOL: "TCP" } },
    ];
    const declared: Template = [
      { name: "DESCRIPTION", value: "new" },
      { name: "RULE", value: { PROTOCOL: "UDP" } },
    ];
    expect(mergeTemplate(live, declared, keepOnes)).toEqual([
      { name: "DESCRIPTION", value: "new" },
      { name: "RULE", value: { PROTOCOL: "UDP" } },
      { name: "DEV_PREFIX", value: "vd" },
      { name: "ERROR", value: "last driver error" },
      { name: "FEATURES", value: { ACPI: "YES" } },
    ]);
  });
});

describe("idClusters", () => {
  it("reads close ids with one range and far ones with another", () => {
    expect(idClusters([], 1000)).toEqual([]);
    expect(idClusters([7, 3, 5, 3], 1000)).toEqual([[3, 7]]);
    expect(idClusters([5, 40_000, 40_010, 900], 1000)).toEqual([
      [5, 900],
      [40_000, 40_010],
    ]);
  });
});
