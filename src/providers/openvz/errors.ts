/**
 * What the panel answers instead of a result (FACTS §3.2, §3.4), as typed errors:
 *
 * - HTTP 401: the user or password is wrong (`OwpAuthError`, naming the user, never the password);
 * - `<error><code>…`: `object_not_found`, `access_denied`, `internal_error` (any exception; its
 *   details quote a failed vzctl command and its output), `unknown_error` (a reason the panel does not
 *   whitelist, `object_not_valid` among them) — `OwpApiError`, with the vzctl command, exit code and
 *   output taken apart when the details hold them;
 * - `<result><status>false</status>` with `<details>` of fields and messages: a validation refusal
 *   (`OwpValidationError`), nothing done;
 * - `<result><status>false</status>` alone: a start, stop or restart whose vzctl failed (the panel
 *   logs it in its event log and says no more) — `OwpCallFailed`.
 */
import { HyperplanError } from "../../errors.js";

export type OwpErrorCode = "object_not_found" | "access_denied" | "internal_error" | "unknown_error";

const KNOWN_CODES: readonly string[] = ["object_not_found", "access_denied", "internal_error", "unknown_error"];

/** A vzctl run the panel quotes in an internal error's details (lib/hw_daemon_client.rb). */
export interface VzctlFailure {
  command: string;
  exitCode: number;
  output: string;
}

const VZCTL = /^Command '([^']*)' execution failed with code (-?\d+)\s*(?:\n|\\n)?\s*Output:\s*([\s\S]*)$/;

export function vzctlFailureOf(details: string | undefined): VzctlFailure | undefined {
  const m = details === undefined ? null : VZCTL.exec(details.trim());
  return m ? { command: m[1]!, exitCode: Number(m[2]), output: m[3]!.trim() } : undefined;
}

export class OwpApiError extends HyperplanError {
  readonly errorCode: OwpErrorCode;
  readonly call: string;
  readonly panelMessage: string;
  readonly details: string | undefined;
  readonly vzctl: VzctlFailure | undefined;

  constructor(call: string, code: string, message: string, details: string | undefined) {
    const known = (KNOWN_CODES.includes(code) ? code : "unknown_error") as OwpErrorCode;
    const vzctl = vzctlFailureOf(details);
    const detail = vzctl ? `${vzctl.command} exited ${vzctl.exitCode}${vzctl.output ? `: ${vzctl.output}` : ""}` : details;
    super("OWP_ERROR", `${call} failed: ${code} (${message})`, detail ? { detail } : {});
    this.errorCode = known;
    this.call = call;
    this.panelMessage = message;
    this.details = details;
    this.vzctl = vzctl;
  }
}

/** A field the panel refused, with its message (config/locales/en.yml). */
export interface FieldProblem {
  field: string;
  error: string;
}

export class OwpValidationError extends HyperplanError {
  readonly call: string;
  readonly problems: FieldProblem[];

  constructor(call: string, problems: FieldProblem[]) {
    super("OWP_INVALID", `${call} was refused: ${problems.map((p) => `${p.field}: ${p.error}`).join("; ")}`);
    this.call = call;
    this.problems = problems;
  }
}

export class OwpCallFailed extends HyperplanError {
  readonly call: string;
  constructor(call: string) {
    super("OWP_FAILED", `${call} answered false: vzctl failed on the hardware server (the panel's event log says why)`);
    this.call = call;
  }
}

export class OwpAuthError extends HyperplanError {
  constructor(endpoint: string, user: string) {
    super("OWP_AUTH", `the panel at ${endpoint} refused the user ${JSON.stringify(user)} (HTTP 401): check OWP_USER and OWP_PASSWORD or provider.openvz's username and password`);
  }
}

export function isOwpError(error: unknown, code: OwpErrorCode): error is OwpApiError {
  return error instanceof OwpApiError && error.errorCode === code;
}
