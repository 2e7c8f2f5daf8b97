// The lab's nftables table in one namespace as data: chains of canonical rule texts. Pure: `nft -j list table`
// output → table, two tables → rule-by-rule differences, a table → the `nft -f` script that makes it. Rule texts
// are written the way `nft list` prints them, so a plan reads like nftables itself. What goes into the table is
// each section's (nat-rules.ts, ...): see nftables.ts.
import { createHash } from 'node:crypto';
import type { FieldDiff } from '../core/kind.js';
import type { Finding } from '../core/finding.js';
import type { LabModel } from '../core/lab-model.js';
import type { NamespaceSpec } from '../model.js';
import { canonicalDst } from './common.js';

export const TABLE_FAMILY = 'inet';

export interface NftChain {
  name: string;
  header: string;
  rules: string[];
  /** Live chains only: the counters of the rules that have one, by the rule's index (shown, never compared). */
  counters?: (RuleCounter | undefined)[];
}
export interface NftTable { table: string; chains: NftChain[]; /** Objects other than chains and rules ("set x"). */ others: string[] }

/** The lab's table: one per namespace, named after the lab so that other tables are never touched. */
export const labTableName = (lab: string) => `topo-${lab}`;

/**
 * A part of a namespace's declaration that puts chains into the lab's table (`nat:`, `firewall:`). The table kind
 * (nftables.ts) makes one table of every section a namespace declares; the chain names of two sections never meet.
 */
export interface TableSection {
  /** The namespace's field, for messages ("nat"). */
  field: keyof NamespaceSpec;
  /** Its chains, rules written as nft lists them; undefined: the namespace doesn't declare this section. */
  chains(spec: NamespaceSpec): NftChain[] | undefined;
  /** What the schema can't say (interfaces named exist, addresses parse), with the places in the file. */
  check(ns: string, spec: NamespaceSpec, model: LabModel, out: Finding[]): void;
  /** Its rules as `topo graph` writes them, one line each, in a box of this title inside the namespace's. */
  lines(spec: NamespaceSpec): string[];
  box: string;
  /**
   * Its rules whose text the file gives as is (raw rules): their chain, the text written into it, and the place of
   * the text in the file. Checked by nft itself (`nft -c`) before any change; only those `check` found no fault in.
   */
  raw?(ns: string, spec: NamespaceSpec): RawRule[];
}

export interface RawRule { chain: string; rule: string; path: string }

// ---- nft's own check of raw rules ----

/**
 * One script for `nft -c -f -` holding every namespace's raw rules, each in the lab's table and its real chain
 * (so hook-specific limits apply), and which line of the script is which rule's. Each namespace's table is
 * declared, deleted and made again, as on apply, so that none meets another or a table already there.
 */
export function rawCheckScript(table: string, namespaces: { chains: NftChain[]; raw: RawRule[] }[]): { script: string; lines: Map<number, string> } {
  let script = '';
  const lines = new Map<number, string>();
  for (const { chains, raw } of namespaces) {
    const t: NftTable = {
      table, others: [],
      chains: chains.flatMap((c) => (raw.some((r) => r.chain === c.name) ? [{ ...c, rules: raw.filter((r) => r.chain === c.name).map((r) => r.rule) }] : [])),
    };
    const base = script.split('\n').length - 1;
    const text = tableScript(t, true);
    const rows = text.split('\n');
    let at = 0;
    for (const c of t.chains) {
      at = rows.indexOf(`\tchain ${c.name} {`, at);
      for (const r of raw.filter((x) => x.chain === c.name)) {
        at = rows.indexOf(`\t\t${r.rule}`, at);
        lines.set(base + at + 1, r.path);
      }
    }
    script += text;
  }
  return { script, lines };
}

/**
 * nft's errors on a rawCheckScript, each at the place of its rule in the file (the first error of a rule only);
 * an error on no rule's line (none expected) at `fallback`.
 */
export function rawCheckFindings(stderr: string, script: string, lines: Map<number, string>, fallback: string): Finding[] {
  const rows = script.split('\n');
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const m of stderr.matchAll(/^[^\n]*?:(\d+):(\d+)(?:-(\d+))?: Error: ([^\n]*)$/gm)) {
    const [line, from, to, reason] = [Number(m[1]), Number(m[2]), Number(m[3] ?? m[2]), m[4]];
    const path = lines.get(line) ?? fallback;
    if (seen.has(path)) continue;
    seen.add(path);
    const marked = rows[line - 1]?.slice(from - 1, to);
    out.push({
      code: 'nft-refuses', path, message: `nft refuses this rule: ${reason}`,
      // iif/oif name an interface by its index, looked up when the rule is checked or added.
      hint: /^Interface does not exist/.test(reason) ? 'nft -c runs where topo runs, without the lab\'s interfaces: match them by name (iifname, oifname)'
        : marked && lines.has(line) ? `nft -c points at ${JSON.stringify(marked)}` : undefined,
    });
  }
  if (!out.length) out.push({ code: 'nft-refuses', path: fallback, message: `nft refuses these rules: ${stderr.trim().split('\n')[0]}` });
  return out;
}

/** "ip saddr 10.0.1.0/24" (network address; a full-length prefix is printed as a bare address, as nft does). */
export function addrMatch(field: 'saddr' | 'daddr', cidr: string): string {
  const net = canonicalDst(cidr);
  const [addr, len] = net.split('/');
  const v6 = addr.includes(':');
  return `${v6 ? 'ip6' : 'ip'} ${field} ${Number(len) === (v6 ? 128 : 32) ? addr : net}`;
}

// ---- reading `nft -j list table` ----

/** "10.0.1.2:80", "[fd00::2]:80", or the bare address. */
export const addrPort = (addr: string, port?: number | string) => port === undefined ? addr : addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;

type Json = Record<string, unknown>;

/** A rule's counter as the kernel last read it (`topo show`); never compared. */
export interface RuleCounter { packets: number; bytes: number }

/** The table in `nft -j` output, or undefined when the output holds none. */
export function liveTable(doc: unknown, table: string): NftTable | undefined {
  const items = ((doc as { nftables?: unknown[] } | undefined)?.nftables ?? []) as Json[];
  if (!items.some((x) => (x.table as Json | undefined)?.name === table)) return undefined;
  const chains: NftChain[] = [];
  const others: string[] = [];
  for (const item of items) {
    const [type, body] = Object.entries(item)[0] ?? [];
    const b = body as Json;
    if (type === 'metainfo' || type === 'table') continue;
    if (type === 'chain') chains.push({ name: String(b.name), header: chainHeader(b), rules: [] });
    else if (type === 'rule') {
      const c = chains.find((x) => x.name === b.chain) ?? chains[chains.push({ name: String(b.chain), header: '', rules: [] }) - 1];
      c.rules.push(ruleText(b.expr, b.comment));
      const counter = counterOf(b.expr);
      if (counter) (c.counters ??= [])[c.rules.length - 1] = counter;
    } else others.push(`${type} ${String(b?.name ?? '')}`.trim());
  }
  return { table, chains, others };
}

/** Priorities nft accepts by name for these hooks (as `nft list` prints them); others are printed as numbers. */
const PRIO_NAMES: Record<string, string> = {
  'postrouting 100': 'srcnat', 'input 100': 'srcnat', 'prerouting -100': 'dstnat',
  'input 0': 'filter', 'forward 0': 'filter', 'output 0': 'filter', 'prerouting 0': 'filter', 'postrouting 0': 'filter',
};

function chainHeader(c: Json): string {
  if (c.hook === undefined) return '';
  const prio = PRIO_NAMES[`${String(c.hook)} ${String(c.prio)}`] ?? String(c.prio);
  return `type ${String(c.type)} hook ${String(c.hook)} priority ${prio}; policy ${String(c.policy ?? 'accept')};`;
}

function counterOf(expr: unknown): RuleCounter | undefined {
  const c = Array.isArray(expr) ? (expr.find((e) => e && typeof e === 'object' && 'counter' in e) as Json | undefined)?.counter as Json | undefined : undefined;
  return c && typeof c.packets === 'number' && typeof c.bytes === 'number' ? { packets: c.packets, bytes: c.bytes } : undefined;
}

/**
 * A rule as `nft list` prints it (counter values left out), for the expressions a section writes and a few common
 * others; a rule with anything else becomes an nft comment line that no declared rule can equal.
 */
export function ruleText(expr: unknown, comment?: unknown): string {
  const parts = Array.isArray(expr) ? expr.map(exprText) : [undefined];
  const tail = typeof comment === 'string' ? ` comment ${JSON.stringify(comment)}` : '';
  if (parts.every((p): p is string => p !== undefined)) return parts.join(' ') + tail;
  // The comment is kept: a rule topo marked (see ruleKey) is still recognised by it.
  return `# rule topo cannot print: ${JSON.stringify(expr)}${tail}`;
}

function exprText(e: unknown): string | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const [k, v] = Object.entries(e as Json)[0] ?? [];
  const o = (v ?? {}) as Json;
  switch (k) {
    case 'match': {
      const left = leftText(o.left);
      const right = rightText(o.right, left?.endsWith('name') ?? false);
      if (left === undefined || right === undefined) return undefined;
      return `${left} ${o.op === '==' || o.op === 'in' ? '' : `${String(o.op)} `}${right}`;
    }
    case 'masquerade': {
      if (v === null || Object.keys(o).length === 0) return 'masquerade';
      const port = Object.keys(o).length === 1 ? valueText(o.port) : undefined;
      return port === undefined ? undefined : `masquerade to :${port}`;
    }
    case 'dnat': case 'snat': {
      if (Object.keys(o).some((x) => !['family', 'addr', 'port'].includes(x))) return undefined;
      const addr = valueText(o.addr), port = o.port === undefined ? undefined : valueText(o.port);
      if (addr === undefined || (o.port !== undefined && port === undefined)) return undefined;
      return `${k}${o.family ? ` ${String(o.family)}` : ''} to ${addrPort(addr, port)}`;
    }
    case 'reject': {
      // nft's default in an inet table (icmpx port-unreachable) is printed as a bare `reject`.
      if (v === null || (o.type === 'icmpx' && o.expr === 'port-unreachable')) return 'reject';
      return o.expr === undefined ? `reject with ${String(o.type)}` : `reject with ${String(o.type)} ${String(o.expr)}`;
    }
    case 'counter': return 'counter';
    case 'accept': case 'drop': case 'return': return k;
    default: return undefined;
  }
}

const UNQUALIFIED_META = new Set(['iifname', 'oifname', 'iif', 'oif', 'mark']);

function leftText(l: unknown): string | undefined {
  const o = (l ?? {}) as Json;
  if (o.meta) { const k = String((o.meta as Json).key); return UNQUALIFIED_META.has(k) ? k : `meta ${k}`; }
  if (o.payload) { const p = o.payload as Json; return p.protocol ? `${String(p.protocol)} ${String(p.field)}` : undefined; }
  if (o.ct) { const c = o.ct as Json; return c.dir === undefined && c.family === undefined ? `ct ${String(c.key)}` : undefined; }
  if (o.fib) {
    const f = o.fib as Json;
    return Array.isArray(f.flags) ? `fib ${f.flags.map(String).join(' . ')} ${String(f.result)}` : undefined;
  }
  return undefined;
}

/** A match's right side: a value, a set `{ a, b }`, or flags `a,b` (ct state). */
function rightText(r: unknown, quoted: boolean): string | undefined {
  if (Array.isArray(r)) return r.every((x) => typeof x === 'string') ? r.join(',') : undefined;
  const o = (r ?? {}) as Json;
  if (Array.isArray(o.set)) {
    const items = o.set.map((x) => valueText(x, quoted));
    return items.every((x) => x !== undefined) ? `{ ${items.join(', ')} }` : undefined;
  }
  return valueText(r, quoted);
}

/** A single value: "x" (quoted when a name), 22, 10.0.0.0/8, 1000-2000. */
function valueText(r: unknown, quoted = false): string | undefined {
  if (typeof r === 'string') return quoted ? `"${r}"` : r;
  if (typeof r === 'number') return String(r);
  const o = (r ?? {}) as Json;
  if (o.prefix) { const p = o.prefix as Json; return `${String(p.addr)}/${String(p.len)}`; }
  if (Array.isArray(o.range) && o.range.length === 2) {
    const [a, b] = o.range.map((x) => valueText(x));
    return a === undefined || b === undefined ? undefined : `${a}-${b}`;
  }
  return undefined;
}

// ---- comparing and writing ----

/**
 * A rule ending in a mark `comment "topo:<hex>"` (a raw rule: nft may print its text otherwise than the file wrote
 * it, see topoMark) is identified by that mark; any other rule by its text.
 */
export function ruleKey(rule: string): string {
  return MARKED.exec(rule)?.[1] ?? rule;
}
const MARKED = / comment "(topo:[0-9a-f]+)"$/;

/** The mark topo appends to a rule it can't write in nft's own spelling: a short hash of its text. */
export const topoMark = (text: string): string => `topo:${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;

/** Rule-by-rule differences: [chain, live rule or undefined, desired rule or undefined]. */
export function compareTables(d: NftTable, l: NftTable): FieldDiff[] {
  const out: FieldDiff[] = [];
  const names = [...new Set([...d.chains.map((c) => c.name), ...l.chains.map((c) => c.name)])];
  for (const name of names) {
    const dc = d.chains.find((c) => c.name === name), lc = l.chains.find((c) => c.name === name);
    if (!dc || !lc || dc.header !== lc.header) out.push([`chain ${name}`, lc?.header, dc?.header]);
    const want = [...(dc?.rules ?? [])], have = [...(lc?.rules ?? [])];
    const missing = minus(want, have), extra = minus(have, want);
    for (const r of extra) out.push([name, r, undefined]);
    for (const r of missing) out.push([name, undefined, r]);
    if (!missing.length && !extra.length && want.map(ruleKey).join('\n') !== have.map(ruleKey).join('\n')) out.push([`${name} order`, have, want]);
  }
  for (const x of l.others) out.push(['other', x, undefined]);
  return out;
}

/** Multiset difference a - b, rules compared by ruleKey. */
function minus(a: string[], b: string[]): string[] {
  const left = b.map(ruleKey);
  return a.filter((x) => { const i = left.indexOf(ruleKey(x)); if (i < 0) return true; left.splice(i, 1); return false; });
}

/**
 * An `nft -f` script that makes the table exactly this, in one transaction. With `replace`, an existing table of
 * that name is deleted first (declaring it beforehand makes the delete valid when it doesn't exist yet).
 */
export function tableScript(t: NftTable, replace: boolean): string {
  const id = `${TABLE_FAMILY} ${t.table}`;
  let out = replace ? `table ${id}\ndelete table ${id}\n` : '';
  out += `table ${id} {\n`;
  t.chains.forEach((c, i) => {
    out += `${i ? '\n' : ''}\tchain ${c.name} {\n${c.header ? `\t\t${c.header}\n` : ''}`;
    for (const r of c.rules) out += `\t\t${r}\n`;
    out += '\t}\n';
  });
  return `${out}}\n`;
}
