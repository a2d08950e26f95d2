/**
 * A backend, as the CLI and the core meet it: its name, its profile, its settings, how to reach its
 * cloud from those settings and the environment, and its simulator. One value per backend, listed in
 * `registry.ts`; the core never names a backend, and adding one adds its provider folder, its
 * simulator folder and its entry here (docs/architecture.md, "Adding a backend").
 */
import type { CliIo } from "../core/command-io.js";
import type { CallRetry } from "../core/retry.js";
import type { Provider } from "../providers/provider.js";
import type { BackendProfile } from "../resources/backend-profile.js";
import type { DiffRules } from "../diff/rules.js";
import type { JsonSchema } from "../resources/schema-parts.js";

/** A provider and where it reads, ready for plan and apply. */
export interface Connection {
  provider: Provider;
  /** What the plan's first line names: the endpoint (never with credentials), and whether it is a simulator. */
  label: string;
  close(): Promise<void>;
}

export interface ConnectContext {
  env: Record<string, string | undefined>;
  cwd: string;
  /** How long calls are retried while the cloud does not answer, and who is told of each retry. */
  retry?: { timeoutMs?: number; onRetry?: (retry: CallRetry) => void };
}

/** A simulator as `hyperplan sim <name>` runs it: a standalone server until SIGINT/SIGTERM. */
export interface SimulatorEntry {
  name: string;
  /** For people (`OpenNebula`). */
  title: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

export interface Backend {
  /** The key of the stack's provider settings, of raw sections and of `hyperplan sim <name>`. */
  name: string;
  /** For people (`OpenNebula`). */
  title: string;
  profile: BackendProfile;
  /** Its diff rules (the same its providers carry), for what validate and the coherence tests read. */
  rules: DiffRules;
  /** The JSON schema of this backend's provider settings in a stack. */
  settingsSchema: JsonSchema;
  /** The environment variables it reads when the stack gives no settings, for help texts. */
  environment: string;
  /** The settings as a saved plan keeps them: nothing secret (a password in a URL is dropped). */
  savedSettings(settings: Record<string, unknown>): Record<string, unknown>;
  /** Reaches the cloud the settings (else the environment) name. */
  connect(settings: Record<string, unknown>, context: ConnectContext): Promise<Connection>;
  /**
   * `--simulate`: the backend's simulator started in-process on a loopback port, its world kept in
   * `stateFile`, with the delays and faults the environment asks for (HYPERPLAN_SIM_DELAYS,
   * HYPERPLAN_SIM_FAULTS). `settings` are the stack's: the simulator stands for where the cloud is and
   * who calls it, and the backend keeps what else they say (where containers go, on OpenVZ).
   */
  simulate(stateFile: string, context: ConnectContext, settings: Record<string, unknown>): Promise<Connection>;
  /** `hyperplan sim <name> …`: the simulator as a standalone server. */
  simulator: Pick<SimulatorEntry, "usage" | "run">;
  /** `hyperplan demo --backend NAME`: the example stack (in `examples/stacks/`) applied on the embedded simulator. */
  demoStack: string;
}
