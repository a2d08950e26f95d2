/**
 * OpenNebula in the registry: its profile and settings from `src/providers/opennebula`, its simulator
 * from `src/sim/opennebula`, and the glue the CLI needs (which endpoint and credentials, the embedded
 * simulator of `--simulate`, `hyperplan sim opennebula`, the stack `hyperplan demo` applies).
 */
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { HyperplanError } from "../../errors";
import { resolveOneConfig } from "../../providers/opennebula/config";
import { printableEndpoint } from "../../providers/kit/http-transport";
import { openNebulaProfile } from "../../providers/opennebula/profile";
import { openNebulaDiffRules } from "../../providers/opennebula/diff-rules";
import { createOpenNebulaProvider } from "../../providers/opennebula/provider";
import { openNebulaSettingsSchema, type OpenNebulaSettings } from "../../providers/opennebula/settings";
import { parseFaultRules, startOneSimulator } from "../../sim/opennebula/index";
import type { Backend } from "../backend";
import { retryOptions, simDelays, simFaults } from "../simulate-env";
import { runSim, SIM_USAGE } from "./sim-command";

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

  async connect(settings, context) {
    const one = settings as OpenNebulaSettings;
    const config = resolveOneConfig({
      env: context.env,
      ...(one.endpoint !== undefined ? { endpoint: one.endpoint } : {}),
      ...(one.authFile !== undefined ? { authFile: one.authFile } : {}),
    });
    let ca: string | undefined;
    if (one.caFile !== undefined) {
      try {
        ca = await readFile(one.caFile, "utf8");
      } catch (error) {
        throw new HyperplanError("CA_FILE_UNREADABLE", `cannot read the CA file ${one.caFile} named in the stack's provider settings`, { cause: error });
      }
    }
    const provider = createOpenNebulaProvider({ endpoint: config.endpoint, session: config.session, credentialsFrom: config.credentialsFrom, ...(ca !== undefined ? { ca } : {}), ...retryOptions(context) });
    return { provider, label: `OpenNebula ${printableEndpoint(config.endpoint)}`, close: () => provider.close() };
  },

  async simulate(stateFile, context) {
    // Faults to try a failing apply on the demo (`HYPERPLAN_SIM_FAULTS='{"type":"fail-state",…}'`).
    const delays = simDelays(context.env);
    const faults = simFaults(context.env, parseFaultRules);
    const sim = await startOneSimulator({ port: 0, stateFile, delays, ...(faults.length > 0 ? { faults } : {}) });
    const provider = createOpenNebulaProvider({ endpoint: sim.url, session: "oneadmin:opennebula", ...retryOptions(context) });
    return {
      provider,
      label: `OpenNebula simulator ${sim.url} (embedded; world in ${relative(context.cwd, stateFile) || stateFile})`,
      close: async () => {
        await provider.close();
        await sim.close();
      },
    };
  },

  simulator: { usage: SIM_USAGE, run: runSim },
  demoStack: "lab.ts",
};
