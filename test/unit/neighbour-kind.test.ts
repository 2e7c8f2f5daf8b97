// The neighbour kind inside the pure pipeline, on the kernel's own JSON (test/fixtures/kernel/neigh, captured on
// kernel 6.18 / iproute2 6.1): which entries are the lab's (protocol 241 in a lab namespace; in the host, also on an
// interface the lab owns), what is drift and what a conflict, the commands and their undo, where they run, and the
// plans that make the kernel flush the entries (an interface taken down or given another MAC, its last IPv4
// address deleted), which add them again.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { IpLink, NsLive } from '../../src/core/live.js';
import { finalState, intentState, planFrom } from '../../src/kinds/index.js';
import { neighbourKind } from '../../src/kinds/neighbour.js';
import type { Topology } from '../../src/model.js';
import { visibleSteps } from '../../src/render/plan.js';
import { LAB, ctxOf, lo, ns, snapshot, v4, v6, veth } from './live-fixtures.js';

const fixture = (name: string): unknown[] => JSON.parse(readFileSync(new URL(`../fixtures/kernel/neigh/${name}`, import.meta.url), 'utf8'));
const withNeigh = (n: NsLive, doc: unknown[]): NsLive => ({ ...n, ipDocs: { neighbour: doc } });

/** Namespace a holds e0 (10.0.0.1/24, fd00::1/64) paired with e1 in b. */
const e0 = (o: Partial<IpLink> = {}) => veth('e0', 2, 2, 0, { addr_info: [v4('10.0.0.1/24'), v6('fd00::1/64')], ...o });
const live = (doc: unknown[], o: Partial<IpLink> = {}) => snapshot(ns('host', [lo('')]),
  withNeigh(ns('a', [lo(), e0(o)], { nsids: { 0: 'b' } }), doc), withNeigh(ns('b', [lo(), veth('e1', 2, 2, 0)], { nsids: { 0: 'a' } }), []));
const topo = (neighbours: { address: string; lladdr: string; dev: string }[], end: Record<string, unknown> = {}): Topology => ({
  name: LAB, namespaces: { a: { neighbours }, b: {} },
  veths: [{ ends: [{ name: 'e0', namespace: 'a', addresses: ['10.0.0.1/24', 'fd00::1/64'], ...end }, { name: 'e1', namespace: 'b' }] }],
});
const steps = (t: Topology, s: ReturnType<typeof live>) => visibleSteps(planFrom(t, s, ctxOf()).plan);
const neighSteps = (t: Topology, s: ReturnType<typeof live>) => steps(t, s).filter((x) => x.kind === 'neighbour');
const lines = (xs: { cmds: { args: string[] }[] }[]) => xs.flatMap((x) => x.cmds.map((c) => c.args.join(' ')));
const OURS = { address: '10.0.0.5', lladdr: '02:00:00:00:00:05', dev: 'e0' };
const OURS6 = { address: 'fd00::5', lladdr: '02:00:00:00:00:15', dev: 'e0' };

describe('neighbour kind: what is the lab\'s', () => {
  it('reads `neigh show nud permanent`, in the batch that reads a namespace where the file declares entries or the record lists some', () => {
    expect(neighbourKind.ipReads).toEqual([{ name: 'neighbour', line: 'neigh show nud permanent' }]);
    const t = topo([OURS]);
    expect(neighbourKind.ipReadsOnly!(t, ctxOf({ objects: ['neighbour:c/e5/10.0.0.9', 'rule:d/4/7'] }))).toEqual(['a', 'c']);
    expect(neighbourKind.ipReadsOnly!(undefined, ctxOf())).toEqual([]);
    expect(neighbourKind.ipReadsOnly!(t, ctxOf({ unlisted: true }))).toBeUndefined(); // a record that doesn't list them: everywhere
  });

  it('lists every entry the lab makes in the record, from before it is added', () => {
    const p = planFrom(topo([OURS, OURS6]), live([]), ctxOf());
    const intent = intentState(ctxOf().state, p.plan);
    expect(intent.objects).toEqual(['neighbour:a/e0/10.0.0.5', 'neighbour:a/e0/fd00::5']);
    expect(finalState(intent, p.desired).objects).toEqual(['neighbour:a/e0/10.0.0.5', 'neighbour:a/e0/fd00::5']);
  });

  it('in a lab namespace: permanent entries with protocol 241 are owned, other permanent ones adoptable, learned ones ignored', () => {
    const got = neighbourKind.live(live(fixture('neigh-v4-v6-mixed.json')), ctxOf()).map((r) => [r.label, r.owned, r.adoptable ?? false]);
    expect(got).toEqual([
      ['10.0.0.9 on e0', false, true], ['10.0.0.8 on e0', false, true], ['10.0.0.5 on e0', true, false], ['10.0.0.4 on e0', true, false],
      ['10.0.0.3 on e0', false, true], ['10.9.9.9 on e0', false, true], ['fd00::9 on e0', false, true], ['fd00::5 on e0', true, false],
    ]); // 10.0.0.6 and 10.0.0.2 (REACHABLE) are the kernel's
  });

  it('converged: the declared entries read back with the lab\'s protocol; the others are not pruned', () => {
    expect(neighSteps(topo([OURS, OURS6, { address: '10.0.0.4', lladdr: '02:00:00:00:00:04', dev: 'e0' }]), live(fixture('neigh-v4-v6-mixed.json')))).toEqual([]);
    // 10.0.0.4 left out of the file: the lab's, pruned; the unmarked ones stay.
    const [del] = neighSteps(topo([OURS, OURS6]), live(fixture('neigh-nud-permanent.json')));
    expect([del.op, del.label]).toEqual(['delete', '10.0.0.4 on e0']);
    expect(lines([del])).toEqual(['neigh del 10.0.0.4 dev e0']);
    expect(del.cmds[0].undo!.map((c) => c.args.join(' '))).toEqual(['neigh replace 10.0.0.4 lladdr 02:00:00:00:00:04 dev e0 nud permanent protocol 241']);
  });

  it('a permanent entry without the mark at a declared place in a lab namespace is drift: restamped (and corrected)', () => {
    const s = neighSteps(topo([{ address: '10.0.0.9', lladdr: '02:00:00:00:00:09', dev: 'e0' }]), live(fixture('neigh-nud-permanent.json')))
      .find((x) => x.label === '10.0.0.9 on e0')!;
    expect([s.op, s.fields]).toEqual(['update', [['lladdr', '02:00:00:00:00:99', '02:00:00:00:00:09'], ['proto', undefined, '241']]]);
    expect(lines([s])).toEqual(['neigh replace 10.0.0.9 lladdr 02:00:00:00:00:09 dev e0 nud permanent protocol 241']);
    expect(s.cmds[0].undo!.map((c) => c.args.join(' '))).toEqual(['neigh replace 10.0.0.9 lladdr 02:00:00:00:00:99 dev e0 nud permanent']);
  });

  it('in the host: owned only with protocol 241 on an interface the lab owns; someone\'s entry at a declared place is a conflict', () => {
    const doc = [
      { dst: '10.0.0.5', dev: 'h0', lladdr: '02:00:00:00:00:05', state: ['PERMANENT'], protocol: '241' },
      { dst: '10.0.0.6', dev: 'eth9', lladdr: '02:00:00:00:00:06', state: ['PERMANENT'], protocol: '241' }, // not the lab's interface
      { dst: '10.0.0.7', dev: 'h0', lladdr: '02:00:00:00:00:07', state: ['PERMANENT'] },
    ];
    const host = withNeigh(ns('host', [lo(''), veth('h0', 5, 2, 1), veth('eth9', 6, 7, undefined, { ifalias: undefined })], { nsids: { 1: 'b' } }), doc);
    const s = snapshot(host, withNeigh(ns('b', [lo(), veth('e1', 2, 5, 0)], { nsids: { 0: 'host' } }), []));
    expect(neighbourKind.live(s, ctxOf()).map((r) => [r.label, r.owned, r.adoptable ?? false])).toEqual([
      ['10.0.0.5 on h0', true, false], ['10.0.0.6 on eth9', false, false], ['10.0.0.7 on h0', false, false]]);
    const t: Topology = {
      name: LAB, namespaces: { host: { neighbours: [{ address: '10.0.0.7', lladdr: '02:00:00:00:00:77', dev: 'h0' }] }, b: {} },
      veths: [{ ends: [{ name: 'h0' }, { name: 'e1', namespace: 'b' }] }],
    };
    const r = planFrom(t, s, ctxOf());
    expect(r.conflicts.map((c) => [c.label, c.holder])).toEqual([['10.0.0.7 on h0', 'neighbour 10.0.0.7 lladdr 02:00:00:00:00:07 on h0 in host']]);
    // The lab's own host entry, no longer declared, is pruned; the others are never touched.
    expect(visibleSteps(r.plan).filter((x) => x.kind === 'neighbour').map((x) => `${x.op} ${x.label}`)).toEqual(['delete 10.0.0.5 on h0']);
  });
});

describe('neighbour kind: planning', () => {
  it('creates with `neigh replace ... nud permanent protocol 241` (a learned entry gives way), IPv4 and IPv6, canonical spelling', () => {
    const s = neighSteps(topo([{ address: 'FD00:0::5', lladdr: '02:00:00:00:00:AB', dev: 'e0' }, OURS]), live([]));
    expect(s.map((x) => [x.op, x.label, x.stage])).toEqual([['create', 'fd00::5 on e0', 'config'], ['create', '10.0.0.5 on e0', 'config']]);
    expect(lines(s)).toEqual([
      'neigh replace fd00::5 lladdr 02:00:00:00:00:ab dev e0 nud permanent protocol 241',
      'neigh replace 10.0.0.5 lladdr 02:00:00:00:00:05 dev e0 nud permanent protocol 241',
    ]);
    expect(s[0].cmds[0].undo!.map((c) => c.args.join(' '))).toEqual(['neigh del fd00::5 dev e0']);
    // Converged once read back as the kernel prints it.
    expect(neighSteps(topo([{ address: 'FD00:0::5', lladdr: '02:00:00:00:00:AB', dev: 'e0' }]),
      live([{ dst: 'fd00::5', dev: 'e0', lladdr: '02:00:00:00:00:ab', state: ['PERMANENT'], protocol: '241' }]))).toEqual([]);
  });

  it('on a new lab: after the interface, its settings and its addresses, in the namespace\'s batch', () => {
    const all = visibleSteps(planFrom(topo([OURS]), snapshot(ns('host', [lo('')])), ctxOf()).plan);
    const rank = (kind: string, label?: string) => all.find((x) => x.kind === kind && x.ns === 'a' && (!label || x.label === label))!.rank;
    expect(rank('neighbour')).toBeGreaterThan(rank('address', '10.0.0.1/24 on e0'));
    expect(rank('neighbour')).toBeGreaterThan(rank('veth'));
  });

  it('a wrong lladdr is updated in place, undone to the old one', () => {
    const [s] = neighSteps(topo([{ ...OURS, lladdr: '02:00:00:00:00:55' }]),
      live([{ dst: '10.0.0.5', dev: 'e0', lladdr: '02:00:00:00:00:05', state: ['PERMANENT'], protocol: '241' }]));
    expect([s.op, s.fields]).toEqual(['update', [['lladdr', '02:00:00:00:00:05', '02:00:00:00:00:55']]]);
    expect(s.cmds[0].undo!.map((c) => c.args.join(' '))).toEqual(['neigh replace 10.0.0.5 lladdr 02:00:00:00:00:05 dev e0 nud permanent protocol 241']);
  });
});

describe('neighbour kind: plans that make the kernel flush them', () => {
  const both = [{ dst: '10.0.0.5', dev: 'e0', lladdr: '02:00:00:00:00:05', state: ['PERMANENT'], protocol: '241' },
    { dst: 'fd00::5', dev: 'e0', lladdr: '02:00:00:00:00:15', state: ['PERMANENT'], protocol: '241' }];
  const again = (t: Topology, s: ReturnType<typeof live>) => neighSteps(t, s).map((x) => `${x.op} ${x.label}`);

  it('the interface taken down: both families added again, after the settings change', () => {
    const t = topo([OURS, OURS6], { up: false });
    expect(again(t, live(both))).toEqual(['create 10.0.0.5 on e0', 'create fd00::5 on e0']);
    const all = steps(t, live(both));
    expect(all.find((x) => x.kind === 'neighbour')!.rank).toBeGreaterThan(all.find((x) => x.kind === 'veth-end')!.rank);
    // Brought up: nothing is flushed (entries added while down survive the up).
    expect(again(topo([OURS, OURS6]), live(both, { flags: ['BROADCAST', 'MULTICAST'] }))).toEqual([]);
  });

  it('another MAC: both added again', () => {
    expect(again(topo([OURS, OURS6], { mac: '02:00:00:00:00:aa' }), live(both))).toEqual(['create 10.0.0.5 on e0', 'create fd00::5 on e0']);
  });

  it('the last IPv4 address deleted: the IPv4 entries only; one IPv4 address left: none', () => {
    const t = (addresses: string[]): Topology => ({ ...topo([OURS, OURS6]), veths: [{ ends: [{ name: 'e0', namespace: 'a', addresses }, { name: 'e1', namespace: 'b' }] }] });
    expect(again(t(['10.0.0.11/24', 'fd00::1/64']), live(both))).toEqual(['create 10.0.0.5 on e0']);
    const two = live(both, { addr_info: [v4('10.0.0.1/24'), v4('10.0.1.1/24'), v6('fd00::1/64')] });
    expect(again(t(['10.0.1.1/24', 'fd00::1/64']), two)).toEqual([]);
    // And the entry comes after the address change (the deletion flushes it, the creation may give it its subnet).
    const all = steps(t(['10.0.0.11/24', 'fd00::1/64']), live(both));
    const n = all.find((x) => x.kind === 'neighbour')!.rank;
    expect(all.filter((x) => x.kind === 'address').every((x) => x.rank < n)).toBe(true);
  });

  it('an entry removed from the file goes before anything that would flush it (a `neigh del` of a flushed entry fails)', () => {
    const all = steps(topo([], { up: false, addresses: ['10.0.0.11/24'] }), live(both));
    const dels = all.filter((x) => x.kind === 'neighbour');
    expect(dels.map((x) => x.op)).toEqual(['delete', 'delete']);
    for (const other of all.filter((x) => x.kind !== 'neighbour' && x.ns === 'a')) expect(other.rank).toBeGreaterThan(dels[0].rank);
  });
});
