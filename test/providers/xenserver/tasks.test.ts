import { afterEach, describe, expect, it } from "vitest";
import { XenApiClient, XenApiError, XenClientClosedError, XenProtocolError, decodeTaskResult, type Ref, type XenTransportKind } from "../../../src/providers/xenserver/index";
import { date, float, i4, startFakeXapi, type FakeXapi, type XapiDatum, type XapiRoute } from "../../support/xapi-wire";
import { REF, taskRaw } from "./fixtures";

const SESSION = "OpaqueRef:5e55104e-0000-4000-8000-000000000001";
const LOGIN = "session.login_with_password";
const NEW_VM = "OpaqueRef:0b6f5c1e-vm00-0000-0000-0000000000aa";
const TASK = [REF.task, "OpaqueRef:ab9c8b7a-task-0000-0000-000000000002", "OpaqueRef:ab9c8b7a-task-0000-0000-000000000003"] as const;

const fakes: FakeXapi[] = [];
const clients: XenApiClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const f of fakes.splice(0)) await f.close();
});

async function setUp(routes: Record<string, XapiRoute>, transport: XenTransportKind, options: { warnings?: string[] } = {}): Promise<{ f: FakeXapi; c: XenApiClient }> {
  const f = await startFakeXapi({ [LOGIN]: { value: SESSION }, "session.logout": { value: "" }, "task.destroy": { value: "" }, ...routes });
  fakes.push(f);
  const c = new XenApiClient({ url: f.url, username: "root", password: "pw", transport, taskPollIntervalMs: 1, ...(options.warnings ? { onWarning: (m: string) => options.warnings!.push(m) } : {}) });
  clients.push(c);
  return { f, c };
}

/** A task as event.from shows it: pending, or finished with xapi's result text or error_info. */
function pending(name = "Async.VM.clone"): Record<string, XapiDatum> {
  return taskRaw({ name_label: name });
}
function succeeded(result: string, name = "Async.VM.clone"): Record<string, XapiDatum> {
  return taskRaw({ name_label: name, status: "success", progress: float(1), finished: date("20260412T08:15:04Z"), result });
}
function failed(errorInfo: string[], status: "failure" | "cancelled" = "failure"): Record<string, XapiDatum> {
  return taskRaw({ status, progress: float(1), finished: date("20260412T08:15:04Z"), error_info: errorInfo });
}

let eventId = 0;
/** One event.from answer: `{events, valid_ref_counts, token}` with lowercase classes (FACTS §1.9). */
function events(token: number, ...changes: [operation: "add" | "mod" | "del", ref: string, snapshot?: Record<string, XapiDatum>][]): { value: XapiDatum } {
  return {
    value: {
      events: changes.map(([operation, ref, snapshot]) => ({
        id: String(++eventId),
        timestamp: "0.0",
        class: "task",
        operation,
        ref,
        ...(snapshot ? { snapshot } : {}),
      })),
      valid_ref_counts: { task: i4(changes.length) },
      token: `${String(token).padStart(20, "0")},00000000000000000001`,
    },
  };
}
const token = (n: number) => `${String(n).padStart(20, "0")},00000000000000000001`;

const WIRES: XenTransportKind[] = ["json-rpc", "xml-rpc"];

describe.each(WIRES)("asynchronous calls over %s", (wire) => {
  it("calls Async.<method>, follows the task through event.from, destroys it and gives the ref it returned", async () => {
    const { f, c } = await setUp(
      {
        "Async.VM.clone": { value: REF.task },
        "event.from": [events(10, ["add", REF.task, pending()]), events(11, ["mod", REF.task, succeeded(`<value>${NEW_VM}</value>`)])],
      },
      wire,
    );
    expect(await c.callAsyncRef("VM.clone", REF.template, "web-2")).toBe(NEW_VM);
    expect(f.requests.map((r) => [r.method, r.params])).toEqual([
      [LOGIN, ["root", "pw", "2.3", "hyperplan"]],
      ["Async.VM.clone", [SESSION, REF.template, "web-2"]],
      ["event.from", [SESSION, ["task"], "", 30]],
      ["event.from", [SESSION, ["task"], token(10), 30]],
      ["task.destroy", [SESSION, REF.task]],
    ]);
    // The timeout is xapi's float: a <double> in XML-RPC.
    if (wire === "xml-rpc") expect(f.requests[2]!.body).toContain("<double>30</double>");
    // In JSON a whole float keeps its decimal point, so it reads as a float, not an int.
    else expect(f.requests[2]!.body).toContain('["task"],"",30.0]');
    expect(c.tasks.mode).toBe("events");
  });

  it("gives '' for a void call, whose task result is <value></value>", async () => {
    const { c } = await setUp({ "Async.VM.start": { value: REF.task }, "event.from": events(10, ["mod", REF.task, succeeded("<value></value>", "Async.VM.start")]) }, wire);
    expect(await c.callAsync("VM.start", REF.vm, false, false)).toBe("");
  });

  it("turns a failed task's error_info into a XenApiError, and still destroys the task", async () => {
    const { f, c } = await setUp({ "Async.VM.start": { value: REF.task }, "event.from": events(10, ["mod", REF.task, failed(["VM_BAD_POWER_STATE", REF.vm, "halted", "running"])]) }, wire);
    const error = (await c.callAsync("VM.start", REF.vm, false, false).catch((e: unknown) => e)) as XenApiError;
    expect(error).toBeInstanceOf(XenApiError);
    expect([error.code, error.params, error.method, error.task, error.transient]).toEqual(["VM_BAD_POWER_STATE", [REF.vm, "halted", "running"], "VM.start", REF.task, false]);
    expect(f.methods().at(-1)).toBe("task.destroy");
  });

  it("rejects a cancelled task with TASK_CANCELLED", async () => {
    const { c } = await setUp({ "Async.VM.clone": { value: REF.task }, "event.from": events(10, ["mod", REF.task, failed(["TASK_CANCELLED", REF.task], "cancelled")]) }, wire);
    const error = (await c.callAsync("VM.clone", REF.template, "x").catch((e: unknown) => e)) as XenApiError;
    expect([error.code, error.params, error.task]).toEqual(["TASK_CANCELLED", [REF.task], REF.task]);
  });

  it("says a cancelled task is TASK_CANCELLED even when its error_info is empty", async () => {
    const { c } = await setUp({ "Async.VM.clone": { value: REF.task }, "event.from": events(10, ["mod", REF.task, failed([], "cancelled")]) }, wire);
    const error = (await c.callAsync("VM.clone", REF.template, "x").catch((e: unknown) => e)) as XenApiError;
    expect([error.code, error.params]).toEqual(["TASK_CANCELLED", [REF.task]]);
  });

  it("throws an Async call refused before any task exists as from call(), without following anything", async () => {
    const { f, c } = await setUp({ "Async.VM.clone": { failure: ["HANDLE_INVALID", "VM", "OpaqueRef:nope"] } }, wire);
    const error = (await c.callAsync("VM.clone", "OpaqueRef:nope", "x").catch((e: unknown) => e)) as XenApiError;
    expect([error.code, error.method]).toEqual(["HANDLE_INVALID", "Async.VM.clone"]);
    expect(f.methods()).toEqual([LOGIN, "Async.VM.clone"]);
  });

  it("falls back to task.get_record where event.from is unknown (MESSAGE_METHOD_UNKNOWN)", async () => {
    const { f, c } = await setUp(
      {
        "Async.VM.clone": { value: REF.task },
        "task.get_record": [{ value: pending() }, { value: pending() }, { value: succeeded(`<value>${NEW_VM}</value>`) }],
      },
      wire,
    );
    expect(await c.callAsync("VM.clone", REF.template, "web-2")).toBe(NEW_VM);
    expect(c.tasks.mode).toBe("poll");
    expect(f.methods()).toEqual([LOGIN, "Async.VM.clone", "event.from", "task.get_record", "task.get_record", "task.get_record", "task.destroy"]);
    expect(f.requests.filter((r) => r.method === "task.get_record").map((r) => r.params)).toEqual([
      [SESSION, REF.task],
      [SESSION, REF.task],
      [SESSION, REF.task],
    ]);
  });
});

describe("the task watcher", () => {
  it("follows many tasks with one event.from loop: two calls for three tasks", async () => {
    const { f, c } = await setUp(
      {
        "Async.VM.clone": [{ value: TASK[0] }, { value: TASK[1] }, { value: TASK[2] }],
        "event.from": [
          events(10, ["add", TASK[0], pending()], ["add", TASK[1], pending("Async.VM.start")], ["add", TASK[2], pending()]),
          events(
            11,
            ["mod", TASK[0], succeeded(`<value>${NEW_VM}</value>`)],
            ["mod", TASK[1], succeeded("<value></value>", "Async.VM.start")],
            ["mod", TASK[2], failed(["SR_FULL", "2199023255552", "1099511627776"])],
          ),
        ],
      },
      "json-rpc",
    );
    const refs: Ref<"task">[] = [];
    for (let i = 0; i < 3; i++) refs.push(await c.startAsync("VM.clone", REF.template, `web-${i}`));
    const outcomes = await Promise.allSettled(refs.map((t) => c.tasks.follow(t)));
    expect(outcomes.slice(0, 2)).toEqual([
      { status: "fulfilled", value: NEW_VM },
      { status: "fulfilled", value: "" },
    ]);
    const third = (outcomes[2] as PromiseRejectedResult).reason as XenApiError;
    // Without a method given, the task's own name_label names the call.
    expect([third.code, third.method, third.params]).toEqual(["SR_FULL", "Async.VM.clone", ["2199023255552", "1099511627776"]]);
    expect(f.methods().filter((m) => m === "event.from")).toHaveLength(2);
    expect(f.requests.filter((r) => r.method === "task.destroy").map((r) => r.params[1]).sort()).toEqual([...TASK].sort());
    expect(c.tasks.inFlight).toBe(0);
  });

  it("finds a task that finished before anyone followed it, without waiting for another event", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const { f, c } = await setUp(
      {
        "event.from": [
          events(10, ["add", TASK[0], pending()], ["add", TASK[1], succeeded(`<value>${NEW_VM}</value>`)]),
          { wait: held, then: events(11, ["mod", TASK[0], succeeded("<value></value>")]) },
        ],
      },
      "xml-rpc",
    );
    const first = c.tasks.follow(TASK[0]);
    while (f.methods().filter((m) => m === "event.from").length < 2) await new Promise((r) => setImmediate(r));
    // The second event.from is still waiting: the late follow is answered from what the first one showed.
    expect(await c.tasks.follow(TASK[1], "VM.clone")).toBe(NEW_VM);
    release();
    expect(await first).toBe("");
    expect(f.methods().filter((m) => m === "event.from")).toHaveLength(2);
  });

  it("starts again from a full snapshot when the server no longer reads its token", async () => {
    const { f, c } = await setUp(
      {
        "event.from": [
          events(10, ["add", TASK[0], pending()]),
          { failure: ["EVENT_FROM_TOKEN_PARSE_FAILURE", token(10)] },
          events(12, ["add", TASK[0], succeeded("<value></value>")]),
        ],
      },
      "json-rpc",
    );
    expect(await c.tasks.follow(TASK[0])).toBe("");
    expect(f.requests.filter((r) => r.method === "event.from").map((r) => r.params[2])).toEqual(["", token(10), ""]);
  });

  it("rejects a followed task destroyed before it finished", async () => {
    const { c } = await setUp({ "event.from": events(10, ["del", TASK[0]]) }, "json-rpc");
    expect(await c.tasks.follow(TASK[0]).catch((e: unknown) => e)).toBeInstanceOf(XenProtocolError);
  });

  it("rejects every follower with a failure of event.from that a retry cannot mend", async () => {
    const { c } = await setUp({ "event.from": { failure: ["EVENT_SUBSCRIPTION_PARSE_FAILURE", "task"] } }, "json-rpc");
    const outcomes = await Promise.allSettled([c.tasks.follow(TASK[0]), c.tasks.follow(TASK[1])]);
    expect(outcomes.map((o) => ((o as PromiseRejectedResult).reason as XenApiError).code)).toEqual(["EVENT_SUBSCRIPTION_PARSE_FAILURE", "EVENT_SUBSCRIPTION_PARSE_FAILURE"]);
  });

  it("tells onWarning of a task.destroy that failed and still gives the result", async () => {
    const warnings: string[] = [];
    const { c } = await setUp(
      { "task.destroy": { failure: ["OTHER_OPERATION_IN_PROGRESS", "task", TASK[0], "destroy", TASK[1]] }, "event.from": events(10, ["mod", TASK[0], succeeded("<value></value>")]) },
      "json-rpc",
      { warnings },
    );
    expect(await c.tasks.follow(TASK[0])).toBe("");
    expect(warnings).toEqual([expect.stringContaining(`task.destroy of ${TASK[0]} failed: task.destroy failed: OTHER_OPERATION_IN_PROGRESS`)]);
  });

  it("rejects the tasks it follows when the client closes (Ctrl-C), and logs out", async () => {
    const never = new Promise<void>(() => {});
    const { f, c } = await setUp({ "event.from": { wait: never, then: events(10) } }, "json-rpc");
    const followed = c.tasks.follow(TASK[0]).catch((e: unknown) => e);
    while (!f.methods().includes("event.from")) await new Promise((r) => setImmediate(r));
    await c.close();
    expect(await followed).toBeInstanceOf(XenClientClosedError);
    expect(f.methods()).toEqual([LOGIN, "event.from", "session.logout"]);
    expect(await c.tasks.follow(TASK[1]).catch((e: unknown) => e)).toBeInstanceOf(XenClientClosedError);
  });
});

describe("decodeTaskResult", () => {
  it("reads the XML-RPC text of a task's result", () => {
    expect(decodeTaskResult("VM.clone", `<value>${NEW_VM}</value>`)).toBe(NEW_VM);
    expect(decodeTaskResult("VM.start", "<value></value>")).toBe("");
    expect(decodeTaskResult("VM.start", "")).toBe("");
    expect(decodeTaskResult("VM.get_all", `<value><array><data><value>${NEW_VM}</value></data></array></value>`)).toEqual([NEW_VM]);
    expect(decodeTaskResult("VM.get_memory_target", "<value>4294967296</value>")).toBe("4294967296");
  });

  it("refuses a result that is not an XML-RPC value", () => {
    expect(() => decodeTaskResult("VM.clone", "OpaqueRef:bare")).toThrow(XenProtocolError);
    expect(() => decodeTaskResult("VM.clone", "<value><struct>")).toThrow(XenProtocolError);
  });
});

describe("the event.from loop's pace", () => {
  it("gathers the changes of many tasks into few answers: at most one event.from call per gap, however many tasks change", async () => {
    // Forty tasks, each finishing on its own answer if asked at once: one change per event.from answer.
    const refs = Array.from({ length: 40 }, (_, i) => `OpaqueRef:ab9c8b7a-task-0000-0000-${String(i).padStart(12, "0")}`);
    let next = 0;
    const started = Date.now();
    const f = await startFakeXapi({
      [LOGIN]: { value: SESSION },
      "session.logout": { value: "" },
      "task.destroy": { value: "" },
      "Async.VM.clone": refs.map((value) => ({ value })),
      // Every answer reports every task that "finished" by now (one per 10 ms since the start).
      "event.from": () => {
        const due = Math.min(refs.length, Math.floor((Date.now() - started) / 10) + 1);
        const changes = refs.slice(next, due).map((ref) => ["mod", ref, succeeded(`<value>${NEW_VM}</value>`)] as ["mod", string, Record<string, XapiDatum>]);
        next = Math.max(next, due);
        return events(100 + next, ...changes);
      },
    });
    fakes.push(f);
    const c = new XenApiClient({ url: f.url, username: "root", password: "pw", transport: "json-rpc", eventGapMs: 100 });
    clients.push(c);
    const tasks = await Promise.all(refs.map(() => c.startAsync("VM.clone", REF.template, "web")));
    const t0 = Date.now();
    await Promise.all(tasks.map((t) => c.tasks.follow(t)));
    const seconds = (Date.now() - t0) / 1000;
    const calls = f.methods().filter((m) => m === "event.from").length;
    // Without the gap every change would cost a call of its own (about forty); with it, one per 100 ms.
    expect(calls).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 2);
    expect(calls).toBeLessThan(refs.length / 2);
  });
});
