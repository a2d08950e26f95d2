/**
 * The backends hyperplan knows, by name. Adding a backend adds its entry here (one line) beside its
 * folders under `src/providers` and `src/sim` and its entry folder under `src/backends`.
 */
import type { ProviderSettings } from "../resources/stack.js";
import { checkSchema } from "../resources/schema-validator.js";
import type { ValidationIssue } from "../resources/validation-issue.js";
import type { Backend, SimulatorEntry } from "./backend.js";
import { openNebulaBackend } from "./opennebula/index.js";
import { xenServerBackend } from "./xenserver/index.js";
import { gandiBackend } from "./gandi/index.js";
import { openVzBackend } from "./openvz/index.js";

export type { Backend, Connection, ConnectContext, SimulatorEntry } from "./backend.js";

export const BACKENDS: readonly Backend[] = [openNebulaBackend, xenServerBackend, gandiBackend, openVzBackend];

/**
 * The simulators `hyperplan sim` runs: every backend's, and those of backends whose plan and apply
 * are still to come (a simulator is built first, so the client has a cloud to meet).
 */
export const SIMULATORS: readonly SimulatorEntry[] = [...BACKENDS.map((b) => ({ name: b.name, title: b.title, usage: b.simulator.usage, run: b.simulator.run }))];

export function simulatorNamed(name: string): SimulatorEntry | undefined {
  return SIMULATORS.find((s) => s.name === name);
}

/** The backend of a stack that names none: OpenNebula, read from its usual environment. */
export const DEFAULT_BACKEND = openNebulaBackend;

export function backendNamed(name: string): Backend | undefined {
  return BACKENDS.find((b) => b.name === name);
}

export interface BackendChoice {
  backend: Backend;
  /** The chosen backend's settings (empty when the stack gives none). */
  settings: Record<string, unknown>;
}

/**
 * The backend a stack's provider settings choose: exactly one key, a known backend's name, holding
 * settings its schema takes. Every problem is an issue at the stack's address and the settings' path.
 */
export function selectBackend(stack: string, settings: ProviderSettings | undefined): { choice?: BackendChoice; issues: ValidationIssue[] } {
  // A choice comes back with issues when the settings are wrong for a backend that is known.
  const keys = Object.keys(settings ?? {}).filter((k) => settings![k] !== undefined);
  const issue = (path: string, message: string): ValidationIssue => ({ address: stack, path, rule: "backend", message });
  const known = BACKENDS.map((b) => b.name).join(", ");
  if (keys.length === 0) return { choice: { backend: DEFAULT_BACKEND, settings: {} }, issues: [] };
  if (keys.length > 1) return { issues: [issue("provider", `names ${keys.length} backends (${keys.sort().join(", ")}); a stack lives in exactly one`)] };
  const name = keys[0]!;
  const backend = backendNamed(name);
  if (!backend) return { issues: [issue(`provider.${name}`, `is not a backend hyperplan knows (it knows ${known})`)] };
  const given = settings![name];
  const problems = checkSchema(backend.settingsSchema, given);
  // Settings its schema refuses still choose the backend: its profile's rules are reported too.
  return { choice: { backend, settings: given as Record<string, unknown> }, issues: problems.map((p) => issue(`provider.${name}${p.path ? `.${p.path}` : ""}`, p.message)) };
}
