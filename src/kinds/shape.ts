// Link shaping and impairments: an interface's `shape:` is its root queueing discipline, owned by the lab. One
// resource per shaped interface, whatever kind declares the interface (veth ends, bridges, macvlans, vxlans: every
// interface of the resolved model whose mapping has a `shape`):
//   rate/burst/latency|limit → tbf at the root;  delay/jitter/loss/duplicate/corrupt/reorder → netem at the root;
//   both → netem at the root and tbf as its child (parent 7a0:1, as netem's documentation puts a tbf under it);
//   qdisc: "TEXT" → the escape hatch: tc's own words for any other root qdisc. tc reads its options back in words of
//   its own (htb's `default 10` as "0x10"), so it is converged when the root's kind is the one the words name and
//   the record lists the hash of the words as applied (`#hash`, written once an apply is verified; while one runs
//   the record says `%hash`, sent but not confirmed, so an apply killed before tc ran sends them again).
// The lab's mark is the handle: a root qdisc with handle 7a0: (its tbf child 7a1:) on an interface the lab owns is
// the lab's. A root qdisc with another handle on such an interface was set by hand: repaired (replaced) where the
// file shapes the interface, left alone where it doesn't; the kernel's default (handle 0:) is no qdisc at all.
// Interfaces the lab doesn't own are never read for this, so never touched. Values change in place (`tc qdisc
// change`); a new root kind is a delete and an add (tc refuses `replace` of handle 7a0: by another kind). Read by one
// `tc -j -raw qdisc show` per namespace where the file or the record has a shape (-raw: tbf's `limit` in bytes, as
// the kernel keeps it; without it tc prints a latency computed back from it). All of a namespace's tc commands run
// as one `tc -batch`.
import { unescapeSeg, type Finding } from '../core/finding.js';
import type { CheckOptions, FieldDiff, Kind, KindContext } from '../core/kind.js';
import type { LabModel } from '../core/lab-model.js';
import type { IpLink, ToolRead } from '../core/live.js';
import type { Cmd, Resource } from '../model.js';
import { linkClaim, nsClaim, ownsLink, recorded } from './common.js';
import { closeTo, parsePercent, parseRate, parseSize, parseTime, percentText, rateText, textHash, timeText } from './shape-units.js';

/** An interface's shaping as the file writes it (see the schema's `shape`). */
export interface ShapeSpec {
  rate?: string; burst?: string | number; latency?: string; limit?: string | number;
  delay?: string; jitter?: string; loss?: string; duplicate?: string; corrupt?: string; reorder?: string;
  qdisc?: string;
}

declare module '../model.js' {
  interface EndSpec { shape?: ShapeSpec }
  interface NsBridgeSpec { shape?: ShapeSpec }
}
declare module './macvlan.js' {
  interface MacvlanSpec { shape?: ShapeSpec }
}
declare module './vxlan.js' {
  interface VxlanSpec { shape?: ShapeSpec }
}

const KIND = 'shape';
/** topo's mark: the handle of the lab's root qdisc, and of the tbf under its netem. */
export const HANDLE = '7a0:';
export const CHILD = '7a1:';
const CHILD_PARENT = '7a0:1';
/** The kernel's default root qdisc (noqueue, pfifo_fast, mq) has none of its own. */
const DEFAULT_HANDLE = '0:';

const TBF_KEYS = ['rate', 'burst', 'latency', 'limit'] as const;
const NETEM_KEYS = ['delay', 'jitter', 'loss', 'duplicate', 'corrupt', 'reorder'] as const;
type NetemKey = (typeof NETEM_KEYS)[number];
const NETEM_TIMES: readonly NetemKey[] = ['delay', 'jitter'];

/** Latency when the file gives neither latency nor limit (tc needs one: the queue's length in time). */
export const DEFAULT_LATENCY_US = 50_000;
/** Clock ticks a second on this kernel (CONFIG_HZ=250): tc-tbf(8) asks for a burst of at least rate/HZ. */
const HZ = 250;
/** The smallest default burst: a full Ethernet frame at MTU 1500 and then some. */
const MIN_BURST = 1600;
/** An Ethernet header: a frame is its MTU plus this. */
const ETH_HLEN = 14;

/**
 * A shaped interface's queueing discipline. Numbers in the kernel's units: rates in bytes per second, sizes in
 * bytes, times in microseconds, probabilities as fractions. tbf's fields are there when there is a tbf (at the
 * root or under netem), netem's when netem is the root (0 when not asked for).
 */
export interface ShapeProps {
  /** The root qdisc's kind: tbf, netem, or the escape hatch's. */
  root: string;
  /** Live: the root qdisc's handle (HANDLE when it is the lab's). */
  handle?: string;
  rate?: number; burst?: number; limit?: number;
  /** Desired only: the latency the limit was computed from, which the command line gives instead. */
  latency?: number;
  delay?: number; jitter?: number; loss?: number; duplicate?: number; corrupt?: number; reorder?: number;
  /** The escape hatch: its words and their hash (desired); live: the hashes the record lists for the interface. */
  text?: string; hash?: string; hashes?: string[];
}

/** A shaped interface of the file. */
interface Declared { ns: string; name: string; spec: ShapeSpec; path: string; mtu?: number }

/** Every interface of the file whose mapping has a `shape` (its pointer: the interface's `base`). */
export function shapesOf(model: LabModel): Declared[] {
  let found = shapesFound.get(model);
  if (!found) shapesFound.set(model, found = findShapes(model));
  return found;
}
/** shapesOf's answers: validation, the plan and the reads each ask it of the same model. */
const shapesFound = new WeakMap<LabModel, Declared[]>();

function findShapes(model: LabModel): Declared[] {
  const seen = new Set<string>();
  return model.ifaces.flatMap((f) => {
    const spec = (valueAt(model.topo, f.base) as { shape?: ShapeSpec } | undefined)?.shape;
    const key = `${f.ns}/${f.name}`;
    if (!spec || seen.has(key)) return [];
    seen.add(key);
    return [{ ns: f.ns, name: f.name, spec, path: `${f.base}/shape`, mtu: f.mtu }];
  });
}

function valueAt(doc: unknown, ptr: string): unknown {
  let v = doc;
  for (const seg of ptr.split('/').slice(1).map(unescapeSeg)) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}

/** The name of the kind's read (NsLive.reads). */
const READ = 'shape:tc';

/** One queueing discipline as `tc -j qdisc show` prints it. */
interface TcQdisc { kind: string; handle: string; dev?: string; root?: boolean; parent?: string; options?: Record<string, unknown> }

export const shapeKind: Kind<ShapeProps> = {
  name: KIND,
  // Once the interface is there (vxlans are created in config), and last in the stage, after every ip command of
  // the namespace (the NAT table's are the last of those): its tc commands then make one batch after the
  // namespace's one ip batch, instead of splitting it in two (test/unit/shape-kind.test.ts holds it last).
  order: {
    create: { stage: 'config', after: ['vxlan:create', 'nftables:create', 'nftables:update'] },
    update: { stage: 'config', after: ['vxlan:create', 'nftables:create', 'nftables:update'] },
    delete: { stage: 'config', after: ['nftables:create', 'nftables:update'] },
  },
  check: (model, opts) => shapesOf(model).flatMap((d) => shapeFindings(d, opts)),
  desired: (model) => shapesOf(model).flatMap((d) => {
    const props = desiredProps(d);
    return props ? [res(d.ns, d.name, props, d.path)] : [];
  }),
  // Only where the file shapes an interface or the record says the lab has shaped one: a lab without shaping runs
  // no tc at all.
  reads(_topo, ctx, model) {
    const declared = model ? shapesOf(model).map((d) => d.ns) : [];
    const listed = ctx.state.objects.map((k) => /^shape:([^/]+)\//.exec(k)?.[1]).filter((n): n is string => n !== undefined);
    return [...new Set([...declared, ...listed])].map((ns): ToolRead => ({
      name: READ, ns, tool: 'tc', args: ['-j', '-raw', 'qdisc', 'show'], what: 'the queueing disciplines',
      absent: /Cannot open network namespace/, pkg: 'iproute2',
    }));
  },
  live(snap, ctx) {
    return Object.values(snap.ns).flatMap((n) => {
      const doc = n.reads?.[READ];
      if (!Array.isArray(doc)) return [];
      const links = new Map(n.links.map((l) => [l.ifname, l]));
      return liveQdiscs(doc as TcQdisc[], (dev) => owned(ctx, n.name, links.get(dev)), (dev) => recordedHashes(ctx, n.name, dev))
        .map(({ dev, props }) => (props.handle === HANDLE ? { ...res(n.name, dev, props), owned: true } : { ...res(n.name, dev, props), owned: false, adoptable: true }));
    });
  },
  compare: (d, l) => compareShape(d.props, l.props),
  create: (r) => addCmds(r.ns, r.label, r.props).map((c, i) => (i ? c : { ...c, undo: [delRoot(r.ns, r.label)] })),
  update(d, l) {
    const dp = d.props, lp = l.props;
    const dev = d.label;
    // Set by hand (another handle): replaced by the lab's, which the kernel grafts in its place.
    if (lp.handle !== HANDLE) {
      const [root, ...child] = addCmds(d.ns, dev, dp);
      return [{ ...root, args: ['qdisc', 'replace', ...root.args.slice(2)], undo: [delRoot(d.ns, dev)] }, ...child];
    }
    // Another kind at the root: tc can't replace the lab's qdisc by one of another kind under the same handle.
    if (dp.root !== lp.root) {
      const back = restorable(lp) ? addCmds(l.ns, dev, lp) : [];
      return [{ ...delRoot(d.ns, dev), undo: back }, ...addCmds(d.ns, dev, dp).map((c, i) => (i ? c : { ...c, undo: [delRoot(d.ns, dev)] }))];
    }
    const out: Cmd[] = [];
    if (dp.root === 'tbf') out.push({ ...tc(d.ns, 'qdisc', 'change', 'dev', dev, 'root', 'handle', HANDLE, ...tbfArgs(dp)), undo: [tc(d.ns, 'qdisc', 'change', 'dev', dev, 'root', 'handle', HANDLE, ...tbfArgs(lp))] });
    else if (dp.root === 'netem') {
      if (NETEM_KEYS.some((k) => !closeTo(dp[k] ?? 0, lp[k] ?? 0))) {
        out.push({ ...tc(d.ns, 'qdisc', 'change', 'dev', dev, 'root', 'handle', HANDLE, ...netemArgs(dp)), undo: [tc(d.ns, 'qdisc', 'change', 'dev', dev, 'root', 'handle', HANDLE, ...netemArgs(lp))] });
      }
      const child = (verb: string, p: ShapeProps) => tc(d.ns, 'qdisc', verb, 'dev', dev, 'parent', CHILD_PARENT, 'handle', CHILD, ...tbfArgs(p));
      const delChild = tc(d.ns, 'qdisc', 'del', 'dev', dev, 'parent', CHILD_PARENT, 'handle', CHILD);
      if (dp.rate !== undefined && lp.rate === undefined) out.push({ ...child('add', dp), undo: [delChild] });
      else if (dp.rate === undefined && lp.rate !== undefined) out.push({ ...delChild, undo: [child('add', lp)] });
      else if (dp.rate !== undefined && compareTbf(dp, lp).length) out.push({ ...child('change', dp), undo: [child('change', lp)] });
    } else {
      // The escape hatch, same kind, other words: replaced in place (the old words are not known: no undo).
      out.push(tc(d.ns, 'qdisc', 'replace', 'dev', dev, 'root', 'handle', HANDLE, ...dp.text!.split(' ')));
    }
    return out;
  },
  remove: (l) => [{ ...delRoot(l.ns, l.label), undo: restorable(l.props) ? addCmds(l.ns, l.label, l.props) : [] }],
  // Listed so that the namespace is read for it once the file no longer shapes it; the escape hatch's hash with it:
  // as sent (`%`) before the commands run, as applied (`#`) once the apply is verified (verification reads the record
  // as it will then be; a rolled-back apply writes back the record it started from).
  record: {
    intent: (c) => (c.op === 'delete' ? {} : { objects: [c.key, ...hashKeys(c.desired as Resource<ShapeProps>, SENT)] }),
    keep: (r) => ({ objects: [r.key, ...hashKeys(r, APPLIED)] }),
  },
  show: { detail: (r) => ` ${describe(r.props)}` },
  draw: (model, ns) => shapesOf(model).filter((d) => d.ns === ns).flatMap((d) => {
    const p = desiredProps(d);
    return p ? [{ text: describe(p), iface: d.name }] : [];
  }),
};

function res(ns: string, dev: string, props: ShapeProps, path?: string): Resource<ShapeProps> {
  return {
    kind: KIND, key: `${KIND}:${ns}/${dev}`, ns, label: dev, props,
    claims: [`qdisc:${ns}/${dev}/root`], parents: [nsClaim(ns), linkClaim(ns, dev)], path,
  };
}

/** Only on an interface the lab owns is a root qdisc looked at at all. */
const owned = (ctx: KindContext, ns: string, l: IpLink | undefined): boolean => l !== undefined && ownsLink(ctx, ns, l);

/** How the record lists the escape hatch's words: as sent to tc by an apply still running (or killed), as applied. */
const SENT = '%', APPLIED = '#';
const hashKeys = (r: Resource<ShapeProps>, how: string): string[] => (r.props.hash ? [`${r.key}${how}${r.props.hash}`] : []);

/**
 * The hashes of the escape hatch's words the record lists as applied on this interface: one after an apply; the
 * old and the new while one that changes them is verified. Words only sent (an apply killed before tc ran them)
 * don't count: the next apply sends them again.
 */
function recordedHashes(ctx: KindContext, ns: string, dev: string): string[] {
  const prefix = `${KIND}:${ns}/${dev}${APPLIED}`;
  return [...recorded(ctx.state).objects].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
}

/**
 * The root qdiscs of the interfaces the lab owns, as props: the lab's (HANDLE, with its tbf child under netem) and
 * those set by hand (another handle); the kernel's defaults (handle 0:) are left out.
 */
export function liveQdiscs(doc: TcQdisc[], ownedDev: (dev: string) => boolean, hashesOf: (dev: string) => string[] = () => []):
{ dev: string; props: ShapeProps }[] {
  const out: { dev: string; props: ShapeProps }[] = [];
  for (const q of doc) {
    if (!q.root || q.dev === undefined || q.handle === DEFAULT_HANDLE || !ownedDev(q.dev)) continue;
    const props: ShapeProps = { root: q.kind, handle: q.handle };
    if (q.handle === HANDLE) {
      const o = q.options ?? {};
      if (q.kind === 'tbf') Object.assign(props, tbfOf(o));
      else if (q.kind === 'netem') {
        Object.assign(props, netemOf(o));
        const child = doc.find((c) => c.dev === q.dev && c.parent === CHILD_PARENT && c.handle === CHILD && c.kind === 'tbf');
        if (child) Object.assign(props, tbfOf(child.options ?? {}));
      } else props.hashes = hashesOf(q.dev);
    }
    out.push({ dev: q.dev, props });
  }
  return out;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** tbf's options as `tc -j -raw` prints them: rate in bytes per second, burst and limit in bytes. */
function tbfOf(o: Record<string, unknown>): Pick<ShapeProps, 'rate' | 'burst' | 'limit'> {
  return { rate: num(o.rate), burst: num(o.burst), limit: num(o.limit) };
}

/** netem's options as tc prints them in JSON: times in seconds, probabilities as fractions; absent ones are 0. */
function netemOf(o: Record<string, unknown>): Pick<ShapeProps, NetemKey> {
  const sub = (k: string) => (o[k] ?? {}) as Record<string, unknown>;
  const us = (s: unknown) => Math.round((num(s) ?? 0) * 1e6);
  return {
    delay: us(sub('delay').delay), jitter: us(sub('delay').jitter), loss: num(sub('loss-random').loss) ?? 0,
    duplicate: num(sub('duplicate').duplicate) ?? 0, corrupt: num(sub('corrupt').corrupt) ?? 0, reorder: num(sub('reorder').reorder) ?? 0,
  };
}

/** What the file asks for, in the kernel's units (undefined when a value doesn't parse: check() said why). */
export function desiredProps(d: Declared): ShapeProps | undefined {
  const s = d.spec;
  if (s.qdisc !== undefined) {
    const text = s.qdisc.trim().split(/\s+/).join(' ');
    return { root: text.split(' ')[0], text, hash: textHash(text) };
  }
  const netem = NETEM_KEYS.some((k) => s[k] !== undefined);
  const props: ShapeProps = { root: netem ? 'netem' : 'tbf' };
  if (netem) {
    for (const k of NETEM_KEYS) {
      const v = s[k] === undefined ? 0 : NETEM_TIMES.includes(k) ? parseTime(s[k]) : parsePercent(s[k]);
      if (typeof v === 'string') return undefined;
      props[k] = v;
    }
  }
  if (s.rate !== undefined) {
    const rate = parseRate(s.rate);
    const burst = s.burst === undefined ? defaultBurst(rate, d.mtu) : parseSize(s.burst);
    const limit = s.limit === undefined ? undefined : parseSize(s.limit);
    const latency = s.latency === undefined ? (limit === undefined ? DEFAULT_LATENCY_US : undefined) : parseTime(s.latency);
    if ([rate, burst, limit, latency].some((v) => typeof v === 'string')) return undefined;
    Object.assign(props, { rate, burst, limit: limit ?? limitOf(rate as number, burst as number, latency as number), latency });
  } else if (!netem) return undefined;
  return props;
}

/**
 * The burst when the file gives none: what the rate sends in one clock tick (rate/HZ, tc-tbf(8)'s minimum for
 * reaching the rate), at least MIN_BURST and a full frame at the interface's MTU (a packet larger than the burst
 * never gets through: the kernel drops it).
 */
export const defaultBurst = (rate: number | string, mtu = 1500): number =>
  Math.max(typeof rate === 'number' ? Math.ceil(rate / HZ) : 0, MIN_BURST, mtu + ETH_HLEN);

/** tbf's limit from a latency, as tc computes it (q_tbf.c: rate * latency + burst, truncated to bytes). */
export const limitOf = (rate: number, burst: number, latencyUs: number): number => Math.floor((rate * latencyUs) / 1e6 + burst);

/**
 * Differences that need an update, [field, live, desired] in the file's spelling. tbf's burst reads back within a
 * microsecond's worth of the rate (the kernel keeps it as a time in ticks; tc turns it back into whole microseconds
 * before bytes: 32768 at 10mbit reads 32767, 500000 at 40gbit reads 495000).
 */
export function compareShape(d: ShapeProps, l: ShapeProps): FieldDiff[] {
  if (l.handle !== undefined && l.handle !== HANDLE) return [['qdisc', `${l.root} ${l.handle} (set by hand)`, describe(d)]];
  if (d.root !== l.root) return [['qdisc', l.root, d.root]];
  if (d.text !== undefined) {
    const hashes = l.hashes ?? [];
    return hashes.includes(d.hash!) ? [] : [['qdisc', hashes.length ? `${l.root} (other options)` : `${l.root} (options not recorded)`, d.text]];
  }
  const out: FieldDiff[] = [];
  if (d.root === 'netem') {
    for (const k of NETEM_KEYS) {
      const dv = d[k] ?? 0, lv = l[k] ?? 0;
      if (!closeTo(dv, lv)) out.push([k, netemText(k, lv), netemText(k, dv)]);
    }
  }
  if (d.rate === undefined && l.rate !== undefined) out.push(['rate', rateText(l.rate), 'none']);
  else if (d.rate !== undefined) out.push(...compareTbf(d, l));
  return out;
}

function compareTbf(d: ShapeProps, l: ShapeProps): FieldDiff[] {
  if (l.rate === undefined) return [['rate', 'none', rateText(d.rate!)]];
  const out: FieldDiff[] = [];
  if (d.rate !== l.rate) out.push(['rate', rateText(l.rate), rateText(d.rate!)]);
  if (l.burst === undefined || Math.abs(d.burst! - l.burst) > Math.ceil(d.rate! / 1e6) + 1) out.push(['burst', l.burst, d.burst]);
  if (d.limit !== l.limit) out.push(['limit', l.limit, d.limit]);
  return out;
}

const netemText = (k: NetemKey, v: number): string => (v === 0 ? 'none' : NETEM_TIMES.includes(k) ? timeText(v) : percentText(v));

/** How `topo show` and the graph write a shaping: "tbf 10mbit burst 1600 limit 64100", "netem delay 20ms loss 1% + tbf 1mbit". */
export function describe(p: ShapeProps): string {
  if (p.text !== undefined) return p.text;
  if (p.root !== 'tbf' && p.root !== 'netem') return p.root;
  const tbf = p.rate === undefined ? '' : `tbf ${rateText(p.rate)} burst ${p.burst} limit ${p.limit}`;
  if (p.root === 'tbf') return tbf;
  const netem = NETEM_KEYS.filter((k) => (p[k] ?? 0) !== 0).map((k) => `${k} ${netemText(k, p[k]!)}`).join(' ');
  return `netem${netem ? ` ${netem}` : ''}${tbf ? ` + ${tbf}` : ''}`;
}

const tc = (ns: string, ...args: string[]): Cmd => ({ ns, tool: 'tc', args });
const delRoot = (ns: string, dev: string): Cmd => tc(ns, 'qdisc', 'del', 'dev', dev, 'root');

/** Can these props be made again (for an undo)? Not the escape hatch's, whose words are not read back. */
const restorable = (p: ShapeProps): boolean => p.root === 'tbf' ? p.rate !== undefined : p.root === 'netem';

/** The commands that add this shaping to an interface that has none of the lab's: its root, then netem's tbf child. */
function addCmds(ns: string, dev: string, p: ShapeProps): Cmd[] {
  const root = ['qdisc', 'add', 'dev', dev, 'root', 'handle', HANDLE];
  if (p.text !== undefined) return [tc(ns, ...root, ...p.text.split(' '))];
  if (p.root === 'tbf') return [tc(ns, ...root, ...tbfArgs(p))];
  return [
    tc(ns, ...root, ...netemArgs(p)),
    ...(p.rate !== undefined ? [tc(ns, 'qdisc', 'add', 'dev', dev, 'parent', CHILD_PARENT, 'handle', CHILD, ...tbfArgs(p))] : []),
  ];
}

/** `tbf rate R burst B latency L` (as the file said it) or `limit N`: tc computes the same limit from either. */
function tbfArgs(p: ShapeProps): string[] {
  const queue = p.latency !== undefined ? ['latency', timeText(p.latency)] : ['limit', String(p.limit)];
  return ['tbf', 'rate', rateText(p.rate!), 'burst', String(p.burst), ...queue];
}

/** `netem delay D [JITTER] loss P duplicate P corrupt P reorder P`, each only when not 0. */
function netemArgs(p: ShapeProps): string[] {
  const out = ['netem'];
  if (p.delay) out.push('delay', timeText(p.delay), ...(p.jitter ? [timeText(p.jitter)] : []));
  for (const k of ['loss', 'duplicate', 'corrupt', 'reorder'] as const) if (p[k]) out.push(k, percentText(p[k]!));
  return out;
}

/** Root qdiscs topo knows the kernel option of: refused up front where the kernel's configuration says it lacks one. */
const QDISC_OPTION: Record<string, string> = {
  tbf: 'NET_SCH_TBF', netem: 'NET_SCH_NETEM', htb: 'NET_SCH_HTB', pfifo: 'NET_SCH_FIFO', bfifo: 'NET_SCH_FIFO',
  fq_codel: 'NET_SCH_FQ_CODEL', fq: 'NET_SCH_FQ', sfq: 'NET_SCH_SFQ', prio: 'NET_SCH_PRIO', cake: 'NET_SCH_CAKE',
  red: 'NET_SCH_RED', hfsc: 'NET_SCH_HFSC', codel: 'NET_SCH_CODEL', pie: 'NET_SCH_PIE', drr: 'NET_SCH_DRR', multiq: 'NET_SCH_MULTIQ',
};
/** Words of the escape hatch that topo writes itself (the qdisc's place and handle) or that are no root qdisc. */
const NOT_IN_TEXT = new Set(['dev', 'root', 'parent', 'handle', 'ingress', 'clsact']);

function shapeFindings(d: Declared, opts: CheckOptions): Finding[] {
  const out: Finding[] = [];
  const s = d.spec;
  const at = (k: string) => `${d.path}/${k}`;
  const declared = (Object.keys(s) as (keyof ShapeSpec)[]).filter((k) => s[k] !== undefined);
  const bad = (k: string, message: string, hint?: string) => out.push({ code: 'bad-shape', path: at(k), message, ...(hint ? { hint } : {}) });
  if (!declared.length) {
    out.push({ code: 'bad-shape', path: d.path, message: `shape of ${d.name}: nothing to shape`, hint: 'rate (tbf), delay, loss, ... (netem), or qdisc: "<tc qdisc text>"' });
    return out;
  }
  if (s.qdisc !== undefined) {
    const others = declared.filter((k) => k !== 'qdisc');
    if (others.length) bad(others[0], `${others[0]}: not with qdisc (the escape hatch is the whole root qdisc, in tc's words)`, 'write every option inside qdisc, or leave qdisc out');
    const words = s.qdisc.trim().split(/\s+/);
    const banned = words.find((w) => NOT_IN_TEXT.has(w));
    if (banned) bad('qdisc', `qdisc: ${JSON.stringify(banned)} is topo's to write (the lab's qdisc is the interface's root, with handle ${HANDLE})`, `only the qdisc's kind and its options, e.g. "htb default 10"`);
    kernelFinding(words[0], 'qdisc', d, opts, out);
    return out;
  }
  for (const k of NETEM_KEYS) {
    const v = s[k];
    if (v === undefined) continue;
    const p = NETEM_TIMES.includes(k) ? parseTime(v) : parsePercent(v);
    if (typeof p === 'string') bad(k, `${k}: ${p}`);
  }
  for (const k of ['jitter', 'reorder'] as const) {
    if (s[k] !== undefined && s.delay === undefined) bad(k, `${k} needs a delay (netem ${k === 'jitter' ? 'varies the delay' : 'reorders by sending some packets at once while the others wait the delay'})`, 'add delay: e.g. 10ms');
  }
  if (s.rate === undefined) {
    const k = TBF_KEYS.find((x) => s[x] !== undefined);
    if (k) bad(k, `${k} needs a rate (tbf shapes to a rate; ${k} is its ${k === 'burst' ? 'bucket' : 'queue'})`, 'add rate: e.g. 10mbit');
  } else {
    const rate = parseRate(s.rate);
    if (typeof rate === 'string') bad('rate', `rate: ${rate}`);
    if (s.latency !== undefined && s.limit !== undefined) bad('limit', 'limit: not with latency (the queue is given by one of them: tc computes the limit from the latency)', 'leave one out');
    const lat = s.latency === undefined ? undefined : parseTime(s.latency);
    if (typeof lat === 'string') bad('latency', `latency: ${lat}`);
    const limit = s.limit === undefined ? undefined : parseSize(s.limit);
    if (typeof limit === 'string') bad('limit', `limit: ${limit}`);
    if (s.burst !== undefined) {
      const burst = parseSize(s.burst);
      const frame = (d.mtu ?? 1500) + ETH_HLEN;
      if (typeof burst === 'string') bad('burst', `burst: ${burst}`);
      else if (burst < frame) {
        bad('burst', `burst ${burst} is less than a full frame on ${d.name} (${frame} bytes at MTU ${d.mtu ?? 1500}): the kernel drops every packet larger than the burst`,
          `at least ${frame}; left out, it is ${defaultBurst(rate, d.mtu)} (rate/${HZ}, at least ${MIN_BURST} and a full frame)`);
      } else if (typeof limit === 'number' && limit < burst) bad('limit', `limit ${limit} is less than the burst (${burst}): tc refuses it`, `at least ${burst}`);
    }
    kernelFinding('tbf', 'rate', d, opts, out);
  }
  const netem = NETEM_KEYS.find((k) => s[k] !== undefined);
  if (netem) kernelFinding('netem', netem, d, opts, out);
  return out;
}

/** A qdisc this kernel was built without (its configuration says so): refused at the field that asks for it. */
function kernelFinding(qdisc: string, key: string, d: Declared, opts: CheckOptions, out: Finding[]): void {
  const option = QDISC_OPTION[qdisc];
  if (!option || opts.kernelConfig?.(option) !== false) return;
  out.push({
    code: 'kernel-feature-missing', path: `${d.path}/${key}`,
    message: `${key}: this kernel has no ${qdisc} queueing discipline (CONFIG_${option} is not set: no module sch_${qdisc}); tc would refuse it with "Specified qdisc kind is unknown"`,
    hint: qdisc === 'netem'
      ? 'netem (delay, jitter, loss, duplicate, corrupt, reorder) needs a kernel with the module sch_netem (modprobe sch_netem); rate, burst and latency (tbf) work without it'
      : `use a kernel built with CONFIG_${option}, or another qdisc`,
  });
}
