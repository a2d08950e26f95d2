/**
 * The OpenVZ Web Panel reached: a provider over the panel and user from the settings or the
 * environment, or over the embedded simulator of `--simulate`. Loaded only by a command that
 * reaches the cloud.
 */
import { relative } from "node:path";
import { OwpClient } from "../../providers/openvz/client.js";
import { OwpCredentials, readCaFile, resolveOpenVzConfig } from "../../providers/openvz/config.js";
import { OpenVzProvider } from "../../providers/openvz/provider.js";
import type { OpenVzSettings } from "../../providers/openvz/settings.js";
import { parseFaultRules, startOpenVzSimulator } from "../../sim/openvz/index.js";
import type { Connection, ConnectContext } from "../backend.js";
import { retryOptions, simDelays, simFaults } from "../simulate-env.js";

export async function connect(settings: Record<string, unknown>, context: ConnectContext): Promise<Connection> {
  const config = resolveOpenVzConfig({ settings: settings as OpenVzSettings, env: context.env });
  const ca = config.caFile !== undefined ? await readCaFile(config.caFile) : undefined;
  const client = OwpClient.fromConfig(config, { ...(ca !== undefined ? { ca } : {}) });
  const provider = new OpenVzProvider({ client, ...(config.hardwareServer !== undefined ? { hardwareServer: config.hardwareServer } : {}), ...retryOptions(context) });
  return { provider, label: `OpenVZ Web Panel ${config.url}`, close: () => provider.close() };
}

export async function simulate(stateFile: string, context: ConnectContext, settings: Record<string, unknown>): Promise<Connection> {
  const { hardwareServer } = settings as OpenVzSettings;
  const delays = simDelays(context.env);
  const faults = simFaults(context.env, parseFaultRules);
  const sim = await startOpenVzSimulator({ port: 0, stateFile, delays, ...(faults.length > 0 ? { faults } : {}) });
  const client = new OwpClient({ url: sim.url, credentials: new OwpCredentials("admin", "admin") });
  const provider = new OpenVzProvider({ client, ...(hardwareServer !== undefined ? { hardwareServer } : {}), ...retryOptions(context) });
  return {
    provider,
    label: `OpenVZ Web Panel simulator ${sim.url} (embedded; world in ${relative(context.cwd, stateFile) || stateFile})`,
    close: async () => {
      await provider.close();
      await sim.close();
    },
  };
}
