// The OpenNebula client's public pieces.
export { OneClient, interpretResult, resultId, resultText, type OneClientOptions } from "./client.js";
export { DEFAULT_ENDPOINT, OneConfigError, resolveOneConfig, type OneConfig, type OneConfigInput } from "./config.js";
export { ONE_ERROR_CODES, OneApiError, OneProtocolError, XmlRpcFaultError, oneErrorCodeName } from "./errors.js";
export { TransportError, printableEndpoint } from "../kit/http-transport.js";
export { readPool, readVmsByIds, sliceEscapedPool, sliceEscapedPoolBytes, type PoolReadOptions, type PoolReadResult, type PoolReadStats } from "./pools.js";
export * from "./records.js";
export * from "./states.js";
export * from "./template-syntax.js";
