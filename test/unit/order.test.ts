// Semantics of the pure ordering: stages, deletes before creates, and subsumption (a namespace takes its
// interfaces, addresses and routes along; an interface takes its addresses and routes along).
import { describe, expect, it } from 'vitest';
import { ranks, stageOfRank } from '../../src/core/order.js';
import type { Kind } from '../../src/core/kind.js';
import { KINDS, planFrom } from '../../src/kinds/index.js';
import { STAGES, type Plan, type StageName, type Topology } from '../../src/model.js';
import { itemsOf } from '../../src/io/execute.js';
import { visibleSteps } from '../../src/render/plan.js';
import { LAB, bridge, ctxOf, lo, ns, snapshot, v4, veth } from './live-fixtures.js';

const lab: Topology = {
  name: LAB,
  namespaces: {
    a: { sysctls: { 'net.ipv4.ip_forward': 1 }, routes: [{ to: 'default', via: '10.0.1.254' }] },
    c: { routes: [{ to: 'default', via: '10.0.1.1' }] },
    host: { routes: [{ to: '10.0.1.0/24', via: '10.0.2.2' }] },
  },
  bridges: { br0: { addresses: ['10.0.3.1/24'] } },
  veths: [
    { ends: [{ name: 'e1', namespace: 'a', addresses: ['10.0.1.1/24'] }, { name: 'e2', namespace: 'c', addresses: ['10.0.1.2/24'] }] },
    { ends: [{ name: 'h1', addresses: ['10.0.2.1/24'] }, { name: 'e3', namespace: 'a', addresses: ['10.0.2.2/24'] }] },
  ],
};

/** The kernel after `apply` of `lab` (what read-live would return). */
const applied = () => snapshot(
  ns('host', [lo(''), bridge('br0', 4, { addr_info: [v4('10.0.3.1/24')] }), veth('h1', 5, 3, 0, { addr_info: [v4('10.0.2.1/24')] })], {
    nsids: { 0: 'a', 1: 'c' }, routes: [{ dst: '10.0.1.0/24', gateway: '10.0.2.2', dev: 'h1', protocol: '241' }],
  }),
  ns('a', [lo(), veth('e1', 2, 2, 1, { addr_info: [v4('10.0.1.1/24')] }), veth('e3', 3, 5, 9, { addr_info: [v4('10.0.2.2/24')] })], {
    nsids: { 1: 'c' }, sysctls: { 'net.ipv4.ip_forward': '1' },
    routes: [{ dst: 'default', gateway: '10.0.1.254', dev: 'e1', protocol: '241' }],
  }),
  ns('c', [lo(), veth('e2', 2, 2, 0, { addr_info: [v4('10.0.1.2/24')] })], {
    nsids: { 0: 'a' }, routes: [{ dst: 'default', gateway: '10.0.1.1', dev: 'e2', protocol: '241' }],
  }));
const state = { namespaces: ['a', 'c'], hostRoutes: ['route:host/10.0.1.0/24/0'], sysctls: {} };
const emptyKernel = () => snapshot(ns('host', [lo('')]));

const line = (p: Plan) => visibleSteps(p).map((s) => `${s.stage} ${s.op} ${s.kind} ${s.ns}`);
const argvs = (p: Plan) => visibleSteps(p).flatMap((s) => s.cmds.map((c) => `${c.ns}: ${c.args.join(' ')}`));

describe('order', () => {
  it('sorts steps by rank, each in the stage of its rank (config of a namespace creating a bridge: bridges)', () => {
    const { plan } = planFrom(lab, emptyKernel(), ctxOf());
    const steps = visibleSteps(plan);
    expect(steps.length).toBeGreaterThan(10);
    for (const s of steps) expect(s.stage).toBe(s.ns === 'host' && stageOfRank(s.rank) === 'config' ? 'bridges' : stageOfRank(s.rank));
    const ranks = steps.map((s) => s.rank);
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
    // What runs, stage after stage, is in the stages' fixed order.
    const run = STAGES.flatMap((st) => itemsOf(plan, st).map((it) => STAGES.indexOf(it.cmd.stage ?? it.step.stage)));
    expect(run).toEqual([...run].sort((x, y) => x - y));
    expect(run.length).toBe(steps.reduce((n, s) => n + s.cmds.length, 0));
  });

  it('a new bridge is created down and goes up in the bridges stage, after the other namespaces, before its namespace\'s routes', () => {
    const { plan } = planFrom(lab, emptyKernel(), ctxOf());
    const at = (st: StageName) => itemsOf(plan, st).map((it) => `${it.cmd.ns}: ${it.cmd.args.join(' ')}`);
    expect(at('links').find((l) => l.includes('type bridge'))).not.toMatch(/ up /);
    expect(at('config').every((l) => !l.startsWith('host:'))).toBe(true);
    expect(at('config').some((l) => l.startsWith('a: route add'))).toBe(true);
    expect(at('bridges')).toEqual([
      'host: link set dev br0 up',
      'host: addr add 10.0.3.1/24 dev br0',
      'host: addr add 10.0.2.1/24 dev h1',
      'host: route add 10.0.1.0/24 via 10.0.2.2 proto 241',
    ]);
    // Down by the file: created down, nothing deferred; brought up later by an edit: an ordinary config update.
    const down = planFrom({ ...lab, bridges: { br0: { up: false } } }, emptyKernel(), ctxOf()).plan;
    expect(itemsOf(down, 'bridges')).toEqual([]);
    const wasDown = applied();
    wasDown.ns.host.links = wasDown.ns.host.links.map((l) => (l.ifname === 'br0' ? { ...l, flags: ['BROADCAST'] } : l));
    const edit = planFrom(lab, wasDown, ctxOf(state)).plan;
    expect(visibleSteps(edit).map((s) => `${s.stage} ${s.op} ${s.kind} ${s.cmds.map((c) => c.args.join(' ')).join('; ')}`))
      .toEqual(['config update bridge link set dev br0 up']);
  });

  it('creates namespaces before links, links before ports and addresses, addresses before routes and sysctls', () => {
    const kinds = visibleSteps(planFrom(lab, emptyKernel(), ctxOf()).plan).map((s) => s.kind);
    const last = (k: string) => kinds.lastIndexOf(k), first = (k: string) => kinds.indexOf(k);
    expect(last('namespace')).toBeLessThan(first('bridge'));
    expect(last('bridge')).toBeLessThan(first('veth'));
    expect(last('veth')).toBeLessThan(first('loopback'));
    expect(last('veth-end')).toBeLessThan(first('address'));
    expect(last('address')).toBeLessThan(first('route'));
    expect(last('route')).toBeLessThan(first('sysctl'));
    expect(line(planFrom(lab, emptyKernel(), ctxOf()).plan).filter((l) => l.startsWith('namespaces')))
      .toEqual(['namespaces create namespace a', 'namespaces create namespace c']);
  });

  it('an applied lab re-planned is empty', () => {
    const { plan, conflicts } = planFrom(lab, applied(), ctxOf(state));
    expect(conflicts).toEqual([]);
    expect(visibleSteps(plan)).toEqual([]);
  });

  it('destroy: one `netns del` per namespace takes its interfaces, addresses and routes along, last', () => {
    const { plan } = planFrom(undefined, applied(), ctxOf(state));
    expect(argvs(plan)).toEqual([
      'host: link del dev br0',
      'host: netns del a',
      'host: netns del c',
    ]);
    expect(line(plan)).toEqual(['unlink delete bridge host', 'cleanup delete namespace a', 'cleanup delete namespace c']);
    // the veth pairs (even the one with an end in the host), their addresses and routes through them go along
    expect(plan.subsumed.map((c) => c.key).sort()).toEqual([
      'address:a/e1/10.0.1.1/24', 'address:a/e3/10.0.2.2/24', 'address:c/e2/10.0.1.2/24', 'address:host/br0/10.0.3.1/24', 'address:host/h1/10.0.2.1/24',
      'loopback:a', 'loopback:c', 'route:a/0.0.0.0/0/0', 'route:c/0.0.0.0/0/0', 'route:host/10.0.1.0/24/0', 'sysctl:a/net.ipv4.ip_forward',
      'veth-end:a/e1', 'veth-end:a/e3', 'veth-end:c/e2', 'veth-end:host/h1', 'veth:a/e1|c/e2', 'veth:a/e3|host/h1',
    ]);
  });

  it('a deletion that would go along with its namespace is run explicitly when a creation needs its name back', () => {
    // c is removed from the file; its peer's name e1 in a is reused by a new pair to a new namespace d
    const edited: Topology = {
      ...lab, namespaces: { a: lab.namespaces!.a, d: {}, host: lab.namespaces!.host },
      veths: [{ ends: [{ name: 'e1', namespace: 'a', addresses: ['10.0.1.1/24'] }, { name: 'e4', namespace: 'd' }] }, lab.veths![1]],
    };
    const { plan } = planFrom(edited, applied(), ctxOf(state));
    expect(line(plan)).toEqual([
      'namespaces create namespace d',
      'unlink delete veth a',
      'links create veth a',
      'config create loopback d',
      'config create veth-end d',
      'config create address a',
      'config create route a',
      'cleanup delete namespace c',
    ]);
    expect(argvs(plan).filter((x) => / link (add|del) /.test(x)))
      .toEqual(['a: link del dev e1', expect.stringMatching(/^a: link add name e1 .* peer name e4 .* netns d$/)]);
  });

  it('deletes come before creates: interfaces in a stage of their own, addresses and routes earlier in their stage', () => {
    const edited: Topology = {
      ...lab,
      namespaces: { ...lab.namespaces, a: { ...lab.namespaces!.a, routes: [{ to: 'default', via: '10.0.1.2' }] } },
      bridges: {},
      veths: [{ ends: [{ name: 'e1', namespace: 'a', addresses: ['10.0.1.9/24'] }, { name: 'e2', namespace: 'c', addresses: ['10.0.1.2/24'] }] },
        { ends: [{ name: 'h2', addresses: ['10.0.2.1/24'] }, { name: 'e3', namespace: 'a', addresses: ['10.0.2.2/24'] }] }],
    };
    const { plan } = planFrom(edited, applied(), ctxOf(state));
    const l = line(plan);
    expect(l.filter((x) => x.startsWith('unlink'))).toEqual(['unlink delete bridge host', 'unlink delete veth a']);
    expect(l.findIndex((x) => x.includes('delete address'))).toBeLessThan(l.findIndex((x) => x.includes('create address')));
    expect(argvs(plan).slice(0, 3)).toEqual(['host: link del dev br0', 'a: link del dev e3',
      expect.stringMatching(/^host: link add name h2 .* peer name e3 .* netns a$/)]);
    // routes the deletions take along (through the old h1; via the last IPv4 address of e1) are added after the addresses
    expect(l.slice(-2)).toEqual(['config create route a', 'config create route host']);
  });
});

describe('ordering after a group ("@group")', () => {
  it('expands to every operation that says it belongs to the group, of any kind', () => {
    const r = ranks(KINDS);
    const members = KINDS.flatMap((k) => (['create', 'update', 'delete'] as const)
      .filter((op) => k.order[op].groups?.includes('interface-settings')).map((op) => `${k.name}:${op}`));
    // Every interface kind's settings (a new interface kind joins in its own file).
    expect(members.sort()).toEqual(['bridge:update', 'macvlan:update', 'veth-end:create', 'veth-end:update', 'vxlan:update']);
    for (const after of ['address:create', 'address:update', 'neighbour:create', 'neighbour:update']) {
      for (const m of members) expect(r.get(after)!, `${after} after ${m}`).toBeGreaterThan(r.get(m)!);
    }
  });

  it('a group no operation belongs to is a mistake in a kind file', () => {
    const odd: Kind = { ...KINDS[0], name: 'odd', order: { create: { stage: 'config', after: ['@no-such-group'] }, update: { stage: 'config' }, delete: { stage: 'config' } } };
    expect(() => ranks([...KINDS, odd])).toThrow('odd:create is ordered after @no-such-group, a group no kind\'s operation belongs to');
  });
});
