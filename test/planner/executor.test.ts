import { describe, expect, it } from "vitest";
import { hasErrorCode } from "../../src/errors";
import type { ApplyOptions } from "../../src/planner/executor";
import { applyPlan, changeGraph, describeFailure } from "../../src/planner/executor";
import { RecordingSink } from "../../src/planner/events";
import type { Plan } from "../../src/core/plan";
import type { DesiredState } from "../../src/resources/desired-state";
import type { FakeChange, FakeScript } from "../support/fake-provider";
import { FakeBackendError, FakeClock, FakeProvider, fakePlan, permanentError, transientError } from "../support/fake-provider";

function run(changes: FakeChange[] | Plan, scripts: Record<string, FakeScript> | ((c: { address: string }) => FakeScript) = {}, options: Partial<ApplyOptions> = {}) {
  const clock = new FakeClock();
  const provider = new FakeProvider(clock, scripts);
  const sink = new RecordingSink();
  const plan = Array.isArray(changes) ? fakePlan(changes) : changes;
  const result = clock.run(applyPlan(plan, provider, { clock, sink, random: () => 0.5, ...options }));
  return { clock, provider, sink, result };
}

/** The event stream as short strings, for whole-sequence assertions. */
function brief(sink: RecordingSink): string[] {
  return sink.events.map((e) => {
    switch (e.type) {
      case "apply-started":
        return `started ${e.total}`;
      case "change-started":
        return `start ${e.address}`;
      case "change-progress":
        return `${e.address} ${e.state}`;
      case "change-done":
        return `done ${e.address}`;
      case "change-failed":
        return `failed ${e.address} [${e.code}] ${e.message}`;
      case "change-skipped":
        return `skipped ${e.address} (${e.because})`;
      case "change-interrupted":
        return `interrupted ${e.address}${e.state ? ` ${e.state}` : ""}`;
      case "poll-retry":
        return `poll-retry ${e.failures}/${e.limit ?? "-"}`;
      case "call-retry":
        return `call-retry ${e.address ?? "-"} ${e.call} ${e.attempt}`;
      case "change-phase":
        return `phase ${e.phase}/${e.of} ${e.address} after ${e.after.join(",")}`;
      case "outputs":
        return `outputs ${JSON.stringify(e.values)} unknown=${e.unknown.join(",")}`;
      case "apply-finished":
        return `finished ${e.done}/${e.failed}/${e.skipped}/${e.interrupted}`;
    }
  });
}

describe("applyPlan", () => {
  it("starts a change as soon as its own dependencies finish, not in waves", async () => {
    // img → vm-a → vm-b is a fast chain; net is slow and independent.
    const { provider, result } = run(
      [
        { address: "lab/img", kind: "Image" },
        { address: "lab/net", kind: "VirtualNetwork" },
        { address: "lab/vm-a", dependsOn: ["lab/img"] },
        { address: "lab/vm-b", dependsOn: ["lab/vm-a"] },
      ],
      { "lab/img": { ticks: 1 }, "lab/vm-a": { ticks: 1 }, "lab/vm-b": { ticks: 1 }, "lab/net": { ticks: 20, states: ["LOCKED"] } },
    );
    const r = await result;
    expect(r.ok).toBe(true);
    const t = (a: string) => provider.timings.get(a)!;
    expect(t("lab/vm-a").startedAt).toBeGreaterThanOrEqual(t("lab/img").finishedAt!);
    expect(t("lab/vm-b").startedAt).toBeGreaterThanOrEqual(t("lab/vm-a").finishedAt!);
    // The whole chain was done while the slow sibling still ran.
    expect(t("lab/vm-b").finishedAt!).toBeLessThan(t("lab/net").finishedAt!);
  });

  it("keeps at most `parallelism` changes in flight, and uses all of them", async () => {
    const changes = Array.from({ length: 30 }, (_, i) => ({ address: `lab/vm-${String(i).padStart(2, "0")}` }));
    const four = run(changes, () => ({ ticks: 3 }), { parallelism: 4 });
    expect((await four.result).counts.done).toBe(30);
    expect(four.provider.maxInFlight).toBe(4);
    const byDefault = run(changes, () => ({ ticks: 3 }));
    await byDefault.result;
    expect(byDefault.provider.maxInFlight).toBe(10);
    // A backend measured to take more says so; an explicit parallelism still wins.
    const clock = new FakeClock();
    const roomy = Object.assign(new FakeProvider(clock, () => ({ ticks: 3 })), { defaultParallelism: 25 });
    expect((await clock.run(applyPlan(fakePlan(changes), roomy, { clock }))).counts.done).toBe(30);
    expect(roomy.maxInFlight).toBe(25);
  });

  it("skips only the dependents of a failed change, goes on with the rest, and counts each outcome", async () => {
    const { sink, result } = run(
      [
        { address: "lab/img", kind: "Image" },
        { address: "lab/net", kind: "VirtualNetwork" },
        { address: "lab/vm-a", dependsOn: ["lab/img", "lab/net"] },
        { address: "lab/vm-b", dependsOn: ["lab/vm-a"] },
        { address: "lab/vm-c", dependsOn: ["lab/net"] },
      ],
      {
        "lab/img": { ticks: 2, states: ["LOCKED"], fail: { message: "[one.image.allocate] Error copying image in the datastore: Not enough space", code: "ACTION", state: "ERROR" } },
        "lab/net": { ticks: 1 },
        "lab/vm-c": { ticks: 2 },
      },
    );
    const r = await result;
    expect(r.counts).toEqual({ total: 5, done: 2, failed: 1, skipped: 2, interrupted: 0 });
    expect(r.ok).toBe(false);
    expect(r.changes.map((c) => `${c.address}=${c.outcome}`)).toEqual(["lab/img=failed", "lab/net=done", "lab/vm-a=skipped", "lab/vm-b=skipped", "lab/vm-c=done"]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ address: "lab/img", code: "ACTION", message: "[one.image.allocate] Error copying image in the datastore: Not enough space" });
    expect(r.errors[0]!.error).toBeInstanceOf(FakeBackendError);
    expect(r.changes[0]!.state).toBe("ERROR");
    expect(r.changes[2]!.because).toBe("lab/img failed");
    expect(r.changes[3]!.because).toBe("lab/img failed");
    expect(brief(sink)).toEqual([
      "started 5",
      "start lab/img",
      "start lab/net",
      "lab/img LOCKED",
      "done lab/net",
      "start lab/vm-c",
      "lab/vm-c RUNNING",
      "failed lab/img [ACTION] [one.image.allocate] Error copying image in the datastore: Not enough space",
      "skipped lab/vm-a (lab/img failed)",
      "skipped lab/vm-b (lab/img failed)",
      "done lab/vm-c",
      "finished 2/1/2/0",
    ]);
  });

  it("finishes the deletes of dependents before the deletes of what they used", async () => {
    // Destroy order is create order reversed: the plan makes the image's delete wait for the VM's.
    const { provider, result } = run(
      [
        { address: "lab/img", kind: "Image", action: "delete", dependsOn: ["lab/vm"] },
        { address: "lab/vm", action: "delete" },
      ],
      { "lab/vm": { ticks: 4, states: ["SHUTDOWN", "EPILOG"] }, "lab/img": { ticks: 1 } },
    );
    await result;
    expect(provider.starts).toEqual(["lab/vm", "lab/img"]);
    expect(provider.timings.get("lab/img")!.startedAt).toBeGreaterThanOrEqual(provider.timings.get("lab/vm")!.finishedAt!);
  });

  it("keeps the order through a no-op but neither starts nor reports it", async () => {
    const { provider, sink, result } = run(
      [
        { address: "lab/img", kind: "Image" },
        { address: "lab/tmpl", kind: "VmTemplate", action: "noop", dependsOn: ["lab/img"] },
        { address: "lab/vm", dependsOn: ["lab/tmpl"] },
      ],
      { "lab/img": { ticks: 3 } },
    );
    const r = await result;
    expect(provider.starts).toEqual(["lab/img", "lab/vm"]);
    expect(provider.timings.get("lab/vm")!.startedAt).toBeGreaterThanOrEqual(provider.timings.get("lab/img")!.finishedAt!);
    expect(r.counts.total).toBe(2);
    expect(r.changes.map((c) => c.address)).toEqual(["lab/img", "lab/vm"]);
    expect(sink.events.some((e) => "address" in e && e.address === "lab/tmpl")).toBe(false);
  });

  it("does not wait for a dependency the plan does not touch", async () => {
    const { provider, result } = run([{ address: "lab/vm", dependsOn: ["lab/unchanged-net"] }]);
    expect((await result).ok).toBe(true);
    expect(provider.starts).toEqual(["lab/vm"]);
  });

  it("fails a change whose start call is refused, with the backend's code and message, and skips its dependents", async () => {
    const refused = new FakeBackendError("[one.vm.allocate] Error parsing VM template: syntax error, unexpected $end", "PARAMETER");
    const { sink, result } = run(
      [{ address: "lab/vm" }, { address: "lab/vm-2", dependsOn: ["lab/vm"] }],
      { "lab/vm": { startError: refused } },
    );
    const r = await result;
    expect(r.errors).toEqual([{ address: "lab/vm", code: "PARAMETER", message: refused.message, error: refused }]);
    expect(brief(sink)).toEqual([
      "started 2",
      `failed lab/vm [PARAMETER] ${refused.message}`,
      "skipped lab/vm-2 (lab/vm failed)",
      "finished 0/1/1/0",
    ]);
  });

  it("ends an operation that never arrives with its kind's timeout, quoting the last state and detail", async () => {
    const detail = "Cannot dispatch VM: No host with enough capacity to deploy the VM";
    const { clock, result } = run(
      [{ address: "lab/vm" }, { address: "lab/img", kind: "Image" }],
      { "lab/vm": { stuck: true, states: ["PENDING"], detail, steps: ["allocate", "wait RUNNING"] }, "lab/img": { stuck: true, states: ["LOCKED"] } },
      { timeouts: { VirtualMachine: 120_000 }, defaultTimeoutMs: 300_000 },
    );
    const t0 = clock.now();
    const r = await result;
    const [vm, img] = r.errors;
    expect(vm).toMatchObject({ address: "lab/vm", code: "OPERATION_TIMEOUT", message: `timed out after 2m00s at step "wait RUNNING"; last state PENDING: ${detail}` });
    expect(img).toMatchObject({ address: "lab/img", code: "OPERATION_TIMEOUT", message: 'timed out after 5m00s at step "apply"; last state LOCKED' });
    // A deadline brings a tick of its own, but never sooner than initialMs after the last poll.
    expect(r.durationMs).toBeGreaterThanOrEqual(300_000);
    expect(r.durationMs).toBeLessThanOrEqual(300_200);
    expect(clock.now() - t0).toBe(r.durationMs);
  });

  it("rides out a dropped connection while polling and reports it as a retry", async () => {
    const { provider, sink, result } = run([{ address: "lab/vm" }], { "lab/vm": { ticks: 2 } });
    provider.failNextPolls(transientError("read ECONNRESET"));
    const r = await result;
    expect(r.ok).toBe(true);
    expect(brief(sink)).toContain("poll-retry 1/-");
    const retry = sink.ofType("poll-retry")[0]!;
    expect(retry.message).toBe("read ECONNRESET");
  });

  it("fails the in-flight changes with the cause when polling fails for good, and skips their dependents", async () => {
    const { provider, result } = run(
      [{ address: "lab/a" }, { address: "lab/b" }, { address: "lab/c", dependsOn: ["lab/a"] }],
      { "lab/a": { ticks: 3 }, "lab/b": { ticks: 3 } },
    );
    provider.failNextPolls(permanentError());
    const r = await result;
    expect(r.counts).toMatchObject({ failed: 2, skipped: 1 });
    for (const e of r.errors) {
      expect(e.code).toBe("POLL_FAILED");
      expect(e.message).toBe("lost track of the operation: polling failed with an error that retrying cannot fix: [one.vmpool.infoset] User couldn't be authenticated, aborting call.");
    }
  });

  it("on abort, starts nothing new, reports in-flight changes as interrupted and the rest as skipped", async () => {
    const controller = new AbortController();
    const clock = new FakeClock();
    const provider = new FakeProvider(clock, { "lab/a": { stuck: true, states: ["BOOT"] }, "lab/b": { ticks: 1 } });
    const sink = new RecordingSink();
    const plan = fakePlan([{ address: "lab/a" }, { address: "lab/b" }, { address: "lab/c", dependsOn: ["lab/b"] }, { address: "lab/d", dependsOn: ["lab/a"] }, { address: "lab/e" }]);
    const applying = applyPlan(plan, provider, { clock, sink, signal: controller.signal, parallelism: 2 });
    // lab/a and lab/b start; lab/b finishes after one poll (200 ms), which would start lab/c.
    await clock.advance(150);
    controller.abort();
    const r = await clock.run(applying);
    expect(provider.starts).toEqual(["lab/a", "lab/b"]);
    expect(r.interrupted).toBe(true);
    expect(r.ok).toBe(false);
    expect(r.changes.map((c) => `${c.address}=${c.outcome}${c.because ? ` (${c.because})` : ""}`)).toEqual([
      "lab/a=interrupted",
      "lab/b=interrupted",
      "lab/c=skipped (lab/b was interrupted)",
      "lab/d=skipped (lab/a was interrupted)",
      "lab/e=skipped (the apply was interrupted)",
    ]);
    expect(r.counts).toEqual({ total: 5, done: 0, failed: 0, skipped: 3, interrupted: 2 });
    expect(sink.ofType("change-interrupted").map((e) => e.address)).toEqual(["lab/a", "lab/b"]);
    expect(sink.events.at(-1)!.type).toBe("apply-finished");
  });

  it("reports the last state of a change interrupted after states were seen", async () => {
    const controller = new AbortController();
    const clock = new FakeClock();
    const provider = new FakeProvider(clock, { "lab/a": { stuck: true, states: ["PROLOG", "BOOT"] } });
    const applying = applyPlan(fakePlan([{ address: "lab/a" }]), provider, { clock, signal: controller.signal });
    await clock.advance(450);
    controller.abort();
    const r = await clock.run(applying);
    expect(r.changes[0]).toMatchObject({ outcome: "interrupted", state: "BOOT" });
  });

  it("publishes the stack's outputs from what the changes reported and what the plan left untouched", async () => {
    const desired = {
      formatVersion: 1,
      stack: "lab",
      resources: [],
      outputs: {
        "web-ip": { value: { ref: "lab/web", attr: "ip" } },
        "web-id": { value: { ref: "lab/web", attr: "id" } },
        "db-ip": { value: { ref: "lab/db", attr: "ip" } },
        "net-bridge": { value: { ref: "lab/net", attr: "bridge" } },
        "cache-ip": { value: { ref: "lab/cache", attr: "ip" } },
        region: { value: "eu-west" },
      },
    } as unknown as DesiredState;
    const { provider, sink, result } = run(
      [
        { address: "lab/net", kind: "VirtualNetwork", action: "noop", before: { bridge: "br0" } },
        { address: "lab/web", dependsOn: ["lab/net"] },
        { address: "lab/db", dependsOn: ["lab/net"] },
        { address: "lab/cache", action: "update", id: "7", before: { ip: "10.0.0.9", memory: 512 } },
      ],
      { "lab/web": { ticks: 2, id: "42", outputs: { ip: "10.0.0.5" } }, "lab/db": { fail: { message: "no lease left" } } },
      { desired },
    );
    const r = await result;
    expect(provider.desiredSeen.every((d) => d === desired)).toBe(true);
    expect(r.outputs).toEqual({ "cache-ip": "10.0.0.9", "net-bridge": "br0", region: "eu-west", "web-id": "42", "web-ip": "10.0.0.5" });
    expect(r.unknownOutputs).toEqual(["db-ip"]);
    const outputs = sink.ofType("outputs");
    expect(outputs).toHaveLength(1);
    expect(outputs[0]!.values).toEqual(r.outputs);
    expect(sink.events.map((e) => e.type).slice(-2)).toEqual(["outputs", "apply-finished"]);
  });

  it("stamps every event with the injected clock's time", async () => {
    const { clock, sink, result } = run([{ address: "lab/vm" }], { "lab/vm": { ticks: 3, states: ["PENDING", "BOOT"] } });
    const start = clock.now();
    const r = await result;
    expect(sink.events.map((e) => e.at - start)).toEqual([0, 0, 200, 400, 600, 600]);
    expect(sink.ofType("change-done")[0]!.durationMs).toBe(600);
    expect(r.durationMs).toBe(600);
  });

  it("throws for programming errors only: a cycle, a repeated address, a bad parallelism", async () => {
    const clock = new FakeClock();
    const provider = new FakeProvider(clock);
    const cyclic = fakePlan([
      { address: "lab/a", dependsOn: ["lab/b"] },
      { address: "lab/b", dependsOn: ["lab/a"] },
    ]);
    await expect(applyPlan(cyclic, provider, { clock })).rejects.toThrow("dependency cycle: lab/a → lab/b → lab/a");
    await expect(applyPlan(fakePlan([{ address: "lab/a" }, { address: "lab/a" }]), provider, { clock })).rejects.toThrow("lab/a: the plan has more than one change for this address");
    await expect(applyPlan(fakePlan([]), provider, { clock, parallelism: 0 })).rejects.toThrow("parallelism must be a whole number ≥ 1, not 0");
    expect(provider.starts).toEqual([]);
  });

  it("finishes the apply when a renderer throws, then raises the renderer's error", async () => {
    const clock = new FakeClock();
    const provider = new FakeProvider(clock);
    const broken = new Error("write EPIPE");
    const sink = { emit: () => { throw broken; } };
    const failure = await clock.run(applyPlan(fakePlan([{ address: "lab/a" }, { address: "lab/b", dependsOn: ["lab/a"] }]), provider, { clock, sink })).catch((e: unknown) => e);
    expect(hasErrorCode(failure, "EVENT_SINK")).toBe(true);
    expect((failure as Error).cause).toBe(broken);
    expect(provider.starts).toEqual(["lab/a", "lab/b"]);
  });

  it("follows 1,000 changes in flight with one poll call per tick", async () => {
    const changes = Array.from({ length: 1000 }, (_, i) => ({ address: `lab/vm-${String(i).padStart(4, "0")}` }));
    const { clock, provider, result } = run(changes, () => ({ ticks: 5, states: ["PENDING", "PROLOG", "BOOT"] }), { parallelism: 1000 });
    const t0 = clock.now();
    const r = await result;
    expect(r.counts.done).toBe(1000);
    expect(provider.maxInFlight).toBe(1000);
    expect(provider.pollCalls).toBe(5);
    expect(provider.polls.every((p) => p.addresses.length === 1000)).toBe(true);
    expect(provider.pollCalls / ((clock.now() - t0) / 1000)).toBeLessThanOrEqual(5);
  });

  it("fails a change whose start returned an operation for another address", async () => {
    const clock = new FakeClock();
    const inner = new FakeProvider(clock);
    const provider = {
      start: async (change: Parameters<FakeProvider["start"]>[0]) => ({ ...(await inner.start(change, undefined)), address: "lab/other" }),
      poll: (ops: Parameters<FakeProvider["poll"]>[0]) => inner.poll(ops),
      readOwnership: (kind: string, id: string) => inner.readOwnership(kind, id),
    };
    const r = await clock.run(applyPlan(fakePlan([{ address: "lab/vm" }]), provider, { clock }));
    expect(r.errors[0]).toMatchObject({ address: "lab/vm", code: "PROVIDER_CONTRACT", message: "the provider's start returned an operation for lab/other" });
  });

  it("adopts an imported object only while it carries no tag: its tag written first, nothing else called", async () => {
    const plan = fakePlan([
      { address: "lab/adopted", action: "update", id: "10", importId: "10" },
      { address: "lab/taken", action: "update", id: "11", importId: "11" },
      { address: "lab/resumed", action: "update", id: "12", importId: "12" },
    ]);
    const clock = new FakeClock();
    const provider = new FakeProvider(clock);
    provider.ownership.set("10", { state: "untagged" });
    provider.ownership.set("11", { state: "tagged", tag: { stack: "prod", address: "prod/db", kind: "VirtualMachine" } });
    // An apply that stopped after the tag was written finds it there and goes on.
    provider.ownership.set("12", { state: "tagged", tag: { stack: "lab", address: "lab/resumed", kind: "VirtualMachine" } });
    const r = await clock.run(applyPlan(plan, provider, { clock }));
    expect(provider.retags.sort()).toEqual(["VirtualMachine#10 (none) → lab/adopted", "VirtualMachine#12 (none) → lab/resumed"]);
    expect(provider.starts).toEqual([]);
    expect(r.errors.map((e) => `${e.address} ${e.code}: ${e.message}`)).toEqual([
      'lab/taken NOT_OWNED: the live VirtualMachine id=11 to import carries the tag of VirtualMachine prod/db in stack "prod" now: an object a stack owns is never adopted; it is left alone; nothing was changed. Plan again',
    ]);
  });

  it("reads the ownership tag of every existing object it changes or deletes, and touches only the stack's own", async () => {
    const plan = fakePlan([
      { address: "lab/create" },
      { address: "lab/update", action: "update", id: "1" },
      { address: "lab/untagged", action: "delete", id: "2" },
      { address: "lab/elsewhere", action: "update", id: "3" },
      { address: "lab/moved", action: "delete", id: "4" },
      { address: "lab/img~replaced-5", kind: "Image", action: "delete", id: "5" },
      { address: "lab/gone", action: "delete", id: "6" },
      { address: "lab/vanished", action: "update", id: "7" },
      { address: "lab/user", action: "update", id: "8", dependsOn: ["lab/untagged"] },
    ]);
    const clock = new FakeClock();
    const provider = new FakeProvider(clock);
    const sink = new RecordingSink();
    provider.ownership.set("2", { state: "untagged" });
    provider.ownership.set("3", { state: "tagged", tag: { stack: "prod", address: "lab/elsewhere", kind: "VirtualMachine" } });
    provider.ownership.set("4", { state: "tagged", tag: { stack: "lab", address: "lab/other", kind: "VirtualMachine" } });
    provider.ownership.set("5", { state: "tagged", tag: { stack: "lab", address: "lab/img", kind: "Image" } });
    provider.ownership.set("6", { state: "gone" });
    provider.ownership.set("7", { state: "gone" });
    const r = await clock.run(applyPlan(plan, provider, { clock, sink, random: () => 0.5 }));
    expect([...provider.ownershipReads].sort()).toEqual(["Image#5", "VirtualMachine#1", "VirtualMachine#2", "VirtualMachine#3", "VirtualMachine#4", "VirtualMachine#6", "VirtualMachine#7"]);
    expect([...provider.starts].sort()).toEqual(["lab/create", "lab/gone", "lab/img~replaced-5", "lab/update"]);
    expect(r.errors.map((e) => `${e.address} ${e.code}: ${e.message}`)).toEqual([
      'lab/untagged NOT_OWNED: the live VirtualMachine id=2 carries no hyperplan ownership tag, so it is not stack "lab"\'s: it is left alone; nothing was changed. Plan again',
      'lab/elsewhere NOT_OWNED: the live VirtualMachine id=3 carries the tag of VirtualMachine lab/elsewhere in stack "prod", not of VirtualMachine lab/elsewhere in stack "lab": it is left alone; nothing was changed. Plan again',
      'lab/moved NOT_OWNED: the live VirtualMachine id=4 carries the tag of VirtualMachine lab/other in stack "lab", not of VirtualMachine lab/moved in stack "lab": it is left alone; nothing was changed. Plan again',
      "lab/vanished NOT_OWNED: the live VirtualMachine id=7 no longer exists; it is left alone; nothing was changed. Plan again",
    ]);
    expect(r.changes.find((c) => c.address === "lab/user")).toMatchObject({ outcome: "skipped", because: "lab/untagged failed" });
  });

  it("applies an empty plan at once", async () => {
    const { provider, sink, result } = run([]);
    const r = await result;
    expect(r).toMatchObject({ ok: true, counts: { total: 0, done: 0, failed: 0, skipped: 0, interrupted: 0 }, durationMs: 0 });
    expect(brief(sink)).toEqual(["started 0", "finished 0/0/0/0"]);
    expect(provider.pollCalls).toBe(0);
  });
});

describe("changeGraph", () => {
  it("builds edges from each change's dependsOn", () => {
    const g = changeGraph(fakePlan([{ address: "lab/img" }, { address: "lab/vm", dependsOn: ["lab/img", "lab/elsewhere"] }]));
    expect(g.dependenciesOf("lab/vm")).toEqual(["lab/img"]);
  });
});

describe("describeFailure", () => {
  it("uses a hyperplan error's code and summary with the backend's detail, and a plain error's own code", () => {
    expect(describeFailure(permanentError())).toEqual({ code: "AUTHENTICATION", message: "[one.vmpool.infoset] User couldn't be authenticated, aborting call." });
    expect(describeFailure(new Error("boom"))).toEqual({ code: "PROVIDER_ERROR", message: "boom" });
    expect(describeFailure("text")).toEqual({ code: "PROVIDER_ERROR", message: "text" });
  });

  describe("a replacement in two phases (finishAfter)", () => {
    const twoPhase = (): Plan => {
      const plan = fakePlan([
        { address: "lab/net", kind: "VirtualNetwork", action: "replace", id: "1" },
        { address: "lab/vm", action: "update", id: "2", dependsOn: ["lab/net"] },
        { address: "lab/other", action: "update", id: "3" },
      ]);
      plan.changes[0] = { ...plan.changes[0]!, finishAfter: ["lab/vm"] };
      return plan;
    };

    it("creates the new object, lets its users move, then finishes the old one; reports the change once", async () => {
      const { provider, sink, result } = run(twoPhase());
      const r = await result;
      expect(r.ok).toBe(true);
      expect(provider.starts.filter((s) => s !== "lab/other")).toEqual(["lab/net#create", "lab/vm", "lab/net#finish"]);
      expect(brief(sink).filter((e) => e.startsWith("start ") || e.startsWith("done "))).toEqual(
        expect.arrayContaining(["start lab/net", "done lab/net", "start lab/vm", "done lab/vm"]),
      );
      expect(brief(sink).filter((e) => e === "start lab/net" || e === "done lab/net")).toHaveLength(2);
      // The second phase is shown when it starts, after the user moved and before the change is done.
      const events = brief(sink);
      expect(events).toContain("phase 2/2 lab/net after lab/vm");
      expect(events.indexOf("phase 2/2 lab/net after lab/vm")).toBeGreaterThan(events.indexOf("done lab/vm"));
      expect(events.indexOf("phase 2/2 lab/net after lab/vm")).toBeLessThan(events.indexOf("done lab/net"));
      expect(r.counts).toEqual({ total: 3, done: 3, failed: 0, skipped: 0, interrupted: 0 });
      expect(changeGraph(twoPhase()).dependenciesOf("lab/net#finish")).toEqual(["lab/net", "lab/vm"]);
    });

    it("keeps the old object when a user fails to move, and says why", async () => {
      const { provider, result } = run(twoPhase(), (c) => (c.address === "lab/vm" ? { fail: { message: "attach refused" } } : {}));
      const r = await result;
      expect(provider.starts).not.toContain("lab/net#finish");
      const net = r.changes.find((c) => c.address === "lab/net")!;
      expect(net.outcome).toBe("skipped");
      expect(net.because).toContain("lab/vm failed");
      expect(net.because).toContain("the old one is kept");
    });
  });

  it("does not wait a poll for a change that finished within start", async () => {
    const { provider, clock, result } = run([{ address: "lab/sg", kind: "SecurityGroup" }, { address: "lab/vm", dependsOn: ["lab/sg"] }], {
      "lab/sg": { finishedAtStart: true, id: "7" },
    });
    const r = await result;
    expect(r.ok).toBe(true);
    expect(r.changes.find((c) => c.address === "lab/sg")).toMatchObject({ outcome: "done", id: "7", durationMs: 0 });
    expect(provider.polls.every((p) => !p.addresses.includes("lab/sg"))).toBe(true);
    expect(provider.timings.get("lab/vm")!.startedAt).toBe(provider.timings.get("lab/sg")!.startedAt);
    expect(clock.now()).toBeGreaterThan(0);
  });
});
