// Strict address parsing on top of ipaddr.js: four-part decimal IPv4 only (no "10.1", no octal), no IPv6 zones.
import ipaddr from 'ipaddr.js';

export type Addr = ipaddr.IPv4 | ipaddr.IPv6;
export type Cidr = [Addr, number];

export function parseAddr(s: string): Addr | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) return ipaddr.IPv4.parse(s);
  if (s.includes(':') && !s.includes('%') && ipaddr.IPv6.isValid(s)) return ipaddr.IPv6.parse(s);
  return undefined;
}

/** "addr/len" with a prefix length that fits the family, or a reason it is not one. */
export function parseCidr(s: string): Cidr | string {
  const slash = s.indexOf('/');
  if (slash < 0) return `${JSON.stringify(s)} has no prefix length (write ${s}/${s.includes(':') ? 64 : 24}, for example)`;
  const a = parseAddr(s.slice(0, slash));
  if (!a) return `${JSON.stringify(s.slice(0, slash))} is not a valid IPv4 or IPv6 address`;
  const lenText = s.slice(slash + 1);
  const max = a.kind() === 'ipv4' ? 32 : 128;
  if (!/^(0|[1-9][0-9]*)$/.test(lenText) || Number(lenText) > max) {
    return `prefix length /${lenText} is not valid for ${a.kind() === 'ipv4' ? 'IPv4' : 'IPv6'} (0..${max})`;
  }
  return [a, Number(lenText)];
}

export const family = (a: Addr): 4 | 6 => (a.kind() === 'ipv4' ? 4 : 6);
export const familyName = (a: Addr): string => (a.kind() === 'ipv4' ? 'IPv4' : 'IPv6');

/** Canonical text of an address (IPv6 compressed). */
export const canon = (a: Addr): string => a.toString();

export function inSubnet(a: Addr, [net, len]: Cidr): boolean {
  if (a.kind() !== net.kind()) return false;
  return a.kind() === 'ipv4' ? (a as ipaddr.IPv4).match(net as ipaddr.IPv4, len) : (a as ipaddr.IPv6).match(net as ipaddr.IPv6, len);
}

export const isLinkLocal6 = (a: Addr): boolean => a.kind() === 'ipv6' && a.range() === 'linkLocal';

/** NAT target "addr", "addr:port" (IPv4), "[addr]:port" or a bare IPv6 address. */
export function parseNatTarget(s: string): { addr: Addr; port?: number } | string {
  let host = s;
  let portText: string | undefined;
  const m = /^\[([^\]]*)\](?::(.*))?$/.exec(s);
  if (m) { host = m[1]; portText = m[2]; } else if ((s.match(/:/g) ?? []).length === 1) [host, portText] = s.split(':');
  const addr = parseAddr(host);
  if (!addr) return `${JSON.stringify(host)} is not a valid IPv4 or IPv6 address`;
  if (portText === undefined) return { addr };
  const port = Number(portText);
  if (!/^[0-9]{1,5}$/.test(portText) || port < 1 || port > 65535) return `port ${JSON.stringify(portText)} is not in 1..65535`;
  return { addr, port };
}

/** Network address of a CIDR, as "net/len". */
export function networkOf([a, len]: Cidr): string {
  const net = a.kind() === 'ipv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(`${a.toString()}/${len}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${a.toString()}/${len}`);
  return `${net.toString()}/${len}`;
}

/** The address as a number (for ordering and range arithmetic): IPv4 as a plain number, IPv6 as a bigint. */
export function toNum(a: Addr): number | bigint {
  const b = a.toByteArray();
  if (b.length === 4) return ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3];
  return b.reduce((n, x) => (n << 8n) | BigInt(x), 0n);
}

/** First and last address of a CIDR's subnet (numbers as toNum's), with its family. */
export function rangeOf([a, len]: Cidr): { fam: 4 | 6; lo: number | bigint; hi: number | bigint } {
  const n = toNum(a);
  if (typeof n === 'number') {
    const size = 2 ** (32 - len);
    const lo = n - (n % size);
    return { fam: 4, lo, hi: lo + size - 1 };
  }
  const host = (1n << BigInt(128 - len)) - 1n;
  const lo = n & ~host;
  return { fam: 6, lo, hi: lo | host };
}
