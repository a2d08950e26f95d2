/**
 * An API failure as xapi reports it: a code and its string parameters, carried to the wire as
 * `{Status: "Failure", ErrorDescription: [code, ...params]}` (XML-RPC) or as the JSON-RPC error
 * (FACTS §1.2, §1.4; codes and parameters from `ocaml/idl/datamodel_errors.ml`).
 */
export class ApiFailure extends Error {
  override name = "ApiFailure";
  readonly params: string[];

  constructor(
    readonly code: string,
    params: ReadonlyArray<string | number>,
  ) {
    super(`${code}(${params.join(", ")})`);
    this.params = params.map(String);
  }

  /** `[code, ...params]`, the ErrorDescription and a failed task's error_info. */
  get description(): string[] {
    return [this.code, ...this.params];
  }
}

export function fail(code: string, ...params: Array<string | number>): never {
  throw new ApiFailure(code, params);
}

/**
 * Any other exception becomes INTERNAL_ERROR with OCaml's printed exception
 * (`Server_helpers.dispatch_exn_wrapper` → `ExnHelper`, FACTS §1.4): `Failure("…")` for a
 * failed conversion, `Server_helpers.Dispatcher_FieldNotFound("<field>")` for a constructor record
 * missing a field.
 */
export function internalError(printed: string): never {
  throw new ApiFailure("INTERNAL_ERROR", [printed]);
}

/** OCaml's `Failure "<message>"` as Printexc prints it. */
export function ocamlFailure(message: string): never {
  internalError(`Failure(${JSON.stringify(message)})`);
}

export function handleInvalid(cls: string, ref: string): never {
  throw new ApiFailure("HANDLE_INVALID", [cls, ref]);
}

/** Anything thrown that is not an ApiFailure is a simulator bug: answered as INTERNAL_ERROR, never a dropped call. */
export function asApiFailure(error: unknown): ApiFailure {
  if (error instanceof ApiFailure) return error;
  return new ApiFailure("INTERNAL_ERROR", [error instanceof Error ? `${error.name}: ${error.message}` : String(error)]);
}
