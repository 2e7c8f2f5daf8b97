// The `nat:` section of a namespace: source NAT (masquerade, snat) and destination NAT (forward) as chains of the
// lab's table (nft-table.ts), written the way `nft list` prints them, and its checks.
//
// Each entry is one rule: its matches in a fixed order, then the NAT statement (an entry's fields, in nft):
//   in → iifname "in"; out → oifname "out"; from → ip saddr / ip6 saddr; dst → ip daddr / ip6 daddr, or
//   `local` → fib daddr type local; proto + port → tcp dport 80 / udp dport 8000-8010; proto alone → meta l4proto tcp;
//   masquerade → masquerade (ports → masquerade to :1024-65535); snat → snat ip to 192.0.2.1[-192.0.2.9];
//   forward → dnat ip to 10.0.1.2[:80 | :9000-9010] (ip6 and [fd00::2]:80 for IPv6).
// Chains: postrouting (masquerade, then snat), prerouting (forward), and nat-output, the output hook, for forwards
// with `output` (the namespace's own connections): nft calls this hook's DNAT priority -100 (it refuses `dstnat`
// there), and the chain is not named `output`, which is the firewall's filter chain.
import { pointer, type Finding } from '../core/finding.js';
import { canon, parseAddr, type Addr } from '../core/ip.js';
import { interfaceRef, nsText, type LabModel } from '../core/lab-model.js';
import { HOST, type NamespaceSpec, type NatSpec } from '../model.js';
import { addrMatch, addrPort, type NftChain, type TableSection } from './nft-table.js';

const POSTROUTING = 'type nat hook postrouting priority srcnat; policy accept;';
const PREROUTING = 'type nat hook prerouting priority dstnat; policy accept;';
const OUTPUT = 'type nat hook output priority -100; policy accept;';
/** The output hook's chain (the namespace's own connections). */
export const NAT_OUTPUT = 'nat-output';

type Masquerade = NonNullable<NatSpec['masquerade']>[number];
type Snat = NonNullable<NatSpec['snat']>[number];
type Forward = NonNullable<NatSpec['forward']>[number];

export const natSection: TableSection = {
  field: 'nat',
  chains({ nat }) {
    if (!nat) return undefined;
    const post = [...(nat.masquerade ?? []).map(masqueradeRule), ...(nat.snat ?? []).map(snatRule)];
    const fwd = nat.forward ?? [];
    const chains: NftChain[] = [
      { name: 'postrouting', header: POSTROUTING, rules: post },
      { name: 'prerouting', header: PREROUTING, rules: fwd.filter((f) => f.output !== 'only').map(forwardRule) },
    ];
    const own = fwd.filter((f) => f.output === true || f.output === 'only');
    if (own.length) chains.push({ name: NAT_OUTPUT, header: OUTPUT, rules: own.map(forwardRule) });
    return chains;
  },
  check(ns, spec, model, out) {
    const nat = spec.nat ?? {};
    const at = (list: string, i: number, field?: string) => pointer('namespaces', ns, 'nat', list, i, ...(field ? [field] : []));
    const iface = (name: string | undefined, path: string, role: string) => {
      const f = name === undefined ? undefined : interfaceRef(model, ns, name, path, role);
      if (f) out.push(f);
    };
    (nat.masquerade ?? []).forEach((m, i) => {
      iface(m.out, at('masquerade', i, 'out'), 'masquerade interface');
      source(m.from, at('masquerade', i, 'from'), 'masquerade', out);
      if (m.ports !== undefined) ports(m.ports, m.proto, at('masquerade', i, 'ports'), 'masquerade ports', out);
    });
    (nat.snat ?? []).forEach((s, i) => {
      iface(s.out, at('snat', i, 'out'), 'snat interface');
      const from = source(s.from, at('snat', i, 'from'), 'snat', out);
      const t = parseTarget(s.to);
      if (typeof t === 'string') out.push({ code: 'bad-nat-target', path: at('snat', i, 'to'), message: `snat address ${t}`, hint: 'e.g. 192.0.2.1 or 192.0.2.1-192.0.2.9' });
      else if (t.port !== undefined) out.push({ code: 'bad-nat-target', path: at('snat', i, 'to'), message: `snat address ${JSON.stringify(s.to)} has a port`, hint: 'snat maps addresses only; masquerade has `ports`' });
      else {
        rangeOrder(t, s.to, at('snat', i, 'to'), out);
        sameFamily(from, t.addr, at('snat', i, 'from'), 'snat source', out);
      }
    });
    (nat.forward ?? []).forEach((f, i) => checkForward(ns, spec, model, f, (field) => at('forward', i, field), iface, out));
  },
  box: 'NAT',
  lines: ({ nat }) => [
    ...(nat?.masquerade ?? []).map((m) => `masquerade${m.proto ? ` ${m.proto}` : ''} ${m.from ?? 'all'}${m.out ? ` out ${m.out}` : ''}${m.ports !== undefined ? ` ports ${m.ports}` : ''}`),
    ...(nat?.snat ?? []).map((s) => `snat${s.proto ? ` ${s.proto}` : ''} ${s.from ?? 'all'}${s.out ? ` out ${s.out}` : ''} → ${s.to}`),
    ...(nat?.forward ?? []).map((f) => {
      const what = f.proto ? `${f.proto}${f.port !== undefined ? `/${f.port}` : ''}` : 'all';
      const where = [f.in && `on ${f.in}`, f.from && `from ${f.from}`, f.dst && `to ${f.dst}`, f.output === 'only' ? 'own connections' : f.output ? '+ own connections' : undefined];
      return `forward ${what} ${where.filter(Boolean).join(' ')} → ${f.to}`.replace(/ {2}/g, ' ');
    }),
  ],
};

// ---- the rules ----

function masqueradeRule(m: Masquerade): string {
  return [out(m.out), m.from && addrMatch('saddr', m.from), m.proto && `meta l4proto ${m.proto}`,
    `masquerade${m.ports === undefined ? '' : ` to :${portText(m.ports)}`}`].filter(Boolean).join(' ');
}

function snatRule(s: Snat): string {
  const t = target(s.to);
  const to = t.last === undefined || canon(t.last) === canon(t.addr) ? canon(t.addr) : `${canon(t.addr)}-${canon(t.last)}`;
  return [out(s.out), s.from && addrMatch('saddr', s.from), s.proto && `meta l4proto ${s.proto}`, `snat ${ipOf(t.addr)} to ${to}`].filter(Boolean).join(' ');
}

function forwardRule(f: Forward): string {
  const t = target(f.to);
  const to = addrPort(canon(t.addr), t.port === undefined ? undefined : portText(t.lastPort === undefined ? t.port : `${t.port}-${t.lastPort}`));
  return [
    f.in !== undefined && `iifname "${f.in}"`, f.from && addrMatch('saddr', f.from),
    f.dst && (f.dst === 'local' ? 'fib daddr type local' : addrMatch('daddr', f.dst)),
    f.proto && (f.port === undefined ? `meta l4proto ${f.proto}` : `${f.proto} dport ${portText(f.port)}`),
    `dnat ${ipOf(t.addr)} to ${to}`,
  ].filter(Boolean).join(' ');
}

const out = (name: string | undefined) => name !== undefined && `oifname "${name}"`;
const ipOf = (a: Addr) => (a.kind() === 'ipv6' ? 'ip6' : 'ip');

/** "80", "8000-8010" (a range of one port is that port). */
function portText(p: number | string): string {
  const r = parsePorts(p);
  if (typeof r === 'string') throw new Error(`invalid port ${p}`);
  return r[0] === r[1] ? String(r[0]) : `${r[0]}-${r[1]}`;
}

// ---- parsing ----

/** A port or a range "8000-8010" as [first, last]; a message when it isn't one. */
export function parsePorts(p: number | string): [number, number] | string {
  const m = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(String(p));
  if (!m) return `${JSON.stringify(p)} is not a port or a range of ports like "8000-8010"`;
  const lo = Number(m[1]), hi = Number(m[2] ?? m[1]);
  for (const x of [lo, hi]) if (x < 1 || x > 65535) return `port ${JSON.stringify(String(x))} is not in 1..65535`;
  if (lo > hi) return `${JSON.stringify(p)}: the range ends before it starts`;
  return [lo, hi];
}

export interface NatTarget { addr: Addr; last?: Addr; port?: number; lastPort?: number }

/**
 * A NAT target: an address or a range of them ("192.0.2.1-192.0.2.9"), with an optional port or range of ports
 * ("10.0.1.2:80", "10.0.1.2:9000-9010", "[fd00::2]:80"); a message when it isn't one.
 */
export function parseTarget(s: string): NatTarget | string {
  let host = s;
  let ports: string | undefined;
  const m = /^\[([^\]]*)\](?::(.*))?$/.exec(s);
  if (m) [host, ports] = [m[1], m[2]];
  else if ((s.match(/:/g) ?? []).length === 1) [host, ports] = s.split(':');
  const [first, last, ...more] = host.split('-');
  const addr = parseAddr(first);
  if (!addr) return `${JSON.stringify(first)} is not a valid IPv4 or IPv6 address`;
  let lastAddr: Addr | undefined;
  if (last !== undefined) {
    lastAddr = parseAddr(last);
    if (!lastAddr || more.length) return `${JSON.stringify(host)} is not an address range like 192.0.2.1-192.0.2.9`;
    if (lastAddr.kind() !== addr.kind()) return `${JSON.stringify(host)} mixes IPv4 and IPv6`;
  }
  if (ports === undefined) return { addr, last: lastAddr };
  const p = parsePorts(ports);
  if (typeof p === 'string') return p;
  return { addr, last: lastAddr, port: p[0], lastPort: p[1] === p[0] ? undefined : p[1] };
}

/** Valid input only (validation refused the others). */
function target(s: string): NatTarget {
  const t = parseTarget(s);
  if (typeof t === 'string') throw new Error(`invalid NAT target ${s}: ${t}`);
  return t;
}

/** An address or CIDR ("from", "dst"): its address, or a message. */
function parseMatch(s: string): Addr | string {
  const [a, len, ...more] = s.split('/');
  const addr = parseAddr(a);
  if (!addr || more.length) return `${JSON.stringify(s)} is not an address or a CIDR`;
  if (len !== undefined && !(/^[0-9]{1,3}$/.test(len) && Number(len) <= (addr.kind() === 'ipv6' ? 128 : 32))) return `${JSON.stringify(s)}: prefix length ${len} is out of range`;
  return addr;
}

// ---- checks ----

function source(from: string | undefined, path: string, what: string, out: Finding[]): Addr | undefined {
  if (from === undefined) return undefined;
  const a = parseMatch(from);
  if (typeof a === 'string') { out.push({ code: 'bad-address', path, message: `${what} source: ${a}` }); return undefined; }
  return a;
}

function ports(p: number | string, proto: string | undefined, path: string, what: string, out: Finding[]): [number, number] | undefined {
  const r = parsePorts(p);
  if (typeof r === 'string') { out.push({ code: 'bad-port', path, message: `${what}: ${r}` }); return undefined; }
  if (proto === undefined) out.push({ code: 'port-without-proto', path, message: `${what} need a protocol: ports are TCP's or UDP's`, hint: 'add proto: tcp (or udp) to this entry' });
  return r;
}

function rangeOrder(t: NatTarget, text: string, path: string, out: Finding[]): void {
  if (t.last && compareAddr(t.last, t.addr) < 0) out.push({ code: 'bad-nat-target', path, message: `address range ${JSON.stringify(text)} ends before it starts` });
}

function compareAddr(a: Addr, b: Addr): number {
  const x = a.toByteArray(), y = b.toByteArray();
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

function sameFamily(a: Addr | undefined, to: Addr, path: string, what: string, out: Finding[]): void {
  if (a && a.kind() !== to.kind()) {
    out.push({ code: 'nat-family', path, message: `${what} is ${a.kind() === 'ipv4' ? 'IPv4' : 'IPv6'} but the NAT target is ${to.kind() === 'ipv4' ? 'IPv4' : 'IPv6'}: the rule would never match`, hint: 'NAT keeps the address family: write both in one family' });
  }
}

function checkForward(ns: string, spec: NamespaceSpec, model: LabModel, f: Forward, at: (field?: string) => string,
  iface: (name: string | undefined, path: string, role: string) => void, out: Finding[]): void {
  iface(f.in, at('in'), 'forward interface');
  const from = source(f.from, at('from'), 'forward', out);
  let dst: Addr | undefined;
  if (f.dst !== undefined && f.dst !== 'local') {
    const d = parseMatch(f.dst);
    if (typeof d === 'string') out.push({ code: 'bad-address', path: at('dst'), message: `forward destination: ${d}`, hint: 'an address, a CIDR, or local (any address of this namespace)' });
    else dst = d;
  }
  const matched = f.port === undefined ? undefined : ports(f.port, f.proto, at('port'), 'forwarded ports', out);
  if (f.in !== undefined && f.output) {
    out.push({ code: 'nat-output-in', path: at('in'), message: `a forward with output: ${String(f.output)} applies to the namespace's own connections, which arrive on no interface: \`in\` can't match them`, hint: 'match them by dst (e.g. dst: local) instead, or write the forward for arriving traffic apart' });
  }
  if (f.in === undefined && f.from === undefined && f.dst === undefined && f.port === undefined) {
    out.push({ code: 'nat-match-all', path: at(), message: 'this forward matches every new connection: it needs `in`, `from`, `dst` or `port` to say which', hint: 'e.g. dst: 203.0.113.1 (all protocols to that address) or in: wan' });
  }
  const t = parseTarget(f.to);
  if (typeof t === 'string' || t.last !== undefined) {
    const message = typeof t === 'string' ? `forward target ${t.startsWith(JSON.stringify(f.to)) ? t : `${JSON.stringify(f.to)}: ${t}`}` : `forward target ${JSON.stringify(f.to)} is an address range`;
    out.push({ code: 'bad-nat-target', path: at('to'), message, hint: 'e.g. 10.0.1.2, 10.0.1.2:80, 10.0.1.2:9000-9010, [fd00::2]:80' } satisfies Finding);
    return;
  }
  sameFamily(from, t.addr, at('from'), 'forward source', out);
  sameFamily(dst, t.addr, at('dst'), 'forward destination', out);
  if (t.port !== undefined && f.proto === undefined) {
    out.push({ code: 'port-without-proto', path: at('to'), message: `forward target ${JSON.stringify(f.to)} has a port, which needs a protocol`, hint: 'add proto: tcp (or udp) to this entry' });
  }
  // Measured (nft 1.0.6, kernel 6.18): a port range target keeps a connection's port only when it lies in the range;
  // any other goes to the range's first free port — there is no per-port offset.
  if (t.lastPort !== undefined && matched && !(matched[0] >= t.port! && matched[1] <= t.lastPort)) {
    out.push({
      code: 'nat-port-range', path: at('to'), severity: 'warning',
      message: `connections to ports ${portText(f.port!)} all go to port ${t.port} (the first port of ${t.port}-${t.lastPort} free for the connection), not port by port: nftables has no port offset`,
      hint: `to keep each connection's port, give the target without a port: ${canon(t.addr)}`,
    });
  }
  localnet(ns, spec, f, t, at('to'), out);
}

/**
 * Traffic arriving from another interface may be sent to 127.0.0.0/8 only with route_localnet on that interface
 * (or `all`): without it the kernel drops it as martian (measured; the namespace's own connections need nothing).
 * A lab namespace starts with 0, so it must be in the file: an error there; the host may have it set outside the
 * file, so a warning.
 */
function localnet(ns: string, spec: NamespaceSpec, f: Forward, t: NatTarget, path: string, out: Finding[]): void {
  if (f.output === 'only' || t.addr.kind() !== 'ipv4' || t.addr.range() !== 'loopback') return;
  const on = (name: string) => String(spec.sysctls?.[name] ?? '').trim() === '1';
  const names = ['all', ...(f.in === undefined ? [] : [f.in, f.in.replace(/\./g, '/')])].map((x) => `net.ipv4.conf.${x}.route_localnet`);
  if (names.some(on)) return;
  const add = `net.ipv4.conf.${f.in === undefined ? 'all' : f.in.replace(/\./g, '/')}.route_localnet: 1`;
  out.push({
    code: 'nat-route-localnet', path, ...(ns === HOST ? { severity: 'warning' as const } : {}),
    message: `traffic arriving ${f.in === undefined ? 'from another interface' : `on ${f.in}`} is sent to ${canon(t.addr)} only with route_localnet on: ${
      ns === HOST ? 'unless the host has it on outside this file,' : `${nsText(ns)} starts with it off and`} the kernel drops it as martian`,
    hint: `add ${add} to namespaces.${ns}.sysctls${f.output ? ' (the namespace\'s own connections need nothing: output: only is for those alone)' : ''}`,
  });
}
