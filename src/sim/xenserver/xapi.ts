/**
 * The simulated toolstack: one call in, one outcome out, in the order xapi's generated dispatcher
 * works (FACTS §1.2–1.4, §1.8; `ocaml/idl/ocaml_backend/gen_server.ml`, `server_helpers.ml`):
 * `Async.` taken off the name; the method looked up by its wire name or its `_` spelling
 * (MESSAGE_METHOD_UNKNOWN [name]); the parameter count checked (MESSAGE_PARAMETER_COUNT_MISMATCH
 * [name, expected, received], counted without the session and as strings); every argument
 * unmarshalled; then the session checked (SESSION_INVALID, HOST_IS_SLAVE on the slave); then a
 * method without an `Async.` form called `Async.` fails `["Fault", "No async mode for this
 * operation (rpc: <name>)"]`; then the call runs. An outcome may have to wait (event.from with
 * nothing new, a sync call of a long operation, a refused login): the server polls it.
 */
import { CLASSES, NULL_REF, type Stored } from "./datamodel.js";
import { ApiFailure, asApiFailure, fail } from "./failure.js";
import { eventBatch, parseSubscription, parseToken, registerEvents, tokenOf, type LegacyRegistration } from "./events.js";
import { unmarshal, unmarshalCtorRecord } from "./marshal.js";
import { MethodTable, addImplicitMessages, refOf, type CallContext, type Method } from "./methods.js";
import { registerNetwork } from "./network.js";
import type { ResultType } from "./render.js";
import { checkSession, openSession, registerSession, sessionAlive, type Account, type HostRole } from "./session.js";
import { registerStorage } from "./storage.js";
import { beginOperation, createTask, endOperation, failTask, performOperation, registerTasks, taskStep } from "./tasks.js";
import { registerVm } from "./vm.js";
import { guestAgentReport, registerPower } from "./vm-power.js";
import type { World } from "./world.js";

export type Outcome =
  | { kind: "success"; type: ResultType; value: unknown }
  | { kind: "failure"; error: string[] }
  /** system.listMethods: the bare array, outside the Status/Value wrapping. */
  | { kind: "bare"; value: string[] }
  | Blocked;

/** An answer not ready yet: the server polls it whenever the world changes and at its wake times. */
export interface Blocked {
  kind: "blocked";
  /** Real time (Date.now()) at which `expire` answers; null = never. */
  deadline: number | null;
  /** World time at which `poll` may answer; null = only after a change. */
  wakeAt: number | null;
  poll(): Outcome | null;
  expire(): Outcome;
}

const SESSION_REF = refOf("session");

export function buildMethodTable(legacy: Map<string, LegacyRegistration>): MethodTable {
  const table = new MethodTable();
  addImplicitMessages(table, CLASSES);
  registerSession(table);
  registerEvents(table, legacy);
  registerTasks(table);
  registerVm(table);
  registerPower(table);
  registerStorage(table);
  registerNetwork(table);
  return table;
}

function failure(error: unknown): Outcome {
  return { kind: "failure", error: asApiFailure(error).description };
}

export class Xapi {
  readonly methods: MethodTable;
  private readonly legacy = new Map<string, LegacyRegistration>();

  constructor(
    readonly world: World,
    readonly account: Account,
    /** What HOST_IS_SLAVE names: the master's address. */
    readonly masterAddress: string,
  ) {
    this.methods = buildMethodTable(this.legacy);
    world.stepHandler = (step) => {
      if (step.kind === "guest-agent") guestAgentReport(world, step.vm, step.domid);
      else taskStep(world, this.methods, step);
    };
    this.forgetLostOperations();
  }

  /** Every method's wire name, sorted; `<Class>.get_all_records` among them for each table class. */
  listMethods(): string[] {
    return [...this.methods.names(), "system.listMethods"].sort();
  }

  call(role: HostRole, wireName: string, params: unknown[]): Outcome {
    try {
      this.world.advance();
      return this.dispatch(role, wireName, params);
    } catch (error) {
      return failure(error);
    }
  }

  private dispatch(role: HostRole, wireName: string, params: unknown[]): Outcome {
    if (wireName === "system.listMethods") return { kind: "bare", value: this.listMethods() };
    const isAsync = wireName.startsWith("Async.");
    const name = isAsync ? wireName.slice("Async.".length) : wireName;
    const method = this.methods.get(name);
    if (!method) fail("MESSAGE_METHOD_UNKNOWN", name);

    const sessionArgs = method.session ? 1 : 0;
    const mandatory = method.ctor ? 1 : method.params.filter((p) => p.default === undefined).length;
    const withDefaults = !method.ctor && method.params.length > mandatory;
    const received = params.length - sessionArgs;
    // Messages with defaulted parameters match `a :: b :: rest`: extra arguments are ignored.
    if (received < mandatory || (!withDefaults && received > mandatory)) fail("MESSAGE_PARAMETER_COUNT_MISMATCH", method.name, String(mandatory), String(received));

    const sessionRef = method.session ? (unmarshal(SESSION_REF, params[0]) as string) : null;
    const args: Stored[] = method.ctor
      ? [unmarshalCtorRecord(method.ctor, params[sessionArgs])]
      : method.params.map((param, i) => (i + sessionArgs < params.length ? unmarshal(param.type, params[i + sessionArgs]) : (param.default as Stored)));

    if (method.name === "session.login_with_password") return this.login(role, args);
    const session = sessionRef === null ? null : checkSession(this.world, sessionRef, role, this.masterAddress);
    if (isAsync && !method.async) fail("Fault", `No async mode for this operation (rpc: ${method.name})`);
    const injected = this.world.faults.callError(wireName);
    if (injected) return { kind: "failure", error: injected };

    const ctx: CallContext = { world: this.world, session, task: null, wireName };
    if (method.name === "event.from") return this.eventFrom(ctx, args);
    if (method.name === "event.next") return this.eventNext(ctx);
    if (isAsync) return this.startAsync(ctx, method, args);
    if (method.timed) return this.runTimed(ctx, method, args);
    return this.finish(method, performOperation(ctx, method, args));
  }

  private finish(method: Method, outcome: ReturnType<typeof performOperation>): Outcome {
    return outcome.ok ? { kind: "success", type: method.result, value: outcome.value } : { kind: "failure", error: outcome.error };
  }

  private login(role: HostRole, [uname, pwd, , originator]: Stored[]): Outcome {
    if (role === "slave") fail("HOST_IS_SLAVE", this.masterAddress);
    if (uname === this.account.user && pwd === this.account.password) {
      return { kind: "success", type: SESSION_REF, value: openSession(this.world, uname as string, originator as string) };
    }
    const refused: Outcome = { kind: "failure", error: ["SESSION_AUTHENTICATION_FAILED", uname as string, "Authentication failure"] };
    const pause = this.world.delays.loginFailureMs;
    if (pause <= 0) return refused;
    return { kind: "blocked", deadline: Date.now() + pause, wakeAt: null, poll: () => null, expire: () => refused };
  }

  /** An `Async.` call: a pending task at once; the operation is checked now and performed after its duration. */
  private startAsync(ctx: CallContext, method: Method, args: Stored[]): Outcome {
    const world = this.world;
    const task = createTask(world, `Async.${method.name}`, "", true);
    const taskCtx: CallContext = { ...ctx, task: task.ref };
    try {
      method.check?.(taskCtx, args);
    } catch (error) {
      if (!(error instanceof ApiFailure)) throw error;
      failTask(world, task.ref, error.description);
      return { kind: "success", type: refOf("task"), value: task.ref };
    }
    const duration = method.timed ? method.timed.duration(taskCtx, args) : world.duration(world.delays.taskMs);
    const target = method.timed?.target?.(taskCtx, args) ?? null;
    world.pending.set(task.ref, { method: method.name, args, session: ctx.session?.ref ?? NULL_REF, target });
    beginOperation(world, target, task.ref);
    if (duration > 0) world.schedule({ kind: "task-progress", task: task.ref, progress: 0.5 }, duration / 2);
    world.schedule({ kind: "task-run", task: task.ref }, duration);
    return { kind: "success", type: refOf("task"), value: task.ref };
  }

  /** A sync call of a long operation answers once the operation is done (FACTS §1.8). */
  private runTimed(ctx: CallContext, method: Method, args: Stored[]): Outcome {
    const world = this.world;
    method.check?.(ctx, args);
    const duration = method.timed?.duration(ctx, args) ?? 0;
    if (duration <= 0) return this.finish(method, performOperation(ctx, method, args));
    // The sync call's own task, which (as in xapi) is not a record of the task table.
    const task = world.newRef();
    const target = method.timed?.target?.(ctx, args) ?? null;
    beginOperation(world, target, task);
    const at = world.nowMs() + duration;
    const done = (): Outcome => {
      endOperation(world, target, task);
      return this.finish(method, performOperation(ctx, method, args));
    };
    return { kind: "blocked", deadline: null, wakeAt: at, poll: () => (world.nowMs() >= at ? done() : null), expire: done };
  }

  private eventFrom(ctx: CallContext, [classes, token, timeout]: Stored[]): Outcome {
    const world = this.world;
    const sub = parseSubscription(classes as string[]);
    const since = parseToken(token as string);
    const answer = (): Outcome => ({ kind: "success", type: { kind: "events" }, value: eventBatch(world, sub, since) });
    const first = eventBatch(world, sub, since);
    const seconds = timeout as number;
    if (first.events.length > 0 || !(seconds > 0)) return { kind: "success", type: { kind: "events" }, value: first };
    const sessionRef = ctx.session?.ref ?? "";
    let seen = world.generation;
    return {
      kind: "blocked",
      deadline: Date.now() + Math.min(seconds, 24 * 3600) * 1000,
      wakeAt: null,
      poll: () => {
        if (!sessionAlive(world, sessionRef)) return { kind: "failure", error: ["SESSION_INVALID", sessionRef] };
        if (world.generation === seen) return null;
        seen = world.generation;
        const batch = eventBatch(world, sub, since);
        return batch.events.length > 0 ? { kind: "success", type: { kind: "events" }, value: batch } : null;
      },
      expire: answer,
    };
  }

  /** The legacy event.next: what changed for the session's registration since its last call. */
  private eventNext(ctx: CallContext): Outcome {
    const world = this.world;
    const sessionRef = ctx.session?.ref ?? "";
    const reg = this.legacy.get(sessionRef);
    if (!reg) fail("SESSION_NOT_REGISTERED", sessionRef);
    const take = (): Outcome | null => {
      if (!sessionAlive(world, sessionRef)) return { kind: "failure", error: ["SESSION_INVALID", sessionRef] };
      const batch = eventBatch(world, reg.sub, reg.since);
      if (batch.events.length === 0) return null;
      reg.since = world.generation;
      return { kind: "success", type: { kind: "event-list" }, value: batch.events };
    };
    const now = take();
    if (now) return now;
    return { kind: "blocked", deadline: null, wakeAt: null, poll: take, expire: () => ({ kind: "success", type: { kind: "event-list" }, value: [] }) };
  }

  /** After a reload, operations of sync calls that were cut off no longer hold their objects. */
  private forgetLostOperations(): void {
    for (const cls of ["VM", "VDI", "VBD", "VIF"]) {
      for (const row of this.world.table(cls).rows.values()) {
        const current = row.record.current_operations as Record<string, string>;
        const lost = Object.keys(current).filter((task) => !this.world.pending.has(task));
        for (const task of lost) endOperation(this.world, { cls, ref: row.ref, op: current[task] as string }, task);
      }
    }
  }
}

export { tokenOf };
