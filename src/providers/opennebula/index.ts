// The OpenNebula client's public pieces.
export { OneClient, interpretResult, resultId, resultText, type OneClientOptions } from "./client";
export { DEFAULT_ENDPOINT, OneConfigError, resolveOneConfig, type OneConfig, type OneConfigInput } from "./config";
export { ONE_ERROR_CODES, OneApiError, OneProtocolError, XmlRpcFaultError, oneErrorCodeName } from "./errors";
export { TransportError, printableEndpoint } from "../kit/http-transport";
export { readPool, readVmsByIds, sliceEscapedPool, sliceEscapedPoolBytes, type PoolReadOptions, type PoolReadResult, type PoolReadStats } from "./pools";
export * from "./records";
export * from "./states";
export * from "./template-syntax";
