/**
 * hyperplan's embedded OpenNebula: an HTTP server that speaks oned's XML-RPC API with oned's
 * documents, errors and asynchronous lifecycles, in-process for tests or standalone through
 * `hyperplan sim opennebula`. See SPEC.md for what each behaviour is based on.
 */
import { checkPort, urlHost } from "../kit/http.js";
import { createStateSaver } from "../kit/saver.js";
import { commonWorldOptions } from "../kit/world-options.js";
import { parseAccount } from "./dispatch.js";
import type { DelayOverrides, DelayPreset } from "./delays.js";
import type { FaultRule } from "./faults.js";
import type { HostSpec } from "./infrastructure.js";
import { loadWorld, saveWorld } from "./persistence.js";
import { SimServer } from "./server.js";
import { World, type Clock } from "./world.js";

export type { SimDelays, DelayPreset, DelayOverrides } from "./delays.js";
export { parseDelays, resolveDelays, DELAY_STEP_NAMES } from "./delays.js";
export type { FaultRule } from "./faults.js";
export { parseFaultRules } from "./faults.js";
export type { HostSpec } from "./infrastructure.js";
export type { SeedVmsOptions, SeedVmsResult } from "./bulk-seed.js";
export { World, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type WorldSnapshot, type Clock } from "./world.js";
export { ErrorCode } from "./failure.js";
export { VmState, Lcm, VM_STATE_NAMES, LCM_STATE_NAMES } from "./vm-states.js";
export { ImageState } from "./image.js";
export { VnetState } from "./vnet.js";
export { ONED_VERSION } from "./system.js";
export { SimStateError } from "./persistence.js";

export interface OneSimulatorOptions {
  host?: string;
  port?: number;
  auth?: string;
  seed?: number;
  stateFile?: string;
  /** A preset, or per-step delays in ms over `fast` (`{ epilog: 3000 }` or `{ epilogMs: 3000 }`). */
  delays?: DelayPreset | DelayOverrides;
  clock?: Clock;
  faults?: FaultRule[];
  hosts?: HostSpec[];
  /** The database oned would use: `sqlite` (default, no JSON search in pool queries) or `mysql`. */
  database?: "sqlite" | "mysql";
}

export interface RunningOneSimulator {
  readonly url: string;
  callCounts(): Record<string, number>;
  resetCallCounts(): void;
  readonly faults: { add(rule: FaultRule): void; clear(): void };
  readonly world: World;
  save(): Promise<void>;
  close(): Promise<void>;
}

export { DEFAULT_AUTH, DEFAULT_PORT } from "./usage.js";
import { DEFAULT_AUTH, DEFAULT_PORT } from "./usage.js";

export async function startOneSimulator(options: OneSimulatorOptions = {}): Promise<RunningOneSimulator> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? DEFAULT_PORT;
  checkPort(port);
  const account = parseAccount(options.auth ?? DEFAULT_AUTH);
  const worldOptions = {
    ...commonWorldOptions(options),
    ...(options.hosts !== undefined ? { hosts: options.hosts } : {}),
    ...(options.database !== undefined ? { database: options.database } : {}),
    userName: account.user,
  };
  const stateFile = options.stateFile;
  const world = (stateFile ? await loadWorld(stateFile, worldOptions) : null) ?? new World(worldOptions);

  const saver = createStateSaver(world, stateFile, (file) => saveWorld(world, file), "hyperplan OpenNebula simulator");
  const save = saver.save;

  const server = new SimServer(world, account, { onMutation: saver.saveIfChanged });
  const bound = await server.listen(port, host);
  if (stateFile) await save();
  let closed = false;

  return {
    url: `http://${urlHost(host)}:${bound}/RPC2`,
    callCounts: () => server.callCounts(),
    resetCallCounts: () => server.resetCallCounts(),
    faults: {
      add: (rule: FaultRule) => world.faults.add(rule),
      clear: () => world.faults.clear(),
    },
    world,
    save: async () => {
      world.advance();
      await save();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await server.close();
      if (stateFile) {
        await saver.settled();
        world.changed();
        await save();
      }
    },
  };
}
