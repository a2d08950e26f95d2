// The public API of the `hyperplan` package: what a user's stack imports.
export { HyperplanError, isHyperplanError, hasErrorCode } from "./errors.js";
// Declarative resources: App, Stack, the resource kinds, outputs, the DesiredState types.
export * from "./resources/index.js";
// Plain constructs group resources (`new Construct(stack, "tier")` → addresses `lab/tier/...`).
export { Construct } from "constructs";
// Each backend's provider settings type (`provider: { opennebula: {...} }`).
export type * from "./backends/settings.js";
