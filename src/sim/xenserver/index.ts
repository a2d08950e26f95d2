/**
 * hyperplan's embedded XenServer: an HTTP server that speaks xapi's XML-RPC and JSON-RPC with
 * xapi's records, errors, tasks and events, in-process for tests (`startXenServerSimulator`) or
 * standalone (`runXenServerSimCommand`). See SPEC.md for what each behaviour is based on.
 */
export { startXenServerSimulator, DEFAULT_PORT, DEFAULT_AUTH, type XenServerSimulatorOptions, type RunningXenServerSimulator } from "./simulator.js";
export { runXenServerSimCommand, parseXenServerSimArgs, XENSERVER_SIM_USAGE, SimUsageError, type XenServerSimArgs, type SimCommandIo } from "./command.js";
export type { SimDelays, DelayPreset, DelayOverrides } from "./delays.js";
export { parseDelays, resolveDelays, DELAY_STEP_NAMES } from "./delays.js";
export type { FaultRule } from "./faults.js";
export { parseFaultRules } from "./faults.js";
export type { SeedVmsOptions, SeedVmsResult } from "./bulk-seed.js";
export { World, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type WorldSnapshot, type Clock } from "./world.js";
export { SimStateError } from "./persistence.js";
export { HOST_MEMORY, CONTROL_DOMAIN_MEMORY, LOCAL_SR_SIZE, BASE_VDI_SIZE } from "./seed.js";
