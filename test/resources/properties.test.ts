import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  App,
  Image,
  SecurityGroup,
  Stack,
  VirtualMachine,
  VirtualNetwork,
  VmTemplate,
  canonicalJson,
  type SecurityGroupSpec,
} from "../../src/index";

const KINDS = [VirtualNetwork, Image, SecurityGroup, VmTemplate, VirtualMachine] as const;

describe("laws", () => {
  it("validation never throws, whatever the props", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: KINDS.length - 1 }), fc.anything({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3 }), (k, anyProps, jsonProps) => {
        const stack = new Stack(new App(), "lab");
        const Kind = KINDS[k]!;
        new Kind(stack, "a", anyProps as never);
        new Kind(stack, "b", (typeof jsonProps === "object" && jsonProps !== null ? jsonProps : { x: jsonProps }) as never);
        const issues = stack.validate();
        expect(Array.isArray(issues)).toBe(true);
        for (const i of issues) expect(i.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it("validation never throws on well-typed props with arbitrary values", () => {
    const port = fc.oneof(fc.integer({ min: -5, max: 70000 }), fc.record({ from: fc.integer({ min: 0, max: 70000 }), to: fc.integer({ min: 0, max: 70000 }) }));
    fc.assert(
      fc.property(
        fc.array(fc.record({ start: fc.ipV4(), size: fc.integer({ min: -2, max: 300 }) }), { maxLength: 3 }),
        fc.array(port, { maxLength: 4 }),
        fc.option(fc.ipV4(), { nil: undefined }),
        fc.integer({ min: -1, max: 5000 }),
        (ranges, ports, ip, memory) => {
          const stack = new Stack(new App(), "lab");
          const net = new VirtualNetwork(stack, "net", {
            addressRanges: ranges.map((r) => ({ type: "ipv4" as const, ...r })),
            networkAddress: "10.0.0.0",
            networkMask: "255.255.0.0",
          });
          const sg = new SecurityGroup(stack, "sg", { rules: [{ protocol: "tcp", direction: "inbound", ports }] });
          new VirtualMachine(stack, "vm", { cpu: 1, memory, nics: [{ network: net, ip, securityGroups: [sg] }] });
          new VirtualMachine(stack, "vm2", { cpu: 1, memory: 64, nics: [{ network: net, ip }] });
          expect(Array.isArray(stack.validate())).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("synthesis is deterministic and its JSON round-trips to the same bytes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 8 }), fc.boolean(), (vms, size, poweroff) => {
        const build = (): string => {
          const stack = new Stack(new App(), "pool");
          const net = new VirtualNetwork(stack, "net", { addressRanges: [{ type: "ipv4", start: "10.1.0.1", size: 200 }] });
          const img = new Image(stack, "os", { path: "/os.qcow2" });
          const t = new VmTemplate(stack, "t", { cpu: 0.5, memory: 128 * size, disks: [{ image: img }], nics: [{ network: net }] });
          for (let i = vms; i >= 1; i--) {
            new VirtualMachine(stack, `vm-${i}`, { template: t, powerState: poweroff ? "poweroff" : "running", labels: [`n${i % 3}`] });
          }
          return canonicalJson(stack.synth());
        };
        const first = build();
        expect(build()).toBe(first);
        expect(canonicalJson(JSON.parse(first))).toBe(first);
      }),
      { numRuns: 50 },
    );
  });

  it("normalised ports cover exactly the ports given, as sorted, disjoint, non-adjacent ranges", () => {
    const port = fc.integer({ min: 1, max: 200 });
    const entry = fc.oneof(port, fc.tuple(port, port).map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) })));
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 8 }), (ports) => {
        const stack = new Stack(new App(), "lab");
        new SecurityGroup(stack, "sg", { rules: [{ protocol: "udp", direction: "inbound", ports }] });
        const spec = stack.synth().resources[0]!.props as SecurityGroupSpec;
        const ranges = spec.rules[0]!.ports!;
        const expected = new Set<number>();
        for (const p of ports) {
          const r = typeof p === "number" ? { from: p, to: p } : p;
          for (let x = r.from; x <= r.to; x++) expected.add(x);
        }
        const got = new Set<number>();
        for (const r of ranges) for (let x = r.from; x <= r.to; x++) got.add(x);
        expect(got).toEqual(expected);
        for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.from).toBeGreaterThan(ranges[i - 1]!.to + 1);
      }),
      { numRuns: 200 },
    );
  });
});
