/**
 * What each change does on the panel, as data: the kit's steps. Every panel call that changes a
 * container is synchronous and may run for minutes (FACTS §3.3), so it is a `handle` step whose
 * handle is the call in flight, followed by a wait for its answer; the run follows many at once.
 *
 * - A container is made by `virtual_servers/create` (started by it when declared running), then read
 *   back: it is done when `virtual_servers/get` shows it as declared.
 * - An update is one `virtual_servers/update` with the declared fields, a `reinstall` when the OS
 *   template changes, then `start` or `stop` for the power state, then the read-back.
 * - A delete is `virtual_servers/delete` (the panel stops the container first).
 * - Replacements delete first: a container's IPs are unique across the panel.
 * - OS templates, server templates and the venet are looked up: no steps.
 */
import type { ResourceChange } from "../../core/plan.js";
import type { KitStep } from "../kit/step-engine.js";

export type OpenVzAction =
  | { do: "create" }
  | { do: "update" }
  | { do: "reinstall" }
  | { do: "start" }
  | { do: "stop" }
  | { do: "delete"; old?: true }
  | { do: "check" };

export type OpenVzWait = "answer";
export type OpenVzStep = KitStep<{ openvz: OpenVzAction }, OpenVzWait>;

const call = (label: string, openvz: OpenVzAction): OpenVzStep[] => [
  { type: "handle", label, openvz },
  { type: "wait", label: `wait for ${label}`, until: "answer", on: "handle" },
];

const CHECK: OpenVzStep = { type: "call", label: "virtual_servers/get (reads back as declared)", openvz: { do: "check" } };

export function stepsFor(change: ResourceChange): OpenVzStep[] {
  if (change.action === "noop" || change.kind !== "VirtualMachine") return [];
  if (change.action === "replace") {
    const remove = stepsOf({ ...change, action: "delete" }, true);
    const create = stepsOf({ ...change, action: "create" });
    if (change.phase === "create") return create;
    if (change.phase === "finish") return remove;
    return [...remove, ...create];
  }
  return stepsOf(change);
}

function stepsOf(change: ResourceChange, old = false): OpenVzStep[] {
  if (change.action === "create") return [...call("virtual_servers/create", { do: "create" }), CHECK];
  if (change.action === "delete") return call("virtual_servers/delete", { do: "delete", ...(old ? { old: true as const } : {}) });
  const ops = new Set(change.diff.map((d) => d.operation));
  const out: OpenVzStep[] = [];
  if (ops.has("update")) out.push(...call("virtual_servers/update", { do: "update" }));
  if (ops.has("reinstall")) out.push(...call("virtual_servers/reinstall", { do: "reinstall" }));
  if (ops.has("start")) out.push(...call("virtual_servers/start", { do: "start" }));
  if (ops.has("stop")) out.push(...call("virtual_servers/stop", { do: "stop" }));
  if (out.length > 0) out.push(CHECK);
  return out;
}
