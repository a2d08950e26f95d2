/**
 * A small backend that is not OpenNebula, defined only in the tests: two kinds (VMs and networks), its
 * own operation names and its own rules. The shared diff and planner suites run against it too, so the
 * core is proven to assume nothing of OpenNebula.
 */
import type { DiffRules, KindRules } from "../../src/diff/rules";
import type { BackendProfile } from "../../src/resources/backend-profile";

const vm: KindRules = {
  attributes: [
    { path: "name", impact: "in-place", operation: "neutral.rename" },
    { path: "memory", impact: "in-place-with-power-cycle", operation: "neutral.set-memory", effects: ["the VM restarts"] },
    { path: "nics[*]", when: "add", impact: "in-place", operation: "neutral.plug" },
    { path: "nics[*]", when: "remove", impact: "in-place", operation: "neutral.unplug" },
    { path: "labels", impact: "in-place", operation: "neutral.tag" },
    { path: "powerState", impact: "in-place", operation: "neutral.power" },
    // vcpu, disks and everything else: no rule, so the VM is replaced (the safe reading).
  ],
  replaceOrder: "delete-before-create",
  createOperation: "neutral.create-vm",
  deleteOperation: "neutral.delete-vm",
  deleteBlockedBy: [],
};

const network: KindRules = {
  attributes: [
    { path: "name", impact: "in-place", operation: "neutral.rename" },
    { path: "mtu", impact: "in-place", operation: "neutral.set-mtu" },
  ],
  replaceOrder: "create-before-destroy",
  createOperation: "neutral.create-network",
  deleteOperation: "neutral.delete-network",
  deleteBlockedBy: ["VirtualMachine"],
  uniqueNames: true,
};

export const neutralRules: DiffRules = {
  backend: "neutral",
  keyCase: "exact",
  // The neutral cloud picks a network's driver and a NIC's MAC, model and address when not told.
  fields: { network: ["driver"], nic: ["ip", "mac", "model"] },
  kinds: { VirtualMachine: vm, VirtualNetwork: network },
};

export const neutralProfile: BackendProfile = {
  backend: "neutral",
  title: "Neutral",
  kinds: {
    VirtualMachine: { properties: ["vcpu", "memory", "disks", "nics", "labels", "powerState"], uniqueNames: false },
    VirtualNetwork: { properties: ["mtu", "bridge", "addressRanges"], uniqueNames: true },
  },
  rawKey: { pattern: "^[a-z_]+$", describe: "a lower-case key" },
};
