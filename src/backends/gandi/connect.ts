/**
 * Gandi hosting reached: a provider over the endpoint and account from the settings or the
 * environment, or over the embedded simulator of `--simulate`. Loaded only by a command that
 * reaches the cloud.
 */
import { relative } from "node:path";
import { GandiClient } from "../../providers/gandi/client.js";
import { readCaFile, resolveGandiConfig } from "../../providers/gandi/config.js";
import { GandiProvider } from "../../providers/gandi/provider.js";
import type { GandiSettings } from "../../providers/gandi/settings.js";
import { parseFaultRules, startGandiSimulator } from "../../sim/gandi/index.js";
import type { Connection, ConnectContext } from "../backend.js";
import { retryOptions, simDelays, simFaults } from "../simulate-env.js";

export async function connect(settings: Record<string, unknown>, context: ConnectContext): Promise<Connection> {
  const config = resolveGandiConfig({ settings: settings as GandiSettings, env: context.env });
  const ca = config.caFile !== undefined ? await readCaFile(config.caFile) : undefined;
  const client = GandiClient.fromConfig(config, { ...(ca !== undefined ? { ca } : {}) });
  const provider = new GandiProvider({ client, ...retryOptions(context) });
  return { provider, label: `Gandi hosting ${config.url}`, close: () => provider.close() };
}

export async function simulate(stateFile: string, context: ConnectContext): Promise<Connection> {
  const delays = simDelays(context.env);
  const faults = simFaults(context.env, parseFaultRules);
  const sim = await startGandiSimulator({ port: 0, stateFile, delays, ...(faults.length > 0 ? { faults } : {}) });
  const client = new GandiClient({ url: sim.url, login: "AA1234-GANDI", password: "gandi" });
  const provider = new GandiProvider({ client, ...retryOptions(context) });
  return {
    provider,
    label: `Gandi hosting simulator ${sim.url} (embedded; world in ${relative(context.cwd, stateFile) || stateFile})`,
    close: async () => {
      await provider.close();
      await sim.close();
    },
  };
}
