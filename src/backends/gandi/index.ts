/**
 * Gandi hosting in the registry: its profile, rules and settings from `src/providers/gandi`, and the
 * glue the CLI needs (connect.ts reaches the account or the embedded simulator of `--simulate`;
 * `hyperplan sim gandi` runs `src/sim/gandi`). Providers and simulators load when used.
 */
import { gandiDiffRules } from "../../providers/gandi/diff-rules.js";
import { gandiProfile } from "../../providers/gandi/profile.js";
import { gandiSavedSettings, gandiSettingsSchema, type GandiSettings } from "../../providers/gandi/settings.js";
import { GANDI_SIM_USAGE } from "../../sim/gandi/usage.js";
import type { Backend } from "../backend.js";

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

  // The provider and the simulator load when a command reaches the cloud, not when the CLI starts.
  async connect(settings, context) {
    return (await import("./connect.js")).connect(settings, context);
  },

  async simulate(stateFile, context, settings) {
    return (await import("./connect.js")).simulate(stateFile, context);
  },

  simulator: { usage: GANDI_SIM_USAGE, run: async (argv, io) => (await import("../../sim/gandi/command.js")).runGandiSimCommand(argv, io) },
  demoStack: "gandi-web.ts",
};
