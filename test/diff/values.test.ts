import { describe, expect, it } from "vitest";
import {
  canonicalBoolean,
  canonicalLower,
  canonicalNumber,
  canonicalScript,
  canonicalSecret,
  canonicalSshKey,
  sameRawValue,
} from "../../src/diff/values";

describe("value normalisation", () => {
  it("treats numbers and numeric strings as one value", () => {
    expect(canonicalNumber(0.5)).toBe(canonicalNumber(".50"));
    expect(canonicalNumber("1024")).toBe(1024);
    expect(canonicalNumber(" 2e3 ")).toBe(2000);
    expect(canonicalNumber("12abc")).toBe("12abc");
    expect(canonicalNumber(Number.NaN)).toBe("NaN");
    expect(canonicalNumber({})).toBeUndefined();
  });

  it("compares enum-like values without case", () => {
    expect(canonicalLower("TCP")).toBe(canonicalLower("tcp"));
    expect(canonicalLower(undefined)).toBeUndefined();
  });

  it("reads OpenNebula's YES/NO as booleans and leaves other words alone", () => {
    expect(canonicalBoolean("YES")).toBe(true);
    expect(canonicalBoolean("no")).toBe(false);
    expect(canonicalBoolean(true)).toBe(true);
    expect(canonicalBoolean("maybe")).toBe("maybe");
  });

  it("ignores line-end style and trailing whitespace of scripts, not inner whitespace", () => {
    expect(canonicalScript("echo a\r\necho b\n\n")).toBe(canonicalScript("echo a\necho b"));
    expect(canonicalScript("echo  a")).not.toBe(canonicalScript("echo a"));
  });

  it("collapses blanks inside SSH keys", () => {
    expect(canonicalSshKey("  ssh-ed25519   AAAA  me@host ")).toBe("ssh-ed25519 AAAA me@host");
  });

  it("reads a secret from either spelling", () => {
    expect(canonicalSecret({ secret: "pw" })).toBe("pw");
    expect(canonicalSecret("pw")).toBe("pw");
  });

  it("compares raw values deeply, numbers by value, keys by the backend's case rule", () => {
    expect(sameRawValue({ a: [1, "2"] }, { A: ["1", 2] }, "insensitive")).toBe(true);
    expect(sameRawValue({ a: 1 }, { A: 1 }, "exact")).toBe(false);
    expect(sameRawValue([1], [1, 2], "exact")).toBe(false);
    expect(sameRawValue("x", { x: 1 }, "exact")).toBe(false);
  });
});
