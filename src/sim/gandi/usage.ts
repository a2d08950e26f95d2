/**
 * `hyperplan sim gandi`: its defaults and usage text, apart from the simulator so that listing the
 * backends' simulators loads none of them.
 */
import { DELAY_STEP_NAMES } from "./delays.js";

export const DEFAULT_PORT = 8888;
export const DEFAULT_AUTH = "AA1234-GANDI:gandi";

export const GANDI_SIM_USAGE = `Usage: hyperplan sim gandi [options]

Runs a simulated Gandi hosting account (the old session-based hosting XML-RPC API: login, shares,
VMs, disks and their operations, 6-digit faults) on loopback, prints its endpoint URL
(http://HOST:PORT/hosting/) once it listens, and serves until Ctrl-C.

Options:
  --port N                 port to listen on (default ${DEFAULT_PORT}; 0 = any free port)
  --host ADDRESS           address to listen on (default 127.0.0.1)
  --auth LOGIN:PASSWORD    the account's handle and password (default ${DEFAULT_AUTH})
  --state FILE             load the account from FILE at start, save it after every change and on stop
  --seed N                 seed of the simulator's random choices (default 1)
  --delays PRESET|JSON     instant | fast | realistic (default fast: tens of ms per operation), or a
                           JSON object of per-step delays in ms laid over fast, e.g. VMs that take
                           3 s to create: '{"vmCreate":3000}'. Steps: ${DELAY_STEP_NAMES.join(", ")}
  --fault JSON             inject a fault (repeatable), e.g. a VM creation that ends in ERROR:
                           '{"type":"op-error","method":"vm_create","match":"web-*","comment":"no capacity"}'
                           or calls that fail: '{"type":"error","method":"vm_*","code":110020,"count":1}'
                           or a call done whose answer is lost: '{"type":"reset-after","method":"disk_create","count":1}'
                           (SPEC.md lists every kind of fault)`;
