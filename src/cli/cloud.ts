/**
 * Which cloud a command talks to, decided in one place, through the backend registry:
 * 1. the backend the stack's provider settings choose (`provider: { opennebula: {...} }`), the
 *    default one (OpenNebula) when they choose none;
 * 2. `--simulate`: that backend's simulator, started in-process on a loopback port, its world kept in
 *    `.hyperplan/simulator-<backend>.json` beside the stack file so that a plan after an apply sees
 *    what the apply made (one world per backend: stacks of several backends may share a folder); else the cloud the settings, or the backend's usual environment, name.
 * The label names the endpoint, so nobody mistakes the simulator for production.
 */
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CliIo } from "../core/command-io.js";
import type { Provider } from "../providers/provider.js";
import type { ProviderSettings } from "../resources/stack.js";
import { StackValidationError } from "../resources/validation-issue.js";
import type { CallRetry } from "../core/retry.js";
import { retrySentence } from "./render/progress-text.js";
import { selectBackend, type Backend } from "../backends/registry.js";

export interface CloudConnection {
  /** The backend the settings chose. */
  backend: Backend;
  /** Reads the live state for a plan and carries a plan out. */
  provider: Provider;
  /** What the plan's first line names: the endpoint, and whether it is the simulator. */
  label: string;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** The stack's name, for errors in its provider settings. */
  stack: string;
  /** The stack's provider settings (from the stack file, or saved in a plan). */
  settings: ProviderSettings;
  stackFile: string;
  simulate: boolean;
  io: CliIo;
  /** How long calls failing on a lost or busy cloud are retried, and who is told of each retry. */
  retry?: { timeoutMs?: number; onRetry?: (retry: CallRetry) => void };
}

/** Tells a person on stderr that a call is being retried (before any progress view exists). */
export function retryToStderr(io: CliIo): (retry: CallRetry) => void {
  return (retry) => io.stderr.write(`hyperplan: ${retrySentence({ type: "call-retry", ...retry })}: ${retry.message}\n`);
}

/** The provider settings as a saved plan keeps them: nothing secret, as each backend says. */
export function savedSettings(stack: string, settings: ProviderSettings): ProviderSettings {
  const { choice } = selectBackend(stack, settings);
  if (!choice || Object.keys(choice.settings).length === 0) return settings;
  return { [choice.backend.name]: choice.backend.savedSettings(choice.settings) };
}

/** Where `--simulate` keeps the simulator's world for a stack file. */
export function simulatorStateFile(stackFile: string, backend: string): string {
  return join(dirname(stackFile), ".hyperplan", `simulator-${backend}.json`);
}

export async function connectCloud(options: ConnectOptions): Promise<CloudConnection> {
  const { io } = options;
  const { choice, issues } = selectBackend(options.stack, options.settings);
  if (!choice || issues.length > 0) throw new StackValidationError(`stack "${options.stack}"`, issues);
  const context = {
    env: io.env,
    cwd: io.cwd,
    retry: { ...(options.retry?.timeoutMs !== undefined ? { timeoutMs: options.retry.timeoutMs } : {}), onRetry: options.retry?.onRetry ?? retryToStderr(io) },
  };
  if (options.simulate) {
    const stateFile = simulatorStateFile(options.stackFile, choice.backend.name);
    await mkdir(dirname(stateFile), { recursive: true, mode: 0o700 });
    return { backend: choice.backend, ...(await choice.backend.simulate(stateFile, context, choice.settings)) };
  }
  return { backend: choice.backend, ...(await choice.backend.connect(choice.settings, context)) };
}
