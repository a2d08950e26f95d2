// The public API of the `hyperplan` package: what a user's stack imports.
export { HyperplanError, isHyperplanError, hasErrorCode } from "./errors";
