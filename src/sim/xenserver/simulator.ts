/**
 * Starting the simulated pool in-process: the world (loaded from the state file or seeded), the
 * toolstack, the master's and the slave's HTTP endpoints, and saving.
 *
 * Two hosts answer: the pool master at `url`, and the slave at `slaveUrl`, which refuses login and
 * every session call with HOST_IS_SLAVE naming the master's address. By default the master listens
 * on 127.0.0.1 and the slave on 127.0.0.2 with the same port, so a client that retries against the
 * address HOST_IS_SLAVE names, keeping its scheme and port (as the npm `xen-api` client does),
 * reaches the master on loopback.
 */
import { checkPort, urlHost } from "../kit/http.js";
import { createStateSaver } from "../kit/saver.js";
import { commonWorldOptions } from "../kit/world-options.js";
import { seedVms as bulkSeedVms, type SeedVmsOptions, type SeedVmsResult } from "./bulk-seed.js";
import type { DelayOverrides, DelayPreset } from "./delays.js";
import type { FaultRule } from "./faults.js";
import { loadWorld, saveWorld } from "./persistence.js";
import { readdressHosts, seedPool } from "./seed.js";
import { HostEndpoint, PoolServer } from "./server.js";
import { parseAccount } from "./session.js";
import { World, type Clock } from "./world.js";
import { Xapi } from "./xapi.js";

export interface XenServerSimulatorOptions {
  /** Address the master listens on; default 127.0.0.1. */
  host?: string;
  /** Port of both hosts; 0 = any free port (default 0 in-process; the command defaults to 8443). */
  port?: number;
  /**
   * Address the slave listens on, with the master's port; `false` for no slave. Default 127.0.0.2
   * when the master listens on 127.0.0.1, else no slave.
   */
  slaveHost?: string | false;
  /** USER:PASSWORD of the pool's root account; default root:xenserver. */
  auth?: string;
  seed?: number;
  /** Load the world from this file at start, save it after every change and on close. */
  stateFile?: string;
  /** A preset, or per-step delays in ms laid over `fast` (`{ start: 3000 }` or `{ startMs: 3000 }`). */
  delays?: DelayPreset | DelayOverrides;
  clock?: Clock;
  faults?: FaultRule[];
}

export interface RunningXenServerSimulator {
  /** The master's endpoint, `http://127.0.0.1:PORT/`. */
  readonly url: string;
  /** The slave's endpoint (`http://127.0.0.2:PORT/`), or null without a slave. */
  readonly slaveUrl: string | null;
  /** What HOST_IS_SLAVE names and the master's host record holds as `address`. */
  readonly masterAddress: string;
  readonly port: number;
  /** Calls received by wire name (`Async.VM.start` apart from `VM.start`), on both hosts. */
  callCounts(): Record<string, number>;
  resetCallCounts(): void;
  readonly faults: { add(rule: FaultRule): void; clear(): void };
  readonly world: World;
  /** Bulk-creates VMs (see bulk-seed.ts); for benchmarks and scale tests. */
  seedVms(count: number, options?: SeedVmsOptions): SeedVmsResult;
  save(): Promise<void>;
  close(): Promise<void>;
}

export { DEFAULT_AUTH, DEFAULT_PORT } from "./usage.js";
import { DEFAULT_AUTH } from "./usage.js";

/** The address clients reach a host listening on `host` by (a wildcard listens on loopback too). */
function reachable(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "::1";
  return host;
}

export async function startXenServerSimulator(options: XenServerSimulatorOptions = {}): Promise<RunningXenServerSimulator> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  checkPort(port);
  const account = parseAccount(options.auth ?? DEFAULT_AUTH);
  const slaveHost = options.slaveHost ?? (host === "127.0.0.1" ? "127.0.0.2" : false);
  const masterAddress = reachable(host);
  const addresses = { master: masterAddress, slave: slaveHost === false ? "127.0.0.2" : reachable(slaveHost) };
  const worldOptions = commonWorldOptions(options);
  const stateFile = options.stateFile;
  let world = stateFile ? await loadWorld(stateFile, worldOptions) : null;
  if (world) {
    readdressHosts(world, addresses);
  } else {
    world = new World(worldOptions);
    seedPool(world, addresses);
  }
  const xapi = new Xapi(world, account, masterAddress);

  const theWorld = world;
  const saver = createStateSaver(theWorld, stateFile, (file) => saveWorld(theWorld, file), "hyperplan XenServer simulator");
  const save = saver.save;

  const pool = new PoolServer(xapi, { onMutation: saver.saveIfChanged });
  let master: HostEndpoint | null = null;
  let slave: HostEndpoint | null = null;
  let bound = port;
  // With port 0 the master takes any free port; the slave needs that same port on its own address,
  // so a port taken there means trying another.
  for (let attempt = 1; ; attempt++) {
    master = new HostEndpoint(pool, "master");
    bound = await master.listen(port, host);
    if (slaveHost === false) break;
    slave = new HostEndpoint(pool, "slave");
    try {
      await slave.listen(bound, slaveHost);
      break;
    } catch (error) {
      await master.close();
      slave = null;
      if (port !== 0 || attempt >= 5 || (error as NodeJS.ErrnoException).code !== "EADDRINUSE") {
        pool.close();
        throw new Error(`the simulated slave cannot listen on ${slaveHost}:${bound}: ${(error as Error).message}`, { cause: error });
      }
    }
  }
  const masterEndpoint = master;
  const slaveEndpoint = slave;
  if (stateFile) await save();
  let closed = false;

  return {
    url: `http://${urlHost(host)}:${bound}/`,
    slaveUrl: slaveHost === false ? null : `http://${urlHost(slaveHost)}:${bound}/`,
    masterAddress,
    port: bound,
    callCounts: () => pool.callCounts(),
    resetCallCounts: () => pool.resetCallCounts(),
    faults: { add: (rule) => theWorld.faults.add(rule), clear: () => theWorld.faults.clear() },
    world: theWorld,
    seedVms: (count, seedOptions) => bulkSeedVms(theWorld, count, seedOptions),
    save: async () => {
      theWorld.advance();
      await save();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      pool.close();
      await Promise.all([masterEndpoint.close(), slaveEndpoint?.close()]);
      if (stateFile) {
        await saver.settled();
        theWorld.changed();
        await save();
      }
    },
  };
}
