/**
 * XenServer in the registry: its profile, rules and settings from `src/providers/xenserver`, and the
 * glue the CLI needs (connect.ts reaches the pool or the embedded simulator of `--simulate`;
 * `hyperplan sim xenserver` runs `src/sim/xenserver`). Providers and simulators load when used.
 */
import { xenServerDiffRules } from "../../providers/xenserver/diff-rules.js";
import { xenServerProfile } from "../../providers/xenserver/profile.js";
import { xenServerSavedSettings, xenServerSettingsSchema, type XenServerSettings } from "../../providers/xenserver/settings.js";
import { XENSERVER_SIM_USAGE } from "../../sim/xenserver/usage.js";
import type { Backend } from "../backend.js";

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

  // The provider and the simulator load when a command reaches the cloud, not when the CLI starts.
  async connect(settings, context) {
    return (await import("./connect.js")).connect(settings, context);
  },

  async simulate(stateFile, context, settings) {
    return (await import("./connect.js")).simulate(stateFile, context);
  },

  simulator: { usage: XENSERVER_SIM_USAGE, run: async (argv, io) => (await import("../../sim/xenserver/command.js")).runXenServerSimCommand(argv, io) },
  demoStack: "xen-lab.ts",
};
