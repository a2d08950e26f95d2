import { describe, expect, it } from "vitest";
import { StringBuilder } from "../../src/xmlrpc/string-builder";

describe("StringBuilder", () => {
  it("builds the empty string from nothing", () => {
    expect(new StringBuilder().toString()).toBe("");
  });

  it("keeps the order of many small pieces across chunks", () => {
    const builder = new StringBuilder();
    const expected: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      builder.append(`${i},`);
      expected.push(`${i},`);
    }
    expect(builder.toString()).toBe(expected.join(""));
  });

  it("keeps very large pieces in place between small ones", () => {
    const big = "x".repeat(100_000);
    const builder = new StringBuilder();
    builder.append("<");
    builder.append(big);
    builder.append("");
    builder.append(">");
    builder.append(big);
    expect(builder.toString()).toBe(`<${big}>${big}`);
  });

  it("returns the same text when read twice", () => {
    const builder = new StringBuilder();
    builder.append("a");
    builder.append("b");
    expect(builder.toString()).toBe("ab");
    expect(builder.toString()).toBe("ab");
  });
});
