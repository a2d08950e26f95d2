/**
 * What every backend's `connect` and `simulate` read the same way: the run's retry settings, and the
 * environment of `--simulate` (HYPERPLAN_SIM_DELAYS, HYPERPLAN_SIM_FAULTS), each backend's simulator
 * parsing its own fault rules.
 */
import { HyperplanError } from "../errors.js";
import type { CallRetry } from "../core/retry.js";
import type { ConnectContext } from "./backend.js";

/** The retry options of a provider, as the run gives them. */
export function retryOptions(context: ConnectContext): { retryTimeoutMs?: number; onRetry?: (retry: CallRetry) => void } {
  return {
    ...(context.retry?.timeoutMs !== undefined ? { retryTimeoutMs: context.retry.timeoutMs } : {}),
    ...(context.retry?.onRetry ? { onRetry: context.retry.onRetry } : {}),
  };
}

export type SimPace = "instant" | "fast" | "realistic";
const PACES: readonly SimPace[] = ["instant", "fast", "realistic"];

/** HYPERPLAN_SIM_DELAYS: realistic lifecycle delays by default (a demo should look like a cloud); tests ask for less. */
export function simDelays(env: Record<string, string | undefined>): SimPace {
  const delays = env.HYPERPLAN_SIM_DELAYS ?? "realistic";
  if (!(PACES as readonly string[]).includes(delays)) throw new HyperplanError("SIM_DELAYS_INVALID", `HYPERPLAN_SIM_DELAYS must be instant, fast or realistic, got "${delays}"`);
  return delays as SimPace;
}

/** HYPERPLAN_SIM_FAULTS: fault rules for the embedded simulator, in its own syntax (`parse`). */
export function simFaults<F>(env: Record<string, string | undefined>, parse: (text: string) => F[]): F[] {
  if (!env.HYPERPLAN_SIM_FAULTS) return [];
  try {
    return parse(env.HYPERPLAN_SIM_FAULTS);
  } catch (error) {
    throw new HyperplanError("SIM_FAULTS_INVALID", `HYPERPLAN_SIM_FAULTS: ${(error as Error).message}`);
  }
}
