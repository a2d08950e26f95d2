/**
 * hyperplan's embedded Gandi hosting API (the old session-based XML-RPC API): an HTTP server with
 * the account, shares, VMs, disks, operations and 6-digit faults, in-process for tests
 * (`startGandiSimulator`) or standalone (`runGandiSimCommand`). See SPEC.md for what each
 * behaviour is based on.
 */
export { startGandiSimulator, parseAuth, DEFAULT_PORT, DEFAULT_AUTH, type GandiSimulatorOptions, type RunningGandiSimulator } from "./simulator.js";
export { runGandiSimCommand, parseGandiSimArgs, GANDI_SIM_USAGE, GandiSimUsageError, type GandiSimArgs, type SimCommandIo } from "./command.js";
export type { SimDelays, DelayPreset, DelayOverrides } from "./delays.js";
export { parseDelays, resolveDelays, DELAY_STEP_NAMES } from "./delays.js";
export type { FaultRule } from "./faults.js";
export { parseFaultRules, DEFAULT_OP_ERROR_COMMENT } from "./faults.js";
export { World, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, SEED_OS, type WorldSnapshot, type Clock } from "./world.js";
export { SESSION_TTL_MS, OPERATION_LIST_LIMIT, PRICES_CENTS } from "./api.js";
export { SimStateError } from "./persistence.js";
