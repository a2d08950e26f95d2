/**
 * hyperplan's embedded XenServer: an HTTP server that speaks xapi's XML-RPC and JSON-RPC with
 * xapi's records, errors, tasks and events, in-process for tests (`startXenServerSimulator`) or
 * standalone (`runXenServerSimCommand`). See SPEC.md for what each behaviour is based on.
 */
export { startXenServerSimulator, DEFAULT_PORT, DEFAULT_AUTH, type XenServerSimulatorOptions, type RunningXenServerSimulator } from "./simulator";
export { runXenServerSimCommand, parseXenServerSimArgs, XENSERVER_SIM_USAGE, SimUsageError, type XenServerSimArgs, type SimCommandIo } from "./command";
export type { SimDelays, DelayPreset, DelayOverrides } from "./delays";
export { parseDelays, resolveDelays, DELAY_STEP_NAMES } from "./delays";
export type { FaultRule } from "./faults";
export { parseFaultRules } from "./faults";
export type { SeedVmsOptions, SeedVmsResult } from "./bulk-seed";
export { World, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type WorldSnapshot, type Clock } from "./world";
export { SimStateError } from "./persistence";
export { HOST_MEMORY, CONTROL_DOMAIN_MEMORY, LOCAL_SR_SIZE, BASE_VDI_SIZE } from "./seed";
