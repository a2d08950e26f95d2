/**
 * XenServer in the registry: its profile, rules, settings and provider from `src/providers/xenserver`,
 * its simulator from `src/sim/xenserver`, and the glue the CLI needs (the pool and credentials from
 * the settings or the environment, the embedded simulator of `--simulate`, `hyperplan sim xenserver`).
 */
import { relative } from "node:path";
import { XenApiClient } from "../../providers/xenserver/client";
import { readCaFile, resolveXenServerConfig } from "../../providers/xenserver/config";
import { xenServerDiffRules } from "../../providers/xenserver/diff-rules";
import { xenServerProfile } from "../../providers/xenserver/profile";
import { createXenServerProvider } from "../../providers/xenserver/provider";
import { xenServerSavedSettings, xenServerSettingsSchema, type XenServerSettings } from "../../providers/xenserver/settings";
import { parseFaultRules, startXenServerSimulator } from "../../sim/xenserver/index";
import { Retrier } from "../../core/retry";
import { systemClock } from "../../core/clock";
import type { Backend, ConnectContext } from "../backend";
import { retryOptions, simDelays, simFaults } from "../simulate-env";
import { xenServerSimulator } from "./simulator";

/** The client's own reads (the task watcher's event.from) give up when the run's retry timeout says. */
function clientRetrier(context: ConnectContext): Retrier {
  return new Retrier({
    clock: systemClock,
    ...(context.retry?.timeoutMs !== undefined ? { timeoutMs: context.retry.timeoutMs } : {}),
    ...(context.retry?.onRetry ? { onRetry: context.retry.onRetry } : {}),
  });
}

export const xenServerBackend: Backend = {
  name: "xenserver",
  title: "XenServer",
  profile: xenServerProfile,
  rules: xenServerDiffRules,
  settingsSchema: xenServerSettingsSchema,
  environment: "XENSERVER_HOST, XENSERVER_USER and XENSERVER_PASSWORD, as Ansible's xenserver modules read them (XENSERVER_VALIDATE_CERTS=false accepts a self-signed certificate)",

  savedSettings(settings) {
    return xenServerSavedSettings(settings as XenServerSettings) as Record<string, unknown>;
  },

  async connect(settings, context) {
    const config = resolveXenServerConfig({ settings: settings as XenServerSettings, env: context.env });
    const ca = config.caFile !== undefined ? await readCaFile(config.caFile) : undefined;
    const client = XenApiClient.fromConfig(config, { retrier: clientRetrier(context), ...(ca !== undefined ? { ca } : {}) });
    const provider = createXenServerProvider({ client, ...retryOptions(context) });
    return { provider, label: `XenServer ${config.url}`, close: () => provider.close() };
  },

  async simulate(stateFile, context) {
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
  },

  simulator: { usage: xenServerSimulator.usage, run: xenServerSimulator.run },
  demoStack: "xen-lab.ts",
};
