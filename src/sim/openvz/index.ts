/**
 * hyperplan's embedded OpenVZ Web Panel (owp) remote API: an HTTP server with the panel's
 * hardware servers, templates, IP pools, virtual servers and users, XML answers and synchronous vzctl
 * calls, in-process for tests (`startOpenVzSimulator`) or standalone (`runOpenVzSimCommand`). See
 * SPEC.md for what each behaviour is based on.
 */
export { startOpenVzSimulator, parseAuth, panelUsers, DEFAULT_PORT, DEFAULT_AUTH, type OpenVzSimulatorOptions, type RunningOpenVzSimulator } from "./simulator.js";
export { runOpenVzSimCommand, parseOpenVzSimArgs, OPENVZ_SIM_USAGE, OpenVzSimUsageError, type OpenVzSimArgs, type SimCommandIo } from "./command.js";
export type { SimDelays, DelayPreset, DelayOverrides } from "./delays.js";
export { parseDelays, resolveDelays, DELAY_STEP_NAMES } from "./delays.js";
export type { FaultRule, VzctlAction } from "./faults.js";
export { parseFaultRules, VZCTL_ACTIONS, DEFAULT_VZCTL_EXIT_CODE, DEFAULT_VZCTL_OUTPUT } from "./faults.js";
export { World, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, READABLE_SNAPSHOT_VERSIONS, type WorldSnapshot, type StoredUser, type Account, type OpenVzClock, type VzctlLogEntry } from "./world.js";
export type { HardwareServer, OsTemplate, ServerTemplate, IpPool, VirtualServer, Task, TemplateLimits, User, UserColumns } from "./records.js";
export { USER_MESSAGES } from "./users.js";
export { MESSAGES as VALIDATION_MESSAGES } from "./validation.js";
export { ERROR_MESSAGES } from "./failure.js";
export { AUTH_REALM } from "./server.js";
export { SimStateError } from "./persistence.js";
