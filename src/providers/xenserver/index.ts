// The XenAPI client's public pieces.
export { XenApiClient, DEFAULT_ORIGINATOR, LOGIN_API_VERSION, isIdempotentCall, type XenApiClientOptions } from "./client.js";
export { XenCredentials, XenServerConfigError, readCaFile, resolveXenServerConfig, type XenServerConfig, type XenServerConfigInput } from "./config.js";
export { TRANSIENT_XENAPI_CODES, XENAPI_ERROR, XenApiError, XenClientClosedError, XenProtocolError, describeFailure, isXenApiError, type XenProtocolErrorOptions } from "./errors.js";
export { NULL_REF, decodeInt, isRef, type Ref, type WireValue } from "./field-types.js";
export * from "./records.js";
export { xenServerSavedSettings, xenServerSettingsSchema, type XenServerSettings } from "./settings.js";
export {
  DEFAULT_EVENT_TIMEOUT_SECONDS,
  DEFAULT_TASK_POLL_INTERVAL_MS,
  TaskWatcher,
  decodeEventBatch,
  decodeTaskResult,
  taskOutcome,
  type EventBatch,
  type TaskCaller,
  type TaskWatcherOptions,
  type XenEvent,
} from "./tasks.js";
export { DEFAULT_XEN_TRANSPORT, XEN_TRANSPORT_KINDS, type XenTransportKind } from "./wire.js";
export { TransportError, printableEndpoint } from "../kit/http-transport.js";
