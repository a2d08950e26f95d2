/**
 * A pool of identical CI runners made from one template. The pool size comes from the environment:
 *
 *   RUNNER_COUNT=8 hyperplan synth examples/stacks/ci-runners.ts
 *
 * Without RUNNER_COUNT the pool has 4 runners. The default export is a function of the CLI's
 * environment, so the same file serves every pool size.
 */
import { App, Image, SecurityGroup, Stack, VirtualMachine, VirtualNetwork, VmTemplate, type StackFileContext } from "hyperplan";

export const DEFAULT_RUNNER_COUNT = 4;
export const MAX_RUNNER_COUNT = 200;

/** The pool size: RUNNER_COUNT when set, a whole number from 1 to 200. */
export function runnerCount(env: StackFileContext["env"]): number {
  const text = env.RUNNER_COUNT?.trim();
  if (text === undefined || text === "") return DEFAULT_RUNNER_COUNT;
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1 || count > MAX_RUNNER_COUNT) {
    throw new Error(`RUNNER_COUNT must be a whole number from 1 to ${MAX_RUNNER_COUNT}, got ${JSON.stringify(text)}`);
  }
  return count;
}

export default function ciRunners({ env }: StackFileContext): App {
  const count = runnerCount(env);
  const app = new App();
  const ci = new Stack(app, "ci", { description: `CI runner pool (${count} runners)` });

  const net = new VirtualNetwork(ci, "ci-net", {
    driver: "802.1Q",
    physicalDevice: "eth1",
    vlanId: 120,
    addressRanges: [{ type: "ipv4", start: "10.120.0.10", size: 240 }],
    networkAddress: "10.120.0.0",
    networkMask: "255.255.255.0",
    gateway: "10.120.0.1",
    dns: ["10.120.0.1"],
  });

  const ubuntu = new Image(ci, "ubuntu-24.04", {
    path: "https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img",
    format: "qcow2",
  });

  // Runners pull work; nothing needs to reach them but SSH from the bastion network.
  const runnerSg = new SecurityGroup(ci, "ci-runner-sg", {
    rules: [
      { protocol: "tcp", direction: "inbound", ports: [22], cidr: "10.0.10.0/24" },
      { protocol: "all", direction: "outbound" },
    ],
  });

  const runner = new VmTemplate(ci, "ci-runner", {
    cpu: 2,
    vcpu: 4,
    memory: 8192,
    disks: [{ image: ubuntu, size: 40 * 1024 }, { size: 4096, type: "swap" }],
    nics: [{ network: net, securityGroups: [runnerSg] }],
    context: {
      startScript: "#!/bin/sh\nsystemctl enable --now ci-runner.service\n",
      vars: { RUNNER_LABELS: "linux,x64" },
    },
    scheduling: { requirements: 'HYPERVISOR = "kvm"', rank: "FREE_CPU" },
  });

  for (let i = 1; i <= count; i++) {
    new VirtualMachine(ci, `runner-${String(i).padStart(2, "0")}`, { template: runner, labels: ["ci", "runner"] });
  }
  return app;
}
