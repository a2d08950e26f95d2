/**
 * Tasks (FACTS §1.8): an `Async.` call returns a task ref at once; the task is `pending` with its
 * progress moving, then `success` with `result` the XML-RPC `<value>` of the return value
 * (`<value>OpaqueRef:…</value>`, `<value></value>` for void, `ocaml/idl/ocaml_backend/
 * gen_server.ml` result marshaller) and progress 1, or `failure` with error_info `[code,
 * params…]`. task.cancel on a cancellable pending task makes it `cancelling`, then `cancelled`
 * with error_info `["TASK_CANCELLED", task]`, and its operation does not happen. Finished tasks
 * past 1,000 are destroyed oldest first, as xapi collects old tasks (usage.md, "Using Tasks").
 */
import type { Stored } from "./datamodel.js";
import { asApiFailure, fail } from "./failure.js";
import { STRING, VOID, p, refOf, type CallContext, type Method, type MethodTable } from "./methods.js";
import { taskRecord } from "./records.js";
import { joinPieces, resultXml, type ResultType } from "./render.js";
import type { PendingOperation, Row, World } from "./world.js";

/** Finished tasks kept before the oldest are collected. */
export const FINISHED_TASKS_KEPT = 1_000;

export function createTask(world: World, label: string, description: string, cancellable: boolean): Row {
  return world.insert("task", taskRecord(world, label, description, cancellable));
}

/** The string a task's `result` holds: the value as an xapi-style XML-RPC `<value>`. */
export function taskResultText(type: ResultType, value: unknown): string {
  return joinPieces(resultXml(type, value));
}

function collectFinished(world: World): void {
  if (world.table("task").rows.size <= FINISHED_TASKS_KEPT) return;
  const finished = [...world.table("task").rows.values()].filter((r) => r.record.status !== "pending" && r.record.status !== "cancelling");
  if (finished.length <= FINISHED_TASKS_KEPT) return;
  finished.sort((a, b) => (a.record.finished as number) - (b.record.finished as number));
  for (const row of finished.slice(0, finished.length - FINISHED_TASKS_KEPT)) world.remove("task", row.ref);
}

export function succeedTask(world: World, task: string, result: string): void {
  if (!world.get("task", task)) return;
  world.update("task", task, { status: "success", progress: 1, result, finished: world.nowMs(), allowed_operations: [] });
  collectFinished(world);
}

export function failTask(world: World, task: string, error: string[]): void {
  if (!world.get("task", task)) return;
  world.update("task", task, { status: "failure", error_info: error, finished: world.nowMs(), allowed_operations: [] });
  collectFinished(world);
}

/** Marks the object an operation runs on: current_operations[task] = operation. */
export function beginOperation(world: World, target: PendingOperation["target"], task: string): void {
  if (!target) return;
  const row = world.get(target.cls, target.ref);
  if (!row || !("current_operations" in row.record)) return;
  world.update(target.cls, target.ref, { current_operations: { ...(row.record.current_operations as Record<string, string>), [task]: target.op } });
}

export function endOperation(world: World, target: PendingOperation["target"], task: string): void {
  if (!target) return;
  const row = world.get(target.cls, target.ref);
  if (!row) return;
  const current = row.record.current_operations as Record<string, string> | undefined;
  if (!current || !(task in current)) return;
  const next = { ...current };
  delete next[task];
  world.update(target.cls, target.ref, { current_operations: next });
}

/**
 * Runs a method's body as the operation behind `task` (or a sync call that waited): the fault
 * rules' operation error first, then the method, its failure or result.
 */
export function performOperation(ctx: CallContext, method: Method, args: Stored[]): { ok: true; value: unknown } | { ok: false; error: string[] } {
  const subject = method.timed?.subjectName?.(ctx, args) ?? "";
  const injected = ctx.world.faults.operationError(method.name, subject);
  if (injected) return { ok: false, error: injected };
  try {
    return { ok: true, value: method.run(ctx, args) };
  } catch (error) {
    return { ok: false, error: asApiFailure(error).description };
  }
}

/** What the world's task steps do; `methods` resolves a pending operation's method. */
export function taskStep(world: World, methods: MethodTable, step: { kind: "task-progress"; task: string; progress: number } | { kind: "task-run"; task: string } | { kind: "task-cancelled"; task: string }): void {
  switch (step.kind) {
    case "task-progress": {
      const task = world.get("task", step.task);
      if (task?.record.status === "pending") world.update("task", step.task, { progress: step.progress });
      return;
    }
    case "task-cancelled": {
      const op = world.pending.get(step.task);
      world.pending.delete(step.task);
      if (op) endOperation(world, op.target, step.task);
      if (world.get("task", step.task)?.record.status === "cancelling") {
        world.update("task", step.task, { status: "cancelled", error_info: ["TASK_CANCELLED", step.task], finished: world.nowMs(), allowed_operations: [] });
        collectFinished(world);
      }
      return;
    }
    case "task-run": {
      const op = world.pending.get(step.task);
      if (!op) return;
      // A task being cancelled does not carry out its operation: the cancel ends it (FACTS §1.8:
      // task.cancel → cancelling, then cancelled), whichever falls due first.
      if (world.get("task", step.task)?.record.status === "cancelling") return;
      world.pending.delete(step.task);
      endOperation(world, op.target, step.task);
      const method = methods.get(op.method);
      if (!method) {
        failTask(world, step.task, ["INTERNAL_ERROR", `no method ${op.method}`]);
        return;
      }
      const ctx: CallContext = { world, session: world.get("session", op.session) ?? null, task: step.task, wireName: `Async.${op.method}` };
      const outcome = performOperation(ctx, method, op.args);
      if (outcome.ok) succeedTask(world, step.task, taskResultText(method.result, outcome.value));
      else failTask(world, step.task, outcome.error);
      return;
    }
  }
}

export function registerTasks(table: MethodTable): void {
  const create: Method = {
    name: "task.create",
    session: true,
    params: [p("label", STRING), p("description", STRING)],
    async: false,
    result: refOf("task"),
    run: (ctx, [label, description]) => createTask(ctx.world, label as string, description as string, false).ref,
  };
  table.add(create);
  table.add({
    name: "task.cancel",
    session: true,
    params: [p("task", refOf("task"))],
    async: true,
    result: VOID,
    run: (ctx, [ref]) => {
      const task = ctx.world.must("task", ref as string);
      const cancellable = (task.record.allowed_operations as string[]).includes("cancel") && task.record.status === "pending";
      if (!cancellable) fail("OPERATION_NOT_ALLOWED", `Task '${task.record.uuid as string}' is ${task.record.status as string} and cannot be cancelled`);
      ctx.world.update("task", task.ref, { status: "cancelling", allowed_operations: [] });
      ctx.world.schedule({ kind: "task-cancelled", task: task.ref }, ctx.world.duration(ctx.world.delays.cancelMs));
    },
  });
  table.add({
    name: "task.destroy",
    session: true,
    params: [p("self", refOf("task"))],
    async: false,
    result: VOID,
    run: (ctx, [ref]) => {
      ctx.world.must("task", ref as string);
      // The operation behind a destroyed pending task still runs; only its report goes.
      ctx.world.remove("task", ref as string);
    },
  });
}

