/**
 * Addresses as the panel reads them: Ruby's `IPAddr` parsing (what `VirtualServer#validate` uses
 * to check an address against the pools), IP pools' free lists (owp app/models/ip_pool.rb
 * `free_list`, app/models/hardware_server.rb `free_ips`), and whether vzctl would take an address.
 */
import { isIPv6 } from "node:net";
import type { IpPool, VirtualServer } from "./records.js";
import { rubySplit } from "./typecast.js";

/** An IPv4 address as a 32-bit number, or null. Each part 0..255 (IPAddr refuses `10.10.1.300`). */
export function parseIpv4(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const part = Number(m[i]);
    if (part > 255) return null;
    n = n * 256 + part;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/**
 * `IPAddr.new(ip).to_s`: the address in its normal form (IPv4 without leading zeros, IPv6
 * lower-cased and compressed as Node prints it), or null when IPAddr would raise.
 */
export function normalizeIp(text: string): string | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return formatIpv4(v4);
  if (isIPv6(text)) {
    try {
      return new URL(`http://[${text}]/`).hostname.slice(1, -1);
    } catch {
      return null;
    }
  }
  return null;
}

/** Every address a virtual server holds (`VirtualServer.ip_addresses`: its `ip_address` split on whitespace, as written). */
export function usedAddresses(servers: Iterable<VirtualServer>): Set<string> {
  const used = new Set<string>();
  for (const vs of servers) for (const ip of rubySplit(vs.ip_address)) used.add(ip);
  return used;
}

/** `IpPool#free_list`: the pool's addresses, first to last, that no virtual server holds (IPv4 pools). */
export function poolFreeList(pool: IpPool, used: ReadonlySet<string>): string[] {
  const first = parseIpv4(pool.first_ip);
  const last = parseIpv4(pool.last_ip);
  if (first === null || last === null) return [];
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const ip = formatIpv4(n);
    if (!used.has(ip)) out.push(ip);
  }
  return out;
}

/** `HardwareServer#free_ips`: the free addresses of the pools of this hardware server and of the pools of none, in pool order, without repeats. */
export function freeIps(hardwareServerId: number, pools: readonly IpPool[], servers: Iterable<VirtualServer>): string[] {
  const used = usedAddresses(servers);
  const list: string[] = [];
  const seen = new Set<string>();
  for (const pool of [...pools].sort((a, b) => a.id - b.id)) {
    if (pool.hardware_server_id !== null && pool.hardware_server_id !== hardwareServerId) continue;
    for (const ip of poolFreeList(pool, used)) {
      if (!seen.has(ip)) {
        seen.add(ip);
        list.push(ip);
      }
    }
  }
  return list;
}

/** Whether vzctl takes `text` for `--ipadd` (an address, IPv4 with an optional `/mask`) or `--nameserver` (no mask). */
export function vzctlTakesAddress(text: string, allowMask: boolean): boolean {
  const [ip, mask, extra] = text.split("/");
  if (extra !== undefined || ip === undefined) return false;
  if (mask !== undefined) {
    if (!allowMask || !/^\d{1,3}$/.test(mask)) return false;
    if (parseIpv4(ip) !== null) return Number(mask) <= 32;
    return isIPv6(ip) && Number(mask) <= 128;
  }
  return parseIpv4(ip) !== null || isIPv6(ip);
}
