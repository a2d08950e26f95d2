/**
 * The pieces the panel's Ruby decides and the simulator re-implements: the model's format
 * patterns with Ruby's line anchors (and no runaway backtracking), ActiveRecord 2.3 typecasting,
 * the model's shellescape, and Builder's text escaping.
 */
import { describe, expect, it } from "vitest";
import { descriptionFormatOk, hostNameFormatOk, ipAddressFormatOk, nameserverFormatOk, searchDomainFormatOk } from "../../../src/sim/openvz/formats";
import { castBoolean, castDate, castInteger, rubySplit, rubyToI, shellEscape } from "../../../src/sim/openvz/typecast";
import { escapeText } from "../../../src/sim/openvz/xml";

describe("the model's format patterns", () => {
  it("ip_address: IPv4 with an optional mask, IPv6-ish hex groups, whitespace between, or auto", () => {
    for (const ok of ["", "10.0.0.1", "10.0.0.1/24", "10.0.0.1 10.0.0.2", " 10.0.0.1\t", "fd00::1", "::", "abc", "auto", "1.2.3.4abcd", "999.1.1.1"]) expect([ok, ipAddressFormatOk(ok)]).toEqual([ok, true]);
    for (const bad of ["xyz", "10.0.0.1/", "auto 10.0.0.1", "10.0.0", "10.0.0.1;rm", "Auto", "fe80::1%eth0"]) expect([bad, ipAddressFormatOk(bad)]).toEqual([bad, false]);
    expect(ipAddressFormatOk(null)).toBe(true);
  });

  it("reads ^ and $ as Ruby does: any line may match, but not the empty end after a final newline", () => {
    expect(ipAddressFormatOk("xyz\n10.0.0.1")).toBe(true);
    expect(ipAddressFormatOk("\nxyz")).toBe(true);
    expect(ipAddressFormatOk("xyz\n")).toBe(false);
    expect(hostNameFormatOk("bad name\nok")).toBe(true);
    expect(hostNameFormatOk("bad name\n")).toBe(false);
    expect(ipAddressFormatOk("xyz\nauto")).toBe(true);
  });

  it("nameserver: addresses without masks; search_domain: names and whitespace, not starting with whitespace", () => {
    expect(nameserverFormatOk("8.8.8.8 8.8.4.4")).toBe(true);
    expect(nameserverFormatOk("8.8.8.8/32")).toBe(false);
    expect(nameserverFormatOk("dns.example")).toBe(false);
    expect(searchDomainFormatOk("lan example.com")).toBe(true);
    expect(searchDomainFormatOk("lan ")).toBe(true);
    expect(searchDomainFormatOk(" lan")).toBe(false);
    expect(searchDomainFormatOk("a_b")).toBe(false);
  });

  it("host_name and description: letters, digits, dots and dashes (description whitespace too), any case", () => {
    expect(hostNameFormatOk("Web-1.Example.LAN")).toBe(true);
    expect(hostNameFormatOk("web_1")).toBe(false);
    expect(descriptionFormatOk("Web server 1.2 - front")).toBe(true);
    expect(descriptionFormatOk("web #1")).toBe(false);
    expect(descriptionFormatOk("café")).toBe(false);
  });

  it("decides long hostile values at once where the patterns would backtrack without bound", () => {
    const t0 = performance.now();
    expect(ipAddressFormatOk(`${"abcd:".repeat(2000)}!`)).toBe(false);
    expect(nameserverFormatOk(`${"1".repeat(5000)}x`)).toBe(false);
    expect(searchDomainFormatOk(`${"a ".repeat(5000)}_`)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

describe("ActiveRecord 2.3 typecasting and Ruby's strings", () => {
  it("integers: blank is NULL, otherwise String#to_i", () => {
    expect([castInteger(""), castInteger("  "), castInteger("abc"), castInteger("12abc"), castInteger(" -7"), castInteger("1.9"), castInteger("1_000"), castInteger("0x10")]).toEqual([null, null, 0, 12, -7, 1, 1000, 0]);
    expect(rubyToI("+5")).toBe(5);
  });

  it("booleans: blank is NULL, 1 t T true TRUE are true, anything else false", () => {
    expect(["1", "t", "T", "true", "TRUE", "0", "yes", "on", "false", ""].map(castBoolean)).toEqual([true, true, true, true, true, false, false, false, false, null]);
  });

  it("dates: YYYY-MM-DD or day first, impossible dates NULL", () => {
    expect([castDate("2031-12-31"), castDate("31-12-2031"), castDate("2031-2-3"), castDate("2031-02-30"), castDate("next year"), castDate("")]).toEqual(["2031-12-31", "2031-12-31", "2031-02-03", null, null, null]);
  });

  it("split and shellescape as the model uses them", () => {
    expect(rubySplit("  a \t b\nc ")).toEqual(["a", "b", "c"]);
    expect(rubySplit(null)).toEqual([]);
    expect(shellEscape("")).toBe("''");
    expect(shellEscape("web one; rm -rf /")).toBe("web\\ one\\;\\ rm\\ -rf\\ /");
    expect(shellEscape("a\nb")).toBe("a'\n'b");
  });
});

describe("Builder's text escaping", () => {
  it("escapes markup, writes non-ASCII as references (Windows-1252 first) and stars what XML cannot hold", () => {
    expect(escapeText(`a & b < c > d "e" 'f'`)).toBe(`a &amp; b &lt; c &gt; d "e" 'f'`);
    expect(escapeText("café €😀")).toBe("caf&#233; &#8364;&#128512;");
    expect(escapeText("\u0080")).toBe("&#8364;");
    expect(escapeText("a\u0001b\tc\n")).toBe("a*b\tc\n");
  });
});
