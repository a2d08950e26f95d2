/**
 * The panel's diff rules: which call applies each attribute change (FACTS §3.3; owp
 * app/models/virtual_server.rb `save_physically`, `reinstall`).
 *
 * Choices written down:
 * - `virtual_servers/update` runs `vzctl set … --save` for each changed field, which OpenVZ applies to
 *   a running container at once: host name, CPUs, CPU units and limit, RAM, vswap, disk space, IPs,
 *   nameserver, search domain, start on boot and the root password change in place, without a
 *   restart. A new server template is applied in place too (`--applyconfig`): its limits, then the
 *   VM's own.
 * - Another OS template is `virtual_servers/reinstall`: the container is destroyed and made again
 *   with the same identity, IPs and limits; its files are lost. The plan shows it as an update through
 *   reinstall, with that effect.
 * - Another hardware server is a new container there: a replacement, deleted first, since its IPs
 *   are unique across the panel.
 * - OS templates, server templates and the venet are the panel's, only looked up: a plan never makes
 *   or changes them, and a destroy lets go of them without a call.
 */
import type { ResourceKind } from "../../resources/desired-state.js";
import type { AttributeRule, Claim, DiffRules, KindRules } from "../../diff/rules.js";
import type { BackendFills } from "../../diff/fields.js";

export type OpenVzOperation = "update" | "reinstall" | "start" | "stop";

type Rule = AttributeRule<OpenVzOperation>;

const REINSTALL = "the container is made again from the new OS template: its files are lost; its identity, IPs and limits are kept";

const vmRules: Rule[] = [
  { path: "raw.openvz.hardwareServer", impact: "replace", operation: "replace", effects: ["a container stays on its hardware server: it is made again on the other one, empty"] },
  { path: "disks[*].image", impact: "in-place", operation: "reinstall", effects: [REINSTALL] },
  { path: "disks[*]", when: "add", impact: "in-place", operation: "reinstall", effects: [REINSTALL] },
  { path: "disks[*].size", impact: "in-place", operation: "update" },
  { path: "name", impact: "in-place", operation: "update", effects: ["the container's host name changes"] },
  { path: "template", impact: "in-place", operation: "update", effects: ["the server template's limits are applied, then the VM's own"] },
  { path: "vcpu", impact: "in-place", operation: "update" },
  { path: "memory", impact: "in-place", operation: "update" },
  { path: "nics[*]", impact: "in-place", operation: "update", effects: ["the container's IPs are replaced (vzctl --ipdel all, then --ipadd)"] },
  { path: "nics[*].**", impact: "in-place", operation: "update", effects: ["the container's IPs are replaced (vzctl --ipdel all, then --ipadd)"] },
  { path: "context.**", impact: "in-place", operation: "update" },
  { path: "context", impact: "in-place", operation: "update" },
  { path: "raw.openvz.*", impact: "in-place", operation: "update" },
  {
    path: "powerState",
    impact: "in-place",
    operation: (ctx) => ((ctx.desired.props as { powerState?: string }).powerState === "poweroff" ? "stop" : "start"),
  },
];

/** A looked-up object: nothing about it is the stack's to change. */
const lookedUp = (what: string): Rule[] => [{ path: "**", impact: "in-place", operation: "update", effects: [`${what} is the panel's: hyperplan changes nothing on it`] }];

/** A container's fixed IPs: unique across the panel (virtual_server.rb `validates_uniqueness_of :ip_address`). */
function ipClaims(resource: { props: unknown }): Claim[] {
  const nics = ((resource.props as { nics?: { ip?: string }[] }).nics ?? []).filter((n) => typeof n.ip === "string");
  return nics.map((n) => ({ key: `ip:${n.ip}`, what: `the IP address ${n.ip}`, source: "kind-default" as const }));
}

function kind(attributes: Rule[], createOperation: string, deleteOperation: string, deleteBlockedBy: readonly ResourceKind[], extra: Partial<KindRules> = {}): KindRules {
  return { attributes, replaceOrder: "delete-before-create", createOperation, deleteOperation, deleteBlockedBy, ...extra };
}

/** What the panel fills when undeclared: a container's CPUs, its IP (from the pools), its power state. */
const PANEL_FILLS: BackendFills = {
  capacity: ["vcpu"],
  imageDisk: ["devicePrefix", "target"],
  nic: ["ip", "mac", "model"],
  virtualMachine: ["powerState"],
};

export const openVzDiffRules: DiffRules = {
  backend: "openvz",
  keyCase: "exact",
  fields: PANEL_FILLS,
  templateMerge: { whole: [], fields: [], keys: [] },
  kinds: {
    VirtualMachine: kind(vmRules, "virtual_servers/create", "virtual_servers/delete", [], { claims: ipClaims }),
    Image: kind(lookedUp("an OS template"), "nothing: the panel's OS template is looked up and used as it is", "nothing: the OS template stays on the hardware servers", []),
    VmTemplate: kind(lookedUp("a server template"), "nothing: the panel's server template is looked up and used as it is", "nothing: the server template stays on the panel", []),
    VirtualNetwork: kind(lookedUp("the venet"), "nothing: the hardware servers' venet is used as it is", "nothing: the venet stays", []),
  },
};
