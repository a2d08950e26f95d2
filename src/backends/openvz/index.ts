/**
 * The OpenVZ Web Panel in the registry: its profile, rules and settings from `src/providers/openvz`,
 * and the glue the CLI needs (connect.ts reaches the panel or the embedded simulator of
 * `--simulate`; `hyperplan sim openvz` runs `src/sim/openvz`). Providers and simulators load when used.
 */
import { openVzDiffRules } from "../../providers/openvz/diff-rules.js";
import { openVzProfile } from "../../providers/openvz/profile.js";
import { openVzSavedSettings, openVzSettingsSchema, type OpenVzSettings } from "../../providers/openvz/settings.js";
import { OPENVZ_SIM_USAGE } from "../../sim/openvz/usage.js";
import type { Backend } from "../backend.js";

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

  // The provider and the simulator load when a command reaches the cloud, not when the CLI starts.
  async connect(settings, context) {
    return (await import("./connect.js")).connect(settings, context);
  },

  async simulate(stateFile, context, settings) {
    return (await import("./connect.js")).simulate(stateFile, context, settings);
  },

  simulator: { usage: OPENVZ_SIM_USAGE, run: async (argv, io) => (await import("../../sim/openvz/command.js")).runOpenVzSimCommand(argv, io) },
  demoStack: "openvz-ci.ts",
};
