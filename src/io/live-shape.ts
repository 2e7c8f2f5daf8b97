// What `ip -json` prints is input too: a kernel or an iproute2 version topo wasn't written against may print other
// fields, other types, other documents. Here its output is parsed and checked field by field: entries with the
// expected shape are kept (fields of the wrong type dropped, numbers given as strings read as numbers), entries
// that can't be used (no name, an address or destination that is no address) are skipped, and output that isn't
// JSON at all is a typed error naming the command. The rest of topo can then trust the types in core/live.ts.
import { isIPv4 } from 'node:net';
import { ipv6Words } from '../core/ip.js';
import type { IpAddrInfo, IpLink, IpRoute } from '../core/live.js';
import { TopoError } from '../errors.js';

/**
 * An address check, remembered: a large lab's read has thousands of addresses, most of them the same few
 * (127.0.0.1, ::1, the gateways), but also a link-local address per interface. IPv4 by node:net's isIPv4; IPv6 by
 * core/ip.ts's ipv6Words (inet_pton's spellings), not node:net's isIPv6, whose regular expression costs 10-50 ms to
 * compile on its first use, in every command that reads the kernel, nor ipaddr.js, which tries IPv4 first and
 * throws (N=300 destroy: ~170 ms in those exceptions for the host's 300 fe80:: addresses).
 */
const validIps = new Map<string, boolean>();
function validIp(s: string): boolean {
  let ok = validIps.get(s);
  if (ok === undefined) {
    if (validIps.size > 50_000) validIps.clear();
    validIps.set(s, ok = s.includes(':') ? ipv6Words(s) !== undefined : isIPv4(s));
  }
  return ok;
}
/** Sets o[k] = v unless v is undefined (the kernel's output leaves most optional fields out). */
function put<T extends object>(o: T, k: keyof T, v: unknown): void {
  if (v !== undefined) (o as Record<string, unknown>)[k as string] = v;
}
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const int = (x: unknown): number | undefined => {
  const n = typeof x === 'string' && /^-?\d+$/.test(x) ? Number(x) : x;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
};
const strOrNum = (x: unknown): string | undefined => (typeof x === 'number' ? String(x) : str(x));
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);

/** One JSON document per non-empty line; anything else is an E_READ error naming the command. */
export function jsonDocs(stdout: string, argv: string[]): unknown[] {
  return stdout.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
    try { return JSON.parse(l) as unknown; } catch {
      throw new TopoError('E_READ', `reading the kernel failed: ${argv.join(' ')} printed something that is not JSON: ${JSON.stringify(l.slice(0, 80))}`, 1);
    }
  });
}

/** Names from `ip -json netns list`. */
export function netnsNames(stdout: string, argv: string[]): string[] {
  const text = stdout.trim();
  if (!text) return [];
  const names = jsonDocs(text.replace(/\n/g, ' '), argv).flatMap((d) => arr(d)).map((n) => (isObj(n) ? str(n.name) : undefined));
  return [...new Set(names.filter((n): n is string => !!n))];
}

function addrInfo(x: unknown): IpAddrInfo | undefined {
  if (!isObj(x)) return undefined;
  const family = str(x.family), local = str(x.local), prefixlen = int(x.prefixlen);
  if (!family || !local || prefixlen === undefined || !validIp(local)) return undefined;
  const max = local.includes(':') ? 128 : 32;
  if (prefixlen < 0 || prefixlen > max) return undefined;
  const a: IpAddrInfo = { family, local, prefixlen };
  if (str(x.scope)) a.scope = x.scope as string;
  return a;
}

/**
 * The interfaces of an `ip -json -d addr show` document. A veth whose peer is in the same namespace is printed
 * with the peer's name ("link") instead of its index: the index is filled in, so pairing works the same way.
 */
export function linksOf(doc: unknown): IpLink[] {
  const links = shapeLinks(doc);
  const byName = new Map(links.map((l) => [l.ifname, l]));
  for (const l of links as (IpLink & { link?: string })[]) {
    const peer = l.link_index === undefined && l.link_netnsid === undefined && l.link ? byName.get(l.link) : undefined;
    if (peer && peer.ifindex >= 0) l.link_index = peer.ifindex;
  }
  return links;
}

function shapeLinks(doc: unknown): IpLink[] {
  return arr(doc).flatMap((x): IpLink[] => {
    if (!isObj(x) || !str(x.ifname)) return [];
    const l: IpLink = { ifindex: int(x.ifindex) ?? -1, ifname: str(x.ifname)! };
    if (Array.isArray(x.flags)) l.flags = x.flags.filter((f): f is string => typeof f === 'string');
    put(l, 'mtu', int(x.mtu)); put(l, 'address', str(x.address)); put(l, 'group', strOrNum(x.group));
    put(l, 'master', str(x.master)); put(l, 'ifalias', str(x.ifalias)); put(l, 'link_index', int(x.link_index));
    put(l, 'link_netnsid', int(x.link_netnsid)); put(l as IpLink & { link?: string }, 'link', str(x.link));
    if (isObj(x.linkinfo)) l.linkinfo = { ...x.linkinfo, info_kind: str(x.linkinfo.info_kind) };
    if ('addr_info' in x) l.addr_info = arr(x.addr_info).map(addrInfo).filter((a): a is IpAddrInfo => !!a);
    return [l];
  });
}

const isPrefix = (d: string) => {
  if (d === 'default') return true;
  const [a, len, ...rest] = d.split('/');
  if (rest.length || !validIp(a)) return false;
  if (len === undefined) return true;
  const n = int(len);
  return n !== undefined && n >= 0 && n <= (a.includes(':') ? 128 : 32);
};

/**
 * The unicast routes of an `ip -json route show table all` document, of every table but the kernel's own `local`
 * table, each with its table (absent: main). Which of them a kind manages is its own business (the route kind: the
 * main table's). The local table, broadcast and multicast routes (most of a namespace's) are the kernel's and
 * skipped before the per-field checks, which a large lab would otherwise run on thousands of them.
 */
export function routesOf(doc: unknown): IpRoute[] {
  return arr(doc).flatMap((x): IpRoute[] => {
    if (!isObj(x)) return [];
    const table = strOrNum(x.table), type = str(x.type);
    if (table === 'local' || table === '255' || (type !== undefined && type !== 'unicast')) return [];
    const dst = str(x.dst);
    if (!dst || !isPrefix(dst)) return [];
    const gateway = str(x.gateway);
    if (x.gateway !== undefined && (!gateway || !validIp(gateway))) return [];
    const r: IpRoute = { dst };
    put(r, 'type', type); put(r, 'gateway', gateway); put(r, 'dev', str(x.dev)); put(r, 'table', table);
    put(r, 'protocol', strOrNum(x.protocol)); put(r, 'metric', int(x.metric)); put(r, 'pref', str(x.pref)); put(r, 'scope', str(x.scope));
    return [r];
  });
}

/** A namespace's read, shaped (see io/ip-reads.ts): its interfaces, routes, (host, or where asked) nsids, kinds' documents. */
export interface ShapedRead { links: IpLink[]; routes: IpRoute[]; nsids?: Record<number, string>; ipDocs?: Record<string, unknown> }

/**
 * Names of other namespaces by nsid, from `ip -json netns list` (each file of /run/netns, in directory order, with
 * the nsid when the namespace has one): a namespace with two files is named by the first, as ip names it; ids
 * without a file are absent. `ip -json netns list-id` ({ nsid, name }: the captured fixtures of test/fixtures)
 * reads the same.
 */
export function nsidsOf(doc: unknown): Record<number, string> {
  const out: Record<number, string> = {};
  for (const x of arr(doc)) {
    if (!isObj(x)) continue;
    const id = int(x.id ?? x.nsid), name = str(x.name);
    if (id !== undefined && id >= 0 && name && !(id in out)) out[id] = name;
  }
  return out;
}
