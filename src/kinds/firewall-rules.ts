// The `firewall:` section of a namespace: filter chains `input`, `forward` and `output` of the lab's table
// (nft-table.ts), each with a policy and ordered rules, written the way `nft list` prints them so that a re-apply
// plans nothing, and their checks. A rule matches interfaces (in, out), addresses (from, to), a protocol with its
// ports, and connection states, and accepts, drops or rejects, optionally counting. `{ nft: '...' }` is a raw rule
// (the escape hatch): its text goes into the chain as written, marked with a comment of topo's (topoMark) by which
// it is recognised when nft prints it otherwise.
import { pointer, type Finding } from '../core/finding.js';
import { familyName, parseAddr, parseCidr, type Addr } from '../core/ip.js';
import { interfaceRef, type LabModel } from '../core/lab-model.js';
import { didYouMean } from '../core/suggest.js';
import { addrMatch, topoMark, type NftChain, type TableSection } from './nft-table.js';

export type FirewallChainName = 'input' | 'forward' | 'output';
export type CtState = 'new' | 'established' | 'related' | 'invalid' | 'untracked';
/** A port (80), a range ("1000-2000"), or a list of those. */
export type PortsSpec = number | string | (number | string)[];

export interface FirewallRuleSpec {
  /** Incoming / outgoing interface (iifname / oifname). */
  in?: string;
  out?: string;
  /** Source / destination: an address or a network, IPv4 or IPv6 (one family per rule). */
  from?: string;
  to?: string;
  /** Default any. */
  proto?: 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'any';
  sport?: PortsSpec;
  dport?: PortsSpec;
  /** Connection tracking state(s): one or a list. */
  state?: CtState | CtState[];
  /** Required, except in a raw rule. */
  action?: 'accept' | 'drop' | 'reject';
  counter?: boolean;
  /** A raw rule: nft rule text, alone in its rule (the escape hatch). */
  nft?: string;
}
export interface FirewallChainSpec { policy?: 'accept' | 'drop'; rules?: FirewallRuleSpec[] }
export type FirewallSpec = Partial<Record<FirewallChainName, FirewallChainSpec>>;

declare module '../model.js' {
  interface NamespaceSpec { firewall?: FirewallSpec }
}

/** The chains, in the order they are written (and listed). */
export const FIREWALL_CHAINS: FirewallChainName[] = ['input', 'forward', 'output'];

/** Connection states in the order nft prints them (their bit values). */
const STATES: CtState[] = ['invalid', 'established', 'related', 'new', 'untracked'];

const header = (hook: FirewallChainName, policy = 'accept') => `type filter hook ${hook} priority filter; policy ${policy};`;

export const firewallSection: TableSection = {
  field: 'firewall',
  chains({ firewall }) {
    if (!firewall) return undefined;
    return FIREWALL_CHAINS.flatMap((name): NftChain[] => {
      const c = firewall[name];
      return c ? [{ name, header: header(name, c.policy), rules: (c.rules ?? []).map(firewallRuleText) }] : [];
    });
  },
  check(ns, { firewall }, model, out) {
    for (const name of FIREWALL_CHAINS) {
      (firewall?.[name]?.rules ?? []).forEach((r, i) => checkRule(model, ns, name, r, pointer('namespaces', ns, 'firewall', name, 'rules', i), out));
    }
  },
  raw: (ns, { firewall }) => FIREWALL_CHAINS.flatMap((name) => (firewall?.[name]?.rules ?? []).flatMap((r, i) => (r.nft === undefined ? [] : [{
    chain: name, rule: firewallRuleText(r), path: pointer('namespaces', ns, 'firewall', name, 'rules', i, 'nft'),
  }]))),
  box: 'Firewall',
  lines: ({ firewall }) => FIREWALL_CHAINS.flatMap((name) => {
    const c = firewall?.[name];
    return c ? [`${name}: policy ${c.policy ?? 'accept'}`, ...(c.rules ?? []).map((r) => `${name}: ${describeRule(r)}`)] : [];
  }),
};


// ---- the rule as nft prints it ----

/**
 * In nft's order and spelling: iifname, oifname, ip[6] saddr, ip[6] daddr, ct state (flags in nft's order),
 * the protocol (`tcp dport ...` where ports say it, else `meta l4proto ...`), counter, the verdict (`reject`
 * after an address match is printed `reject with icmp[v6] port-unreachable`, else bare).
 */
export function firewallRuleText(r: FirewallRuleSpec): string {
  if (r.nft !== undefined) return `${r.nft.trim()} comment "${topoMark(r.nft.trim())}"`;
  const parts: string[] = [];
  if (r.in !== undefined) parts.push(`iifname "${r.in}"`);
  if (r.out !== undefined) parts.push(`oifname "${r.out}"`);
  if (r.from !== undefined) parts.push(addrMatch('saddr', r.from));
  if (r.to !== undefined) parts.push(addrMatch('daddr', r.to));
  const states = list(r.state);
  if (states.length) parts.push(`ct state ${STATES.filter((s) => states.includes(s)).join(',')}`);
  const proto = r.proto ?? 'any';
  if (proto === 'tcp' || proto === 'udp') {
    if (r.sport !== undefined) parts.push(`${proto} sport ${portsText(r.sport)}`);
    if (r.dport !== undefined) parts.push(`${proto} dport ${portsText(r.dport)}`);
    if (r.sport === undefined && r.dport === undefined) parts.push(`meta l4proto ${proto}`);
  } else if (proto === 'icmp') parts.push('meta l4proto icmp');
  else if (proto === 'icmpv6') parts.push('meta l4proto ipv6-icmp');
  if (r.counter) parts.push('counter');
  const fam = ruleFamily(r);
  parts.push(r.action === 'reject' && fam ? `reject with ${fam === 4 ? 'icmp' : 'icmpv6'} port-unreachable` : r.action ?? 'accept');
  return parts.join(' ');
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The family of the rule's addresses, if it has any. */
function ruleFamily(r: FirewallRuleSpec): 4 | 6 | undefined {
  const a = r.from ?? r.to;
  return a === undefined ? undefined : a.includes(':') ? 6 : 4;
}

/** "80", "1000-2000", "{ 22, 80, 1000-2000 }" (sorted, as nft lists a set); a list of one is that one. */
function portsText(p: PortsSpec): string {
  const items = list(p).map(parsePort).filter((x): x is [number, number] => typeof x !== 'string').sort((a, b) => a[0] - b[0]);
  const text = items.map(([lo, hi]) => (lo === hi ? String(lo) : `${lo}-${hi}`));
  return text.length === 1 ? text[0] : `{ ${text.join(', ')} }`;
}

/** [lo, hi] of a port or range, or why it is not one. */
function parsePort(p: number | string): [number, number] | string {
  const m = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(String(p));
  if (!m) return `${JSON.stringify(p)} is not a port or a range of ports`;
  const lo = Number(m[1]), hi = Number(m[2] ?? m[1]);
  if (lo < 1 || hi > 65535 || lo > 65535) return `${JSON.stringify(p)} is not in 1..65535`;
  if (lo > hi) return `the range ${JSON.stringify(p)} ends before it starts`;
  return [lo, hi];
}

// ---- what `topo graph` writes ----

function describeRule(r: FirewallRuleSpec): string {
  if (r.nft !== undefined) return `nft ${r.nft.trim()}`;
  const w: string[] = [];
  if (r.in !== undefined) w.push(`in ${r.in}`);
  if (r.out !== undefined) w.push(`out ${r.out}`);
  if (r.from !== undefined) w.push(`from ${r.from}`);
  if (r.to !== undefined) w.push(`to ${r.to}`);
  if (r.state !== undefined) w.push(list(r.state).join(','));
  if (r.proto !== undefined && r.proto !== 'any') w.push(r.proto);
  if (r.sport !== undefined) w.push(`sport ${list(r.sport).join(',')}`);
  if (r.dport !== undefined) w.push(`dport ${list(r.dport).join(',')}`);
  return `${w.length ? `${w.join(' ')} ` : 'all '}→ ${r.action ?? 'accept'}${r.counter ? ' (counted)' : ''}`;
}

// ---- checks ----

const MATCH_KEYS: (keyof FirewallRuleSpec)[] = ['in', 'out', 'from', 'to', 'proto', 'sport', 'dport', 'state', 'action', 'counter'];

function checkRule(model: LabModel, ns: string, chain: FirewallChainName, r: FirewallRuleSpec, base: string, out: Finding[]): void {
  if (r.nft !== undefined) {
    const other = MATCH_KEYS.find((k) => r[k] !== undefined);
    if (other) {
      out.push({
        code: 'raw-rule-mixed', path: `${base}/${other}`, at: 'key',
        message: `a raw rule is its "nft" text alone: "${other}" can't go with it`,
        hint: 'write the whole rule in nft\'s syntax (e.g. nft: \'meta mark 0x1 counter accept\'), or drop "nft" and use the fields',
      });
    }
    const bad = rawTextProblem(r.nft);
    if (bad) out.push({ code: 'bad-raw-rule', path: `${base}/nft`, message: `raw nft rule: ${bad.message}`, hint: bad.hint });
    return;
  }
  if (r.action === undefined) {
    out.push({ code: 'missing-key', path: base, message: 'a firewall rule needs "action": accept, drop or reject', hint: 'or "nft": a raw rule in nft\'s syntax' });
  }
  for (const [key, role] of [['in', 'incoming'], ['out', 'outgoing']] as const) {
    const name = r[key];
    if (name === undefined) continue;
    if ((key === 'in' && chain === 'output') || (key === 'out' && chain === 'input')) {
      out.push({
        code: 'interface-in-wrong-chain', path: `${base}/${key}`, at: 'key',
        message: `the ${chain} chain sees no ${role} interface: "${key}" would never match`,
        hint: chain === 'output' ? 'packets the namespace sends have only an outgoing interface ("out")' : 'packets for the namespace itself have only an incoming interface ("in")',
      });
      continue;
    }
    const f = interfaceRef(model, ns, name, `${base}/${key}`, `firewall ${role} interface`);
    if (f) out.push(f);
  }
  const addrs: { key: 'from' | 'to'; addr: Addr }[] = [];
  for (const key of ['from', 'to'] as const) {
    const text = r[key];
    if (text === undefined) continue;
    const a = text.includes('/') ? parseCidr(text) : parseAddr(text) ?? `${JSON.stringify(text)} is not a valid IPv4 or IPv6 address`;
    if (typeof a === 'string') out.push({ code: 'bad-address', path: `${base}/${key}`, message: `firewall rule "${key}": ${a}`, hint: 'an address or a network: 10.0.1.5, 10.0.1.0/24, fd00::/64' });
    else addrs.push({ key, addr: Array.isArray(a) ? a[0] : a });
  }
  if (addrs.length === 2 && addrs[0].addr.kind() !== addrs[1].addr.kind()) {
    out.push({
      code: 'mixed-families', path: `${base}/to`,
      message: `"to" is ${familyName(addrs[1].addr)} but "from" is ${familyName(addrs[0].addr)}`,
      hint: 'a rule matches IPv4 or IPv6 packets: give it addresses of one family (two rules for both)',
    });
  } else if (addrs.length) {
    const v6 = addrs[0].addr.kind() === 'ipv6';
    if ((r.proto === 'icmp' && v6) || (r.proto === 'icmpv6' && !v6)) {
      out.push({
        code: 'mixed-families', path: `${base}/proto`,
        message: `proto ${r.proto} with ${familyName(addrs[0].addr)} addresses would never match`,
        hint: v6 ? 'IPv6\'s ICMP is icmpv6' : 'IPv4\'s ICMP is icmp (icmpv6 is IPv6\'s)',
      });
    }
  }
  for (const key of ['sport', 'dport'] as const) {
    const p = r[key];
    if (p === undefined) continue;
    if (r.proto !== 'tcp' && r.proto !== 'udp') {
      out.push({
        code: 'ports-without-protocol', path: `${base}/${key}`, at: 'key',
        message: r.proto === 'icmp' || r.proto === 'icmpv6' ? `${r.proto} has no ports: "${key}" needs proto tcp or udp` : `"${key}" needs proto tcp or udp`,
        hint: `e.g. { proto: tcp, ${key}: ${Array.isArray(p) ? `[${p.join(', ')}]` : p}, action: accept }`,
      });
    }
    checkPorts(p, `${base}/${key}`, out);
  }
  if (r.state !== undefined) {
    const seen = new Set<string>();
    list(r.state as string | string[]).forEach((s, i) => {
      const path = Array.isArray(r.state) ? `${base}/state/${i}` : `${base}/state`;
      if (!(STATES as string[]).includes(s)) {
        out.push({ code: 'bad-value', path, message: `connection state ${JSON.stringify(s)} is not one of ${STATES.join(', ')}${didYouMean(s, STATES)}` });
      } else if (seen.has(s)) out.push({ code: 'duplicate', path, message: `connection state ${s} is listed twice` });
      seen.add(s);
    });
  }
}

/**
 * Each port or range valid; in a list, none overlapping another and, where the list has a range, none touching
 * another: nft makes such a list an interval set and merges touching items (22, 23 and "1000-2000" are listed as
 * 22-23, 1000-2000), so the rule would never read back as written.
 */
function checkPorts(p: PortsSpec, path: string, out: Finding[]): void {
  const items: { lo: number; hi: number; text: string; path: string }[] = [];
  list(p).forEach((x, i) => {
    const at = Array.isArray(p) ? `${path}/${i}` : path;
    const r = parsePort(x);
    if (typeof r === 'string') out.push({ code: 'bad-port', path: at, message: `port ${r}`, hint: 'a port (80), a range ("1000-2000"), or a list of those' });
    else items.push({ lo: r[0], hi: r[1], text: String(x), path: at });
  });
  items.sort((a, b) => a.lo - b.lo);
  const ranges = items.some((x) => x.lo !== x.hi);
  for (let i = 1; i < items.length; i++) {
    const [a, b] = [items[i - 1], items[i]];
    if (b.lo <= a.hi) {
      out.push({ code: 'overlapping-ports', path: b.path, related: a.path, message: `port ${b.text} overlaps ${a.text}`, hint: 'list each port once' });
    } else if (b.lo === a.hi + 1 && ranges) {
      out.push({
        code: 'overlapping-ports', path: b.path, related: a.path,
        message: `port ${b.text} continues ${a.text}: in a list with a range nft merges them into one`,
        hint: `write them as one range: "${a.lo}-${b.hi}"`,
      });
    }
  }
}

/**
 * What keeps a raw rule's text from being written into the table as one rule of its chain, marked with topo's
 * comment: more than one line, a statement separator or nft comment (either could end the rule early or take
 * the mark), unbalanced braces or quotes, or a comment of its own (the rule's one comment is topo's mark).
 */
export function rawTextProblem(text: string): { message: string; hint?: string } | undefined {
  const t = text.trim();
  if (!t) return { message: 'the text is empty', hint: 'e.g. nft: \'meta mark 0x1 counter accept\'' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(t)) return { message: 'the text must be one line, without control characters' };
  const unquoted = t.replace(/"[^"]*"/g, '""');
  if ((t.match(/"/g) ?? []).length % 2) return { message: 'a quote (") is not closed' };
  if (/[;#]/.test(unquoted)) return { message: `"${/;/.test(unquoted) ? ';' : '#'}" is not allowed: a raw rule is one rule, without nft comments`, hint: 'one rule per entry' };
  let depth = 0;
  for (const ch of unquoted) {
    depth += ch === '{' ? 1 : ch === '}' ? -1 : 0;
    if (depth < 0) break;
  }
  if (depth !== 0) return { message: 'braces { } are not balanced' };
  if (/(^|\s)comment(\s|$)/.test(unquoted)) {
    return { message: 'a raw rule can\'t have a comment of its own', hint: 'topo marks the rule with a comment of its own ("topo:<hash of the text>"), by which it recognises it in the kernel: remove the comment' };
  }
  return undefined;
}
