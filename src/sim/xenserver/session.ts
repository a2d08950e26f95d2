/**
 * Sessions (FACTS §1.3): session.login_with_password(uname, pwd[, version[, originator]]) → a
 * session ref; wrong credentials fail SESSION_AUTHENTICATION_FAILED [uname, message] after a pause
 * (xapi_session.ml waits 5 s; here delays.loginFailureMs); on the pool slave, login and every call
 * with a session fail HOST_IS_SLAVE [master address] (session_check.ml). A session unknown, logged
 * out or idle for 24 hours is SESSION_INVALID [ref]; at most 500 sessions per originator (or per
 * user, without one) are kept, the least recently active going first (usage.md).
 */
import { NULL_REF } from "./datamodel.js";
import { fail } from "./failure.js";
import { STRING, VOID, p, refOf, type MethodTable } from "./methods.js";
import { plainRecord } from "./records.js";
import type { Row, World } from "./world.js";

export interface Account {
  user: string;
  password: string;
}

export type HostRole = "master" | "slave";

export const SESSION_IDLE_MS = 24 * 60 * 60 * 1000;
export const SESSIONS_PER_ORIGINATOR = 500;

/** USER:PASSWORD (the password may hold colons). */
export function parseAccount(auth: string): Account {
  const at = auth.indexOf(":");
  if (at <= 0) throw new TypeError(`auth must be USER:PASSWORD, got "${auth}"`);
  return { user: auth.slice(0, at), password: auth.slice(at + 1) };
}

/** The caller's session, or the failure xapi's session check answers. */
export function checkSession(world: World, ref: string, role: HostRole, masterAddress: string): Row {
  if (role === "slave") fail("HOST_IS_SLAVE", masterAddress);
  const row = world.get("session", ref);
  if (!row) fail("SESSION_INVALID", ref);
  const now = world.nowMs();
  if (now - (row.record.last_active as number) > SESSION_IDLE_MS) {
    world.remove("session", ref);
    fail("SESSION_INVALID", ref);
  }
  world.update("session", ref, { last_active: now });
  return row;
}

export function sessionAlive(world: World, ref: string): boolean {
  return world.get("session", ref) !== undefined;
}

/** Opens a session for a caller whose credentials were checked. */
export function openSession(world: World, user: string, originator: string): string {
  const row = world.insert(
    "session",
    plainRecord(world, "session", {
      this_host: world.masterRef,
      this_user: NULL_REF,
      last_active: world.nowMs(),
      is_local_superuser: true,
      auth_user_name: user,
      originator,
    }),
  );
  const peers = [...world.table("session").rows.values()].filter((r) => (originator !== "" ? r.record.originator === originator : r.record.auth_user_name === user && r.record.originator === ""));
  if (peers.length > SESSIONS_PER_ORIGINATOR) {
    peers.sort((a, b) => (a.record.last_active as number) - (b.record.last_active as number));
    for (const old of peers.slice(0, peers.length - SESSIONS_PER_ORIGINATOR)) if (old.ref !== row.ref) world.remove("session", old.ref);
  }
  return row.ref;
}

/**
 * session.logout is a method like any other here; login is answered by the dispatcher (it has no
 * session and may have to wait before it fails).
 */
export function registerSession(table: MethodTable): void {
  table.add({
    name: "session.logout",
    session: true,
    params: [],
    async: false,
    result: VOID,
    run: (ctx) => {
      if (ctx.session) ctx.world.remove("session", ctx.session.ref);
    },
  });
  table.add({
    name: "session.login_with_password",
    session: false,
    params: [p("uname", STRING), p("pwd", STRING), p("version", STRING, "1.0"), p("originator", STRING, "")],
    async: false,
    result: refOf("session"),
    // Answered by the dispatcher, which knows the account and the host's role.
    run: () => fail("INTERNAL_ERROR", "session.login_with_password is answered by the dispatcher"),
  });
}
