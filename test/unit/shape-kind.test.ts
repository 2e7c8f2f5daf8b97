// The shape kind on qdiscs captured from the kernel (test/fixtures/kernel/shape: `tc -j -raw qdisc show`, kernel 6.18,
// iproute2 6.1): tc's spellings of rates, sizes and times converge with what the kernel reads back, a converged lab
// plans nothing, the commands of a creation, a change in place, a hand-set qdisc replaced, a new root kind, a
// removal; ownership (handle 7a0: on an interface the lab owns; nothing read elsewhere); the read declared only where
// shaping is; netem read from a fixture written from iproute2's source (this kernel has no sch_netem).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { KindContext } from '../../src/core/kind.js';
import { resolveLab } from '../../src/core/lab-model.js';
import type { IpLink, LiveSnapshot } from '../../src/core/live.js';
import { order, ranks } from '../../src/core/order.js';
import { finalState, intentState, KINDS, planFrom } from '../../src/kinds/index.js';
import { mergeState } from '../../src/core/state.js';
import { compareShape, defaultBurst, desiredProps, liveQdiscs, shapeKind, type ShapeProps, type ShapeSpec } from '../../src/kinds/shape.js';
import { parseRate, parseSize, parseTime, rateText } from '../../src/kinds/shape-units.js';
import type { Resource, Step, Topology } from '../../src/model.js';
import { ROOT } from '../helpers/sandbox.js';
import { ALIAS, bridge, ctxOf, lo, ns, snapshot, veth } from './live-fixtures.js';

const fixture = (name: string) => JSON.parse(readFileSync(`${ROOT}test/fixtures/kernel/shape/${name}`, 'utf8'));
const RATES = fixture('tbf-rates.json');
const HAND = fixture('hand-set.json');
const NETEM = fixture('netem-tbf-child.synthesized.json');

/** Namespace S as capture.sh made it: veth pairs a0/a1, b0/b1, c0/c1, d0/d1 inside it, and br0. */
const PAIRS = [['a0', 'a1'], ['b0', 'b1'], ['c0', 'c1'], ['d0', 'd1']];
function topo(shapes: Record<string, ShapeSpec>): Topology {
  const end = (name: string) => ({ name, namespace: 'S', ...(shapes[name] ? { shape: shapes[name] } : {}) });
  return {
    name: 'lab', namespaces: { S: { bridges: { br0: shapes.br0 ? { shape: shapes.br0 } : {} } } },
    veths: PAIRS.map(([a, b]) => ({ ends: [end(a), end(b)] as [ReturnType<typeof end>, ReturnType<typeof end>] })),
  };
}
function links(owned = true): IpLink[] {
  const alias = owned ? {} : { ifalias: undefined };
  return [lo(), ...PAIRS.flatMap(([a, b], i) => [veth(a, 10 + 2 * i, 11 + 2 * i, undefined, alias), veth(b, 11 + 2 * i, 10 + 2 * i, undefined, alias)]), bridge('br0', 30, alias)];
}
function snap(doc: unknown, o: { owned?: boolean } = {}): LiveSnapshot {
  const s = ns('S', links(o.owned ?? true));
  s.reads = { 'shape:tc': doc };
  return snapshot(ns('host', [lo('')]), s);
}
const steps = (t: Topology, s: LiveSnapshot, c: KindContext = ctxOf()): Step[] => planFrom(t, s, c).plan.steps.filter((x) => x.kind === 'shape');
const declared = (spec: ShapeSpec, mtu?: number) => desiredProps({ ns: 'S', name: 'a0', spec, path: '/x/shape', mtu })!;

/** What the fixture's qdiscs were made with (capture.sh), as the file would say it. */
const CAPTURED: Record<string, ShapeSpec> = {
  a0: { rate: '1mbit', burst: 1600, latency: '50ms' },
  b0: { rate: '10mbit', burst: '32kb', latency: '50ms' },
  c0: { rate: '1gbit', burst: 125000, latency: '50ms' },
  d0: { rate: '40gbit', burst: 500000, latency: '1ms' },
  a1: { rate: '1.5mbit', burst: 1600, limit: 3000 },
};

describe('shape: tc\'s spellings converge with what the kernel reads back', () => {
  it('rates in any unit and case are the same bytes per second; bytes per second refused with why', () => {
    for (const r of ['10mbit', '10Mbit', '10MBIT', '10000kbit', '0.01gbit', '10000000bit']) expect(parseRate(r)).toBe(1250000);
    expect(parseRate('1.5mbit')).toBe(187500);
    expect(parseRate('1kibit')).toBe(128);
    expect(parseRate('10mbps')).toContain('tc reads mbps as bytes per second; write the rate in bits per second (e.g. 80mbit)');
    expect(parseRate('10')).toContain('is not a rate');
    expect(parseRate('10furlongs')).toContain('unknown unit "furlongs"');
    expect(rateText(1250000)).toBe('10mbit');
    expect(rateText(187500)).toBe('1500kbit');
    expect(rateText(5_000_000_000)).toBe('40gbit');
  });

  it('sizes (1024-based, as tc) and times (truncated to microseconds)', () => {
    for (const s of ['32kb', '32K', '32768', '32768b', 32768, '0.03125mb', '256kbit']) expect(parseSize(s)).toBe(32768);
    for (const t of ['50ms', '50000us', '0.05s']) expect(parseTime(t)).toBe(50000);
    expect(parseSize('1.5k')).toBe(1536);
    expect(parseSize('12 apples')).toContain('is not a size');
  });

  it('every captured tbf, declared in any of those spellings, compares equal to its read-back (burst within a microsecond of the rate)', () => {
    const live = new Map(liveQdiscs(RATES, () => true).map((q) => [q.dev, q.props]));
    const spellings: Record<string, ShapeSpec[]> = {
      a0: [CAPTURED.a0, { rate: '1Mbit', burst: '1600b', latency: '50000us' }, { rate: '1000kbit', burst: 1600 }],
      b0: [CAPTURED.b0, { rate: '10Mbit', burst: 32768, latency: '0.05s' }, { rate: '0.01gbit', burst: '32K' }],
      c0: [CAPTURED.c0, { rate: '1000mbit', burst: '125000', latency: '50ms' }],
      d0: [CAPTURED.d0, { rate: '40000mbit', burst: 500000, latency: '1000us' }],
      a1: [CAPTURED.a1, { rate: '1500kbit', burst: '1600', limit: '3000b' }],
    };
    for (const [dev, specs] of Object.entries(spellings)) {
      for (const spec of specs) expect(compareShape(declared(spec), live.get(dev)!), `${dev} ${JSON.stringify(spec)}`).toEqual([]);
    }
    // What the kernel read back: the limit exactly as tc computed it from the latency (rate x latency + burst).
    expect(live.get('b0')).toEqual({ root: 'tbf', handle: '7a0:', rate: 1250000, burst: 32767, limit: 95268 });
    expect(declared(CAPTURED.b0)).toMatchObject({ rate: 1250000, burst: 32768, limit: 95268, latency: 50000 });
  });

  it('the default burst: rate/HZ (250), at least 1600 bytes and a full frame at the interface\'s MTU', () => {
    expect(declared({ rate: '1mbit' })).toMatchObject({ burst: 1600, limit: 7850 });
    expect(declared({ rate: '1gbit' })).toMatchObject({ burst: 500000 });
    expect(defaultBurst(125000, 9000)).toBe(9014);
  });
});

describe('shape: planning on the captured lab', () => {
  const ALL = { ...CAPTURED };

  it('a converged lab plans nothing; the kernel\'s default qdiscs (noqueue, handle 0:) are no one\'s', () => {
    expect(steps(topo(ALL), snap(RATES))).toEqual([]);
    expect(planFrom(topo(ALL), snap(RATES), ctxOf()).live.filter((r) => r.kind === 'shape').map((r) => r.label).sort()).toEqual(['a0', 'a1', 'b0', 'c0', 'd0']);
  });

  it('creation: one tc add per interface, last in the config stage (one tc batch after the namespace\'s ip batch), undone by deleting the root', () => {
    const t = topo({ a0: { rate: '1mbit' }, br0: { rate: '10mbit', latency: '20ms' } });
    const s = steps(t, snap([]));
    // In the file's order of interfaces (the resolved model's: bridges first).
    expect(s.map((x) => [x.op, x.label, x.stage])).toEqual([['create', 'br0', 'config'], ['create', 'a0', 'config']]);
    expect(s[1].cmds).toEqual([{ ns: 'S', tool: 'tc', args: ['qdisc', 'add', 'dev', 'a0', 'root', 'handle', '7a0:', 'tbf', 'rate', '1mbit', 'burst', '1600', 'latency', '50ms'],
      undo: [{ ns: 'S', tool: 'tc', args: ['qdisc', 'del', 'dev', 'a0', 'root'] }] }]);
    expect(s[0].cmds[0].args.slice(7)).toEqual(['tbf', 'rate', '10mbit', 'burst', '5000', 'latency', '20ms']);
    const r = ranks(KINDS);
    const config = [...r].filter(([id, n]) => Math.floor(n / 1000) === Math.floor(r.get('shape:create')! / 1000) && !id.startsWith('shape:'));
    for (const op of ['create', 'update', 'delete']) expect(r.get(`shape:${op}`)).toBeGreaterThan(Math.max(...config.map(([, n]) => n)));
  });

  it('a changed rate: `tc qdisc change` in place, undone by changing it back; only the fields that differ are shown', () => {
    const s = steps(topo({ ...ALL, b0: { rate: '20mbit', burst: '32kb', latency: '50ms' } }), snap(RATES));
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ op: 'update', label: 'b0', fields: [['rate', '10mbit', '20mbit'], ['limit', 95268, 157768]] });
    expect(s[0].cmds).toEqual([{ ns: 'S', tool: 'tc', args: ['qdisc', 'change', 'dev', 'b0', 'root', 'handle', '7a0:', 'tbf', 'rate', '20mbit', 'burst', '32768', 'latency', '50ms'],
      undo: [{ ns: 'S', tool: 'tc', args: ['qdisc', 'change', 'dev', 'b0', 'root', 'handle', '7a0:', 'tbf', 'rate', '10mbit', 'burst', '32767', 'limit', '95268'] }] }]);
  });

  it('a root qdisc set by hand (another handle) is drift where shape is declared: replaced by the lab\'s; left alone where not', () => {
    const s = steps(topo(ALL), snap(HAND));
    const b0 = s.find((x) => x.label === 'b0')!;
    expect(b0).toMatchObject({ op: 'update', fields: [['qdisc', 'pfifo 8004: (set by hand)', 'tbf 10mbit burst 32768 limit 95268']] });
    expect(b0.cmds.map((c) => c.args.join(' '))).toEqual(['qdisc replace dev b0 root handle 7a0: tbf rate 10mbit burst 32768 latency 50ms']);
    // c0 holds an htb at the lab's handle: another kind at the root, deleted and added (tc can't replace it by a tbf).
    const c0 = s.find((x) => x.label === 'c0')!;
    expect(c0.fields).toEqual([['qdisc', 'htb', 'tbf']]);
    expect(c0.cmds.map((c) => c.args.join(' '))).toEqual(['qdisc del dev c0 root', 'qdisc add dev c0 root handle 7a0: tbf rate 1gbit burst 125000 latency 50ms']);
    // Not declared: the hand-set pfifo is nobody's to delete; the lab's own htb is pruned.
    const { b0: _b, c0: _c, ...rest } = ALL;
    const pruned = steps(topo(rest), snap(HAND));
    expect(pruned.map((x) => [x.op, x.label])).toEqual([['delete', 'c0']]);
    expect(pruned[0].cmds).toEqual([{ ns: 'S', tool: 'tc', args: ['qdisc', 'del', 'dev', 'c0', 'root'], undo: [] }]);
  });

  it('shape removed from the file: `tc qdisc del ... root`, undone by adding it back as read', () => {
    const { a0: _, ...rest } = ALL;
    const s = steps(topo(rest), snap(RATES));
    expect(s.map((x) => [x.op, x.label])).toEqual([['delete', 'a0']]);
    expect(s[0].cmds).toEqual([{ ns: 'S', tool: 'tc', args: ['qdisc', 'del', 'dev', 'a0', 'root'],
      undo: [{ ns: 'S', tool: 'tc', args: ['qdisc', 'add', 'dev', 'a0', 'root', 'handle', '7a0:', 'tbf', 'rate', '1mbit', 'burst', '1600', 'limit', '7850'] }] }]);
  });

  it('the interface deleted: its qdisc goes with it (no command of its own)', () => {
    const t: Topology = { ...topo(ALL), veths: topo(ALL).veths!.filter((v) => v.ends[0].name !== 'a0') };
    const p = planFrom(t, snap(RATES), ctxOf()).plan;
    expect(p.steps.filter((x) => x.kind === 'shape')).toEqual([]);
    expect(p.subsumed.filter((x) => x.kind === 'shape').map((x) => x.label).sort()).toEqual(['a0', 'a1']);
  });

  it('interfaces the lab doesn\'t own: their qdiscs (even with handle 7a0:) are not the lab\'s, never changed or deleted', () => {
    expect(planFrom(topo({}), snap(RATES, { owned: false }), ctxOf()).live.filter((r) => r.kind === 'shape')).toEqual([]);
    expect(liveQdiscs(RATES, (dev) => dev === 'a0').map((q) => q.dev)).toEqual(['a0']);
  });
});

describe('shape: the escape hatch', () => {
  const ctx = (hash?: string) => ctxOf({ objects: ['shape:S/c0', ...(hash ? [`shape:S/c0#${hash}`] : [])] });
  /** The fixture's other tbfs are the lab's too: declared as they are (b0's pfifo, set by hand, is left alone). */
  const lab = (c0: ShapeSpec) => topo({ a0: CAPTURED.a0, a1: CAPTURED.a1, d0: CAPTURED.d0, c0 });
  const HTB: ShapeSpec = { qdisc: ' htb   default 10 ' };

  it('its words as the root qdisc; converged when the kind read back and the recorded hash of the words agree', () => {
    const d = declared(HTB);
    expect(d).toMatchObject({ root: 'htb', text: 'htb default 10' });
    expect(steps(topo({ c0: HTB }), snap([]))[0].cmds[0].args).toEqual(['qdisc', 'add', 'dev', 'c0', 'root', 'handle', '7a0:', 'htb', 'default', '10']);
    expect(steps(lab(HTB), snap(HAND), ctx(d.hash))).toEqual([]);
    const rec = finalState(ctxOf().state, planFrom(topo({ c0: HTB }), snap(HAND), ctx(d.hash)).desired);
    expect(rec.objects).toEqual(['shape:S/c0', `shape:S/c0#${d.hash}`]);
  });

  it('other words (or none recorded): replaced in place; another kind: deleted and added', () => {
    const other = steps(lab({ qdisc: 'htb default 20' }), snap(HAND), ctx(declared(HTB).hash));
    expect(other[0]).toMatchObject({ op: 'update', fields: [['qdisc', 'htb (other options)', 'htb default 20']] });
    expect(other[0].cmds.map((c) => c.args.join(' '))).toEqual(['qdisc replace dev c0 root handle 7a0: htb default 20']);
    expect(steps(lab(HTB), snap(HAND), ctx())[0].fields).toEqual([['qdisc', 'htb (options not recorded)', 'htb default 10']]);
    // The record before the commands run lists the new words as sent (%), not applied: an apply killed before tc
    // ran them leaves a record that plans them again. Verification reads the record as it will be once verified
    // (intent and final merged: the new words applied); the record after the apply keeps only theirs.
    const h20 = declared({ qdisc: 'htb default 20' }).hash!;
    const planned = planFrom(lab({ qdisc: 'htb default 20' }), snap(HAND), ctx(declared(HTB).hash));
    const intent = intentState(ctx(declared(HTB).hash).state, planned.plan);
    expect(intent.objects.filter((k) => k.startsWith('shape:S/c0'))).toEqual(['shape:S/c0', `shape:S/c0#${declared(HTB).hash}`, `shape:S/c0%${h20}`].sort());
    expect(steps(lab({ qdisc: 'htb default 20' }), snap(HAND), { ...ctxOf(), state: intent })[0].fields).toEqual([['qdisc', 'htb (other options)', 'htb default 20']]);
    const final = finalState(intent, planned.desired);
    expect(final.objects.filter((k) => k.startsWith('shape:S/c0'))).toEqual(['shape:S/c0', `shape:S/c0#${h20}`]);
    expect(steps(lab({ qdisc: 'htb default 20' }), snap(HAND), { ...ctxOf(), state: mergeState(intent, final) })).toEqual([]);
    const pfifo = steps(lab({ qdisc: 'pfifo limit 100' }), snap(HAND), ctx());
    expect(pfifo[0].cmds.map((c) => c.args.join(' '))).toEqual(['qdisc del dev c0 root', 'qdisc add dev c0 root handle 7a0: pfifo limit 100']);
  });
});

describe('shape: netem (fixture written from iproute2 6.1\'s source: this kernel has no sch_netem)', () => {
  const owned = (dev: string) => dev.startsWith('eth');
  const live = new Map(liveQdiscs(NETEM, owned).map((q) => [q.dev, q.props]));
  const BOTH: ShapeSpec = { delay: '20ms', jitter: '5ms', loss: '1%', reorder: '25%', rate: '1mbit' };

  it('netem at the root, its tbf child under 7a0:1 read into the same props; they converge with the file', () => {
    expect(live.get('eth0')).toEqual({ root: 'netem', handle: '7a0:', delay: 20000, jitter: 5000, loss: 0.01, duplicate: 0, corrupt: 0, reorder: 0.25, rate: 125000, burst: 1600, limit: 7850 });
    expect(compareShape(declared(BOTH), live.get('eth0')!)).toEqual([]);
    expect(compareShape(declared({ duplicate: '0.5%', corrupt: '0.1%' }), live.get('eth1')!)).toEqual([]);
  });

  it('created as netem at the root, then the tbf under it; a change changes each in place; the tbf removed alone', () => {
    const p: ShapeProps = declared(BOTH);
    const create = shapeKind.create({ ...res('eth0'), props: p }, ctxOf());
    expect(create.map((c) => c.args.join(' '))).toEqual([
      'qdisc add dev eth0 root handle 7a0: netem delay 20ms 5ms loss 1% reorder 25%',
      'qdisc add dev eth0 parent 7a0:1 handle 7a1: tbf rate 1mbit burst 1600 latency 50ms',
    ]);
    const d = declared({ ...BOTH, loss: '2%', rate: '2mbit' });
    const fields = compareShape(d, live.get('eth0')!);
    expect(fields).toEqual([['loss', '1%', '2%'], ['rate', '1mbit', '2mbit'], ['limit', 7850, 14100]]);
    const upd = shapeKind.update({ ...res('eth0'), props: d }, { ...res('eth0'), props: live.get('eth0')! }, fields, ctxOf());
    expect(upd.map((c) => c.args.join(' '))).toEqual([
      'qdisc change dev eth0 root handle 7a0: netem delay 20ms 5ms loss 2% reorder 25%',
      'qdisc change dev eth0 parent 7a0:1 handle 7a1: tbf rate 2mbit burst 1600 latency 50ms',
    ]);
    const { rate: _, ...noTbf } = BOTH;
    const drop = shapeKind.update({ ...res('eth0'), props: declared(noTbf) }, { ...res('eth0'), props: live.get('eth0')! }, [], ctxOf());
    expect(drop.map((c) => c.args.join(' '))).toEqual(['qdisc del dev eth0 parent 7a0:1 handle 7a1:']);
  });
});

describe('shape: what is read, shown and drawn', () => {
  it('tc runs only in namespaces with a shaped interface, or where the record lists one', () => {
    const t = topo({ a0: { rate: '1mbit' } });
    const reads = (x: Topology | undefined, c = ctxOf()) => shapeKind.reads!(x, c, x && resolveLab(x, KINDS));
    expect(reads(t)).toEqual([{ name: 'shape:tc', ns: 'S', tool: 'tc', args: ['-j', '-raw', 'qdisc', 'show'], what: 'the queueing disciplines', absent: /Cannot open network namespace/, pkg: 'iproute2' }]);
    expect(reads(topo({}))).toEqual([]);
    expect(reads(undefined, ctxOf({ objects: ['shape:S/a0', 'rule:S/6/100'] })).map((r) => r.ns)).toEqual(['S']);
  });

  it('show and graph: the qdisc in its own words on the interface', () => {
    const l = planFrom(topo(CAPTURED), snap(RATES), ctxOf()).live.find((r) => r.key === 'shape:S/b0') as Resource<ShapeProps>;
    expect(shapeKind.show!.detail!(l)).toBe(' tbf 10mbit burst 32767 limit 95268');
    const model = resolveLab(topo({ a0: { rate: '1mbit' } }), KINDS);
    expect(shapeKind.draw!(model, 'S')).toEqual([{ text: 'tbf 1mbit burst 1600 limit 7850', iface: 'a0' }]);
  });

  it('plans order like any other kind (the registry\'s order function accepts it)', () => {
    expect(() => order('lab', [], KINDS, ctxOf())).not.toThrow();
    expect(ALIAS).toBe('topo:lab');
  });
});

function res(dev: string): Resource<ShapeProps> {
  return { kind: 'shape', key: `shape:S/${dev}`, ns: 'S', label: dev, claims: [], parents: [], props: { root: '' } };
}
