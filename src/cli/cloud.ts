/**
 * Which cloud a command talks to, decided in one place:
 * 1. `--simulate`: the embedded OpenNebula simulator, started in-process on a loopback port, its
 *    world kept in `.hyperplan/simulator.json` beside the stack file so that a plan after an apply
 *    sees what the apply made;
 * 2. else the stack's provider settings;
 * 3. else `ONE_XMLRPC` and `ONE_AUTH`, as the OpenNebula CLI reads them.
 * The label names the endpoint, so nobody mistakes the simulator for production.
 */
import { mkdir, readFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import type { CliIo } from "./io";
import type { Provider } from "../providers/provider";
import type { ProviderSettings } from "../resources/stack";
import { HyperplanError } from "../errors";
import type { CallRetry } from "../planner/retry";
import { retrySentence } from "./render/progress-text";
import { resolveOneConfig } from "../providers/opennebula/config";
import { printableEndpoint } from "../providers/opennebula/errors";
import { createOpenNebulaProvider } from "../providers/opennebula/provider";
import { parseFaultRules, startOneSimulator, type FaultRule, type OneSimulatorOptions } from "../sim/opennebula/index";

export interface CloudConnection {
  /** Reads the live state for a plan and carries a plan out. */
  provider: Provider;
  /** What the plan's first line names: the endpoint, and whether it is the simulator. */
  label: string;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** The stack's provider settings (from the stack file, or saved in a plan). */
  settings: ProviderSettings;
  stackFile: string;
  simulate: boolean;
  io: CliIo;
  /** How long calls failing on a lost or busy cloud are retried, and who is told of each retry. */
  retry?: { timeoutMs?: number; onRetry?: (retry: CallRetry) => void };
}

/** Tells a person on stderr that a call is being retried (before any progress view exists). */
export function retryToStderr(io: CliIo): (retry: CallRetry) => void {
  return (retry) => io.stderr.write(`hyperplan: ${retrySentence({ type: "call-retry", ...retry })}: ${retry.message}\n`);
}

/**
 * The provider settings as a saved plan keeps them: a user and password written into an endpoint URL
 * are never saved (nor sent: OpenNebula's credentials are the auth file's).
 */
export function savedSettings(settings: ProviderSettings): ProviderSettings {
  const one = settings.opennebula;
  if (one?.endpoint === undefined) return settings;
  return { ...settings, opennebula: { ...one, endpoint: printableEndpoint(one.endpoint) } };
}

/** Where `--simulate` keeps the simulator's world for a stack file. */
export function simulatorStateFile(stackFile: string): string {
  return join(dirname(stackFile), ".hyperplan", "simulator.json");
}

const SIM_DELAYS = new Set(["instant", "fast", "realistic"]);

function retryOptions(options: ConnectOptions): { retryTimeoutMs?: number; onRetry: (retry: CallRetry) => void } {
  return {
    ...(options.retry?.timeoutMs !== undefined ? { retryTimeoutMs: options.retry.timeoutMs } : {}),
    onRetry: options.retry?.onRetry ?? retryToStderr(options.io),
  };
}

export async function connectCloud(options: ConnectOptions): Promise<CloudConnection> {
  const { io } = options;
  if (options.simulate) {
    const stateFile = simulatorStateFile(options.stackFile);
    await mkdir(dirname(stateFile), { recursive: true, mode: 0o700 });
    // Realistic lifecycle delays by default (a demo should look like a cloud); tests ask for less.
    const delays = io.env.HYPERPLAN_SIM_DELAYS ?? "realistic";
    if (!SIM_DELAYS.has(delays)) {
      throw new HyperplanError("SIM_DELAYS_INVALID", `HYPERPLAN_SIM_DELAYS must be instant, fast or realistic, got "${delays}"`);
    }
    // Faults to try a failing apply on the demo (`HYPERPLAN_SIM_FAULTS='{"type":"fail-state",…}'`).
    let faults: FaultRule[] = [];
    if (io.env.HYPERPLAN_SIM_FAULTS) {
      try {
        faults = parseFaultRules(io.env.HYPERPLAN_SIM_FAULTS);
      } catch (error) {
        throw new HyperplanError("SIM_FAULTS_INVALID", `HYPERPLAN_SIM_FAULTS: ${(error as Error).message}`);
      }
    }
    const sim = await startOneSimulator({ port: 0, stateFile, delays: delays as OneSimulatorOptions["delays"], ...(faults.length > 0 ? { faults } : {}) });
    const provider = createOpenNebulaProvider({ endpoint: sim.url, session: "oneadmin:opennebula", ...retryOptions(options) });
    return {
      provider,
      label: `OpenNebula simulator ${sim.url} (embedded; world in ${relative(io.cwd, stateFile) || stateFile})`,
      close: async () => {
        await provider.close();
        await sim.close();
      },
    };
  }
  const settings = options.settings.opennebula ?? {};
  const config = resolveOneConfig({
    env: io.env,
    ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint } : {}),
    ...(settings.authFile !== undefined ? { authFile: settings.authFile } : {}),
  });
  let ca: string | undefined;
  if (settings.caFile !== undefined) {
    try {
      ca = await readFile(settings.caFile, "utf8");
    } catch (error) {
      throw new HyperplanError("CA_FILE_UNREADABLE", `cannot read the CA file ${settings.caFile} named in the stack's provider settings`, { cause: error });
    }
  }
  const provider = createOpenNebulaProvider({ endpoint: config.endpoint, session: config.session, ...(ca !== undefined ? { ca } : {}), ...retryOptions(options) });
  return { provider, label: `OpenNebula ${printableEndpoint(config.endpoint)}`, close: () => provider.close() };
}
