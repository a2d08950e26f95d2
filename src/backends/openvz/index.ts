/**
 * The OpenVZ Web Panel in the registry: its profile, rules, settings and provider from
 * `src/providers/openvz`, its simulator from `src/sim/openvz`, and the glue the CLI needs (the panel
 * and user from the settings or the environment, the embedded simulator of `--simulate`,
 * `hyperplan sim openvz`).
 */
import { relative } from "node:path";
import { OwpClient } from "../../providers/openvz/client";
import { OwpCredentials, readCaFile, resolveOpenVzConfig } from "../../providers/openvz/config";
import { openVzDiffRules } from "../../providers/openvz/diff-rules";
import { openVzProfile } from "../../providers/openvz/profile";
import { OpenVzProvider } from "../../providers/openvz/provider";
import { openVzSavedSettings, openVzSettingsSchema, type OpenVzSettings } from "../../providers/openvz/settings";
import { OPENVZ_SIM_USAGE, parseFaultRules, runOpenVzSimCommand, startOpenVzSimulator } from "../../sim/openvz/index";
import type { Backend } from "../backend";
import { retryOptions, simDelays, simFaults } from "../simulate-env";

export const openVzBackend: Backend = {
  name: "openvz",
  title: "OpenVZ Web Panel",
  profile: openVzProfile,
  rules: openVzDiffRules,
  settingsSchema: openVzSettingsSchema,
  environment: "OWP_URL (the panel's base URL), OWP_USER and OWP_PASSWORD",

  savedSettings(settings) {
    return openVzSavedSettings(settings as OpenVzSettings) as Record<string, unknown>;
  },

  async connect(settings, context) {
    const config = resolveOpenVzConfig({ settings: settings as OpenVzSettings, env: context.env });
    const ca = config.caFile !== undefined ? await readCaFile(config.caFile) : undefined;
    const client = OwpClient.fromConfig(config, { ...(ca !== undefined ? { ca } : {}) });
    const provider = new OpenVzProvider({ client, ...(config.hardwareServer !== undefined ? { hardwareServer: config.hardwareServer } : {}), ...retryOptions(context) });
    return { provider, label: `OpenVZ Web Panel ${config.url}`, close: () => provider.close() };
  },

  async simulate(stateFile, context, settings) {
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
  },

  simulator: { usage: OPENVZ_SIM_USAGE, run: (argv, io) => runOpenVzSimCommand(argv, io) },
  demoStack: "openvz-ci.ts",
};
