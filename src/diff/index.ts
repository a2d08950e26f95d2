// The diff: DesiredState × LiveState → ResourceChange[], pure.
export { diffStack, analyseStack, deleteChange, DiffError, type DiffEntry, type DiffOptions } from "./diff-stack.js";
export {
  fingerprintLive,
  indexLiveState,
  liveStatusOf,
  LiveStateError,
  type LiveResource,
  type LiveState,
  type LiveStatus,
  type SpecByKind,
  type SpecOf,
} from "./live-state.js";
export {
  classify,
  matchPath,
  pathSegments,
  type AttributeContext,
  type AttributeRule,
  type ChangeType,
  type Claim,
  type Classification,
  type DiffRules,
  type KindRules,
} from "./rules.js";
export { effectiveProps } from "./effective.js";
