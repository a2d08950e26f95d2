/**
 * Starting the simulated Gandi hosting API in-process: the world (loaded from the state file or
 * made fresh), the API, the HTTP endpoint and saving.
 */
import { checkPort, urlHost } from "../kit/http.js";
import { createStateSaver } from "../kit/saver.js";
import { commonWorldOptions, type Clock } from "../kit/world-options.js";
import { Hosting } from "./api.js";
import type { DelayOverrides, DelayPreset } from "./delays.js";
import type { FaultRule } from "./faults.js";
import { loadWorld, saveWorld } from "./persistence.js";
import { GandiEndpoint } from "./server.js";
import { World } from "./world.js";

export interface GandiSimulatorOptions {
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** 0 = any free port (default 0 in-process; the command defaults to 8888). */
  port?: number;
  /** LOGIN:PASSWORD of the account; default AA1234-GANDI:gandi (seed 001's sample login). */
  auth?: string;
  seed?: number;
  /** Load the world from this file at start, save it after every change and on close. */
  stateFile?: string;
  /** A preset, or per-step delays in ms laid over `fast` (`{ vmCreate: 3000 }`). */
  delays?: DelayPreset | DelayOverrides;
  clock?: Clock;
  faults?: FaultRule[];
}

export interface RunningGandiSimulator {
  /** `http://127.0.0.1:PORT/hosting/`. */
  readonly url: string;
  readonly port: number;
  /** Calls received, by method name. */
  callCounts(): Record<string, number>;
  resetCallCounts(): void;
  readonly faults: { add(rule: FaultRule): void; clear(): void };
  readonly world: World;
  save(): Promise<void>;
  close(): Promise<void>;
}

export { DEFAULT_AUTH, DEFAULT_PORT } from "./usage.js";
import { DEFAULT_AUTH } from "./usage.js";

/** LOGIN:PASSWORD (the password may hold colons); a TypeError when there is no login. */
export function parseAuth(auth: string): { login: string; password: string } {
  const at = auth.indexOf(":");
  if (at <= 0) throw new TypeError(`auth must be LOGIN:PASSWORD, got "${auth}"`);
  return { login: auth.slice(0, at), password: auth.slice(at + 1) };
}

export async function startGandiSimulator(options: GandiSimulatorOptions = {}): Promise<RunningGandiSimulator> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  checkPort(port);
  const { login, password } = parseAuth(options.auth ?? DEFAULT_AUTH);
  const worldOptions = commonWorldOptions(options);
  const stateFile = options.stateFile;
  const loaded = stateFile ? await loadWorld(stateFile, worldOptions) : null;
  const world = loaded ?? new World(worldOptions, login, password);
  // The account is the one this run was given, whatever the file says.
  world.account.handle = login;
  world.account.password = password;
  const hosting = new Hosting(world);
  const saver = createStateSaver(world, stateFile, (file) => saveWorld(world, file), "hyperplan Gandi simulator");
  const endpoint = new GandiEndpoint(hosting, saver.saveIfChanged);
  const bound = await endpoint.listen(port, host);
  if (stateFile) await saver.save();
  let closed = false;
  return {
    url: `http://${urlHost(host)}:${bound}/hosting/`,
    port: bound,
    callCounts: () => endpoint.callCounts(),
    resetCallCounts: () => endpoint.resetCallCounts(),
    faults: { add: (rule) => world.faults.add(rule), clear: () => world.faults.clear() },
    world,
    save: async () => {
      world.advance();
      await saver.save();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await endpoint.close();
      if (stateFile) {
        await saver.settled();
        world.advance();
        world.changed();
        await saver.save();
      }
    },
  };
}
