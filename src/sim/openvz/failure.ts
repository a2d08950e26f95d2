/**
 * How the panel refuses (FACTS §3.2): an `<error>` answer, HTTP 200, whose code is one of the three
 * `render_error` lets through (`object_not_found`, `access_denied`, `internal_error`), any other
 * reason shown as `unknown_error`; `internal_error` carries the exception's message as `<details>`.
 * A vzctl failure is the hardware daemon's exception (`HwDaemonExecException`): the command, its
 * exit code and its output, in lib/hw_daemon_client.rb's words.
 */
import { el, str, xmlDocument } from "./xml.js";

/** The codes `render_error` answers as they are, with their messages (config/locales/en.yml). */
export const ERROR_MESSAGES: Readonly<Record<string, string>> = {
  object_not_found: "Object not found.",
  access_denied: "Access denied.",
  internal_error: "Internal error.",
  unknown_error: "Unknown error.",
};

/** A refusal as the panel answers it. `reason` is what the panel's code says; the wire shows it only when whitelisted. */
export class PanelError extends Error {
  override name = "PanelError";
  constructor(
    readonly reason: string,
    /** internal_error's `<details>`: the exception's message. */
    readonly details?: string,
  ) {
    super(details === undefined ? reason : `${reason}: ${details}`);
  }

  /** The code on the wire: the reason when whitelisted, else `unknown_error`. */
  get code(): string {
    return this.reason in ERROR_MESSAGES ? this.reason : "unknown_error";
  }
}

export const objectNotFound = (): PanelError => new PanelError("object_not_found");
export const accessDenied = (): PanelError => new PanelError("access_denied");
export const internalError = (details: string): PanelError => new PanelError("internal_error", details);

/** A NoMethodError on nil, as Ruby 1.8 words it (the panel's Ruby): ``undefined method `rpc_client' for nil:NilClass``. */
export function nilMethodError(method: string): PanelError {
  return internalError(`undefined method \`${method}' for nil:NilClass`);
}

/** `HwDaemonExecException`: a command the hardware daemon ran that exited non-zero. */
export class VzctlFailure extends Error {
  override name = "VzctlFailure";
  constructor(
    /** `vzctl create 101 --ostemplate … --config …`. */
    readonly command: string,
    readonly exitCode: number,
    readonly output: string,
  ) {
    super(`Command '${command}' execution failed with code ${exitCode}\nOutput: ${output}`);
  }
}

/** The `<error>` document. */
export function errorXml(error: PanelError): string {
  const code = error.code;
  const children = [str("code", code), str("message", ERROR_MESSAGES[code] as string)];
  if (code === "internal_error" && error.details !== undefined) children.push(str("details", error.details));
  return xmlDocument(el("error", children));
}
