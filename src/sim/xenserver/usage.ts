/**
 * `hyperplan sim xenserver`: its defaults and usage text, apart from the simulator so that listing the
 * backends' simulators loads none of them.
 */
export const DEFAULT_PORT = 8443;
export const DEFAULT_AUTH = "root:xenserver";

export const XENSERVER_SIM_USAGE = `Usage: hyperplan sim xenserver [options]

Runs a simulated XenServer pool (xapi's XML-RPC and JSON-RPC API, records, errors, tasks and
events) on loopback, prints the master's endpoint URL once it listens, and serves until Ctrl-C.
With the default --host 127.0.0.1, a second host, the pool slave, listens on 127.0.0.2 with the same port
and answers HOST_IS_SLAVE; on any other --host there is no slave.

Options:
  --port N                 port to listen on (default ${DEFAULT_PORT}; 0 = any free port)
  --host ADDRESS           address the master listens on (default 127.0.0.1)
  --auth USER:PASSWORD     the pool's root account (default ${DEFAULT_AUTH})
  --state FILE             load the pool from FILE at start, save it after every change and on stop
  --seed N                 seed of the simulator's random choices (default 1)
  --delays PRESET|JSON     instant | fast | realistic (default fast: tens of ms per operation), or
                           a JSON object of per-step delays in ms laid over fast, e.g. VMs that take
                           3 s to boot: '{"start":3000}'. Steps: clone, copyPerGiB, copyMin,
                           provision, start, cleanShutdown, hardShutdown, reboot, vdi, plug, task,
                           cancel, guestAgent, loginFailure, jitter
  --fault JSON             inject a fault (repeatable), e.g. a boot that fails:
                           '{"type":"task-failure","method":"VM.start","match":"web-*","error":["HOST_NOT_ENOUGH_FREE_MEMORY","1","0"]}'
                           or calls that fail: '{"type":"error","method":"Async.VM.*","error":["INTERNAL_ERROR","boom"],"count":1}'
                           or a call done whose answer is lost: '{"type":"reset-after","method":"VM.clone","count":1}'
                           (SPEC.md lists every kind of fault)`;
