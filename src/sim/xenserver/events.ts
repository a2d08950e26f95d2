/**
 * Events (FACTS §1.9, §1.13; `ocaml/xapi/xapi_event.ml`, `event_types.ml`).
 *
 * Every change of a table's object takes the next event generation. event.from(classes, token,
 * timeout) answers `{events, valid_ref_counts, token}`: one event per object changed after the
 * token's generation (an `add` when it was created after it, else a `mod`, with the current
 * record as snapshot; a `del` without snapshot for one deleted after it that existed before),
 * in generation order. Classes are matched whatever their case, `*` is every class, `class/ref`
 * one object. With nothing new it waits until something matching changes or `timeout` seconds
 * pass, then answers no events and the current token. The token `""` is the beginning (every
 * object comes as an `add`); a token is `%020d,%020d` of the generation and a message generation
 * (always 0: the simulator has no messages), so tokens compare as strings; any other text is
 * EVENT_FROM_TOKEN_PARSE_FAILURE [token]. valid_ref_counts holds the number of objects of each
 * class asked, as `<i4>`. event.inject(class, ref) forces a `mod` of the object and answers the
 * token just before it. The legacy event.register / event.next / event.unregister read the same
 * changes per session.
 */
import { TABLE_CLASSES, classByLowerName, type Stored } from "./datamodel.js";
import { fail, handleInvalid } from "./failure.js";
import { FLOAT, INT, STRING, VOID, p, setOf, type CallContext, type MethodTable } from "./methods.js";
import type { EventBatch, EventOut } from "./render.js";
import type { World } from "./world.js";

export function tokenOf(generation: number): string {
  return `${String(Math.max(0, generation)).padStart(20, "0")},${"0".padStart(20, "0")}`;
}

/** The generation a token stands for; "" is the beginning. */
export function parseToken(token: string): number {
  if (token === "") return 0;
  const m = /^([0-9]+),([0-9]+)$/.exec(token);
  if (!m) fail("EVENT_FROM_TOKEN_PARSE_FAILURE", token);
  const n = Number(m[1]);
  if (!Number.isSafeInteger(n)) fail("EVENT_FROM_TOKEN_PARSE_FAILURE", token);
  return n;
}

/** Lower-case class names asked, and single objects (`class/ref`); `all` for `*`. */
export interface Subscription {
  all: boolean;
  classes: Set<string>;
  objects: Set<string>;
}

export function parseSubscription(items: readonly string[]): Subscription {
  const sub: Subscription = { all: false, classes: new Set(), objects: new Set() };
  for (const item of items) {
    if (item === "*") {
      sub.all = true;
      continue;
    }
    const parts = item.split("/");
    if (parts.length === 1) sub.classes.add(item.toLowerCase());
    else if (parts.length === 2) sub.objects.add(`${(parts[0] as string).toLowerCase()}/${parts[1] as string}`);
    else fail("EVENT_SUBSCRIPTION_PARSE_FAILURE", item);
  }
  return sub;
}

function matches(sub: Subscription, cls: string, ref: string): boolean {
  const lower = cls.toLowerCase();
  return sub.all || sub.classes.has(lower) || sub.objects.has(`${lower}/${ref}`);
}

function counts(world: World, sub: Subscription): Record<string, number> {
  const out: Record<string, number> = {};
  for (const spec of TABLE_CLASSES) {
    const lower = spec.name.toLowerCase();
    const asked = sub.all || sub.classes.has(lower) || [...sub.objects].some((o) => o.startsWith(`${lower}/`));
    if (asked) out[lower] = world.table(spec.name).rows.size;
  }
  return out;
}

/** The events after generation `since` that `sub` asks for, coalesced per object, in generation order. */
export function eventsSince(world: World, sub: Subscription, since: number): EventOut[] {
  const { rows, deleted } = world.changesSince(since);
  const events: EventOut[] = [];
  for (const row of rows) {
    if (!matches(sub, row.cls, row.ref)) continue;
    events.push({ id: row.modified, cls: row.cls, operation: row.created > since ? "add" : "mod", ref: row.ref, row });
  }
  const gone: EventOut[] = [];
  for (const entry of deleted) {
    if ((entry.deletedCreated ?? 0) > since || !matches(sub, entry.cls, entry.ref)) continue;
    gone.push({ id: entry.gen, cls: entry.cls, operation: "del", ref: entry.ref });
  }
  if (gone.length === 0) return events;
  return [...events, ...gone].sort((a, b) => a.id - b.id);
}

export function eventBatch(world: World, sub: Subscription, since: number): EventBatch {
  return { events: eventsSince(world, sub, since), counts: counts(world, sub), token: tokenOf(world.generation) };
}

/** Legacy event.register state of each session. */
export interface LegacyRegistration {
  sub: Subscription;
  items: Set<string>;
  since: number;
}

export function registerEvents(table: MethodTable, legacy: Map<string, LegacyRegistration>): void {
  // event.from and event.next are answered by the dispatcher (they may wait); listed here for
  // their parameters and the method list.
  table.add({
    name: "event.from",
    session: true,
    params: [p("classes", setOf(STRING)), p("token", STRING), p("timeout", FLOAT)],
    async: false,
    result: { kind: "events" },
    run: (ctx, [classes, token]) => eventBatch(ctx.world, parseSubscription(classes as string[]), parseToken(token as string)),
  });
  table.add({
    name: "event.next",
    session: true,
    params: [],
    async: false,
    result: { kind: "event-list" },
    run: () => [],
  });
  table.add({
    name: "event.inject",
    session: true,
    params: [p("class", STRING), p("ref", STRING)],
    async: false,
    result: STRING,
    run: (ctx, [cls, ref]) => {
      const spec = classByLowerName(cls as string);
      if (!spec || !spec.table || !ctx.world.get(spec.name, ref as string)) handleInvalid(cls as string, ref as string);
      const row = ctx.world.touch(spec.name, ref as string);
      return tokenOf(row.modified - 1);
    },
  });
  table.add({
    name: "event.get_current_id",
    session: true,
    params: [],
    async: false,
    result: INT,
    run: (ctx) => ctx.world.generation,
  });
  const registration = (ctx: CallContext): LegacyRegistration => {
    const ref = ctx.session?.ref ?? "";
    let reg = legacy.get(ref);
    if (!reg) {
      reg = { sub: parseSubscription([]), items: new Set(), since: ctx.world.generation };
      legacy.set(ref, reg);
    }
    return reg;
  };
  table.add({
    name: "event.register",
    session: true,
    params: [p("classes", setOf(STRING))],
    async: false,
    result: VOID,
    run: (ctx, [classes]) => {
      const reg = registration(ctx);
      for (const c of classes as Stored[]) reg.items.add(c as string);
      reg.sub = parseSubscription([...reg.items]);
    },
  });
  table.add({
    name: "event.unregister",
    session: true,
    params: [p("classes", setOf(STRING))],
    async: false,
    result: VOID,
    run: (ctx, [classes]) => {
      const reg = registration(ctx);
      for (const c of classes as Stored[]) reg.items.delete(c as string);
      reg.sub = parseSubscription([...reg.items]);
    },
  });
}
