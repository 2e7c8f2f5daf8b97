// Policy routing rules (`ip rule`), per namespace: `rules:`, each at its own priority, selecting packets (from, to,
// iif, oif, fwmark) for an action (look up a table, go to a later rule, or drop them: blackhole, unreachable,
// prohibit). IPv4 and IPv6 rules are two lists in the kernel: a rule's family is its addresses' (or `family:`,
// default 4), and its identity is namespace, family and priority.
// Ownership: the lab's rules carry its protocol (ROUTE_PROTO, like its routes); the kernel's default rules and any
// rule without that protocol are never touched. In a lab namespace a marked rule is the lab's; in the host only
// when the state record lists it too (objects: every rule the lab makes is listed), so another lab's (same
// protocol) or a stale record never make a rule the lab's. A rule the lab doesn't own at a declared priority is a
// conflict: which of two rules at one priority comes first is up to the order they were added in. Rules can't be
// changed in place: a change deletes and adds. Deleting names the rule in full, protocol included: `rule del
// priority P` alone deletes the first rule at P whatever its protocol.
// Reading: only where the file declares rules of the family or the record lists some (in every namespace for a
// record that doesn't list them, StateRecord.unlisted): IPv4 rules by a line of the batch that reads the
// namespace ('rule show'), IPv6 rules, which need `ip -6` (no batch line can carry it), by an `ip -6 -N` of
// their own.
import { pointer, type Finding } from '../core/finding.js';
import { canon, family, networkOf, parseAddr, parseCidr } from '../core/ip.js';
import type { Kind, KindContext } from '../core/kind.js';
import { ifacesOf, ifKey, interfaceRef, type LabModel, nsText } from '../core/lab-model.js';
import type { NsLive, ToolRead } from '../core/live.js';
import { didYouMean } from '../core/suggest.js';
import { HOST, type Cmd, type Resource, type Topology } from '../model.js';
import { canonicalCidr, nsClaim, ownsNamespace, recorded } from './common.js';
import { ROUTE_PROTO } from './route.js';
import { printedTable, tableNumber, tableRef, type TableRef } from './tables.js';

export interface RuleSpec {
  /** 1..32765: 0, 32766 and 32767 are the kernel's own rules. */
  priority: number;
  /** Source and destination: an address or a network. */
  from?: string;
  to?: string;
  /** Incoming and outgoing interface. */
  iif?: string;
  oif?: string;
  /** Firewall mark: a number, or "value/mask". */
  fwmark?: number | string;
  /** The table to look up (action lookup). */
  table?: TableRef;
  /** The priority of the rule to go on at (action goto). */
  goto?: number;
  /** Default: lookup when `table` is given, goto when `goto` is. */
  action?: RuleAction;
  /** For a rule with neither `from` nor `to` (default 4); else their family. */
  family?: 4 | 6;
}
export type RuleAction = 'lookup' | 'goto' | 'blackhole' | 'unreachable' | 'prohibit';

declare module '../model.js' {
  interface NamespaceSpec { rules?: RuleSpec[] }
}

/**
 * A rule as topo compares it. Selectors as the kernel keeps them ("addr/len", the mark "0x10" or "0x10/0xff");
 * `table` for lookup, `goto` for goto; `proto`, live only; `other`, live only: selectors topo doesn't declare
 * (`not`, `ipproto`, ...) as "key=value", which a declared rule never has.
 */
interface RuleProps {
  family: 4 | 6; priority: number; from?: string; to?: string; iif?: string; oif?: string; fwmark?: string;
  action: string; table?: TableRef; goto?: number; proto?: string; other?: string[];
}

/** The reads' names: IPv4 rules (a line of the namespace's batch), IPv6 rules (`ip -6` of their own). */
const V4 = 'rule:4';
const V6 = 'rule:6';
/** Priorities of the kernel's own rules (local, main, default). */
export const KERNEL_PRIORITIES: Readonly<Record<number, string>> = { 0: 'local', 32766: 'main', 32767: 'default' };
const MAX_PRIORITY = 32765;
const ALL_ONES = 0xffffffff;
/** FR_ACT_* numbers `ip -N` prints for actions. */
const ACTIONS: Readonly<Record<string, string>> = { 3: 'nop', 6: 'blackhole', 7: 'unreachable', 8: 'prohibit' };
/** Keys of `ip -json rule show` that say what topo compares (or say nothing of the rule itself). */
const KNOWN = new Set(['priority', 'src', 'srclen', 'dst', 'dstlen', 'iif', 'oif', 'iif_detached', 'oif_detached', 'fwmark',
  'fwmask', 'table', 'goto', 'unresolved', 'action', 'protocol']);

export const ruleKind: Kind = {
  name: 'rule',
  order: { create: { stage: 'config', after: ['route'] }, update: { stage: 'config', after: ['route'] }, delete: { stage: 'config', after: ['nftables:delete'] } },
  check: (model) => ruleFindings(model),
  desired(model) {
    return Object.entries(model.topo.namespaces ?? {}).flatMap(([ns, spec]) =>
      (spec?.rules ?? []).map((r, i) => res(ns, desiredProps(model.topo, ns, r), pointer('namespaces', ns, 'rules', i))));
  },
  ipReads: [{ name: V4, line: 'rule show' }],
  ipReadsOnly: (topo, ctx) => (ctx.state.unlisted ? undefined : rulesIn(topo, ctx, 4)),
  reads(topo, ctx) {
    return rulesIn(topo, ctx, 6).map((ns): ToolRead => ({
      name: V6, ns, tool: 'ip6', args: ['-N', '-d', '-json', 'rule', 'show'], what: 'the IPv6 rules', absent: /(?!)/, pkg: 'iproute2',
    }));
  },
  live(snap, ctx) {
    return Object.values(snap.ns).flatMap((n) => [
      ...liveRules(n, ctx, 4, n.ipDocs?.[V4]), ...liveRules(n, ctx, 6, n.reads?.[V6]),
    ]);
  },
  compare(d, l) {
    const dp = d.props as unknown as RuleProps, lp = l.props as unknown as RuleProps;
    const out: [string, unknown, unknown][] = (['from', 'to', 'iif', 'oif', 'fwmark', 'action', 'table', 'goto'] as const)
      .filter((k) => dp[k] !== lp[k]).map((k) => [k, lp[k], dp[k]]);
    if (lp.other?.length) out.push(['other', lp.other.join(' '), undefined]);
    return out;
  },
  create: (r) => [{ ...ruleCmd(r.ns, 'add', props(r)), undo: [ruleCmd(r.ns, 'del', props(r))] }],
  // No `ip rule replace`: the live rule goes, the declared one comes (each undone by its opposite).
  update: (d, l) => [
    { ...ruleCmd(l.ns, 'del', props(l)), undo: [ruleCmd(l.ns, 'add', props(l))] },
    { ...ruleCmd(d.ns, 'add', props(d)), undo: [ruleCmd(d.ns, 'del', props(d))] },
  ],
  remove: (l) => [{ ...ruleCmd(l.ns, 'del', props(l)), undo: [ruleCmd(l.ns, 'add', props(l))] }],
  // Every rule: the host's are the lab's only when listed (see above), and rules are read only where some are.
  record: {
    intent: (c) => (c.op === 'create' ? { objects: [c.key] } : {}),
    keep: (r) => ({ objects: [r.key] }),
  },
  show: {},
  draw: (model, ns) => (model.topo.namespaces?.[ns]?.rules ?? []).map((r) => ({ text: `rule ${drawn(r)}` })),
};

const props = (r: Resource) => r.props as unknown as RuleProps;

/** Namespaces where rules of the family are read: the file declares some there, or the record lists some. */
function rulesIn(topo: Topology | undefined, ctx: KindContext, fam: 4 | 6): string[] {
  const declared = Object.entries(topo?.namespaces ?? {}).filter(([, s]) => (s?.rules ?? []).some((r) => ruleFamily(r) === fam)).map(([ns]) => ns);
  const listed = ctx.state.objects.map((k) => /^rule:([^/]+)\/(\d)\//.exec(k)).filter((m) => m?.[2] === String(fam)).map((m) => m![1]);
  return [...new Set([...declared, ...listed])];
}

export function ruleFamily(r: RuleSpec): 4 | 6 {
  const a = r.from ?? r.to;
  return a !== undefined ? (a.includes(':') ? 6 : 4) : r.family ?? 4;
}

export function ruleAction(r: RuleSpec): RuleAction {
  return r.action ?? (r.goto !== undefined ? 'goto' : 'lookup');
}

function desiredProps(topo: Topology, ns: string, r: RuleSpec): RuleProps {
  const fam = ruleFamily(r), action = ruleAction(r);
  return {
    family: fam, priority: r.priority, from: selector(r.from), to: selector(r.to), iif: r.iif, oif: r.oif,
    fwmark: r.fwmark === undefined ? undefined : markText(parseMark(r.fwmark)!), action,
    table: action === 'lookup' && r.table !== undefined ? tableNumber(topo, ns, r.table) ?? r.table : undefined,
    goto: action === 'goto' ? r.goto : undefined,
  };
}

/** A declared selector as the kernel keeps it: "addr/len" (a bare address is /32 or /128); all addresses is none. */
function selector(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const c = canonicalCidr(s.includes('/') ? s : `${s}/${s.includes(':') ? 128 : 32}`);
  return c.endsWith('/0') ? undefined : c;
}

/** A firewall mark and mask as numbers, from a number or "value/mask" (decimal or 0x hex); undefined if neither. */
export function parseMark(m: number | string): [number, number] | undefined {
  const num = (s: string) => (/^0[xX][0-9A-Fa-f]+$/.test(s) ? parseInt(s, 16) : /^[0-9]+$/.test(s) ? Number(s) : NaN);
  const [v, mask, ...rest] = typeof m === 'number' ? [m] : m.split('/').map(num);
  if (rest.length || !Number.isInteger(v) || v < 0 || v > ALL_ONES) return undefined;
  if (mask !== undefined && (!Number.isInteger(mask) || mask < 0 || mask > ALL_ONES)) return undefined;
  // Without a mask the kernel matches the whole mark (a mark 0 without one is no selector: the kernel drops it).
  return [v, mask ?? ALL_ONES];
}

const hex = (n: number) => (n ? `0x${n.toString(16)}` : '0');
/** As ip prints it: the mark in hex (0 as "0"), then the mask when it isn't all ones. */
const markText = ([v, m]: [number, number]) => `${hex(v)}${m === ALL_ONES ? '' : `/${hex(m)}`}`;

/** The rules of one family in `ip -json rule show` output; the kernel's own (protocol kernel) are left out. */
function liveRules(n: NsLive, ctx: KindContext, fam: 4 | 6, doc: unknown): Resource[] {
  if (!Array.isArray(doc)) return [];
  const seen = new Map<number, number>();
  const owns = (p: RuleProps, k: string) => p.proto === ROUTE_PROTO
    && (n.name === HOST ? recorded(ctx.state).objects.has(k) : ownsNamespace(ctx, n));
  // The lab's rules first, so that one of another at the same priority never takes its key.
  const rules = doc.map((x) => fromLive(x, fam)).filter((p): p is RuleProps => p !== undefined);
  const ours = new Set(rules.filter((p) => owns(p, key(n.name, p))));
  return [...ours, ...rules.filter((p) => !ours.has(p))].map((p) => {
    const count = (seen.get(p.priority) ?? 0) + 1;
    seen.set(p.priority, count);
    return { ...res(n.name, p, undefined, count), owned: ours.has(p) };
  });
}

function fromLive(x: unknown, fam: 4 | 6): RuleProps | undefined {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return undefined;
  const o = x as Record<string, unknown>;
  if (typeof o.priority !== 'number') return undefined;
  const proto = o.protocol === undefined || o.protocol === 'unspec' || o.protocol === '0' ? undefined : String(o.protocol);
  if (proto === 'kernel' || proto === '2') return undefined;
  const named = String(o.action);
  const action = typeof o.goto === 'number' ? 'goto' : o.action === undefined ? 'lookup' : Object.hasOwn(ACTIONS, named) ? ACTIONS[named] : named;
  const other = Object.keys(o).filter((k) => !KNOWN.has(k)).sort().map((k) => (o[k] === null ? k : `${k}=${JSON.stringify(o[k])}`));
  return {
    family: fam, priority: o.priority, from: liveSelector(o.src, o.srclen, fam), to: liveSelector(o.dst, o.dstlen, fam),
    iif: str(o.iif), oif: str(o.oif), fwmark: liveMark(o.fwmark, o.fwmask), action,
    table: action === 'lookup' && (typeof o.table === 'string' || typeof o.table === 'number') ? printedTable(o.table) : undefined,
    goto: action === 'goto' ? o.goto as number : undefined, proto, ...(other.length ? { other } : {}),
  };
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** "addr/len" as the kernel keeps it (host bits and all: a rule added by hand is deleted as it is). */
function liveSelector(addr: unknown, len: unknown, fam: 4 | 6): string | undefined {
  if (typeof addr !== 'string' || addr === 'all') return undefined;
  const a = parseAddr(addr);
  return a ? `${canon(a)}/${typeof len === 'number' ? len : fam === 6 ? 128 : 32}` : `${addr}/${String(len)}`;
}

function liveMark(mark: unknown, mask: unknown): string | undefined {
  if (mark === undefined) return undefined;
  const m = parseMark(`${String(mark)}${mask !== undefined ? `/${String(mask)}` : ''}`);
  return m ? markText(m) : String(mark);
}

function ruleCmd(ns: string, verb: 'add' | 'del', p: RuleProps): Cmd {
  const args = ['rule', verb, 'priority', String(p.priority),
    ...(p.from ? ['from', p.from] : []), ...(p.to ? ['to', p.to] : []), ...(p.iif ? ['iif', p.iif] : []), ...(p.oif ? ['oif', p.oif] : []),
    ...(p.fwmark ? ['fwmark', p.fwmark] : []), ...actionArgs(p), 'protocol', p.proto ?? ROUTE_PROTO];
  // An IPv6 rule needs `ip -6` (a batch line can't carry it; ip takes a rule without addresses for IPv4).
  return { ns, tool: p.family === 6 ? 'ip6' : 'ip', args };
}

function actionArgs(p: RuleProps): string[] {
  if (p.action === 'goto') return ['goto', String(p.goto)];
  if (p.action === 'lookup') return p.table !== undefined ? ['table', String(p.table)] : [];
  return [p.action];
}

/** rule:ns/FAMILY/PRIORITY; a further rule at the same priority (never the lab's) gets #2, #3, ... */
const key = (ns: string, p: { family: 4 | 6; priority: number }, nth = 1) => `rule:${ns}/${p.family}/${p.priority}${nth > 1 ? `#${nth}` : ''}`;

function res(ns: string, p: RuleProps, path?: string, nth = 1): Resource {
  return {
    kind: 'rule', key: key(ns, p, nth), ns, label: label(p), props: p as never,
    // Every rule at a priority claims it: a rule the lab doesn't own there is a conflict for a declared one.
    claims: [key(ns, p)], parents: [nsClaim(ns)], path,
  };
}

/** As `ip rule` lists it: "100: from 10.0.1.2/32 lookup 100" ("IPv6" where no address says it). */
function label(p: RuleProps): string {
  const sel = [
    p.from ? `from ${p.from}` : p.to ? '' : `from all${p.family === 6 ? ' (IPv6)' : ''}`, p.to ? `to ${p.to}` : '',
    p.iif ? `iif ${p.iif}` : '', p.oif ? `oif ${p.oif}` : '', p.fwmark ? `fwmark ${p.fwmark}` : '',
    ...(p.other ?? []),
  ];
  const act = p.action === 'lookup' ? `lookup ${p.table ?? 'main'}` : p.action === 'goto' ? `goto ${p.goto}` : p.action;
  return `${p.priority}: ${[...sel, act].filter(Boolean).join(' ')}`;
}

function drawn(r: RuleSpec): string {
  const act = ruleAction(r);
  return `${r.priority}: ${[r.from ? `from ${r.from}` : '', r.to ? `to ${r.to}` : '', r.iif ? `iif ${r.iif}` : '', r.oif ? `oif ${r.oif}` : '',
    r.fwmark !== undefined ? `fwmark ${r.fwmark}` : '', act === 'lookup' ? `lookup ${r.table ?? 'main'}` : act === 'goto' ? `goto ${r.goto}` : act]
    .filter(Boolean).join(' ')}`;
}

// ---- Validation ----

function ruleFindings(model: LabModel): Finding[] {
  const out: Finding[] = [];
  for (const [ns, spec] of Object.entries(model.topo.namespaces ?? {})) {
    const rules = spec?.rules ?? [];
    const byPrio = new Map<string, number>();
    rules.forEach((r, i) => {
      const base = pointer('namespaces', ns, 'rules', i);
      const fam = ruleFamily(r);
      priority(ns, r, fam, base, byPrio, i, out);
      addresses(r, base, out);
      for (const dir of ['iif', 'oif'] as const) if (r[dir] !== undefined) iface(model, ns, r[dir]!, dir, `${base}/${dir}`, out);
      if (r.fwmark !== undefined) mark(r.fwmark, `${base}/fwmark`, out);
      action(model.topo, ns, r, rules, base, out);
    });
  }
  return out;
}

function priority(ns: string, r: RuleSpec, fam: 4 | 6, base: string, seen: Map<string, number>, i: number, out: Finding[]): void {
  const path = `${base}/priority`;
  const kernel = KERNEL_PRIORITIES[r.priority];
  if (kernel !== undefined) {
    out.push({ code: 'kernel-rule-priority', path, message: `priority ${r.priority} is the kernel's own rule (lookup ${kernel}), which every namespace has: topo never adds or deletes it`, hint: `pick a priority from 1 to ${MAX_PRIORITY}: the lower, the earlier it is tried` });
    return;
  }
  if (r.priority > MAX_PRIORITY) {
    out.push({ code: 'rule-priority-range', path, message: `priority ${r.priority} comes after the kernel's last rule (32767, lookup default)`, hint: `pick a priority from 1 to ${MAX_PRIORITY}: the lower, the earlier it is tried` });
    return;
  }
  const k = `${fam}|${r.priority}`;
  const first = seen.get(k);
  if (first === undefined) { seen.set(k, i); return; }
  out.push({
    code: 'duplicate-rule', path, related: pointer('namespaces', ns, 'rules', first, 'priority'),
    message: `priority ${r.priority} is given to two IPv${fam} rules in ${nsText(ns)}`,
    hint: 'one rule per priority: the kernel tries rules by priority, and two at one would go in the order they were added',
  });
}

/** from/to: addresses or networks without host bits, of one family (and of `family:` when both are given). */
function addresses(r: RuleSpec, base: string, out: Finding[]): void {
  const fams: [string, 4 | 6][] = [];
  for (const dir of ['from', 'to'] as const) {
    const s = r[dir];
    if (s === undefined) continue;
    const path = `${base}/${dir}`;
    const c = s.includes('/') ? parseCidr(s) : parseAddr(s) ? [parseAddr(s)!, s.includes(':') ? 128 : 32] as const : `${JSON.stringify(s)} is not a valid IPv4 or IPv6 address`;
    if (typeof c === 'string') { out.push({ code: 'bad-address', path, message: `rule ${dir}: ${c}` }); continue; }
    const net = networkOf([c[0], c[1]]);
    if (net !== `${canon(c[0])}/${c[1]}`) {
      out.push({ code: 'rule-host-bits', path, message: `rule ${dir} ${s} has host bits set: the kernel keeps them as written and matches the network ${net}`, hint: `write ${net}, or the address alone for one host` });
    }
    fams.push([path, family(c[0])]);
  }
  if (fams.length === 2 && fams[0][1] !== fams[1][1]) {
    out.push({ code: 'family-mismatch', path: fams[1][0], message: `rule "to" is IPv${fams[1][1]} but "from" is IPv${fams[0][1]}`, hint: 'a rule is IPv4 or IPv6: give it addresses of one family (two rules for both)' });
  } else if (fams.length && r.family !== undefined && r.family !== fams[0][1]) {
    out.push({ code: 'family-mismatch', path: `${base}/family`, message: `family ${r.family} but the rule's addresses are IPv${fams[0][1]}`, hint: 'leave "family" out: the addresses say it' });
  }
}

function iface(model: LabModel, ns: string, name: string, dir: 'iif' | 'oif', path: string, out: Finding[]): void {
  const role = dir === 'iif' ? 'rule incoming interface' : 'rule outgoing interface';
  if (ns !== HOST) {
    const f = interfaceRef(model, ns, name, path, role);
    if (f) out.push(f);
    return;
  }
  // The host has interfaces of its own: one the file doesn't declare may well be there.
  if (name === 'lo' || model.byKey.has(ifKey(ns, name))) return;
  out.push({
    code: 'unknown-interface', severity: 'warning', path,
    message: `${role} ${JSON.stringify(name)} is not an interface the file declares in the host namespace${didYouMean(name, ifacesOf(model, ns).map((f) => f.name))}`,
    hint: 'the kernel accepts a rule for an interface that is not there ([detached]): it matches once one of that name appears',
  });
}

function mark(m: number | string, path: string, out: Finding[]): void {
  const p = parseMark(m);
  if (!p) {
    out.push({ code: 'bad-fwmark', path, message: `fwmark ${JSON.stringify(m)} is not a number or "value/mask" of 32 bits`, hint: 'e.g. 7, 0x10, "0x10/0xff"' });
  } else if ((p[0] & ~p[1]) !== 0) {
    out.push({ code: 'fwmark-outside-mask', severity: 'warning', path, message: `fwmark ${m} has bits outside its mask: the kernel compares only the bits of the mask, so it matches as ${hex((p[0] & p[1]) >>> 0)}/${hex(p[1])}`, hint: `write ${hex((p[0] & p[1]) >>> 0)}/${hex(p[1])}` });
  } else if (p[0] === 0 && typeof m === 'number') {
    out.push({ code: 'bad-fwmark', path, message: 'fwmark 0 without a mask is no selector at all: the kernel drops it, and the rule matches packets of any mark', hint: 'to match unmarked packets write "0/0xffffffff"; to match any, leave fwmark out' });
  }
}

/** The action and what it needs: lookup a table, goto a later rule of the namespace (same family), or none. */
function action(topo: Topology, ns: string, r: RuleSpec, rules: RuleSpec[], base: string, out: Finding[]): void {
  const act = ruleAction(r);
  const at = r.action !== undefined ? `${base}/action` : base;
  if (act === 'lookup') {
    if (r.table === undefined) {
      out.push({ code: 'rule-needs-table', path: at, message: 'a lookup rule needs "table": the table to look the packet up in', hint: 'add table: <name or number>; or action: blackhole, unreachable, prohibit, or goto' });
    } else {
      const f = tableRef(topo, ns, r.table, `${base}/table`);
      if (f) out.push(f);
    }
  } else if (r.table !== undefined) {
    out.push({ code: 'rule-table-unused', path: `${base}/table`, message: `a ${act} rule looks up no table`, hint: act === 'goto' ? 'the rule it goes to looks up its own table' : 'remove "table", or make it a lookup rule' });
  }
  if (act === 'goto') {
    if (r.goto === undefined) {
      out.push({ code: 'rule-needs-goto', path: at, message: 'a goto rule needs "goto": the priority of the rule to go on at' });
      return;
    }
    const fam = ruleFamily(r);
    const targets = rules.filter((o) => o !== r && ruleFamily(o) === fam && o.priority >= 1 && o.priority <= MAX_PRIORITY).map((o) => o.priority);
    if (r.goto <= r.priority) {
      out.push({ code: 'rule-goto-backward', path: `${base}/goto`, message: `goto ${r.goto} from priority ${r.priority}: the kernel only goes forward ("Backward goto not supported")`, hint: `go to a rule after ${r.priority}` });
    } else if (!targets.includes(r.goto)) {
      const later = targets.filter((p) => p > r.priority).sort((a, b) => a - b);
      out.push({
        code: 'rule-goto-unknown', path: `${base}/goto`,
        message: `goto ${r.goto}: no IPv${fam} rule of ${nsText(ns)} has that priority${didYouMean(String(r.goto), later.map(String))}`,
        hint: later.length ? `later IPv${fam} rules: ${later.slice(0, 10).join(', ')}` : `declare the rule at ${r.goto} (the kernel would leave this one "unresolved": it matches nothing)`,
      });
    }
  } else if (r.goto !== undefined) {
    out.push({ code: 'rule-goto-unused', path: `${base}/goto`, message: `a ${act} rule goes nowhere: "goto" is for action goto`, hint: 'remove "goto", or "action"' });
  }
}
