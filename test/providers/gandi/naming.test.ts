import { describe, expect, it } from "vitest";
import { gandiName, gandiNameProblem, ownedName, readName } from "../../../src/providers/gandi/naming";

describe("Gandi names", () => {
  it("are <name>.<stack>-<mark>, the mark the first six base32 characters of SHA-256 over stack, kind and name", () => {
    // Golden marks, computed apart from the code: base64.b32encode(sha256(b"hyperplan\nshop\nVirtualMachine\nweb-1"))[:6].lower()
    expect(gandiName("shop", "VirtualMachine", "web-1")).toBe("web-1.shop-akifh5");
    expect(gandiName("shop", "Image", "web-1")).toBe("web-1.shop-v2vkoy");
    expect(gandiName("gandi-web", "VirtualMachine", "web-2")).toBe("web-2.gandi-web-ftn3cw");
  });

  it("are the stack's only with the object's own mark; other names are never taken", () => {
    expect(ownedName("shop", "VirtualMachine", "web-1.shop-akifh5")).toBe("web-1");
    expect(ownedName("shop", "Image", "web-1.shop-v2vkoy")).toBe("web-1");
    // A VM's mark on a disk, or another name's mark: not the stack's.
    expect(ownedName("shop", "Image", "web-1.shop-akifh5")).toBeUndefined();
    expect(ownedName("shop", "VirtualMachine", "web-2.shop-akifh5")).toBeUndefined();
    for (const name of ["web-1.shop", "web-1.shopping", "web-1", "a.b.shop", ".shop", "web-1.other", "web-1.shop-AKIFH5", "web-1.shop-akifh"]) {
      expect(ownedName("shop", "VirtualMachine", name), name).toBeUndefined();
    }
  });

  it("read a person's name for a declared one as a look-alike: the bare name, or the pattern with a mark that is not the object's", () => {
    expect(readName("shop", "VirtualMachine", "web-1.shop")).toEqual({ state: "lookalike", name: "web-1" });
    expect(readName("shop", "VirtualMachine", "web-1.shop-aaaaaa")).toEqual({ state: "lookalike", name: "web-1" });
    expect(readName("shop", "VirtualMachine", "web-1.shop-akifh5")).toEqual({ state: "owned", name: "web-1" });
    expect(readName("shop", "VirtualMachine", "web-1.shopping")).toBeUndefined();
    expect(readName("shop", "VirtualMachine", "web-1")).toBeUndefined();
  });

  it("take host name labels only", () => {
    expect(gandiNameProblem("web-1")).toBeUndefined();
    expect(gandiNameProblem("web_1")).toMatch(/must be a host name label on Gandi/);
    expect(gandiNameProblem("-web")).toMatch(/host name label/);
    expect(gandiNameProblem("a".repeat(64))).toMatch(/at most 63 characters/);
  });
});
