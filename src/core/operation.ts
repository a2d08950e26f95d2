/**
 * What a provider and the apply executor exchange about a change in flight and about an existing
 * object's owner: plain data, shared by every backend.
 */
import type { ResourceChange } from "./plan.js";

/** An in-flight change. Plain data: the provider keeps its step machine in `steps`/`step`. */
export interface Operation {
  address: string;
  kind: string;
  action: ResourceChange["action"];
  /** The backend id once known (after the allocate returned, or found by its tag). */
  id?: string;
  /** Human names of the steps (`allocate`, `wait RUNNING`, `poweroff`, `resize memory` …). */
  steps: string[];
  /** Index of the step in progress. */
  step: number;
  startedAt: number;
  /** Provider-private data the steps need (the change, ids, retry counts). JSON-serialisable. */
  data: Record<string, unknown>;
  /**
   * Set by `start` when the change already finished there (every call was synchronous: a security
   * group or a template made or updated), so that nobody waits a poll for it.
   */
  finished?: Extract<OperationStatus, { phase: "done" }>;
}

export type OperationStatus =
  | { address: string; phase: "running"; state: string; detail?: string }
  | { address: string; phase: "done"; state: string; id?: string; outputs?: Record<string, string | number> }
  | { address: string; phase: "failed"; state: string; error: Error };

/** Which stack and address an object says it belongs to, as the backend stores it on the object. */
export interface OwnershipTag {
  stack: string;
  address: string;
  kind: string;
}

/** What a backend finds on an existing object, read right before apply changes or deletes it. */
export type OwnershipReading =
  | { state: "tagged"; tag: OwnershipTag }
  /** The object exists and carries no complete hyperplan tag. */
  | { state: "untagged" }
  /** No such object (or, for a VM, one that reached its final state). */
  | { state: "gone" };
