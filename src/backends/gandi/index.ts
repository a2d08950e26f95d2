/**
 * Gandi hosting in the registry: its profile, rules, settings and provider from `src/providers/gandi`,
 * its simulator from `src/sim/gandi`, and the glue the CLI needs (the endpoint and account from the
 * settings or the environment, the embedded simulator of `--simulate`, `hyperplan sim gandi`).
 */
import { relative } from "node:path";
import { GandiClient } from "../../providers/gandi/client";
import { readCaFile, resolveGandiConfig } from "../../providers/gandi/config";
import { gandiDiffRules } from "../../providers/gandi/diff-rules";
import { gandiProfile } from "../../providers/gandi/profile";
import { GandiProvider } from "../../providers/gandi/provider";
import { gandiSavedSettings, gandiSettingsSchema, type GandiSettings } from "../../providers/gandi/settings";
import { parseFaultRules, startGandiSimulator } from "../../sim/gandi/index";
import type { Backend } from "../backend";
import { retryOptions, simDelays, simFaults } from "../simulate-env";
import { gandiSimulator } from "./simulator";

export const gandiBackend: Backend = {
  name: "gandi",
  title: "Gandi hosting",
  profile: gandiProfile,
  rules: gandiDiffRules,
  settingsSchema: gandiSettingsSchema,
  environment: "GANDI_URL (default https://api.gandi.net/hosting/), GANDI_LOGIN and GANDI_PASSWORD",

  savedSettings(settings) {
    return gandiSavedSettings(settings as GandiSettings) as Record<string, unknown>;
  },

  async connect(settings, context) {
    const config = resolveGandiConfig({ settings: settings as GandiSettings, env: context.env });
    const ca = config.caFile !== undefined ? await readCaFile(config.caFile) : undefined;
    const client = GandiClient.fromConfig(config, { ...(ca !== undefined ? { ca } : {}) });
    const provider = new GandiProvider({ client, ...retryOptions(context) });
    return { provider, label: `Gandi hosting ${config.url}`, close: () => provider.close() };
  },

  async simulate(stateFile, context) {
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
  },

  simulator: { usage: gandiSimulator.usage, run: gandiSimulator.run },
  demoStack: "gandi-web.ts",
};
