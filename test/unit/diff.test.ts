// Semantics of the pure diff: what is created, changed, deleted, left alone, or refused as a conflict.
import { describe, expect, it } from 'vitest';
import { diff } from '../../src/core/diff.js';
import type { Kind } from '../../src/core/kind.js';
import { planFrom } from '../../src/kinds/index.js';
import { visibleSteps } from '../../src/render/plan.js';
import type { Resource, Topology } from '../../src/model.js';
import { LAB, ctxOf, emptyHost, lo, ns, snapshot, v4, v6, veth } from './live-fixtures.js';

const thing: Kind = {
  name: 'thing', order: { create: { stage: 'config' }, update: { stage: 'config' }, delete: { stage: 'config' } },
  desired: () => [], live: () => [], create: () => [], update: () => [], remove: () => [],
};
const r = (key: string, o: Partial<Resource> = {}): Resource =>
  ({ kind: 'thing', key, ns: 'n', label: key, props: {}, claims: [`name:${key}`], parents: [], ...o });
const ops = (d: Resource[], l: Resource[], kinds = [thing]) =>
  diff(d, l, kinds).changes.map((c) => `${c.op} ${c.key}`).sort();

describe('diff', () => {
  it('creates what is missing, deletes what the lab owns and no longer wants, leaves equal objects alone', () => {
    expect(ops([r('a'), r('b')], [r('b', { owned: true }), r('c', { owned: true })])).toEqual(['create a', 'delete c']);
  });

  it('never deletes or changes an object the lab does not own', () => {
    expect(ops([], [r('x', { owned: false })])).toEqual([]);
    expect(diff([r('x', { props: { v: 1 } })], [r('x', { owned: false, props: { v: 2 } })], [thing]).changes).toEqual([]);
  });

  it('a declared object whose name is held by an unowned one is a conflict naming the holder, not a change', () => {
    const res = diff([r('a', { claims: ['link:n/eth0'], path: '/veths/0' })],
      [r('foreign', { owned: false, claims: ['link:n/eth0'], label: 'eth0' })], [thing]);
    expect(res.changes).toEqual([]);
    expect(res.conflicts).toEqual([{ key: 'a', label: 'a', ns: 'n', holder: 'thing eth0 in n', path: '/veths/0',
      claims: ['link:n/eth0'], parents: [], holderClaims: ['link:n/eth0'], holderNs: 'n' }]);
  });

  it('updates compare only the fields the file declares (undefined = "don\'t care")', () => {
    const d = r('a', { props: { mtu: undefined, up: true } });
    expect(diff([d], [r('a', { owned: true, props: { mtu: 9000, up: true } })], [thing]).changes).toEqual([]);
    const c = diff([d], [r('a', { owned: true, props: { mtu: 9000, up: false } })], [thing]).changes;
    expect(c.map((x) => [x.op, x.fields])).toEqual([['update', [['up', false, true]]]]);
  });

  it("an object the kernel drops as a side effect of another object's update is created again (droppedWith sees the updates)", () => {
    const setting: Kind = { ...thing, name: 'setting' };
    const follower: Kind = { ...thing, name: 'follower',
      droppedWith: (_l, _deletes, _live, updates) => updates.some((u) => u.key === 'link' && u.fields!.some(([f, , v]) => f === 'up' && v === false)) };
    const link = (up: boolean, o: Partial<Resource> = {}) => r('link', { kind: 'setting', props: { up }, ...o });
    const entry = (o: Partial<Resource> = {}) => r('entry', { kind: 'follower', ...o });
    const kinds = [setting, follower];
    // Taken down: the entry is created again; an unrelated change (or none) leaves it alone.
    expect(ops([link(false), entry()], [link(true, { owned: true }), entry({ owned: true })], kinds)).toEqual(['create entry', 'update link']);
    expect(ops([link(true), entry()], [link(true, { owned: true }), entry({ owned: true })], kinds)).toEqual([]);
    const c = diff([link(false), entry()], [link(true, { owned: true }), entry({ owned: true })], kinds).changes;
    expect(c.map((x) => x.op)).toEqual(['update', 'create']); // the order of the declared objects is kept
  });

  it('an object whose parent is deleted (or re-created) is created again when still desired', () => {
    const parentOld = r('link-old', { owned: true, claims: ['link:n/eth1'] });
    const child = (o: Partial<Resource>) => r('addr', { claims: [], parents: ['link:n/eth1'], ...o });
    expect(ops([r('link-new', { claims: ['link:n/eth1'] }), child({})], [parentOld, child({ owned: true })]))
      .toEqual(['create addr', 'create link-new', 'delete link-old']);
  });
});

describe('diff with the real kinds', () => {
  const topo = (addresses: string[]): Topology => ({
    name: LAB, namespaces: { a: { routes: [{ to: 'default', via: '10.0.0.254' }, { to: 'fd00:9::/64', via: 'fd00::254' }] }, b: {} },
    veths: [{ ends: [{ name: 'e1', namespace: 'a', addresses }, { name: 'e2', namespace: 'b' }] }],
  });
  const live = (addrs: string[]) => snapshot(emptyHost(),
    ns('a', [lo(), veth('e1', 2, 2, 0, { addr_info: addrs.map((x) => (x.includes(':') ? v6(x) : v4(x))) })], {
      nsids: { 0: 'b' },
      routes: [{ dst: 'default', gateway: '10.0.0.254', dev: 'e1', protocol: '241' },
        { dst: '10.0.0.0/24', dev: 'e1', protocol: 'kernel', scope: 'link' },
        { dst: 'fd00:9::/64', gateway: 'fd00::254', dev: 'e1', protocol: '241', metric: 1024, pref: 'medium' }],
    }),
    ns('b', [lo(), veth('e2', 2, 2, 0)], { nsids: { 0: 'a' } }));
  const changes = (want: string[], have: string[]) =>
    visibleSteps(planFrom(topo(want), live(have), ctxOf()).plan).map((s) => `${s.op} ${s.key}`);

  it('an address change that deletes the last IPv4 address of an interface re-adds the IPv4 routes through it', () => {
    expect(changes(['10.0.0.2/24', 'fd00::2/64'], ['10.0.0.1/24', 'fd00::2/64'])).toEqual([
      'delete address:a/e1/10.0.0.1/24', 'create address:a/e1/10.0.0.2/24', 'create route:a/0.0.0.0/0/0']);
  });

  it('an address change that leaves another IPv4 address on the interface keeps the routes as they are', () => {
    expect(changes(['10.0.0.1/24'], ['10.0.0.1/24', '10.0.0.7/24', 'fd00::2/64'])).toEqual([
      'delete address:a/e1/10.0.0.7/24', 'delete address:a/e1/fd00::2/64']);
  });

  it('a route in a lab namespace replaced by hand (another gateway, protocol boot) is drift, not a conflict', () => {
    const s = live(['10.0.0.1/24', 'fd00::2/64']);
    s.ns.a.routes[0] = { dst: 'default', gateway: '10.0.0.9', dev: 'e1', protocol: 'boot' };
    const { plan, conflicts } = planFrom(topo(['10.0.0.1/24', 'fd00::2/64']), s, ctxOf());
    expect(conflicts).toEqual([]);
    const [step] = visibleSteps(plan);
    expect([step.op, step.fields]).toEqual(['update', [['via', '10.0.0.9', '10.0.0.254'], ['proto', 'boot', '241']]]);
    expect(step.cmds[0].args).toEqual(['route', 'replace', '0.0.0.0/0', 'via', '10.0.0.254', 'proto', '241']);
  });

  it('a route added by hand in a lab namespace (another protocol) is not the lab\'s: left alone', () => {
    const s = live(['10.0.0.1/24', 'fd00::2/64']);
    s.ns.a.routes.push({ dst: '10.8.0.0/16', gateway: '10.0.0.9', dev: 'e1', protocol: 'boot' });
    expect(visibleSteps(planFrom(topo(['10.0.0.1/24', 'fd00::2/64']), s, ctxOf()).plan)).toEqual([]);
  });

  it('a route with the lab\'s protocol in a lab namespace that the file no longer declares is pruned', () => {
    const s = live(['10.0.0.1/24', 'fd00::2/64']);
    s.ns.a.routes.push({ dst: '10.8.0.0/16', gateway: '10.0.0.9', dev: 'e1', protocol: '241' });
    const steps = visibleSteps(planFrom(topo(['10.0.0.1/24', 'fd00::2/64']), s, ctxOf()).plan);
    expect(steps.map((st) => [st.op, st.key, st.cmds[0].args.join(' ')])).toEqual([
      ['delete', 'route:a/10.8.0.0/16/0', 'route del 10.8.0.0/16 via 10.0.0.9 dev e1 proto 241']]);
  });

  it("the kernel's own routes in a lab namespace are neither the lab's nor a conflict", () => {
    const { plan, live: l, conflicts } = planFrom(topo(['10.0.0.1/24', 'fd00::2/64']), live(['10.0.0.1/24', 'fd00::2/64']), ctxOf());
    expect(conflicts).toEqual([]);
    expect(visibleSteps(plan)).toEqual([]);
    expect(l.find((x) => x.key === 'route:a/10.0.0.0/24/0')?.owned).toBe(false);
  });

  it('a route in the host namespace is the lab\'s only when its state record lists it and it carries the lab\'s protocol', () => {
    const hostWith = (protocol: string) => snapshot(ns('host', [lo('')], { routes: [{ dst: '10.9.0.0/24', dev: 'eth0', protocol }] }));
    const declared: Topology = { name: LAB, namespaces: { host: { routes: [{ to: '10.9.0.0/24', dev: 'eth0' }] } } };
    const recorded = ctxOf({ hostRoutes: ['route:host/10.9.0.0/24/0'] });
    expect(planFrom(declared, hostWith('241'), ctxOf()).conflicts.map((c) => c.key)).toEqual(['route:host/10.9.0.0/24/0']);
    expect(visibleSteps(planFrom({ name: LAB }, hostWith('241'), ctxOf()).plan)).toEqual([]);
    // Listed, but someone's own (a stale record): neither deleted nor repaired.
    expect(visibleSteps(planFrom({ name: LAB }, hostWith('boot'), recorded).plan)).toEqual([]);
    expect(planFrom(declared, hostWith('boot'), recorded).conflicts.map((c) => c.key)).toEqual(['route:host/10.9.0.0/24/0']);
    expect(visibleSteps(planFrom({ name: LAB }, hostWith('241'), recorded).plan).map((st) => st.cmds[0].args))
      .toEqual([['route', 'del', '10.9.0.0/24', 'dev', 'eth0', 'proto', '241']]);
  });
});
