import { HyperplanError } from "../../errors.js";
import { OneApiError } from "./errors.js";

/** A change that did not reach its declared state, with OpenNebula's own message. */
export class OperationError extends HyperplanError {
  constructor(address: string, summary: string, detail?: string, cause?: unknown) {
    super("ONE_OPERATION", summary, { address, ...(detail !== undefined ? { detail } : {}), ...(cause !== undefined ? { cause } : {}) });
  }
}

/** An error in words: oned's own message where it gave one. */
export function describeOneError(error: unknown): string {
  if (error instanceof OneApiError) return error.serverMessage;
  if (error instanceof HyperplanError) return error.detail ? `${error.summary}: ${error.detail}` : error.summary;
  return error instanceof Error ? error.message : String(error);
}
