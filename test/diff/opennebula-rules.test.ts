/** The OpenNebula diff rules and live model: which call, which impact, which effects, by live state. */
import { describe, expect, it } from "vitest";
import { classify, type AttributeContext } from "../../src/diff/rules";
import type { DesiredResource } from "../../src/resources/desired-state";
import { openNebulaDiffRules } from "../../src/providers/opennebula/diff-rules";
import {
  imageLiveStatus,
  isVmFailureState,
  networkLiveStatus,
  powerAction,
  securityGroupLiveStatus,
  vmLiveStatus,
  vmPowerState,
} from "../../src/providers/opennebula/live-model";

function vmCtx(path: string, state: string, extra: Partial<AttributeContext> = {}): AttributeContext {
  return {
    kind: "VirtualMachine",
    address: "lab/vm",
    path,
    change: "modify",
    before: 1,
    after: 2,
    status: { state, healthy: true },
    desired: { kind: "VirtualMachine", props: { powerState: "running" } } as unknown as DesiredResource,
    live: {} as never,
    renewed: false,
    ...extra,
  };
}

const vm = (ctx: AttributeContext) => classify(openNebulaDiffRules.kinds.VirtualMachine, ctx);

describe("OpenNebula VM rules", () => {
  it("resizes a running VM with a power cycle, and a VM that is not running without one", () => {
    for (const path of ["cpu", "vcpu", "memory"]) {
      expect(vm(vmCtx(path, "RUNNING"))).toMatchObject({ impact: "in-place-with-power-cycle", operation: "one.vm.resize" });
      for (const state of ["POWEROFF", "PENDING", "HOLD", "UNDEPLOYED"]) {
        expect(vm(vmCtx(path, state))).toEqual({ impact: "in-place", operation: "one.vm.resize", effects: [] });
      }
    }
  });

  it("resizes without a power cycle a VM the plan powers off anyway", () => {
    const off = { desired: { kind: "VirtualMachine", props: { powerState: "poweroff" } } as unknown as DesiredResource };
    expect(vm(vmCtx("memory", "RUNNING", off))).toMatchObject({ impact: "in-place", effects: ["resized after the VM is powered off, as declared"] });
  });

  it("says why a VM in a state where OpenNebula refuses a resize is cycled", () => {
    expect(vm(vmCtx("memory", "SUSPENDED")).effects[0]).toContain("cannot resize a VM in SUSPENDED");
  });

  it("updates the context live and OS or console at the next boot", () => {
    expect(vm(vmCtx("context.sshKeys", "RUNNING"))).toMatchObject({ impact: "in-place", operation: "one.vm.updateconf" });
    expect(vm(vmCtx("os.firmware", "RUNNING")).impact).toBe("in-place-with-power-cycle");
    expect(vm(vmCtx("graphics.keymap", "POWEROFF"))).toMatchObject({ impact: "in-place", effects: ["applied when the VM next boots"] });
  });

  it("grows disks in place and replaces the VM to shrink one or change its boot disk", () => {
    expect(vm(vmCtx("disks[1].size", "RUNNING", { before: 10, after: 20 }))).toMatchObject({ impact: "in-place", operation: "one.vm.diskresize" });
    expect(vm(vmCtx("disks[1].size", "RUNNING", { before: 20, after: 10 })).impact).toBe("replace");
    expect(vm(vmCtx("disks[0].size", "RUNNING", { before: 10, after: 20 })).operation).toBe("one.vm.diskresize");
    expect(vm(vmCtx("disks[0].image", "RUNNING")).impact).toBe("replace");
    expect(vm(vmCtx("disks[0].devicePrefix", "RUNNING")).impact).toBe("replace");
    expect(vm(vmCtx("disks[2].devicePrefix", "RUNNING")).operation).toBe("one.vm.detach+one.vm.attach");
  });

  it("hot-plugs disks and NICs into a running guest, and warns that a volatile disk's data goes with it", () => {
    expect(vm(vmCtx("disks[1]", "RUNNING", { change: "add", before: undefined }))).toMatchObject({ operation: "one.vm.attach", effects: ["hot-plugged into the running guest"] });
    const detach = vm(vmCtx("disks[1]", "POWEROFF", { change: "remove", before: { source: "volatile", size: 1, type: "fs" }, after: undefined }));
    expect(detach.operation).toBe("one.vm.detach");
    expect(detach.effects).toEqual(["detached while the VM is powered off", "a volatile disk is deleted with its data"]);
    expect(vm(vmCtx("disks[1]", "PENDING", { change: "add", before: undefined })).effects[0]).toContain("only to a RUNNING or POWEROFF VM, and this one is in PENDING");
    expect(vm(vmCtx("nics[0]", "RUNNING", { change: "add" })).operation).toBe("one.vm.attachnic");
    expect(vm(vmCtx("nics[0]", "RUNNING", { change: "remove" })).operation).toBe("one.vm.detachnic");
  });

  it("changes a NIC's security groups through attachsg/detachsg, and its network by re-attaching it", () => {
    const sg = (before: string[], after: string[], changedKeys = ["securityGroups"]) =>
      vm(
        vmCtx("nics[0].securityGroups", "RUNNING", {
          before: before.map((ref) => ({ ref })),
          after: after.map((ref) => ({ ref })),
          element: { before: {}, after: {}, changedKeys },
        }),
      ).operation;
    expect(sg([], ["a"])).toBe("one.vm.attachsg");
    expect(sg(["a"], [])).toBe("one.vm.detachsg");
    expect(sg(["a"], ["b"])).toBe("one.vm.detachsg+one.vm.attachsg");
    expect(sg(["a"], ["b"], ["network", "securityGroups"])).toBe("one.vm.detachnic+one.vm.attachnic");
    const network = vm(vmCtx("nics[0].network", "RUNNING"));
    expect(network.operation).toBe("one.vm.detachnic+one.vm.attachnic");
    expect(network.effects).toContain("the VM's IP address on this NIC changes");
  });

  it("starts a VM with the action its state needs", () => {
    expect(vm(vmCtx("powerState", "POWEROFF")).operation).toBe("one.vm.action resume");
    expect(vm(vmCtx("powerState", "HOLD")).operation).toBe("one.vm.action release");
    const off = { desired: { kind: "VirtualMachine", props: { powerState: "poweroff" } } as unknown as DesiredResource };
    expect(vm(vmCtx("powerState", "RUNNING", off)).operation).toBe("one.vm.action poweroff");
  });

  it("routes raw attributes: CONTEXT live, updateconf sections at the next boot, anything else by replacement", () => {
    expect(vm(vmCtx("raw.opennebula.CONTEXT", "RUNNING"))).toMatchObject({ impact: "in-place", operation: "one.vm.updateconf" });
    expect(vm(vmCtx("raw.opennebula.CPU_MODEL", "RUNNING"))).toMatchObject({ impact: "in-place-with-power-cycle", operation: "one.vm.updateconf" });
    expect(vm(vmCtx("raw.opennebula.PCI", "RUNNING")).impact).toBe("replace");
  });

  it("replaces a VM whose template changes", () => {
    expect(vm(vmCtx("template", "RUNNING")).impact).toBe("replace");
  });
});

describe("OpenNebula rules of the other kinds", () => {
  const ctx = (kind: AttributeContext["kind"], path: string, state = "READY", extra: Partial<AttributeContext> = {}) =>
    classify(openNebulaDiffRules.kinds[kind], { ...vmCtx(path, state), kind, ...extra });

  it("images: rename, persistent, chtype and update in place; size, path and datastore by replacement", () => {
    expect(ctx("Image", "name").operation).toBe("one.image.rename");
    expect(ctx("Image", "persistent").operation).toBe("one.image.persistent");
    expect(ctx("Image", "persistent", "USED_PERS").effects[0]).toContain("refuses this while VMs use the image");
    expect(ctx("Image", "type").operation).toBe("one.image.chtype");
    for (const path of ["description", "attributes.X", "devicePrefix", "format"]) expect(ctx("Image", path).operation).toBe("one.image.update");
    for (const path of ["size", "path", "datastore"]) expect(ctx("Image", path).impact).toBe("replace");
  });

  it("networks: address ranges in place, the driver and its bridge by replacement", () => {
    expect(ctx("VirtualNetwork", "addressRanges[1]", "READY", { change: "add" }).operation).toBe("one.vn.add_ar");
    expect(ctx("VirtualNetwork", "addressRanges[1]", "READY", { change: "remove" }).operation).toBe("one.vn.rm_ar");
    expect(ctx("VirtualNetwork", "addressRanges[0].size", "READY", { before: 50, after: 20 })).toMatchObject({
      operation: "one.vn.update_ar",
      effects: ["shrinking fails while VMs hold leases beyond the new size"],
    });
    for (const path of ["driver", "bridge", "vlanId", "physicalDevice"]) expect(ctx("VirtualNetwork", path).impact).toBe("replace");
    for (const path of ["dns", "gateway", "networkMask", "mtu"]) expect(ctx("VirtualNetwork", path).operation).toBe("one.vn.update");
  });

  it("security groups and templates change in place", () => {
    expect(ctx("SecurityGroup", "rules[0]").effects).toEqual(["the rules are pushed to every VM using the group"]);
    expect(ctx("VmTemplate", "disks[0].image").operation).toBe("one.template.update");
    expect(ctx("VmTemplate", "name").operation).toBe("one.template.rename");
  });

  it("claims unique names, a VM's fixed addresses on their network and the persistent images it uses", () => {
    const images: Record<string, { kind: "Image"; props: unknown }> = {
      "lab/data": { kind: "Image", props: { persistent: true } },
      "lab/os": { kind: "Image", props: { persistent: false } },
    };
    const lookup = (address: string) => images[address];
    // Names are unique for every kind but VMs (FACTS.md §7); the diff makes that a claim of its own.
    expect((["Image", "VirtualNetwork", "SecurityGroup", "VmTemplate", "VirtualMachine"] as const).map((k) => openNebulaDiffRules.kinds[k].uniqueNames === true)).toEqual([true, true, true, true, false]);
    const vmClaims = openNebulaDiffRules.kinds.VirtualMachine.claims!(
      {
        name: "web",
        props: {
          disks: [{ image: { ref: "lab/os" } }, { image: { ref: "lab/data" } }, { size: 10, type: "fs" }, { image: { ref: "lab/unknown" } }],
          nics: [{ network: { ref: "lab/net" }, ip: "10.0.0.5", mac: "02:00:0A:00:00:05" }, { network: { ref: "lab/net" } }, "junk"],
        },
      },
      lookup,
    );
    expect(vmClaims.map((c) => [c.key, c.source])).toEqual([
      ["lease:lab/net:10.0.0.5", "dependency"],
      ["lease:lab/net:02:00:0a:00:00:05", "dependency"],
      ["persistent-image:lab/data", "dependency"],
    ]);
    expect(openNebulaDiffRules.kinds.VirtualMachine.claims!({ name: "x", props: "junk" }, lookup)).toEqual([]);
  });
});

describe("OpenNebula live model", () => {
  it("maps VM states to the declared power states", () => {
    for (const state of ["RUNNING", "PENDING", "BOOT", "PROLOG", "HOTPLUG", "MIGRATE"]) expect(vmPowerState(state)).toBe("running");
    for (const state of ["POWEROFF", "SUSPENDED", "STOPPED", "UNDEPLOYED", "HOLD", "SHUTDOWN_POWEROFF", "BOOT_FAILURE"]) expect(vmPowerState(state)).toBe("poweroff");
  });

  it("tells failure states apart", () => {
    expect(isVmFailureState("BOOT_FAILURE")).toBe(true);
    expect(isVmFailureState("CLONING_FAILURE")).toBe(true);
    expect(isVmFailureState("UNKNOWN")).toBe(true);
    expect(isVmFailureState("RUNNING")).toBe(false);
    expect(vmLiveStatus("PROLOG_FAILURE", "copy failed")).toEqual({ state: "PROLOG_FAILURE", healthy: false, message: "copy failed" });
    expect(vmLiveStatus("RUNNING", "old error")).toEqual({ state: "RUNNING", healthy: true });
    expect(imageLiveStatus("ERROR", "no space").healthy).toBe(false);
    expect(networkLiveStatus("UPDATE_FAILURE").healthy).toBe(false);
    expect(networkLiveStatus("READY").healthy).toBe(true);
    expect(securityGroupLiveStatus([4, 7])).toMatchObject({ healthy: false, message: "the rules could not be pushed to VMs 4, 7" });
    expect(securityGroupLiveStatus([]).healthy).toBe(true);
  });

  it("names the action that reaches a power state", () => {
    expect(powerAction("HOLD", "running")).toBe("release");
    expect(powerAction("SUSPENDED", "running")).toBe("resume");
    expect(powerAction("RUNNING", "poweroff")).toBe("poweroff");
  });
});
