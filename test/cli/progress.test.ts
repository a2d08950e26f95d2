import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ApplyEvent } from "../../src/planner/events";
import { RecordingSink } from "../../src/planner/events";
import { applyPlan } from "../../src/planner/executor";
import type { ApplyOptions } from "../../src/planner/executor";
import type { Plan } from "../../src/core/plan";
import type { Clock } from "../../src/core/clock";
import type { DesiredState } from "../../src/resources/desired-state";
import { JsonProgress } from "../../src/cli/render/progress-json";
import { LinesProgress } from "../../src/cli/render/progress-lines";
import { chooseProgressMode, createProgressRenderer } from "../../src/cli/render/progress-renderer";
import type { RefreshTimer } from "../../src/cli/render/progress-tty";
import { TtyProgress } from "../../src/cli/render/progress-tty";
import type { FakeChange, FakeScript } from "../support/fake-provider";
import { FakeClock, FakeProvider, fakePlan, transientError } from "../support/fake-provider";
import { expectGolden } from "../resources/golden";

const GOLDEN_ROOT = dirname(fileURLToPath(import.meta.url));

/** A clock a replay moves by hand to each event's time. */
class ReplayClock implements Clock {
  constructor(public time = 0) {}
  now(): number {
    return this.time;
  }
  sleep(): Promise<void> {
    throw new Error("a replay never sleeps");
  }
}

/** Records a real apply of `changes` on the fake provider: the event stream all three views render. */
async function record(changes: FakeChange[] | Plan, scripts: Record<string, FakeScript>, options: Partial<ApplyOptions> & { pollErrors?: (Error | undefined)[]; abortAt?: number } = {}) {
  const clock = new FakeClock();
  const provider = new FakeProvider(clock, scripts);
  if (options.pollErrors) provider.failNextPolls(...options.pollErrors);
  const sink = new RecordingSink();
  const controller = new AbortController();
  const applying = applyPlan(Array.isArray(changes) ? fakePlan(changes) : changes, provider, { clock, sink, random: () => 0.5, signal: controller.signal, ...options });
  if (options.abortAt !== undefined) {
    await clock.advance(options.abortAt);
    controller.abort();
  }
  await clock.run(applying);
  return sink.events;
}

/** Feeds events to a TTY view the way the refresh timer would: a refresh every 100 ms between events. */
function renderTty(events: ApplyEvent[], options: { color?: boolean; columns?: number } = {}): string {
  let out = "";
  const clock = new ReplayClock(events[0]!.at);
  const view = new TtyProgress({ out: { write: (s: string) => (out += s) }, clock, refresh: false, color: options.color ?? false, ...(options.columns ? { columns: options.columns } : {}) });
  for (const event of events) {
    while (clock.time + 100 <= event.at) {
      clock.time += 100;
      view.refresh();
    }
    clock.time = event.at;
    view.emit(event);
  }
  view.close();
  return out;
}

function renderWith(make: (out: { write: (s: string) => unknown }) => { emit(e: ApplyEvent): void; close(): void }, events: ApplyEvent[]): string {
  let out = "";
  const view = make({ write: (s: string) => (out += s) });
  for (const event of events) view.emit(event);
  view.close();
  return out;
}

/** Golden text: ANSI escapes made visible, timestamps replaced (the TTY view shows durations instead). */
const visible = (text: string) => text.replace(/\x1b\[/g, "⎋[");
const normaliseLines = (text: string) => text.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /gm, "<time> ");
const normaliseJson = (text: string) => text.replace(/"at":"[^"]+"/g, '"at":"<time>"');

const desired = {
  formatVersion: 1,
  stack: "lab",
  resources: [],
  outputs: { "web-ip": { value: { ref: "lab/web-1", attr: "ip" } }, "db-ip": { value: { ref: "lab/db", attr: "ip" } } },
} as unknown as DesiredState;

const CASES: Record<string, () => Promise<ApplyEvent[]>> = {
  // A lab: the image fails and takes its VM down with it; the network, a VM with a resize and a web VM succeed.
  mixed: () =>
    record(
      [
        { address: "lab/disk", kind: "Image" },
        { address: "lab/net", kind: "VirtualNetwork" },
        { address: "lab/db", dependsOn: ["lab/disk", "lab/net"] },
        { address: "lab/web-1", dependsOn: ["lab/net"] },
        { address: "lab/app", action: "update", id: "12" },
      ],
      {
        "lab/disk": { ticks: 6, states: ["LOCKED"], fail: { message: "[one.image.allocate] Cannot copy image: no space left in datastore 1", code: "ACTION", state: "ERROR" } },
        "lab/net": { ticks: 2, states: ["INIT"], id: "3" },
        "lab/web-1": { ticks: 8, states: ["PENDING", "PENDING", "PROLOG", "BOOT", "BOOT", "BOOT", "BOOT"], steps: ["allocate", "wait RUNNING"], id: "42", outputs: { ip: "10.0.0.5" } },
        "lab/app": { ticks: 5, states: ["POWEROFF", "POWEROFF", "HOTPLUG_RESIZE", "BOOT"], steps: ["poweroff", "resize memory", "resume"] },
      },
      { desired, pollErrors: [undefined, transientError("read ECONNRESET")] },
    ),
  // A VM the scheduler cannot place: the timeout quotes its message.
  timeout: () =>
    record(
      [{ address: "lab/big", kind: "VirtualMachine" }, { address: "lab/small" }],
      {
        "lab/big": { stuck: true, states: ["PENDING"], detail: "Cannot dispatch VM: No host with enough capacity to deploy the VM", steps: ["allocate", "wait RUNNING"] },
        "lab/small": { ticks: 3, states: ["PROLOG", "BOOT"], id: "8" },
      },
      { timeouts: { VirtualMachine: 20_000 } },
    ),
  // A network replaced in two phases: the new one, the VM moves to it, then the old one goes.
  "two-phase": () => {
    const plan = fakePlan([
      { address: "lab/net", kind: "VirtualNetwork", action: "replace", id: "4" },
      { address: "lab/vm", action: "update", id: "9", dependsOn: ["lab/net"] },
    ]);
    plan.changes[0] = { ...plan.changes[0]!, finishAfter: ["lab/vm"] };
    return record(plan, {
      "lab/net": { ticks: 2, states: ["LOCK_CREATE"], steps: ["allocate", "wait READY"] },
      "lab/vm": { ticks: 2, states: ["HOTPLUG_NIC"], steps: ["attach NIC #1", "wait RUNNING", "detach NIC 0", "wait RUNNING"] },
    });
  },
  // Ctrl-C while two VMs boot: they are interrupted, the rest is skipped.
  interrupted: () =>
    record(
      [{ address: "lab/a" }, { address: "lab/b" }, { address: "lab/c", dependsOn: ["lab/a"] }, { address: "lab/d" }],
      { "lab/a": { stuck: true, states: ["PROLOG", "BOOT"] }, "lab/b": { stuck: true, states: ["PENDING"] } },
      { parallelism: 2, abortAt: 2_500 },
    ),
};

describe("progress views", () => {
  for (const [name, make] of Object.entries(CASES)) {
    it(`render the ${name} apply from one event stream`, async () => {
      const events = await make();
      expectGolden(GOLDEN_ROOT, `progress/${name}`, {
        "tty.txt": visible(renderTty(events)),
        "lines.txt": normaliseLines(renderWith((out) => new LinesProgress(out), events)),
        "events.ndjson": normaliseJson(renderWith((out) => new JsonProgress(out), events)),
      });
    });
  }

  it("prints CI lines with a UTC timestamp to the second, the address and the backend state", async () => {
    const events = await record([{ address: "lab/web-1" }], { "lab/web-1": { ticks: 7, states: ["PENDING", "PENDING", "PENDING", "PENDING", "BOOT"] } });
    const text = renderWith((out) => new LinesProgress(out), events);
    expect(text).toContain("2026-11-24T10:00:01Z lab/web-1  BOOT\n");
    expect(text.split("\n")[0]).toBe("2026-11-24T10:00:00Z apply lab: 1 change, up to 10 at a time");
  });

  it("writes one parseable JSON event per line, in the order of the stream", async () => {
    const events = (await CASES.mixed!());
    const text = renderWith((out) => new JsonProgress(out), events);
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(events.length);
    const parsed = lines.map((l) => JSON.parse(l) as { type: string; at: string });
    expect(parsed.map((p) => p.type)).toEqual(events.map((e) => e.type));
    expect(parsed[0]!.at).toBe("2026-11-24T10:00:00.000Z");
  });

  it("redraws the TTY block at most every 100 ms, folding the events in between", () => {
    let writes = 0;
    const clock = new ReplayClock(0);
    const view = new TtyProgress({ out: { write: () => writes++ }, clock, refresh: false, color: false });
    view.emit({ type: "apply-started", at: 0, stack: "lab", total: 50, parallelism: 50 });
    for (let i = 0; i < 50; i++) {
      clock.time = i; // 50 events within 50 ms
      view.emit({ type: "change-started", at: i, address: `lab/vm-${i}`, kind: "VirtualMachine", action: "create", steps: ["allocate"] });
    }
    expect(writes).toBe(1);
    clock.time = 60;
    view.refresh();
    expect(writes).toBe(1);
    clock.time = 100;
    view.refresh();
    expect(writes).toBe(2);
    view.refresh();
    expect(writes).toBe(2);
    // A whole second later the elapsed times move: one redraw though nothing happened.
    clock.time = 1000;
    view.refresh();
    expect(writes).toBe(3);
    view.close();
  });

  it("lists at most maxRunningRows running objects and counts the rest", () => {
    let out = "";
    const clock = new ReplayClock(0);
    const view = new TtyProgress({ out: { write: (s: string) => (out += s) }, clock, refresh: false, color: false, maxRunningRows: 3 });
    view.emit({ type: "apply-started", at: 0, stack: "lab", total: 8, parallelism: 10 });
    for (let i = 0; i < 8; i++) view.emit({ type: "change-started", at: 0, address: `lab/vm-${i}`, kind: "VirtualMachine", action: "create", steps: ["allocate"] });
    view.close();
    expect(out).toContain("lab/vm-2");
    expect(out).not.toContain("lab/vm-3");
    expect(out).toContain("  … and 5 more running\n");
    expect(out).toContain("[------------------------] 0/8  running 8  waiting 0  done 0  failed 0  skipped 0  0s\n");
  });

  it("cuts TTY lines to the terminal width, colour codes not counted, so the redraw stays aligned", async () => {
    const events = await CASES.timeout!();
    const text = renderTty(events, { color: true, columns: 40 });
    const lines = text.replace(/\x1b\[\d+A\r\x1b\[J/g, "").split("\n").filter((l) => l !== "");
    for (const line of lines) expect([...line.replace(/\x1b\[[0-9;]*m/g, "")].length).toBeLessThanOrEqual(39);
    expect(lines.some((l) => l.endsWith("…\x1b[0m"))).toBe(true);
    expect(text).toContain("\x1b[32m✓\x1b[0m lab/small");
  });

  it("starts the refresh timer and stops it when the apply finishes", () => {
    const calls: string[] = [];
    let tick: (() => void) | undefined;
    const timer: RefreshTimer = {
      start: (callback, everyMs) => {
        calls.push(`start ${everyMs}`);
        tick = callback;
        return () => calls.push("stop");
      },
    };
    let out = "";
    const clock = new ReplayClock(0);
    const view = createProgressRenderer("tty", { out: { write: (s: string) => (out += s) }, clock, refresh: timer, color: false });
    view.emit({ type: "apply-started", at: 0, stack: "lab", total: 1, parallelism: 1 });
    view.emit({ type: "change-started", at: 0, address: "lab/vm", kind: "VirtualMachine", action: "create", steps: ["allocate"] });
    clock.time = 3000;
    tick!();
    expect(out).toContain("  lab/vm  allocate     3s");
    view.emit({ type: "apply-finished", at: 3000, done: 0, failed: 0, skipped: 0, interrupted: 0, durationMs: 3000 });
    view.close();
    expect(calls).toEqual(["start 100", "stop"]);
  });

  it("picks the view from the options: --json, a terminal, or lines", () => {
    expect(chooseProgressMode({ json: true, isTTY: true })).toBe("json");
    expect(chooseProgressMode({ isTTY: true })).toBe("tty");
    expect(chooseProgressMode({ isTTY: true, env: { TERM: "dumb" } })).toBe("lines");
    expect(chooseProgressMode({ isTTY: false })).toBe("lines");
    expect(chooseProgressMode({})).toBe("lines");
    const clock = new ReplayClock(0);
    const out = { write: () => true };
    expect(createProgressRenderer("json", { out, clock })).toBeInstanceOf(JsonProgress);
    expect(createProgressRenderer("lines", { out, clock })).toBeInstanceOf(LinesProgress);
    const tty = createProgressRenderer("tty", { out, clock, refresh: false });
    expect(tty).toBeInstanceOf(TtyProgress);
    tty.close();
  });
});

describe("progress wording", () => {
  it("prints durations as a person reads them", async () => {
    const { formatDuration, formatEventTime } = await import("../../src/planner/events");
    expect([0, 850, 1000, 12_400, 59_999, 65_000, 3_600_000 + 3 * 60_000].map(formatDuration)).toEqual(["0ms", "850ms", "1s", "12s", "59s", "1m05s", "1h03m"]);
    expect(formatEventTime(Date.UTC(2026, 10, 24, 10, 0, 1, 999))).toBe("2026-11-24T10:00:01Z");
  });
});
