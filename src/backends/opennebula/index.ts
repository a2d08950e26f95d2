/**
 * OpenNebula in the registry: its profile, rules and settings from `src/providers/opennebula`, and the
 * glue the CLI needs (connect.ts reaches oned or the embedded simulator of `--simulate`;
 * `hyperplan sim opennebula` runs `src/sim/opennebula`). Providers and simulators load when used.
 */
import { printableEndpoint } from "../../providers/kit/http-transport.js";
import { openNebulaProfile } from "../../providers/opennebula/profile.js";
import { openNebulaDiffRules } from "../../providers/opennebula/diff-rules.js";
import { openNebulaSettingsSchema, type OpenNebulaSettings } from "../../providers/opennebula/settings.js";
import { SIM_USAGE } from "../../sim/opennebula/usage.js";
import type { Backend } from "../backend.js";

export const openNebulaBackend: Backend = {
  name: "opennebula",
  title: "OpenNebula",
  profile: openNebulaProfile,
  rules: openNebulaDiffRules,
  settingsSchema: openNebulaSettingsSchema,
  environment: "ONE_XMLRPC and ONE_AUTH, as the OpenNebula CLI reads them (else http://localhost:2633/RPC2 with ~/.one/one_auth)",

  // A user and password in the endpoint URL are never saved (nor sent: oned's credentials are the auth file's).
  savedSettings(settings) {
    const one = settings as OpenNebulaSettings;
    return one.endpoint === undefined ? settings : { ...one, endpoint: printableEndpoint(one.endpoint) };
  },

  // The provider and the simulator load when a command reaches the cloud, not when the CLI starts.
  async connect(settings, context) {
    return (await import("./connect.js")).connect(settings, context);
  },

  async simulate(stateFile, context, settings) {
    return (await import("./connect.js")).simulate(stateFile, context);
  },

  simulator: { usage: SIM_USAGE, run: async (argv, io) => (await import("./sim-command.js")).runSim(argv, io) },
  demoStack: "lab.ts",
};
