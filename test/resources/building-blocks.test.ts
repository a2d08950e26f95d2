import { describe, expect, it } from "vitest";
import { idProblem, nameProblem } from "../../src/resources/address";
import { canonicalJson } from "../../src/resources/canonical-json";
import { formatIpv4, maskPrefixLength, parseCidr, parseIpv4, parseIpv6 } from "../../src/resources/ip-address";
import { closest, describeValue, pointerToPath } from "../../src/resources/schema-validator";
import { scanForSecrets, secretInPair, secretInValue } from "../../src/resources/secret-scan";
import { naturalCompare, sortIssues } from "../../src/resources/validation-issue";
import { isAttributeRef, isRef, isSecretValue, maskSecrets } from "../../src/resources/desired-state";

describe("ids and names", () => {
  it("accepts letters, digits, dash, underscore and dot, starting with a letter or digit", () => {
    for (const id of ["web-1", "a", "9lives", "db_primary", "v1.2", "A".repeat(64)]) expect(idProblem(id)).toBeUndefined();
    for (const id of ["", "-x", ".x", "_x", "a/b", "a b", "é", "a:b", "A".repeat(65)]) expect(idProblem(id)).toBeDefined();
  });

  it("refuses backend names with template or shell syntax in them", () => {
    expect(nameProblem("debian 12 (bookworm)")).toBe('must not contain "(", got "debian 12 (bookworm)"');
    expect(nameProblem("debian 12 bookworm")).toBeUndefined();
    for (const ch of "&|:\\;/'\"#{}()$<>[],=") expect(nameProblem(`a${ch}b`)).toContain("must not contain");
    expect(nameProblem("x".repeat(128))).toBeUndefined();
    expect(nameProblem("x".repeat(129))).toBe("must be at most 128 characters, got 129");
  });
});

describe("IP arithmetic", () => {
  it("parses and formats IPv4", () => {
    expect(parseIpv4("10.0.0.1")).toBe(167772161);
    expect(formatIpv4(167772161)).toBe("10.0.0.1");
    expect(formatIpv4(2 ** 32 - 1)).toBe("255.255.255.255");
    for (const bad of ["10.0.0", "10.0.0.256", "01.0.0.1", "a.b.c.d", "1.2.3.4.5", ""]) expect(parseIpv4(bad)).toBeUndefined();
  });

  it("parses IPv6 with compression and an embedded IPv4 tail", () => {
    expect(parseIpv6("::")).toBe(0n);
    expect(parseIpv6("::1")).toBe(1n);
    expect(parseIpv6("2001:db8::")).toBe(0x20010db8n << 96n);
    expect(parseIpv6("::ffff:10.0.0.1")).toBe((0xffffn << 32n) | 0x0a000001n);
    expect(parseIpv6("1:2:3:4:5:6:7:8")).toBeDefined();
    for (const bad of ["1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "g::", ":::"]) expect(parseIpv6(bad)).toBeUndefined();
  });

  it("tells contiguous masks from others, and aligned CIDR blocks from others", () => {
    expect(maskPrefixLength("255.255.255.0")).toBe(24);
    expect(maskPrefixLength("0.0.0.0")).toBe(0);
    expect(maskPrefixLength("255.255.255.255")).toBe(32);
    expect(maskPrefixLength("255.0.255.0")).toBeUndefined();
    expect(parseCidr("10.0.0.0/8")).toEqual({ family: 4, prefixLength: 8, aligned: true });
    expect(parseCidr("10.0.0.1/8")).toEqual({ family: 4, prefixLength: 8, aligned: false });
    expect(parseCidr("2001:db8::/32")).toEqual({ family: 6, prefixLength: 32, aligned: true });
    expect(parseCidr("10.0.0.0/33")).toBe("an IPv4 prefix length must be 0 to 32, got 33");
    expect(parseCidr("host/24")).toBe("must start with an IPv4 or IPv6 address");
  });
});

describe("schema error wording", () => {
  it("turns JSON pointers into property paths", () => {
    expect(pointerToPath("/disks/0/size")).toBe("disks[0].size");
    expect(pointerToPath("/context/vars/a~1b")).toBe('context.vars["a/b"]');
    expect(pointerToPath("")).toBe("");
  });

  it("suggests the closest known word", () => {
    expect(closest("memroy", ["memory", "cpu"])).toBe("memory");
    expect(closest("MEMORY", ["memory"])).toBe("memory");
    expect(closest("zzz", ["memory", "cpu"])).toBeUndefined();
  });

  it("describes given values briefly, and never echoes one that looks secret", () => {
    expect(describeValue("x".repeat(100))).toBe(`"${"x".repeat(57)}..."`);
    expect(describeValue({ ref: "lab/a" })).toBe("a reference to lab/a");
    expect(describeValue({ ref: "lab/a", attr: "ip" })).toBe("the attribute lab/a.ip");
    expect(describeValue("-----BEGIN RSA PRIVATE KEY-----abc")).toBe("a value that looks like a secret (not shown)");
  });
});

describe("secret scan", () => {
  it("recognises well-known secret shapes", () => {
    expect(secretInValue("-----BEGIN EC PRIVATE KEY-----")).toBe("looks like a private key");
    expect(secretInValue("postgres://app:pw@db:5432/app")).toBe("holds a URL with a password in it");
    expect(secretInValue("https://example.org/path?q=1")).toBeUndefined();
    expect(secretInValue("PASSWORD: s3cr3t!")).toBe("looks like a password assignment");
    expect(secretInValue("password=$DB_PASSWORD")).toBeUndefined();
    expect(secretInValue("$6$saltsalt$0123456789abcdefghijABCDEFGHIJ./")).toBe("looks like a password hash");
    expect(secretInValue("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI user@host")).toBeUndefined();
  });

  it("flags secret-sounding keys with literal values only", () => {
    expect(secretInPair("DB_PASSWORD", "x1")).toContain("names one");
    expect(secretInPair("api_key", "abc")).toContain("names one");
    expect(secretInPair("DB_PASSWORD", "$FROM_ENV")).toBeUndefined();
    expect(secretInPair("TOKEN_TTL", "3600")).toBeUndefined();
    expect(secretInPair("USE_SECRETS", "yes")).toBeUndefined();
    expect(secretInPair("BYPASS", "abc")).toBeUndefined();
  });

  it("skips the declared secret paths and looks at keys of free maps only", () => {
    const input = {
      description: "password: hunter22",
      context: { password: "password=hunter22", secretVars: { A: "password=x1234" }, vars: { PASSWORD: "hunter22" } },
      nics: [{ model: "virtio" }],
      password: "hunter22",
    };
    const findings = scanForSecrets(input, [["context", "password"], ["context", "secretVars", "*"]]);
    expect(findings.map((f) => f.segments.join("."))).toEqual(["description", "context.vars.PASSWORD"]);
  });
});

describe("documents", () => {
  it("serialises with keys sorted at every level and undefined dropped", () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } }, 0)).toBe('{"a":{"d":[{"y":2,"z":1}]},"b":1}');
  });

  it("recognises references, attributes and secrets by their exact shape", () => {
    expect(isRef({ ref: "lab/a" })).toBe(true);
    expect(isRef({ ref: "lab/a", attr: "ip" })).toBe(false);
    expect(isAttributeRef({ ref: "lab/a", attr: "ip" })).toBe(true);
    expect(isSecretValue({ secret: "x" })).toBe(true);
    expect(isSecretValue({ secret: "x", other: 1 })).toBe(false);
    expect(maskSecrets({ a: [{ secret: "x" }], b: "secret" })).toEqual({ a: [{ secret: "(sensitive)" }], b: "secret" });
  });

  it("sorts issues by address, then path with numbers compared as numbers", () => {
    const issue = (address: string, path: string) => ({ address, path, rule: "schema" as const, message: "m" });
    const sorted = sortIssues([issue("lab/b", ""), issue("lab/a", "disks[10]"), issue("lab/a", "disks[2]"), issue("lab/a", "disks[2]")]);
    expect(sorted.map((i) => `${i.address} ${i.path}`)).toEqual(["lab/a disks[2]", "lab/a disks[10]", "lab/b "]);
    expect(naturalCompare("web-9", "web-10")).toBeLessThan(0);
  });
});
