/**
 * `hyperplan sim opennebula`: its defaults and usage text, apart from the simulator so that listing
 * the backends' simulators loads none of them.
 */

export const DEFAULT_PORT = 2633;
export const DEFAULT_AUTH = "oneadmin:opennebula";

export const SIM_USAGE = `Usage: hyperplan sim opennebula [options]

Runs a simulated OpenNebula cloud (oned's XML-RPC API, documents, errors and asynchronous
lifecycles) on loopback, prints its endpoint URL once it listens, and serves until Ctrl-C.

Options:
  --port N                 port to listen on (default ${DEFAULT_PORT}; 0 = any free port)
  --host ADDRESS           address to listen on (default 127.0.0.1)
  --auth USER:PASSWORD     the account sessions must use (default ${DEFAULT_AUTH})
  --state FILE             load the world from FILE at start, save it after every change and on stop
  --seed N                 seed of the simulator's random choices (default 1)
  --delays PRESET|JSON     instant | fast | realistic (default fast: tens of ms per step), or a
                           JSON object of per-step delays in ms laid over fast, e.g. VMs that
                           stay in EPILOG for 3 s: '{"epilog":3000}'. Steps: schedulerPeriod,
                           schedulerMaxPerHost (VMs per host per cycle), prolog, boot, shutdown,
                           epilog, hotplug, imageCopy, imageDelete, vnetCreate, vnetDelete
  --database KIND          sqlite (default, as oned ships) | mysql: answer the JSON query of
                           one.vmpool.info/infoextended as a MySQL-backed oned does
  --fault JSON             inject a fault (repeatable), e.g. a VM that fails to boot:
                           '{"type":"fail-state","kind":"vm","match":"web-*","state":"BOOT_FAILURE"}'
                           or calls that fail: '{"type":"error","method":"one.vm.*","code":"INTERNAL","count":1}'
                           or a call done whose answer is lost: '{"type":"reset-after","method":"one.vm.allocate","count":1}'
                           (SPEC.md lists every kind of fault)`;
