/**
 * `hyperplan sim openvz`: its defaults and usage text, apart from the simulator so that listing the
 * backends' simulators loads none of them.
 */
import { DELAY_STEP_NAMES } from "./delays.js";

/** The panel's default port (FACTS §3.1). */
export const DEFAULT_PORT = 3000;
/** The panel's built-in superadmin login; the password is this simulator's choice. */
export const DEFAULT_AUTH = "admin:admin";

export const OPENVZ_SIM_USAGE = `Usage: hyperplan sim openvz [options]

Runs a simulated OpenVZ Web Panel (owp) remote API: two hardware servers with OS and server
templates and IP pools, virtual servers created, updated, started, stopped, reinstalled and
deleted by synchronous vzctl calls (one at a time per hardware server), panel users listed,
created, updated, enabled, disabled and deleted by superadmins (users/*), XML answers, HTTP Basic
authentication. Prints its base URL (http://HOST:PORT/, the API under /api/) once it listens and
serves until Ctrl-C.

Options:
  --port N                 port to listen on (default ${DEFAULT_PORT}; 0 = any free port)
  --host ADDRESS           address to listen on (default 127.0.0.1)
  --auth USER:PASSWORD     the superadmin account, user 1 (default ${DEFAULT_AUTH})
  --user USER:PASSWORD     a further account that is not superadmin: it controls only the
                           virtual servers whose user_id is its id (2, 3, … in order; repeatable).
                           Users made through users/create get the ids after these accounts and,
                           unlike them, are kept in the state file
  --no-descriptions        the panel's save_descriptions setting off: descriptions are neither
                           validated nor set with vzctl (still stored)
  --state FILE             load the panel from FILE at start, save it after every change and on stop
                           (users made through the API included, passwords as salted digests)
  --seed N                 seed of the simulator's random choices (default 1)
  --delays PRESET|JSON     instant | fast | realistic (default fast: tens of ms per vzctl call), or a
                           JSON object of per-step delays in ms laid over fast, e.g. creates that
                           take 20 s: '{"create":20000}'. Steps: ${DELAY_STEP_NAMES.join(", ")}
  --fault JSON             inject a fault (repeatable; one rule or a JSON array), e.g.
                           vzctl failing on a node: '{"type":"vzctl","action":"create","match":"web*","code":46,"output":"Not enough disk space"}'
                           a call answered with an error: '{"type":"error","method":"virtual_servers/get","code":"internal_error","count":1}'
                           a call done whose answer is lost: '{"type":"reset-after","method":"virtual_servers/create","count":1}'
                           also delay ({"type":"delay","method":"…","ms":500}) and drop; every rule
                           takes "probability" (0..1) and "count" (SPEC.md lists them all)
  --help                   print this help`;
