import { describe, expect, it } from "vitest";
import { ownedAddresses, parseSecretNames, readTag, secretNamesValue, tagPairs, type TaggedObject } from "../../../src/providers/kit/ownership";

const tag = (address: string, kind = "Image", stack = "lab") => ({ stack, address, kind });

describe("ownership tags", () => {
  it("read back what they write, and nothing from an incomplete tag", () => {
    const pairs = new Map(tagPairs(tag("lab/disk")));
    expect(readTag((k) => pairs.get(k))).toEqual(tag("lab/disk"));
    pairs.delete("HYPERPLAN_KIND");
    expect(readTag((k) => pairs.get(k))).toBeUndefined();
  });

  it("keep the secret names' record in one spelling", () => {
    expect(secretNamesValue({ secretVars: { db_password: "x", API: "y" } })).toBe("API,DB_PASSWORD");
    expect(secretNamesValue({ secretVars: {} })).toBeUndefined();
    expect([...parseSecretNames(" API, DB_PASSWORD ,")]).toEqual(["API", "DB_PASSWORD"]);
  });
});

describe("ownedAddresses", () => {
  it("keeps the stack's objects of the kind only", () => {
    const objects: TaggedObject[] = [
      { id: "1", tag: tag("lab/disk") },
      { id: "2", tag: tag("other/disk", "Image", "other") },
      { id: "3", tag: tag("lab/tmpl", "VmTemplate") },
      { id: "4", tag: undefined },
    ];
    expect([...ownedAddresses("lab", "Image", objects)]).toEqual([["1", "lab/disk"]]);
  });

  it("lists the old object of an unfinished replacement under its leftover address", () => {
    const objects: TaggedObject[] = [
      { id: "7", tag: tag("lab/disk") },
      { id: "9", tag: tag("lab/disk"), replaces: "7" },
    ];
    expect(Object.fromEntries(ownedAddresses("lab", "Image", objects))).toEqual({ "9": "lab/disk", "7": "lab/disk~replaced-7" });
  });

  it("leaves other duplicates under their address, for the core to decide", () => {
    const objects: TaggedObject[] = [
      { id: "7", tag: tag("lab/disk") },
      { id: "9", tag: tag("lab/disk"), replaces: "5" },
    ];
    expect(Object.fromEntries(ownedAddresses("lab", "Image", objects))).toEqual({ "7": "lab/disk", "9": "lab/disk" });
  });
});
