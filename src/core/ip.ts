// Strict address parsing, exactly the spellings the kernel's tools accept (glibc inet_pton): four-part decimal
// IPv4 only (no "10.1", no octal), IPv6 groups of 1-4 hex digits with at most one "::" and an optional dotted
// IPv4 tail, no zones. ipaddr.js's own IPv6 parser is looser ("0fd80::1") and reads "::1.2.3.4" as
// ::ffff:1.2.3.4, so IPv6 is parsed here and only the result is an ipaddr.js object; so is IPv4 (ipaddr.js's
// four-part check runs its whole parser, of every IPv4 form, twice: ~14 ms of a no-op apply of 300 namespaces).
// The canonical text of an address is the kernel's (glibc inet_ntop): what `ip -json` and `nft` print.
import ipaddr from 'ipaddr.js';

export type Addr = ipaddr.IPv4 | ipaddr.IPv6;
export type Cidr = [Addr, number];

export function parseAddr(s: string): Addr | undefined {
  if (DOTTED.test(s)) {
    const o = s.split('.').map(Number);
    return o.every((x) => x <= 255) ? new ipaddr.IPv4(o) : undefined;
  }
  const words = s.includes(':') ? ipv6Words(s) : undefined;
  return words ? new ipaddr.IPv6(words) : undefined;
}

const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const DOTTED = /^(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}$/;

/** The eight 16-bit words of an IPv6 address as inet_pton reads it, or undefined when it would refuse it. */
export function ipv6Words(s: string): number[] | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  // A dotted IPv4 part must come last: only the tail (or a head without "::") may hold one.
  if (halves.length === 2 && halves[0].includes('.')) return undefined;
  const words: number[] = [];
  if (!pushGroups(halves[0], words)) return undefined;
  if (halves.length === 1) return words.length === 8 ? words : undefined;
  const tail: number[] = [];
  if (!pushGroups(halves[1], tail)) return undefined;
  const zeros = 8 - words.length - tail.length;
  if (zeros < 1) return undefined;
  for (let i = 0; i < zeros; i++) words.push(0);
  for (let i = 0; i < tail.length; i++) words.push(tail[i]);
  return words;
}

/** The 16-bit words of one side of "::" (groups, the last may be dotted IPv4) onto `out`; false when one is not. */
function pushGroups(h: string, out: number[]): boolean {
  if (h === '') return true;
  const parts = h.split(':');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (i === parts.length - 1 && p.includes('.')) {
      if (!DOTTED.test(p)) return false;
      const o = p.split('.');
      const a = Number(o[0]), b = Number(o[1]), c = Number(o[2]), d = Number(o[3]);
      if (a > 255 || b > 255 || c > 255 || d > 255) return false;
      out.push(a * 256 + b, c * 256 + d);
    } else if (HEX_GROUP.test(p)) out.push(parseInt(p, 16));
    else return false;
  }
  return true;
}

/** An IPv6 address as glibc's inet_ntop writes it (RFC 5952, plus its dotted form for ::a.b.c.d and ::ffff:a.b.c.d). */
function ipv6Text(w: number[]): string {
  let best = { base: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > best.len) best = { base: i, len: j - i };
    i = j;
  }
  if (best.len < 2) best = { base: -1, len: 0 };
  if (best.base === 0 && (best.len === 6 || (best.len === 5 && w[5] === 0xffff))) {
    const v4 = `${w[6] >> 8}.${w[6] & 255}.${w[7] >> 8}.${w[7] & 255}`;
    return best.len === 6 ? `::${v4}` : `::ffff:${v4}`;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (best.base < 0) return hex(w);
  return `${hex(w.slice(0, best.base))}::${hex(w.slice(best.base + best.len))}`;
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

/** Canonical text of an address: the kernel's (IPv6 compressed, lower case, as inet_ntop writes it). */
export const canon = (a: Addr): string => (a.kind() === 'ipv4' ? a.toString() : ipv6Text((a as ipaddr.IPv6).parts));

/** The canonical text of an address written any way the kernel's tools accept; undefined when it is not one. */
export function canonicalAddr(s: string): string | undefined {
  const a = parseAddr(s);
  return a && canon(a);
}

export function inSubnet(a: Addr, [net, len]: Cidr): boolean {
  if (a.kind() !== net.kind()) return false;
  return a.kind() === 'ipv4' ? (a as ipaddr.IPv4).match(net as ipaddr.IPv4, len) : (a as ipaddr.IPv6).match(net as ipaddr.IPv6, len);
}

export const isLinkLocal6 = (a: Addr): boolean => a.kind() === 'ipv6' && a.range() === 'linkLocal';

/** Network address of a CIDR, as "net/len". */
export function networkOf([a, len]: Cidr): string {
  return `${canon(networkAddr(a, len))}/${len}`;
}

/** The address with the bits past the prefix length cleared. */
function networkAddr(a: Addr, len: number): Addr {
  const [parts, width] = a.kind() === 'ipv4' ? [(a as ipaddr.IPv4).octets, 8] : [(a as ipaddr.IPv6).parts, 16];
  const masked = parts.map((x, i) => {
    const bits = Math.max(0, Math.min(width, len - width * i));
    return bits === 0 ? 0 : x & (((1 << width) - 1) ^ ((1 << (width - bits)) - 1));
  });
  return a.kind() === 'ipv4' ? new ipaddr.IPv4(masked) : new ipaddr.IPv6(masked);
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
