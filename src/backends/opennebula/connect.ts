/**
 * OpenNebula reached: a provider over the endpoint and credentials the settings or the environment
 * name, or over the embedded simulator of `--simulate`. Loaded only by a command that reaches the cloud.
 */
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { HyperplanError } from "../../errors.js";
import { resolveOneConfig } from "../../providers/opennebula/config.js";
import { printableEndpoint } from "../../providers/kit/http-transport.js";
import { createOpenNebulaProvider } from "../../providers/opennebula/provider.js";
import type { OpenNebulaSettings } from "../../providers/opennebula/settings.js";
import { parseFaultRules, startOneSimulator } from "../../sim/opennebula/index.js";
import type { Connection, ConnectContext } from "../backend.js";
import { retryOptions, simDelays, simFaults } from "../simulate-env.js";

export async function connect(settings: Record<string, unknown>, context: ConnectContext): Promise<Connection> {
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
}

export async function simulate(stateFile: string, context: ConnectContext): Promise<Connection> {
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
}
