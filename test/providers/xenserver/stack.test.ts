/**
 * XenServer stacks end to end: the CLI plans and applies a stack against the XenServer simulator, and
 * changes made by hand go through the simulator's own JSON-RPC wire with plain HTTP (no hyperplan
 * code), as a person with `xe` or XenCenter would make them.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../../src/cli/main";
import { startXenServerSimulator, type RunningXenServerSimulator } from "../../../src/sim/xenserver/index";
import { captureIo } from "../../support/cli-io";

const LAB = (opts: { memory?: number; lab2Disk?: boolean; vms?: number[]; lab1Description?: string; lab3Off?: boolean } = {}) => `
import { App, Image, Stack, StackOutput, VirtualMachine, VirtualNetwork } from "hyperplan";
const app = new App();
const lab = new Stack(app, "lab", { provider: { xenserver: {} } });
const net = new VirtualNetwork(lab, "lab-net", { description: "Lab network" });
const scratch = new Image(lab, "lab-scratch", { type: "datablock", size: 1024, persistent: true });
const extra = new Image(lab, "lab-extra", { type: "datablock", size: 512, persistent: true });
// Not persistent: every VM that has it gets a copy of its own.
const base = new Image(lab, "lab-base", { type: "datablock", raw: { xenserver: { copyOf: "debian-12-cloud base" } } });
const vms = ${JSON.stringify(opts.vms ?? [1, 2, 3])}.map((i) => new VirtualMachine(lab, \`lab-\${i}\`, {
  description: i === 1 ? ${JSON.stringify(opts.lab1Description ?? "Lab machine 1")} : \`Lab machine \${i}\`,
  vcpu: 1,
  memory: ${opts.memory ?? 1024},
  labels: ["lab"],
  nics: [{ network: net }],
  ...(i === 1 ? { disks: [{ image: scratch }] } : {}),
  ...(i === 2 ? { disks: [{ image: base }, ...(${opts.lab2Disk === true} ? [{ image: extra }] : [])] } : {}),
  ...(i === 3 ? { disks: [{ image: base }] } : {}),
  ...(i === 3 && ${opts.lab3Off === true} ? { powerState: "poweroff" } : {}),
  raw: { xenserver: { template: "debian-12-cloud" } },
}));
new StackOutput(lab, "lab-1-ip", { value: vms[0]!.ipAddress });
export default app;
`;

/** JSON-RPC straight to the simulator: what a person changes by hand. */
class ByHand {
  private session = "";
  constructor(private readonly url: string) {}
  async call(method: string, ...params: unknown[]): Promise<unknown> {
    const needsSession = !method.startsWith("session.");
    const response = await fetch(`${this.url}jsonrpc`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: needsSession ? [this.session, ...params] : params }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { message: string; data?: unknown } };
    if (body.error) throw new Error(`${method}: ${body.error.message} ${JSON.stringify(body.error.data ?? "")}`);
    return body.result;
  }
  async login(): Promise<void> {
    this.session = (await this.call("session.login_with_password", "root", "xenserver", "2.3", "by-hand")) as string;
  }
  async records(cls: string): Promise<Record<string, Record<string, unknown>>> {
    return (await this.call(`${cls}.get_all_records`)) as Record<string, Record<string, unknown>>;
  }
  async vmNamed(name: string): Promise<string> {
    const refs = (await this.call("VM.get_by_name_label", name)) as string[];
    expect(refs).toHaveLength(1);
    return refs[0]!;
  }
}

/** The stack's objects by class: other_config names it. */
async function owned(hand: ByHand, cls: string): Promise<Record<string, unknown>[]> {
  return Object.values(await hand.records(cls)).filter((r) => (r.other_config as Record<string, string>).HYPERPLAN_STACK === "lab");
}

describe("a XenServer stack", () => {
  let dir: string;
  let sim: RunningXenServerSimulator;
  let hand: ByHand;
  let version = 0;

  const write = (text: string): string => {
    version++;
    const file = `lab-v${version}.ts`;
    writeFileSync(join(dir, file), text);
    return file;
  };
  const run = async (...argv: string[]) => {
    const io = captureIo({ cwd: dir, env: { XENSERVER_HOST: sim.url, XENSERVER_USER: "root", XENSERVER_PASSWORD: "xenserver", NO_COLOR: "1" } });
    const code = await main(argv, io);
    return { code, out: io.out(), err: io.err() };
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "hyperplan-xen-"));
    sim = await startXenServerSimulator({ port: 0, delays: "instant", slaveHost: false });
    hand = new ByHand(sim.url);
    await hand.login();
  });
  afterEach(async () => {
    await sim.close();
  });

  it("moves a renamed construct's VM and its own disks to the new address in place, keeping their refs", async () => {
    const lab = write(LAB());
    expect((await run("apply", lab, "--auto-approve")).code).toBe(0);
    const before = (await owned(hand, "VM")).find((v) => v.name_label === "lab-3")!;
    const renamed = write(
      LAB().replace("new VirtualMachine(lab, `lab-${i}`, {", 'new VirtualMachine(lab, i === 3 ? "lab-three" : `lab-${i}`, {\n  ...(i === 3 ? { moved: { from: "lab/lab-3" } } : {}),'),
    );
    const planned = await run("plan", renamed);
    expect(planned.out).toContain("Plan: 0 to create, 1 to update, 0 to replace, 0 to delete.");
    expect(planned.out).toContain('~ address: "lab/lab-3" → "lab/lab-three" [retag]');
    const applied = await run("apply", renamed, "--auto-approve");
    expect(applied.err).toBe("");
    expect(applied.code).toBe(0);
    expect((await run("plan", renamed, "--detailed-exitcode")).code).toBe(0);
    const after = (await owned(hand, "VM")).find((v) => v.name_label === "lab-three")!;
    expect(after.uuid).toBe(before.uuid);
    expect((after.other_config as Record<string, string>).HYPERPLAN_ADDRESS).toBe("lab/lab-three");
    const disks = (await owned(hand, "VDI")).map((d) => d.other_config as Record<string, string>).filter((o) => o.HYPERPLAN_KIND === "VmDisk");
    expect(disks.filter((o) => o.HYPERPLAN_ADDRESS === "lab/lab-3")).toEqual([]);
    expect(disks.filter((o) => o.HYPERPLAN_ADDRESS === "lab/lab-three").length).toBeGreaterThan(0);
  });

  it("is created, planned clean, updated in place and with a power cycle, shrunk and destroyed, leaving the pool's own objects alone", async () => {
    const before = { vms: Object.keys(await hand.records("VM")).length, vdis: Object.keys(await hand.records("VDI")).length, networks: Object.keys(await hand.records("network")).length };
    const lab = write(LAB());
    const created = await run("apply", lab, "--auto-approve");
    expect(created.err).toBe("");
    expect(created.out).toContain("Plan: 7 to create, 0 to update, 0 to replace, 0 to delete.");
    expect(created.out).toMatch(/apply finished in \S+: 7 done, 0 failed, 0 skipped/);
    expect(created.out).toMatch(/output lab-1-ip = \d+\.\d+\.\d+\.\d+/);
    // A plan reads each class once, whole, and nothing object by object.
    sim.resetCallCounts();
    expect((await run("plan", lab, "--detailed-exitcode")).code).toBe(0);
    const reads = Object.entries(sim.callCounts()).filter(([method]) => !method.startsWith("session."));
    expect(Object.fromEntries(reads)).toEqual(Object.fromEntries(["SR", "network", "VDI", "VM", "VBD", "VIF", "VM_guest_metrics"].map((cls) => [`${cls}.get_all_records`, 1])));

    const vms = await owned(hand, "VM");
    expect(vms.map((v) => v.name_label).sort()).toEqual(["lab-1", "lab-2", "lab-3"]);
    expect(vms.every((v) => v.power_state === "Running" && v.is_a_template === false && (v.tags as string[]).includes("lab"))).toBe(true);
    const lab1 = vms.find((v) => v.name_label === "lab-1")!;
    expect((lab1.other_config as Record<string, string>).HYPERPLAN_ADDRESS).toBe("lab/lab-1");
    expect(lab1.memory_static_max).toBe(1024 * 1024 * 1024);
    // The VMs' own disks (copied from the template, and lab-2's and lab-3's copies of lab-base) are tagged as theirs.
    const vdis = await owned(hand, "VDI");
    expect(vdis.map((d) => (d.other_config as Record<string, string>).HYPERPLAN_KIND).sort()).toEqual(["Image", "Image", "Image", "VmDisk", "VmDisk", "VmDisk", "VmDisk", "VmDisk"]);
    expect(vdis.filter((d) => (d.other_config as Record<string, string>).HYPERPLAN_SOURCE === "lab/lab-base").map((d) => (d.other_config as Record<string, string>).HYPERPLAN_ADDRESS).sort()).toEqual(["lab/lab-2", "lab/lab-3"]);

    const bigger = write(LAB({ memory: 2048, lab1Description: "The one with the scratch disk" }));
    const planned = await run("plan", bigger);
    expect(planned.out).toContain("Plan: 0 to create, 3 to update, 0 to replace, 0 to delete.");
    expect(planned.out).toContain("VM.set_memory_limits");
    expect(planned.out).toContain("shuts the VM down cleanly and starts it again");
    const resized = await run("apply", bigger, "--auto-approve");
    expect(resized.code).toBe(0);
    expect(resized.out).toContain("Async.VM.clean_shutdown");
    expect((await run("plan", bigger, "--detailed-exitcode")).code).toBe(0);
    expect((await owned(hand, "VM")).every((v) => v.memory_static_max === 2048 * 1024 * 1024 && v.power_state === "Running")).toBe(true);

    const disk = write(LAB({ memory: 2048, lab1Description: "The one with the scratch disk", lab2Disk: true, lab3Off: true }));
    const attached = await run("apply", disk, "--auto-approve");
    expect(attached.code).toBe(0);
    expect(attached.out).toContain("hot-plugged into the running guest");
    expect((await run("plan", disk, "--detailed-exitcode")).code).toBe(0);
    expect((await owned(hand, "VM")).find((v) => v.name_label === "lab-3")!.power_state).toBe("Halted");

    const fewer = write(LAB({ memory: 2048, lab1Description: "The one with the scratch disk", lab2Disk: true, vms: [1, 2] }));
    const removed = await run("apply", fewer, "--auto-approve");
    expect(removed.code).toBe(0);
    expect(removed.out).toContain("Plan: 0 to create, 0 to update, 0 to replace, 1 to delete.");
    expect((await owned(hand, "VM")).map((v) => v.name_label).sort()).toEqual(["lab-1", "lab-2"]);

    const destroyed = await run("apply", fewer, "--destroy", "--auto-approve");
    expect(destroyed.code).toBe(0);
    expect(await owned(hand, "VM")).toEqual([]);
    expect(await owned(hand, "VDI")).toEqual([]);
    expect(await owned(hand, "network")).toEqual([]);
    const after = { vms: Object.keys(await hand.records("VM")).length, vdis: Object.keys(await hand.records("VDI")).length, networks: Object.keys(await hand.records("network")).length };
    expect(after).toEqual(before);
  }, 60_000);

  it("converges after changes made by hand: a VM renamed, shut down, destroyed; a VIF unplugged; an image destroyed", async () => {
    const lab = write(LAB());
    expect((await run("apply", lab, "--auto-approve")).code).toBe(0);
    const lab1 = await hand.vmNamed("lab-1");
    const lab2 = await hand.vmNamed("lab-2");
    const lab3 = await hand.vmNamed("lab-3");
    await hand.call("VM.set_name_label", lab1, "renamed-by-hand");
    await hand.call("VM.hard_shutdown", lab2);
    const vif = ((await hand.call("VM.get_VIFs", lab3)) as string[])[0]!;
    await hand.call("VIF.unplug", vif);
    const drifted = await run("plan", lab, "--detailed-exitcode");
    expect(drifted.code).toBe(2);
    expect(drifted.out).toContain("Plan: 0 to create, 3 to update, 0 to replace, 0 to delete.");
    expect(drifted.out).toMatch(/name\s*=?\s*"renamed-by-hand" -> "lab-1"|"renamed-by-hand" → "lab-1"/);
    expect((await run("apply", lab, "--auto-approve")).code).toBe(0);
    expect((await run("plan", lab, "--detailed-exitcode")).code).toBe(0);
    expect(await hand.call("VIF.get_currently_attached", vif)).toBe(true);
    expect((await hand.call("VM.get_VIFs", lab3)) as string[]).toHaveLength(1);

    // A VM destroyed by hand is made again; an image destroyed by hand too, and attached again.
    await hand.call("VM.hard_shutdown", lab2);
    await hand.call("VM.destroy", lab2);
    const lab1Vbds = (await hand.call("VM.get_VBDs", lab1)) as string[];
    for (const vbd of lab1Vbds) {
      const vdi = (await hand.call("VBD.get_VDI", vbd)) as string;
      if (vdi === "OpaqueRef:NULL") continue;
      const tags = (await hand.call("VDI.get_other_config", vdi)) as Record<string, string>;
      if (tags.HYPERPLAN_ADDRESS !== "lab/lab-scratch") continue;
      await hand.call("VBD.unplug", vbd);
      await hand.call("VBD.destroy", vbd);
      await hand.call("VDI.destroy", vdi);
    }
    const gone = await run("plan", lab, "--detailed-exitcode");
    expect(gone.out).toContain("Plan: 2 to create, 1 to update, 0 to replace, 0 to delete.");
    expect((await run("apply", lab, "--auto-approve")).code).toBe(0);
    expect((await run("plan", lab, "--detailed-exitcode")).code).toBe(0);
    expect((await owned(hand, "VM")).map((v) => v.name_label).sort()).toEqual(["lab-1", "lab-2", "lab-3"]);
  }, 60_000);

  it("replaces a VM whose start failed, as a tainted resource, and never touches a foreign VM of a declared name", async () => {
    // Someone's VM named like one of the stack's, made by hand from a default template.
    const template = await hand.vmNamed("Debian Bookworm 12");
    const foreign = (await hand.call("VM.clone", template, "lab-2")) as string;
    await hand.call("VM.provision", foreign);
    await hand.call("VM.set_is_a_template", foreign, false);
    sim.faults.add({ type: "task-failure", method: "VM.start", match: "lab-3", error: ["HOST_NOT_ENOUGH_FREE_MEMORY", "1073741824", "0"] });
    const lab = write(LAB());
    const first = await run("apply", lab, "--auto-approve");
    expect(first.code).toBe(1);
    expect(first.out + first.err).toContain("HOST_NOT_ENOUGH_FREE_MEMORY");
    expect(first.out).toMatch(/6 done, 1 failed/);
    sim.faults.clear();
    const second = await run("plan", lab);
    expect(second.out).toContain("Plan: 0 to create, 0 to update, 1 to replace, 0 to delete.");
    expect(second.out).toContain("START_FAILED");
    const replaced = await run("apply", lab, "--auto-approve");
    expect(replaced.code).toBe(0);
    const clean = await run("plan", lab, "--detailed-exitcode");
    expect(clean.out).toContain("No changes");
    expect(clean.code).toBe(0);
    expect((await owned(hand, "VM")).filter((v) => v.name_label === "lab-3")).toHaveLength(1);
    // The foreign lab-2 is as it was: halted, untagged.
    expect(await hand.call("VM.get_power_state", foreign)).toBe("Halted");
    expect(await hand.call("VM.get_other_config", foreign)).not.toHaveProperty("HYPERPLAN_STACK");
    expect((await run("apply", lab, "--destroy", "--auto-approve")).code).toBe(0);
    expect(await hand.call("VM.get_name_label", foreign)).toBe("lab-2");
  }, 60_000);

  it("clones VMs from a template of the stack, which carry its memory, VCPUs and NICs unless they give their own", async () => {
    const stack = (templateMemory: number, webNics: boolean, appTeam = "web") => `
import { App, Stack, VirtualMachine, VirtualNetwork, VmTemplate } from "hyperplan";
const app = new App();
const lab = new Stack(app, "lab", { provider: { xenserver: {} } });
const net = new VirtualNetwork(lab, "lab-net", {});
const other = new VirtualNetwork(lab, "other-net", {});
const small = new VmTemplate(lab, "small", { memory: ${templateMemory}, vcpu: 2, nics: [{ network: net }], raw: { xenserver: { template: "debian-12-cloud" } } });
new VirtualMachine(lab, "app", { template: small, attributes: { team: "${appTeam}" } });
new VirtualMachine(lab, "web", { template: small, memory: 768${webNics ? ", nics: [{ network: other }, { network: net }]" : ""} });
export default app;
`;
    const first = write(stack(512, true));
    const created = await run("apply", first, "--auto-approve");
    expect(created.err).toBe("");
    expect(created.code).toBe(0);
    expect((await run("plan", first, "--detailed-exitcode")).code).toBe(0);
    const machines = Object.values(await hand.records("VM")).filter((v) => (v.other_config as Record<string, string>).HYPERPLAN_STACK === "lab");
    const byName = Object.fromEntries(machines.map((v) => [v.name_label as string, v]));
    expect(byName.small!.is_a_template).toBe(true);
    expect([byName.app!.memory_static_max, byName.app!.VCPUs_max, (byName.app!.VIFs as string[]).length]).toEqual([512 * 1024 * 1024, 2, 1]);
    expect([byName.web!.memory_static_max, (byName.web!.VIFs as string[]).length]).toEqual([768 * 1024 * 1024, 2]);
    expect((byName.app!.other_config as Record<string, string>).HYPERPLAN_FROM).toBe("lab/small");

    // The template grows: the template is updated in place, and so is the VM that carries its memory.
    const bigger = write(stack(1024, true));
    const planned = await run("plan", bigger);
    expect(planned.out).toContain("Plan: 0 to create, 2 to update, 0 to replace, 0 to delete.");
    expect(planned.out).toContain("VMs already cloned from the template are not changed");
    expect((await run("apply", bigger, "--auto-approve")).code).toBe(0);
    expect((await run("plan", bigger, "--detailed-exitcode")).code).toBe(0);

    // An attribute of a VM cloned from the template changes in place; the VM stays the template's.
    const team = write(stack(1024, true, "platform"));
    const retagged = await run("apply", team, "--auto-approve");
    expect(retagged.out).toContain("Plan: 0 to create, 1 to update, 0 to replace, 0 to delete.");
    expect((await run("plan", team, "--detailed-exitcode")).code).toBe(0);
    expect(((await hand.call("VM.get_other_config", await hand.vmNamed("app"))) as Record<string, string>).HYPERPLAN_FROM).toBe("lab/small");

    // web drops its own NICs: it takes the template's.
    const fewer = write(stack(1024, false));
    expect((await run("apply", fewer, "--auto-approve")).code).toBe(0);
    expect((await run("plan", fewer, "--detailed-exitcode")).code).toBe(0);
    expect((await hand.call("VM.get_VIFs", await hand.vmNamed("web"))) as string[]).toHaveLength(1);

    const destroyed = await run("apply", fewer, "--destroy", "--auto-approve");
    expect(destroyed.code).toBe(0);
    expect(await owned(hand, "VM")).toEqual([]);
    expect(await owned(hand, "VDI")).toEqual([]);
  }, 60_000);
});
