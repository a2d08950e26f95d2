/** IPv4/IPv6 arithmetic for the checks on address ranges, gateways, fixed IPs and CIDR blocks. */

/** `10.0.0.1` → 167772161, or undefined when it is not a dotted IPv4 address. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** `2001:db8::1` → its 128-bit value, or undefined when it is not an IPv6 address. */
export function parseIpv6(text: string): bigint | undefined {
  let head = text;
  let tailV4: number | undefined;
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".") && lastColon >= 0) {
    tailV4 = parseIpv4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const split = (s: string): string[] => (s === "" ? [] : s.split(":"));
  const left = split(halves[0]!);
  const right = halves.length === 2 ? split(halves[1]!) : [];
  const groups = left.length + right.length;
  if (halves.length === 1 && groups !== 8) return undefined;
  if (halves.length === 2 && groups > 7) return undefined;
  const all = [...left, ...Array(8 - groups).fill("0"), ...right];
  let value = 0n;
  for (const g of all) {
    if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== undefined) value = (value >> 32n << 32n) | BigInt(tailV4);
  return value;
}

/** The prefix length of a dotted network mask (`255.255.255.0` → 24), or undefined if not contiguous. */
export function maskPrefixLength(mask: string): number | undefined {
  const value = parseIpv4(mask);
  if (value === undefined) return undefined;
  for (let length = 0; length <= 32; length++) {
    const expected = length === 0 ? 0 : (2 ** 32 - 2 ** (32 - length));
    if (value === expected) return length;
  }
  return undefined;
}

export interface Cidr {
  family: 4 | 6;
  prefixLength: number;
  /** True when no bit after the prefix is set (`10.0.0.0/24`, not `10.0.0.5/24`). */
  aligned: boolean;
}

/** `10.0.0.0/24` or `2001:db8::/64`, or undefined with a reason. */
export function parseCidr(text: string): Cidr | string {
  const slash = text.indexOf("/");
  if (slash < 0) return "must be an address and a prefix length (10.0.0.0/24)";
  const address = text.slice(0, slash);
  const lengthText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lengthText)) return "must end with a prefix length (/24)";
  const prefixLength = Number(lengthText);
  const v4 = parseIpv4(address);
  if (v4 !== undefined) {
    if (prefixLength > 32) return `an IPv4 prefix length must be 0 to 32, got ${prefixLength}`;
    const hostBits = 2 ** (32 - prefixLength);
    return { family: 4, prefixLength, aligned: v4 % hostBits === 0 };
  }
  const v6 = parseIpv6(address);
  if (v6 !== undefined) {
    if (prefixLength > 128) return `an IPv6 prefix length must be 0 to 128, got ${prefixLength}`;
    const hostMask = (1n << BigInt(128 - prefixLength)) - 1n;
    return { family: 6, prefixLength, aligned: (v6 & hostMask) === 0n };
  }
  return "must start with an IPv4 or IPv6 address";
}
