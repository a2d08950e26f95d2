/**
 * What the scenarios share, whatever the backend: a folder per test holding the lab's stack file,
 * hyperplan run in this process or in one of its own, the lab created once per fixture and copied
 * into each test that starts from it, and the plan's own words (summary line, events) every backend
 * prints alike.
 */
import { expect } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { simulatorStateFile } from "../../../src/cli/cloud";
import { parsePlan, type Plan } from "../../../src/core/plan";
import { runCli } from "../../support/cli-io";
import type { ApplyEvent, BackendFixture, CloudHand, Pace, PlanCounts } from "./fixture";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const BIN = join(ROOT, "bin", "hyperplan.mjs");

export type CliResult = { code: number; out: string; err: string };

/** The plan's summary line, as every backend's plan prints it. */
export function summaryLine(counts: PlanCounts): string {
  return `Plan: ${counts.create} to create, ${counts.update} to update, ${counts.replace} to replace, ${counts.delete} to delete.`;
}

/** The changes of a plan that do something, as `action address`. */
export function activeChanges(plan: Plan): string[] {
  return plan.changes.filter((c) => c.action !== "noop").map((c) => `${c.action} ${c.address}`);
}

export function idAt(plan: Plan, address: string): string | undefined {
  return plan.changes.find((c) => c.address === address)?.id;
}

/** A folder of its own with the lab's stack file in it. */
export function labFolder(fixture: BackendFixture, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `hyperplan-${fixture.name}-${prefix}-`));
  writeFileSync(join(dir, "lab.ts"), fixture.lab.source());
  return dir;
}

/**
 * The lab in a folder, planned and applied with `--simulate` (the simulator in hyperplan's process,
 * its world in `.hyperplan/` beside the stack file). A stack file is imported once per process, so
 * every edit is written to a file of its own beside `lab.ts`.
 */
export class SimulatedLab {
  constructor(
    readonly fixture: BackendFixture,
    readonly dir: string,
    readonly pace: Pace = "fast",
  ) {}

  run(...argv: string[]): Promise<CliResult> {
    return runCli([...argv, "--simulate"], { cwd: this.dir, env: { NO_COLOR: "1", ...this.fixture.simulate.env(this.pace) } });
  }

  async planJson(file = "lab.ts", ...extra: string[]): Promise<Plan> {
    const planned = await this.run("plan", file, "--json", ...extra);
    expect(planned.err).toBe("");
    return parsePlan(planned.out);
  }

  /** Writes the lab's source changed by `edit` to `<name>.ts`; returns the file name. */
  write(name: string, edit: (source: string) => string): string {
    const source = readFileSync(join(this.dir, "lab.ts"), "utf8");
    const edited = edit(source);
    expect(edited, `${name} changes nothing in the lab's source`).not.toBe(source);
    writeFileSync(join(this.dir, `${name}.ts`), edited);
    return `${name}.ts`;
  }

  /** Runs `body` against the simulator on this lab's world, in this process, then saves the world. */
  async withCloud<T>(body: (hand: CloudHand) => Promise<T>): Promise<T> {
    const cloud = await this.fixture.startHere({ dir: this.dir, stateFile: simulatorStateFile(join(this.dir, "lab.ts"), this.fixture.name), pace: this.pace });
    try {
      return await body(cloud.hand);
    } finally {
      await cloud.stop();
    }
  }

  owned(): Promise<string[]> {
    return this.withCloud((hand) => hand.owned());
  }
}

/** The lab as created, once per fixture: the from-empty apply's output and a folder to copy. */
export interface CreatedLab {
  applied: CliResult;
  /** A folder holding the stack file and the world right after the apply; never run in. */
  snapshot: string;
}

const created = new Map<string, Promise<CreatedLab>>();

/** Creates the lab from empty with `apply --simulate --auto-approve`, the first time it is asked for. */
export function createdLab(fixture: BackendFixture): Promise<CreatedLab> {
  let lab = created.get(fixture.name);
  if (!lab) {
    lab = (async () => {
      const from = new SimulatedLab(fixture, labFolder(fixture, "created"));
      const applied = await from.run("apply", "lab.ts", "--auto-approve");
      const snapshot = mkdtempSync(join(tmpdir(), `hyperplan-${fixture.name}-snapshot-`));
      cpSync(from.dir, snapshot, { recursive: true });
      return { applied, snapshot };
    })();
    created.set(fixture.name, lab);
  }
  return lab;
}

/** A folder of its own holding the lab as created (stack file and world), for one test to change. */
export async function labAsCreated(fixture: BackendFixture, prefix: string): Promise<SimulatedLab> {
  const { applied, snapshot } = await createdLab(fixture);
  expect(applied.code, `the lab was not created:\n${applied.out}${applied.err}`).toBe(0);
  const dir = mkdtempSync(join(tmpdir(), `hyperplan-${fixture.name}-${prefix}-`));
  cpSync(snapshot, dir, { recursive: true });
  return new SimulatedLab(fixture, dir);
}

/** Runs hyperplan in a process of its own, to its end. */
export function hyperplanProcess(argv: string[], options: { cwd: string; env: Record<string, string> }): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, ...argv], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, out, err })));
}

/**
 * Runs `apply --json` in a process of its own and kills it with SIGKILL as soon as `killWhen` says so.
 * A run that ends by itself with an error carries its stderr as a last pseudo-event.
 */
export function applyProcess(
  options: { cwd: string; env: Record<string, string>; args?: string[] },
  killWhen?: (event: ApplyEvent, seen: ApplyEvent[]) => boolean,
): Promise<{ pid: number; code: number | null; signal: NodeJS.Signals | null; events: ApplyEvent[] }> {
  const child = spawn(process.execPath, [BIN, "apply", "lab.ts", "--auto-approve", "--json", ...(options.args ?? [])], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const events: ApplyEvent[] = [];
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const event = JSON.parse(line) as ApplyEvent;
    events.push(event);
    if (killWhen?.(event, events) && child.exitCode === null) child.kill("SIGKILL");
  });
  return new Promise((resolve) =>
    child.once("exit", (code, signal) => {
      if (code !== 0 && signal === null) events.push({ type: `stderr: ${stderr}` } as unknown as ApplyEvent);
      resolve({ pid: child.pid!, code, signal, events });
    }),
  );
}

/** The events of an `apply --json` run in this process. */
export function events(result: CliResult): ApplyEvent[] {
  return result.out
    .trim()
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as ApplyEvent);
}

/**
 * Starts `hyperplan sim …` in a process of its own and resolves with its endpoint, read from the line
 * it prints once it listens (the first match of `endpoint`).
 */
export async function simulatorProcess(argv: string[], endpoint: RegExp): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [BIN, "sim", ...argv], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = endpoint.exec(line);
      if (m) resolve(m[1] ?? m[0]);
    });
    child.once("exit", (code) => reject(new Error(`hyperplan sim ${argv.join(" ")} exited with ${code}`)));
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
