/**
 * hyperplan's embedded OpenVZ Web Panel (owp) remote API: an HTTP server with the panel's
 * hardware servers, templates, IP pools, virtual servers and users, XML answers and synchronous vzctl
 * calls, in-process for tests (`startOpenVzSimulator`) or standalone (`runOpenVzSimCommand`). See
 * SPEC.md for what each behaviour is based on.
 */
export { startOpenVzSimulator, parseAuth, panelUsers, DEFAULT_PORT, DEFAULT_AUTH, type OpenVzSimulatorOptions, type RunningOpenVzSimulator } from "./simulator";
export { runOpenVzSimCommand, parseOpenVzSimArgs, OPENVZ_SIM_USAGE, OpenVzSimUsageError, type OpenVzSimArgs, type SimCommandIo } from "./command";
export type { SimDelays, DelayPreset, DelayOverrides } from "./delays";
export { parseDelays, resolveDelays, DELAY_STEP_NAMES } from "./delays";
export type { FaultRule, VzctlAction } from "./faults";
export { parseFaultRules, VZCTL_ACTIONS, DEFAULT_VZCTL_EXIT_CODE, DEFAULT_VZCTL_OUTPUT } from "./faults";
export { World, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, READABLE_SNAPSHOT_VERSIONS, type WorldSnapshot, type StoredUser, type Account, type OpenVzClock, type VzctlLogEntry } from "./world";
export type { HardwareServer, OsTemplate, ServerTemplate, IpPool, VirtualServer, Task, TemplateLimits, User, UserColumns } from "./records";
export { USER_MESSAGES } from "./users";
export { MESSAGES as VALIDATION_MESSAGES } from "./validation";
export { ERROR_MESSAGES } from "./failure";
export { AUTH_REALM } from "./server";
export { SimStateError } from "./persistence";
