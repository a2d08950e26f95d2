import { Construct } from "constructs";
import { describe, expect, it } from "vitest";
import {
  App,
  Attribute,
  Image,
  Stack,
  StackOutput,
  VirtualMachine,
  VirtualNetwork,
  hasErrorCode,
  isHyperplanError,
} from "../../src/index";

describe("constructs", () => {
  it("addresses a resource by its stack and its construct path below the stack", () => {
    const stack = new Stack(new App(), "lab");
    const vm = new VirtualMachine(new Construct(new Construct(stack, "tier"), "app"), "app-2", { cpu: 1, memory: 64 });
    expect(vm.address).toBe("lab/tier/app/app-2");
    expect(Stack.of(vm)).toBe(stack);
  });

  it("addresses resources of a stack created on its own the same way", () => {
    const stack = new Stack(undefined, "solo");
    expect(new VirtualNetwork(stack, "net").address).toBe("solo/net");
    expect(stack.synth().stack).toBe("solo");
  });

  it("names the backend object after the construct id unless name is given", () => {
    const stack = new Stack(new App(), "lab");
    expect(new Image(stack, "debian-12", { path: "/x" }).name).toBe("debian-12");
    expect(new Image(stack, "other", { path: "/x", name: "Debian 12" }).name).toBe("Debian 12");
  });

  it("refuses a resource or output created outside any stack, with a coded error", () => {
    const app = new App();
    let error: unknown;
    try {
      new VirtualNetwork(app, "net");
    } catch (e) {
      error = e;
    }
    expect(hasErrorCode(error, "RESOURCE_OUTSIDE_STACK")).toBe(true);
    expect((error as Error).message).toBe('VirtualNetwork "net" must be created inside a Stack');
    expect(() => new StackOutput(new Construct(app, "loose"), "o", { value: 1 })).toThrow("must be created inside a Stack");
  });

  it("refuses a stack inside another construct", () => {
    const app = new App();
    const outer = new Stack(app, "outer");
    let error: unknown;
    try {
      new Stack(outer as never, "inner");
    } catch (e) {
      error = e;
    }
    expect(isHyperplanError(error) && error.code).toBe("STACK_SCOPE_INVALID");
  });

  it("lists an app's stacks sorted by name and a stack's resources", () => {
    const app = new App();
    const b = new Stack(app, "b");
    new Stack(app, "a");
    new VirtualNetwork(b, "n1");
    new VirtualNetwork(new Construct(b, "g"), "n2");
    expect(app.stacks.map((s) => s.stackName)).toEqual(["a", "b"]);
    expect(b.resources.map((r) => r.address)).toEqual(["b/n1", "b/g/n2"]);
  });

  it("exposes attributes as typed tokens that serialise to a reference and refuse to hide in strings", () => {
    const stack = new Stack(new App(), "lab");
    const vm = new VirtualMachine(stack, "web-1", { cpu: 1, memory: 64 });
    expect(vm.ipAddress).toBeInstanceOf(Attribute);
    expect(JSON.parse(JSON.stringify({ ip: vm.ipAddress }))).toEqual({ ip: { ref: "lab/web-1", attr: "ip" } });
    expect(JSON.stringify(vm.objectId)).toBe('{"ref":"lab/web-1","attr":"id"}');
    expect(`${vm.macAddress}`).toBe("${hyperplan-attribute:lab/web-1.mac}");
  });

  it("recognises hyperplan values made by another copy of the module through their brands", () => {
    const stack = new Stack(new App(), "lab");
    const vm = new VirtualMachine(stack, "vm", { cpu: 1, memory: 64 });
    // What a second copy of attribute.ts would make: same brand, different class.
    const foreign = { [Symbol.for("hyperplan.attribute")]: true, owner: vm, attr: "ip" };
    new StackOutput(stack, "ip", { value: foreign as never });
    expect(stack.validate()).toEqual([
      { address: "lab/ip", path: "value", rule: "reference", message: "lab/vm has no NIC, so its ip will never be known" },
    ]);
  });
});
