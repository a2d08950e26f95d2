/**
 * XenServer reached: a provider over the pool and credentials from the settings or the environment,
 * or over the embedded simulator of `--simulate`. Loaded only by a command that reaches the cloud.
 */
import { relative } from "node:path";
import { XenApiClient } from "../../providers/xenserver/client.js";
import { readCaFile, resolveXenServerConfig } from "../../providers/xenserver/config.js";
import { createXenServerProvider } from "../../providers/xenserver/provider.js";
import type { XenServerSettings } from "../../providers/xenserver/settings.js";
import { parseFaultRules, startXenServerSimulator } from "../../sim/xenserver/index.js";
import { Retrier } from "../../core/retry.js";
import { systemClock } from "../../core/clock.js";
import type { Connection, ConnectContext } from "../backend.js";
import { retryOptions, simDelays, simFaults } from "../simulate-env.js";

/** The client's own reads (the task watcher's event.from) give up when the run's retry timeout says. */
function clientRetrier(context: ConnectContext): Retrier {
  return new Retrier({
    clock: systemClock,
    ...(context.retry?.timeoutMs !== undefined ? { timeoutMs: context.retry.timeoutMs } : {}),
    ...(context.retry?.onRetry ? { onRetry: context.retry.onRetry } : {}),
  });
}

export async function connect(settings: Record<string, unknown>, context: ConnectContext): Promise<Connection> {
  const config = resolveXenServerConfig({ settings: settings as XenServerSettings, env: context.env });
  const ca = config.caFile !== undefined ? await readCaFile(config.caFile) : undefined;
  const client = XenApiClient.fromConfig(config, { retrier: clientRetrier(context), ...(ca !== undefined ? { ca } : {}) });
  const provider = createXenServerProvider({ client, ...retryOptions(context) });
  return { provider, label: `XenServer ${config.url}`, close: () => provider.close() };
}

export async function simulate(stateFile: string, context: ConnectContext): Promise<Connection> {
  const delays = simDelays(context.env);
  const faults = simFaults(context.env, parseFaultRules);
  const sim = await startXenServerSimulator({ port: 0, stateFile, slaveHost: false, delays, ...(faults.length > 0 ? { faults } : {}) });
  const client = new XenApiClient({ url: sim.url, username: "root", password: "xenserver", retrier: clientRetrier(context) });
  const provider = createXenServerProvider({ client, ...retryOptions(context) });
  return {
    provider,
    label: `XenServer simulator ${sim.url} (embedded; world in ${relative(context.cwd, stateFile) || stateFile})`,
    close: async () => {
      await provider.close();
      await sim.close();
    },
  };
}
