// The resolve step's spelling rule: every address-valued field of a valid topology is rewritten the way the kernel
// prints it (IPv6 compressed and lower case, "FD80:100:0::01" → "fd80:100::1"), and MACs in lower case. Everything
// after validation — kinds, plans, verification, tests, pictures — then compares like with like: a lab written in
// any spelling the kernel's tools accept plans the same commands and converges. Pure; runs on a validated topology
// only (a value it can't read is left as written: validation has refused the file already).
import { HOST, type BridgeSpec, type EndSpec, type NamespaceSpec, type NatSpec, type RouteSpec, type TestSpec, type Topology } from '../model.js';
import { canon, canonicalAddr, parseCidr } from '../core/ip.js';
import { parseTarget } from '../kinds/nat-rules.js';

export function canonicalTopology(t: Topology): Topology {
  return {
    ...t,
    ...(t.namespaces ? { namespaces: mapValues(t.namespaces, (s) => (s ? namespace(s) : s)) } : {}),
    ...(t.bridges ? { bridges: mapValues(t.bridges, (b) => (b ? link(b) : b)) } : {}),
    ...(t.veths ? { veths: t.veths.map((v) => ({ ...v, ends: v.ends.map(link) as [EndSpec, EndSpec] })) } : {}),
    ...(t.tests ? { tests: t.tests.map((x) => test(x, t)) } : {}),
  };
}

function namespace(s: NamespaceSpec): NamespaceSpec {
  return {
    ...s,
    ...(s.routes ? { routes: s.routes.map(route) } : {}),
    ...(s.nat ? { nat: nat(s.nat) } : {}),
  };
}

function link<T extends BridgeSpec | EndSpec>(l: T): T {
  return {
    ...l,
    ...(l.addresses ? { addresses: l.addresses.map(cidr) } : {}),
    ...(l.mac !== undefined ? { mac: l.mac.toLowerCase() } : {}),
  };
}

function route(r: RouteSpec): RouteSpec {
  return {
    ...r,
    to: r.to === 'default' ? r.to : r.to.includes('/') ? cidr(r.to) : addr(r.to),
    ...(r.via !== undefined ? { via: addr(r.via) } : {}),
  };
}

function nat(n: NatSpec): NatSpec {
  const from = <T extends { from?: string }>(x: T): T => (x.from !== undefined ? { ...x, from: match(x.from) } : x);
  return {
    ...n,
    ...(n.masquerade ? { masquerade: n.masquerade.map(from) } : {}),
    ...(n.snat ? { snat: n.snat.map((x) => ({ ...from(x), to: natTarget(x.to) })) } : {}),
    ...(n.forward ? { forward: n.forward.map((f) => ({ ...from(f), ...(f.dst !== undefined && f.dst !== 'local' ? { dst: match(f.dst) } : {}), to: natTarget(f.to) })) } : {}),
  };
}

/** A NAT match: an address or a CIDR. */
const match = (s: string): string => (s.includes('/') ? cidr(s) : addr(s));

/** A ping target is a namespace name (which wins, as in validation) or an address; only an address is respelled. */
function test(x: TestSpec, t: Topology): TestSpec {
  return x.ping === undefined || x.ping === HOST || Object.hasOwn(t.namespaces ?? {}, x.ping) ? x : { ...x, ping: addr(x.ping) };
}

const addr = (s: string): string => canonicalAddr(s) ?? s;

/** "addr/len" with the address canonical; the host part is kept (an interface address is not its network). */
function cidr(s: string): string {
  const c = parseCidr(s);
  return typeof c === 'string' ? s : `${canon(c[0])}/${c[1]}`;
}

/** "addr[-addr]", "addr:port[-port]" (IPv4) or "[addr]:port[-port]" / "addr" (IPv6), with the addresses canonical. */
function natTarget(s: string): string {
  const t = parseTarget(s);
  if (typeof t === 'string') return s;
  const a = canon(t.addr) + (t.last ? `-${canon(t.last)}` : '');
  if (t.port === undefined) return a;
  const p = t.lastPort === undefined ? `${t.port}` : `${t.port}-${t.lastPort}`;
  return t.addr.kind() === 'ipv6' ? `[${a}]:${p}` : `${a}:${p}`;
}

function mapValues<V>(o: Record<string, V>, f: (v: V) => V): Record<string, V> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}
