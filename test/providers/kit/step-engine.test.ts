/**
 * The kit's step engine against a toy cloud written here: objects with a power state, tasks that an
 * asynchronous call starts and that finish later. The driver is what a backend would write; the
 * engine must know nothing of it but the StepDriver contract.
 */
import { describe, expect, it } from "vitest";
import { HyperplanError } from "../../../src/errors";
import type { Operation, OperationStatus } from "../../../src/core/operation";
import { StepEngine, type KitStep, type StepDriver } from "../../../src/providers/kit/step-engine";

type Call = { method: string; fail?: string };
type Until = "on" | "off" | "success";
type Step = KitStep<Call, Until>;

class ToyCloud {
  readonly objects = new Map<string, { power: "on" | "off" | "broken" }>();
  readonly tasks = new Map<string, { status: "pending" | "success" | "failure"; error?: string; result?: string }>();
  readonly calls: string[] = [];
  looks = 0;
  private next = 1;

  create(): string {
    const id = String(this.next++);
    this.objects.set(id, { power: "off" });
    return id;
  }

  startTask(result?: string): string {
    const ref = `task-${this.next++}`;
    this.tasks.set(ref, { status: "pending", ...(result !== undefined ? { result } : {}) });
    return ref;
  }
}

function driver(cloud: ToyCloud, options: { handles?: boolean } = {}): StepDriver<Call, Until, ToyCloud> {
  const d: StepDriver<Call, Until, ToyCloud> = {
    async call(op, step) {
      cloud.calls.push(`${step.method} ${op.id ?? "-"}`);
      if (step.fail) throw new HyperplanError("TOY", step.fail);
      const object = cloud.objects.get(op.id!);
      if (step.method === "start" && object) object.power = "on";
      if (step.method === "stop" && object) object.power = "off";
    },
    async allocate(_op, step) {
      cloud.calls.push(step.method);
      return cloud.create();
    },
    async look() {
      cloud.looks++;
      return cloud;
    },
    arrival(op, step, looked) {
      if (step.on === "handle") {
        const task = looked.tasks.get(op.data.handle as string)!;
        if (task.status === "failure") return { phase: "failed", state: "task failed", error: new HyperplanError("TOY_TASK", task.error ?? "failed") };
        return task.status === "success" ? { phase: "arrived" } : { phase: "running", state: "task pending" };
      }
      const power = looked.objects.get(op.id!)?.power;
      if (power === "broken") return { phase: "failed", state: "BROKEN", error: new HyperplanError("TOY_BROKEN", "the object broke") };
      return power === step.until ? { phase: "arrived" } : { phase: "running", state: power ?? "gone" };
    },
    done: (op): OperationStatus => ({ address: op.address, phase: "done", state: "done", ...(op.id !== undefined ? { id: op.id } : {}) }),
    failure: (address, summary) => new HyperplanError("TOY_CHANGE", summary, { address }),
    describe: (error) => (error as Error).message,
    restored: "the object was started again, as it was before the change",
  };
  if (options.handles !== false) {
    d.handle = async (op, step) => {
      cloud.calls.push(`${step.method} ${op.id ?? "-"}`);
      return cloud.startTask();
    };
  }
  return d;
}

function operation(address: string, plan: Step[], id?: string): Operation {
  return { address, kind: "Toy", action: id ? "update" : "create", ...(id ? { id } : {}), steps: plan.map((s) => s.label), step: 0, startedAt: 0, data: { plan } };
}

const call = (method: string, extra: Partial<Call> & { endsCycle?: true } = {}): Step => ({ type: "call", label: method, method, ...extra });
const wait = (until: Until, extra: { on?: "id" | "handle"; restore?: Step[] } = {}): Step => ({ type: "wait", label: `wait ${until}`, until, on: extra.on ?? "id", ...(extra.restore ? { restore: extra.restore } : {}) });

describe("the step engine", () => {
  it("runs to the first wait, then moves on when one batched look finds the object there", async () => {
    const cloud = new ToyCloud();
    const engine = new StepEngine(driver(cloud));
    const ops = ["a", "b", "c"].map((name) => operation(`lab/${name}`, [{ type: "allocate", label: "create", method: "create" }, wait("on"), call("tag")]));
    for (const op of ops) expect((await engine.run(op)).phase).toBe("running");
    expect(cloud.calls).toEqual(["create", "create", "create"]);
    expect((await engine.poll(ops)).map((s) => s.phase)).toEqual(["running", "running", "running"]);
    expect(cloud.looks).toBe(1);
    cloud.objects.get(ops[1]!.id!)!.power = "on";
    expect((await engine.poll(ops)).map((s) => s.phase)).toEqual(["running", "done", "running"]);
    expect(cloud.looks).toBe(2);
    expect(cloud.calls.slice(3)).toEqual([`tag ${ops[1]!.id}`]);
  });

  it("follows the handle an asynchronous call returns, and takes the task's failure as the change's", async () => {
    const cloud = new ToyCloud();
    const engine = new StepEngine(driver(cloud));
    const id = cloud.create();
    const ok = operation("lab/ok", [{ type: "handle", label: "clone", method: "clone" }, wait("success", { on: "handle" }), call("start")], id);
    const bad = operation("lab/bad", [{ type: "handle", label: "clone", method: "clone" }, wait("success", { on: "handle" }), call("start")], id);
    await engine.run(ok);
    await engine.run(bad);
    const [okTask, badTask] = [ok.data.handle as string, bad.data.handle as string];
    expect(okTask).not.toBe(badTask);
    expect((await engine.poll([ok, bad])).map((s) => s.phase)).toEqual(["running", "running"]);
    cloud.tasks.get(okTask)!.status = "success";
    Object.assign(cloud.tasks.get(badTask)!, { status: "failure", error: "SR_FULL: the storage is full" });
    const [okStatus, badStatus] = await engine.poll([ok, bad]);
    expect(okStatus!.phase).toBe("done");
    expect(badStatus).toMatchObject({ phase: "failed", state: "task failed" });
    expect((badStatus as { error: Error }).error.message).toContain("SR_FULL: the storage is full");
    expect(cloud.calls.filter((c) => c.startsWith("start"))).toEqual([`start ${id}`]);
  });

  it("refuses a handle step on a backend that makes no asynchronous calls, naming the address", async () => {
    const engine = new StepEngine(driver(new ToyCloud(), { handles: false }));
    await expect(engine.run(operation("lab/x", [{ type: "handle", label: "clone", method: "clone" }]))).rejects.toMatchObject({ address: "lab/x" });
  });

  it("brings a power-cycled object back when the change fails in the middle, and says so", async () => {
    const cloud = new ToyCloud();
    const engine = new StepEngine(driver(cloud));
    const id = cloud.create();
    cloud.objects.get(id)!.power = "on";
    const op = operation("lab/vm", [call("stop"), wait("off", { restore: [call("start", { endsCycle: true })] }), call("resize", { fail: "no room on the host" }), call("start", { endsCycle: true })], id);
    await engine.run(op);
    const [status] = await engine.poll([op]);
    expect(cloud.calls).toEqual([`stop ${id}`, `resize ${id}`, `start ${id}`]);
    expect(status).toMatchObject({ phase: "failed", address: "lab/vm" });
    expect((status as { error: Error }).error.message).toBe("lab/vm: no room on the host; the object was started again, as it was before the change");
    expect(cloud.objects.get(id)!.power).toBe("on");
  });

  it("does not restore after the cycle ended, and says when bringing back failed too", async () => {
    const cloud = new ToyCloud();
    const engine = new StepEngine(driver(cloud));
    const id = cloud.create();
    const ended = operation("lab/ended", [call("stop"), wait("off", { restore: [call("start", { endsCycle: true })] }), call("start", { endsCycle: true }), call("label", { fail: "label refused" })], id);
    await engine.run(ended);
    const [afterCycle] = await engine.poll([ended]);
    expect((afterCycle as { error: Error }).error.message).toBe("label refused");
    expect(cloud.calls.filter((c) => c.startsWith("start"))).toHaveLength(1);

    const broken = operation("lab/broken", [call("stop"), wait("off", { restore: [call("start", { endsCycle: true, fail: "cannot start" })] }), call("resize", { fail: "no room" })], id);
    await engine.run(broken);
    const [status] = await engine.poll([broken]);
    expect((status as { error: Error }).error.message).toMatch(/^lab\/broken: no room; bringing it back failed too, so it is left as it is/);
  });
});
