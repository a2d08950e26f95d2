/**
 * Address ranges and leases of a virtual network (`src/vnm/AddressRange.cc`): a range of SIZE
 * addresses from a first IP and/or MAC; lease i is the first address + i. oned generates MACs
 * from its MAC_PREFIX (02:00) and, for IP4 ranges, the IP's four bytes, so 192.168.150.100 gets
 * 02:00:c0:a8:96:64 (as in the 6.99 sample VM).
 */
import type { AddressRange, Lease } from "./records.js";
import type { SeededRandom } from "../kit/random.js";
import type { TemplateVector } from "./template-ops.js";

export const AR_TYPES = ["IP4", "IP6", "IP6_STATIC", "IP4_6", "IP4_6_STATIC", "ETHER"] as const;

/** Attributes that describe the range itself; every other AR attribute is inherited by its leases. */
const CORE_KEYS = new Set([
  "AR_ID",
  "TYPE",
  "IP",
  "MAC",
  "SIZE",
  "GLOBAL_PREFIX",
  "ULA_PREFIX",
  "IP6",
  "PREFIX_LENGTH",
  "ALLOCATED",
  "USED_LEASES",
  "NEXT_INDEX",
  "PARENT_NETWORK_AR_ID",
  "SHARED",
  "VN_MAD",
  "CVLANS",
  "PORT_START",
  "PORT_SIZE",
]);

export function ipToInt(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((n) => n > 255)) return null;
  return (((parts[0] as number) << 24) >>> 0) + ((parts[1] as number) << 16) + ((parts[2] as number) << 8) + (parts[3] as number);
}

export function intToIp(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** MAC as a 48-bit number (safe in a double). */
export function macToNumber(mac: string): number | null {
  const m = /^([0-9a-fA-F]{2}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})$/.exec(mac.trim());
  if (!m) return null;
  return m.slice(1).reduce((acc, h) => acc * 256 + parseInt(h, 16), 0);
}

export function numberToMac(n: number): string {
  const bytes: string[] = [];
  let v = n;
  for (let i = 0; i < 6; i++) {
    bytes.unshift((v % 256).toString(16).padStart(2, "0"));
    v = Math.floor(v / 256);
  }
  return bytes.join(":");
}

/** Expands an IPv6 prefix ("fd00::", "2001:db8:0:1::") to its first four 16-bit groups. */
function prefixGroups(prefix: string): number[] | null {
  const p = prefix.trim();
  if (p === "") return null;
  const [head = "", tail = ""] = p.split("::");
  const h = head === "" ? [] : head.split(":");
  const t = tail === "" ? [] : tail.split(":");
  const groups = [...h, ...new Array(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t].slice(0, 4);
  const out = groups.map((g) => parseInt(g, 16));
  return out.some((n) => !Number.isInteger(n) || n < 0 || n > 0xffff) ? null : out;
}

/** prefix (first 64 bits) + EUI-64 interface id from the MAC, as oned builds SLAAC-style IP6 addresses. */
export function ip6FromMac(prefix: string, mac: number): string | null {
  const groups = prefixGroups(prefix);
  if (!groups) return null;
  const b: number[] = [];
  let v = mac;
  for (let i = 0; i < 6; i++) {
    b.unshift(v % 256);
    v = Math.floor(v / 256);
  }
  const iid = [((b[0] as number) ^ 0x02) * 256 + (b[1] as number), (b[2] as number) * 256 + 0xff, 0xfe * 256 + (b[3] as number), (b[4] as number) * 256 + (b[5] as number)];
  return compressIp6([...groups, ...iid]);
}

/** RFC 5952 text form (as inet_ntop prints it): the longest run of two or more zero groups becomes "::". */
export function compressIp6(groups: readonly number[]): string {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

function hasIp4(type: string): boolean {
  return type === "IP4" || type === "IP4_6" || type === "IP4_6_STATIC";
}

/**
 * Validates an AR vector and completes it as oned stores it (generated MAC, AR_ID); returns the
 * error message oned would give, or the new range.
 */
export function buildAddressRange(id: number, vector: TemplateVector, random: SeededRandom): AddressRange | string {
  const attrs: TemplateVector = { ...vector };
  const type = (attrs.TYPE ?? "").toUpperCase();
  if (!(AR_TYPES as readonly string[]).includes(type)) return "Unknown or missing address range TYPE.";
  attrs.TYPE = type;
  const size = Number(attrs.SIZE);
  if (type !== "IP6_STATIC" && type !== "IP4_6_STATIC") {
    if (attrs.SIZE === undefined || !Number.isInteger(size) || size <= 0) return "Wrong SIZE for address range";
  }
  if (hasIp4(type)) {
    const ip = ipToInt(attrs.IP ?? "");
    if (ip === null) return "Wrong or empty IP for address range";
    if (ip + size - 1 > 0xffffffff) return "Wrong SIZE for address range";
  }
  if (attrs.MAC !== undefined && attrs.MAC !== "") {
    if (macToNumber(attrs.MAC) === null) return "Wrong format for MAC attribute";
  } else if (hasIp4(type)) {
    attrs.MAC = numberToMac(0x020000000000 + (ipToInt(attrs.IP ?? "") as number));
  } else {
    // oned draws a random MAC under its MAC_PREFIX for ranges without IPv4.
    const suffix = Math.floor(random.next() * 0xffffffff);
    attrs.MAC = numberToMac(0x020000000000 + suffix);
  }
  if ((macToNumber(attrs.MAC) as number) + (Number.isInteger(size) ? size : 1) - 1 > 0xffffffffffff) return "Wrong SIZE for address range";
  attrs.AR_ID = String(id);
  delete attrs.ALLOCATED;
  delete attrs.USED_LEASES;
  delete attrs.NEXT_INDEX;
  return { id, attrs, leases: [], nextIndex: 0 };
}

export function arSize(ar: AddressRange): number {
  const n = Number(ar.attrs.SIZE);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** IP, MAC and IP6 addresses of lease `index`. */
export function leaseAddresses(ar: AddressRange, index: number): Record<string, string> {
  const out: Record<string, string> = {};
  const type = ar.attrs.TYPE ?? "";
  const mac = (macToNumber(ar.attrs.MAC ?? "") ?? 0) + index;
  if (hasIp4(type)) out.IP = intToIp(((ipToInt(ar.attrs.IP ?? "") ?? 0) + index) >>> 0);
  if (type.startsWith("IP6") || type.startsWith("IP4_6")) {
    if (ar.attrs.GLOBAL_PREFIX) {
      const g = ip6FromMac(ar.attrs.GLOBAL_PREFIX, mac);
      if (g) out.IP6_GLOBAL = g;
    }
    if (ar.attrs.ULA_PREFIX) {
      const u = ip6FromMac(ar.attrs.ULA_PREFIX, mac);
      if (u) out.IP6_ULA = u;
    }
  }
  out.MAC = numberToMac(mac);
  return out;
}

/** The attributes of an AR that its leases (and so the VM's NIC) inherit. */
export function inheritedAttributes(ar: AddressRange): TemplateVector {
  const out: TemplateVector = {};
  for (const [k, v] of Object.entries(ar.attrs)) if (!CORE_KEYS.has(k)) out[k] = v;
  return out;
}

/** Takes the first free lease at or after NEXT_INDEX (wrapping), or the one holding `ip`/`mac`. */
export function takeLease(ar: AddressRange, vmId: number, want: { ip?: string; mac?: string }): number | string | null {
  const size = arSize(ar);
  const used = new Set(ar.leases.map((l) => l.index));
  let index: number | null = null;
  if (want.ip !== undefined) {
    const base = ipToInt(ar.attrs.IP ?? "");
    const ip = ipToInt(want.ip);
    if (base === null || ip === null || ip < base || ip >= base + size) return null;
    index = ip - base;
    if (used.has(index)) return `IP ${want.ip} is already in use`;
  } else if (want.mac !== undefined) {
    const base = macToNumber(ar.attrs.MAC ?? "");
    const mac = macToNumber(want.mac);
    if (base === null || mac === null || mac < base || mac >= base + size) return null;
    index = mac - base;
    if (used.has(index)) return `MAC ${want.mac} is already in use`;
  } else {
    if (used.size >= size) return null;
    for (let k = 0; k < size; k++) {
      const i = (ar.nextIndex + k) % size;
      if (!used.has(i)) {
        index = i;
        break;
      }
    }
    if (index === null) return null;
    ar.nextIndex = (index + 1) % size;
  }
  const lease: Lease = { index, vm: vmId };
  ar.leases = [...ar.leases, lease].sort((a, b) => a.index - b.index);
  return index;
}

export function releaseLeases(ar: AddressRange, vmId: number, index?: number): boolean {
  const before = ar.leases.length;
  ar.leases = ar.leases.filter((l) => !(l.vm === vmId && (index === undefined || l.index === index)));
  return ar.leases.length !== before;
}

/** The ALLOCATED bitmap string oned stores: " <index> <owner>" per lease, owner = VM type bit | vm id. */
export function allocatedString(ar: AddressRange): string {
  // PoolObjectSQL::VM is 0x0000000100000000 in the lease owner encoding.
  return ar.leases.map((l) => ` ${l.index} ${4294967296 + l.vm}`).join("");
}
