/**
 * The method table: every message the simulator answers, with its parameters (after the session),
 * result type and whether it has an `Async.` form. The implicit messages of each class are derived
 * from its field table as xapi generates them (FACTS §1.6; `ocaml/idl/datamodel_utils.ml`,
 * `ocaml/idl/ocaml_backend/gen_server.ml`): get_record, get_all, get_all_records, get_by_uuid,
 * get_by_name_label, `get_<field>` for every field, `set_<field>` for RW fields, `add_to_<map>` /
 * `remove_from_<map>` for RW maps, `add_<set>` / `remove_<set>` for RW sets. Explicit messages
 * (constructors, VM lifecycle …) are added by the class modules and replace an implicit one of the
 * same name.
 */
import { NULL_REF, TABLE_CLASSES, type ClassSpec, type FieldSpec, type FieldType, type Stored } from "./datamodel.js";
import { fail } from "./failure.js";
import type { ResultType } from "./render.js";
import type { Row, World } from "./world.js";

/** What a method runs with. */
export interface CallContext {
  readonly world: World;
  /** The caller's session row (null for calls without a session). */
  readonly session: Row | null;
  /** The task the call runs behind (an `Async.` call), or null. */
  readonly task: string | null;
  /** The wire name as called, `Async.` included. */
  readonly wireName: string;
}

export interface Param {
  readonly name: string;
  readonly type: FieldType;
  /** A trailing parameter the caller may leave out (session.login_with_password's version and originator). */
  readonly default?: Stored;
}

/** How a long operation runs: checked at once, then performed after its duration (FACTS §1.8). */
export interface TimedSpec {
  /** Milliseconds of the world's clock this call takes (already jittered). */
  duration(ctx: CallContext, args: Stored[]): number;
  /** The object whose current_operations names the running task, and the operation, if any. */
  target?(ctx: CallContext, args: Stored[]): { cls: string; ref: string; op: string } | null;
  /** The name_label fault rules match against (`task-failure` … `match`). */
  subjectName?(ctx: CallContext, args: Stored[]): string;
}

export interface Method {
  readonly name: string;
  readonly session: boolean;
  readonly params: readonly Param[];
  /** A constructor: its one parameter is the record, read field by field. */
  readonly ctor?: ClassSpec;
  /** Has an `Async.` form: every message but the implicit field and lookup messages (FACTS §1.8). */
  readonly async: boolean;
  readonly result: ResultType;
  /** Long operations; others run at once (and, called `Async.`, finish after `delays.taskMs`). */
  readonly timed?: TimedSpec;
  /**
   * Checks whatever would make the call fail before it starts, without changing anything; a timed
   * call runs it at once (a sync call fails at once, an `Async.` one's task fails at once).
   */
  check?(ctx: CallContext, args: Stored[]): void;
  /** Performs the call (checking again) and returns its result. */
  run(ctx: CallContext, args: Stored[]): unknown;
}

export class MethodTable {
  private readonly methods = new Map<string, Method>();

  add(method: Method): void {
    this.methods.set(method.name, method);
  }

  /** By its wire name, or xapi's alternative spelling with `_` for the dot (`VM_get_record`). */
  get(name: string): Method | undefined {
    const found = this.methods.get(name);
    if (found) return found;
    const at = name.indexOf("_");
    return at > 0 && !name.includes(".") ? this.alternative(name) : undefined;
  }

  private alternative(name: string): Method | undefined {
    for (const m of this.methods.values()) if (m.name.replace(".", "_") === name) return m;
    return undefined;
  }

  names(): string[] {
    return [...this.methods.keys()];
  }
}

export const p = (name: string, type: FieldType, ...def: [Stored?]): Param => (def.length > 0 ? { name, type, default: def[0] as Stored } : { name, type });

export const STRING: FieldType = { kind: "string" };
export const INT: FieldType = { kind: "int" };
export const FLOAT: FieldType = { kind: "float" };
export const BOOL: FieldType = { kind: "bool" };
export const refOf = (cls: string): FieldType => ({ kind: "ref", cls });
export const setOf = (of: FieldType): FieldType => ({ kind: "set", of });
export const VOID: ResultType = { kind: "void" };

/** A ref argument that must name a live object of `cls` (NULL allowed when `nullable`). */
export function mustRef(ctx: CallContext, cls: string, ref: Stored, nullable = false): Row | null {
  if (nullable && ref === NULL_REF) return null;
  return ctx.world.must(cls, ref as string);
}

function fieldMessages(table: MethodTable, spec: ClassSpec, field: FieldSpec): void {
  const cls = spec.name;
  const self = p("self", refOf(cls));
  table.add({
    name: `${cls}.get_${field.name}`,
    session: true,
    params: [self],
    async: false,
    result: field.type,
    run: (ctx, [ref]) => ctx.world.must(cls, ref as string).record[field.name],
  });
  if (field.qualifier !== "RW") return;
  table.add({
    name: `${cls}.set_${field.name}`,
    session: true,
    params: [self, p("value", field.type)],
    async: false,
    result: VOID,
    run: (ctx, [ref, value]) => {
      ctx.world.must(cls, ref as string);
      if (field.type.kind === "ref") mustRef(ctx, field.type.cls, value as string, true);
      ctx.world.update(cls, ref as string, { [field.name]: value as Stored });
    },
  });
  if (field.type.kind === "map") {
    const keyType = field.type.key;
    table.add({
      name: `${cls}.add_to_${field.name}`,
      session: true,
      params: [self, p("key", keyType), p("value", field.type.value)],
      async: false,
      result: VOID,
      run: (ctx, [ref, key, value]) => {
        const row = ctx.world.must(cls, ref as string);
        const current = row.record[field.name] as Record<string, Stored>;
        // MAP_DUPLICATE_KEY [class, field, uuid, key] (datamodel_errors.ml; FACTS §1.4).
        if (Object.prototype.hasOwnProperty.call(current, String(key))) fail("MAP_DUPLICATE_KEY", cls, field.name, row.record.uuid as string, String(key));
        ctx.world.update(cls, ref as string, { [field.name]: { ...current, [String(key)]: value as Stored } });
      },
    });
    table.add({
      name: `${cls}.remove_from_${field.name}`,
      session: true,
      params: [self, p("key", keyType)],
      async: false,
      result: VOID,
      run: (ctx, [ref, key]) => {
        const row = ctx.world.must(cls, ref as string);
        const current = row.record[field.name] as Record<string, Stored>;
        // Removing a key that is not there changes nothing and is no error.
        if (!Object.prototype.hasOwnProperty.call(current, String(key))) return;
        const next = { ...current };
        delete next[String(key)];
        ctx.world.update(cls, ref as string, { [field.name]: next });
      },
    });
  }
  if (field.type.kind === "set") {
    const itemType = field.type.of;
    table.add({
      name: `${cls}.add_${field.name}`,
      session: true,
      params: [self, p("value", itemType)],
      async: false,
      result: VOID,
      run: (ctx, [ref, value]) => {
        const current = ctx.world.must(cls, ref as string).record[field.name] as Stored[];
        if (current.includes(value as Stored)) return;
        ctx.world.update(cls, ref as string, { [field.name]: [...current, value as Stored] });
      },
    });
    table.add({
      name: `${cls}.remove_${field.name}`,
      session: true,
      params: [self, p("value", itemType)],
      async: false,
      result: VOID,
      run: (ctx, [ref, value]) => {
        const current = ctx.world.must(cls, ref as string).record[field.name] as Stored[];
        if (!current.includes(value as Stored)) return;
        ctx.world.update(cls, ref as string, { [field.name]: current.filter((v) => v !== value) });
      },
    });
  }
}

/** The implicit messages of every class. */
export function addImplicitMessages(table: MethodTable, specs: readonly ClassSpec[]): void {
  for (const spec of specs) {
    const cls = spec.name;
    table.add({
      name: `${cls}.get_record`,
      session: true,
      params: [p("self", refOf(cls))],
      async: false,
      result: { kind: "record", cls },
      run: (ctx, [ref]) => ctx.world.must(cls, ref as string),
    });
    table.add({
      name: `${cls}.get_by_uuid`,
      session: true,
      params: [p("uuid", STRING)],
      async: false,
      result: refOf(cls),
      run: (ctx, [uuid]) => {
        const ref = ctx.world.table(cls).byUuid.get(uuid as string);
        // UUID_INVALID [class, uuid] (FACTS §1.4).
        if (ref === undefined) fail("UUID_INVALID", cls, uuid as string);
        return ref;
      },
    });
    if (spec.byName.has("name_label")) {
      table.add({
        name: `${cls}.get_by_name_label`,
        session: true,
        params: [p("label", STRING)],
        async: false,
        result: setOf(refOf(cls)),
        run: (ctx, [label]) => [...ctx.world.table(cls).rows.values()].filter((r) => r.record.name_label === label).map((r) => r.ref),
      });
    }
    if (TABLE_CLASSES.includes(spec)) {
      table.add({
        name: `${cls}.get_all`,
        session: true,
        params: [],
        async: false,
        result: setOf(refOf(cls)),
        run: (ctx) => [...ctx.world.table(cls).rows.keys()],
      });
      table.add({
        name: `${cls}.get_all_records`,
        session: true,
        params: [],
        async: false,
        result: { kind: "records", cls },
        run: (ctx) => [...ctx.world.table(cls).rows.values()],
      });
    }
    for (const field of spec.fields) fieldMessages(table, spec, field);
  }
}
