/**
 * Starting the simulated OpenVZ Web Panel in-process: the world (loaded from the state file or
 * made fresh), the panel's accounts, the HTTP endpoint and saving.
 */
import { checkPort, urlHost } from "../kit/http.js";
import { createStateSaver } from "../kit/saver.js";
import { commonWorldOptions } from "../kit/world-options.js";
import type { DelayOverrides, DelayPreset } from "./delays.js";
import type { FaultRule } from "./faults.js";
import { Panel } from "./panel.js";
import { loadWorld, saveWorld, SimStateError } from "./persistence.js";
import { OpenVzEndpoint } from "./server.js";
import { rubyDowncase } from "./typecast.js";
import { World, type Account, type OpenVzClock } from "./world.js";

export interface OpenVzSimulatorOptions {
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** 0 = any free port (default 0 in-process; the command defaults to 3000, the panel's own). */
  port?: number;
  /** USER:PASSWORD of the superadmin account (user id 1); default admin:admin. */
  auth?: string;
  /**
   * Further accounts, user ids 2, 3, … in this order; not superadmin unless said. Like `auth`
   * they are users of the panel (`users/list` shows them) but are not kept in the state file;
   * users made through the API get the ids after them.
   */
  users?: { login: string; password: string; superadmin?: boolean }[];
  seed?: number;
  /** Load the world from this file at start, save it after every change and on close. */
  stateFile?: string;
  /** A preset, or per-step delays in ms laid over `fast` (`{ create: 3000 }`). */
  delays?: DelayPreset | DelayOverrides;
  /** `now()` for the vzctl log; with `sleep(ms)`, the simulator waits on it instead of real timers. */
  clock?: OpenVzClock;
  faults?: FaultRule[];
  /** The panel's `save_descriptions` setting: descriptions validated and set with vzctl (default true). */
  descriptions?: boolean;
}

export interface RunningOpenVzSimulator {
  /** `http://127.0.0.1:PORT/`; the API is under `api/`. */
  readonly url: string;
  readonly port: number;
  /** Calls received, by `<controller>/<action>`. */
  callCounts(): Record<string, number>;
  resetCallCounts(): void;
  readonly faults: { add(rule: FaultRule): void; clear(): void };
  readonly world: World;
  save(): Promise<void>;
  close(): Promise<void>;
}

export { DEFAULT_AUTH, DEFAULT_PORT } from "./usage.js";
import { DEFAULT_AUTH } from "./usage.js";

/** USER:PASSWORD (the password may hold colons); a TypeError when there is no user. */
export function parseAuth(auth: string): { login: string; password: string } {
  const at = auth.indexOf(":");
  if (at <= 0) throw new TypeError(`auth must be USER:PASSWORD, got "${auth}"`);
  return { login: auth.slice(0, at), password: auth.slice(at + 1) };
}

/** The accounts: the `auth` superadmin as user 1, then `users`; logins lower-cased (`User#login=`), each once. */
export function panelUsers(auth: string, users: OpenVzSimulatorOptions["users"] = []): Account[] {
  const admin = parseAuth(auth);
  const list: Account[] = [{ id: 1, login: rubyDowncase(admin.login), password: admin.password, superadmin: true }];
  for (const user of users) {
    if (typeof user.login !== "string" || user.login.trim() === "" || typeof user.password !== "string") throw new TypeError("each user needs a login and a password");
    const login = rubyDowncase(user.login);
    if (list.some((u) => u.login === login)) throw new TypeError(`user "${login}" is given twice`);
    list.push({ id: list.length + 1, login, password: user.password, superadmin: user.superadmin === true });
  }
  return list;
}

export async function startOpenVzSimulator(options: OpenVzSimulatorOptions = {}): Promise<RunningOpenVzSimulator> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  checkPort(port);
  const accounts = panelUsers(options.auth ?? DEFAULT_AUTH, options.users);
  const worldOptions = commonWorldOptions(options);
  const stateFile = options.stateFile;
  const loaded = stateFile ? await loadWorld(stateFile, worldOptions) : null;
  const world = loaded ?? new World(worldOptions);
  try {
    world.addAccounts(accounts);
  } catch (error) {
    // Only a loaded world holds users besides the accounts.
    throw new SimStateError(`the simulator state file ${String(stateFile)} does not fit the accounts given: ${(error as Error).message}`, error);
  }
  const panel = new Panel(world, options.descriptions ?? true);
  const saver = createStateSaver(world, stateFile, (file) => saveWorld(world, file), "hyperplan OpenVZ Web Panel simulator");
  const endpoint = new OpenVzEndpoint(panel, saver.saveIfChanged);
  const bound = await endpoint.listen(port, host);
  if (stateFile) await saver.save();
  let closed = false;
  return {
    url: `http://${urlHost(host)}:${bound}/`,
    port: bound,
    callCounts: () => endpoint.callCounts(),
    resetCallCounts: () => endpoint.resetCallCounts(),
    faults: { add: (rule) => world.faults.add(rule), clear: () => world.faults.clear() },
    world,
    save: () => saver.save(),
    close: async () => {
      if (closed) return;
      closed = true;
      await endpoint.close();
      if (stateFile) {
        await saver.settled();
        world.changed();
        await saver.save();
      }
    },
  };
}
